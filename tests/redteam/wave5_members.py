"""Wave 5 (blind): red-team members written as real Pulumi Python, without reading the rules.

Written from the issue, README, docs/security.md, the design notes, the reference tables of what
checkov, cdk-nag and Pulumi's packs check, and pulumi-aws 7's argument names. Each member
registers its resources under logical names that start with its own name. `bad`: a reviewer of
this stack would refuse it (at least one mandatory finding expected in prod); good: realistic,
compliant, often tricky-but-fine (no finding expected).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

import pulumi

from tests.policies.builders import ACCOUNT, PINNED, REGION, container

Opts = Callable[..., pulumi.ResourceOptions]
Register = Callable[[str, Opts], None]

ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
KMS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/2f1c9a4e-8b7d-4c3a-9e21-5d6f7a8b9c0d"
KMS_ALIAS = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/perfcheck-prod-data"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/wave5-service"
SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829", "subnet-0c3d4e5f607182930"]
SG = "sg-0123456789abcdef0"
VPC = "vpc-0123456789abcdef0"
BUCKET = "perfcheck-prod-wave5-data"
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/9b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/perfcheck/prod/wave5"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:perfcheck/prod/db-AbCdEf"

# Made-up credential shapes (none is a live credential; each has the shape its issuer uses).
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJzZXJ2aWNlLWJpbGxpbmciLCJyb2xlIjoiYWRtaW4iLCJpYXQiOjE3MzMwMDAwMDB9."
    "Qm9ndXNTaWduYXR1cmVGb3JUaGVSZWRUZWFtV2F2ZTVfMDE"
)
PEM_PRIVATE = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu3Wv5tq0bZ1x9Jk2Lm4Np6Qr8St0Uv2Wx4Yz6Ab8Cd0Ef2Gh\n"
    "4Ij6Kl8Mn0Op2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8Gh0Ij2Kl4Mn6Op8Qr0St2Uv4Wx6\n"
    "-----END RSA PRIVATE KEY-----\n"
)
PEM_PUBLIC = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu3Wv5tq0bZ1x9Jk2Lm4N\n"
    "p6Qr8St0Uv2Wx4Yz6Ab8Cd0Ef2Gh4Ij6Kl8Mn0Op2Qr4St6Uv8Wx0Yz2Ab4Cd6E\n"
    "-----END PUBLIC KEY-----\n"
)
GITHUB_PAT = "ghp_" + "R3dT3amWave5FakeToken0123456789abcd"
HF_TOKEN = "hf_" + "qWeRtYuIoPaSdFgHjKlZxCvBnMqWeRtYuI"
STRIPE_SECRET = "sk_live_" + "51HxRedTeamWave5Fake0123456789abcdefGHIJ"
STRIPE_PUBLIC = "pk_live_" + "51HxRedTeamWave5Public0123456789abcdefGH"
SLACK_WEBHOOK = (
    "https://hooks.slack.com/services/T01ABCDEF23/B04GHIJKL56/" + "r3dT34mW4v3F1v3h00kS3cr3t"
)
AZURE_CONN = (
    "DefaultEndpointsProtocol=https;AccountName=perfcheckexport;"
    "AccountKey=" + "dGhpcyBpcyBub3QgYSByZWFsIGtleSBidXQgaXQgbG9va3MgbGlrZSBvbmU=" + ";"
    "EndpointSuffix=core.windows.net"
)
KUBECONFIG = (
    "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
    "    server: https://4F3A2B1C.gr7.eu-west-1.eks.amazonaws.com\n  name: prod\n"
    "users:\n- name: deployer\n  user:\n"
    "    token: "
    + "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXQ"
    + "\n"
)
DJANGO_KEY = "django-insecure-" + "9x!k2@p#v7m$w3q&z5r*t8y(u1i)o4e_n6b^c0s-"


@dataclass(frozen=True)
class Member:
    name: str
    klass: str
    bad: bool
    register: Register
    tagged: bool = True
    """Registered under the project's cost-tag transform (as the real program does)."""
    batch: int = 1
    """1: the first blind batch; 2: written after the first run's score (rules still unread)."""


MEMBERS: list[Member] = []
_BATCH = [1]


def member(name: str, klass: str, bad: bool, tagged: bool = True) -> Callable[[Register], Register]:
    def wrap(fn: Register) -> Register:
        MEMBERS.append(Member(name, klass, bad, fn, tagged, _BATCH[0]))
        return fn

    return wrap


def _aws():  # type: ignore[no-untyped-def]
    import pulumi_aws as aws

    return aws


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def lambda_fn(name: str, opts: Opts, variables: dict, **extra: object) -> None:
    aws = _aws()
    aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/{name}",
        retention_in_days=365,
        kms_key_id=KMS,
        opts=opts(),
    )
    aws.lambda_.Function(
        name,
        name=name,
        runtime="python3.12",
        handler="app.handler",
        role=ROLE,
        code=pulumi.AssetArchive(
            {"app.py": pulumi.StringAsset("def handler(e, c):\n    return 1\n")}
        ),
        environment={"variables": variables} if variables else None,
        kms_key_arn=KMS,
        logging_config={"log_format": "JSON", "log_group": f"/aws/lambda/{name}"},
        tracing_config={"mode": "Active"},
        opts=opts(),
        **extra,
    )


def ecs_task(
    name: str, opts: Opts, containers: list[dict], volumes: list[dict] | None = None
) -> None:
    _aws().ecs.TaskDefinition(
        name,
        family=f"perfcheck-{name}",
        cpu="512",
        memory="1024",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform={"cpu_architecture": "ARM64", "operating_system_family": "LINUX"},
        execution_role_arn=ROLE,
        task_role_arn=ROLE + "-task",
        container_definitions=json.dumps(containers),
        volumes=volumes if volumes is not None else [{"name": "tmp"}],
        opts=opts(),
    )


def worker(name: str, image: str | None = None, **overrides: object) -> dict:
    return container(name, image or f"{ECR}/perfcheck-{name}:2.3.1", 8080, **overrides)


def env(**values: str) -> list[dict]:
    return [{"name": k, "value": v} for k, v in values.items()]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --------------------------------------------------------------------------------------------
# Exposure: alternate front doors, resource policies open to everyone, public URLs.
# --------------------------------------------------------------------------------------------


@member("w5-fnurl-none", "exposure", True)
def _fnurl_none(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"STAGE": "prod"})
    _aws().lambda_.FunctionUrl(
        f"{name}-url", function_name=name, authorization_type="NONE", opts=opts()
    )


@member("w5-fnurl-permission-star", "exposure", True)
def _fnurl_perm(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"STAGE": "prod"})
    _aws().lambda_.Permission(
        f"{name}-public",
        action="lambda:InvokeFunctionUrl",
        function=name,
        principal="*",
        function_url_auth_type="NONE",
        opts=opts(),
    )


@member("w5-httpapi-public", "exposure", True)
def _httpapi(name: str, opts: Opts) -> None:
    aws = _aws()
    api = aws.apigatewayv2.Api(name, protocol_type="HTTP", name=name, opts=opts())
    link = aws.apigatewayv2.VpcLink(
        f"{name}-link", name=name, subnet_ids=SUBNETS, security_group_ids=[SG], opts=opts()
    )
    aws.apigatewayv2.Integration(
        f"{name}-alb",
        api_id=api.id,
        integration_type="HTTP_PROXY",
        integration_method="ANY",
        connection_type="VPC_LINK",
        connection_id=link.id,
        integration_uri=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/perfcheck-prod-alb/0123456789abcdef/fedcba9876543210",
        opts=opts(),
    )
    aws.apigatewayv2.Stage(
        f"{name}-stage",
        api_id=api.id,
        name="$default",
        auto_deploy=True,
        access_log_settings={
            "destination_arn": LOG_GROUP_ARN,
            "format": '{"requestId":"$context.requestId"}',
        },
        opts=opts(),
    )


@member("w5-restapi-regional-star", "exposure", True)
def _restapi(name: str, opts: Opts) -> None:
    _aws().apigateway.RestApi(
        name,
        name=name,
        endpoint_configuration={"types": "REGIONAL"},
        policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
        ),
        opts=opts(),
    )


@member("w5-sqs-policy-star", "exposure", True)
def _sqs_star(name: str, opts: Opts) -> None:
    aws = _aws()
    q = aws.sqs.Queue(name, kms_master_key_id=KMS, opts=opts())
    aws.sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=q.url,
        policy=q.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": "SQS:SendMessage",
                    "Resource": a,
                }
            )
        ),
        opts=opts(),
    )


@member("w5-sns-notprincipal", "exposure", True)
def _sns_notprincipal(name: str, opts: Opts) -> None:
    aws = _aws()
    t = aws.sns.Topic(name, kms_master_key_id=KMS, opts=opts())
    aws.sns.TopicPolicy(
        f"{name}-policy",
        arn=t.arn,
        policy=t.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": ["sns:Publish", "sns:Subscribe"],
                    "Resource": a,
                }
            )
        ),
        opts=opts(),
    )


@member("w5-bucket-policy-public-read", "exposure", True)
def _bucket_public(name: str, opts: Opts) -> None:
    aws = _aws()
    b = aws.s3.Bucket(name, bucket=f"perfcheck-prod-{name}", opts=opts())
    aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=b.id,
        policy=b.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "S3:GetObject",
                    "Resource": f"{a}/*",
                }
            )
        ),
        opts=opts(),
    )


@member("w5-public-access-block-off", "exposure", True)
def _pab_off(name: str, opts: Opts) -> None:
    _aws().s3.BucketPublicAccessBlock(
        name,
        bucket=BUCKET,
        block_public_acls=False,
        block_public_policy=False,
        ignore_public_acls=False,
        restrict_public_buckets=False,
        opts=opts(),
    )


@member("w5-secret-policy-wildcard-condition", "exposure", True)
def _secret_policy(name: str, opts: Opts) -> None:
    _aws().secretsmanager.SecretPolicy(
        name,
        secret_arn=SECRET_ARN,
        policy=policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalAccount": "*"}},
            }
        ),
        opts=opts(),
    )


@member("w5-ecr-policy-public-pull", "exposure", True)
def _ecr_public(name: str, opts: Opts) -> None:
    _aws().ecr.RepositoryPolicy(
        name,
        repository="perfcheck-prod/hono",
        policy=policy(
            {
                "Sid": "AnyonePulls",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            }
        ),
        opts=opts(),
    )


@member("w5-kms-key-policy-everyone", "exposure", True)
def _kms_everyone(name: str, opts: Opts) -> None:
    _aws().kms.Key(
        name,
        description="export key",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy(
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Share",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
            },
        ),
        opts=opts(),
    )


@member("w5-eks-public-endpoint", "exposure", True)
def _eks_public(name: str, opts: Opts) -> None:
    _aws().eks.Cluster(
        name,
        role_arn=ROLE,
        version="1.31",
        vpc_config={
            "subnet_ids": SUBNETS,
            "endpoint_public_access": True,
            "endpoint_private_access": True,
            "public_access_cidrs": ["0.0.0.0/0"],
        },
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KMS}},
        enabled_cluster_log_types=["api", "audit", "authenticator"],
        opts=opts(),
    )


@member("w5-redshift-serverless-public", "exposure", True)
def _rss_public(name: str, opts: Opts) -> None:
    _aws().redshiftserverless.Workgroup(
        name,
        namespace_name="perfcheck-analytics",
        workgroup_name=name,
        base_capacity=8,
        publicly_accessible=True,
        subnet_ids=SUBNETS,
        security_group_ids=[SG],
        opts=opts(),
    )


@member("w5-dms-instance-public", "exposure", True)
def _dms_public(name: str, opts: Opts) -> None:
    _aws().dms.ReplicationInstance(
        name,
        replication_instance_id=name,
        replication_instance_class="dms.t3.medium",
        allocated_storage=50,
        publicly_accessible=True,
        kms_key_arn=KMS,
        multi_az=True,
        opts=opts(),
    )


@member("w5-rds-public-string-true", "exposure", True)
def _rds_public_str(name: str, opts: Opts) -> None:
    _aws().rds.ClusterInstance(
        name,
        cluster_identifier="perfcheck-prod-aurora",
        instance_class="db.t4g.medium",
        engine="aurora-postgresql",
        publicly_accessible="true",  # the provider folds the string to a bool
        opts=opts(),
    )


@member("w5-lightsail-db-public", "exposure", True)
def _lightsail_db(name: str, opts: Opts) -> None:
    _aws().lightsail.Database(
        name,
        relational_database_name=name,
        availability_zone=f"{REGION}a",
        blueprint_id="postgres_16",
        bundle_id="micro_2_0",
        master_database_name="app",
        master_username="app",
        master_password=pulumi.Output.secret("Wave5-Generated-Elsewhere-0001"),
        publicly_accessible=True,
        skip_final_snapshot=False,
        final_snapshot_name=f"{name}-final",
        opts=opts(),
    )


@member("w5-sg-ipv6-zero-long-form", "exposure", True)
def _sg_ipv6(name: str, opts: Opts) -> None:
    _aws().vpc.SecurityGroupIngressRule(
        name,
        security_group_id=SG,
        cidr_ipv6="0::/0",
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        description="replica reader",
        opts=opts(),
    )


@member("w5-sg-all-ports-legacy-rule", "exposure", True)
def _sg_all(name: str, opts: Opts) -> None:
    _aws().ec2.SecurityGroupRule(
        name,
        type="ingress",
        security_group_id=SG,
        protocol="all",
        from_port=0,
        to_port=0,
        cidr_blocks=["0.0.0.0/0"],
        description="temporary debug",
        opts=opts(),
    )


@member("w5-sagemaker-notebook-internet", "exposure", True)
def _notebook(name: str, opts: Opts) -> None:
    _aws().sagemaker.NotebookInstance(
        name,
        name=name,
        role_arn=ROLE,
        instance_type="ml.t3.medium",
        kms_key_id=KMS,
        direct_internet_access="Enabled",
        root_access="Enabled",
        opts=opts(),
    )


@member("w5-emr-block-public-off", "exposure", True)
def _emr_bpa(name: str, opts: Opts) -> None:
    _aws().emr.BlockPublicAccessConfiguration(
        name, block_public_security_group_rules=False, opts=opts()
    )


@member("w5-backup-vault-delete-anyone", "exposure", True)
def _vault_policy(name: str, opts: Opts) -> None:
    aws = _aws()
    vault = aws.backup.Vault(name, name=name, kms_key_arn=KMS, opts=opts())
    aws.backup.VaultPolicy(
        f"{name}-policy",
        backup_vault_name=vault.name,
        policy=vault.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["backup:DeleteRecoveryPoint", "backup:CopyFromBackupVault"],
                    "Resource": a,
                }
            )
        ),
        opts=opts(),
    )


@member("w5-iot-policy-everything", "exposure", True)
def _iot(name: str, opts: Opts) -> None:
    _aws().iot.Policy(
        name,
        name=name,
        policy=policy({"Effect": "Allow", "Action": ["iot:*"], "Resource": ["*"]}),
        opts=opts(),
    )


@member("w5-ec2-public-imdsv1", "exposure", True)
def _ec2_public(name: str, opts: Opts) -> None:
    _aws().ec2.Instance(
        name,
        ami="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        subnet_id=SUBNETS[0],
        associate_public_ip_address=True,
        metadata_options={"http_tokens": "optional", "http_endpoint": "enabled"},
        root_block_device={"encrypted": True, "kms_key_id": KMS, "volume_size": 20},
        monitoring=True,
        opts=opts(),
    )


@member("w5-beanstalk-public-lb", "exposure", True)
def _beanstalk(name: str, opts: Opts) -> None:
    _aws().elasticbeanstalk.Environment(
        name,
        application="perfcheck-admin",
        solution_stack_name="64bit Amazon Linux 2023 v6.4.0 running Node.js 22",
        settings=[
            {"namespace": "aws:ec2:vpc", "name": "VPCId", "value": VPC},
            {"namespace": "aws:ec2:vpc", "name": "ELBScheme", "value": "public"},
            {"namespace": "aws:ec2:vpc", "name": "ELBSubnets", "value": ",".join(SUBNETS)},
            {
                "namespace": "aws:autoscaling:launchconfiguration",
                "name": "InstanceType",
                "value": "t4g.small",
            },
        ],
        opts=opts(),
    )


@member("w5-appsync-api-key", "exposure", True)
def _appsync(name: str, opts: Opts) -> None:
    _aws().appsync.GraphQLApi(
        name,
        name=name,
        authentication_type="API_KEY",
        log_config={"cloudwatch_logs_role_arn": ROLE, "field_log_level": "ERROR"},
        opts=opts(),
    )


@member("w5-opensearch-open-policy", "exposure", True)
def _os_open(name: str, opts: Opts) -> None:
    _aws().opensearch.Domain(
        name,
        domain_name="perfcheck-search",
        engine_version="OpenSearch_2.15",
        cluster_config={
            "instance_type": "t3.small.search",
            "instance_count": 2,
            "zone_awareness_enabled": True,
        },
        ebs_options={"ebs_enabled": True, "volume_size": 20, "volume_type": "gp3"},
        encrypt_at_rest={"enabled": True, "kms_key_id": KMS},
        node_to_node_encryption={"enabled": True},
        domain_endpoint_options={
            "enforce_https": True,
            "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10",
        },
        access_policies=policy(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}
        ),
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Encryption at rest on the other data stores, queues, streams, snapshots.
# --------------------------------------------------------------------------------------------


@member("w5-aurora-unencrypted", "encryption", True)
def _aurora(name: str, opts: Opts) -> None:
    _aws().rds.Cluster(
        name,
        cluster_identifier=name,
        engine="aurora-postgresql",
        engine_version="16.4",
        master_username="owner",
        manage_master_user_password=True,
        storage_encrypted=False,
        deletion_protection=True,
        backup_retention_period=14,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        opts=opts(),
    )


@member("w5-global-cluster-unencrypted", "encryption", True)
def _global(name: str, opts: Opts) -> None:
    _aws().rds.GlobalCluster(
        name,
        global_cluster_identifier=name,
        engine="aurora-postgresql",
        engine_version="16.4",
        storage_encrypted=False,
        deletion_protection=True,
        opts=opts(),
    )


@member("w5-docdb-unencrypted", "encryption", True)
def _docdb(name: str, opts: Opts) -> None:
    _aws().docdb.Cluster(
        name,
        cluster_identifier=name,
        master_username="owner",
        manage_master_user_password=True,
        storage_encrypted=False,
        deletion_protection=True,
        backup_retention_period=14,
        final_snapshot_identifier=f"{name}-final",
        enabled_cloudwatch_logs_exports=["audit"],
        opts=opts(),
    )


@member("w5-neptune-secret-false", "encryption", True)
def _neptune(name: str, opts: Opts) -> None:
    _aws().neptune.Cluster(
        name,
        cluster_identifier=name,
        storage_encrypted=pulumi.Output.secret(False),
        deletion_protection=True,
        backup_retention_period=14,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        enable_cloudwatch_logs_exports=["audit"],
        opts=opts(),
    )


@member("w5-snapshot-copy-plain", "encryption", True)
def _snapcopy(name: str, opts: Opts) -> None:
    _aws().ebs.SnapshotCopy(
        name,
        source_snapshot_id="snap-0123456789abcdef0",
        source_region="eu-central-1",
        encrypted=False,
        opts=opts(),
    )


@member("w5-ebs-volume-plain", "encryption", True)
def _ebs(name: str, opts: Opts) -> None:
    _aws().ebs.Volume(
        name, availability_zone=f"{REGION}a", size=50, type="gp3", encrypted=False, opts=opts()
    )


@member("w5-launch-template-string-false", "encryption", True)
def _lt_false(name: str, opts: Opts) -> None:
    _aws().ec2.LaunchTemplate(
        name,
        image_id="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {"volume_size": 30, "volume_type": "gp3", "encrypted": "false"},
            }
        ],
        opts=opts(),
    )


@member("w5-efs-plain", "encryption", True)
def _efs(name: str, opts: Opts) -> None:
    _aws().efs.FileSystem(name, encrypted=False, creation_token=name, opts=opts())


@member("w5-kinesis-none", "encryption", True)
def _kinesis(name: str, opts: Opts) -> None:
    _aws().kinesis.Stream(
        name,
        name=name,
        encryption_type="NONE",
        stream_mode_details={"stream_mode": "ON_DEMAND"},
        retention_period=24,
        opts=opts(),
    )


@member("w5-firehose-no-sse", "encryption", True)
def _firehose(name: str, opts: Opts) -> None:
    _aws().kinesis.FirehoseDeliveryStream(
        name,
        name=name,
        destination="extended_s3",
        server_side_encryption={"enabled": False},
        extended_s3_configuration={"role_arn": ROLE, "bucket_arn": f"arn:aws:s3:::{BUCKET}"},
        opts=opts(),
    )


@member("w5-sqs-sse-off", "encryption", True)
def _sqs_plain(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name, sqs_managed_sse_enabled=False, message_retention_seconds=345600, opts=opts()
    )


@member("w5-sns-plain", "encryption", True)
def _sns_plain(name: str, opts: Opts) -> None:
    _aws().sns.Topic(name, name=name, opts=opts())


@member("w5-memorydb-no-tls", "transport", True)
def _memorydb(name: str, opts: Opts) -> None:
    _aws().memorydb.Cluster(
        name,
        name=name,
        acl_name="open-access",
        node_type="db.t4g.small",
        num_shards=1,
        num_replicas_per_shard=1,
        tls_enabled=False,
        kms_key_arn=KMS,
        snapshot_retention_limit=7,
        opts=opts(),
    )


@member("w5-sagemaker-endpoint-no-kms", "encryption", True)
def _sm_endpoint(name: str, opts: Opts) -> None:
    _aws().sagemaker.EndpointConfiguration(
        name,
        production_variants=[
            {
                "variant_name": "primary",
                "model_name": "perfcheck-ranker",
                "initial_instance_count": 1,
                "instance_type": "ml.m5.large",
            }
        ],
        opts=opts(),
    )


@member("w5-redshift-plain-public", "encryption", True)
def _redshift(name: str, opts: Opts) -> None:
    _aws().redshift.Cluster(
        name,
        cluster_identifier=name,
        node_type="ra3.xlplus",
        number_of_nodes=2,
        master_username="owner",
        manage_master_password=True,
        encrypted=False,
        publicly_accessible=False,
        skip_final_snapshot=False,
        final_snapshot_identifier=f"{name}-final",
        automated_snapshot_retention_period=7,
        opts=opts(),
    )


@member("w5-qldb-allow-all", "encryption", True)
def _qldb(name: str, opts: Opts) -> None:
    _aws().qldb.Ledger(
        name, name=name, permissions_mode="ALLOW_ALL", deletion_protection=False, opts=opts()
    )


@member("w5-dynamodb-no-pitr", "stateful", True)
def _ddb(name: str, opts: Opts) -> None:
    _aws().dynamodb.Table(
        name,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        deletion_protection_enabled=False,
        point_in_time_recovery={"enabled": False},
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Transport: TLS minimums of other front doors, plaintext modes, HTTP subscriptions.
# --------------------------------------------------------------------------------------------


@member("w5-cache-transit-preferred", "transport", True)
def _cache_preferred(name: str, opts: Opts) -> None:
    _aws().elasticache.ReplicationGroup(
        name,
        description="session cache",
        engine="valkey",
        engine_version="8.0",
        node_type="cache.t4g.micro",
        num_cache_clusters=2,
        automatic_failover_enabled=True,
        multi_az_enabled=True,
        at_rest_encryption_enabled=True,
        kms_key_id=KMS,
        transit_encryption_enabled=True,
        transit_encryption_mode="preferred",
        snapshot_retention_limit=7,
        opts=opts(),
    )


@member("w5-msk-plaintext", "transport", True)
def _msk(name: str, opts: Opts) -> None:
    _aws().msk.Cluster(
        name,
        cluster_name=name,
        kafka_version="3.7.x",
        number_of_broker_nodes=3,
        broker_node_group_info={
            "instance_type": "kafka.t3.small",
            "client_subnets": SUBNETS,
            "security_groups": [SG],
        },
        encryption_info={
            "encryption_at_rest_kms_key_arn": KMS,
            "encryption_in_transit": {"client_broker": "TLS_PLAINTEXT", "in_cluster": True},
        },
        logging_info={
            "broker_logs": {
                "cloudwatch_logs": {"enabled": True, "log_group": "/perfcheck/prod/msk"}
            }
        },
        opts=opts(),
    )


@member("w5-sns-http-subscription", "transport", True)
def _sns_http(name: str, opts: Opts) -> None:
    aws = _aws()
    t = aws.sns.Topic(name, kms_master_key_id=KMS, opts=opts())
    aws.sns.TopicSubscription(
        f"{name}-hook",
        topic=t.arn,
        protocol="HTTP",
        endpoint="http://hooks.partner.example.com/perfcheck",
        opts=opts(),
    )


@member("w5-alb-listener-tls10", "transport", True)
def _alb_tls10(name: str, opts: Opts) -> None:
    _aws().lb.Listener(
        name,
        load_balancer_arn=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/perfcheck-prod-alb/0123456789abcdef",
        port=8443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-2016-08",
        certificate_arn=CERT,
        default_actions=[
            {
                "type": "fixed-response",
                "fixed_response": {"content_type": "text/plain", "status_code": "404"},
            }
        ],
        opts=opts(),
    )


@member("w5-apigw-domain-tls10", "transport", True)
def _apigw_domain(name: str, opts: Opts) -> None:
    _aws().apigateway.DomainName(
        name,
        domain_name="api.perfcheck.example.com",
        regional_certificate_arn=CERT,
        endpoint_configuration={"types": "REGIONAL"},
        security_policy="TLS_1_0",
        opts=opts(),
    )


@member("w5-opensearch-old-tls", "transport", True)
def _os_tls(name: str, opts: Opts) -> None:
    _aws().opensearch.Domain(
        name,
        domain_name="perfcheck-logs",
        engine_version="OpenSearch_2.15",
        cluster_config={
            "instance_type": "t3.small.search",
            "instance_count": 2,
            "zone_awareness_enabled": True,
        },
        ebs_options={"ebs_enabled": True, "volume_size": 20, "volume_type": "gp3"},
        encrypt_at_rest={"enabled": True, "kms_key_id": KMS},
        node_to_node_encryption={"enabled": False},
        domain_endpoint_options={
            "enforce_https": False,
            "tls_security_policy": "Policy-Min-TLS-1-0-2019-07",
        },
        vpc_options={"subnet_ids": SUBNETS[:2], "security_group_ids": [SG]},
        opts=opts(),
    )


@member("w5-transfer-ftp-public", "transport", True)
def _transfer(name: str, opts: Opts) -> None:
    _aws().transfer.Server(
        name,
        endpoint_type="PUBLIC",
        protocols=["SFTP"],
        security_policy_name="TransferSecurityPolicy-2018-11",
        identity_provider_type="SERVICE_MANAGED",
        logging_role=ROLE,
        opts=opts(),
    )


@member("w5-cloudfront-origin-sslv3", "transport", True)
def _cf_origin(name: str, opts: Opts) -> None:
    _aws().cloudfront.Distribution(
        name,
        enabled=True,
        web_acl_id=f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/perfcheck-prod/abcd",
        origins=[
            {
                "origin_id": "legacy",
                "domain_name": "legacy.partner.example.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["SSLv3", "TLSv1"],
                },
            }
        ],
        default_cache_behavior={
            "target_origin_id": "legacy",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={
            "cloudfront_default_certificate": False,
            "acm_certificate_arn": CERT.replace(REGION, "us-east-1"),
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
        logging_config={"bucket": f"{BUCKET}.s3.amazonaws.com", "prefix": "cf/"},
        opts=opts(),
    )


@member("w5-aurora-pg-ssl-min-tls1", "transport", True)
def _aurora_pg(name: str, opts: Opts) -> None:
    _aws().rds.ClusterParameterGroup(
        name,
        family="aurora-postgresql16",
        parameters=[
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1"},
        ],
        opts=opts(),
    )


@member("w5-pg-force-ssl-off", "transport", True)
def _pg_off(name: str, opts: Opts) -> None:
    _aws().rds.ParameterGroup(
        name,
        family="postgres17",
        parameters=[{"name": "RDS.Force_SSL", "value": "0", "apply_method": "pending-reboot"}],
        opts=opts(),
    )


@member("w5-dms-endpoint-ssl-none", "transport", True)
def _dms_endpoint(name: str, opts: Opts) -> None:
    _aws().dms.Endpoint(
        name,
        endpoint_id=name,
        endpoint_type="source",
        engine_name="postgres",
        server_name="perfcheck-prod.cluster-abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        database_name="app",
        ssl_mode="none",
        secrets_manager_arn=SECRET_ARN,
        secrets_manager_access_role_arn=ROLE,
        kms_key_arn=KMS,
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Credentials in any string input: new shapes and new places.
# --------------------------------------------------------------------------------------------


@member("w5-lambda-jwt", "credentials", True)
def _lambda_jwt(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"BILLING_API_BEARER": JWT})


@member("w5-lambda-mongo-dsn", "credentials", True)
def _lambda_mongo(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "MONGO_URL": "mongodb+srv://reporter:Tr0ub4dor-and-3@analytics.x1y2z.mongodb.net/reports?retryWrites=true"
        },
    )


@member("w5-lambda-django-key", "credentials", True)
def _lambda_django(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"DJANGO_SECRET_KEY": DJANGO_KEY})


@member("w5-lambda-secret-wrapped-stripe", "credentials", True)
def _lambda_stripe(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"PAYMENTS_KEY": pulumi.Output.secret(STRIPE_SECRET)})


@member("w5-batch-pem", "credentials", True)
def _batch_pem(name: str, opts: Opts) -> None:
    _aws().batch.JobDefinition(
        name,
        name=name,
        type="container",
        platform_capabilities=["FARGATE"],
        container_properties=json.dumps(
            {
                "image": f"{ECR}/perfcheck-export:1.0.0{PINNED}",
                "resourceRequirements": [
                    {"type": "VCPU", "value": "1"},
                    {"type": "MEMORY", "value": "2048"},
                ],
                "executionRoleArn": ROLE,
                "environment": [{"name": "SIGNING_KEY", "value": PEM_PRIVATE}],
                "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
                "logConfiguration": {"logDriver": "awslogs"},
            }
        ),
        opts=opts(),
    )


@member("w5-launch-template-b64-kv", "credentials", True)
def _lt_b64(name: str, opts: Opts) -> None:
    script = "#!/bin/bash\ncat > /etc/app.env <<EOF\nDB_USER=app\nDB_PASS=Summer2026!Prod#42\nEOF\n"
    _aws().ec2.LaunchTemplate(
        name,
        image_id="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": 30,
                    "volume_type": "gp3",
                    "encrypted": True,
                    "kms_key_id": KMS,
                },
            }
        ],
        user_data=b64(script),
        opts=opts(),
    )


@member("w5-codebuild-basic-auth-url", "credentials", True)
def _codebuild(name: str, opts: Opts) -> None:
    _aws().codebuild.Project(
        name,
        service_role=ROLE,
        encryption_key=KMS,
        artifacts={"type": "NO_ARTIFACTS"},
        source={
            "type": "NO_SOURCE",
            "buildspec": "version: 0.2\nphases:\n  build:\n    commands: ['make test']\n",
        },
        environment={
            "compute_type": "BUILD_GENERAL1_SMALL",
            "image": "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            "type": "ARM_CONTAINER",
            "environment_variables": [
                {
                    "name": "PIP_INDEX_URL",
                    "value": "https://ci-bot:nXq7-Rt2p-Lm9z-Wv4k@pypi.internal.example.com/simple",
                    "type": "PLAINTEXT",
                }
            ],
        },
        logs_config={
            "cloudwatch_logs": {"status": "ENABLED", "group_name": "/perfcheck/prod/codebuild"}
        },
        opts=opts(),
    )


@member("w5-ssm-string-kubeconfig", "credentials", True)
def _ssm_kube(name: str, opts: Opts) -> None:
    _aws().ssm.Parameter(
        name, name="/perfcheck/prod/kubeconfig", type="String", value=KUBECONFIG, opts=opts()
    )


@member("w5-apprunner-github-pat", "credentials", True)
def _apprunner(name: str, opts: Opts) -> None:
    _aws().apprunner.Service(
        name,
        service_name=name,
        source_configuration={
            "auto_deployments_enabled": False,
            "image_repository": {
                "image_identifier": f"{ECR}/perfcheck-admin:1.0.0",
                "image_repository_type": "ECR",
                "image_configuration": {
                    "port": "8080",
                    "runtime_environment_variables": {"GH_TOKEN": GITHUB_PAT},
                },
            },
            "authentication_configuration": {"access_role_arn": ROLE},
        },
        network_configuration={
            "ingress_configuration": {"is_publicly_accessible": False},
            "egress_configuration": {"egress_type": "DEFAULT"},
        },
        encryption_configuration={"kms_key": KMS},
        opts=opts(),
    )


@member("w5-sfn-bearer-header", "credentials", True)
def _sfn(name: str, opts: Opts) -> None:
    definition = {
        "StartAt": "Notify",
        "States": {
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": "https://api.partner.example.com/v1/notify",
                    "Method": "POST",
                    "Headers": {"Authorization": "Bearer " + JWT},
                },
                "End": True,
            }
        },
    }
    _aws().sfn.StateMachine(
        name,
        role_arn=ROLE,
        definition=json.dumps(definition),
        logging_configuration={
            "level": "ALL",
            "include_execution_data": False,
            "log_destination": LOG_GROUP_ARN + ":*",
        },
        tracing_configuration={"enabled": True},
        opts=opts(),
    )


@member("w5-event-connection-plain-key", "credentials", True)
def _evconn(name: str, opts: Opts) -> None:
    _aws().cloudwatch.EventConnection(
        name,
        name=name,
        authorization_type="API_KEY",
        auth_parameters={
            "api_key": {"key": "x-api-key", "value": "pk-partner-7Hq2-Lx9w-Rt4m-Zp8n"}
        },
        kms_key_identifier=KMS,
        opts=opts(),
    )


@member("w5-glue-connection-password", "credentials", True)
def _glue(name: str, opts: Opts) -> None:
    _aws().glue.Connection(
        name,
        name=name,
        connection_type="JDBC",
        connection_properties={
            "JDBC_CONNECTION_URL": "jdbc:postgresql://perfcheck-prod.cluster-abc.eu-west-1.rds.amazonaws.com:5432/app",
            "USERNAME": "etl",
            "PASSWORD": "Etl-Pa55-2026-prod",
        },
        opts=opts(),
    )


@member("w5-dms-endpoint-password", "credentials", True)
def _dms_pw(name: str, opts: Opts) -> None:
    _aws().dms.Endpoint(
        name,
        endpoint_id=name,
        endpoint_type="target",
        engine_name="aurora-postgresql",
        server_name="perfcheck-replica.cluster-abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        database_name="app",
        username="dms",
        password="Dms-Migr8-Prod-2026",
        ssl_mode="verify-full",
        kms_key_arn=KMS,
        opts=opts(),
    )


@member("w5-amplify-stripe-env", "credentials", True)
def _amplify(name: str, opts: Opts) -> None:
    _aws().amplify.App(
        name,
        name=name,
        repository="https://github.com/acme/perfcheck-admin",
        environment_variables={
            "STRIPE_API_KEY": STRIPE_SECRET,
            "NEXT_PUBLIC_STRIPE_KEY": STRIPE_PUBLIC,
        },
        opts=opts(),
    )


@member("w5-beanstalk-db-url", "credentials", True)
def _eb_db(name: str, opts: Opts) -> None:
    _aws().elasticbeanstalk.Environment(
        name,
        application="perfcheck-admin",
        solution_stack_name="64bit Amazon Linux 2023 v6.4.0 running Node.js 22",
        settings=[
            {"namespace": "aws:ec2:vpc", "name": "VPCId", "value": VPC},
            {"namespace": "aws:ec2:vpc", "name": "ELBScheme", "value": "internal"},
            {
                "namespace": "aws:elasticbeanstalk:application:environment",
                "name": "DATABASE_URL",
                "value": "postgresql://admin:Adm1n-Pr0d-2026@perfcheck-prod.proxy-abc.eu-west-1.rds.amazonaws.com/app",
            },
        ],
        opts=opts(),
    )


@member("w5-sagemaker-hf-token", "credentials", True)
def _sm_model(name: str, opts: Opts) -> None:
    _aws().sagemaker.Model(
        name,
        execution_role_arn=ROLE,
        enable_network_isolation=False,
        primary_container={
            "image": f"{ECR}/perfcheck-ranker:1.0.0",
            "environment": {"HF_MODEL_ID": "acme/ranker", "HUGGING_FACE_HUB_TOKEN": HF_TOKEN},
        },
        opts=opts(),
    )


@member("w5-container-slack-webhook", "credentials", True)
def _ecs_slack(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [worker("alerts", environment=env(NODE_ENV="production", ALERT_HOOK=SLACK_WEBHOOK))],
    )


@member("w5-container-azure-conn", "credentials", True)
def _ecs_azure(name: str, opts: Opts) -> None:
    ecs_task(name, opts, [worker("export", environment=env(EXPORT_TARGET=AZURE_CONN))])


@member("w5-container-password-in-command", "credentials", True)
def _ecs_cmd(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "migrate",
                command=[
                    "node",
                    "migrate.js",
                    "--db-user=owner",
                    "--db-password=Mig-Owner-Pw-2026-x",
                ],
            )
        ],
    )


@member("w5-container-lookalike-name", "credentials", True)
def _ecs_lookalike(name: str, opts: Opts) -> None:
    # Greek capital omicron in TOKEN, and a full-width underscore-less spelling of SECRET.
    ecs_task(
        name,
        opts,
        [
            worker(
                "sync",
                environment=env(
                    **{
                        "API_T\u039fKEN": "b7f3c9e1a4d8f2b6c0e5a9d3f7b1c4e8",
                        "\uff33\uff25\uff23\uff32\uff25\uff34": "Zq8-Wx3-Pl5-Mn7-Kv2-Jr9",
                    }
                ),
            )
        ],
    )


@member("w5-container-docker-labels-token", "credentials", True)
def _ecs_labels(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "edge",
                dockerLabels={
                    "traefik.http.middlewares.auth.basicauth.users": (
                        "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"
                    )
                },
            )
        ],
    )


@member("w5-codebuild-source-credential", "credentials", True)
def _cb_cred(name: str, opts: Opts) -> None:
    _aws().codebuild.SourceCredential(
        name, auth_type="PERSONAL_ACCESS_TOKEN", server_type="GITHUB", token=GITHUB_PAT, opts=opts()
    )


@member("w5-secret-version-plain", "credentials", True)
def _secret_version(name: str, opts: Opts) -> None:
    _aws().secretsmanager.SecretVersion(
        name,
        secret_id=SECRET_ARN,
        secret_string=json.dumps({"username": "reporting", "password": "Rep0rting-Prod-Pw-2026"}),
        opts=opts(),
    )


@member("w5-opensearch-master-password", "credentials", True)
def _os_pw(name: str, opts: Opts) -> None:
    _aws().opensearch.Domain(
        name,
        domain_name="perfcheck-audit",
        engine_version="OpenSearch_2.15",
        cluster_config={
            "instance_type": "t3.small.search",
            "instance_count": 2,
            "zone_awareness_enabled": True,
        },
        ebs_options={"ebs_enabled": True, "volume_size": 20, "volume_type": "gp3"},
        encrypt_at_rest={"enabled": True, "kms_key_id": KMS},
        node_to_node_encryption={"enabled": True},
        domain_endpoint_options={
            "enforce_https": True,
            "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10",
        },
        vpc_options={"subnet_ids": SUBNETS[:2], "security_group_ids": [SG]},
        advanced_security_options={
            "enabled": True,
            "internal_user_database_enabled": True,
            "master_user_options": {
                "master_user_name": "admin",
                "master_user_password": "Os-Admin-Pw-2026!",
            },
        },
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Hollow controls: present but off by effect.
# --------------------------------------------------------------------------------------------


@member("w5-waf-count-only", "hollow", True)
def _waf_count(name: str, opts: Opts) -> None:
    _aws().wafv2.WebAcl(
        name,
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
            "metric_name": name,
            "sampled_requests_enabled": True,
        },
        opts=opts(),
    )


@member("w5-waf-rules-all-excluded", "hollow", True)
def _waf_excluded(name: str, opts: Opts) -> None:
    _aws().wafv2.WebAcl(
        name,
        scope="REGIONAL",
        default_action={"allow": {}},
        rules=[
            {
                "name": "sqli",
                "priority": 1,
                "override_action": {"none": {}},
                "statement": {
                    "managed_rule_group_statement": {
                        "vendor_name": "AWS",
                        "name": "AWSManagedRulesSQLiRuleSet",
                        "rule_action_overrides": [
                            {"name": n, "action_to_use": {"count": {}}}
                            for n in (
                                "SQLi_QUERYARGUMENTS",
                                "SQLi_BODY",
                                "SQLi_COOKIE",
                                "SQLi_URIPATH",
                            )
                        ],
                    }
                },
                "visibility_config": {
                    "cloudwatch_metrics_enabled": True,
                    "metric_name": "sqli",
                    "sampled_requests_enabled": True,
                },
            }
        ],
        visibility_config={
            "cloudwatch_metrics_enabled": True,
            "metric_name": name,
            "sampled_requests_enabled": True,
        },
        opts=opts(),
    )


@member("w5-ecs-breaker-no-rollback", "hollow", True)
def _breaker(name: str, opts: Opts) -> None:
    _aws().ecs.Service(
        name,
        cluster=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/perfcheck-prod",
        task_definition=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/perfcheck-worker:3",
        desired_count=2,
        launch_type="FARGATE",
        network_configuration={
            "subnets": SUBNETS,
            "security_groups": [SG],
            "assign_public_ip": False,
        },
        deployment_circuit_breaker={"enable": True, "rollback": False},
        enable_execute_command=False,
        propagate_tags="SERVICE",
        opts=opts(),
    )


@member("w5-codedeploy-no-rollback", "hollow", True)
def _codedeploy(name: str, opts: Opts) -> None:
    _aws().codedeploy.DeploymentGroup(
        name,
        app_name="perfcheck-prod",
        deployment_group_name=name,
        service_role_arn=ROLE,
        deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
        deployment_style={
            "deployment_option": "WITH_TRAFFIC_CONTROL",
            "deployment_type": "BLUE_GREEN",
        },
        auto_rollback_configuration={"enabled": False, "events": ["DEPLOYMENT_FAILURE"]},
        blue_green_deployment_config={
            "deployment_ready_option": {"action_on_timeout": "CONTINUE_DEPLOYMENT"},
            "terminate_blue_instances_on_deployment_success": {
                "action": "TERMINATE",
                "termination_wait_time_in_minutes": 0,
            },
        },
        ecs_service={"cluster_name": "perfcheck-prod", "service_name": "perfcheck-prod-web"},
        opts=opts(),
    )


@member("w5-cloudtrail-readonly-no-mgmt", "hollow", True)
def _trail(name: str, opts: Opts) -> None:
    _aws().cloudtrail.Trail(
        name,
        name=name,
        s3_bucket_name=BUCKET,
        kms_key_id=KMS,
        enable_logging=True,
        is_multi_region_trail=True,
        enable_log_file_validation=True,
        event_selectors=[{"read_write_type": "ReadOnly", "include_management_events": False}],
        opts=opts(),
    )


@member("w5-alarm-no-actions", "hollow", True)
def _alarm(name: str, opts: Opts) -> None:
    _aws().cloudwatch.MetricAlarm(
        name,
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": "perfcheck-prod-jobs"},
        statistic="Maximum",
        period=60,
        evaluation_periods=5,
        threshold=600,
        comparison_operator="GreaterThanThreshold",
        actions_enabled=True,
        alarm_actions=[],
        opts=opts(),
    )


@member("w5-kms-no-rotation", "hollow", True)
def _kms_norot(name: str, opts: Opts) -> None:
    _aws().kms.Key(
        name,
        description="exports",
        enable_key_rotation=False,
        deletion_window_in_days=30,
        opts=opts(),
    )


@member("w5-flow-log-reject-only", "hollow", True)
def _flow(name: str, opts: Opts) -> None:
    _aws().ec2.FlowLog(
        name,
        vpc_id=VPC,
        traffic_type="REJECT",
        log_destination_type="cloud-watch-logs",
        log_destination=LOG_GROUP_ARN,
        iam_role_arn=ROLE,
        opts=opts(),
    )


@member("w5-log-group-one-day", "hollow", True)
def _log_one_day(name: str, opts: Opts) -> None:
    _aws().cloudwatch.LogGroup(
        name, name="/perfcheck/prod/audit", retention_in_days=1, kms_key_id=KMS, opts=opts()
    )


@member("w5-rds-backup-zero", "hollow", True)
def _rds_backup0(name: str, opts: Opts) -> None:
    _aws().rds.Instance(
        name,
        identifier=name,
        engine="postgres",
        engine_version="17.2",
        instance_class="db.t4g.medium",
        allocated_storage=50,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=KMS,
        multi_az=True,
        manage_master_user_password=True,
        username="owner",
        backup_retention_period=0,
        deletion_protection=True,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        publicly_accessible=False,
        enabled_cloudwatch_logs_exports=["postgresql"],
        opts=opts(),
    )


@member("w5-cognito-mfa-off-weak", "hollow", True)
def _cognito(name: str, opts: Opts) -> None:
    _aws().cognito.UserPool(
        name,
        name=name,
        mfa_configuration="OFF",
        password_policy={
            "minimum_length": 6,
            "require_lowercase": False,
            "require_numbers": False,
            "require_symbols": False,
            "require_uppercase": False,
        },
        deletion_protection="ACTIVE",
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Logging / audit off.
# --------------------------------------------------------------------------------------------


@member("w5-eks-no-logs", "logging", True)
def _eks_logs(name: str, opts: Opts) -> None:
    _aws().eks.Cluster(
        name,
        role_arn=ROLE,
        version="1.31",
        vpc_config={
            "subnet_ids": SUBNETS,
            "endpoint_public_access": False,
            "endpoint_private_access": True,
        },
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KMS}},
        enabled_cluster_log_types=[],
        opts=opts(),
    )


@member("w5-sfn-logging-off", "logging", True)
def _sfn_off(name: str, opts: Opts) -> None:
    _aws().sfn.StateMachine(
        name,
        role_arn=ROLE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        logging_configuration={"level": "OFF"},
        opts=opts(),
    )


@member("w5-httpapi-stage-no-access-log", "logging", True)
def _stage_nolog(name: str, opts: Opts) -> None:
    _aws().apigatewayv2.Stage(name, api_id="a1b2c3d4e5", name="prod", auto_deploy=True, opts=opts())


@member("w5-alb-second-no-logs", "logging", True)
def _alb_nolog(name: str, opts: Opts) -> None:
    _aws().lb.LoadBalancer(
        name,
        internal=True,
        load_balancer_type="application",
        subnets=SUBNETS,
        security_groups=[SG],
        drop_invalid_header_fields=True,
        enable_deletion_protection=True,
        access_logs={"bucket": BUCKET, "enabled": False},
        opts=opts(),
    )


# --------------------------------------------------------------------------------------------
# Database on network storage, by behaviour.
# --------------------------------------------------------------------------------------------


@member("w5-efs-clickhouse", "efs-db", True)
def _efs_clickhouse(name: str, opts: Opts) -> None:
    efs = {
        "name": "data",
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }
    ecs_task(
        name,
        opts,
        [
            worker(
                "olap",
                image=f"{ECR}/analytics-server:24.8",
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "data", "containerPath": "/var/lib/clickhouse"},
                ],
            )
        ],
        [{"name": "tmp"}, efs],
    )


@member("w5-efs-sqlite-app", "efs-db", True)
def _efs_sqlite(name: str, opts: Opts) -> None:
    efs = {
        "name": "state",
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }
    ecs_task(
        name,
        opts,
        [
            worker(
                "ledger",
                environment=env(DATABASE_URL="sqlite:////mnt/state/ledger.db"),
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "state", "containerPath": "/mnt/state"},
                ],
            )
        ],
        [{"name": "tmp"}, efs],
    )


@member("w5-efs-postgres-via-entrypoint", "efs-db", True)
def _efs_pg_entry(name: str, opts: Opts) -> None:
    efs = {
        "name": "pg",
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }
    ecs_task(
        name,
        opts,
        [
            worker(
                "store",
                image=f"{ECR}/base-runtime:3.20",
                entryPoint=["/usr/bin/dumb-init", "--"],
                command=["/usr/lib/postgresql/16/bin/postgres", "-D", "/srv/pg/16/main"],
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "pg", "containerPath": "/srv/pg"},
                ],
            )
        ],
        [{"name": "tmp"}, efs],
    )


# --------------------------------------------------------------------------------------------
# Tags: placeholders, another project's provider, spelling.
# --------------------------------------------------------------------------------------------

PROD_TAGS = {
    "Project": "perfcheck",
    "Environment": "prod",
    "Owner": "platform-team",
    "CostCenter": "cc-1234",
    "ManagedBy": "pulumi",
}


@member("w5-tags-placeholder", "tags", True, tagged=False)
def _tags_placeholder(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name,
        kms_master_key_id=KMS,
        tags={**PROD_TAGS, "Owner": "TBD", "CostCenter": "changeme"},
        opts=opts(),
    )


@member("w5-tags-lowercase-keys", "tags", True, tagged=False)
def _tags_lower(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name,
        kms_master_key_id=KMS,
        tags={
            "project": "perfcheck",
            "environment": "prod",
            "owner": "platform-team",
            "costcenter": "cc-1234",
            "managedby": "pulumi",
        },
        opts=opts(),
    )


@member("w5-tags-copied-provider", "tags", True, tagged=False)
def _tags_provider(name: str, opts: Opts) -> None:
    aws = _aws()
    other = aws.Provider(
        f"{name}-provider",
        region=REGION,
        default_tags={
            "tags": {
                "Project": "billing-svc",
                "Environment": "staging",
                "Owner": "payments-team",
                "CostCenter": "cc-9876",
                "ManagedBy": "pulumi",
            }
        },
    )
    aws.sqs.Queue(name, kms_master_key_id=KMS, opts=pulumi.ResourceOptions(provider=other))


# --------------------------------------------------------------------------------------------
# Cost: costly types and sizes.
# --------------------------------------------------------------------------------------------


@member("w5-eks-gpu-nodes", "cost", True)
def _eks_gpu(name: str, opts: Opts) -> None:
    _aws().eks.NodeGroup(
        name,
        cluster_name="perfcheck-ml",
        node_role_arn=ROLE,
        subnet_ids=SUBNETS,
        instance_types=["p4d.24xlarge"],
        scaling_config={"desired_size": 2, "min_size": 2, "max_size": 4},
        opts=opts(),
    )


@member("w5-sagemaker-p4d-endpoint", "cost", True)
def _sm_p4d(name: str, opts: Opts) -> None:
    _aws().sagemaker.EndpointConfiguration(
        name,
        kms_key_arn=KMS,
        production_variants=[
            {
                "variant_name": "primary",
                "model_name": "perfcheck-ranker",
                "initial_instance_count": 2,
                "instance_type": "ml.p4d.24xlarge",
            }
        ],
        opts=opts(),
    )


@member("w5-redshift-serverless-512rpu", "cost", True)
def _rss_big(name: str, opts: Opts) -> None:
    _aws().redshiftserverless.Workgroup(
        name,
        namespace_name="perfcheck-analytics",
        workgroup_name=name,
        base_capacity=512,
        max_capacity=1024,
        publicly_accessible=False,
        subnet_ids=SUBNETS,
        security_group_ids=[SG],
        opts=opts(),
    )


@member("w5-neptune-16xl", "cost", True)
def _neptune_big(name: str, opts: Opts) -> None:
    _aws().neptune.ClusterInstance(
        name, cluster_identifier="perfcheck-graph", instance_class="db.r6g.16xlarge", opts=opts()
    )


@member("w5-docdb-16xl", "cost", True)
def _docdb_big(name: str, opts: Opts) -> None:
    _aws().docdb.ClusterInstance(
        name, cluster_identifier="perfcheck-docs", instance_class="db.r6g.16xlarge", opts=opts()
    )


@member("w5-dynamodb-provisioned-40k", "cost", True)
def _ddb_big(name: str, opts: Opts) -> None:
    _aws().dynamodb.Table(
        name,
        name=name,
        billing_mode="PROVISIONED",
        read_capacity=40000,
        write_capacity=40000,
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        deletion_protection_enabled=True,
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True, "kms_key_arn": KMS},
        opts=opts(),
    )


@member("w5-fsx-ontap-4gbps", "cost", True)
def _fsx(name: str, opts: Opts) -> None:
    _aws().fsx.OntapFileSystem(
        name,
        deployment_type="MULTI_AZ_1",
        storage_capacity=10240,
        throughput_capacity=4096,
        subnet_ids=SUBNETS[:2],
        preferred_subnet_id=SUBNETS[0],
        kms_key_id=KMS,
        automatic_backup_retention_days=14,
        opts=opts(),
    )


@member("w5-ec2-u-12tb", "cost", True)
def _ec2_big(name: str, opts: Opts) -> None:
    _aws().ec2.Instance(
        name,
        ami="ami-0a1b2c3d4e5f60718",
        instance_type="u-12tb1.112xlarge",
        subnet_id=SUBNETS[0],
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        root_block_device={"encrypted": True, "kms_key_id": KMS, "volume_size": 100},
        monitoring=True,
        opts=opts(),
    )


# ============================================================================================
# Good: realistic, compliant, tricky-but-fine.
# ============================================================================================


@member("g5-fnurl-iam", "exposure", False)
def _g_fnurl(name: str, opts: Opts) -> None:
    lambda_fn(name, opts, {"STAGE": "prod"})
    _aws().lambda_.FunctionUrl(
        f"{name}-url", function_name=name, authorization_type="AWS_IAM", opts=opts()
    )


@member("g5-restapi-private", "exposure", False)
def _g_private_api(name: str, opts: Opts) -> None:
    _aws().apigateway.RestApi(
        name,
        name=name,
        endpoint_configuration={"types": "PRIVATE", "vpc_endpoint_ids": ["vpce-0123456789abcdef0"]},
        policy=policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
            }
        ),
        opts=opts(),
    )


@member("g5-bucket-deny-insecure", "exposure", False)
def _g_bucket(name: str, opts: Opts) -> None:
    aws = _aws()
    b = aws.s3.Bucket(name, bucket=f"perfcheck-prod-{name}", opts=opts())
    aws.s3.BucketPublicAccessBlock(
        f"{name}-pab",
        bucket=b.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts(),
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse",
        bucket=b.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": KMS_ALIAS,
                },
                "bucket_key_enabled": True,
            }
        ],
        opts=opts(),
    )
    aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=b.id,
        versioning_configuration={"status": "Enabled"},
        opts=opts(),
    )
    aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=b.id,
        policy=b.arn.apply(
            lambda a: policy(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [a, f"{a}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        ),
        opts=opts(),
    )


@member("g5-sqs-kms-alias", "encryption", False)
def _g_sqs(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name,
        kms_master_key_id="alias/perfcheck-prod-queues",
        kms_data_key_reuse_period_seconds=300,
        opts=opts(),
    )


@member("g5-sns-kms-https-sub", "transport", False)
def _g_sns(name: str, opts: Opts) -> None:
    aws = _aws()
    t = aws.sns.Topic(name, kms_master_key_id="alias/perfcheck-prod-alerts", opts=opts())
    aws.sns.TopicSubscription(
        f"{name}-hook",
        topic=t.arn,
        protocol="https",
        endpoint="https://hooks.partner.example.com/perfcheck",
        opts=opts(),
    )


@member("g5-kms-rotating", "encryption", False)
def _g_kms(name: str, opts: Opts) -> None:
    _aws().kms.Key(
        name,
        description="perfcheck exports",
        enable_key_rotation=True,
        rotation_period_in_days=180,
        deletion_window_in_days=30,
        policy=policy(
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
        opts=opts(),
    )


@member("g5-dynamodb-cmk-pitr", "encryption", False)
def _g_ddb(name: str, opts: Opts) -> None:
    _aws().dynamodb.Table(
        name,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        range_key="sk",
        attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
        deletion_protection_enabled=True,
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True, "kms_key_arn": KMS},
        opts=opts(protect=True),
    )


@member("g5-kinesis-kms", "encryption", False)
def _g_kinesis(name: str, opts: Opts) -> None:
    _aws().kinesis.Stream(
        name,
        name=name,
        encryption_type="KMS",
        kms_key_id="alias/perfcheck-prod-streams",
        stream_mode_details={"stream_mode": "ON_DEMAND"},
        retention_period=24,
        opts=opts(),
    )


@member("g5-aurora-compliant", "encryption", False)
def _g_aurora(name: str, opts: Opts) -> None:
    aws = _aws()
    aws.cloudwatch.LogGroup(
        f"{name}-postgresql",
        name=f"/aws/rds/cluster/{name}/postgresql",
        retention_in_days=90,
        kms_key_id=KMS,
        opts=opts(),
    )
    params = aws.rds.ClusterParameterGroup(
        f"{name}-params",
        name="perfcheck-prod-aurora-pg16",
        family="aurora-postgresql16",
        parameters=[
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1.2"},
        ],
        opts=opts(),
    )
    aws.rds.Cluster(
        name,
        cluster_identifier=name,
        engine="aurora-postgresql",
        engine_version="16.4",
        master_username="owner",
        manage_master_user_password=True,
        master_user_secret_kms_key_id=KMS,
        storage_encrypted=True,
        kms_key_id=KMS,
        deletion_protection=True,
        backup_retention_period=14,
        final_snapshot_identifier=f"{name}-final",
        skip_final_snapshot=False,
        copy_tags_to_snapshot=True,
        iam_database_authentication_enabled=True,
        enabled_cloudwatch_logs_exports=["postgresql"],
        db_cluster_parameter_group_name=params.name,
        opts=opts(protect=True),
    )


@member("g5-cache-required-tls", "transport", False)
def _g_cache(name: str, opts: Opts) -> None:
    _aws().elasticache.ReplicationGroup(
        name,
        description="sessions",
        engine="valkey",
        engine_version="8.0",
        node_type="cache.t4g.medium",
        num_cache_clusters=2,
        automatic_failover_enabled=True,
        multi_az_enabled=True,
        at_rest_encryption_enabled=True,
        kms_key_id=KMS,
        transit_encryption_enabled=True,
        transit_encryption_mode="required",
        auth_token=pulumi.Output.secret("generated-at-deploy-from-secrets-manager-000"),
        snapshot_retention_limit=7,
        log_delivery_configurations=[
            {
                "destination": "/perfcheck/prod/cache-slow",
                "destination_type": "cloudwatch-logs",
                "log_format": "json",
                "log_type": "slow-log",
            }
        ],
        opts=opts(protect=True),
    )


@member("g5-alb-listener-tls13", "transport", False)
def _g_listener(name: str, opts: Opts) -> None:
    _aws().lb.Listener(
        name,
        load_balancer_arn=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/perfcheck-prod-alb/0123456789abcdef",
        port=8443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificate_arn=CERT,
        default_actions=[
            {
                "type": "fixed-response",
                "fixed_response": {"content_type": "text/plain", "status_code": "404"},
            }
        ],
        opts=opts(),
    )


@member("g5-sg-egress-https", "exposure", False)
def _g_egress(name: str, opts: Opts) -> None:
    _aws().vpc.SecurityGroupEgressRule(
        name,
        security_group_id=SG,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        description="HTTPS to partner APIs",
        opts=opts(),
    )


@member("g5-sg-ingress-from-sg", "exposure", False)
def _g_ingress(name: str, opts: Opts) -> None:
    _aws().vpc.SecurityGroupIngressRule(
        name,
        security_group_id=SG,
        referenced_security_group_id="sg-0fedcba9876543210",
        ip_protocol="tcp",
        from_port=8080,
        to_port=8080,
        description="from the internal ALB",
        opts=opts(),
    )


@member("g5-log-group-kms-year", "logging", False)
def _g_log(name: str, opts: Opts) -> None:
    _aws().cloudwatch.LogGroup(
        name, name="/perfcheck/prod/jobs", retention_in_days=365, kms_key_id=KMS, opts=opts()
    )


@member("g5-ssm-securestring", "credentials", False)
def _g_ssm(name: str, opts: Opts) -> None:
    _aws().ssm.Parameter(
        name,
        name="/perfcheck/prod/partner-key",
        type="SecureString",
        key_id=KMS,
        value=pulumi.Output.secret("placeholder-rotated-by-ops"),
        opts=opts(),
    )


@member("g5-ssm-string-config", "credentials", False)
def _g_ssm_plain(name: str, opts: Opts) -> None:
    _aws().ssm.Parameter(
        name,
        name="/perfcheck/prod/feature-flags",
        type="String",
        value=json.dumps(
            {
                "newCheckout": True,
                "queueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:perfcheck-prod-jobs",
                "maxBatch": 25,
            }
        ),
        opts=opts(),
    )


@member("g5-lambda-public-keys", "credentials", False)
def _g_lambda_public(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "NEXT_PUBLIC_STRIPE_KEY": STRIPE_PUBLIC,
            "JWT_VERIFY_PUBLIC_KEY": PEM_PUBLIC,
            "RECAPTCHA_SITE_KEY": "6LcR3dT3amAAAAAWave5SiteKeyPublic01234_x",
        },
    )


@member("g5-lambda-safe-dsn-and-refs", "credentials", False)
def _g_lambda_dsn(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "DATABASE_URL": "postgresql://perfcheck_app@perfcheck-prod.proxy-abc.eu-west-1.rds.amazonaws.com:5432/app?sslmode=verify-full",
            "DB_PASSWORD_SECRET_ARN": SECRET_ARN,
            "ENCRYPTION_KEY_ARN": KMS,
            "COGNITO_AUTH_DOMAIN": "auth.perfcheck.example.com",
            "PASSWORD_MIN_LENGTH": "14",
        },
    )


@member("g5-lambda-ids-and-shas", "credentials", False)
def _g_lambda_ids(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "BUILD_SHA": "4f2a9c1e7b3d5f80a6c2e4b8d0f1a3c5e7b9d2f4",
            "TENANT_ID": "3f6c2b1a-9d8e-4c7b-a6f5-0e1d2c3b4a59",
            "IMAGE_DIGEST": "sha256:" + "9c" * 32,
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
        },
    )


@member("g5-container-engine-named-stateless", "efs-db", False)
def _g_engine_named(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "api",
                image=f"{ECR}/postgrest-gateway:12.2.3",
                environment=env(PGRST_DB_URI_SECRET_ARN=SECRET_ARN),
            )
        ],
    )


@member("g5-container-password-file-flag", "credentials", False)
def _g_pwfile(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "report",
                command=[
                    "node",
                    "report.js",
                    "--password-file=/run/secrets/db",
                    "--user=${DB_USER}",
                ],
                environment=env(DATABASE_URL="postgres://app:${DB_PASSWORD}@db.internal:5432/app"),
                secrets=[{"name": "DB_PASSWORD", "valueFrom": SECRET_ARN}],
            )
        ],
    )


@member("g5-launch-template-cloud-init", "credentials", False)
def _g_lt(name: str, opts: Opts) -> None:
    script = (
        "#cloud-config\npackages:\n  - amazon-cloudwatch-agent\n"
        "runcmd:\n  - systemctl enable --now amazon-cloudwatch-agent\n"
    )
    _aws().ec2.LaunchTemplate(
        name,
        image_id="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        metadata_options={
            "http_tokens": "required",
            "http_endpoint": "enabled",
            "http_put_response_hop_limit": 1,
        },
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": 30,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "kms_key_id": KMS,
                },
            }
        ],
        user_data=b64(script),
        opts=opts(),
    )


@member("g5-sfn-logged", "logging", False)
def _g_sfn(name: str, opts: Opts) -> None:
    _aws().sfn.StateMachine(
        name,
        role_arn=ROLE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        logging_configuration={
            "level": "ALL",
            "include_execution_data": False,
            "log_destination": LOG_GROUP_ARN + ":*",
        },
        tracing_configuration={"enabled": True},
        encryption_configuration={
            "type": "CUSTOMER_MANAGED_KMS_KEY",
            "kms_key_id": KMS,
            "kms_data_key_reuse_period_seconds": 300,
        },
        opts=opts(),
    )


@member("g5-secret-rotated-30d", "hollow", False)
def _g_secret(name: str, opts: Opts) -> None:
    aws = _aws()
    s = aws.secretsmanager.Secret(
        name,
        name_prefix="perfcheck/prod/partner-",
        kms_key_id=KMS,
        recovery_window_in_days=30,
        opts=opts(),
    )
    aws.secretsmanager.SecretRotation(
        f"{name}-rotation",
        secret_id=s.id,
        rotation_lambda_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfcheck-prod-rotate",
        rotation_rules={"automatically_after_days": 30},
        opts=opts(),
    )


@member("g5-waf-blocking", "hollow", False)
def _g_waf(name: str, opts: Opts) -> None:
    _aws().wafv2.WebAcl(
        name,
        scope="REGIONAL",
        default_action={"allow": {}},
        rules=[
            {
                "name": "common",
                "priority": 1,
                "override_action": {"none": {}},
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
            },
            {
                "name": "rate",
                "priority": 2,
                "action": {"block": {}},
                "statement": {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}},
                "visibility_config": {
                    "cloudwatch_metrics_enabled": True,
                    "metric_name": "rate",
                    "sampled_requests_enabled": True,
                },
            },
        ],
        visibility_config={
            "cloudwatch_metrics_enabled": True,
            "metric_name": name,
            "sampled_requests_enabled": True,
        },
        opts=opts(),
    )


@member("g5-alarm-wired", "hollow", False)
def _g_alarm(name: str, opts: Opts) -> None:
    _aws().cloudwatch.MetricAlarm(
        name,
        namespace="AWS/SQS",
        metric_name="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": "perfcheck-prod-jobs"},
        statistic="Maximum",
        period=60,
        evaluation_periods=5,
        threshold=600,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=[f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-alarms"],
        ok_actions=[f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-alarms"],
        opts=opts(),
    )


@member("g5-eks-private-logged", "logging", False)
def _g_eks(name: str, opts: Opts) -> None:
    _aws().eks.Cluster(
        name,
        role_arn=ROLE,
        version="1.31",
        vpc_config={
            "subnet_ids": SUBNETS,
            "endpoint_public_access": False,
            "endpoint_private_access": True,
        },
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KMS}},
        enabled_cluster_log_types=[
            "api",
            "audit",
            "authenticator",
            "controllerManager",
            "scheduler",
        ],
        opts=opts(),
    )


@member("g5-msk-tls", "transport", False)
def _g_msk(name: str, opts: Opts) -> None:
    _aws().msk.Cluster(
        name,
        cluster_name=name,
        kafka_version="3.7.x",
        number_of_broker_nodes=3,
        broker_node_group_info={
            "instance_type": "kafka.t3.small",
            "client_subnets": SUBNETS,
            "security_groups": [SG],
        },
        encryption_info={
            "encryption_at_rest_kms_key_arn": KMS,
            "encryption_in_transit": {"client_broker": "TLS", "in_cluster": True},
        },
        client_authentication={"sasl": {"iam": True}, "unauthenticated": False},
        logging_info={
            "broker_logs": {
                "cloudwatch_logs": {"enabled": True, "log_group": "/perfcheck/prod/msk"}
            }
        },
        opts=opts(),
    )


@member("g5-backup-vault-locked", "stateful", False)
def _g_vault(name: str, opts: Opts) -> None:
    aws = _aws()
    vault = aws.backup.Vault(name, name=name, kms_key_arn=KMS, opts=opts())
    aws.backup.VaultLockConfiguration(
        f"{name}-lock",
        backup_vault_name=vault.name,
        min_retention_days=7,
        max_retention_days=365,
        changeable_for_days=3,
        opts=opts(),
    )


@member("g5-scheduled-rule", "hollow", False)
def _g_ebrule(name: str, opts: Opts) -> None:
    aws = _aws()
    aws.cloudwatch.EventRule(
        name, name=name, schedule_expression="rate(1 hour)", state="ENABLED", opts=opts()
    )
    aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=name,
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfcheck-prod-report",
        opts=opts(),
    )


# ============================================================================================
# Batch 2: written after the first run's score, still without reading the rules.
# ============================================================================================
_BATCH[0] = 2

SUPABASE_ANON = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InBlcmZjaGVjayIsInJvbGUiOiJhbm9uIiwiaWF0IjoxNzMzMDAwMDAwfQ."
    "QW5vblB1YmxpY0tleUZvclJlZFRlYW1XYXZlNV8wMQ"
)


@member("w5-lambda-implicit-log-group", "runtime", True)
def _lambda_implicit(name: str, opts: Opts) -> None:
    _aws().lambda_.Function(
        name,
        name=name,
        runtime="python3.12",
        handler="app.handler",
        role=ROLE,
        code=pulumi.AssetArchive(
            {"app.py": pulumi.StringAsset("def handler(e, c):\n    return 1\n")}
        ),
        kms_key_arn=KMS,
        tracing_config={"mode": "Active"},
        opts=opts(),
    )


def _service(name: str, opts: Opts, **extra: object) -> None:
    _aws().ecs.Service(
        name,
        cluster=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/perfcheck-prod",
        task_definition=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/perfcheck-worker:3",
        desired_count=2,
        launch_type="FARGATE",
        network_configuration={
            "subnets": SUBNETS,
            "security_groups": [SG],
            "assign_public_ip": False,
        },
        deployment_circuit_breaker={"enable": True, "rollback": True},
        enable_execute_command=False,
        **extra,
        opts=opts(),
    )


@member("w5-ecs-managed-ebs-plain", "runtime", True)
def _ecs_ebs(name: str, opts: Opts) -> None:
    _service(
        name,
        opts,
        propagate_tags="SERVICE",
        volume_configuration={
            "name": "scratch",
            "managed_ebs_volume": {
                "role_arn": ROLE,
                "encrypted": False,
                "size_in_gb": 100,
                "volume_type": "gp3",
            },
        },
    )


@member("w5-ecs-no-tag-propagation", "runtime", True)
def _ecs_notags(name: str, opts: Opts) -> None:
    _service(name, opts, propagate_tags="NONE")


@member("w5-bedrock-guardrail-none", "hollow", True)
def _guardrail(name: str, opts: Opts) -> None:
    _aws().bedrock.Guardrail(
        name,
        name=name,
        blocked_input_messaging="Blocked.",
        blocked_outputs_messaging="Blocked.",
        kms_key_arn=KMS,
        content_policy_config={
            "filters_configs": [
                {"type": t, "input_strength": "NONE", "output_strength": "NONE"}
                for t in ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
            ]
        },
        opts=opts(),
    )


@member("w5-ses-tls-optional", "transport", True)
def _ses(name: str, opts: Opts) -> None:
    _aws().ses.ConfigurationSet(
        name, name=name, delivery_options={"tls_policy": "Optional"}, opts=opts()
    )


@member("w5-codepipeline-oauth-token", "credentials", True)
def _pipeline(name: str, opts: Opts) -> None:
    _aws().codepipeline.Pipeline(
        name,
        role_arn=ROLE,
        pipeline_type="V2",
        artifact_stores=[
            {"location": BUCKET, "type": "S3", "encryption_key": {"id": KMS, "type": "KMS"}}
        ],
        stages=[
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "GitHub",
                        "category": "Source",
                        "owner": "ThirdParty",
                        "provider": "GitHub",
                        "version": "1",
                        "output_artifacts": ["src"],
                        "configuration": {
                            "Owner": "acme",
                            "Repo": "perfcheck",
                            "Branch": "main",
                            "OAuthToken": GITHUB_PAT,
                        },
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    {
                        "name": "Build",
                        "category": "Build",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                        "input_artifacts": ["src"],
                        "configuration": {"ProjectName": "perfcheck-build"},
                    }
                ],
            },
        ],
        opts=opts(),
    )


@member("w5-nlb-internal-string-false", "exposure", True)
def _nlb(name: str, opts: Opts) -> None:
    _aws().lb.LoadBalancer(
        name,
        internal="false",  # the provider folds the string to a bool: internet-facing
        load_balancer_type="network",
        subnets=SUBNETS,
        enable_deletion_protection=True,
        access_logs={"bucket": BUCKET, "enabled": True},
        opts=opts(),
    )


@member("w5-guardduty-output-false", "hollow", True)
def _gd(name: str, opts: Opts) -> None:
    _aws().guardduty.Detector(
        name, enable=pulumi.Output.from_input(False).apply(lambda v: v), opts=opts()
    )


@member("w5-config-recorder-stopped", "hollow", True)
def _cfg(name: str, opts: Opts) -> None:
    _aws().cfg.RecorderStatus(name, name="default", is_enabled=False, opts=opts())


@member("w5-bucket-acl-public-write", "exposure", True)
def _acl(name: str, opts: Opts) -> None:
    _aws().s3.BucketAcl(name, bucket=BUCKET, acl="public-read-write", opts=opts())


def _distribution(name: str, opts: Opts, behaviour: dict, **extra: object) -> None:
    _aws().cloudfront.Distribution(
        name,
        enabled=True,
        origins=[
            {
                "origin_id": "assets",
                "domain_name": f"{BUCKET}.s3.{REGION}.amazonaws.com",
                "origin_access_control_id": "E2QWRUHAPOMQZL",
            }
        ],
        default_cache_behavior={
            "target_origin_id": "assets",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        ordered_cache_behaviors=[behaviour] if behaviour else None,
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        logging_config={"bucket": f"{BUCKET}.s3.amazonaws.com", "prefix": "cf/"},
        **extra,
        opts=opts(),
    )


@member("w5-cloudfront-second-no-waf", "exposure", True)
def _cf_second(name: str, opts: Opts) -> None:
    _distribution(
        name,
        opts,
        {},
        viewer_certificate={
            "cloudfront_default_certificate": True,
            "minimum_protocol_version": "TLSv1",
        },
    )


@member("w5-cloudfront-ordered-allow-all", "transport", True)
def _cf_allow_all(name: str, opts: Opts) -> None:
    _distribution(
        name,
        opts,
        {
            "path_pattern": "/legacy/*",
            "target_origin_id": "assets",
            "viewer_protocol_policy": "allow-all",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        web_acl_id=f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/perfcheck-prod/abcd",
        viewer_certificate={
            "acm_certificate_arn": CERT.replace(REGION, "us-east-1"),
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
    )


@member("w5-alb-public-http-forward", "exposure", True)
def _alb_public(name: str, opts: Opts) -> None:
    aws = _aws()
    alb = aws.lb.LoadBalancer(
        name,
        internal=False,
        load_balancer_type="application",
        subnets=SUBNETS,
        security_groups=[SG],
        drop_invalid_header_fields=True,
        enable_deletion_protection=True,
        access_logs={"bucket": BUCKET, "enabled": True},
        opts=opts(),
    )
    aws.lb.Listener(
        f"{name}-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[
            {
                "type": "forward",
                "target_group_arn": (
                    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
                    ":targetgroup/perfcheck-blue/0123456789abcdef"
                ),
            }
        ],
        opts=opts(),
    )


@member("w5-sg-inline-redis-world", "exposure", True)
def _sg_inline(name: str, opts: Opts) -> None:
    _aws().ec2.SecurityGroup(
        name,
        vpc_id=VPC,
        description="cache clients",
        ingress=[
            {
                "protocol": "tcp",
                "from_port": 6379,
                "to_port": 6379,
                "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"],
                "description": "clients",
            }
        ],
        egress=[],
        opts=opts(),
    )


@member("w5-sg-protocol-uppercase-ssh", "exposure", True)
def _sg_upper(name: str, opts: Opts) -> None:
    _aws().vpc.SecurityGroupIngressRule(
        name,
        security_group_id=SG,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="TCP",
        from_port=22,
        to_port=22,
        description="bastion",
        opts=opts(),
    )


@member("w5-trust-any-account-root", "exposure", True)
def _trust_any(name: str, opts: Opts) -> None:
    _aws().iam.Role(
        name,
        path="/perfcheck/prod/",
        assume_role_policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::*:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        opts=opts(),
    )


@member("w5-policy-allow-notaction", "exposure", True)
def _notaction(name: str, opts: Opts) -> None:
    _aws().iam.Policy(
        name,
        path="/perfcheck/prod/",
        policy=policy(
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
        ),
        opts=opts(),
    )


@member("w5-iam-user-access-key", "credentials", True)
def _access_key(name: str, opts: Opts) -> None:
    aws = _aws()
    user = aws.iam.User(name, name=name, path="/perfcheck/prod/", opts=opts())
    aws.iam.AccessKey(f"{name}-key", user=user.name, opts=opts())


@member("w5-cache-serverless-unbounded", "cost", True)
def _serverless_cache(name: str, opts: Opts) -> None:
    _aws().elasticache.ServerlessCache(
        name,
        name=name,
        engine="valkey",
        major_engine_version="8",
        kms_key_id=KMS,
        subnet_ids=SUBNETS,
        security_group_ids=[SG],
        snapshot_retention_limit=7,
        opts=opts(),
    )


@member("w5-aurora-serverless-256acu", "cost", True)
def _aurora_big(name: str, opts: Opts) -> None:
    _aws().rds.Cluster(
        name,
        cluster_identifier=name,
        engine="aurora-postgresql",
        engine_mode="provisioned",
        engine_version="16.4",
        master_username="owner",
        manage_master_user_password=True,
        storage_encrypted=True,
        kms_key_id=KMS,
        deletion_protection=True,
        backup_retention_period=14,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        serverlessv2_scaling_configuration={"min_capacity": 64, "max_capacity": 256},
        opts=opts(protect=True),
    )


@member("w5-lambda-provisioned-1000", "cost", True)
def _provisioned(name: str, opts: Opts) -> None:
    _aws().lambda_.ProvisionedConcurrencyConfig(
        name,
        function_name="perfcheck-prod-report",
        qualifier="live",
        provisioned_concurrent_executions=1000,
        opts=opts(),
    )


@member("w5-container-key-in-healthcheck", "credentials", True)
def _ecs_hc(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "gateway",
                healthCheck={
                    "command": [
                        "CMD-SHELL",
                        "wget -qO- --header 'X-Api-Key: 9f8e7d6c5b4a39281706f5e4d3c2b1a0'"
                        " http://127.0.0.1:8080/health || exit 1",
                    ],
                    "interval": 15,
                    "timeout": 5,
                    "retries": 3,
                },
            )
        ],
    )


@member("w5-container-cifs-password-opts", "credentials", True)
def _ecs_cifs(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "share",
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "share", "containerPath": "/mnt/share"},
                ],
            )
        ],
        [
            {"name": "tmp"},
            {
                "name": "share",
                "dockerVolumeConfiguration": {
                    "scope": "task",
                    "driver": "local",
                    "driverOpts": {
                        "type": "cifs",
                        "device": "//10.0.4.20/export",
                        "o": "addr=10.0.4.20,username=svc-export,password=Cifs-Export-2026!",
                    },
                },
            },
        ],
    )


@member("w5-lambda-b64-json-secret", "credentials", True)
def _lambda_b64json(name: str, opts: Opts) -> None:
    blob = b64(
        json.dumps({"client_id": "perfcheck-reporting", "client_secret": "cs-8Hq2Lx9wRt4mZp8nVb3K"})
    )
    lambda_fn(name, opts, {"OAUTH_CLIENT": blob})


@member("w5-lambda-aws-key-pair", "credentials", True)
def _lambda_keypair(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "UPLOAD_CREDS": "AKIA"
            + "R3DT3AMWAVE5FAKE"
            + ":"
            + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYR3DT3AMW5"
        },
    )


@member("w5-ssm-stringlist-password", "credentials", True)
def _ssm_list(name: str, opts: Opts) -> None:
    _aws().ssm.Parameter(
        name,
        name="/perfcheck/prod/ftp",
        type="StringList",
        value="svc-ftp,Ftp-Pa55-Prod-2026,ftp.partner.example.com",
        opts=opts(),
    )


@member("w5-batch-command-token", "credentials", True)
def _batch_cmd(name: str, opts: Opts) -> None:
    _aws().batch.JobDefinition(
        name,
        name=name,
        type="container",
        platform_capabilities=["FARGATE"],
        container_properties=json.dumps(
            {
                "image": f"{ECR}/perfcheck-sync:1.0.0{PINNED}",
                "command": ["sync", "--repo", "acme/perfcheck", "--token", GITHUB_PAT],
                "resourceRequirements": [
                    {"type": "VCPU", "value": "1"},
                    {"type": "MEMORY", "value": "2048"},
                ],
                "executionRoleArn": ROLE,
                "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
                "logConfiguration": {"logDriver": "awslogs"},
            }
        ),
        opts=opts(),
    )


@member("w5-eks-nodes-ssh-anywhere", "exposure", True)
def _eks_ssh(name: str, opts: Opts) -> None:
    _aws().eks.NodeGroup(
        name,
        cluster_name="perfcheck-ml",
        node_role_arn=ROLE,
        subnet_ids=SUBNETS,
        instance_types=["t4g.medium"],
        scaling_config={"desired_size": 2, "min_size": 2, "max_size": 3},
        remote_access={"ec2_ssh_key": "ops-2026"},  # no source groups: AWS opens 22 to 0.0.0.0/0
        opts=opts(),
    )


@member("w5-launch-template-public-eni", "exposure", True)
def _lt_eni(name: str, opts: Opts) -> None:
    _aws().ec2.LaunchTemplate(
        name,
        image_id="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        network_interfaces=[
            {
                "associate_public_ip_address": "true",
                "subnet_id": SUBNETS[0],
                "security_groups": [SG],
            }
        ],
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": 30,
                    "volume_type": "gp3",
                    "encrypted": True,
                    "kms_key_id": KMS,
                },
            }
        ],
        opts=opts(),
    )


@member("w5-memorydb-open-access-acl", "hollow", True)
def _memorydb_open(name: str, opts: Opts) -> None:
    _aws().memorydb.Cluster(
        name,
        name=name,
        acl_name="open-access",
        node_type="db.t4g.small",
        num_shards=1,
        num_replicas_per_shard=1,
        tls_enabled=True,
        kms_key_arn=KMS,
        snapshot_retention_limit=7,
        opts=opts(protect=True),
    )


@member("w5-cache-no-auth", "hollow", True)
def _cache_noauth(name: str, opts: Opts) -> None:
    _aws().elasticache.ReplicationGroup(
        name,
        description="jobs cache",
        engine="valkey",
        engine_version="8.0",
        node_type="cache.t4g.medium",
        num_cache_clusters=2,
        automatic_failover_enabled=True,
        multi_az_enabled=True,
        at_rest_encryption_enabled=True,
        kms_key_id=KMS,
        transit_encryption_enabled=True,
        transit_encryption_mode="required",
        snapshot_retention_limit=7,
        opts=opts(protect=True),
    )


@member("w5-docdb-tls-disabled", "transport", True)
def _docdb_tls(name: str, opts: Opts) -> None:
    _aws().docdb.ClusterParameterGroup(
        name, family="docdb5.0", parameters=[{"name": "tls", "value": "disabled"}], opts=opts()
    )


@member("w5-restapi-method-no-auth", "exposure", True)
def _method(name: str, opts: Opts) -> None:
    aws = _aws()
    api = aws.apigateway.RestApi(
        name, name=name, endpoint_configuration={"types": "EDGE"}, opts=opts()
    )
    aws.apigateway.Method(
        f"{name}-any",
        rest_api=api.id,
        resource_id=api.root_resource_id,
        http_method="ANY",
        authorization="NONE",
        api_key_required=False,
        opts=opts(),
    )


@member("w5-ecr-mutable-no-scan", "hollow", True)
def _ecr_mutable(name: str, opts: Opts) -> None:
    _aws().ecr.Repository(
        name,
        name="perfcheck-prod/tools",
        image_tag_mutability="MUTABLE",
        image_scanning_configuration={"scan_on_push": False},
        encryption_configurations=[{"encryption_type": "KMS", "kms_key": KMS}],
        opts=opts(),
    )


@member("w5-ecr-mutable-exclusion-star", "hollow", True)
def _ecr_exclusion(name: str, opts: Opts) -> None:
    _aws().ecr.Repository(
        name,
        name="perfcheck-prod/jobs",
        image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
        image_tag_mutability_exclusion_filters=[{"filter": "*", "filter_type": "WILDCARD"}],
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[{"encryption_type": "KMS", "kms_key": KMS}],
        opts=opts(),
    )


@member("w5-secret-no-recovery-window", "stateful", True)
def _secret_norecovery(name: str, opts: Opts) -> None:
    _aws().secretsmanager.Secret(
        name,
        name_prefix="perfcheck/prod/export-",
        kms_key_id=KMS,
        recovery_window_in_days=0,
        opts=opts(),
    )


@member("w5-rds-skip-final-snapshot", "stateful", True)
def _rds_skip(name: str, opts: Opts) -> None:
    _aws().rds.Instance(
        name,
        identifier=name,
        engine="postgres",
        engine_version="17.2",
        instance_class="db.t4g.medium",
        allocated_storage=50,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=KMS,
        multi_az=True,
        manage_master_user_password=True,
        username="owner",
        backup_retention_period=14,
        deletion_protection=True,
        skip_final_snapshot=True,
        iam_database_authentication_enabled=True,
        publicly_accessible=False,
        enabled_cloudwatch_logs_exports=["postgresql"],
        opts=opts(protect=True),
    )


def _efs_volume(volume: str) -> dict:
    return {
        "name": volume,
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }


@member("w5-efs-etcd-data-dir", "efs-db", True)
def _efs_etcd(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "coord",
                image=f"{ECR}/coordination:3.5.17",
                command=["etcd", "--name", "node0", "--data-dir", "/state/etcd"],
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "state", "containerPath": "/state"},
                ],
            )
        ],
        [{"name": "tmp"}, _efs_volume("state")],
    )


@member("w5-efs-postgres-in-batch", "efs-db", True)
def _efs_batch(name: str, opts: Opts) -> None:
    _aws().batch.JobDefinition(
        name,
        name=name,
        type="container",
        platform_capabilities=["FARGATE"],
        container_properties=json.dumps(
            {
                "image": f"public.ecr.aws/docker/library/postgres:16{PINNED}",
                "resourceRequirements": [
                    {"type": "VCPU", "value": "1"},
                    {"type": "MEMORY", "value": "2048"},
                ],
                "executionRoleArn": ROLE,
                "volumes": [_efs_volume("pg")],
                "mountPoints": [
                    {"sourceVolume": "pg", "containerPath": "/var/lib/postgresql/data"}
                ],
                "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
                "logConfiguration": {"logDriver": "awslogs"},
            }
        ),
        opts=opts(),
    )


@member("w5-tags-environment-mismatch", "tags", True, tagged=False)
def _tags_env(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name, kms_master_key_id=KMS, tags={**PROD_TAGS, "Environment": "staging"}, opts=opts()
    )


@member("w5-tags-blank-owner", "tags", True, tagged=False)
def _tags_blank(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(name, kms_master_key_id=KMS, tags={**PROD_TAGS, "Owner": " "}, opts=opts())


# ---------------------------------------------------------------------------- batch 2, good


@member("g5-ses-tls-require", "transport", False)
def _g_ses(name: str, opts: Opts) -> None:
    _aws().ses.ConfigurationSet(
        name, name=name, delivery_options={"tls_policy": "Require"}, opts=opts()
    )


@member("g5-bedrock-guardrail-high", "hollow", False)
def _g_guardrail(name: str, opts: Opts) -> None:
    _aws().bedrock.Guardrail(
        name,
        name=name,
        blocked_input_messaging="Blocked.",
        blocked_outputs_messaging="Blocked.",
        kms_key_arn=KMS,
        content_policy_config={
            "filters_configs": [
                {"type": t, "input_strength": "HIGH", "output_strength": "HIGH"}
                for t in ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
            ]
        },
        opts=opts(),
    )


@member("g5-trust-partner-external-id", "exposure", False)
def _g_trust(name: str, opts: Opts) -> None:
    _aws().iam.Role(
        name,
        path="/perfcheck/prod/",
        assume_role_policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:role/partner-reporting"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "perfcheck-prod-reporting"}},
            }
        ),
        opts=opts(),
    )


@member("g5-ecr-immutable-scanned", "hollow", False)
def _g_ecr(name: str, opts: Opts) -> None:
    _aws().ecr.Repository(
        name,
        name="perfcheck-prod/reports",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[{"encryption_type": "KMS", "kms_key": KMS}],
        opts=opts(),
    )


@member("g5-docdb-tls-enabled", "transport", False)
def _g_docdb(name: str, opts: Opts) -> None:
    _aws().docdb.ClusterParameterGroup(
        name, family="docdb5.0", parameters=[{"name": "tls", "value": "enabled"}], opts=opts()
    )


@member("g5-lambda-b64-config-and-anon-key", "credentials", False)
def _g_lambda_b64(name: str, opts: Opts) -> None:
    lambda_fn(
        name,
        opts,
        {
            "APP_CONFIG": b64(json.dumps({"region": REGION, "batch": 25, "features": ["reports"]})),
            "NEXT_PUBLIC_SUPABASE_ANON_KEY": SUPABASE_ANON,
        },
    )


@member("g5-efs-uploads-worker", "efs-db", False)
def _g_efs_uploads(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "thumbnails",
                command=["node", "thumbnails.js", "--out", "/app/uploads/thumbs"],
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "uploads", "containerPath": "/app/uploads"},
                ],
            )
        ],
        [{"name": "tmp"}, _efs_volume("uploads")],
    )


@member("g5-container-cache-exporter", "efs-db", False)
def _g_exporter(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "redis-exporter",
                image=f"{ECR}/redis_exporter:v1.66.0",
                environment=env(
                    REDIS_ADDR="rediss://master.perfcheck-prod-cache.abc123.euw1.cache.amazonaws.com:6379"
                ),
                secrets=[{"name": "REDIS_PASSWORD", "valueFrom": SECRET_ARN}],
            )
        ],
    )


@member("g5-ssm-string-public-key", "credentials", False)
def _g_ssm_pub(name: str, opts: Opts) -> None:
    _aws().ssm.Parameter(
        name, name="/perfcheck/prod/jwt-verify-key", type="String", value=PEM_PUBLIC, opts=opts()
    )


@member("g5-launch-template-private-eni", "exposure", False)
def _g_lt_eni(name: str, opts: Opts) -> None:
    _aws().ec2.LaunchTemplate(
        name,
        image_id="ami-0a1b2c3d4e5f60718",
        instance_type="t4g.small",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        network_interfaces=[
            {
                "associate_public_ip_address": "false",
                "subnet_id": SUBNETS[0],
                "security_groups": [SG],
            }
        ],
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": 30,
                    "volume_type": "gp3",
                    "encrypted": True,
                    "kms_key_id": KMS,
                },
            }
        ],
        opts=opts(),
    )


@member("g5-queue-extra-tags", "tags", False, tagged=False)
def _g_tags(name: str, opts: Opts) -> None:
    _aws().sqs.Queue(
        name,
        kms_master_key_id=KMS,
        tags={**PROD_TAGS, "DataClassification": "internal"},
        opts=opts(),
    )


@member("g5-sg-ingress-vpc-cidr", "exposure", False)
def _g_sg_vpc(name: str, opts: Opts) -> None:
    _aws().vpc.SecurityGroupIngressRule(
        name,
        security_group_id=SG,
        cidr_ipv4="10.40.0.0/16",
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        description="from the VPC",
        opts=opts(),
    )


# ============================================================================================
# Batch 3: written after black-box probes of batch 1 and 2 (rules still unread): paths the
# kernel normalises, engines told where their data is, log groups AWS creates at run time.
# ============================================================================================
_BATCH[0] = 3


def _efs_engine_task(name: str, opts: Opts, path: str, **overrides: object) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "engine",
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {"sourceVolume": "data", "containerPath": path},
                ],
                **overrides,
            )
        ],
        [{"name": "tmp"}, _efs_volume("data")],
    )


@member("w5-efs-mysql-double-slash", "efs-db", True)
def _efs_slash(name: str, opts: Opts) -> None:
    _efs_engine_task(
        name, opts, "//var/lib//mysql/", image="public.ecr.aws/docker/library/mysql:8.4"
    )


@member("w5-efs-postgres-trailing-dot", "efs-db", True)
def _efs_dot(name: str, opts: Opts) -> None:
    _efs_engine_task(
        name, opts, "/var/lib/postgresql/data/.", image="public.ecr.aws/docker/library/postgres:17"
    )


@member("w5-efs-pgdata-env", "efs-db", True)
def _efs_pgdata(name: str, opts: Opts) -> None:
    _efs_engine_task(
        name,
        opts,
        "/srv/store",
        image=f"{ECR}/reporting-db:17.2",
        environment=env(PGDATA="/srv/store/pg17", POSTGRES_DB="reports"),
    )


@member("w5-efs-redis-aof", "efs-db", True)
def _efs_redis(name: str, opts: Opts) -> None:
    _efs_engine_task(
        name,
        opts,
        "/persist",
        image=f"{ECR}/session-store:7.4",
        command=["redis-server", "--appendonly", "yes", "--dir", "/persist"],
    )


@member("w5-rds-exports-undeclared-log-group", "runtime", True)
def _rds_exports(name: str, opts: Opts) -> None:
    _aws().rds.Instance(
        name,
        identifier=name,
        engine="postgres",
        engine_version="17.2",
        instance_class="db.t4g.medium",
        allocated_storage=50,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=KMS,
        multi_az=True,
        manage_master_user_password=True,
        username="owner",
        backup_retention_period=14,
        deletion_protection=True,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        publicly_accessible=False,
        enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
        opts=opts(protect=True),
    )


@member("w5-container-awslogs-create-group", "runtime", True)
def _awslogs_create(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "reporter",
                logConfiguration={
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/perfcheck-reporter-undeclared",
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "reporter",
                        "awslogs-create-group": "true",
                    },
                },
            )
        ],
    )


# ---------------------------------------------------------------------------- batch 3, good


@member("g5-rds-exports-declared-log-group", "runtime", False)
def _g_rds_exports(name: str, opts: Opts) -> None:
    aws = _aws()
    for log in ("postgresql", "upgrade"):
        aws.cloudwatch.LogGroup(
            f"{name}-{log}",
            name=f"/aws/rds/instance/{name}/{log}",
            retention_in_days=90,
            kms_key_id=KMS,
            opts=opts(),
        )
    aws.rds.Instance(
        name,
        identifier=name,
        engine="postgres",
        engine_version="17.2",
        instance_class="db.t4g.medium",
        allocated_storage=50,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=KMS,
        multi_az=True,
        manage_master_user_password=True,
        username="owner",
        backup_retention_period=14,
        deletion_protection=True,
        final_snapshot_identifier=f"{name}-final",
        iam_database_authentication_enabled=True,
        publicly_accessible=False,
        enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
        opts=opts(protect=True),
    )


@member("g5-container-pgdata-name-no-efs", "efs-db", False)
def _g_pgdata(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "migrator",
                image=f"{ECR}/perfcheck-migrate:3.1.0",
                environment=env(
                    PGDATABASE="app", PGHOST="perfcheck-prod.proxy-abc.eu-west-1.rds.amazonaws.com"
                ),
                secrets=[{"name": "PGPASSWORD", "valueFrom": SECRET_ARN}],
            )
        ],
    )


@member("g5-efs-static-assets-read-only", "efs-db", False)
def _g_efs_assets(name: str, opts: Opts) -> None:
    ecs_task(
        name,
        opts,
        [
            worker(
                "assets",
                image=f"{ECR}/perfcheck-assets:1.2.0",
                mountPoints=[
                    {"sourceVolume": "tmp", "containerPath": "/tmp"},
                    {
                        "sourceVolume": "assets",
                        "containerPath": "/usr/share/assets",
                        "readOnly": True,
                    },
                ],
            )
        ],
        [{"name": "tmp"}, _efs_volume("assets")],
    )
