"""Red-team classes of issue 15: misconfigurations the packs must catch and valid look-alikes they
must pass, one group per class. test_policy_rules runs them (and the spelling fuzz test respells
them) through the analyzer interface like every other case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.policies.builders import UNKNOWN, arn, container, record, replace
from tests.policies.cases import (
    Case,
    R,
    Variant,
    by_name,
    containers_of,
    https_listener,
    task,
    volumes_of,
)
from tests.policies.support import renamed

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
        "web-task",
        "containerDefinitions[hono].command is a credential-like assignment to 'DB_PASSWORD'",
    ),
    Case(
        CRED,
        "flag-in-entry-point",
        hono(entryPoint=["node", "dist/index.js", "--db-password", "hunter2"]),
        "web-task",
        "containerDefinitions[hono].entryPoint is a credential-like assignment to 'DB_PASSWORD'",
    ),
    Case(
        CRED,
        "docker-label",
        hono(dockerLabels={"com.example.db.password": "hunter2"}),
        "web-task",
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
        "web-task",
        "logConfiguration.options[splunk-token] is a plain value under a credential-like name",
    ),
    Case(
        CRED,
        "key-value-dsn",
        hono_env(("DATABASE_CONFIG", "host=db port=5432 user=app password=hunter2")),
        "web-task",
        "environment[DATABASE_CONFIG] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "jdbc-query-parameter",
        hono_env(("JDBC", "jdbc:postgresql://db:5432/app?user=app&password=hunter2&ssl=true")),
        "web-task",
        "environment[JDBC] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "sqlserver-connection-string",
        hono_env(("MSSQL", "Server=db;Database=app;User Id=app;Password=hunter2;")),
        "web-task",
        "environment[MSSQL] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "json-blob",
        hono_env(("APP_CONFIG", json.dumps({"db": {"host": "db", "password": "hunter2"}}))),
        "web-task",
        "environment[APP_CONFIG] is a credential-like assignment to 'PASSWORD'",
    ),
    Case(
        CRED,
        "token-format-by-value",
        hono_env(("GH", FAKE_GITHUB)),
        "web-task",
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
        "web-task",
        "healthCheck.command is text that looks like an Authorization header",
    ),
    Case(
        CRED,
        "url-password-in-command",
        hono(command=["node", "migrate.js", "postgres://app:hunter2@db:5432/app"]),
        "web-task",
        "command is text that looks like a URL with an embedded password",
    ),
    Case(
        CRED,
        "mysql-client-password-flag",
        hono(command=["sh", "-c", "mysqldump -h db -uapp -phunter2 app > /tmp/app.sql"]),
        "web-task",
        "command is a password passed as a client flag",
    ),
    Case(
        CRED,
        "curl-basic-auth",
        hono(entryPoint=["curl", "-fsS", "-u", "admin:hunter2", "https://internal/api"]),
        "web-task",
        "entryPoint is a password passed as a client flag",
    ),
    Case(
        CRED,
        "redis-requirepass",
        hono(command=["redis-server", "--requirepass", "hunter2"]),
        "web-task",
        "command is a credential-like assignment to 'REQUIREPASS'",
    ),
    Case(
        CRED,
        "dsn-name-suffix",
        hono_env(("SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/1")),
        "web-task",
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
            ("JWT_PUBLIC_KEY", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1L"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_live_51AbCdEfGh"),
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
        containers = [*containers_of(r), extra]
        inputs: dict[str, Any] = {"containerDefinitions": json.dumps(containers)}
        if volumes is not None:
            inputs["volumes"] = volumes_of(r, *volumes)
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
        "web-task",
        "containerDefinitions[store].image is a 'pgvector' database engine image",
    ),
    Case(
        DB,
        "image-named-by-keyword",
        with_container(store("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/pg17-postgis-x:1")),
        "web-task",
        "containerDefinitions[store].image is a 'postgis' database engine image",
    ),
    Case(
        DB,
        "server-command-in-any-image",
        with_container(
            store("ghcr.io/acme/toolbox:1", command=["postgres", "-D", "/srv/pg"]),
            [EFS_VOLUME],
        ),
        "web-task",
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
        "web-task",
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
        "web-task",
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

# -- class 2: spellings the provider accepts -----------------------------------------------


def raw_task(hono_extra: str) -> Callable[[R], dict[str, Any]]:
    """The task with containerDefinitions given as raw JSON text (duplicate keys possible)."""
    return lambda r: {
        "task": replace(r["task"], containerDefinitions=_containers_text(r, hono_extra))
    }


def _containers_text(r: R, hono_extra: str) -> str:
    """The program's containers as JSON text with `hono_extra` appended to hono's object (after
    its own keys: the last of two keys that differ only in case is the one pulumi-aws keeps)."""
    parts = []
    for c in containers_of(r):
        text = json.dumps(c)
        parts.append(text[:-1] + ", " + hono_extra + "}" if c["name"] == "hono" else text)
    return "[" + ", ".join(parts) + "]"


CLASS_2 = [
    Case(
        "ecs-container-non-root-user",
        "duplicate-user-key-last-wins",
        raw_task('"User": "0"'),
        "web-task",
        "containerDefinitions[hono].user is '0'",
    ),
    Case(
        "ecs-container-non-root-user",
        "signed-uid-is-root",
        lambda r: task(r, lambda cs: by_name(cs, "hono").update(user="+0:1001")),
        "web-task",
        "containerDefinitions[hono].user is '+0:1001'",
    ),
    Case(
        "ecs-container-non-root-user",
        "unicode-folded-key",  # Go's EqualFold: the long s folds to 's'
        raw_task('"u\\u017fer": "root"'),
        "web-task",
        "containerDefinitions[hono].user is 'root'",
    ),
    Case(
        "ecs-container-not-privileged",
        "capitalised-key",
        raw_task('"Privileged": true'),
        "web-task",
        "containerDefinitions[hono].privileged is true",
    ),
    Case(
        "ecs-container-read-only-root-filesystem",
        "case-variant-key-false",
        raw_task('"READONLYROOTFILESYSTEM": false'),
        "web-task",
        "containerDefinitions[hono].readonlyRootFilesystem is false",
    ),
    Case(
        "ecs-no-credentials-in-environment",
        "capitalised-environment-key",
        raw_task('"Environment": [{"Name": "DB_PASSWORD", "Value": "hunter2"}]'),
        "web-task",
        "containerDefinitions[hono].environment[DB_PASSWORD] is a plain value",
    ),
    Case(
        "alb-http-listener-redirects-to-https",
        "lower-case-protocol",
        lambda r: {
            **https_listener(r, protocol="http", sslPolicy=None, certificateArn=None),
            "alb": replace(r["alb"], internal=False),
        },
        "https",
        "defaultActions is [forward]",
    ),
    Case(
        "alb-http-listener-redirects-to-https",
        "omitted-protocol-is-http",
        lambda r: {
            **https_listener(r, protocol=None, sslPolicy=None, certificateArn=None),
            "alb": replace(r["alb"], internal=False),
        },
        "https",
        "defaultActions is [forward]",
    ),
    Case(
        "alb-https-listener-tls-policy",
        "lower-case-https-protocol",
        lambda r: https_listener(r, protocol="https", sslPolicy="ELBSecurityPolicy-2016-08"),
        "https",
        "sslPolicy is 'ELBSecurityPolicy-2016-08'",
    ),
]

# -- class 4: the same thing by another name ----------------------------------------------


def prefix_list(r: R, cidr: str) -> dict[str, Any]:
    plist = record(
        "prod",
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "partners",
        {"addressFamily": "IPv4", "maxEntries": 5, "name": "partners", "entries": [{"cidr": cidr}]},
        computed={"id": "pl-0partners", "arn": arn("ec2", "prefix-list/pl-0partners")},
    )
    rule = record(
        "prod",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "app-from-partners",
        {
            "securityGroupId": UNKNOWN,
            "prefixListId": UNKNOWN,
            "ipProtocol": "tcp",
            "fromPort": 3000,
            "toPort": 3000,
        },
        property_dependencies={"securityGroupId": [r["app_sg"].urn], "prefixListId": [plist.urn]},
    )
    return {"plist": plist, "plist_rule": rule}


def multi_az_cluster(r: R, **inputs: Any) -> dict[str, Any]:
    cluster = record(
        "prod",
        "aws:rds/cluster:Cluster",
        "reporting",
        {
            "engine": "postgres",
            "engineVersion": "16.4",
            "dbClusterInstanceClass": "db.r6gd.4xlarge",
            "allocatedStorage": 100,
            "storageType": "io1",
            "iops": 1000,
            "storageEncrypted": True,
            "kmsKeyId": UNKNOWN,
            "deletionProtection": True,
            "backupRetentionPeriod": 7,
            "finalSnapshotIdentifier": "reporting-final",
            "manageMasterUserPassword": True,
            "dbClusterParameterGroupName": UNKNOWN,
            "tags": r["db"].wire_inputs["tags"],
            **inputs,
        },
        property_dependencies={"dbClusterParameterGroupName": [r["db_params"].urn]},
        protect=True,
    )
    return {"cluster": cluster}


def replica(r: R, **inputs: Any) -> dict[str, Any]:
    drop = ["manageMasterUserPassword", "username", "finalSnapshotIdentifier"]
    rep = replace(r["db"], replicateSourceDb=UNKNOWN, drop=drop, **inputs)
    return {"replica": renamed(rep, "db-replica")}


def proxy(r: R, **inputs: Any) -> dict[str, Any]:
    return {
        "proxy": record(
            "prod",
            "aws:rds/proxy:Proxy",
            "db-proxy",
            {
                "engineFamily": "POSTGRESQL",
                "roleArn": UNKNOWN,
                "vpcSubnetIds": [UNKNOWN],
                "auths": [{"authScheme": "SECRETS", "secretArn": SECRET_ARN}],
                "tags": r["db"].wire_inputs["tags"],
                **inputs,
            },
        )
    }


def rbac(r: R, user_ids: list[str], *users: Any) -> dict[str, Any]:
    tags = r["db"].wire_inputs["tags"]
    result: dict[str, Any] = {}
    deps = []
    for index, user in enumerate(users):
        rec = record(
            "prod",
            "aws:elasticache/user:User",
            f"cache-user-{index}",
            {"engine": "valkey", "tags": tags, **user},
            computed={"id": user["userId"], "arn": arn("elasticache", f"user:{user['userId']}")},
        )
        result[f"user{index}"] = rec
        deps.append(rec.urn)
    group = record(
        "prod",
        "aws:elasticache/userGroup:UserGroup",
        "cache-users",
        {"engine": "valkey", "userGroupId": "cache-users", "userIds": user_ids, "tags": tags},
        computed={"id": "cache-users"},
        property_dependencies={"userIds": deps},
    )
    result["user_group"] = group
    result["cache"] = replace(r["cache"], drop=["authToken"], userGroupIds=["cache-users"])
    return result


def awslogs_create_group(r: R) -> dict[str, Any]:
    def mutate(cs: list[dict[str, Any]]) -> None:
        by_name(cs, "otel")["logConfiguration"]["options"]["awslogs-create-group"] = "true"

    return task(r, mutate)


CLASS_4 = [
    Case(
        "security-group-no-public-ingress",
        "stack-prefix-list-with-public-range",
        lambda r: prefix_list(r, "203.0.113.0/24"),
        "app-from-partners",
        "203.0.113.0/24 (in prefix list 'partners') allowed on tcp port 3000",
    ),
    Case(
        "rds-instance-class-allowed",
        "multi-az-db-cluster-class",
        lambda r: multi_az_cluster(r),
        "reporting",
        "dbClusterInstanceClass is 'db.r6gd.4xlarge'",
    ),
    Case(
        "rds-storage-encrypted",
        "replica-states-unencrypted",
        lambda r: replica(r, storageEncrypted=False, skipFinalSnapshot=True),
        "db-replica",
        "storageEncrypted is false on a read replica",
    ),
    Case(
        "rds-proxy-require-tls",
        "proxy-accepts-plaintext",
        lambda r: proxy(r, requireTls=False),
        "db-proxy",
        "requireTls is false",
    ),
    Case(
        "elasticache-rbac-no-open-user",
        "only-the-builtin-default-user",
        lambda r: rbac(r, ["default"]),
        "cache-users",
        "userIds is the built-in 'default' user",
    ),
    Case(
        "elasticache-rbac-no-open-user",
        "open-default-user-of-the-stack",
        lambda r: rbac(
            r,
            ["app-default"],
            {
                "userId": "app-default",
                "userName": "default",
                "accessString": "on ~* +@all",
                "authenticationMode": {"type": "no-password-required"},
            },
        ),
        "cache-users",
        "user 'cache-user-0', which needs no password and is on",
    ),
    Case(
        "ecs-container-logging",
        "log-group-created-at-run-time",
        awslogs_create_group,
        "web-task",
        "containerDefinitions[otel].logConfiguration.options[awslogs-create-group] is true",
    ),
]

# -- class 5: neighbouring types and fields ------------------------------------------------


def extra(type_token: str, name: str, inputs: dict[str, Any], **kw: Any) -> Callable[[R], Any]:
    return lambda r: {
        name: record(
            "prod", type_token, name, {"tags": r["db"].wire_inputs["tags"], **inputs}, **kw
        )
    }


def with_linux(**linux: Any) -> Callable[[R], dict[str, Any]]:
    return hono(linuxParameters=linux)


def docker_socket(r: R) -> dict[str, Any]:
    containers = containers_of(r)
    by_name(containers, "otel")["mountPoints"].append(
        {"sourceVolume": "docker", "containerPath": "/var/run/docker.sock"}
    )
    return {
        "task": replace(
            r["task"],
            containerDefinitions=json.dumps(containers),
            volumes=volumes_of(r, {"name": "docker", "hostPath": "/var/run/docker.sock"}),
        )
    }


PUBLIC_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Everyone",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::cdn-logs-1a2b/*",
            }
        ],
    }
)
SERVICE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::cdn-logs-1a2b/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            },
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::cdn-logs-1a2b/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "Org",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::cdn-logs-1a2b/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
            },
        ],
    }
)


def multitenant(r: R, **changes: Any) -> dict[str, Any]:
    cdn = r["cdn"].wire_inputs
    inputs = {
        "comment": "tenants",
        "enabled": True,
        "tenantConfig": {"parameterDefinitions": []},
        "defaultCacheBehavior": cdn["defaultCacheBehavior"],
        "cacheBehaviors": cdn["orderedCacheBehaviors"],
        "origins": [
            {
                "id": "alb",
                "domainName": "origin.perfcheck.example.com",
                "customOriginConfigs": [
                    {
                        "httpPort": 80,
                        "httpsPort": 443,
                        "originProtocolPolicy": "https-only",
                        "originSslProtocols": ["TLSv1.2"],
                    }
                ],
            }
        ],
        "viewerCertificate": {
            "acmCertificateArn": UNKNOWN,
            "sslSupportMethod": "sni-only",
            "minimumProtocolVersion": "TLSv1.2_2021",
        },
        "webAclId": UNKNOWN,
        "tags": cdn["tags"],
        **changes,
    }
    return {
        "tenants": record(
            "prod",
            "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
            "tenants",
            inputs,
        )
    }


CLASS_5 = [
    Case(
        "ecs-container-not-privileged",
        "sys-admin-capability",
        with_linux(capabilities={"add": ["cap_sys_admin"], "drop": ["ALL"]}),
        "web-task",
        "capabilities.add is 'SYS_ADMIN' added",
    ),
    Case(
        "ecs-container-not-privileged",
        "docker-socket-mounted",
        docker_socket,
        "web-task",
        "containerDefinitions[otel].mountPoints[docker] is host path /var/run/docker.sock",
    ),
    Case(
        "memorydb-cluster-secure",
        "open-access-acl",
        extra(
            "aws:memorydb/cluster:Cluster",
            "sessions",
            {"aclName": "open-access", "nodeType": "db.t4g.small", "tlsEnabled": False},
        ),
        "sessions",
        "aclName is 'open-access'",
    ),
    Case(
        "cloudfront-viewer-https",
        "multitenant-allow-all",
        lambda r: multitenant(
            r,
            defaultCacheBehavior={
                **r["cdn"].wire_inputs["defaultCacheBehavior"],
                "viewerProtocolPolicy": "allow-all",
            },
        ),
        "tenants",
        "defaultCacheBehavior.viewerProtocolPolicy is 'allow-all'",
    ),
    Case(
        "cloudfront-origin-https",
        "multitenant-http-origin",
        lambda r: multitenant(
            r,
            origins=[
                {
                    "id": "alb",
                    "domainName": "origin.perfcheck.example.com",
                    "customOriginConfigs": [
                        {
                            "httpPort": 80,
                            "httpsPort": 443,
                            "originProtocolPolicy": "http-only",
                            "originSslProtocols": ["TLSv1.2"],
                        }
                    ],
                }
            ],
        ),
        "tenants",
        "origins[alb].customOriginConfig.originProtocolPolicy is 'http-only'",
    ),
    Case(
        "cloudfront-web-acl",
        "distribution-without-waf",
        lambda r: {"cdn": replace(r["cdn"], drop=["webAclId"])},
        "cdn-distribution",
        "webAclId is not set",
    ),
    Case(
        "cloudfront-web-acl",
        "multitenant-without-waf",
        lambda r: multitenant(r, webAclId=""),
        "tenants",
        "webAclId is not set",
    ),
    Case(
        "no-classic-load-balancer",
        "classic-elb",
        extra(
            "aws:elb/loadBalancer:LoadBalancer",
            "legacy-elb",
            {
                "listeners": [
                    {
                        "instancePort": 80,
                        "instanceProtocol": "http",
                        "lbPort": 80,
                        "lbProtocol": "http",
                    }
                ]
            },
        ),
        "legacy-elb",
        "type is a Classic Load Balancer",
    ),
    Case(
        "ebs-volume-encrypted",
        "unencrypted-volume",
        extra(
            "aws:ebs/volume:Volume",
            "scratch",
            {"availabilityZone": "eu-west-1a", "size": 20, "type": "gp3"},
        ),
        "scratch",
        "encrypted is not set (unencrypted)",
    ),
    Case(
        "s3-bucket-not-public",
        "bucket-policy-for-everyone",
        extra(
            "aws:s3/bucketPolicy:BucketPolicy",
            "cdn-logs-public",
            {"bucket": "cdn-logs-1a2b", "policy": PUBLIC_POLICY},
        ),
        "cdn-logs-public",
        "statement 'Everyone' allowing everyone",
    ),
    Case(
        "s3-bucket-not-public",
        "public-access-block-off",
        extra(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "cdn-logs-pab",
            {
                "bucket": "cdn-logs-1a2b",
                "blockPublicAcls": True,
                "blockPublicPolicy": False,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        "cdn-logs-pab",
        "blockPublicPolicy is false",
    ),
    Case(
        "ecr-repository-immutable-scanned",
        "mutable-unscanned",
        extra("aws:ecr/repository:Repository", "web-repo", {"name": "perfcheck/web"}),
        "web-repo",
        "imageTagMutability is not set (MUTABLE)",
    ),
    Case(
        "rds-managed-master-password",
        "plain-password",
        lambda r: {
            "db": replace(
                r["db"],
                drop=["manageMasterUserPassword"],
                password={
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    "value": "hunter2hunter2",
                },
            )
        },
        "database-instance",
        "password is set",
    ),
    Case(
        "resource-provider-understood",
        "aws-native-database",
        extra(
            "aws-native:rds:DbInstance",
            "native-db",
            {"engine": "postgres", "storageEncrypted": False},
        ),
        "native-db",
        "a resource of package 'aws-native', which no rule of the packs judges",
    ),
]

CLASS_8_OTHER = [
    Variant(
        "rds-final-snapshot",
        "read-replica-skips-final-snapshot",
        lambda r: replica(r, skipFinalSnapshot=True),
    ),
    Variant(
        "required-cost-tags",
        "autoscaling-group-tags-as-list",
        (
            lambda r: {
                "asg": record(
                    "prod",
                    "aws:autoscaling/group:Group",
                    "workers",
                    {
                        "maxSize": 2,
                        "minSize": 1,
                        "launchTemplate": {"id": UNKNOWN, "version": "$Latest"},
                        "tags": [
                            {"key": k, "value": v, "propagateAtLaunch": True}
                            for k, v in r["db"].wire_inputs["tags"].items()
                        ],
                    },
                )
            }
        ),
    ),
    Variant(
        "ecs-essential-container-health-check",
        "one-off-task-without-health-check",
        lambda r: {
            "oneoff": record(
                "prod",
                "aws:ecs/taskDefinition:TaskDefinition",
                "report-job",
                {
                    **r["task"].wire_inputs,
                    "family": "perfcheck-report",
                    "containerDefinitions": json.dumps(
                        [
                            {k: v for k, v in c.items() if k not in ("healthCheck", "dependsOn")}
                            for c in containers_of(r)
                            if c["name"] == "hono"
                        ]
                    ),
                },
                property_dependencies=r["task"].property_dependencies,
            )
        },
    ),
    Variant(
        "security-group-no-public-ingress",
        "stack-prefix-list-of-private-ranges",
        lambda r: prefix_list(r, "10.20.0.0/16"),
    ),
    Variant(
        "elasticache-rbac-no-open-user",
        "disabled-default-user-and-password-user",
        lambda r: rbac(
            r,
            ["app-default", "app"],
            {
                "userId": "app-default",
                "userName": "default",
                "accessString": "off ~* -@all",
                "authenticationMode": {"type": "no-password-required"},
            },
            {
                "userId": "app",
                "userName": "app",
                "accessString": "on ~* +@all",
                "authenticationMode": {"type": "password", "passwords": [UNKNOWN]},
            },
        ),
    ),
    Variant(
        "s3-bucket-not-public",
        "service-and-org-statements",
        extra(
            "aws:s3/bucketPolicy:BucketPolicy",
            "cdn-logs-policy",
            {"bucket": "cdn-logs-1a2b", "policy": SERVICE_POLICY},
        ),
    ),
    Variant(
        "ecr-repository-immutable-scanned",
        "immutable-scanned",
        extra(
            "aws:ecr/repository:Repository",
            "web-repo",
            {
                "name": "perfcheck/web",
                "imageTagMutability": "IMMUTABLE",
                "imageScanningConfiguration": {"scanOnPush": True},
            },
        ),
    ),
    Variant("rds-proxy-require-tls", "tls-required", lambda r: proxy(r, requireTls=True)),
    Variant(
        "ecs-container-not-privileged",
        "drop-all-and-sys-ptrace-allowed-by-config",
        with_linux(capabilities={"drop": ["ALL"]}, initProcessEnabled=True),
    ),
    Variant("cloudfront-viewer-https", "multitenant-compliant", lambda r: multitenant(r)),
    Variant(
        "ebs-volume-encrypted",
        "encrypted-volume",
        extra(
            "aws:ebs/volume:Volume",
            "scratch",
            {"availabilityZone": "eu-west-1a", "size": 20, "type": "gp3", "encrypted": True},
        ),
    ),
    Variant(
        "memorydb-cluster-secure",
        "tls-default-and-own-acl",
        extra(
            "aws:memorydb/cluster:Cluster",
            "sessions",
            {
                "aclName": UNKNOWN,
                "nodeType": "db.t4g.small",
                "kmsKeyArn": UNKNOWN,
                "snapshotRetentionLimit": 7,  # rds-backup-retention judges MemoryDB (issue 22)
            },
        ),
    ),
    Variant("rds-storage-encrypted", "replica-inherits-encryption", lambda r: replica(r)),
]

BYPASS_NONCOMPLIANT: list[Case] = [*CLASS_1, *CLASS_2, *CLASS_3, *CLASS_4, *CLASS_5]
BYPASS_VARIANTS: list[Variant] = [*CLASS_8_CREDENTIALS, *CLASS_8_DATABASE, *CLASS_8_OTHER]

__all__ = [
    "BYPASS_NONCOMPLIANT",
    "BYPASS_VARIANTS",
    "UNKNOWN",
    "container",
    "record",
    "replace",
]
