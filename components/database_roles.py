"""Who may do what in PostgreSQL: the one place the database's roles and grants are written.

- `perfcheck_app` (APP_ROLE): the running service. LOGIN through IAM only (member of `rds_iam`,
  no password at all), DML on the app schema's tables and sequences, nothing else: no DDL, no
  CREATE on the schema, no other database.
- `perfcheck_owner` (OWNER_ROLE): the migration/owner role. Owns the schema and every table in
  it, runs schema migrations and the EFS copy, and (CREATEROLE) keeps `perfcheck_app` in shape.
  Also IAM only.
- The RDS master user (`perfcheck_admin`, password rotated by RDS) is used by no task: only by a
  person, once, to create the owner role (`owner_bootstrap_sql`, docs/runbooks).

`app_role_sql` is idempotent: the roles task and the migration task run it after every schema
change, and running it twice changes nothing. Tests read GRANTS to prove no other module grants.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_ROLE = "perfcheck_app"
OWNER_ROLE = "perfcheck_owner"
APP_SCHEMA = "public"
"""The schema the app's tables live in (the EFS database's dump restores them here)."""
IAM_ROLE = "rds_iam"
"""Membership makes RDS require an IAM token for the login (and refuse passwords)."""


@dataclass(frozen=True)
class Grant:
    privileges: tuple[str, ...]
    on: str
    """ALL TABLES, ALL SEQUENCES (existing objects) - default privileges cover future ones."""
    default_kind: str
    """TABLES or SEQUENCES, for ALTER DEFAULT PRIVILEGES."""


GRANTS: tuple[Grant, ...] = (
    Grant(("SELECT", "INSERT", "UPDATE", "DELETE"), "ALL TABLES", "TABLES"),
    Grant(("USAGE", "SELECT"), "ALL SEQUENCES", "SEQUENCES"),
)
"""The app role's privileges in APP_SCHEMA: DML, and the sequences its inserts draw from."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def app_role_sql(database: str) -> str:
    """Run as OWNER_ROLE: create the app role if missing and (re)apply exactly its grants."""
    app, owner, schema, db = (_quote(x) for x in (APP_ROLE, OWNER_ROLE, APP_SCHEMA, database))
    lines = [
        "DO $$ BEGIN",
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN",
        f"    CREATE ROLE {app} LOGIN;",
        "  END IF;",
        "END $$;",
        # Only attributes a CREATEROLE owner may set: naming SUPERUSER, CREATEDB, REPLICATION or
        # BYPASSRLS (even to turn them off) needs a superuser or that attribute, which no role
        # has on RDS, and would abort the whole script. CREATE ROLE leaves those off anyway.
        f"ALTER ROLE {app} LOGIN NOCREATEROLE;",
        f"GRANT {IAM_ROLE} TO {app};",
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app};",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA {schema} TO {app};",
    ]
    for grant in GRANTS:
        privileges = ", ".join(grant.privileges)
        lines += [
            f"GRANT {privileges} ON {grant.on} IN SCHEMA {schema} TO {app};",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
            f"GRANT {privileges} ON {grant.default_kind} TO {app};",
        ]
    return "\n".join(lines) + "\n"


def owner_bootstrap_sql(database: str) -> str:
    """Run once, by a person, as the RDS master user: the owner role and what it owns."""
    owner, schema, db = (_quote(x) for x in (OWNER_ROLE, APP_SCHEMA, database))
    return (
        "DO $$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN\n"
        f"    CREATE ROLE {owner} LOGIN CREATEROLE;\n"
        "  END IF;\n"
        "END $$;\n"
        f"GRANT {IAM_ROLE} TO {owner} WITH ADMIN OPTION;\n"
        # ALTER ... OWNER TO needs membership in the new owner (PostgreSQL 16+ no longer grants
        # it to the role's creator implicitly).
        f"GRANT {owner} TO CURRENT_USER;\n"
        f"ALTER DATABASE {db} OWNER TO {owner};\n"
        f"ALTER SCHEMA {schema} OWNER TO {owner};\n"
    )


def bootstrap_sql(database: str) -> str:
    """Run as the RDS master user by the first deploy's bootstrap task: the owner role, then the
    app role and its grants as the owner (the same SQL the roles task applies), idempotent."""
    return (
        owner_bootstrap_sql(database)
        + f"SET ROLE {_quote(OWNER_ROLE)};\n"
        + app_role_sql(database)
        + "RESET ROLE;\n"
    )


def grants_report_sql() -> str:
    """What an operator runs to verify the grants (docs/runbooks/data-tier-first-deploy.md)."""
    return (
        "SELECT grantee, table_schema, privilege_type, count(*) AS tables "
        "FROM information_schema.role_table_grants "
        f"WHERE grantee IN ('{APP_ROLE}', '{OWNER_ROLE}') "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;"
    )
