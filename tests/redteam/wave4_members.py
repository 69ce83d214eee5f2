"""Wave 4 of the red-team corpus, written blind: real pulumi-aws 7 resource classes, one program.

Written from AWS's and pulumi-aws's shapes, the README, docs/security.md and the public packs'
references (checkov, cdk-nag, Pulumi's packs), without reading the packs' code or the earlier
corpora. Each member registers resources whose logical names start with the member's name; a
member is bad when at least one of its resources must get a mandatory finding in prod.

Literal ids and ARNs stand for what the member would reference in the real stack (a VPC, the
cluster, roles): the member is what a team would add beside today's stack.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from tests.policies.builders import ACCOUNT, REGION, container

Options = Callable[[], pulumi.ResourceOptions]


class _Deferred:
    """`aws.<service>.<Class>`, looked up in pulumi_aws when a member registers, not at import.

    The members name classes of some thirty services; importing them at collection cost each
    xdist worker seconds (whole service packages with their input types), also the worker that
    never runs the wave. The object called is pulumi_aws's own class, so a member registers
    exactly what it did when named directly.
    """

    def __init__(self, path: tuple[str, ...] = ()) -> None:
        self._path = path

    def __getattr__(self, name: str) -> _Deferred:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Deferred((*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import pulumi_aws

        target: Any = pulumi_aws
        for part in self._path:
            target = getattr(target, part)
        return target(*args, **kwargs)


aws = _Deferred()


@dataclass(frozen=True)
class Member:
    name: str
    klass: str
    bad: bool
    why: str
    register: Callable[[str, Options], object]
    tagged: bool = True
    """False: registered in the run without the project's tag transform (provider tags only)."""


VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = ["subnet-0aa11bb22cc33dd44", "subnet-0bb22cc33dd44ee55", "subnet-0cc33dd44ee55ff66"]
PUBLIC_SUBNETS = ["subnet-0dd44ee55ff66aa77", "subnet-0ee55ff66aa77bb88"]
SG = "sg-0123456789abcdef0"
CMK = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/perfcheck-prod-worker"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/perfcheck-prod-worker-execution"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/perfcheck-prod"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-alarms"
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
DIGEST = "@sha256:" + "7" * 64
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:perfcheck/worker-Xy12Zq"
ALB_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/perfcheck-prod/"
    "0123456789abcdef"
)
LISTENER_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/perfcheck-prod/"
    "0123456789abcdef/fedcba9876543210"
)
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
EFS_ID = "fs-0123456789abcdef0"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- ECS task helpers ------------------------------------------------------------------------------


def _efs_volume(name: str = "data") -> dict[str, Any]:
    return {
        "name": name,
        "efs_volume_configuration": {
            "file_system_id": EFS_ID,
            "transit_encryption": "ENABLED",
            "authorization_config": {"iam": "ENABLED"},
        },
    }


def _task(name: str, opts: Options, containers: list[dict[str, Any]], **extra: Any) -> object:
    volumes = extra.pop("volumes", [{"name": "tmp"}])
    return aws.ecs.TaskDefinition(
        name,
        family=f"perfcheck-{name}",
        cpu="512",
        memory="1024",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform={"cpu_architecture": "ARM64", "operating_system_family": "LINUX"},
        execution_role_arn=EXECUTION_ROLE,
        task_role_arn=ROLE,
        container_definitions=json.dumps(containers),
        volumes=volumes,
        opts=opts(),
        **extra,
    )


def _worker(image: str, **overrides: Any) -> dict[str, Any]:
    return container("worker", image if "@" in image else image + DIGEST, 8080, **overrides)


def _env(**values: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def _env_task(**values: str) -> Callable[[str, Options], object]:
    def register(name: str, opts: Options) -> object:
        image = f"{ECR}/perfcheck-{name}:1.0.0"
        return _task(name, opts, [_worker(image, environment=_env(**values))])

    return register


def _efs_task(image: str, path: str, **overrides: Any) -> Callable[[str, Options], object]:
    def register(name: str, opts: Options) -> object:
        mounts = [
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
            {"sourceVolume": "data", "containerPath": path, "readOnly": False},
        ]
        definition = _worker(image, mountPoints=mounts, **overrides)
        return _task(name, opts, [definition], volumes=[{"name": "tmp"}, _efs_volume()])

    return register


def _lambda(name: str, opts: Options, variables: dict[str, str], **extra: Any) -> object:
    group = extra.pop("log_group", True)
    if group:
        aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{name}",
            retention_in_days=30,
            kms_key_id=CMK,
            opts=opts(),
        )
    logging = {"log_format": "JSON", "log_group": f"/aws/lambda/{name}"} if group else None
    return aws.lambda_.Function(
        name,
        runtime="python3.12",
        handler="app.handler",
        role=ROLE,
        package_type="Zip",
        code=pulumi.AssetArchive(
            {"app.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}
        ),
        environment={"variables": variables},
        logging_config=logging,
        kms_key_arn=CMK,
        opts=opts(),
        **extra,
    )


def _lambda_env(**variables: str) -> Callable[[str, Options], object]:
    return lambda name, opts: _lambda(name, opts, dict(variables))


def _one(factory: Callable[..., object], **kwargs: Any) -> Callable[[str, Options], object]:
    """One resource; `protect=True` as prod protects stateful resources (one defect per member)."""
    protect = kwargs.pop("protect", False)
    return lambda name, opts: factory(
        name,
        opts=pulumi.ResourceOptions.merge(opts(), pulumi.ResourceOptions(protect=protect)),
        **kwargs,
    )


# -- bad: the type list stops at one type (encryption at rest) -------------------------------------

BAD_AT_REST = [
    Member(
        "w4-kinesis-stream-unencrypted",
        "at-rest",
        True,
        "a Kinesis stream with encryption_type NONE",
        _one(
            aws.kinesis.Stream,
            protect=True,
            shard_count=1,
            retention_period=24,
            encryption_type="NONE",
        ),
    ),
    Member(
        "w4-aurora-cluster-unencrypted",
        "at-rest",
        True,
        "an Aurora PostgreSQL cluster beside the RDS instance, storage_encrypted false",
        _one(
            aws.rds.Cluster,
            protect=True,
            engine="aurora-postgresql",
            engine_version="16.4",
            manage_master_user_password=True,
            master_username="perfcheck",
            storage_encrypted=False,
            deletion_protection=True,
            backup_retention_period=14,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-aurora-final",
        ),
    ),
    Member(
        "w4-docdb-cluster-unencrypted",
        "at-rest",
        True,
        "a DocumentDB cluster with storage_encrypted false",
        _one(
            aws.docdb.Cluster,
            protect=True,
            master_username="perfcheck",
            manage_master_user_password=True,
            storage_encrypted=False,
            deletion_protection=True,
            backup_retention_period=7,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-docdb-final",
        ),
    ),
    Member(
        "w4-neptune-cluster-unencrypted",
        "at-rest",
        True,
        "a Neptune cluster with storage_encrypted false",
        _one(
            aws.neptune.Cluster,
            protect=True,
            engine="neptune",
            storage_encrypted=False,
            deletion_protection=True,
            backup_retention_period=7,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-neptune-final",
            iam_database_authentication_enabled=True,
        ),
    ),
    Member(
        "w4-ebs-volume-unencrypted",
        "at-rest",
        True,
        "a standalone EBS volume, encrypted false",
        _one(
            aws.ebs.Volume,
            protect=True,
            availability_zone=f"{REGION}a",
            size=100,
            type="gp3",
            encrypted=False,
        ),
    ),
    Member(
        "w4-ebs-snapshot-copy-unencrypted",
        "at-rest",
        True,
        "a snapshot copy into this region, encrypted false",
        _one(
            aws.ebs.SnapshotCopy,
            protect=True,
            source_snapshot_id="snap-0123456789abcdef0",
            source_region="eu-central-1",
            encrypted=False,
        ),
    ),
    Member(
        "w4-efs-unencrypted",
        "at-rest",
        True,
        "a second EFS file system for uploads, encrypted false",
        _one(aws.efs.FileSystem, protect=True, encrypted=False, performance_mode="generalPurpose"),
    ),
    Member(
        "w4-sns-topic-no-key",
        "at-rest",
        True,
        "a second SNS topic (order events) with no KMS key, unlike the stack's alarm topic",
        _one(aws.sns.Topic),
    ),
    Member(
        "w4-opensearch-domain-plain",
        "at-rest",
        True,
        "an OpenSearch domain with encryption at rest and node-to-node encryption off",
        _one(
            aws.opensearch.Domain,
            protect=True,
            engine_version="OpenSearch_2.13",
            cluster_config={"instance_type": "r6g.large.search", "instance_count": 2},
            ebs_options={"ebs_enabled": True, "volume_size": 50, "volume_type": "gp3"},
            encrypt_at_rest={"enabled": False},
            node_to_node_encryption={"enabled": False},
            domain_endpoint_options={
                "enforce_https": True,
                "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10",
            },
            vpc_options={"subnet_ids": SUBNETS[:1], "security_group_ids": [SG]},
        ),
    ),
    Member(
        "w4-glue-catalog-unencrypted",
        "at-rest",
        True,
        "Glue Data Catalog encryption settings with encryption DISABLED and plain passwords",
        _one(
            aws.glue.DataCatalogEncryptionSettings,
            data_catalog_encryption_settings={
                "encryption_at_rest": {"catalog_encryption_mode": "DISABLED"},
                "connection_password_encryption": {"return_connection_password_encrypted": False},
            },
        ),
    ),
    Member(
        "w4-launch-template-plain-ebs",
        "at-rest",
        True,
        "a launch template for a batch host whose EBS mapping is not encrypted",
        _one(
            aws.ec2.LaunchTemplate,
            image_id="ami-0123456789abcdef0",
            instance_type="t4g.medium",
            metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {"volume_size": 50, "volume_type": "gp3", "encrypted": "false"},
                }
            ],
        ),
    ),
    Member(
        "w4-elasticache-memcached-plain",
        "at-rest",
        True,
        "a memcached cluster for sessions with transit encryption off",
        _one(
            aws.elasticache.Cluster,
            protect=True,
            engine="memcached",
            node_type="cache.t4g.micro",
            num_cache_nodes=2,
            transit_encryption_enabled=False,
            security_group_ids=[SG],
        ),
    ),
    Member(
        "w4-memorydb-no-tls",
        "at-rest",
        True,
        "a MemoryDB cluster with tls_enabled false and the open-access ACL",
        _one(
            aws.memorydb.Cluster,
            protect=True,
            node_type="db.t4g.small",
            acl_name="open-access",
            tls_enabled=False,
            num_shards=1,
            num_replicas_per_shard=1,
            snapshot_retention_limit=7,
        ),
    ),
    Member(
        "w4-msk-plaintext",
        "transport",
        True,
        "an MSK cluster that allows PLAINTEXT between clients and brokers, unauthenticated",
        _one(
            aws.msk.Cluster,
            protect=True,
            kafka_version="3.7.x",
            number_of_broker_nodes=3,
            broker_node_group_info={
                "instance_type": "kafka.t3.small",
                "client_subnets": SUBNETS,
                "security_groups": [SG],
                "storage_info": {"ebs_storage_info": {"volume_size": 100}},
            },
            encryption_info={
                "encryption_in_transit": {"client_broker": "PLAINTEXT", "in_cluster": False}
            },
            client_authentication={"unauthenticated": True},
        ),
    ),
]


# -- bad: credentials in any string input ----------------------------------------------------------

BAD_CREDENTIALS = [
    Member(
        "w4-glue-connection-password",
        "credentials",
        True,
        "a Glue JDBC connection with PASSWORD in connection_properties",
        _one(
            aws.glue.Connection,
            connection_type="JDBC",
            connection_properties={
                "JDBC_CONNECTION_URL": "jdbc:postgresql://perfcheck-db.internal:5432/app",
                "USERNAME": "etl",
                "PASSWORD": "Gl7e-etl-Pw-2026!",
            },
        ),
    ),
    Member(
        "w4-glue-job-argument-secret",
        "credentials",
        True,
        "a Glue job whose default arguments carry the warehouse password",
        _one(
            aws.glue.Job,
            role_arn=ROLE,
            glue_version="4.0",
            command={"script_location": "s3://perfcheck-etl/jobs/export.py", "name": "glueetl"},
            default_arguments={
                "--job-language": "python",
                "--warehouse_password": "Wh-export-9fK2mQ7r",
            },
        ),
    ),
    Member(
        "w4-amplify-basic-auth",
        "credentials",
        True,
        "an Amplify app with basic-auth credentials and a repository token in plain text",
        _one(
            aws.amplify.App,
            repository="https://github.com/perfcheck/marketing-site",
            access_token="ghp_" + "Q7tR2vX9kL4mN8pB3cD6fH1jS5wZ0yA2eG4i",
            enable_basic_auth=True,
            basic_auth_credentials=b64("preview:Pr3view-Only-2026"),
        ),
    ),
    Member(
        "w4-lambda-stripe-key-neutral-name",
        "credentials",
        True,
        "a Lambda environment with a Stripe secret key under a neutral name",
        _lambda_env(PAYMENTS_CONFIG="sk_live_" + "51HxYzAbCdEfGhIjKlMnOpQrStUvWx"),
    ),
    Member(
        "w4-lambda-mongo-connect-string",
        "credentials",
        True,
        "a Lambda environment with a MongoDB SRV connect string holding a password",
        _lambda_env(
            ANALYTICS_STORE="mongodb+srv://svc:T0pS3cretMongo@cluster0.ab1cd.mongodb.net/db"
        ),
    ),
    Member(
        "w4-batch-job-env-secret",
        "credentials",
        True,
        "a Batch job definition whose container environment holds a JWT signing secret",
        _one(
            aws.batch.JobDefinition,
            type="container",
            platform_capabilities=["FARGATE"],
            container_properties=json.dumps(
                {
                    "image": f"{ECR}/perfcheck-batch:1.0.0{DIGEST}",
                    "resourceRequirements": [
                        {"type": "VCPU", "value": "0.5"},
                        {"type": "MEMORY", "value": "1024"},
                    ],
                    "executionRoleArn": ROLE,
                    "environment": [
                        {"name": "JWT_SIGNING_SECRET", "value": "q8Zp3Lr7Vx2Nc5Tb9Wk1"}
                    ],
                }
            ),
        ),
    ),
    Member(
        "w4-apprunner-django-secret",
        "credentials",
        True,
        "an App Runner service whose runtime environment holds DJANGO_SECRET_KEY",
        _one(
            aws.apprunner.Service,
            service_name="perfcheck-admin",
            source_configuration={
                "auto_deployments_enabled": False,
                "image_repository": {
                    "image_identifier": f"{ECR}/perfcheck-admin:1.0.0",
                    "image_repository_type": "ECR",
                    "image_configuration": {
                        "port": "8000",
                        "runtime_environment_variables": {
                            "DJANGO_SECRET_KEY": "dj4ng0-s3cr3t-k3y-x9v2b7n4m1q8w5e3",
                        },
                    },
                },
            },
            network_configuration={"ingress_configuration": {"is_publicly_accessible": False}},
        ),
    ),
    Member(
        "w4-sfn-bearer-in-definition",
        "credentials",
        True,
        "a Step Functions HTTP task with a bearer token written into the definition",
        _one(
            aws.sfn.StateMachine,
            role_arn=ROLE,
            definition=json.dumps(
                {
                    "StartAt": "Notify",
                    "States": {
                        "Notify": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::http:invoke",
                            "Parameters": {
                                "ApiEndpoint": "https://hooks.partner.example/v1/events",
                                "Method": "POST",
                                "Headers": {"Authorization": "Bearer pk9Tq2Wm7Xv4Zr1Ls8Nd3Hf6"},
                            },
                            "End": True,
                        }
                    },
                }
            ),
            logging_configuration={"level": "ERROR", "include_execution_data": False},
        ),
    ),
    Member(
        "w4-event-connection-plain-password",
        "credentials",
        True,
        "an EventBridge connection with a basic-auth password given as a plain string",
        _one(
            aws.cloudwatch.EventConnection,
            authorization_type="BASIC",
            auth_parameters={"basic": {"username": "hooks", "password": "Ev3ntBr1dge-Pw-77"}},
        ),
    ),
    Member(
        "w4-ssm-string-private-key",
        "credentials",
        True,
        "an SSM parameter of type String holding a private key",
        _one(
            aws.ssm.Parameter,
            type="String",
            value="-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
            "-----END OPENSSH PRIVATE KEY-----",
        ),
    ),
    Member(
        "w4-instance-user-data-aws-key",
        "credentials",
        True,
        "an EC2 instance whose user data exports an AWS secret access key",
        _one(
            aws.ec2.Instance,
            ami="ami-0123456789abcdef0",
            instance_type="t4g.small",
            subnet_id=SUBNETS[0],
            metadata_options={"http_tokens": "required"},
            root_block_device={"encrypted": True, "volume_type": "gp3"},
            user_data="#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAQ3EXAMPLE7WORKER\n"
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\n",
        ),
    ),
    Member(
        "w4-launch-template-docker-login",
        "credentials",
        True,
        "a launch template whose base64 user data runs docker login with a password",
        _one(
            aws.ec2.LaunchTemplate,
            image_id="ami-0123456789abcdef0",
            instance_type="t4g.small",
            metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
            user_data=b64(
                "#!/bin/bash\n"
                "docker login -u deploy -p Dk7rHub-Pat-x2c9v registry.partner.example\n"
            ),
        ),
    ),
    Member(
        "w4-task-secret-in-command",
        "credentials",
        True,
        "a container whose command carries a postgres URL with a password",
        lambda name, opts: _task(
            name,
            opts,
            [
                _worker(
                    f"{ECR}/perfcheck-jobs:1.0.0",
                    command=[
                        "sh",
                        "-c",
                        "psql postgres://admin:Adm1nPg-Pw-55@perfcheck-db.internal:5432/app "
                        "-c 'VACUUM ANALYZE'",
                    ],
                )
            ],
        ),
    ),
    Member(
        "w4-task-lookalike-name",
        "credentials",
        True,
        "DB_PASSWORD spelled with a Cyrillic A",
        _env_task(**{"DB_P\u0410SSWORD": "c7Vn2Qx9Lm4Rt8Kw"}),
    ),
    Member(
        "w4-task-basic-auth-header",
        "credentials",
        True,
        "an upstream Authorization header with Basic credentials in the environment",
        _env_task(UPSTREAM_HEADERS="Authorization: Basic " + b64("partner:Upstr3am-Pw-42")),
    ),
    Member(
        "w4-task-pascalcase-keys",
        "spelling",
        True,
        "container JSON in PascalCase keys (Go's JSON decoding folds case): a plain password",
        lambda name, opts: _task(
            name,
            opts,
            [
                {
                    **_worker(f"{ECR}/perfcheck-{name}:1.0.0", environment=[]),
                    "Environment": [{"Name": "DB_PASSWORD", "Value": "Pascal-Case-Pw-31"}],
                }
            ],
        ),
    ),
    Member(
        "w4-task-volume-driver-password",
        "credentials",
        True,
        "a docker volume whose driver options carry a CIFS password",
        lambda name, opts: _task(
            name,
            opts,
            [_worker(f"{ECR}/perfcheck-{name}:1.0.0")],
            volumes=[
                {"name": "tmp"},
                {
                    "name": "share",
                    "docker_volume_configuration": {
                        "scope": "task",
                        "driver": "local",
                        "driver_opts": {
                            "type": "cifs",
                            "device": "//files.corp.example/share",
                            "o": "username=svc,password=C1fs-Share-Pw-8",
                        },
                    },
                },
            ],
        ),
    ),
    Member(
        "w4-dms-endpoint-password-no-ssl",
        "credentials",
        True,
        "a DMS source endpoint with a plain password and ssl_mode none",
        _one(
            aws.dms.Endpoint,
            endpoint_id="w4-dms-source",
            endpoint_type="source",
            engine_name="postgres",
            server_name="legacy-db.corp.example",
            port=5432,
            database_name="app",
            username="replicator",
            password="Dms-Repl-Pw-2026",
            ssl_mode="none",
        ),
    ),
    Member(
        "w4-fsx-ontap-admin-password",
        "credentials",
        True,
        "an FSx for ONTAP file system with its admin password in plain text",
        _one(
            aws.fsx.OntapFileSystem,
            protect=True,
            deployment_type="MULTI_AZ_1",
            storage_capacity=1024,
            throughput_capacity=128,
            subnet_ids=SUBNETS[:2],
            preferred_subnet_id=SUBNETS[0],
            fsx_admin_password="Fsx-Admin-Pw-2026",
            automatic_backup_retention_days=7,
        ),
    ),
    Member(
        "w4-lightsail-db-public-password",
        "exposure",
        True,
        "a Lightsail database, publicly accessible, with a plain master password",
        _one(
            aws.lightsail.Database,
            protect=True,
            relational_database_name="w4-lightsail-db",
            availability_zone=f"{REGION}a",
            blueprint_id="postgres_16",
            bundle_id="micro_2_0",
            master_database_name="app",
            master_username="dbadmin",
            master_password="L1ghtsail-Pw-33",
            publicly_accessible=True,
            skip_final_snapshot=True,
        ),
    ),
]


# -- bad: exposure paths around the front door -----------------------------------------------------


def _public_alb(name: str, opts: Options) -> object:
    alb = aws.lb.LoadBalancer(
        name,
        internal=False,
        load_balancer_type="application",
        subnets=PUBLIC_SUBNETS,
        security_groups=[SG],
        drop_invalid_header_fields=True,
        enable_deletion_protection=True,
        access_logs={"bucket": "perfcheck-prod-alb-logs", "enabled": True},
        opts=opts(),
    )
    tg = aws.lb.TargetGroup(
        f"{name}-tg", port=8080, protocol="HTTP", target_type="ip", vpc_id=VPC, opts=opts()
    )
    return aws.lb.Listener(
        f"{name}-https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        certificate_arn=CERT,
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
        opts=opts(),
    )


def _public_nlb_to_db(name: str, opts: Options) -> object:
    nlb = aws.lb.LoadBalancer(
        name,
        internal=False,
        load_balancer_type="network",
        subnets=PUBLIC_SUBNETS,
        enable_deletion_protection=True,
        access_logs={"bucket": "perfcheck-prod-alb-logs", "enabled": True},
        opts=opts(),
    )
    tg = aws.lb.TargetGroup(
        f"{name}-tg", port=5432, protocol="TCP", target_type="ip", vpc_id=VPC, opts=opts()
    )
    return aws.lb.Listener(
        f"{name}-pg",
        load_balancer_arn=nlb.arn,
        port=5432,
        protocol="TCP",
        default_actions=[{"type": "forward", "target_group_arn": tg.arn}],
        opts=opts(),
    )


def _http_api_to_internal_alb(name: str, opts: Options) -> object:
    api = aws.apigatewayv2.Api(name, protocol_type="HTTP", opts=opts())
    link = aws.apigatewayv2.VpcLink(
        f"{name}-link", subnet_ids=SUBNETS, security_group_ids=[SG], opts=opts()
    )
    integration = aws.apigatewayv2.Integration(
        f"{name}-alb",
        api_id=api.id,
        integration_type="HTTP_PROXY",
        integration_method="ANY",
        integration_uri=LISTENER_ARN,
        connection_type="VPC_LINK",
        connection_id=link.id,
        payload_format_version="1.0",
        opts=opts(),
    )
    aws.apigatewayv2.Route(
        f"{name}-route",
        api_id=api.id,
        route_key="ANY /{proxy+}",
        target=integration.id.apply(lambda i: f"integrations/{i}"),
        opts=opts(),
    )
    return aws.apigatewayv2.Stage(
        f"{name}-stage",
        api_id=api.id,
        name="$default",
        auto_deploy=True,
        access_log_settings={
            "destination_arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/perfcheck/api",
            "format": '{"requestId":"$context.requestId"}',
        },
        opts=opts(),
    )


def _function_url_public(name: str, opts: Options) -> object:
    fn = _lambda(name, opts, {"MODE": "webhook"})
    return aws.lambda_.FunctionUrl(
        f"{name}-url",
        function_name=fn.name,  # type: ignore[attr-defined]
        authorization_type="NONE",
        opts=opts(),
    )


BAD_EXPOSURE = [
    Member(
        "w4-second-public-alb",
        "exposure",
        True,
        "a second, internet-facing ALB for an admin app (HTTPS, TLS 1.3, logs: well made, but a "
        "second front door without WAF)",
        _public_alb,
    ),
    Member(
        "w4-public-nlb-to-postgres",
        "exposure",
        True,
        "an internet-facing NLB forwarding TCP 5432 (for a BI tool)",
        _public_nlb_to_db,
    ),
    Member(
        "w4-http-api-to-internal-alb",
        "exposure",
        True,
        "an HTTP API with a VPC link to the internal ALB's listener (a door around CloudFront)",
        _http_api_to_internal_alb,
    ),
    Member(
        "w4-function-url-no-auth",
        "exposure",
        True,
        "a Lambda function URL with authorization NONE",
        _function_url_public,
    ),
    Member(
        "w4-appsync-api-key-global",
        "exposure",
        True,
        "an AppSync API reachable from the internet with API-key auth",
        _one(
            aws.appsync.GraphQLApi,
            authentication_type="API_KEY",
            visibility="GLOBAL",
            xray_enabled=True,
            log_config={
                "cloudwatch_logs_role_arn": ROLE,
                "field_log_level": "ERROR",
            },
            schema="type Query { ping: String }",
        ),
    ),
    Member(
        "w4-eks-public-endpoint",
        "exposure",
        True,
        "an EKS cluster with a public API endpoint open to 0.0.0.0/0, no secrets encryption",
        _one(
            aws.eks.Cluster,
            role_arn=ROLE,
            version="1.31",
            vpc_config={
                "subnet_ids": SUBNETS,
                "endpoint_public_access": True,
                "endpoint_private_access": False,
                "public_access_cidrs": ["0.0.0.0/0"],
            },
        ),
    ),
    Member(
        "w4-opensearch-serverless-public",
        "exposure",
        True,
        "an OpenSearch Serverless network policy with AllowFromPublic",
        _one(
            aws.opensearch.ServerlessSecurityPolicy,
            type="network",
            policy=json.dumps(
                [
                    {
                        "Rules": [
                            {"ResourceType": "collection", "Resource": ["collection/w4-search"]}
                        ],
                        "AllowFromPublic": True,
                    }
                ]
            ),
        ),
    ),
    Member(
        "w4-sagemaker-notebook-internet",
        "exposure",
        True,
        "a SageMaker notebook with direct internet access and root access",
        _one(
            aws.sagemaker.NotebookInstance,
            instance_type="ml.t3.medium",
            role_arn=ROLE,
            direct_internet_access="Enabled",
            root_access="Enabled",
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-redshift-serverless-public",
        "exposure",
        True,
        "a Redshift Serverless workgroup, publicly accessible",
        _one(
            aws.redshiftserverless.Workgroup,
            protect=True,
            namespace_name="perfcheck",
            workgroup_name="w4-analytics",
            base_capacity=8,
            publicly_accessible=True,
            subnet_ids=SUBNETS,
            security_group_ids=[SG],
        ),
    ),
    Member(
        "w4-dms-instance-public",
        "exposure",
        True,
        "a DMS replication instance, publicly accessible",
        _one(
            aws.dms.ReplicationInstance,
            protect=True,
            replication_instance_id="w4-dms",
            replication_instance_class="dms.t3.medium",
            allocated_storage=50,
            publicly_accessible=True,
            multi_az=True,
            kms_key_arn=CMK,
        ),
    ),
    Member(
        "w4-transfer-public-ftp",
        "transport",
        True,
        "a Transfer Family server on a public endpoint speaking plain FTP",
        _one(
            aws.transfer.Server,
            endpoint_type="PUBLIC",
            protocols=["FTP"],
            identity_provider_type="SERVICE_MANAGED",
            security_policy_name="TransferSecurityPolicy-2018-11",
        ),
    ),
    Member(
        "w4-sg-ipv6-redis-open",
        "exposure",
        True,
        "a separate ingress rule opening 6379 to ::/0",
        _one(
            aws.vpc.SecurityGroupIngressRule,
            security_group_id=SG,
            ip_protocol="tcp",
            from_port=6379,
            to_port=6379,
            cidr_ipv6="::/0",
        ),
    ),
    Member(
        "w4-sg-protocol-number-postgres",
        "spelling",
        True,
        "postgres opened to the internet with the protocol given as its number, 6",
        _one(
            aws.ec2.SecurityGroupRule,
            type="ingress",
            security_group_id=SG,
            protocol="6",
            from_port=5432,
            to_port=5432,
            cidr_blocks=["0.0.0.0/0"],
        ),
    ),
    Member(
        "w4-s3-bucket-acl-public-read",
        "exposure",
        True,
        "a bucket ACL granting public-read",
        _one(aws.s3.BucketAcl, bucket="perfcheck-prod-exports", acl="public-read"),
    ),
    Member(
        "w4-rds-mysql-public",
        "exposure",
        True,
        "a second RDS instance (MySQL, for a vendor tool), publicly accessible",
        _one(
            aws.rds.Instance,
            protect=True,
            engine="mysql",
            engine_version="8.0.39",
            instance_class="db.t4g.medium",
            allocated_storage=20,
            storage_type="gp3",
            username="vendor",
            manage_master_user_password=True,
            publicly_accessible=True,
            storage_encrypted=True,
            kms_key_id=CMK,
            multi_az=True,
            deletion_protection=True,
            backup_retention_period=7,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-mysql-final",
        ),
    ),
]


# -- bad: transport and TLS minimums ---------------------------------------------------------------

BAD_TRANSPORT = [
    Member(
        "w4-apigw-domain-tls10",
        "transport",
        True,
        "an API Gateway custom domain with security policy TLS_1_0",
        _one(
            aws.apigateway.DomainName,
            domain_name="api.perfcheck.example",
            regional_certificate_arn=CERT,
            endpoint_configuration={"types": "REGIONAL"},
            security_policy="TLS_1_0",
        ),
    ),
    Member(
        "w4-alb-listener-old-policy",
        "transport",
        True,
        "an HTTPS listener on the stack's ALB with ELBSecurityPolicy-2016-08 (TLS 1.0)",
        _one(
            aws.lb.Listener,
            load_balancer_arn=ALB_ARN,
            port=8443,
            protocol="HTTPS",
            certificate_arn=CERT,
            ssl_policy="ELBSecurityPolicy-2016-08",
            default_actions=[
                {
                    "type": "fixed-response",
                    "fixed_response": {"content_type": "text/plain", "status_code": "404"},
                }
            ],
        ),
    ),
    Member(
        "w4-aurora-params-tls10",
        "transport",
        True,
        "an Aurora PostgreSQL cluster parameter group with ssl_min_protocol_version TLSv1",
        _one(
            aws.rds.ClusterParameterGroup,
            family="aurora-postgresql16",
            parameters=[
                {"name": "rds.force_ssl", "value": "1"},
                {"name": "ssl_min_protocol_version", "value": "TLSv1"},
            ],
        ),
    ),
    Member(
        "w4-mysql-params-insecure-transport",
        "transport",
        True,
        "a MySQL parameter group with require_secure_transport OFF",
        _one(
            aws.rds.ParameterGroup,
            family="mysql8.0",
            parameters=[{"name": "require_secure_transport", "value": "OFF"}],
        ),
    ),
    Member(
        "w4-sns-http-subscription",
        "transport",
        True,
        "an SNS subscription delivering alarms over plain HTTP",
        _one(
            aws.sns.TopicSubscription,
            topic=TOPIC,
            protocol="http",
            endpoint="http://hooks.partner.example/alarms",
        ),
    ),
    Member(
        "w4-opensearch-tls10-no-https",
        "transport",
        True,
        "an OpenSearch domain that does not enforce HTTPS and allows TLS 1.0",
        _one(
            aws.opensearch.Domain,
            protect=True,
            engine_version="OpenSearch_2.13",
            cluster_config={"instance_type": "t3.small.search", "instance_count": 1},
            ebs_options={"ebs_enabled": True, "volume_size": 10, "volume_type": "gp3"},
            encrypt_at_rest={"enabled": True, "kms_key_id": CMK},
            node_to_node_encryption={"enabled": True},
            domain_endpoint_options={
                "enforce_https": False,
                "tls_security_policy": "Policy-Min-TLS-1-0-2019-07",
            },
            vpc_options={"subnet_ids": SUBNETS[:1], "security_group_ids": [SG]},
        ),
    ),
]


# -- bad: hollow controls --------------------------------------------------------------------------


def _worker_service(name: str, opts: Options, **changes: Any) -> object:
    settings: dict[str, Any] = {
        "cluster": CLUSTER,
        "task_definition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/perfcheck-worker:3",
        "desired_count": 3,
        "launch_type": "FARGATE",
        "propagate_tags": "SERVICE",
        "enable_ecs_managed_tags": True,
        "enable_execute_command": False,
        "deployment_minimum_healthy_percent": 100,
        "deployment_maximum_percent": 200,
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
        "alarms": {
            "alarm_names": ["perfcheck-prod-worker-errors"],
            "enable": True,
            "rollback": True,
        },
        "network_configuration": {
            "subnets": SUBNETS,
            "security_groups": [SG],
            "assign_public_ip": False,
        },
    }
    settings.update(changes)
    return aws.ecs.Service(name, opts=opts(), **settings)


BAD_HOLLOW = [
    Member(
        "w4-waf-all-count",
        "hollow",
        True,
        "a regional WAF whose only rule group is overridden to count, default allow",
        _one(
            aws.wafv2.WebAcl,
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=[
                {
                    "name": "common",
                    "priority": 1,
                    "override_action": {"count": {}},
                    "statement": {
                        "managed_rule_group_statement": {
                            "vendor_name": "AWS",
                            "name": "AWSManagedRulesCommonRuleSet",
                        }
                    },
                    "visibility_config": {
                        "cloudwatch_metrics_enabled": True,
                        "metric_name": "common",
                        "sampled_requests_enabled": True,
                    },
                }
            ],
            visibility_config={
                "cloudwatch_metrics_enabled": True,
                "metric_name": "w4-waf",
                "sampled_requests_enabled": True,
            },
        ),
    ),
    Member(
        "w4-ecr-scanning-manual-only",
        "hollow",
        True,
        "registry scanning whose only rule scans MANUAL (nothing is scanned on push)",
        _one(
            aws.ecr.RegistryScanningConfiguration,
            scan_type="BASIC",
            rules=[
                {
                    "scan_frequency": "MANUAL",
                    "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}],
                }
            ],
        ),
    ),
    Member(
        "w4-ecs-external-controller",
        "hollow",
        True,
        "a worker service with the EXTERNAL deployment controller (no ECS rollback)",
        lambda name, opts: _worker_service(
            name,
            opts,
            deployment_controller={"type": "EXTERNAL"},
            deployment_circuit_breaker=None,
            launch_type=None,
        ),
    ),
    Member(
        "w4-ecs-alarms-empty",
        "hollow",
        True,
        "a worker service whose rollback alarms are enabled with no alarm names",
        lambda name, opts: _worker_service(
            name, opts, alarms={"alarm_names": [], "enable": True, "rollback": True}
        ),
    ),
    Member(
        "w4-ecs-circuit-breaker-no-rollback-min-zero",
        "hollow",
        True,
        "a worker service with minimum healthy percent 0 and a circuit breaker that only stops",
        lambda name, opts: _worker_service(
            name,
            opts,
            deployment_minimum_healthy_percent=0,
            deployment_circuit_breaker={"enable": True, "rollback": False},
        ),
    ),
    Member(
        "w4-alarm-actions-disabled",
        "hollow",
        True,
        "an alarm with actions_enabled false (it pages nobody)",
        _one(
            aws.cloudwatch.MetricAlarm,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            metric_name="Errors",
            namespace="AWS/Lambda",
            period=60,
            statistic="Sum",
            threshold=0,
            actions_enabled=False,
            alarm_actions=[TOPIC],
        ),
    ),
    Member(
        "w4-kms-no-rotation",
        "hollow",
        True,
        "a customer key with rotation off",
        _one(aws.kms.Key, description="exports", enable_key_rotation=False),
    ),
    Member(
        "w4-secret-rotation-1000-days",
        "hollow",
        True,
        "a secret rotation every 1000 days",
        _one(
            aws.secretsmanager.SecretRotation,
            secret_id=SECRET_ARN,
            rotation_lambda_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfcheck-rotate",
            rotation_rules={"automatically_after_days": 1000},
        ),
    ),
    Member(
        "w4-bucket-public-access-block-off",
        "hollow",
        True,
        "a public access block with all four settings false",
        _one(
            aws.s3.BucketPublicAccessBlock,
            bucket="perfcheck-prod-exports",
            block_public_acls=False,
            block_public_policy=False,
            ignore_public_acls=False,
            restrict_public_buckets=False,
        ),
    ),
    Member(
        "w4-log-group-never-expires",
        "hollow",
        True,
        "a log group with retention 0 (never expire)",
        _one(aws.cloudwatch.LogGroup, retention_in_days=0, kms_key_id=CMK),
    ),
    Member(
        "w4-rds-backup-retention-zero",
        "hollow",
        True,
        "a reporting replica-less PostgreSQL instance with backup retention 0",
        _one(
            aws.rds.Instance,
            protect=True,
            engine="postgres",
            engine_version="17.2",
            instance_class="db.t4g.medium",
            allocated_storage=20,
            storage_type="gp3",
            username="reporting",
            manage_master_user_password=True,
            storage_encrypted=True,
            kms_key_id=CMK,
            multi_az=True,
            deletion_protection=True,
            backup_retention_period=0,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-reporting-final",
        ),
    ),
    Member(
        "w4-cloudtrail-logging-off",
        "hollow",
        True,
        "a trail with enable_logging false",
        _one(
            aws.cloudtrail.Trail,
            s3_bucket_name="perfcheck-prod-trail",
            enable_logging=False,
            enable_log_file_validation=True,
            is_multi_region_trail=True,
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-guardduty-disabled",
        "hollow",
        True,
        "a GuardDuty detector with enable false",
        _one(aws.guardduty.Detector, enable=False),
    ),
]


# -- bad: a database on EFS, by behaviour ----------------------------------------------------------

BAD_EFS = [
    Member(
        "w4-efs-postgres-wrapper-image",
        "efs-engine",
        True,
        "postgres started by a command on a neutral image, data under the EFS mount",
        _efs_task(
            "ghcr.io/acme/metrics-store:3.1",
            "/mnt/shared",
            command=["postgres", "-D", "/mnt/shared/pgdata"],
        ),
    ),
    Member(
        "w4-efs-mariadb-on-debian",
        "efs-engine",
        True,
        "MariaDB installed and started by a shell command on a generic image",
        _efs_task(
            "docker.io/library/debian:12",
            "/data",
            command=[
                "sh",
                "-c",
                "apt-get update && apt-get install -y mariadb-server && "
                "exec mysqld --datadir=/data/mysql",
            ],
        ),
    ),
    Member(
        "w4-efs-neo4j",
        "efs-engine",
        True,
        "Neo4j with /data on EFS",
        _efs_task("docker.io/library/neo4j:5.24", "/data"),
    ),
    Member(
        "w4-efs-clickhouse",
        "efs-engine",
        True,
        "ClickHouse with its data directory on EFS",
        _efs_task("docker.io/clickhouse/clickhouse-server:24.8", "/var/lib/clickhouse"),
    ),
    Member(
        "w4-efs-etcd",
        "efs-engine",
        True,
        "etcd with its data dir on EFS",
        _efs_task(
            "quay.io/coreos/etcd:v3.5.16",
            "/etcd-data",
            command=["etcd", "--data-dir=/etcd-data"],
        ),
    ),
    Member(
        "w4-efs-postgres-dotdot-path",
        "spelling",
        True,
        "postgres with the EFS mount path written with a '..' segment the kernel resolves",
        _efs_task("docker.io/library/postgres:17", "/var/lib/postgresql/../postgresql/data"),
    ),
    Member(
        "w4-efs-mysql-double-slash",
        "spelling",
        True,
        "MySQL with the mount path written with doubled slashes",
        _efs_task("public.ecr.aws/docker/library/mysql:8.4", "//var//lib//mysql/"),
    ),
]


# -- bad: resources AWS creates at run time, costs, tags -------------------------------------------

BAD_RUNTIME = [
    Member(
        "w4-ecs-managed-ebs-unencrypted",
        "runtime",
        True,
        "a service whose managed EBS volumes (created per task by ECS) are not encrypted",
        lambda name, opts: _worker_service(
            name,
            opts,
            volume_configuration={
                "name": "scratch",
                "managed_ebs_volume": {
                    "role_arn": ROLE,
                    "encrypted": False,
                    "size_in_gb": 50,
                    "volume_type": "gp3",
                    "file_system_type": "ext4",
                },
            },
        ),
    ),
    Member(
        "w4-lambda-implicit-log-group",
        "runtime",
        True,
        "a Lambda with no log group of its own: AWS creates one that never expires",
        lambda name, opts: _lambda(name, opts, {"MODE": "cleanup"}, log_group=False),
    ),
    Member(
        "w4-ecs-tags-not-propagated",
        "runtime",
        True,
        "a worker service with propagate_tags NONE (tasks untagged on the bill)",
        lambda name, opts: _worker_service(
            name, opts, propagate_tags="NONE", enable_ecs_managed_tags=False
        ),
    ),
]

BAD_COST = [
    Member(
        "w4-sagemaker-p4d",
        "cost",
        True,
        "a notebook on ml.p4d.24xlarge (about $25 an hour)",
        _one(
            aws.sagemaker.NotebookInstance,
            instance_type="ml.p4d.24xlarge",
            role_arn=ROLE,
            direct_internet_access="Disabled",
            root_access="Disabled",
            subnet_id=SUBNETS[0],
            security_groups=[SG],
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-ec2-p5",
        "cost",
        True,
        "a p5.48xlarge instance",
        _one(
            aws.ec2.Instance,
            ami="ami-0123456789abcdef0",
            instance_type="p5.48xlarge",
            subnet_id=SUBNETS[0],
            metadata_options={"http_tokens": "required"},
            root_block_device={"encrypted": True, "volume_type": "gp3", "kms_key_id": CMK},
        ),
    ),
    Member(
        "w4-msk-large-brokers",
        "cost",
        True,
        "nine kafka.m5.24xlarge brokers",
        _one(
            aws.msk.Cluster,
            protect=True,
            kafka_version="3.7.x",
            number_of_broker_nodes=9,
            broker_node_group_info={
                "instance_type": "kafka.m5.24xlarge",
                "client_subnets": SUBNETS,
                "security_groups": [SG],
                "storage_info": {"ebs_storage_info": {"volume_size": 1000}},
            },
            encryption_info={
                "encryption_at_rest_kms_key_arn": CMK,
                "encryption_in_transit": {"client_broker": "TLS", "in_cluster": True},
            },
            client_authentication={"sasl": {"iam": True}},
        ),
    ),
    Member(
        "w4-good-budget-annual-beside-monthly",
        "compliant",
        False,
        "a second budget of another period (ANNUALLY, $12,000) beside the stack's monthly one: "
        "first written as bad, reclassified (the issue's class is the estimate compared with "
        "another period's budget; an extra annual budget compares nothing)",
        _one(
            aws.budgets.Budget,
            budget_type="COST",
            limit_amount="12000",
            limit_unit="USD",
            time_unit="ANNUALLY",
            notifications=[
                {
                    "comparison_operator": "GREATER_THAN",
                    "threshold": 80,
                    "threshold_type": "PERCENTAGE",
                    "notification_type": "ACTUAL",
                    "subscriber_email_addresses": ["platform-team@example.com"],
                }
            ],
        ),
    ),
]


def _foreign_provider(name: str, opts: Options) -> object:
    provider = aws.Provider(
        f"{name}-provider",
        region=REGION,
        default_tags={
            "tags": {
                "Project": "billing-api",
                "Environment": "dev",
                "Owner": "payments-team",
                "CostCenter": "cc-9999",
                "ManagedBy": "pulumi",
            }
        },
    )
    return aws.sqs.Queue(
        f"{name}-queue",
        kms_master_key_id=CMK,
        opts=pulumi.ResourceOptions(provider=provider),
    )


def _placeholder_tags(name: str, opts: Options) -> object:
    return aws.sqs.Queue(
        name,
        kms_master_key_id=CMK,
        tags={
            "Project": "perfcheck",
            "Environment": "prod",
            "Owner": "TODO",
            "CostCenter": "tbd",
            "ManagedBy": "pulumi",
        },
        opts=opts(),
    )


BAD_TAGS = [
    Member(
        "w4-copied-provider-foreign-tags",
        "tags",
        True,
        "a queue under a provider copied from another project (its tags, dev environment)",
        _foreign_provider,
        tagged=False,
    ),
    Member(
        "w4-placeholder-tag-values",
        "tags",
        True,
        "a queue with Owner TODO and CostCenter tbd",
        _placeholder_tags,
        tagged=False,
    ),
]


# -- bad, second batch: bypasses (shapes, indirections, other types of a family) -----------------


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _accelerator_to_alb(name: str, opts: Options) -> object:
    accelerator = aws.globalaccelerator.Accelerator(
        name, ip_address_type="IPV4", enabled=True, opts=opts()
    )
    listener = aws.globalaccelerator.Listener(
        f"{name}-listener",
        accelerator_arn=accelerator.arn,
        protocol="TCP",
        port_ranges=[{"from_port": 443, "to_port": 443}],
        opts=opts(),
    )
    return aws.globalaccelerator.EndpointGroup(
        f"{name}-endpoints",
        listener_arn=listener.arn,
        endpoint_group_region=REGION,
        endpoint_configurations=[{"endpoint_id": ALB_ARN, "client_ip_preservation_enabled": True}],
        opts=opts(),
    )


def _split_internet_rules(name: str, opts: Options) -> object:
    for index, cidr in enumerate(("0.0.0.0/1", "128.0.0.0/1")):
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-{index}",
            security_group_id=SG,
            ip_protocol="tcp",
            from_port=22,
            to_port=22,
            cidr_ipv4=cidr,
            opts=opts(),
        )
    return None


def _prefix_list_internet(name: str, opts: Options) -> object:
    prefix_list = aws.ec2.ManagedPrefixList(
        f"{name}-list",
        address_family="IPv4",
        max_entries=2,
        entries=[{"cidr": "0.0.0.0/0", "description": "partners"}],
        opts=opts(),
    )
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=SG,
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        prefix_list_id=prefix_list.id,
        opts=opts(),
    )


def _aurora_public_instance(name: str, opts: Options) -> object:
    return aws.rds.ClusterInstance(
        name,
        cluster_identifier="perfcheck-prod-aurora",
        engine="aurora-postgresql",
        instance_class="db.t4g.medium",
        publicly_accessible=True,
        opts=pulumi.ResourceOptions.merge(opts(), pulumi.ResourceOptions(protect=True)),
    )


def _second_distribution(name: str, opts: Options) -> object:
    return aws.cloudfront.Distribution(
        name,
        enabled=True,
        comment="marketing preview",
        origins=[
            {
                "origin_id": "alb",
                "domain_name": "perfcheck-prod-0123456789.eu-west-1.elb.amazonaws.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                },
            }
        ],
        default_cache_behavior={
            "target_origin_id": "alb",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={
            "acm_certificate_arn": CERT,
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
        aliases=["preview.perfcheck.example"],
        logging_config={"bucket": "perfcheck-prod-cdn-logs.s3.amazonaws.com"},
        opts=opts(),
    )


BAD_BYPASS = [
    Member(
        "w4-ado-connection-string",
        "credentials",
        True,
        "a SQL Server connection string (another engine's shape) under a neutral name",
        _env_task(REPORTING="Server=tcp:sql.corp.example,1433;User ID=sa;Password=Sq1-Pw-7731;"),
    ),
    Member(
        "w4-redis-url-password",
        "credentials",
        True,
        "a redis URL with a password in its user info",
        _lambda_env(QUEUE_BACKEND="rediss://:R3dis-Qu3ue-Pw@jobs.internal.example:6380/0"),
    ),
    Member(
        "w4-amqp-url-password",
        "credentials",
        True,
        "an AMQP URL with credentials",
        _env_task(BROKER="amqps://worker:Amqp-W0rker-Pw@mq.internal.example:5671/prod"),
    ),
    Member(
        "w4-json-blob-password",
        "credentials",
        True,
        "a JSON config blob with a nested password under a neutral name",
        _env_task(APP_CONFIG=json.dumps({"db": {"user": "app", "password": "J50n-Nested-Pw-4"}})),
    ),
    Member(
        "w4-base64-json-blob",
        "credentials",
        True,
        "the same JSON blob, base64-encoded",
        _lambda_env(
            BOOTSTRAP=b64(json.dumps({"db": {"user": "app", "password": "B64-Nested-Pw-5"}}))
        ),
    ),
    Member(
        "w4-slack-webhook-url",
        "credentials",
        True,
        "a Slack incoming-webhook URL (the URL is the credential)",
        _lambda_env(
            NOTIFY_URL="https://hooks.slack.com/services/T0ABCDEFG/B0HIJKLMN/"
            "q1w2e3r4t5y6u7i8o9p0a1s2"
        ),
    ),
    Member(
        "w4-laravel-app-key",
        "credentials",
        True,
        "Laravel's APP_KEY (a well-known framework secret whose name says nothing)",
        _env_task(APP_KEY="base64:" + b64("0123456789abcdef0123456789abcdef")),
    ),
    Member(
        "w4-rails-secret-key-base",
        "credentials",
        True,
        "Rails' SECRET_KEY_BASE",
        _env_task(
            SECRET_KEY_BASE="9f3a7c1e5b2d8f4a6c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
        ),
    ),
    Member(
        "w4-lowercase-env-name",
        "spelling",
        True,
        "db_password in lower case",
        _env_task(db_password="L0wer-Case-Pw-12"),
    ),
    Member(
        "w4-zero-width-env-name",
        "spelling",
        True,
        "DB_PASSWORD with a zero-width space inside the name",
        _env_task(**{"DB_\u200bPASSWORD": "Zer0-Width-Pw-3"}),
    ),
    Member(
        "w4-healthcheck-api-key",
        "credentials",
        True,
        "an API key written into the container's health check command",
        lambda name, opts: _task(
            name,
            opts,
            [
                _worker(
                    f"{ECR}/perfcheck-{name}:1.0.0",
                    healthCheck={
                        "command": [
                            "CMD-SHELL",
                            "wget -qO- --header 'X-Api-Key: 7Hq2Lx9Vc4Nb8Mz1Kp5Rt3Wy' "
                            "http://127.0.0.1:8080/health || exit 1",
                        ],
                        "interval": 15,
                        "timeout": 5,
                        "retries": 3,
                    },
                )
            ],
        ),
    ),
    Member(
        "w4-secret-in-tag-value",
        "credentials",
        True,
        "a GitLab deploy token kept in a tag value",
        lambda name, opts: aws.sqs.Queue(
            name,
            kms_master_key_id=CMK,
            tags={"DeployToken": "glpat-" + "x7Kq2Lm9Vb4Nc8Zp1Rt5"},
            opts=opts(),
        ),
    ),
    Member(
        "w4-subscription-userinfo-url",
        "credentials",
        True,
        "an HTTPS subscription whose endpoint carries user:password",
        _one(
            aws.sns.TopicSubscription,
            topic=TOPIC,
            protocol="https",
            endpoint="https://alerts:Sns-Hook-Pw-8@hooks.partner.example/perfcheck",
        ),
    ),
    Member(
        "w4-global-accelerator-to-alb",
        "exposure",
        True,
        "a Global Accelerator whose endpoint is the internal ALB (a door around CloudFront)",
        _accelerator_to_alb,
    ),
    Member(
        "w4-classic-elb-public",
        "exposure",
        True,
        "a Classic ELB, internet-facing, HTTP",
        _one(
            aws.elb.LoadBalancer,
            subnets=PUBLIC_SUBNETS,
            internal=False,
            listeners=[
                {
                    "instance_port": 8080,
                    "instance_protocol": "http",
                    "lb_port": 80,
                    "lb_protocol": "http",
                }
            ],
        ),
    ),
    Member(
        "w4-second-cloudfront-no-waf",
        "exposure",
        True,
        "a second CloudFront distribution, no WAF, to the same origin",
        _second_distribution,
    ),
    Member(
        "w4-instance-public-ip",
        "exposure",
        True,
        "a bastion instance with a public address",
        _one(
            aws.ec2.Instance,
            ami="ami-0123456789abcdef0",
            instance_type="t4g.nano",
            subnet_id=PUBLIC_SUBNETS[0],
            associate_public_ip_address=True,
            metadata_options={"http_tokens": "required"},
            root_block_device={"encrypted": True, "volume_type": "gp3", "kms_key_id": CMK},
        ),
    ),
    Member(
        "w4-lambda-permission-anyone",
        "exposure",
        True,
        "a Lambda permission for principal * with no source condition",
        _one(
            aws.lambda_.Permission,
            action="lambda:InvokeFunction",
            function="perfcheck-prod-webhook",
            principal="*",
        ),
    ),
    Member(
        "w4-queue-policy-public",
        "exposure",
        True,
        "an SQS queue policy allowing SendMessage to anyone",
        _one(
            aws.sqs.QueuePolicy,
            queue_url=f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/perfcheck-prod-jobs",
            policy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "sqs:SendMessage",
                    "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:perfcheck-prod-jobs",
                }
            ),
        ),
    ),
    Member(
        "w4-role-trust-anyone",
        "exposure",
        True,
        "a role whose trust policy lets any AWS principal assume it",
        _one(
            aws.iam.Role,
            assume_role_policy=_policy(
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ),
        ),
    ),
    Member(
        "w4-bucket-policy-referer-star",
        "hollow",
        True,
        "a bucket policy allowing GetObject to anyone, 'limited' by a Referer condition of *",
        _one(
            aws.s3.BucketPolicy,
            bucket="perfcheck-prod-exports",
            policy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::perfcheck-prod-exports/*",
                    "Condition": {"StringLike": {"aws:Referer": "*"}},
                }
            ),
        ),
    ),
    Member(
        "w4-sg-internet-in-two-halves",
        "spelling",
        True,
        "SSH opened to 0.0.0.0/1 and 128.0.0.0/1 (the whole internet in two rules)",
        _split_internet_rules,
    ),
    Member(
        "w4-sg-prefix-list-internet",
        "exposure",
        True,
        "postgres opened to a managed prefix list whose one entry is 0.0.0.0/0",
        _prefix_list_internet,
    ),
    Member(
        "w4-ecs-service-public-ip",
        "exposure",
        True,
        "a worker service in public subnets with assign_public_ip true",
        lambda name, opts: _worker_service(
            name,
            opts,
            network_configuration={
                "subnets": PUBLIC_SUBNETS,
                "security_groups": [SG],
                "assign_public_ip": True,
            },
        ),
    ),
    Member(
        "w4-aurora-instance-public",
        "exposure",
        True,
        "an Aurora cluster instance, publicly accessible",
        _aurora_public_instance,
    ),
    Member(
        "w4-global-cluster-unencrypted",
        "at-rest",
        True,
        "an Aurora global cluster with storage_encrypted false",
        _one(
            aws.rds.GlobalCluster,
            protect=True,
            global_cluster_identifier="perfcheck-global",
            engine="aurora-postgresql",
            engine_version="16.4",
            storage_encrypted=False,
            deletion_protection=True,
        ),
    ),
    Member(
        "w4-redshift-cluster-unencrypted",
        "at-rest",
        True,
        "a provisioned Redshift cluster, not encrypted",
        _one(
            aws.redshift.Cluster,
            protect=True,
            cluster_identifier="w4-warehouse",
            node_type="ra3.large",
            cluster_type="single-node",
            manage_master_password=True,
            master_username="warehouse",
            encrypted="false",
            publicly_accessible=False,
            skip_final_snapshot=False,
            final_snapshot_identifier="w4-warehouse-final",
        ),
    ),
    Member(
        "w4-replication-group-no-at-rest",
        "at-rest",
        True,
        "a second Valkey replication group (jobs) with at-rest encryption off",
        _one(
            aws.elasticache.ReplicationGroup,
            protect=True,
            description="jobs",
            engine="valkey",
            engine_version="8.0",
            node_type="cache.t4g.medium",
            num_cache_clusters=2,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            at_rest_encryption_enabled="false",
            transit_encryption_enabled=True,
            auth_token_update_strategy="ROTATE",
            security_group_ids=[SG],
        ),
    ),
    Member(
        "w4-firehose-no-sse",
        "at-rest",
        True,
        "a Firehose delivery stream with server-side encryption off",
        _one(
            aws.kinesis.FirehoseDeliveryStream,
            destination="extended_s3",
            server_side_encryption={"enabled": False},
            extended_s3_configuration={
                "role_arn": ROLE,
                "bucket_arn": "arn:aws:s3:::perfcheck-prod-events",
            },
        ),
    ),
    Member(
        "w4-secret-no-cmk",
        "at-rest",
        True,
        "a Secrets Manager secret under the AWS-managed key (the stack promises CMKs)",
        _one(aws.secretsmanager.Secret, recovery_window_in_days=30),
    ),
    Member(
        "w4-task-efs-transit-off",
        "transport",
        True,
        "an EFS volume in a task definition with transit encryption DISABLED",
        lambda name, opts: _task(
            name,
            opts,
            [
                _worker(
                    f"{ECR}/perfcheck-{name}:1.0.0",
                    mountPoints=[
                        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
                        {"sourceVolume": "assets", "containerPath": "/srv/assets"},
                    ],
                )
            ],
            volumes=[
                {"name": "tmp"},
                {
                    "name": "assets",
                    "efs_volume_configuration": {
                        "file_system_id": EFS_ID,
                        "transit_encryption": "DISABLED",
                    },
                },
            ],
        ),
    ),
    Member(
        "w4-ecr-mutable-no-scan",
        "hollow",
        True,
        "an ECR repository with mutable tags and no scan on push",
        _one(
            aws.ecr.Repository,
            image_tag_mutability="MUTABLE",
            image_scanning_configuration={"scan_on_push": False},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": CMK}],
        ),
    ),
    Member(
        "w4-ecs-blue-green-bake-zero",
        "hollow",
        True,
        "a blue/green worker service with a bake time of zero",
        lambda name, opts: _worker_service(
            name,
            opts,
            deployment_configuration={"strategy": "BLUE_GREEN", "bake_time_in_minutes": "0"},
        ),
    ),
    Member(
        "w4-target-group-health-check-off",
        "hollow",
        True,
        "a target group with its health check disabled",
        _one(
            aws.lb.TargetGroup,
            port=8080,
            protocol="HTTP",
            target_type="ip",
            vpc_id=VPC,
            health_check={"enabled": False},
        ),
    ),
    Member(
        "w4-budget-nobody-notified",
        "hollow",
        True,
        "a monthly budget whose notification has no subscriber",
        _one(
            aws.budgets.Budget,
            budget_type="COST",
            limit_amount="1000",
            limit_unit="USD",
            time_unit="MONTHLY",
            notifications=[
                {
                    "comparison_operator": "GREATER_THAN",
                    "threshold": 80,
                    "threshold_type": "PERCENTAGE",
                    "notification_type": "FORECASTED",
                    "subscriber_email_addresses": [],
                }
            ],
        ),
    ),
    Member(
        "w4-kms-policy-anyone",
        "exposure",
        True,
        "a key whose policy allows kms:* to principal *",
        _one(
            aws.kms.Key,
            description="partner exports",
            enable_key_rotation=True,
            policy=_policy(
                {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
            ),
        ),
    ),
    Member(
        "w4-rds-log-exports-implicit-groups",
        "runtime",
        True,
        "an RDS instance exporting logs with no log group of its own (RDS creates one that "
        "never expires)",
        lambda name, opts: aws.rds.Instance(
            name,
            engine="postgres",
            engine_version="17.2",
            instance_class="db.t4g.medium",
            allocated_storage=20,
            storage_type="gp3",
            username="reporting",
            manage_master_user_password=True,
            storage_encrypted=True,
            kms_key_id=CMK,
            multi_az=True,
            deletion_protection=True,
            backup_retention_period=14,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{name}-final",
            parameter_group_name="perfcheck-prod-db-params",
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
            opts=pulumi.ResourceOptions.merge(opts(), pulumi.ResourceOptions(protect=True)),
        ),
    ),
    Member(
        "w4-io2-volume-64k-iops",
        "cost",
        True,
        "an io2 volume with 64,000 provisioned IOPS (about $2,900 a month)",
        _one(
            aws.ebs.Volume,
            protect=True,
            availability_zone=f"{REGION}a",
            size=2000,
            type="io2",
            iops=64000,
            encrypted=True,
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-kinesis-500-shards",
        "cost",
        True,
        "a Kinesis stream with 500 provisioned shards",
        _one(
            aws.kinesis.Stream,
            protect=True,
            shard_count=500,
            retention_period=24,
            encryption_type="KMS",
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-opensearch-large-nodes",
        "cost",
        True,
        "six r6g.12xlarge.search data nodes",
        _one(
            aws.opensearch.Domain,
            protect=True,
            engine_version="OpenSearch_2.13",
            cluster_config={"instance_type": "r6g.12xlarge.search", "instance_count": 6},
            ebs_options={"ebs_enabled": True, "volume_size": 500, "volume_type": "gp3"},
            encrypt_at_rest={"enabled": True, "kms_key_id": CMK},
            node_to_node_encryption={"enabled": True},
            domain_endpoint_options={
                "enforce_https": True,
                "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10",
            },
            vpc_options={"subnet_ids": SUBNETS[:1], "security_group_ids": [SG]},
        ),
    ),
    Member(
        "w4-tag-key-case",
        "tags",
        True,
        "cost tags with keys in another case (AWS tag keys are case-sensitive)",
        lambda name, opts: aws.sqs.Queue(
            name,
            kms_master_key_id=CMK,
            tags={
                "project": "perfcheck",
                "environment": "prod",
                "owner": "platform-team",
                "costcenter": "cc-1234",
                "managedby": "pulumi",
            },
            opts=pulumi.ResourceOptions(provider=aws.Provider(f"{name}-provider", region=REGION)),
        ),
        tagged=False,
    ),
]


def _compliant_aurora(name: str, opts: Options) -> object:
    params = aws.rds.ClusterParameterGroup(
        f"{name}-params",
        name=f"{name}-params",
        family="aurora-postgresql16",
        parameters=[
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1.2"},
        ],
        opts=opts(),
    )
    return aws.rds.Cluster(
        name,
        engine="aurora-postgresql",
        engine_version="16.4",
        manage_master_user_password=True,
        master_username="perfcheck",
        storage_encrypted=True,
        kms_key_id=CMK,
        deletion_protection=True,
        backup_retention_period=14,
        copy_tags_to_snapshot=True,
        iam_database_authentication_enabled=True,
        skip_final_snapshot=False,
        final_snapshot_identifier=f"{name}-final",
        db_cluster_parameter_group_name=params.name,
        opts=pulumi.ResourceOptions.merge(opts(), pulumi.ResourceOptions(protect=True)),
    )


GOOD_MORE = [
    Member(
        "w4-good-non-secret-names",
        "false-positive",
        False,
        "names with credential words whose values are settings, not secrets",
        _env_task(
            PASSWORD_POLICY="min=12,upper=1,digit=1",
            TOKEN_TTL_SECONDS="3600",
            SECRET_NAME="perfcheck/prod/db",
            AUTH_URL="https://login.perfcheck.example/oauth2/token",
        ),
    ),
    Member(
        "w4-good-jwt-public-key",
        "false-positive",
        False,
        "a PEM public key to verify JWTs",
        _lambda_env(
            JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\n"
            "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
            "-----END PUBLIC KEY-----"
        ),
    ),
    Member(
        "w4-good-analytics-keys",
        "false-positive",
        False,
        "a PostHog project key and a GA measurement id (both shipped to browsers)",
        _env_task(
            NEXT_PUBLIC_POSTHOG_KEY="phc_" + "Tq3Lx8Vb2Nm7Zc1Kp4Rw9Hy6Jd5Fs0Ga",
            NEXT_PUBLIC_GA_ID="G-7QW2E9R4T1",
        ),
    ),
    Member(
        "w4-good-passwordless-db-url",
        "false-positive",
        False,
        "a database URL with no password (IAM authentication)",
        _env_task(
            DATABASE_URL="postgres://perfcheck_app@perfcheck-db.internal:5432/app"
            "?sslmode=verify-full"
        ),
    ),
    Member(
        "w4-good-base64-feature-flags",
        "false-positive",
        False,
        "base64 of a non-secret JSON (feature flags)",
        _lambda_env(FEATURES_B64=b64(json.dumps({"checkout": True, "banner": "winter"}))),
    ),
    Member(
        "w4-good-pg-dump-job-on-efs",
        "false-positive",
        False,
        "the postgres image running pg_dump to an EFS backup path (a client, not a server)",
        _efs_task(
            "docker.io/library/postgres:17",
            "/backups",
            command=[
                "pg_dump",
                "--host=perfcheck-db.internal",
                "--username=perfcheck_backup",
                "--file=/backups/app.dump",
                "app",
            ],
        ),
    ),
    Member(
        "w4-good-aurora-cluster",
        "compliant",
        False,
        "an Aurora PostgreSQL cluster: CMK, deletion protection, IAM auth, force_ssl, TLS 1.2",
        _compliant_aurora,
    ),
    Member(
        "w4-good-sg-from-alb",
        "compliant",
        False,
        "an ingress rule admitting only the ALB's security group",
        _one(
            aws.vpc.SecurityGroupIngressRule,
            security_group_id=SG,
            ip_protocol="tcp",
            from_port=8080,
            to_port=8080,
            referenced_security_group_id="sg-0fedcba9876543210",
        ),
    ),
    Member(
        "w4-good-email-subscription",
        "compliant",
        False,
        "an e-mail subscription to the alarm topic",
        _one(
            aws.sns.TopicSubscription,
            topic=TOPIC,
            protocol="email",
            endpoint="oncall@perfcheck.example",
        ),
    ),
]


BAD = [
    *BAD_AT_REST,
    *BAD_CREDENTIALS,
    *BAD_EXPOSURE,
    *BAD_TRANSPORT,
    *BAD_HOLLOW,
    *BAD_EFS,
    *BAD_RUNTIME,
    *BAD_COST,
    *BAD_TAGS,
    *BAD_BYPASS,
]


# -- good: realistic compliant members -------------------------------------------------------------


def _good_service(name: str, opts: Options) -> object:
    return _worker_service(name, opts)


def _instance_from_template(name: str, opts: Options) -> object:
    template = aws.ec2.LaunchTemplate(
        f"{name}-template",
        image_id="ami-0123456789abcdef0",
        instance_type="t4g.small",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": 30,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "kms_key_id": CMK,
                },
            }
        ],
        opts=opts(),
    )
    return aws.ec2.Instance(
        name,
        launch_template={"id": template.id, "version": "$Latest"},
        subnet_id=SUBNETS[0],
        opts=opts(),
    )


def _good_topic_and_subscription(name: str, opts: Options) -> object:
    topic = aws.sns.Topic(name, kms_master_key_id=CMK, opts=opts())
    return aws.sns.TopicSubscription(
        f"{name}-https",
        topic=topic.arn,
        protocol="https",
        endpoint="https://hooks.partner.example/perfcheck",
        opts=opts(),
    )


def _good_event_rule(name: str, opts: Options) -> object:
    queue = aws.sqs.Queue(f"{name}-queue", kms_master_key_id=CMK, opts=opts())
    rule = aws.cloudwatch.EventRule(
        name,
        schedule_expression="rate(1 hour)",
        description="hourly report",
        opts=opts(),
    )
    return aws.cloudwatch.EventTarget(f"{name}-target", rule=rule.name, arn=queue.arn, opts=opts())


def _good_secret(name: str, opts: Options) -> object:
    secret = aws.secretsmanager.Secret(
        name, kms_key_id=CMK, recovery_window_in_days=30, opts=opts()
    )
    return aws.secretsmanager.SecretRotation(
        f"{name}-rotation",
        secret_id=secret.id,
        rotation_lambda_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfcheck-rotate",
        rotation_rules={"automatically_after_days": 30},
        opts=opts(),
    )


def _good_bucket(name: str, opts: Options) -> object:
    bucket = aws.s3.Bucket(name, opts=opts())
    aws.s3.BucketPublicAccessBlock(
        f"{name}-pab",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts(),
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": CMK,
                },
                "bucket_key_enabled": True,
            }
        ],
        opts=opts(),
    )
    return aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=opts(),
    )


GOOD = [
    Member(
        "w4-good-sentry-dsn",
        "false-positive",
        False,
        "a Sentry DSN (documented as safe to expose) in a Lambda environment",
        _lambda_env(
            SENTRY_DSN="https://3f9a1c2b4d5e6f708a1b2c3d4e5f6a7b@o450123.ingest.sentry.io/5512345"
        ),
    ),
    Member(
        "w4-good-recaptcha-site-key",
        "false-positive",
        False,
        "a reCAPTCHA site key (public by design) in a container environment",
        _env_task(NEXT_PUBLIC_RECAPTCHA_SITE_KEY="6LcQ2xkqAAAAAJ7vD9b3mK1pZ5wT8rN4yH6uE2sF"),
    ),
    Member(
        "w4-good-stripe-publishable-key",
        "false-positive",
        False,
        "a Stripe publishable key (pk_live_, meant for browsers)",
        _env_task(NEXT_PUBLIC_STRIPE_KEY="pk_live_" + "51HxYzAbCdEfGhIjKlMnOpQrStUvWx"),
    ),
    Member(
        "w4-good-ssh-public-key",
        "false-positive",
        False,
        "an SSH public key (known hosts pinning) in the environment",
        _env_task(
            SFTP_HOST_KEY="ssh-ed25519 "
            "AAAAC3NzaC1lZDI1NTE5AAAAIHk3Jq7v0bN2mXpL9rT4wQ8sE1cF6gY5uZ3aD7hK0jM2"
        ),
    ),
    Member(
        "w4-good-auth0-domain",
        "false-positive",
        False,
        "AUTH0_DOMAIN (a host name) and a public client id",
        _env_task(
            AUTH0_DOMAIN="perfcheck.eu.auth0.com", AUTH0_CLIENT_ID="Xk2Lm9Qp4Rt7Vw1Zb5Nc8Hd3"
        ),
    ),
    Member(
        "w4-good-secret-references",
        "false-positive",
        False,
        "environment values that name secrets (ARNs, parameter names) but hold none",
        _env_task(
            DB_PASSWORD_SECRET_ARN=SECRET_ARN,
            API_TOKEN_PARAMETER="/perfcheck/prod/api-token",
            PASSWORD_MIN_LENGTH="12",
        ),
    ),
    Member(
        "w4-good-engine-named-stateless-api",
        "false-positive",
        False,
        "a stateless API whose image name contains an engine's name, EFS only for static uploads",
        _efs_task(
            f"{ECR}/mysql-admin-api:2.3.0",
            "/srv/uploads",
            command=["node", "dist/server.js"],
        ),
    ),
    Member(
        "w4-good-redis-exporter",
        "false-positive",
        False,
        "the Prometheus redis exporter (a stateless sidecar named after an engine), no volume",
        _env_task(REDIS_ADDR="rediss://perfcheck-cache.abc.euw1.cache.amazonaws.com:6379"),
    ),
    Member(
        "w4-good-worker-service-no-lb",
        "false-positive",
        False,
        "a queue worker service with no load balancer: rolling, circuit breaker and alarms",
        _good_service,
    ),
    Member(
        "w4-good-instance-root-from-template",
        "false-positive",
        False,
        "an instance whose encrypted root volume comes from its launch template",
        _instance_from_template,
    ),
    Member(
        "w4-good-ecr-enhanced-scanning",
        "false-positive",
        False,
        "registry-wide enhanced continuous scanning",
        _one(
            aws.ecr.RegistryScanningConfiguration,
            scan_type="ENHANCED",
            rules=[
                {
                    "scan_frequency": "CONTINUOUS_SCAN",
                    "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}],
                }
            ],
        ),
    ),
    Member(
        "w4-good-sqs-cmk",
        "compliant",
        False,
        "a KMS-encrypted queue with a dead-letter queue",
        lambda name, opts: aws.sqs.Queue(
            name,
            kms_master_key_id=CMK,
            redrive_policy=aws.sqs.Queue(
                f"{name}-dlq", kms_master_key_id=CMK, opts=opts()
            ).arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
            opts=opts(),
        ),
    ),
    Member(
        "w4-good-sns-https",
        "compliant",
        False,
        "a CMK-encrypted topic with an HTTPS subscription",
        _good_topic_and_subscription,
    ),
    Member(
        "w4-good-bucket",
        "compliant",
        False,
        "a private bucket: public access block, SSE-KMS, versioning",
        _good_bucket,
    ),
    Member(
        "w4-good-kinesis-kms",
        "compliant",
        False,
        "a KMS-encrypted Kinesis stream",
        _one(
            aws.kinesis.Stream,
            protect=True,
            shard_count=1,
            retention_period=24,
            encryption_type="KMS",
            kms_key_id=CMK,
        ),
    ),
    Member(
        "w4-good-dynamodb",
        "compliant",
        False,
        "a DynamoDB table: CMK, point-in-time recovery, deletion protection",
        _one(
            aws.dynamodb.Table,
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attributes=[{"name": "pk", "type": "S"}],
            server_side_encryption={"enabled": True, "kms_key_arn": CMK},
            point_in_time_recovery={"enabled": True},
            deletion_protection_enabled=True,
            protect=True,
        ),
    ),
    Member(
        "w4-good-secret-rotated",
        "compliant",
        False,
        "a CMK secret rotated every 30 days",
        _good_secret,
    ),
    Member(
        "w4-good-ssm-securestring",
        "compliant",
        False,
        "a SecureString parameter under the CMK (value a Pulumi secret)",
        lambda name, opts: aws.ssm.Parameter(
            name,
            type="SecureString",
            key_id=CMK,
            value=pulumi.Output.secret("generated-at-deploy-time"),
            opts=opts(),
        ),
    ),
    Member(
        "w4-good-ssm-string-config",
        "false-positive",
        False,
        "a String parameter with non-secret JSON config (feature flags, an ARN)",
        _one(
            aws.ssm.Parameter,
            type="String",
            value=json.dumps({"newCheckout": True, "topic": TOPIC, "maxItems": 50}),
        ),
    ),
    Member(
        "w4-good-log-group",
        "compliant",
        False,
        "a log group with 30-day retention and a CMK",
        _one(aws.cloudwatch.LogGroup, retention_in_days=30, kms_key_id=CMK),
    ),
    Member(
        "w4-good-alarm",
        "compliant",
        False,
        "an alarm that pages the alarm topic",
        _one(
            aws.cloudwatch.MetricAlarm,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=3,
            metric_name="ApproximateAgeOfOldestMessage",
            namespace="AWS/SQS",
            period=60,
            statistic="Maximum",
            threshold=300,
            alarm_actions=[TOPIC],
            ok_actions=[TOPIC],
            dimensions={"QueueName": "perfcheck-prod-jobs"},
        ),
    ),
    Member(
        "w4-good-event-rule-to-queue",
        "compliant",
        False,
        "an hourly EventBridge rule targeting an encrypted queue",
        _good_event_rule,
    ),
    Member(
        "w4-good-ecr-repository",
        "compliant",
        False,
        "an ECR repository: immutable tags, scan on push, KMS",
        _one(
            aws.ecr.Repository,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": CMK}],
        ),
    ),
    Member(
        "w4-good-sg-egress-https",
        "compliant",
        False,
        "a security group rule allowing HTTPS egress inside the VPC",
        _one(
            aws.vpc.SecurityGroupEgressRule,
            security_group_id=SG,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="10.20.0.0/16",
        ),
    ),
    Member(
        "w4-good-kms-key",
        "compliant",
        False,
        "a customer key with rotation on",
        _one(aws.kms.Key, description="exports", enable_key_rotation=True),
    ),
    Member(
        "w4-good-firebase-web-config",
        "false-positive",
        False,
        "a Firebase web API key (a public client identifier per Firebase's docs)",
        _env_task(NEXT_PUBLIC_FIREBASE_API_KEY="AIzaSyB3xK9mQ2pL7vR4tW8nZ1cF5hJ6dG0sA3e"),
    ),
    Member(
        "w4-good-provider-tags-only",
        "tags",
        False,
        "a queue tagged only through the provider's default tags (no tags input)",
        lambda name, opts: aws.sqs.Queue(name, kms_master_key_id=CMK, opts=opts()),
        tagged=False,
    ),
]

GOOD += GOOD_MORE
MEMBERS = [*BAD, *GOOD]
