"""The one-off database tasks (the EFS copy and the roles task): valid ECS requests, non-root and
read-only, no RDS password anywhere (the owner role logs in with IAM tokens), the old database's
credential the only secret, no EFS, and a script that refuses to cut over on any difference."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import botocore.session
import pulumi
import pytest
from botocore.validate import ParamValidator

from components.database_roles import OWNER_ROLE, app_role_sql
from components.migration import (
    MIGRATION_SCRIPT,
    TOKEN_CONTAINER_NAME,
    Migration,
    migration_container_definitions,
    postgres_image,
)
from foundation.records import StackRun
from settings import SettingsError, settings_from_config
from settings.schema import POSTGRES_TOOLS_IMAGES, MigrationSettings
from tools.offline.runner import run_program, run_stack, stack_config

SOURCE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:perfcheck/old-db-AbCdEf"
SOURCE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b0b0b0b-1111-4222-8333-444455556666"
TARGET_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a0a0a0a-1111-4222-8333-444455556666"
OWNER_CONNECT = f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGH/{OWNER_ROLE}"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
MIGRATION_CONFIG = {
    "enabled": True,
    "sourceHost": "old-db.perfcheck.internal",
    "sourceSecretArn": SOURCE_SECRET,
    "sourceSecretKmsKeyArn": SOURCE_KEY,
    "sourceCidr": "10.99.0.0/16",
}


def definitions() -> list[dict]:
    return migration_container_definitions(
        image=postgres_image(17),
        source_host="old-db.perfcheck.internal",
        source_port=5432,
        source_database="perfcheck",
        source_ssl_mode="prefer",
        source_secret_arn=SOURCE_SECRET,
        target_host="perfcheck-prod-postgres.cabc.eu-west-1.rds.amazonaws.com",
        target_database="perfcheck",
        log_group="/perfcheck/perfcheck-prod/database/migration",
        region="eu-west-1",
    )


# ---- the container definition ------------------------------------------------------------------


def test_the_task_definition_is_a_request_ecs_accepts() -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    request = {
        "family": "perfcheck-prod-db-migration",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "1024",
        "memory": "2048",
        "executionRoleArn": "arn:aws:iam::123456789012:role/migration-execution",
        "containerDefinitions": definitions(),
        "volumes": [{"name": "tmp"}],
    }
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def test_the_containers_are_non_root_read_only_with_a_writable_tmp() -> None:
    token, container = definitions()
    for each in (token, container):
        assert each["user"].split(":")[0] not in ("0", "root")
        assert each["readonlyRootFilesystem"] is True
        assert each["mountPoints"] == [
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
        ]
        assert each["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
        assert each["logConfiguration"]["logDriver"] == "awslogs"
    assert container["image"] == postgres_image(17) == POSTGRES_TOOLS_IMAGES[17]  # by digest
    assert token["name"] == TOKEN_CONTAINER_NAME and token["essential"] is False
    assert container["dependsOn"] == [
        {"containerName": TOKEN_CONTAINER_NAME, "condition": "HEALTHY"}
    ]


def test_the_only_secret_is_the_old_databases_the_target_login_is_iam() -> None:
    token, container = definitions()
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
        "SOURCE_USER": f"{SOURCE_SECRET}:username::",
        "SOURCE_PASSWORD": f"{SOURCE_SECRET}:password::",
    }
    assert "secrets" not in token
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert not any("PASSWORD" in n for n in environment)
    assert environment["TARGET_USER"] == OWNER_ROLE
    assert {e["name"]: e["value"] for e in token["environment"]}["PGUSER"] == OWNER_ROLE
    assert {"SOURCE_SSLMODE": "prefer", "TARGET_SSLMODE": "require"}.items() <= environment.items()
    # The grants come from database_roles.py, applied after the restore.
    assert environment["ROLES_SQL"] == app_role_sql("perfcheck")


# ---- the script (run by a POSIX shell against stub client tools) -----------------------------

STUB_PSQL = r"""#!/bin/sh
query="$*"
case "$query" in
  *"version()"*) echo "PostgreSQL 17 ($PGHOST)" ;;
  *"count(*) from pg_stat_user_tables"*)
    if [ "$PGHOST" = target ]; then echo "${STUB_TARGET_TABLES:-0}"; else echo 2; fi ;;
  *"format("*) printf 'public.users\npublic."Order Items"\n' ;;
  *"from public.users"*)
    if [ "$PGHOST" = target ]; then echo "${STUB_TARGET_USERS:-10}"; else echo 10; fi ;;
  *"from public.\"Order Items\""*) echo 7 ;;
  *ANALYZE*) echo analyzed >> "$STUB_LOG" ;;
  *ON_ERROR_STOP*)
    [ "$PGPASSWORD" = target-password ] || { echo "psql got the wrong token" >&2; exit 8; }
    sed 's/^/roles: /' >> "$STUB_LOG" ;;
  *) echo "unexpected query: $query" >&2; exit 9 ;;
esac
"""
STUB_DUMP = """#!/bin/sh
[ "$PGPASSWORD" = source-password ] || { echo "pg_dump got the wrong password" >&2; exit 8; }
echo "dump of $PGDATABASE"
exit "${STUB_DUMP_STATUS:-0}"
"""
STUB_RESTORE = """#!/bin/sh
[ "$PGPASSWORD" = target-password ] || { echo "pg_restore got the wrong password" >&2; exit 8; }
cat > /dev/null
echo "restored $*" >> "$STUB_LOG"
"""


@pytest.fixture(scope="module")
def stub_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("stubs")
    for name, text in (("psql", STUB_PSQL), ("pg_dump", STUB_DUMP), ("pg_restore", STUB_RESTORE)):
        path = directory / name
        path.write_text(text)
        path.chmod(0o755)
    return directory


def run_script(stub_tools: Path, tmp_path: Path, **stub: str) -> tuple[int, str, str]:
    """Run the script as the container would (sh -c), with ECS-like environment and secrets."""
    shell = shutil.which("bash")
    if shell is None:
        pytest.skip("needs bash (a POSIX shell with pipefail, like the image's busybox ash)")
    log = tmp_path / "stub.log"
    token = tmp_path / "rds-token"
    token.write_text("target-password")  # what the sidecar would have signed
    environment = {
        "PATH": f"{stub_tools}:{os.environ['PATH']}",
        "SOURCE_HOST": "source",
        "SOURCE_PORT": "5432",
        "SOURCE_DB": "perfcheck",
        "SOURCE_SSLMODE": "prefer",
        "SOURCE_USER": "old",
        "SOURCE_PASSWORD": "source-password",
        "TARGET_HOST": "target",
        "TARGET_PORT": "5432",
        "TARGET_DB": "perfcheck",
        "TARGET_SSLMODE": "require",
        "TARGET_USER": OWNER_ROLE,
        "RDS_LOGIN_FILE": str(token),
        "ROLES_SQL": app_role_sql("perfcheck"),
        "HOME": str(tmp_path),
        "STUB_LOG": str(log),
        **{f"STUB_{k.upper()}": v for k, v in stub.items()},
    }
    done = subprocess.run(
        [shell, "--posix", "-c", MIGRATION_SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return done.returncode, done.stdout, log.read_text() if log.exists() else ""


def test_script_copies_then_confirms_every_row_count(stub_tools: Path, tmp_path: Path) -> None:
    status, out, log = run_script(stub_tools, tmp_path)
    assert status == 0, out
    assert "rows public.users source=10 target=10" in out
    assert 'rows public."Order Items" source=7 target=7' in out
    assert "--single-transaction" in log and "--exit-on-error" in log and "analyzed" in log
    assert "source-password" not in out and "target-password" not in out
    # After the copy, the app role's grants are applied, once, as the owner role.
    assert log.count("roles: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES") == 1
    assert log.index("analyzed") < log.index("roles: ")


def test_no_grants_when_the_copy_does_not_match(stub_tools: Path, tmp_path: Path) -> None:
    status, _, log = run_script(stub_tools, tmp_path, target_users="9")
    assert status == 4
    assert "roles: " not in log


def test_script_fails_when_a_row_count_differs(stub_tools: Path, tmp_path: Path) -> None:
    status, out, _ = run_script(stub_tools, tmp_path, target_users="9")
    assert status == 4
    assert "rows public.users source=10 target=9" in out


def test_script_refuses_a_target_that_already_has_tables(stub_tools: Path, tmp_path: Path) -> None:
    status, _, log = run_script(stub_tools, tmp_path, target_tables="3")
    assert status == 3
    assert "restored" not in log


def test_script_stops_when_the_dump_fails(stub_tools: Path, tmp_path: Path) -> None:
    status, out, _ = run_script(stub_tools, tmp_path, dump_status="1")
    assert status != 0
    assert "rows " not in out


# ---- the component -------------------------------------------------------------------------


@functools.cache
def migration_run() -> StackRun:
    settings = MigrationSettings.model_validate(MIGRATION_CONFIG)

    def program() -> None:
        migration = Migration(
            "migration",
            {
                "name_prefix": "perfcheck-prod",
                "migration": settings,
                "vpc_id": "vpc-0abc",
                "vpc_cidr": "10.30.0.0/16",
                "database_security_group_id": "sg-0database",
                "endpoint_security_group_ids": {"logs": "sg-0logs", "secretsmanager": "sg-0sm"},
                "target_host": "perfcheck-prod-postgres.cabc.eu-west-1.rds.amazonaws.com",
                "target_database": "perfcheck",
                "owner_connect_arn": OWNER_CONNECT,
                "postgres_major": 17,
                "architecture": "ARM64",
                "log_retention_days": 30,
                "log_key_arn": TARGET_KEY,
            },
        )
        pulumi.export("taskDefinitionArn", migration.task_definition_arn)

    return run_program(program)


def test_task_definition_is_a_one_off_fargate_task_without_efs() -> None:
    run = migration_run()
    task = run.one(TASK_DEFINITION)
    inputs = task.wire_inputs
    assert inputs["requiresCompatibilities"] == ["FARGATE"] and inputs["networkMode"] == "awsvpc"
    assert inputs["volumes"] == [{"name": "tmp"}]
    assert run.by_type("aws:ecs/service:Service") == []
    for container in json.loads(inputs["containerDefinitions"]):
        assert container["logConfiguration"]["options"]["awslogs-group"] == (
            "/perfcheck/perfcheck-prod/database/migration"
        )
    log_group = run.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.wire_inputs["retentionInDays"] == 30


def _policy(run: StackRun, name: str) -> dict:
    return json.loads(run.one("aws:iam/rolePolicy:RolePolicy", name).wire_inputs["policy"])


def test_execution_role_reads_only_the_old_databases_secret() -> None:
    run = migration_run()
    task = run.one(TASK_DEFINITION)
    role = run.one("aws:iam/role:Role", "migration-execution-role")
    assert task.wire_inputs["executionRoleArn"] == role.outputs["arn"]
    statements = {s["Sid"]: s for s in _policy(run, "migration-execution-policy")["Statement"]}
    assert statements["ReadSourceSecret"]["Resource"] == SOURCE_SECRET
    assert statements["ReadSourceSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["DecryptSourceSecret"]["Resource"] == SOURCE_KEY
    for statement in statements.values():
        assert "*" not in json.dumps(statement["Resource"]).replace(":*", "")


def test_task_role_may_only_connect_as_the_owner_role() -> None:
    run = migration_run()
    task = run.one(TASK_DEFINITION)
    role = run.one("aws:iam/role:Role", "migration-task-role")
    assert task.wire_inputs["taskRoleArn"] == role.outputs["arn"]
    (statement,) = _policy(run, "migration-task-policy")["Statement"]
    assert (statement["Action"], statement["Resource"]) == ("rds-db:connect", OWNER_CONNECT)


def test_network_reaches_source_target_and_https_only() -> None:
    run = migration_run()
    egress = {
        r.name: r.wire_inputs
        for r in run.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    }
    assert egress["migration-to-source"]["cidrIpv4"] == "10.99.0.0/16"
    assert egress["migration-to-target"]["referencedSecurityGroupId"] == "sg-0database"
    assert {r["fromPort"] for r in egress.values()} == {443, 5432}
    group = run.one("aws:ec2/securityGroup:SecurityGroup")
    ingress = {
        r.wire_inputs["securityGroupId"]: r.wire_inputs
        for r in run.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    # The database, and the endpoints its logs and its one secret go through, admit the task.
    assert set(ingress) == {"sg-0database", "sg-0logs", "sg-0sm"}
    assert {i["referencedSecurityGroupId"] for i in ingress.values()} == {group.outputs["id"]}
    assert ingress["sg-0logs"]["fromPort"] == ingress["sg-0sm"]["fromPort"] == 443


# ---- settings and wiring --------------------------------------------------------------------


def test_the_stacks_have_no_migration_task_unless_enabled(each_stack: StackRun) -> None:
    assert not [t for t in each_stack.by_type(TASK_DEFINITION) if "migration" in t.name]
    assert "migrationTaskDefinitionArn" not in each_stack.outputs


def test_enabling_the_migration_wires_it_to_the_database() -> None:
    config, secret = stack_config("staging")
    config["perfcheck:migration"] = json.dumps(MIGRATION_CONFIG)
    run = run_stack("staging", config=config, secret_keys=secret)
    task = run.one(TASK_DEFINITION, "migration-task")
    assert run.outputs["migrationTaskDefinitionArn"] == task.outputs["arn"]
    instance = run.one("aws:rds/instance:Instance")
    _, container = json.loads(task.wire_inputs["containerDefinitions"])
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["TARGET_HOST"] == instance.outputs["address"]
    master_secret = instance.outputs["masterUserSecrets"][0]["secretArn"]
    assert master_secret not in json.dumps(dict(task.wire_inputs))
    assert container["image"] == POSTGRES_TOOLS_IMAGES[17]  # the major's image, by digest
    assert task.wire_inputs["runtimePlatform"]["cpuArchitecture"] == "ARM64"


@pytest.mark.parametrize(
    "section,expected",
    [
        (
            {"enabled": True, "sourceHost": "db", "sourceSecretArn": SOURCE_SECRET,
             "sourceCidr": "10.0.0.0/33"},
            "perfcheck:migration.sourceCidr: got \"10.0.0.0/33\"; not an IPv4 CIDR block",
        ),
        (
            {"enabled": True, "sourceHost": "db"},
            "perfcheck:migration: enabled needs sourceHost and sourceSecretArn",
        ),
        (
            {"sourceSslMode": "always"},
            "perfcheck:migration.sourceSslMode: got \"always\"; expected one of: disable, allow,",
        ),
    ],
)  # fmt: skip
def test_bad_migration_settings_are_refused_by_key(section: dict, expected: str) -> None:
    config, _ = stack_config("staging")
    config["perfcheck:migration"] = json.dumps(section)
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "staging", config)
    (problem,) = caught.value.problems
    assert problem.startswith(expected), problem
