"""The corpus's second wave: members written after the first fixes, against the same classes,
to find what the first wave did not (still from AWS's and pulumi-aws's shapes, not the rules)."""

from __future__ import annotations

from typing import Any

from tests.redteam.programs import (
    ECR,
    UNKNOWN,
    Program,
    add,
    arn,
    changed,
    container_env,
    efs_task,
    env,
    lambda_env,
    mount,
    one,
    replace,
    task,
    worker,
)

TYPES = "type-family"
CREDS = "credentials"
HOLLOW = "hollow-control"
EFS = "database-on-efs"
EXPOSURE = "exposure"
FOLDING = "text-folding"
TRANSPORT = "transport"
COST = "cost"
RUNTIME = "run-time"
FALSE_POSITIVE = "false-positive"


def _task_with(name: str, image: str, **overrides: Any) -> Any:
    return lambda r: {name: task(name, [worker(image, **overrides)])}


def _budget(**changes: Any) -> Any:
    return changed("budget", **changes)


def _notifications(**changes: Any) -> Any:
    return lambda r: {
        "budget": replace(
            r["budget"],
            notifications=[{**r["budget"].wire_inputs["notifications"][0], **changes}],
        )
    }


def _duplicated(name: str, good: str, bad: str) -> Any:
    """A container JSON whose key appears twice: ECS (Go's encoding/json) keeps the last."""

    def build(r: Any) -> Any:
        base = task(name, [worker(f"{ECR}/perfcheck-{name}:1.0.0")])
        text = base.wire_inputs["containerDefinitions"].replace(good, f"{good}, {bad}", 1)
        return {name: replace(base, containerDefinitions=text)}

    return build


BAD_WAVE2: list[Program] = [
    # -- types -------------------------------------------------------------------------------
    Program(
        "elasticache-standalone-redis-cluster",
        TYPES,
        True,
        one(
            "aws:elasticache/cluster:Cluster",
            "sessions-cache",
            {"engine": "redis", "nodeType": "cache.t4g.small", "numCacheNodes": 1},
        ),
    ),
    Program(
        "memorydb-tls-disabled",
        TYPES,
        True,
        one(
            "aws:memorydb/cluster:Cluster",
            "mem",
            {"nodeType": "db.t4g.small", "aclName": "open-access", "tlsEnabled": False},
        ),
    ),
    Program(
        "dax-sse-disabled",
        TYPES,
        True,
        one(
            "aws:dax/cluster:Cluster",
            "dax",
            {
                "clusterName": "dax",
                "nodeType": "dax.t3.small",
                "replicationFactor": 1,
                "iamRoleArn": UNKNOWN,
                "serverSideEncryption": {"enabled": False},
            },
        ),
    ),
    Program(
        "sagemaker-notebook-internet",
        TYPES,
        True,
        one(
            "aws:sagemaker/notebookInstance:NotebookInstance",
            "nb",
            {"instanceType": "ml.t3.medium", "roleArn": UNKNOWN, "directInternetAccess": "Enabled"},
        ),
    ),
    Program(
        "launch-configuration-public-unencrypted",
        TYPES,
        True,
        one(
            "aws:ec2/launchConfiguration:LaunchConfiguration",
            "legacy-lc",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "associatePublicIpAddress": True,
                "rootBlockDevice": {"encrypted": False, "volumeType": "gp3"},
            },
        ),
    ),
    Program(
        "legacy-elasticsearch-tls10",
        TRANSPORT,
        True,
        one(
            "aws:elasticsearch/domain:Domain",
            "legacy-es",
            {
                "elasticsearchVersion": "7.10",
                "encryptAtRest": {"enabled": True},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN]},
            },
        ),
    ),
    # -- credentials -----------------------------------------------------------------------
    Program(
        "cloudfront-plain-origin-secret-header",
        CREDS,
        True,
        lambda r: {
            "cdn": replace(
                r["cdn"],
                origins=[
                    {
                        **r["cdn"].wire_inputs["origins"][0],
                        "customHeaders": [
                            {"name": "X-Origin-Verify", "value": "a8f5f167f44f4964e6c998dee827110c"}
                        ],
                    }
                ],
            )
        },
    ),
    Program(
        "step-function-bearer-token",
        CREDS,
        True,
        one(
            "aws:sfn/stateMachine:StateMachine",
            "notify",
            {
                "roleArn": UNKNOWN,
                "definition": (
                    '{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": '
                    '"arn:aws:states:::http:invoke", "Parameters": {"ApiEndpoint": '
                    '"https://api.example.com", "Method": "POST", "Headers": {"Authorization": '
                    '"Bearer 9f8e7d6c5b4a39281726354453627181"}}, "End": true}}}'
                ),
            },
        ),
    ),
    Program(
        "odbc-connection-string",
        CREDS,
        True,
        container_env("reporting", SQLSERVER="Server=db.internal;Uid=sa;Pwd=0dbc-Pl4in-Pw;"),
    ),
    Program(
        "camel-case-pass-word",
        CREDS,
        True,
        lambda_env("legacy-fn", dbPassWord="C4mel-Case-Pw-7"),
    ),
    Program(
        "password-in-tag",
        CREDS,
        True,
        changed(
            "topic",
            tags={
                "Project": "perfcheck",
                "Environment": "prod",
                "Owner": "platform-team",
                "CostCenter": "cc-1234",
                "ManagedBy": "pulumi",
                "admin-password": "T4g-Pl4in-Pw-1",
            },
        ),
    ),
    # -- hollow controls -------------------------------------------------------------------
    Program(
        "circuit-breaker-rollback-without-enable",
        HOLLOW,
        True,
        changed(
            "service",
            deploymentCircuitBreaker={"enable": False, "rollback": True},
            alarms={"alarmNames": [], "enable": True, "rollback": True},
        ),
    ),
    Program(
        "budget-usage-type",
        HOLLOW,
        True,
        _budget(budgetType="USAGE"),
    ),
    Program(
        "budget-filters-another-cost-center",
        HOLLOW,
        True,
        _budget(costFilters=[{"name": "TagKeyValue", "values": ["user:CostCenter$cc-9999"]}]),
    ),
    Program(
        "budget-notification-never-fires",
        HOLLOW,
        True,
        _notifications(threshold=100000),
    ),
    Program(
        "budget-notification-nobody",
        HOLLOW,
        True,
        _notifications(subscriberEmailAddresses=[]),
    ),
    Program(
        "bucket-acl-public-read",
        HOLLOW,
        True,
        one(
            "aws:s3/bucketAclV2:BucketAclV2",
            "cdn-logs-acl",
            {"bucket": UNKNOWN, "acl": "public-read"},
        ),
    ),
    # -- engines on EFS --------------------------------------------------------------------
    Program(
        "efs-pg-ctl-through-env-bash",
        EFS,
        True,
        efs_task(
            "pgctl",
            "public.ecr.aws/docker/library/debian:12",
            "/mnt/data",
            entryPoint=["/usr/bin/env", "bash", "-lc"],
            command=["pg_ctl -D /mnt/data/pg start && sleep infinity"],
        ),
    ),
    Program(
        "efs-sqlite-file",
        EFS,
        True,
        efs_task(
            "blog",
            f"{ECR}/perfcheck-blog:2.0.0",
            "/mnt/efs",
            environment=env(DATABASE_URL="sqlite:////mnt/efs/blog.db"),
        ),
    ),
    Program(
        "efs-influxdb",
        EFS,
        True,
        efs_task("metrics", "influxdb:2.7", "/var/lib/influxdb2"),
    ),
    Program(
        "efs-rabbitmq",
        EFS,
        True,
        efs_task("queue", "rabbitmq:3.13-management", "/var/lib/rabbitmq"),
    ),
    Program(
        "efs-mariadb-mysqld-safe",
        EFS,
        True,
        efs_task(
            "mdb",
            f"{ECR}/base-image:1",
            "/srv/db",
            command=["mysqld_safe", "--datadir=/srv/db/mysql"],
        ),
    ),
    # -- exposure --------------------------------------------------------------------------
    Program(
        "dms-instance-public-by-default",
        EXPOSURE,
        True,
        one(
            "aws:dms/replicationInstance:ReplicationInstance",
            "migrate",
            {"replicationInstanceClass": "dms.t3.medium", "replicationInstanceId": "migrate"},
        ),
    ),
    Program(
        "rest-api-edge-to-lambda",
        EXPOSURE,
        True,
        one(
            "aws:apigateway/restApi:RestApi",
            "public-api",
            {"name": "public-api", "endpointConfiguration": {"types": "EDGE"}},
        ),
    ),
    Program(
        "appsync-api-key-auth",
        EXPOSURE,
        True,
        one(
            "aws:appsync/graphQLApi:GraphQLApi",
            "graph",
            {"name": "graph", "authenticationType": "API_KEY"},
        ),
    ),
    Program(
        "load-balancer-internal-omitted",
        EXPOSURE,
        True,
        one(
            "aws:lb/loadBalancer:LoadBalancer",
            "reports-alb",
            {"loadBalancerType": "application", "subnets": [UNKNOWN], "securityGroups": [UNKNOWN]},
        ),
    ),
    Program(
        "lightsail-database-public",
        EXPOSURE,
        True,
        one(
            "aws:lightsail/database:Database",
            "cheap-db",
            {
                "relationalDatabaseName": "cheap-db",
                "blueprintId": "postgres_16",
                "bundleId": "micro_2_0",
                "masterDatabaseName": "app",
                "masterUsername": "app",
                "publiclyAccessible": True,
            },
        ),
    ),
    # -- text folding ----------------------------------------------------------------------
    Program(
        "duplicated-readonly-key",
        FOLDING,
        True,
        _duplicated("dupro", '"readonlyRootFilesystem": true', '"readonlyRootFilesystem": false'),
    ),
    Program(
        "duplicated-user-key",
        FOLDING,
        True,
        _duplicated("dupuser", '"user": "1001:1001"', '"user": "root"'),
    ),
    Program(
        "double-slash-data-path",
        FOLDING,
        True,
        efs_task("pgslash", "postgres:16", "//var//lib/postgresql/data/"),
    ),
    # -- transport -------------------------------------------------------------------------
    Program(
        "cloudfront-origin-allows-tls10",
        TRANSPORT,
        True,
        lambda r: {
            "cdn": replace(
                r["cdn"],
                origins=[
                    {
                        **r["cdn"].wire_inputs["origins"][0],
                        "customOriginConfig": {
                            "httpPort": 80,
                            "httpsPort": 443,
                            "originProtocolPolicy": "https-only",
                            "originSslProtocols": ["TLSv1", "TLSv1.2"],
                        },
                    }
                ],
            )
        },
    ),
    Program(
        "second-listener-plain-http-forward",
        TRANSPORT,
        True,
        one(
            "aws:lb/listener:Listener",
            "admin-8080",
            {
                "loadBalancerArn": UNKNOWN,
                "port": 8080,
                "protocol": "HTTP",
                "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
            },
        ),
    ),
    Program(
        "rds-proxy-tls-optional",
        TRANSPORT,
        True,
        one(
            "aws:rds/proxy:Proxy",
            "db-proxy-2",
            {
                "engineFamily": "POSTGRESQL",
                "requireTls": False,
                "roleArn": UNKNOWN,
                "vpcSubnetIds": [UNKNOWN],
                "auths": [{"authScheme": "SECRETS", "iamAuth": "REQUIRED", "secretArn": UNKNOWN}],
            },
        ),
    ),
    Program(
        "msk-in-cluster-plaintext",
        TRANSPORT,
        True,
        one(
            "aws:msk/cluster:Cluster",
            "stream2",
            {
                "kafkaVersion": "3.6.0",
                "numberOfBrokerNodes": 3,
                "brokerNodeGroupInfo": {
                    "instanceType": "kafka.m5.large",
                    "clientSubnets": [UNKNOWN],
                },
                "encryptionInfo": {
                    "encryptionInTransit": {"clientBroker": "TLS", "inCluster": False}
                },
            },
        ),
    ),
    Program(
        "dms-endpoint-ssl-none",
        TRANSPORT,
        True,
        one(
            "aws:dms/endpoint:Endpoint",
            "source",
            {
                "endpointId": "source",
                "endpointType": "source",
                "engineName": "postgres",
                "sslMode": "none",
                "serverName": "db.internal",
                "port": 5432,
                "username": "dms",
                "password": UNKNOWN,
                "databaseName": "app",
            },
        ),
    ),
    Program(
        "sns-subscription-http-uppercase",
        TRANSPORT,
        True,
        one(
            "aws:sns/topicSubscription:TopicSubscription",
            "hook2",
            {"topic": UNKNOWN, "protocol": "HTTP", "endpoint": "http://hooks.example.com/x"},
        ),
    ),
    # -- cost ------------------------------------------------------------------------------
    Program(
        "priced-huge-database",
        COST,
        True,
        lambda r: {"db": replace(r["db"], instanceClass="db.r6g.16xlarge")},
    ),
    Program(
        "budget-limit-astronomical",
        COST,
        True,
        _budget(limitAmount="1000000000"),
    ),
    # -- run-time created ------------------------------------------------------------------
    Program(
        "awslogs-create-group",
        RUNTIME,
        True,
        _task_with(
            "selflog",
            f"{ECR}/perfcheck-selflog:1.0.0",
            logConfiguration={
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/unmanaged",
                    "awslogs-create-group": "true",
                    "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "selflog",
                },
            },
        ),
    ),
    Program(
        "lambda-custom-log-group-not-in-stack",
        RUNTIME,
        True,
        lambda r: {
            "orphan-logs": add(
                "aws:lambda/function:Function",
                "orphan-logs",
                {
                    "runtime": "python3.12",
                    "handler": "app.handler",
                    "role": UNKNOWN,
                    "loggingConfig": {"logFormat": "JSON", "logGroup": "/custom/orphan"},
                },
            )
        },
    ),
    Program(
        "service-ecs-managed-tags-off",
        RUNTIME,
        True,
        changed("service", enableEcsManagedTags=False, propagateTags="NONE"),
    ),
]


GOOD_WAVE2: list[Program] = [
    Program(
        "pg-dump-job-on-postgres-image",
        FALSE_POSITIVE,
        False,
        _task_with(
            "nightly-dump",
            "public.ecr.aws/docker/library/postgres:16",
            command=["sh", "-c", "pg_dump --no-password -h db.internal app | gzip > /tmp/d.gz"],
        ),
    ),
    Program(
        "redis-cli-probe-sidecar",
        FALSE_POSITIVE,
        False,
        _task_with(
            "probe",
            "public.ecr.aws/docker/library/redis:7.4",
            command=["redis-cli", "-h", "cache.internal", "--tls", "ping"],
        ),
    ),
    Program(
        "django-media-on-efs-with-rds",
        FALSE_POSITIVE,
        False,
        efs_task(
            "cms",
            f"{ECR}/perfcheck-cms:3.1.0",
            "/srv/media",
            environment=env(DATABASE_HOST="db.internal", MEDIA_ROOT="/srv/media"),
        ),
    ),
    Program(
        "postgres-backup-tool-with-efs-scratch",
        FALSE_POSITIVE,
        False,
        efs_task("pgbackup", "acme/postgres-backup-s3:16", "/var/lib/app-data"),
    ),
    Program(
        "harmless-settings-named-like-secrets",
        FALSE_POSITIVE,
        False,
        container_env(
            "settings",
            PASSWORD_RESET_URL="https://perfcheck.example.com/reset",
            AUTH_ENABLED="true",
            TOKEN_ISSUER="https://auth.example.com/",
            KEY_ID="alias/perfcheck-app",
            JWT_ALGORITHM="RS256",
            ENCRYPTION_KEY_ARN=arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            PUBLIC_VAPID_KEY="BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
            SESSION_COOKIE_SECURE="true",
        ),
    ),
    Program(
        "cli-flags-with-numbers",
        FALSE_POSITIVE,
        False,
        _task_with(
            "jobrunner",
            f"{ECR}/perfcheck-jobs:1.0.0",
            command=["python", "job.py", "--token-ttl", "3600", "--secret-name", "perfcheck/app"],
        ),
    ),
    Program(
        "codebuild-parameter-store-reference",
        FALSE_POSITIVE,
        False,
        one(
            "aws:codebuild/project:Project",
            "ci-ok",
            {
                "serviceRole": UNKNOWN,
                "artifacts": {"type": "NO_ARTIFACTS"},
                "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
                "environment": {
                    "computeType": "BUILD_GENERAL1_SMALL",
                    "image": "aws/codebuild/standard:7.0",
                    "type": "LINUX_CONTAINER",
                    "environmentVariables": [
                        {"name": "NPM_TOKEN", "value": "/ci/npm-token", "type": "PARAMETER_STORE"},
                        {
                            "name": "DB_PASSWORD",
                            "value": "ci/db:password",
                            "type": "SECRETS_MANAGER",
                        },
                    ],
                },
            },
        ),
    ),
    Program(
        "ssm-string-host-and-parameter-name",
        FALSE_POSITIVE,
        False,
        lambda r: {
            "db-host": add(
                "aws:ssm/parameter:Parameter",
                "db-host",
                {"name": "/perfcheck/db/host", "type": "String", "value": "db.internal"},
            ),
            "key-ref": add(
                "aws:ssm/parameter:Parameter",
                "key-ref",
                {
                    "name": "/perfcheck/api-key-parameter-name",
                    "type": "String",
                    "value": "/perfcheck/secure/api-key",
                },
            ),
        },
    ),
    Program(
        "bucket-policy-deny-insecure-transport",
        EXPOSURE,
        False,
        one(
            "aws:s3/bucketPolicy:BucketPolicy",
            "cdn-logs-tls-only",
            {
                "bucket": UNKNOWN,
                "policy": '{"Version": "2012-10-17", "Statement": [{"Sid": "TlsOnly", '
                '"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": '
                '["arn:aws:s3:::perfcheck-cdn-logs", "arn:aws:s3:::perfcheck-cdn-logs/*"], '
                '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}',
            },
        ),
    ),
    Program(
        "bucket-policy-cloudfront-service-principal",
        EXPOSURE,
        False,
        one(
            "aws:s3/bucketPolicy:BucketPolicy",
            "assets-oac",
            {
                "bucket": UNKNOWN,
                "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                '"Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", '
                '"Resource": "arn:aws:s3:::perfcheck-assets/*", "Condition": {"StringEquals": '
                '{"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}}]}',
            },
        ),
    ),
    Program(
        "security-group-egress-anywhere-ingress-from-sg",
        EXPOSURE,
        False,
        lambda r: {
            "worker-sg": add(
                "aws:ec2/securityGroup:SecurityGroup",
                "worker-sg",
                {
                    "description": "worker",
                    "vpcId": UNKNOWN,
                    "ingress": [
                        {
                            "protocol": "tcp",
                            "fromPort": 3000,
                            "toPort": 3000,
                            "securityGroups": [UNKNOWN],
                        }
                    ],
                    "egress": [
                        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
                    ],
                },
            )
        },
    ),
    Program(
        "second-internal-alb",
        EXPOSURE,
        False,
        one(
            "aws:lb/loadBalancer:LoadBalancer",
            "admin-internal",
            {
                "loadBalancerType": "application",
                "internal": True,
                "subnets": [UNKNOWN],
                "securityGroups": [UNKNOWN],
                "dropInvalidHeaderFields": True,
                "enableDeletionProtection": True,
                # logged like the stack's own ALB (access logs are wave 5's logging property)
                "accessLogs": {"enabled": True, "bucket": "perfcheck-prod-alb-logs"},
            },
        ),
    ),
    Program(
        "lambda-in-vpc-with-settings",
        FALSE_POSITIVE,
        False,
        lambda_env(
            "thumbnailer",
            NODE_OPTIONS="--max-old-space-size=512",
            PRIVATE_SUBNET_IDS="subnet-0a1b2c3d,subnet-4e5f6a7b",
            BUCKET_NAME="perfcheck-media",
            SECRETS_MANAGER_ENDPOINT="https://secretsmanager.eu-west-1.amazonaws.com",
        ),
    ),
    Program(
        "mysql-require-secure-transport-numeric",
        TRANSPORT,
        False,
        one(
            "aws:rds/parameterGroup:ParameterGroup",
            "mysql-on",
            {
                "family": "mysql8.0",
                "parameters": [{"name": "require_secure_transport", "value": "1"}],
            },
        ),
    ),
    Program(
        "sns-lambda-subscription",
        TRANSPORT,
        False,
        one(
            "aws:sns/topicSubscription:TopicSubscription",
            "lambda-sub",
            {"topic": UNKNOWN, "protocol": "lambda", "endpoint": UNKNOWN},
        ),
    ),
    Program(
        "apprunner-secret-references",
        FALSE_POSITIVE,
        False,
        one(
            "aws:apprunner/service:Service",
            "portal-ok",
            {
                "serviceName": "portal-ok",
                "sourceConfiguration": {
                    "imageRepository": {
                        "imageIdentifier": f"{ECR}/portal:1.0.0",
                        "imageRepositoryType": "ECR",
                        "imageConfiguration": {
                            "port": "8080",
                            "runtimeEnvironmentSecrets": {
                                "DB_PASSWORD": arn("secretsmanager", "secret:perfcheck/db-AbCdEf")
                            },
                        },
                    }
                },
                "networkConfiguration": {"ingressConfiguration": {"isPubliclyAccessible": False}},
            },
        ),
    ),
    Program(
        "container-mounts-tmp-only",
        FALSE_POSITIVE,
        False,
        _task_with(
            "renderer",
            f"{ECR}/perfcheck-renderer:1.0.0",
            mountPoints=mount("/tmp", "tmp")[:1],
        ),
    ),
]
