"""Red-team classes of issue 15: misconfigurations the packs must catch and valid look-alikes they
must pass, one group per class. test_policy_rules runs them (and the spelling fuzz test respells
them) through the analyzer interface like every other case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.policies.builders import UNKNOWN, app_containers, arn, container, record, replace
from tests.policies.cases import Case, R, Variant, by_name, task

SECRET_ARN = arn("secretsmanager", "secret:perfcheck/db-AbCdEf")
FAKE_GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def hono(**fields: Any) -> Callable[[R], dict[str, Any]]:
    return lambda r: task(r, lambda cs: by_name(cs, "hono").update(fields))


def hono_env(*pairs: tuple[str, str]) -> Callable[[R], dict[str, Any]]:
    return lambda r: task(
        r,
        lambda cs: by_name(cs, "hono")["environment"].extend(
            {"name": n, "value": v} for n, v in pairs
        ),
    )


CRED = "ecs-no-credentials-in-environment"

# -- class 1: credentials the heuristics do not see ------------------------------------------
CLASS_1 = [
    Case(
        CRED,
        "shell-export-in-command",
        hono(command=["sh", "-c", "export DB_PASSWORD=hunter2hunter2 && node dist/index.js"]),
        "app",
        "containerDefinitions[hono].command is a credential-like assignment to 'DB_PASSWORD'",
    ),
    Case(
        CRED,
        "flag-in-entry-point",
        hono(entryPoint=["node", "dist/index.js", "--db-password", "hunter2"]),
        "app",
        "containerDefinitions[hono].entryPoint is a credential-like assignment to 'DB_PASSWORD'",
    ),
    Case(
        CRED,
        "docker-label",
        hono(dockerLabels={"com.example.db.password": "hunter2"}),
        "app",
        "containerDefinitions[hono].dockerLabels[com.example.db.password] is a plain value",
    ),
    Case(
        CRED,
        "log-driver-option",
        hono(
            logConfiguration={
                "logDriver": "splunk",
                "options": {"splunk-url": "https://splunk.example.com", "splunk-token": "0f3c9a"},
            }
        ),
        "app",
        "logConfiguration.options[splunk-token] is a plain value under a credential-like name",
    ),
    Case(
        CRED,
        "key-value-dsn",
        hono_env(("DATABASE_CONFIG", "host=db port=5432 user=app password=hunter2")),
        "app",
        "environment[DATABASE_CONFIG] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "jdbc-query-parameter",
        hono_env(("JDBC", "jdbc:postgresql://db:5432/app?user=app&password=hunter2&ssl=true")),
        "app",
        "environment[JDBC] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "sqlserver-connection-string",
        hono_env(("MSSQL", "Server=db;Database=app;User Id=app;Password=hunter2;")),
        "app",
        "environment[MSSQL] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "json-blob",
        hono_env(("APP_CONFIG", json.dumps({"db": {"host": "db", "password": "hunter2"}}))),
        "app",
        "environment[APP_CONFIG] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "token-format-by-value",
        hono_env(("GH", FAKE_GITHUB)),
        "app",
        "environment[GH] is a value that looks like a GitHub token",
    ),
    Case(
        CRED,
        "bearer-in-health-check",
        hono(
            healthCheck={
                "command": [
                    "CMD-SHELL",
                    "curl -fsS -H 'Authorization: Bearer 9f8e7d6c5b4a3210' localhost:8787/",
                ],
                "interval": 15,
                "retries": 3,
            }
        ),
        "app",
        "healthCheck.command is text that looks like an Authorization header",
    ),
    Case(
        CRED,
        "url-password-in-command",
        hono(command=["node", "migrate.js", "postgres://app:hunter2@db:5432/app"]),
        "app",
        "command is text that looks like a URL with an embedded password",
    ),
    Case(
        CRED,
        "dsn-name-suffix",
        hono_env(("SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/1")),
        "app",
        "environment[SENTRY_DSN] is a plain value under a credential-like name",
    ),
]

# -- class 8: valid look-alikes that must pass -----------------------------------------------
CLASS_8_CREDENTIALS = [
    Variant(
        CRED,
        "secrets-manager-arn-in-environment",
        hono_env(("DB_SECRET_ARN", SECRET_ARN), ("DB_PASSWORD_SECRET", SECRET_ARN)),
    ),
    Variant(
        CRED,
        "next-public-variables",
        hono_env(
            ("NEXT_PUBLIC_API_KEY", "public-maps-key"),
            ("NEXT_PUBLIC_AUTH_URL", "https://auth.example.com"),
            ("NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "pk_live_51AbCdEf"),
        ),
    ),
    Variant(
        CRED,
        "well-known-non-secret-settings",
        hono_env(
            ("TOKEN_TTL", "3600"),
            ("SESSION_TOKEN_MAX_AGE", "15m"),
            ("AUTH_URL", "https://auth.example.com/oauth2"),
            ("NEXTAUTH_URL", "https://perfcheck.example.com"),
            ("AUTH_TRUST_HOST", "true"),
            ("PASSWORD_MIN_LENGTH", "12"),
            ("SESSION_SECRET_NAME", "perfcheck/prod/session"),
            ("JWT_ALGORITHM", "RS256"),
            ("API_KEY_HEADER", "X-Api-Key"),
            ("AUTH_ENABLED", "false"),
            ("DB_PASSWORD_FILE", "/run/secrets/db-password"),
            ("SECRETS_EXTENSION_HTTP_PORT", "2773"),
            ("TOKEN_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"),
        ),
    ),
    Variant(
        CRED,
        "commands-reading-secrets-from-variables",
        hono(
            command=[
                "sh",
                "-c",
                'PGPASSWORD="$DB_PASSWORD" pg_dump --no-password -h "$DB_HOST" app > /tmp/a.sql',
            ],
            entryPoint=["docker-entrypoint.sh", "--password-file", "/run/secrets/db"],
        ),
    ),
    Variant(
        CRED,
        "labels-and-log-options-without-credentials",
        hono(
            dockerLabels={"com.datadoghq.ad.check_names": '["postgres"]', "team": "platform"},
            logConfiguration={
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/perfcheck",
                    "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "hono",
                },
            },
        ),
    ),
]

# -- class 3: databases on EFS that the image list does not name ----------------------------
DB = "no-database-on-efs"


def with_container(
    extra: dict[str, Any], volumes: list[dict[str, Any]] | None = None
) -> Callable[[R], dict[str, Any]]:
    def changes(r: R) -> dict[str, Any]:
        containers = [*app_containers(), extra]
        inputs: dict[str, Any] = {"containerDefinitions": json.dumps(containers)}
        if volumes is not None:
            inputs["volumes"] = [{"name": "tmp"}, *volumes]
        return {"task": replace(r["task"], **inputs)}

    return changes


def store(image: str, **fields: Any) -> dict[str, Any]:
    return container("store", image, 5432, **fields)


EFS_VOLUME = {
    "name": "data",
    "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789", "transitEncryption": "ENABLED"},
}
NFS_VOLUME = {
    "name": "data",
    "dockerVolumeConfiguration": {
        "scope": "shared",
        "autoprovision": True,
        "driver": "local",
        "driverOpts": {
            "type": "nfs",
            "device": ":/",
            "o": "addr=fs-0123456789.efs.eu-west-1.amazonaws.com,nfsvers=4.1,tls",
        },
    },
}


def _migration_containers() -> list[dict[str, Any]]:
    from components.migration import migration_container_definitions, postgres_image

    return migration_container_definitions(
        image=postgres_image(17),
        source_host="10.0.3.15",
        source_port=5432,
        source_database="perfcheck",
        source_ssl_mode="prefer",
        source_secret_arn=SECRET_ARN,
        target_host="perfcheck-db.abc.eu-west-1.rds.amazonaws.com",
        target_database="perfcheck",
        target_secret_arn=SECRET_ARN,
        log_group="/ecs/perfcheck-migration",
        region="eu-west-1",
    )


def migration_task(r: R) -> dict[str, Any]:
    """The database-migration runbook's one-off pg_dump | pg_restore task (components/migration)."""
    migration = record(
        "prod",
        "aws:ecs/taskDefinition:TaskDefinition",
        "migration",
        {
            **{k: v for k, v in r["task"].wire_inputs.items() if k != "containerDefinitions"},
            "family": "perfcheck-migration",
            "containerDefinitions": json.dumps(_migration_containers()),
        },
        property_dependencies=r["task"].property_dependencies,
    )
    return {"migration": migration}


CLASS_3 = [
    Case(
        DB,
        "postgres-compatible-image",
        with_container(store("pgvector/pgvector:pg17")),
        "app",
        "containerDefinitions[store].image is a 'pgvector' database engine image",
    ),
    Case(
        DB,
        "image-named-by-keyword",
        with_container(store("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/pg17-postgis-x:1")),
        "app",
        "containerDefinitions[store].image is a 'postgis' database engine image",
    ),
    Case(
        DB,
        "server-command-in-any-image",
        with_container(
            store("ghcr.io/acme/toolbox:1", command=["postgres", "-D", "/srv/pg"]),
            [EFS_VOLUME],
        ),
        "app",
        "containerDefinitions[store].command is a database server command (postgres)",
    ),
    Case(
        DB,
        "pgdata-set-by-environment",
        with_container(
            store(
                "ghcr.io/acme/store:1",
                environment=[{"name": "PGDATA", "value": "/srv/pg"}],
                mountPoints=[{"sourceVolume": "data", "containerPath": "/srv/pg"}],
            ),
            [EFS_VOLUME],
        ),
        "app",
        "EFS volume 'data' mounted at database data path /srv/pg",
    ),
    Case(
        DB,
        "efs-through-docker-nfs-volume",
        with_container(
            store(
                "busybox:1.36",
                mountPoints=[{"sourceVolume": "data", "containerPath": "/var/lib/mysql"}],
            ),
            [NFS_VOLUME],
        ),
        "app",
        "EFS volume 'data' mounted at database data path /var/lib/mysql",
    ),
]

CLASS_8_DATABASE = [
    Variant(DB, "pg-dump-client-job-of-the-migration-runbook", migration_task),
    Variant(
        DB,
        "database-exporter-sidecar",
        with_container(store("quay.io/prometheuscommunity/postgres-exporter:v0.16.0")),
    ),
    Variant(
        DB,
        "psql-health-probe-image",
        with_container(
            store("postgres:17-alpine", entryPoint=["sh", "-c"], command=["pg_isready -h db"])
        ),
    ),
]

BYPASS_NONCOMPLIANT: list[Case] = [*CLASS_1, *CLASS_3]
BYPASS_VARIANTS: list[Variant] = [*CLASS_8_CREDENTIALS, *CLASS_8_DATABASE]

__all__ = [
    "BYPASS_NONCOMPLIANT",
    "BYPASS_VARIANTS",
    "UNKNOWN",
    "app_containers",
    "container",
    "record",
    "replace",
]
