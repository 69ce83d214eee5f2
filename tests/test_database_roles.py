"""Least-privilege database access: the app role's grants come from one place, are applied
idempotently by the roles task as the owner role, and no task holds a database password."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.database_roles import (
    APP_ROLE,
    APP_SCHEMA,
    GRANTS,
    OWNER_ROLE,
    app_role_sql,
    owner_bootstrap_sql,
)
from foundation.records import StackRun

ROOT = Path(__file__).resolve().parents[1]
GRANT_STATEMENT = re.compile(r"\b(GRANT|REVOKE)\s+[A-Z]", re.MULTILINE)


def test_grants_are_written_in_one_module_only() -> None:
    """No other source file spells a GRANT/REVOKE: every grant comes from database_roles.py."""
    sources = [
        p
        for folder in ("components", "foundation", "settings", "policies", "tools", "scripts")
        if (ROOT / folder).exists()
        for p in (ROOT / folder).rglob("*.py")
    ]
    spelled = [str(p.relative_to(ROOT)) for p in sources if GRANT_STATEMENT.search(p.read_text())]
    assert spelled == ["components/database_roles.py"]


def test_the_app_role_gets_dml_on_the_app_schema_and_nothing_more() -> None:
    sql = app_role_sql("perfcheck")
    grants = [line for line in sql.splitlines() if line.startswith("GRANT ")]
    app = f'"{APP_ROLE}"'
    for line in grants:
        assert line.endswith(f"TO {app};"), line
        assert "ALL PRIVILEGES" not in line and "CREATE" not in line.split(" TO ")[0], line
    table_grant = next(g for g in grants if "ON ALL TABLES" in g)
    assert table_grant.startswith("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES")
    assert f'IN SCHEMA "{APP_SCHEMA}"' in table_grant
    # Future tables the owner creates get the same DML (default privileges).
    assert sql.count(f'ALTER DEFAULT PRIVILEGES FOR ROLE "{OWNER_ROLE}"') == len(GRANTS)
    # IAM login only, no superuser powers, and nobody else may create in the schema.
    assert f"GRANT rds_iam TO {app};" in sql
    # The owner has CREATEROLE only: PostgreSQL refuses it any ALTER ROLE naming an attribute
    # reserved to superusers or to holders of that attribute, even to switch it off.
    for statement in (line for line in sql.splitlines() if "ALTER ROLE" in line):
        words = set(re.findall(r"\b[A-Z]+\b", statement))
        reserved = {"SUPERUSER", "CREATEDB", "REPLICATION", "BYPASSRLS"}
        assert not words & {*reserved, *(f"NO{w}" for w in reserved)}, statement
    assert 'ALTER ROLE "perfcheck_app" LOGIN NOCREATEROLE;' in sql
    assert f'REVOKE CREATE ON SCHEMA "{APP_SCHEMA}" FROM PUBLIC;' in sql


def test_the_roles_sql_is_idempotent_by_construction() -> None:
    """Creating a role is the only statement that fails when repeated: it is guarded."""
    sql = app_role_sql("perfcheck")
    creates = [line.strip() for line in sql.splitlines() if "CREATE ROLE" in line]
    assert creates == [f'CREATE ROLE "{APP_ROLE}" LOGIN;']
    assert f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}')" in sql
    bootstrap = owner_bootstrap_sql("perfcheck")
    assert f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}')" in bootstrap
    assert "WITH ADMIN OPTION" in bootstrap  # so the owner may grant rds_iam to the app role


def test_identifiers_are_quoted() -> None:
    assert 'ON DATABASE "odd""name"' in app_role_sql('odd"name')


def test_every_task_that_applies_grants_applies_exactly_these(each_stack: StackRun) -> None:
    database = each_stack.outputs["databaseName"]
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition", "database-roles-task")
    containers = {c["name"]: c for c in json.loads(task.wire_inputs["containerDefinitions"])}
    roles = containers["roles"]
    environment = {e["name"]: e["value"] for e in roles["environment"]}
    assert environment["ROLES_SQL"] == app_role_sql(database)
    assert environment["PGUSER"] == OWNER_ROLE
    assert not any(c.get("secrets") for c in containers.values())
    token = {e["name"]: e["value"] for e in containers["iam-token"]["environment"]}
    assert token["PGUSER"] == OWNER_ROLE
    assert (
        token["PGHOST"]
        == environment["PGHOST"]
        == each_stack.one("aws:rds/instance:Instance").outputs["address"]
    )
    assert each_stack.outputs["databaseRolesTaskDefinitionArn"] == task.outputs["arn"]


def test_the_roles_task_may_connect_only_as_the_owner(each_stack: StackRun) -> None:
    policy = json.loads(
        each_stack.one("aws:iam/rolePolicy:RolePolicy", "database-roles-task-policy").wire_inputs[
            "policy"
        ]
    )
    (statement,) = policy["Statement"]
    resource_id = each_stack.one("aws:rds/instance:Instance").outputs["resourceId"]
    assert statement["Action"] == "rds-db:connect"
    assert statement["Resource"].endswith(f":dbuser:{resource_id}/{OWNER_ROLE}")


@pytest.mark.parametrize("role", [APP_ROLE, OWNER_ROLE])
def test_only_the_owner_and_the_app_roles_are_ever_connected_as(
    each_stack: StackRun, role: str
) -> None:
    """Every rds-db:connect in the stack names one of the two roles, never the master user."""
    connects = [
        statement["Resource"]
        for policy in each_stack.by_type("aws:iam/rolePolicy:RolePolicy")
        for statement in json.loads(policy.wire_inputs["policy"])["Statement"]
        if "rds-db:connect" in json.dumps(statement["Action"])
    ]
    users = {resource.rsplit("/", 1)[-1] for resource in connects}
    assert users == {APP_ROLE, OWNER_ROLE}
    assert any(resource.endswith(f"/{role}") for resource in connects)


def test_the_first_deploy_runbook_carries_the_bootstrap_sql_verbatim() -> None:
    runbook = (ROOT / "docs" / "runbooks" / "data-tier-first-deploy.md").read_text()
    assert f"```sql\n{owner_bootstrap_sql('perfcheck')}```" in runbook
