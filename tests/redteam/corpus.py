"""The red-team corpus: programs the packs were not written for, bad and good.

Each program is judged on prod (tests/redteam/harness.py). Classes follow issue 22; every member
is our own, chosen from what AWS and pulumi-aws accept, not from the rules' code.
"""

from __future__ import annotations

from typing import Any

from tests.redteam.programs import (
    ECR,
    UNKNOWN,
    Program,
    add,
    arn,
    b64,
    both,
    changed,
    container_env,
    efs_task,
    env,
    lambda_env,
    lambda_function,
    one,
    renamed,
    replace,
    secret,
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
EXEMPT = "exemption-scope"
FALSE_POSITIVE = "false-positive"

STATEFUL = {"deletionProtection": True, "backupRetentionPeriod": 7, "skipFinalSnapshot": False}


def _aurora(**changes: Any) -> dict[str, Any]:
    return {
        "engine": "aurora-postgresql",
        "engineVersion": "16.4",
        "storageEncrypted": True,
        "kmsKeyId": UNKNOWN,
        "manageMasterUserPassword": True,
        "masterUsername": "perfcheck",
        "finalSnapshotIdentifier": "aurora-final",
        "copyTagsToSnapshot": True,
        **STATEFUL,
        **changes,
    }


def _container_task(name: str, **overrides: Any) -> Any:
    return lambda r: {name: task(name, [worker(f"{ECR}/perfcheck-{name}:1.0.0", **overrides)])}


def _exempt_default_cert(config: dict[str, Any]) -> None:
    """The shipped exemption (default certificate) bound to the synthetic distribution."""
    config["cloudfront-viewer-tls"] = {
        "enforcementLevel": "mandatory",
        "exemptions": [
            {
                "type": "aws:cloudfront/distribution:Distribution",
                "name": "cdn",
                "parent": "",
                "property": "viewerCertificate.cloudfrontDefaultCertificate",
                "reason": "No custom domain yet: viewers use the default certificate.",
            }
        ],
    }


def _exempt_sg_port_443(config: dict[str, Any]) -> None:
    config["security-group-no-public-ingress"] = {
        "enforcementLevel": "mandatory",
        "exemptions": [
            {
                "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "name": "edge-https-in",
                "parent": "",
                "property": "fromPort",
                "found": "443",
                "reason": "The edge proxy takes HTTPS from the internet on 443 only.",
            }
        ],
    }


BAD: list[Program] = [
    # -- one rule, one type: the other data stores, snapshots, instances, templates ----------
    Program(
        "aurora-cluster-unencrypted",
        TYPES,
        True,
        one("aws:rds/cluster:Cluster", "aurora", _aurora(storageEncrypted=False), protect=True),
    ),
    Program(
        "docdb-cluster-unencrypted",
        TYPES,
        True,
        one(
            "aws:docdb/cluster:Cluster",
            "docs",
            {
                "engine": "docdb",
                "storageEncrypted": False,
                "masterUsername": "docs",
                "manageMasterUserPassword": True,
                "finalSnapshotIdentifier": "docs-final",
                **STATEFUL,
            },
            protect=True,
        ),
    ),
    Program(
        "neptune-cluster-unencrypted",
        TYPES,
        True,
        one(
            "aws:neptune/cluster:Cluster",
            "graph",
            {"storageEncrypted": False, "finalSnapshotIdentifier": "graph-final", **STATEFUL},
            protect=True,
        ),
    ),
    Program(
        "redshift-cluster-unencrypted",
        TYPES,
        True,
        one(
            "aws:redshift/cluster:Cluster",
            "warehouse",
            {
                "clusterIdentifier": "warehouse",
                "nodeType": "ra3.xlplus",
                "encrypted": False,
                "manageMasterPassword": True,
                "masterUsername": "wh",
                "publiclyAccessible": False,
                "finalSnapshotIdentifier": "wh-final",
                "skipFinalSnapshot": False,
            },
            protect=True,
        ),
    ),
    Program(
        "sqs-queue-sse-off",
        TYPES,
        True,
        one("aws:sqs/queue:Queue", "jobs", {"sqsManagedSseEnabled": False}),
    ),
    Program(
        "kinesis-stream-no-encryption",
        TYPES,
        True,
        one("aws:kinesis/stream:Stream", "events", {"encryptionType": "NONE", "shardCount": 1}),
    ),
    Program(
        "firehose-sse-disabled",
        TYPES,
        True,
        one(
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            "clicks",
            {"destination": "extended_s3", "serverSideEncryption": {"enabled": False}},
        ),
    ),
    Program(
        "ebs-snapshot-copy-unencrypted",
        TYPES,
        True,
        one(
            "aws:ebs/snapshotCopy:SnapshotCopy",
            "backup-copy",
            {"sourceSnapshotId": "snap-0abc", "sourceRegion": "eu-west-1", "encrypted": False},
        ),
    ),
    Program(
        "rds-global-cluster-unencrypted",
        TYPES,
        True,
        one(
            "aws:rds/globalCluster:GlobalCluster",
            "global",
            {
                "globalClusterIdentifier": "perfcheck-global",
                "engine": "aurora-postgresql",
                "storageEncrypted": False,
                "deletionProtection": True,
            },
            protect=True,
        ),
    ),
    Program(
        "launch-template-unencrypted-volume",
        TYPES,
        True,
        one(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "builders",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "blockDeviceMappings": [
                    {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 30, "encrypted": "false"}}
                ],
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "instance-unencrypted-root",
        TYPES,
        True,
        one(
            "aws:ec2/instance:Instance",
            "bastion",
            {
                "ami": "ami-0123456789abcdef0",
                "instanceType": "t4g.micro",
                "rootBlockDevice": {"encrypted": False, "volumeSize": 8},
                "associatePublicIpAddress": False,
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "opensearch-no-encryption-at-rest",
        TYPES,
        True,
        one(
            "aws:opensearch/domain:Domain",
            "search",
            {
                "engineVersion": "OpenSearch_2.13",
                "encryptAtRest": {"enabled": False},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "aurora-instance-public",
        TYPES,
        True,
        one(
            "aws:rds/clusterInstance:ClusterInstance",
            "aurora-1",
            {
                "clusterIdentifier": UNKNOWN,
                "instanceClass": "db.r6g.large",
                "engine": "aurora-postgresql",
                "publiclyAccessible": True,
            },
        ),
    ),
    Program(
        "aurora-cluster-no-deletion-protection",
        TYPES,
        True,
        one(
            "aws:rds/cluster:Cluster",
            "aurora-soft",
            _aurora(deletionProtection=False, skipFinalSnapshot=True),
            protect=True,
        ),
    ),
    Program(
        "dynamodb-table-unprotected",
        TYPES,
        True,
        one(
            "aws:dynamodb/table:Table",
            "sessions",
            {
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "id",
                "attributes": [{"name": "id", "type": "S"}],
                "deletionProtectionEnabled": False,
                "pointInTimeRecovery": {"enabled": False},
            },
        ),
    ),
    Program(
        "ecs-task-set-public-ip",
        TYPES,
        True,
        one(
            "aws:ecs/taskSet:TaskSet",
            "green",
            {
                "service": UNKNOWN,
                "cluster": UNKNOWN,
                "taskDefinition": UNKNOWN,
                "launchType": "FARGATE",
                "networkConfiguration": {
                    "subnets": [UNKNOWN],
                    "securityGroups": [UNKNOWN],
                    "assignPublicIp": True,
                },
            },
        ),
    ),
    # -- credentials outside containers, and shapes beyond NAME=value --------------------------
    Program(
        "lambda-database-url-with-password",
        CREDS,
        True,
        lambda_env("exporter", DATABASE_URL="postgres://app:hunter2-Kx9@db.internal:5432/app"),
    ),
    Program(
        "codebuild-plaintext-token",
        CREDS,
        True,
        one(
            "aws:codebuild/project:Project",
            "ci",
            {
                "serviceRole": UNKNOWN,
                "artifacts": {"type": "NO_ARTIFACTS"},
                "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
                "environment": {
                    "computeType": "BUILD_GENERAL1_SMALL",
                    "image": "aws/codebuild/standard:7.0",
                    "type": "LINUX_CONTAINER",
                    "environmentVariables": [
                        {
                            "name": "NPM_TOKEN",
                            "value": "npm_Zx81kLq0pTyb7RmW2sD4",
                            "type": "PLAINTEXT",
                        }
                    ],
                },
            },
        ),
    ),
    Program(
        "batch-job-secret-access-key",
        CREDS,
        True,
        one(
            "aws:batch/jobDefinition:JobDefinition",
            "nightly",
            {
                "type": "container",
                "platformCapabilities": ["FARGATE"],
                "containerProperties": (
                    '{"image": "public.ecr.aws/amazonlinux/amazonlinux:2023", '
                    '"command": ["sh", "-c", "echo"], "environment": [{"name": '
                    '"AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY"}],'
                    ' "resourceRequirements": [{"type": "VCPU", "value": "1"}]}'
                ),
            },
        ),
    ),
    Program(
        "apprunner-runtime-secret",
        CREDS,
        True,
        one(
            "aws:apprunner/service:Service",
            "portal",
            {
                "serviceName": "portal",
                "sourceConfiguration": {
                    "imageRepository": {
                        "imageIdentifier": f"{ECR}/portal:1.0.0",
                        "imageRepositoryType": "ECR",
                        "imageConfiguration": {
                            "port": "8080",
                            "runtimeEnvironmentVariables": {
                                "STRIPE_SECRET_KEY": "sk_live_51HqLy2ExAmPlEk3yV4lu3Zz"
                            },
                        },
                    }
                },
                "networkConfiguration": {"ingressConfiguration": {"isPubliclyAccessible": False}},
            },
        ),
    ),
    Program(
        "launch-template-user-data-password",
        CREDS,
        True,
        one(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "agents",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "userData": b64("#!/bin/bash\nexport DB_PASSWORD='Tr0ub4dor-and-3'\n/opt/agent\n"),
                "blockDeviceMappings": [
                    {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20}}
                ],
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "instance-user-data-mysql-password",
        CREDS,
        True,
        one(
            "aws:ec2/instance:Instance",
            "migrator",
            {
                "ami": "ami-0123456789abcdef0",
                "instanceType": "t4g.micro",
                "userData": (
                    "#!/bin/sh\nmysql -h db.internal -u admin -pQu4rtz-Lamp-77 < /seed.sql\n"
                ),
                "rootBlockDevice": {"encrypted": True},
                "associatePublicIpAddress": False,
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "ssm-string-parameter-password",
        CREDS,
        True,
        one(
            "aws:ssm/parameter:Parameter",
            "db-password",
            {"name": "/perfcheck/db/password", "type": "String", "value": "Pl4in-T3xt-Pass"},
        ),
    ),
    Program(
        "volume-driver-options-password",
        CREDS,
        True,
        lambda r: {
            "share": task(
                "share",
                [worker(f"{ECR}/perfcheck-share:1.0.0", mountPoints=[])],
                [
                    {
                        "name": "share",
                        "dockerVolumeConfiguration": {
                            "scope": "task",
                            "driver": "local",
                            "driverOpts": {
                                "type": "cifs",
                                "device": "//files.internal/share",
                                "o": "username=svc,password=C1fs-Sh4re-Pw",
                            },
                        },
                    }
                ],
                requiresCompatibilities=["EC2"],
            )
        },
    ),
    Program(
        "container-secret-in-command",
        CREDS,
        True,
        _container_task(
            "seed",
            command=["sh", "-c", "psql postgresql://admin:S33d-Pass-99@db.internal/app -f s.sql"],
        ),
    ),
    Program(
        "container-authorization-header",
        CREDS,
        True,
        container_env("relay", UPSTREAM_HEADERS="Authorization: Basic YWRtaW46c3VwZXJzZWNyZXQ="),
    ),
    Program(
        "container-lookalike-name",
        CREDS,
        True,
        container_env("legacy", **{"DB_P\u0410SSWORD": "Cyr1llic-A-Pass"}),
    ),
    Program(
        "container-framework-secret",
        CREDS,
        True,
        container_env("auth", NEXTAUTH_SECRET="f0c1d1c0a9b84e3c8d7e6f5a4b3c2d1e"),
    ),
    Program(
        "container-mongodb-srv-credentials",
        CREDS,
        True,
        container_env("reports", MONGO_URL="mongodb+srv://rep:pa55-w0rd-x@cluster0.example.net/r"),
    ),
    Program(
        "container-json-blob-with-password",
        CREDS,
        True,
        container_env("jobs", APP_CONFIG=b64('{"db": {"user": "jobs", "password": "B10b-Pw-42"}}')),
    ),
    Program(
        "glue-connection-password",
        CREDS,
        True,
        one(
            "aws:glue/connection:Connection",
            "jdbc",
            {
                "connectionType": "JDBC",
                "connectionProperties": {
                    "JDBC_CONNECTION_URL": "jdbc:postgresql://db.internal:5432/app",
                    "USERNAME": "glue",
                    "PASSWORD": "Gl00-Pl4in-Pw",
                },
            },
        ),
    ),
    Program(
        "mq-broker-plain-user-password",
        CREDS,
        True,
        one(
            "aws:mq/broker:Broker",
            "bus",
            {
                "engineType": "RabbitMQ",
                "engineVersion": "3.13",
                "hostInstanceType": "mq.m5.large",
                "publiclyAccessible": False,
                "users": [{"username": "bus", "password": "R4bbit-Pl4in-Pw"}],
            },
        ),
    ),
    Program(
        "aurora-master-password-plain",
        CREDS,
        True,
        one(
            "aws:rds/cluster:Cluster",
            "aurora-pw",
            _aurora(manageMasterUserPassword=False, masterPassword="Aur0ra-Plain-Pw!"),
            protect=True,
        ),
    ),
    # -- controls present but hollow --------------------------------------------------------
    Program(
        "waf-all-rules-count",
        HOLLOW,
        True,
        one(
            "aws:wafv2/webAcl:WebAcl",
            "edge-acl",
            {
                "scope": "CLOUDFRONT",
                "defaultAction": {"allow": {}},
                "visibilityConfig": {
                    "cloudwatchMetricsEnabled": True,
                    "metricName": "edge",
                    "sampledRequestsEnabled": True,
                },
                "rules": [
                    {
                        "name": "common",
                        "priority": 1,
                        "overrideAction": {"count": {}},
                        "statement": {
                            "managedRuleGroupStatement": {
                                "name": "AWSManagedRulesCommonRuleSet",
                                "vendorName": "AWS",
                            }
                        },
                        "visibilityConfig": {
                            "cloudwatchMetricsEnabled": True,
                            "metricName": "common",
                            "sampledRequestsEnabled": True,
                        },
                    }
                ],
            },
        ),
    ),
    Program(
        "service-code-deploy-controller",
        HOLLOW,
        True,
        changed("service", deploymentController={"type": "CODE_DEPLOY"}),
    ),
    Program(
        "service-bake-time-zero",
        HOLLOW,
        True,
        changed(
            "service",
            deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "0"},
        ),
    ),
    Program(
        "service-alarms-without-rollback",
        HOLLOW,
        True,
        changed(
            "service",
            deploymentCircuitBreaker={"enable": True, "rollback": False},
            alarms={"alarmNames": ["app-5xx"], "enable": True, "rollback": False},
        ),
    ),
    Program(
        "ecr-scan-filter-matches-nothing",
        HOLLOW,
        True,
        lambda r: {
            "app-repo": add(
                "aws:ecr/repository:Repository",
                "app-repo",
                {
                    "name": "perfcheck-app",
                    "imageTagMutability": "IMMUTABLE",
                    "encryptionConfigurations": [{"encryptionType": "KMS"}],
                },
            ),
            **one(
                "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
                "scanning",
                {
                    "scanType": "BASIC",
                    "rules": [
                        {
                            "scanFrequency": "SCAN_ON_PUSH",
                            "repositoryFilters": [
                                {"filter": "zz-no-such-repo-*", "filterType": "WILDCARD"}
                            ],
                        }
                    ],
                },
            )(r),
        },
    ),
    Program(
        "ecr-repository-mutable-no-scan",
        HOLLOW,
        True,
        one(
            "aws:ecr/repository:Repository",
            "tools",
            {
                "imageTagMutability": "MUTABLE",
                "imageScanningConfiguration": {"scanOnPush": False},
                "encryptionConfigurations": [{"encryptionType": "KMS"}],
            },
        ),
    ),
    Program(
        "placeholder-cost-tags",
        HOLLOW,
        True,
        changed(
            "topic",
            tags={
                "Project": "perfcheck",
                "Environment": "prod",
                "Owner": "TODO",
                "CostCenter": "changeme",
                "ManagedBy": "pulumi",
            },
        ),
    ),
    Program(
        "container-insights-disabled",
        HOLLOW,
        True,
        changed("cluster", settings=[{"name": "containerInsights", "value": "disabled"}]),
    ),
    Program(
        "kms-key-rotation-off",
        HOLLOW,
        True,
        one(
            "aws:kms/key:Key", "reports-key", {"description": "reports", "enableKeyRotation": False}
        ),
    ),
    Program(
        "aurora-backup-retention-zero",
        HOLLOW,
        True,
        one(
            "aws:rds/cluster:Cluster",
            "aurora-nobackup",
            _aurora(backupRetentionPeriod=0),
            protect=True,
        ),
    ),
    Program(
        "cache-snapshots-zero",
        HOLLOW,
        True,
        changed("cache", snapshotRetentionLimit=0),
    ),
    Program(
        "bucket-public-access-block-all-off",
        HOLLOW,
        True,
        one(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "cdn-logs-pab",
            {
                "bucket": UNKNOWN,
                "blockPublicAcls": False,
                "blockPublicPolicy": False,
                "ignorePublicAcls": False,
                "restrictPublicBuckets": False,
            },
        ),
    ),
    Program(
        "security-group-two-halves-of-internet",
        HOLLOW,
        True,
        one(
            "aws:ec2/securityGroup:SecurityGroup",
            "db-admin",
            {
                "description": "admin",
                "vpcId": UNKNOWN,
                "ingress": [
                    {
                        "protocol": "tcp",
                        "fromPort": 5432,
                        "toPort": 5432,
                        "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"],
                    }
                ],
                "egress": [],
            },
        ),
    ),
    # -- a database on EFS under another name, wrapper, path -------------------------------
    Program(
        "efs-postgres-custom-image-command",
        EFS,
        True,
        efs_task(
            "pgcustom",
            "ghcr.io/acme/pg-custom:16",
            "/mnt/efs",
            command=["postgres", "-D", "/mnt/efs/pgdata"],
        ),
    ),
    Program(
        "efs-bitnami-mariadb",
        EFS,
        True,
        efs_task("maria", "docker.io/bitnami/mariadb:11.4", "/bitnami/mariadb"),
    ),
    Program(
        "efs-mongod-on-generic-image",
        EFS,
        True,
        efs_task(
            "docs",
            "public.ecr.aws/ubuntu/ubuntu:22.04",
            "/data",
            command=["sh", "-c", "exec mongod --dbpath /data/db --bind_ip_all"],
        ),
    ),
    Program(
        "efs-etcd",
        EFS,
        True,
        efs_task(
            "coord",
            "quay.io/coreos/etcd:v3.5.15",
            "/etcd-data",
            command=["etcd", "--data-dir", "/etcd-data"],
        ),
    ),
    Program(
        "efs-elasticsearch",
        EFS,
        True,
        efs_task(
            "es",
            "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
            "/usr/share/elasticsearch/data",
        ),
    ),
    Program(
        "efs-postgres-dotted-path",
        EFS,
        True,
        efs_task(
            "pgdots",
            "public.ecr.aws/docker/library/postgres:16",
            "/var/lib/postgresql/./data/../data",
        ),
    ),
    Program(
        "efs-mysql-via-nfs-driver",
        EFS,
        True,
        lambda r: {
            "nfsdb": task(
                "nfsdb",
                [
                    worker(
                        "public.ecr.aws/docker/library/mysql:8.4",
                        mountPoints=[
                            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
                            {
                                "sourceVolume": "nfs",
                                "containerPath": "/var/lib/mysql",
                                "readOnly": False,
                            },
                        ],
                    )
                ],
                [
                    {"name": "tmp"},
                    {
                        "name": "nfs",
                        "dockerVolumeConfiguration": {
                            "scope": "shared",
                            "autoprovision": True,
                            "driver": "local",
                            "driverOpts": {
                                "type": "nfs",
                                "device": ":/",
                                "o": (
                                    "addr=fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com,"
                                    "nfsvers=4.1"
                                ),
                            },
                        },
                    },
                ],
                requiresCompatibilities=["EC2"],
            )
        },
    ),
    Program(
        "efs-clickhouse",
        EFS,
        True,
        efs_task("olap", "clickhouse/clickhouse-server:24.8", "/var/lib/clickhouse"),
    ),
    # The project refuses any engine in ECS (use RDS/ElastiCache), with or without EFS.
    Program(
        "redis-engine-in-ecs-without-efs",
        EFS,
        True,
        lambda r: {
            "ratelimit": task("ratelimit", [worker("public.ecr.aws/docker/library/redis:7.4")])
        },
    ),
    # -- exposure paths around the front door ------------------------------------------------
    Program(
        "public-nlb-to-database-port",
        EXPOSURE,
        True,
        lambda r: {
            "db-nlb": add(
                "aws:lb/loadBalancer:LoadBalancer",
                "db-nlb",
                {"loadBalancerType": "network", "internal": False, "subnets": [UNKNOWN]},
            ),
            "db-nlb-5432": add(
                "aws:lb/listener:Listener",
                "db-nlb-5432",
                {
                    "loadBalancerArn": UNKNOWN,
                    "port": 5432,
                    "protocol": "TCP",
                    "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
                },
            ),
        },
    ),
    Program(
        "http-api-to-internal-alb",
        EXPOSURE,
        True,
        lambda r: {
            "partner-api": add("aws:apigatewayv2/api:Api", "partner-api", {"protocolType": "HTTP"}),
            "partner-link": add(
                "aws:apigatewayv2/vpcLink:VpcLink",
                "partner-link",
                {"name": "partner", "subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            ),
            "partner-integration": add(
                "aws:apigatewayv2/integration:Integration",
                "partner-integration",
                {
                    "apiId": UNKNOWN,
                    "integrationType": "HTTP_PROXY",
                    "integrationMethod": "ANY",
                    "connectionType": "VPC_LINK",
                    "connectionId": UNKNOWN,
                    "integrationUri": arn("elasticloadbalancing", "listener/app/alb/1/2"),
                },
            ),
        },
    ),
    Program(
        "function-url-auth-none",
        EXPOSURE,
        True,
        one(
            "aws:lambda/functionUrl:FunctionUrl",
            "webhook",
            {"functionName": UNKNOWN, "authorizationType": "NONE"},
        ),
    ),
    Program(
        "instance-public-ip",
        EXPOSURE,
        True,
        one(
            "aws:ec2/instance:Instance",
            "jump",
            {
                "ami": "ami-0123456789abcdef0",
                "instanceType": "t4g.micro",
                "associatePublicIpAddress": True,
                "rootBlockDevice": {"encrypted": True},
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "launch-template-public-ip",
        EXPOSURE,
        True,
        one(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "edge-nodes",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "networkInterfaces": [{"associatePublicIpAddress": "true", "deviceIndex": 0}],
                "blockDeviceMappings": [
                    {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20}}
                ],
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "second-distribution-without-waf-dns-alias-origin",
        EXPOSURE,
        True,
        lambda r: {
            "cdn-beta": add(
                "aws:cloudfront/distribution:Distribution",
                "cdn-beta",
                {
                    "enabled": True,
                    "origins": [
                        {
                            "originId": "beta",
                            "domainName": "beta-origin.perfcheck.example.com",
                            "customOriginConfig": {
                                "httpPort": 80,
                                "httpsPort": 443,
                                "originProtocolPolicy": "https-only",
                                "originSslProtocols": ["TLSv1.2"],
                            },
                        }
                    ],
                    "defaultCacheBehavior": {
                        "targetOriginId": "beta",
                        "viewerProtocolPolicy": "redirect-to-https",
                        "allowedMethods": ["GET", "HEAD"],
                        "cachedMethods": ["GET", "HEAD"],
                    },
                    "restrictions": {"geoRestriction": {"restrictionType": "none"}},
                    "viewerCertificate": {
                        "acmCertificateArn": UNKNOWN,
                        "sslSupportMethod": "sni-only",
                        "minimumProtocolVersion": "TLSv1.2_2021",
                    },
                },
            )
        },
    ),
    Program(
        "security-group-ssh-from-ipv6-internet",
        EXPOSURE,
        True,
        one(
            "aws:ec2/securityGroup:SecurityGroup",
            "ops",
            {
                "description": "ops",
                "vpcId": UNKNOWN,
                "ingress": [
                    {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"]}
                ],
            },
        ),
    ),
    Program(
        "second-service-public-ip",
        EXPOSURE,
        True,
        lambda r: {
            "admin-svc": renamed(
                replace(
                    r["service"],
                    networkConfiguration={
                        "subnets": [UNKNOWN],
                        "securityGroups": [UNKNOWN],
                        "assignPublicIp": True,
                    },
                ),
                "admin",
            )
        },
    ),
    Program(
        "lambda-permission-any-principal",
        EXPOSURE,
        True,
        one(
            "aws:lambda/permission:Permission",
            "open-invoke",
            {"action": "lambda:InvokeFunction", "function": UNKNOWN, "principal": "*"},
        ),
    ),
    Program(
        "bucket-policy-public-read",
        EXPOSURE,
        True,
        one(
            "aws:s3/bucketPolicy:BucketPolicy",
            "cdn-logs-policy",
            {
                "bucket": UNKNOWN,
                "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                '"Principal": "*", "Action": "s3:GetObject", '
                '"Resource": "arn:aws:s3:::perfcheck-cdn-logs/*"}]}',
            },
        ),
    ),
    Program(
        "elastic-ip-on-instance",
        EXPOSURE,
        True,
        one("aws:ec2/eip:Eip", "jump-ip", {"domain": "vpc", "instance": "i-0123456789abcdef0"}),
    ),
    Program(
        "apprunner-public-service",
        EXPOSURE,
        True,
        one(
            "aws:apprunner/service:Service",
            "public-portal",
            {
                "serviceName": "public-portal",
                "sourceConfiguration": {
                    "imageRepository": {
                        "imageIdentifier": f"{ECR}/portal:1.0.0",
                        "imageRepositoryType": "ECR",
                        "imageConfiguration": {"port": "8080"},
                    }
                },
                "networkConfiguration": {"ingressConfiguration": {"isPubliclyAccessible": True}},
            },
        ),
    ),
    # -- text read differently from the runtime ------------------------------------------------
    Program(
        "lowercase-credential-name",
        FOLDING,
        True,
        lambda_env("mailer", smtp_password="L0wer-Case-Pw-1"),
    ),
    Program(
        "fullwidth-credential-name",
        FOLDING,
        True,
        container_env(
            "fw", **{"\uff30\uff21\uff33\uff33\uff37\uff2f\uff32\uff24": "Fu11-W1dth-Pw"}
        ),
    ),
    Program(
        "duplicated-privileged-key",
        FOLDING,
        True,
        lambda r: {
            "dup": replace(
                task("dup", [worker(f"{ECR}/perfcheck-dup:1.0.0")]),
                containerDefinitions=task("dup", [worker(f"{ECR}/perfcheck-dup:1.0.0")])
                .wire_inputs["containerDefinitions"]
                .replace('"privileged": false', '"privileged": false, "privileged": true'),
            )
        },
    ),
    Program(
        "root-user-by-uid-and-group",
        FOLDING,
        True,
        _container_task("uid0", user="0:1001"),
    ),
    Program(
        "root-user-uppercase",
        FOLDING,
        True,
        _container_task("rootuc", user="ROOT"),
    ),
    Program(
        "ipv6-any-long-form",
        FOLDING,
        True,
        one(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "any6-in",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrIpv6": "0:0:0:0:0:0:0:0/0",
            },
        ),
    ),
    # -- transport minimums of other front doors and engines -----------------------------------
    Program(
        "nlb-tls-listener-tls10-policy",
        TRANSPORT,
        True,
        one(
            "aws:lb/listener:Listener",
            "tls-legacy",
            {
                "loadBalancerArn": UNKNOWN,
                "port": 443,
                "protocol": "TLS",
                "sslPolicy": "ELBSecurityPolicy-TLS-1-0-2015-04",
                "certificateArn": UNKNOWN,
                "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
            },
        ),
    ),
    Program(
        "api-gateway-domain-tls10",
        TRANSPORT,
        True,
        one(
            "aws:apigateway/domainName:DomainName",
            "api-domain",
            {
                "domainName": "api.perfcheck.example.com",
                "securityPolicy": "TLS_1_0",
                "regionalCertificateArn": UNKNOWN,
                "endpointConfiguration": {"types": "REGIONAL"},
            },
        ),
    ),
    Program(
        "opensearch-tls10-no-https",
        TRANSPORT,
        True,
        one(
            "aws:opensearch/domain:Domain",
            "logs-search",
            {
                "engineVersion": "OpenSearch_2.13",
                "encryptAtRest": {"enabled": True},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": False,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "msk-plaintext-brokers",
        TRANSPORT,
        True,
        one(
            "aws:msk/cluster:Cluster",
            "stream",
            {
                "kafkaVersion": "3.6.0",
                "numberOfBrokerNodes": 3,
                "brokerNodeGroupInfo": {
                    "instanceType": "kafka.m5.large",
                    "clientSubnets": [UNKNOWN],
                },
                "encryptionInfo": {
                    "encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT", "inCluster": True}
                },
            },
        ),
    ),
    Program(
        "docdb-parameter-group-tls-disabled",
        TRANSPORT,
        True,
        one(
            "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
            "docs-params",
            {"family": "docdb5.0", "parameters": [{"name": "tls", "value": "disabled"}]},
        ),
    ),
    Program(
        "aurora-parameter-group-force-ssl-off",
        TRANSPORT,
        True,
        one(
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
            "aurora-params",
            {
                "family": "aurora-postgresql16",
                "parameters": [{"name": "rds.force_ssl", "value": "0"}],
            },
        ),
    ),
    Program(
        "mysql-parameter-group-insecure-transport",
        TRANSPORT,
        True,
        one(
            "aws:rds/parameterGroup:ParameterGroup",
            "mysql-params",
            {
                "family": "mysql8.0",
                "parameters": [{"name": "require_secure_transport", "value": "OFF"}],
            },
        ),
    ),
    Program(
        "redshift-parameter-group-require-ssl-false",
        TRANSPORT,
        True,
        one(
            "aws:redshift/parameterGroup:ParameterGroup",
            "wh-params",
            {"family": "redshift-1.0", "parameters": [{"name": "require_ssl", "value": "false"}]},
        ),
    ),
    Program(
        "cache-transit-preferred",
        TRANSPORT,
        True,
        changed("cache", transitEncryptionMode="preferred"),
    ),
    Program(
        "sns-http-subscription",
        TRANSPORT,
        True,
        one(
            "aws:sns/topicSubscription:TopicSubscription",
            "hook",
            {"topic": UNKNOWN, "protocol": "http", "endpoint": "http://hooks.example.com/alarm"},
        ),
    ),
    Program(
        "cloudfront-origin-match-viewer",
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
                            "originProtocolPolicy": "match-viewer",
                            "originSslProtocols": ["TLSv1.2"],
                        },
                    }
                ],
            )
        },
    ),
    # -- cost -----------------------------------------------------------------------------------
    Program(
        "budget-annual-period",
        COST,
        True,
        changed("budget", timeUnit="ANNUALLY"),
    ),
    Program(
        "budget-quarterly-period",
        COST,
        True,
        changed("budget", timeUnit="QUARTERLY"),
    ),
    Program(
        "unpriced-large-redshift",
        COST,
        True,
        one(
            "aws:redshift/cluster:Cluster",
            "big-warehouse",
            {
                "clusterIdentifier": "big-warehouse",
                "nodeType": "ra3.16xlarge",
                "numberOfNodes": 8,
                "encrypted": True,
                "kmsKeyId": UNKNOWN,
                "manageMasterPassword": True,
                "masterUsername": "wh",
                "publiclyAccessible": False,
                "finalSnapshotIdentifier": "big-final",
                "automatedSnapshotRetentionPeriod": 7,
                "skipFinalSnapshot": False,
            },
            protect=True,
        ),
    ),
    # -- resources AWS creates at run time -----------------------------------------------------
    Program(
        "lambda-implicit-log-group",
        RUNTIME,
        True,
        lambda r: {"cron": lambda_function("cron", {"MODE": "nightly"}, loggingConfig=None)},
    ),
    Program(
        "service-managed-ebs-unencrypted",
        RUNTIME,
        True,
        changed(
            "service",
            volumeConfiguration={
                "name": "scratch",
                "managedEbsVolume": {"roleArn": UNKNOWN, "encrypted": False, "sizeInGb": 20},
            },
        ),
    ),
    Program(
        "service-tags-not-propagated",
        RUNTIME,
        True,
        changed("service", propagateTags="NONE"),
    ),
    # -- exemptions wider than their reason --------------------------------------------------
    Program(
        "default-cert-exemption-on-acm-tls10",
        EXEMPT,
        True,
        lambda r: {
            "cdn": replace(
                r["cdn"],
                viewerCertificate={
                    "acmCertificateArn": UNKNOWN,
                    "sslSupportMethod": "sni-only",
                    "minimumProtocolVersion": "TLSv1",
                },
            )
        },
        config=_exempt_default_cert,
    ),
    Program(
        "port-443-exemption-on-port-5432",
        EXEMPT,
        True,
        one(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "edge-https-in",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrIpv4": "0.0.0.0/0",
            },
        ),
        config=_exempt_sg_port_443,
    ),
]


GOOD: list[Program] = [
    Program(
        "postgres-exporter-stateless-with-efs-uploads",
        FALSE_POSITIVE,
        False,
        efs_task(
            "pgexporter", "quay.io/prometheuscommunity/postgres-exporter:v0.15.0", "/srv/uploads"
        ),
    ),
    Program(
        "mysql-named-api-no-volume",
        FALSE_POSITIVE,
        False,
        _container_task("mysql-admin-api"),
    ),
    Program(
        "public-client-keys-in-lambda",
        FALSE_POSITIVE,
        False,
        lambda_env(
            "frontend-config",
            FIREBASE_API_KEY="AIzaSyD-ExAmPlE-Public-Client-Key000000",
            STRIPE_PUBLISHABLE_KEY="pk_live_51HqLyExAmPlEPuBlIsHaBlE",
            RECAPTCHA_SITE_KEY="6LcExAmPlEAAAAAPuBlIcSiTeKeY000000000000",
            SENTRY_DSN="https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2",
        ),
    ),
    Program(
        "secret-arn-references",
        FALSE_POSITIVE,
        False,
        lambda_env(
            "rotator",
            DB_PASSWORD_SECRET_ARN=arn("secretsmanager", "secret:perfcheck/db-AbCdEf"),
            API_KEY_PARAMETER="/perfcheck/api-key",
        ),
    ),
    Program(
        "auth-domain-host-name",
        FALSE_POSITIVE,
        False,
        container_env(
            "login",
            AUTH0_AUTH_DOMAIN="perfcheck.eu.auth0.com",
            NEXT_PUBLIC_FIREBASE_AUTH_DOMAIN="perfcheck.firebaseapp.com",
        ),
    ),
    Program(
        "dsn-without-password",
        FALSE_POSITIVE,
        False,
        container_env(
            "reader", DATABASE_URL="postgres://app@db.internal:5432/app?sslmode=verify-full"
        ),
    ),
    Program(
        "public-key-pem",
        FALSE_POSITIVE,
        False,
        container_env(
            "verifier",
            JWT_PUBLIC_KEY=(
                "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
                "-----END PUBLIC KEY-----"
            ),
            JWKS_URL="https://auth.example.com/.well-known/jwks.json",
        ),
    ),
    Program(
        "password-policy-settings",
        FALSE_POSITIVE,
        False,
        container_env(
            "accounts",
            PASSWORD_MIN_LENGTH="12",
            TOKEN_TTL_SECONDS="3600",
            SECRET_NAME="perfcheck/app",
        ),
    ),
    Program(
        "ssm-securestring-password",
        FALSE_POSITIVE,
        False,
        one(
            "aws:ssm/parameter:Parameter",
            "app-password",
            {
                "name": "/perfcheck/app/password",
                "type": "SecureString",
                "keyId": UNKNOWN,
                "value": secret("R3al-But-Wr4pped"),
            },
        ),
    ),
    Program(
        "ssm-string-feature-flag",
        FALSE_POSITIVE,
        False,
        one(
            "aws:ssm/parameter:Parameter",
            "flags",
            {"name": "/perfcheck/flags/new-ui", "type": "String", "value": "enabled"},
        ),
    ),
    Program(
        "registry-wide-enhanced-scanning",
        FALSE_POSITIVE,
        False,
        one(
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
            "enhanced",
            {
                "scanType": "ENHANCED",
                "rules": [
                    {
                        "scanFrequency": "CONTINUOUS_SCAN",
                        "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                    }
                ],
            },
        ),
    ),
    Program(
        "instance-root-encrypted-by-launch-template",
        FALSE_POSITIVE,
        False,
        lambda r: {
            "lt": add(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "runner-lt",
                {
                    "imageId": "ami-0123456789abcdef0",
                    "instanceType": "t4g.small",
                    "blockDeviceMappings": [
                        {
                            "deviceName": "/dev/xvda",
                            "ebs": {"encrypted": "true", "volumeSize": 30, "volumeType": "gp3"},
                        }
                    ],
                    "metadataOptions": {"httpTokens": "required"},
                },
            ),
            "runner": add(
                "aws:ec2/instance:Instance",
                "runner",
                {
                    "launchTemplate": {"id": UNKNOWN, "version": "$Latest"},
                    "associatePublicIpAddress": False,
                },
            ),
        },
    ),
    Program(
        "queue-worker-without-load-balancer",
        FALSE_POSITIVE,
        False,
        lambda r: {
            "worker-svc": renamed(
                replace(
                    r["service"],
                    drop=("loadBalancers",),
                    deploymentConfiguration={"strategy": "ROLLING", "bakeTimeInMinutes": "10"},
                ),
                "queue-worker",
            )
        },
    ),
    Program(
        "sqs-managed-sse",
        TYPES,
        False,
        one("aws:sqs/queue:Queue", "mail", {"sqsManagedSseEnabled": True}),
    ),
    Program(
        "sqs-kms",
        TYPES,
        False,
        one("aws:sqs/queue:Queue", "events-q", {"kmsMasterKeyId": UNKNOWN}),
    ),
    Program(
        "kinesis-kms",
        TYPES,
        False,
        one(
            "aws:kinesis/stream:Stream",
            "audit",
            {"encryptionType": "KMS", "kmsKeyId": UNKNOWN, "shardCount": 1},
        ),
    ),
    Program(
        "dynamodb-protected",
        TYPES,
        False,
        one(
            "aws:dynamodb/table:Table",
            "carts",
            {
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "id",
                "attributes": [{"name": "id", "type": "S"}],
                "deletionProtectionEnabled": True,
                "pointInTimeRecovery": {"enabled": True},
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
            },
            protect=True,
        ),
    ),
    Program(
        "aurora-cluster-compliant",
        TYPES,
        False,
        lambda r: {
            "aurora-ok-params": (
                params := add(
                    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
                    "aurora-ok-params",
                    {
                        "family": "aurora-postgresql16",
                        "parameters": [{"name": "rds.force_ssl", "value": "1"}],
                    },
                )
            ),
            "aurora-ok": add(
                "aws:rds/cluster:Cluster",
                "aurora-ok",
                _aurora(dbClusterParameterGroupName=UNKNOWN),
                property_dependencies={"dbClusterParameterGroupName": [params.urn]},
                protect=True,
            ),
        },
    ),
    Program(
        "internal-nlb",
        EXPOSURE,
        False,
        one(
            "aws:lb/loadBalancer:LoadBalancer",
            "private-nlb",
            {
                "loadBalancerType": "network",
                "internal": True,
                "subnets": [UNKNOWN],
                "enableDeletionProtection": True,
            },
        ),
    ),
    Program(
        "function-url-iam",
        EXPOSURE,
        False,
        one(
            "aws:lambda/functionUrl:FunctionUrl",
            "signed-hook",
            {"functionName": UNKNOWN, "authorizationType": "AWS_IAM"},
        ),
    ),
    Program(
        "sns-https-and-sqs-subscriptions",
        TRANSPORT,
        False,
        lambda r: {
            "https-sub": add(
                "aws:sns/topicSubscription:TopicSubscription",
                "https-sub",
                {
                    "topic": UNKNOWN,
                    "protocol": "https",
                    "endpoint": "https://hooks.example.com/alarm",
                },
            ),
            "sqs-sub": add(
                "aws:sns/topicSubscription:TopicSubscription",
                "sqs-sub",
                {"topic": UNKNOWN, "protocol": "sqs", "endpoint": UNKNOWN},
            ),
        },
    ),
    Program(
        "opensearch-compliant",
        TRANSPORT,
        False,
        one(
            "aws:opensearch/domain:Domain",
            "search-ok",
            {
                "engineVersion": "OpenSearch_2.13",
                "encryptAtRest": {"enabled": True, "kmsKeyId": UNKNOWN},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "security-group-from-vpc",
        EXPOSURE,
        False,
        one(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "vpc-pg-in",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrIpv4": "10.20.0.0/16",
            },
        ),
    ),
    Program(
        "launch-template-plain-user-data",
        CREDS,
        False,
        one(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "plain-lt",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "userData": b64(
                    "#!/bin/bash\necho 'ECS_CLUSTER=perfcheck' >> /etc/ecs/ecs.config\n"
                ),
                "blockDeviceMappings": [
                    {
                        "deviceName": "/dev/xvda",
                        "ebs": {"encrypted": "true", "volumeSize": 30, "volumeType": "gp3"},
                    }
                ],
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "mysql-parameter-group-secure",
        TRANSPORT,
        False,
        one(
            "aws:rds/parameterGroup:ParameterGroup",
            "mysql-secure",
            {
                "family": "mysql8.0",
                "parameters": [{"name": "require_secure_transport", "value": "ON"}],
            },
        ),
    ),
    Program(
        "bucket-public-access-block-all-on",
        EXPOSURE,
        False,
        one(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "logs-pab",
            {
                "bucket": UNKNOWN,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
    ),
    Program(
        "kms-key-rotating",
        HOLLOW,
        False,
        one(
            "aws:kms/key:Key", "archive-key", {"description": "archive", "enableKeyRotation": True}
        ),
    ),
    Program(
        "container-env-plain-settings",
        CREDS,
        False,
        container_env(
            "web2",
            LOG_LEVEL="info",
            FEATURE_KEYS="alpha,beta",
            CACHE_KEY_PREFIX="perfcheck:",
            PUBLIC_URL="https://perfcheck.example.com",
        ),
    ),
    Program(
        "secrets-from-secrets-manager",
        CREDS,
        False,
        _container_task(
            "billing",
            environment=env(STRIPE_API_BASE="https://api.stripe.com"),
            secrets=[
                {
                    "name": "STRIPE_SECRET_KEY",
                    "valueFrom": arn("secretsmanager", "secret:perfcheck/stripe-AbCdEf"),
                }
            ],
        ),
    ),
]

from tests.redteam.corpus_wave2 import BAD_WAVE2, GOOD_WAVE2  # noqa: E402
from tests.redteam.corpus_wave3 import BAD_WAVE3, GOOD_WAVE3  # noqa: E402

BAD.extend([*BAD_WAVE2, *BAD_WAVE3])
GOOD.extend([*GOOD_WAVE2, *GOOD_WAVE3])
PROGRAMS: list[Program] = [*BAD, *GOOD]

__all__ = ["BAD", "GOOD", "PROGRAMS", "both"]
