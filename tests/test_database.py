"""Database: private, encrypted, TLS-only, Multi-AZ and undeletable in prod, backed up as set,
observable, rotated, replicated to the DR region in prod, and reached through the proxy when on."""

from __future__ import annotations

import functools
import json

import pulumi
import pytest

from components.data_names import (
    aws_identifier,
    database_identifier,
    database_proxy_name,
    rds_log_group_name,
)
from components.database import (
    DYNAMIC_PARAMETERS,
    Database,
    database_parameters,
    parameter_apply_method,
)
from components.database_roles import APP_ROLE
from foundation.engine_versions import (
    instance_engine_version,
    postgres_major,
    postgres_parameter_group_family,
)
from foundation.records import ResourceRecord, StackRun
from settings import Settings, SettingsError, settings_from_config
from tools.offline.runner import run_program, stack_config

INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
KEY = "aws:kms/key:Key"
PROXY = "aws:rds/proxy:Proxy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
BACKUP_REPLICATION = (
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
)


@functools.cache
def settings_of(stack: str) -> Settings:
    return settings_from_config("perfcheck", stack, stack_config(stack)[0])


def instance_of(run: StackRun) -> ResourceRecord:
    return run.one(INSTANCE)


def key_by_arn(run: StackRun, arn: str) -> ResourceRecord:
    keys = [k for k in run.by_type(KEY) if k.outputs["arn"] == arn]
    assert len(keys) == 1, f"no single KMS key with ARN {arn}"
    return keys[0]


def master_secret_arn(run: StackRun) -> str:
    return instance_of(run).outputs["masterUserSecrets"][0]["secretArn"]


# ---- pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version,family",
    [("14", "postgres14"), ("16.4", "postgres16"), ("17.6", "postgres17"), ("18.1", "postgres18")],
)
def test_parameter_group_family_follows_the_major_version(version: str, family: str) -> None:
    assert postgres_parameter_group_family(version) == family


@pytest.mark.parametrize("version", ["13.4", "19", "17.x", "", "postgres17"])
def test_unsupported_engine_versions_are_refused_by_name(version: str) -> None:
    with pytest.raises(ValueError, match="not supported"):
        postgres_major(version)


def test_instance_gets_only_the_major_when_aws_upgrades_minors() -> None:
    assert instance_engine_version("17.6", auto_minor_version_upgrade=True) == "17"
    assert instance_engine_version("17.6", auto_minor_version_upgrade=False) == "17.6"


def test_only_dynamic_parameters_are_applied_immediately() -> None:
    parameters = database_parameters(slow_statement_ms=750)
    assert parameters["rds.force_ssl"] == "1"
    assert parameters["log_min_duration_statement"] == "750"
    for name in parameters:
        expected = "immediate" if name in DYNAMIC_PARAMETERS else "pending-reboot"
        assert parameter_apply_method(name) == expected
    # A static parameter sent as `immediate` is refused by ModifyDBParameterGroup.
    assert parameter_apply_method("shared_preload_libraries") == "pending-reboot"


def test_identifiers_are_valid_rds_identifiers() -> None:
    assert database_identifier("perfcheck-prod") == "perfcheck-prod-postgres"
    assert database_proxy_name("perfcheck-prod") == "perfcheck-prod-postgres-proxy"
    long_name = database_identifier("Perfcheck--" + "x" * 80)
    assert len(long_name) <= 63 and "--" not in long_name and long_name == long_name.lower()
    assert not aws_identifier("a-" + "b" * 61 + "-c", 63).endswith("-")
    with pytest.raises(ValueError, match="must start with a letter"):
        aws_identifier("1-perfcheck", 63)


# ---- both stacks ------------------------------------------------------------------------------


def test_database_is_private_in_the_isolated_subnets_behind_its_own_group(
    each_stack: StackRun,
) -> None:
    instance = instance_of(each_stack)
    assert instance.wire_inputs["publiclyAccessible"] is False
    vpc = each_stack.one("awsx:ec2:Vpc")
    subnet_group = each_stack.one(SUBNET_GROUP)
    assert instance.wire_inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
    assert subnet_group.wire_inputs["subnetIds"] == vpc.outputs["isolatedSubnetIds"]
    database_sg = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-database-sg")
    assert instance.wire_inputs["vpcSecurityGroupIds"] == [database_sg.outputs["id"]]


def test_storage_and_performance_insights_are_encrypted_with_a_rotating_cmk(
    each_stack: StackRun,
) -> None:
    inputs = instance_of(each_stack).wire_inputs
    assert inputs["storageEncrypted"] is True
    assert inputs["performanceInsightsEnabled"] is True
    key = key_by_arn(each_stack, inputs["kmsKeyId"])
    assert key.name == "database-key" and key.wire_inputs["enableKeyRotation"] is True
    assert inputs["performanceInsightsKmsKeyId"] == key.outputs["arn"]
    assert inputs["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert inputs["storageType"] == "gp3"
    assert inputs["maxAllocatedStorage"] > inputs["allocatedStorage"]


def test_availability_and_backups_follow_the_settings(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).database
    inputs = instance_of(each_stack).wire_inputs
    assert inputs["multiAz"] is settings.multi_az
    assert inputs["backupRetentionPeriod"] >= settings.backup_retention_days
    assert inputs["backupWindow"] == settings.backup_window
    assert inputs["maintenanceWindow"] == settings.maintenance_window
    assert inputs["copyTagsToSnapshot"] is True
    if each_stack.stack == "prod":
        assert inputs["multiAz"] is True
        assert inputs["backupRetentionPeriod"] >= 7
        assert inputs["deleteAutomatedBackups"] is False


def test_prod_database_cannot_be_deleted_without_a_final_snapshot(each_stack: StackRun) -> None:
    inputs = instance_of(each_stack).wire_inputs
    # Both stacks keep a final snapshot (cents of storage; staging holds the migration rehearsal).
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["finalSnapshotIdentifier"].startswith(inputs["identifier"] + "-final-")
    assert (
        inputs["deletionProtection"] is settings_of(each_stack.stack).database.deletion_protection
    )
    if each_stack.stack == "prod":
        assert inputs["deletionProtection"] is True


def test_stateful_database_resources_are_protected_as_set(each_stack: StackRun) -> None:
    expected = settings_of(each_stack.stack).protect
    instance = instance_of(each_stack)
    stateful = [
        instance,
        key_by_arn(each_stack, instance.wire_inputs["kmsKeyId"]),
        *each_stack.by_type(BACKUP_REPLICATION),
    ]
    assert {r.name: r.protect for r in stateful} == {r.name: expected for r in stateful}
    if each_stack.stack == "prod":
        assert all(r.protect for r in stateful)
    # The parameter group holds no data, and a major upgrade replaces it (new family): the
    # engine refuses to replace a protected resource (perfcheck_deploy/in_use.py).
    assert each_stack.one(PARAMETER_GROUP).protect is False


def test_parameter_group_forces_tls_and_matches_the_engine(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).database
    instance = instance_of(each_stack)
    group = each_stack.one(PARAMETER_GROUP)
    assert instance.wire_inputs["parameterGroupName"] == group.outputs["name"]
    assert group.wire_inputs["family"] == f"postgres{settings.major_version}"
    assert instance.wire_inputs["engineVersion"].split(".")[0] == str(settings.major_version)
    values = {p["name"]: p for p in group.wire_inputs["parameters"]}
    assert values["rds.force_ssl"]["value"] == "1"
    assert values["log_min_duration_statement"]["value"] == str(settings.slow_statement_ms)
    for name, parameter in values.items():
        if parameter["applyMethod"] == "immediate":
            assert name in DYNAMIC_PARAMETERS, f"{name} may be static: AWS refuses immediate"


def test_master_password_is_managed_by_rds_and_rotated_on_schedule(each_stack: StackRun) -> None:
    inputs = instance_of(each_stack).wire_inputs
    assert inputs["manageMasterUserPassword"] is True
    assert "password" not in inputs and "passwordWo" not in inputs
    (rotation,) = [
        r
        for r in each_stack.by_type(ROTATION)
        if r.wire_inputs["secretId"] == master_secret_arn(each_stack)
    ]
    days = settings_of(each_stack.stack).database.password_rotation_days
    assert rotation.wire_inputs["rotationRules"] == {"automaticallyAfterDays": days}


def test_iam_auth_tls_ca_and_extended_support(each_stack: StackRun) -> None:
    inputs = instance_of(each_stack).wire_inputs
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert inputs["engineLifecycleSupport"] == "open-source-rds-extended-support-disabled"
    assert inputs["autoMinorVersionUpgrade"] is True


def test_enhanced_monitoring_uses_the_aws_managed_role_policy(each_stack: StackRun) -> None:
    inputs = instance_of(each_stack).wire_inputs
    assert inputs["monitoringInterval"] == 60
    role = each_stack.one("aws:iam/role:Role", "database-monitoring-role")
    assert inputs["monitoringRoleArn"] == role.outputs["arn"]
    trust = json.loads(role.wire_inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    attachment = each_stack.one(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "database-monitoring-policy"
    )
    assert attachment.wire_inputs["role"] == role.outputs["name"]
    assert attachment.urn in instance_of(each_stack).dependencies
    assert attachment.wire_inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )


def test_exported_logs_go_to_precreated_groups_with_retention(each_stack: StackRun) -> None:
    instance = instance_of(each_stack)
    exports = instance.wire_inputs["enabledCloudwatchLogsExports"]
    assert sorted(exports) == ["postgresql", "upgrade"]
    retention = settings_of(each_stack.stack).database.log_retention_days
    groups = {g.wire_inputs.get("name"): g for g in each_stack.by_type(LOG_GROUP)}
    for log_type in exports:
        group = groups[rds_log_group_name(instance.wire_inputs["identifier"], log_type)]
        assert group.wire_inputs["retentionInDays"] == retention
        assert group.wire_inputs["kmsKeyId"] == instance.wire_inputs["kmsKeyId"]
        # Created before the instance, or RDS creates it first with no retention at all.
        assert group.urn in instance.dependencies


def test_prod_replicates_backups_to_the_dr_region_under_a_key_there(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).database
    replications = each_stack.by_type(BACKUP_REPLICATION)
    if settings.dr_region is None:
        assert replications == []
        assert each_stack.stack != "prod", "prod must replicate backups to a DR region"
        return
    (replication,) = replications
    inputs = replication.wire_inputs
    assert inputs["region"] == settings.dr_region != settings_of(each_stack.stack).region
    assert inputs["sourceDbInstanceArn"] == instance_of(each_stack).outputs["arn"]
    assert inputs["retentionPeriod"] >= settings.backup_retention_days
    key = key_by_arn(each_stack, inputs["kmsKeyId"])
    assert key.wire_inputs["region"] == settings.dr_region
    assert key.outputs["arn"].split(":")[3] == settings.dr_region
    assert key.wire_inputs["enableKeyRotation"] is True


def test_the_app_gets_the_proxy_endpoint_when_the_proxy_is_on(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).database
    instance = instance_of(each_stack)
    proxies = each_stack.by_type(PROXY)
    if not settings.proxy_enabled:
        assert proxies == []
        assert each_stack.outputs["databaseEndpoint"] == instance.outputs["address"]
        return
    (proxy,) = proxies
    assert each_stack.outputs["databaseEndpoint"] == proxy.outputs["endpoint"]
    inputs = proxy.wire_inputs
    assert inputs["engineFamily"] == "POSTGRESQL" and inputs["requireTls"] is True
    # End-to-end IAM: clients and the proxy itself authenticate with IAM; no secret is read.
    assert inputs["defaultAuthScheme"] == "IAM_AUTH"
    assert not inputs.get("auths")
    vpc = each_stack.one("awsx:ec2:Vpc")
    assert inputs["vpcSubnetIds"] == vpc.outputs["isolatedSubnetIds"]
    proxy_sg = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-db-proxy-sg")
    assert inputs["vpcSecurityGroupIds"] == [proxy_sg.outputs["id"]]
    target = each_stack.one("aws:rds/proxyTarget:ProxyTarget")
    assert target.wire_inputs["dbInstanceIdentifier"] == instance.outputs["identifier"]
    assert target.wire_inputs["dbProxyName"] == proxy.outputs["name"]


def test_the_proxy_role_may_only_connect_as_the_app_role(each_stack: StackRun) -> None:
    policy = json.loads(
        each_stack.one("aws:iam/rolePolicy:RolePolicy", "database-proxy-connect").wire_inputs[
            "policy"
        ]
    )
    (statement,) = policy["Statement"]
    resource_id = instance_of(each_stack).outputs["resourceId"]
    assert statement["Action"] == "rds-db:connect"
    assert statement["Resource"].endswith(f":dbuser:{resource_id}/{APP_ROLE}")
    assert "secretsmanager" not in json.dumps(policy)


def test_only_the_bootstrap_task_references_the_master_secret(each_stack: StackRun) -> None:
    """The master user is used by one task only, the first deploy's bootstrap (owner and app
    roles): no other task definition names its secret, and only the bootstrap's execution role
    may read it (tests/test_first_deploy.py holds what it reads and when it runs)."""
    master = master_secret_arn(each_stack)
    tasks = each_stack.by_type("aws:ecs/taskDefinition:TaskDefinition")
    assert {t.name for t in tasks} >= {"web-task", "database-roles-task", "database-bootstrap-task"}
    readers = set()
    for task in tasks:
        if master in json.dumps(dict(task.wire_inputs)):
            readers.add(task.name)
    assert readers == {"database-bootstrap-task"}
    policies = {
        policy.name
        for policy in each_stack.by_type("aws:iam/rolePolicy:RolePolicy")
        if master in json.dumps(dict(policy.wire_inputs))
    }
    assert policies == {"database-bootstrap-execution-policy"}


def test_the_app_logs_in_as_its_own_role_with_iam_only(each_stack: StackRun) -> None:
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    containers = {c["name"]: c for c in json.loads(task.wire_inputs["containerDefinitions"])}
    hono = containers["hono"]
    environment = {e["name"]: e["value"] for e in hono["environment"]}
    assert (environment["DB_USERNAME"], environment["DB_LOGIN"]) == (APP_ROLE, "iam")
    names = {s["name"] for c in containers.values() for s in c.get("secrets") or []}
    assert not any(n.startswith("DB_") for n in names)
    role_arn = task.wire_inputs["taskRoleArn"]
    role = next(r for r in each_stack.by_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn)
    policy = next(
        json.loads(p.wire_inputs["policy"])
        for p in each_stack.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.wire_inputs["role"] == role.outputs["id"]
    )
    (connect,) = [s for s in policy["Statement"] if "rds-db:connect" in json.dumps(s["Action"])]
    proxy = each_stack.one(PROXY)
    proxy_id = proxy.outputs["arn"].rsplit(":", 1)[-1]
    assert connect["Resource"].endswith(f":dbuser:{proxy_id}/{APP_ROLE}")


def test_no_efs_file_system_exists(each_stack: StackRun) -> None:
    assert each_stack.by_type("aws:efs/fileSystem:FileSystem") == []
    assert [r.type for r in each_stack.resources if r.type.startswith("aws:efs/")] == []


# ---- the component's contract -----------------------------------------------------------------


def _connection_of(proxy_enabled: bool) -> dict:
    settings = settings_of("prod").database.model_copy(update={"proxy_enabled": proxy_enabled})

    def program() -> None:
        database = Database(
            "db",
            {
                "name_prefix": "perfcheck-test",
                "database": settings,
                "is_prod": True,
                "protect": False,
                "subnet_ids": ["subnet-0aaa", "subnet-0bbb"],
                "security_group_id": "sg-0database",
                "proxy_security_group_id": "sg-0proxy" if proxy_enabled else None,
            },
        )
        connection = database.connection
        pulumi.export("host", connection.host)
        pulumi.export("port", connection.port)
        pulumi.export("username", connection.username)
        pulumi.export("connectArn", connection.connect_arn)
        pulumi.export("proxyName", connection.proxy_name)
        pulumi.export("identifier", connection.instance_identifier)

    run = run_program(program)
    return {"run": run, **run.outputs}


@pytest.mark.parametrize("proxy_enabled", [True, False])
def test_connection_contract(proxy_enabled: bool) -> None:
    result = _connection_of(proxy_enabled)
    run: StackRun = result["run"]
    instance = run.one(INSTANCE)
    if proxy_enabled:
        proxy = run.one(PROXY)
        assert result["host"] == proxy.outputs["endpoint"]
        assert result["proxyName"] == "perfcheck-test-postgres-proxy"
        resource_id = proxy.outputs["arn"].rsplit(":", 1)[-1]
    else:
        assert result["host"] == instance.outputs["address"]
        assert result["proxyName"] is None
        resource_id = instance.outputs["resourceId"]
    assert result["port"] == 5432
    assert result["identifier"] == "perfcheck-test-postgres"
    # IAM login as the app role on whatever the app connects to; no password to hand out.
    assert result["username"] == APP_ROLE
    assert result["connectArn"].endswith(f":dbuser:{resource_id}/{APP_ROLE}")


def test_proxy_without_its_security_group_is_a_clear_error() -> None:
    settings = settings_of("prod").database

    def program() -> None:
        Database(
            "db",
            {
                "name_prefix": "perfcheck-test",
                "database": settings,
                "is_prod": True,
                "protect": False,
                "subnet_ids": ["subnet-0aaa"],
                "security_group_id": "sg-0database",
                "proxy_security_group_id": None,
            },
        )

    with pytest.raises(Exception, match="proxyEnabled is true but the network has no db-proxy"):
        run_program(program)


# ---- the settings this tier added -----------------------------------------------------------


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("slowStatementMs", -1, "perfcheck:database.slowStatementMs: got -1; expected at least 0"),
        ("logRetentionDays", 45, "perfcheck:database.logRetentionDays: got 45; expected one of"),
        ("logRetentionDays", "30", 'perfcheck:database.logRetentionDays: got "30"; expected one'),
    ],
)
def test_new_database_settings_are_validated_by_key(key: str, value: object, expected: str) -> None:
    config, _ = stack_config("prod")
    section = json.loads(config["perfcheck:database"])
    config["perfcheck:database"] = json.dumps({**section, key: value})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (problem,) = caught.value.problems
    assert problem.startswith(expected), problem


@pytest.mark.parametrize("version", ["16.99", "17.0", "15.2"])
def test_an_engine_version_rds_does_not_offer_is_refused_naming_the_known_ones(
    version: str,
) -> None:
    from foundation.engine_versions import OFFERED_AS_OF, OFFERED_VERSIONS

    config, _ = stack_config("prod")
    database = json.loads(config["perfcheck:database"])
    config["perfcheck:database"] = json.dumps({**database, "engineVersion": version})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (line,) = caught.value.problems
    assert line.startswith(f'perfcheck:database.engineVersion: got "{version}"; postgres')
    assert f"list of {OFFERED_AS_OF}" in line
    assert ", ".join(OFFERED_VERSIONS["postgres"]) in line


def test_both_stacks_name_offered_engine_versions() -> None:
    from foundation.engine_versions import offered_version_problem

    for stack in ("staging", "prod"):
        settings = settings_of(stack)
        assert offered_version_problem("postgres", settings.database.engine_version) is None
        assert offered_version_problem(settings.cache.engine, settings.cache.engine_version) is None


@pytest.mark.parametrize("version", ["19.1", "13.4", "17.x", "latest"])
def test_a_malformed_or_retired_version_also_names_the_known_ones(version: str) -> None:
    config, _ = stack_config("prod")
    database = json.loads(config["perfcheck:database"])
    config["perfcheck:database"] = json.dumps({**database, "engineVersion": version})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (line,) = caught.value.problems
    assert line.startswith(f'perfcheck:database.engineVersion: got "{version}"; postgres')
    assert "known: 14.18" in line
