"""Type families: one property, every AWS type that has it (pulumi-aws 7 input names).

A rule written for the type the app uses today (an RDS instance) passes the one next to it (the
cluster, the global cluster, the DocumentDB cluster) unseen. Where one property means the same
thing across a family of types, the rule judges the family from the tables here: type token ->
property path. `tests/policies/test_type_families.py` checks every entry against the installed
pulumi_aws (the type exists, every path segment is an input of that type), so a typo fails.

A path is a tuple of input names; "*" stands for every element of a list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from perfcheck_policykit import InvalidJson, ResourceContext, values
from perfcheck_policykit import aws_types as T


@dataclass(frozen=True)
class Setting:
    """How one type states a property: the input path and what a compliant value is.

    kind: "true" (a boolean that must be true; absent is `default`), "set" (a non-empty value,
    e.g. a key ARN), "one-of" (a string among `allowed`, compared case-insensitively), "at-least"
    (a number, absent is `default`), "always" (AWS applies it unconditionally: nothing to set).
    """

    path: tuple[str, ...]
    kind: str
    allowed: tuple[str, ...] = ()
    default: object = None
    why: str = ""


def _true(*path: str, default: object = None, why: str = "") -> Setting:
    return Setting(tuple(path), "true", default=default, why=why)


def _set(*path: str, why: str = "") -> Setting:
    return Setting(tuple(path), "set", why=why)


def _always(why: str) -> Setting:
    return Setting((), "always", why=why)


# -- which types belong to a family: by the inputs AWS gives them ----------------------------

FAMILY_INPUTS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # family: (constructor inputs, snake_case, that make a type a member; tags of its rules)
    "encryption at rest": (
        frozenset(
            {
                "storage_encrypted",
                "encrypted",
                "encrypt_at_rest",
                "at_rest_encryption_enabled",
                "server_side_encryption",
                "server_side_encryption_configuration",
                "sse_specification",
                "encryption_at_rest",
                "encryption_configuration",
                "encryption_configurations",
                "encryption_info",
                "kms_key_id",
                "kms_key_arn",
                "kms_master_key_id",
            }
        ),
        frozenset({"encryption-at-rest"}),
    ),
    "TLS in transit": (
        frozenset(
            {
                "ssl_policy",
                "security_policy",
                "minimum_tls_version",
                "min_tls_version",
                "tls_policy",
                "require_tls",
                "transit_encryption_enabled",
                "encryption_in_transit",
            }
        ),
        frozenset({"encryption-in-transit"}),
    ),
    "public access": (
        frozenset({"publicly_accessible", "associate_public_ip_address", "internal"}),
        frozenset({"network", "exposure"}),
    ),
}
"""A type whose constructor takes one of a family's inputs belongs to the family, and must be
judged by a rule carrying one of its tags (judged_types.py; members generated from pulumi-aws
into family_members.json). Credentials and cost judge every type by construction: the scanner
reads every string input of every resource, and the estimate prices, frees or bounds each."""

# -- encryption at rest ----------------------------------------------------------------------

ENCRYPTION_AT_REST: Final[dict[str, tuple[Setting, ...]]] = {
    # Judged by the dedicated rules (rds-storage-encrypted, efs-encrypted, ebs-volume-encrypted,
    # elasticache-encrypted-at-rest, sns-topic-encrypted); listed so the schema test covers them.
    T.RDS_INSTANCE: (_true("storageEncrypted"),),
    T.RDS_CLUSTER: (_true("storageEncrypted"),),
    T.EFS_FILE_SYSTEM: (_true("encrypted"),),
    T.EBS_VOLUME: (_true("encrypted"),),
    T.EC2_INSTANCE: (
        _true("rootBlockDevice", "encrypted"),
        _true("ebsBlockDevices", "*", "encrypted"),
    ),
    T.EC2_LAUNCH_TEMPLATE: (_true("blockDeviceMappings", "*", "ebs", "encrypted"),),
    T.ELASTICACHE_REPLICATION_GROUP: (_true("atRestEncryptionEnabled"),),
    T.SNS_TOPIC: (_set("kmsMasterKeyId"),),
    # Judged by data-encrypted-at-rest (the rest of the family).
    "aws:rds/globalCluster:GlobalCluster": (_true("storageEncrypted"),),
    "aws:rds/snapshotCopy:SnapshotCopy": (
        _set("kmsKeyId", why="a copy is encrypted with this key (an unencrypted source stays so)"),
    ),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": (_set("kmsKeyId"),),
    "aws:docdb/cluster:Cluster": (_true("storageEncrypted"),),
    "aws:neptune/cluster:Cluster": (_true("storageEncrypted"),),
    "aws:redshift/cluster:Cluster": (_true("encrypted"),),
    T.DYNAMODB_TABLE: (
        _true(
            "serverSideEncryption",
            "enabled",
            why="false leaves the AWS-owned key, which no key policy or audit trail controls",
        ),
    ),
    "aws:opensearch/domain:Domain": (_true("encryptAtRest", "enabled"),),
    "aws:elasticsearch/domain:Domain": (_true("encryptAtRest", "enabled"),),
    "aws:kinesis/stream:Stream": (Setting(("encryptionType",), "one-of", ("KMS",)),),
    "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings": (
        Setting(
            ("dataCatalogEncryptionSettings", "encryptionAtRest", "catalogEncryptionMode"),
            "one-of",
            ("SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"),
        ),
    ),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (
        _true("serverSideEncryption", "enabled"),
    ),
    "aws:sqs/queue:Queue": (
        # Either SSE-KMS (a key) or SSE-SQS stated explicitly; absent means whatever the
        # account default is at creation time.
        _set("kmsMasterKeyId"),
        _true("sqsManagedSseEnabled"),
    ),
    "aws:ebs/snapshotCopy:SnapshotCopy": (_true("encrypted"),),
    "aws:msk/cluster:Cluster": (_always("MSK always encrypts broker storage (AWS-managed key)"),),
    T.ELASTICACHE_SERVERLESS: (_always("ElastiCache Serverless always encrypts data at rest"),),
    T.MEMORYDB_CLUSTER: (_always("MemoryDB always encrypts data at rest"),),
    "aws:backup/vault:Vault": (_always("AWS Backup always encrypts recovery points"),),
    "aws:scheduler/schedule:Schedule": (
        _always("EventBridge Scheduler always encrypts schedules (AWS-owned key by default)"),
    ),
    # Judged for their control by control-not-switched-off; at rest AWS encrypts them always
    # (an AWS-owned or S3-managed key unless a customer key is given; from memory).
    "aws:sfn/stateMachine:StateMachine": (
        _always("Step Functions always encrypts state machine data at rest"),
    ),
    "aws:bedrock/guardrail:Guardrail": (_always("Bedrock always encrypts guardrails at rest"),),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        _set("kmsKeyId", why="the replicated backups are encrypted with this key in their region"),
    ),
    "aws:ecr/repository:Repository": (
        _always(
            "ECR always encrypts images at rest (AES-256 with S3-managed keys by default, or "
            "KMS; ECR User Guide, 'Encryption at rest')"
        ),
    ),
    "aws:apprunner/service:Service": (
        _always("App Runner encrypts the service's source at rest (an AWS managed key by default)"),
    ),
    "aws:lambda/function:Function": (
        _always(
            "Lambda always encrypts environment variables and code at rest (AWS managed key "
            "aws/lambda by default; Lambda Developer Guide, 'Data encryption at rest')"
        ),
    ),
}
"""Type -> the settings that encrypt it at rest; alternatives: any one of them suffices."""

DEDICATED_AT_REST_TYPES: Final = frozenset(
    {
        T.RDS_INSTANCE,
        T.RDS_CLUSTER,
        T.EFS_FILE_SYSTEM,
        T.EBS_VOLUME,
        T.EC2_INSTANCE,
        T.EC2_LAUNCH_TEMPLATE,
        T.ELASTICACHE_REPLICATION_GROUP,
        T.SNS_TOPIC,
    }
)
"""Family members judged by their own rule (richer logic: replicas, launch templates, ...)."""

# -- public access ---------------------------------------------------------------------------

PUBLICLY_ACCESSIBLE: Final[dict[str, tuple[str, ...]]] = {
    T.RDS_INSTANCE: ("publiclyAccessible",),
    T.RDS_CLUSTER_INSTANCE: ("publiclyAccessible",),
    "aws:neptune/clusterInstance:ClusterInstance": ("publiclyAccessible",),
    "aws:redshift/cluster:Cluster": ("publiclyAccessible",),
    "aws:redshiftserverless/workgroup:Workgroup": ("publiclyAccessible",),
    "aws:dms/replicationInstance:ReplicationInstance": ("publiclyAccessible",),
}
"""Type -> the boolean that gives a data store a public endpoint (must not be true)."""

# -- deletion protection and backups ---------------------------------------------------------

DELETION_PROTECTION: Final[dict[str, tuple[str, ...]]] = {
    T.RDS_INSTANCE: ("deletionProtection",),
    T.RDS_CLUSTER: ("deletionProtection",),
    "aws:rds/globalCluster:GlobalCluster": ("deletionProtection",),
    "aws:docdb/cluster:Cluster": ("deletionProtection",),
    "aws:neptune/cluster:Cluster": ("deletionProtection",),
    T.DYNAMODB_TABLE: ("deletionProtectionEnabled",),
}
"""Type -> the boolean that refuses a delete (must be true)."""

BACKUP_RETENTION: Final[dict[str, Setting]] = {
    T.RDS_INSTANCE: Setting(("backupRetentionPeriod",), "at-least", default=1),
    T.RDS_CLUSTER: Setting(("backupRetentionPeriod",), "at-least", default=1),
    "aws:docdb/cluster:Cluster": Setting(("backupRetentionPeriod",), "at-least", default=1),
    "aws:neptune/cluster:Cluster": Setting(("backupRetentionPeriod",), "at-least", default=1),
    "aws:redshift/cluster:Cluster": Setting(
        ("automatedSnapshotRetentionPeriod",), "at-least", default=1
    ),
    T.MEMORYDB_CLUSTER: Setting(("snapshotRetentionLimit",), "at-least", default=0),
    T.DYNAMODB_TABLE: _true(
        "pointInTimeRecovery", "enabled", why="continuous backups (point-in-time recovery)"
    ),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": Setting(
        ("minRetentionDays",), "at-least", default=0
    ),
}
"""Type -> how many days of automated backups it keeps (or whether it keeps them at all); a
Backup vault lock, how many days it keeps every recovery point (unset: none, deletable at once)."""
RECOVERY_WINDOW: Final[dict[str, Setting]] = {
    T.DYNAMODB_TABLE: Setting(
        ("pointInTimeRecovery", "recoveryPeriodInDays"), "at-least", default=35
    ),
}
"""Type -> how many days back point-in-time recovery reaches, once on (AWS: 1-35, default 35)."""

# -- TLS minimum of front doors other than CloudFront and load balancers ---------------------

TLS_12_API_GATEWAY: Final = ("TLS_1_2",)
"""HTTP/WebSocket domain names (apigatewayv2's SecurityPolicy: TLS_1_0 or TLS_1_2)."""
TLS_12_REST_API: Final = (
    "TLS_1_2",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
)
"""REST APIs and their domain names: botocore's apigateway SecurityPolicy less TLS_1_0 (the
enhanced `SecurityPolicy_*` policies accept TLS 1.2 at the lowest; API Gateway Developer Guide,
"Security policies for REST APIs"); tests/policies/test_type_families.py checks the list."""
REST_API: Final = "aws:apigateway/restApi:RestApi"
TLS_12_OPENSEARCH: Final = ("Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10")

TLS_MINIMUM: Final[dict[str, Setting]] = {
    "aws:apigateway/domainName:DomainName": Setting(("securityPolicy",), "one-of", TLS_12_REST_API),
    REST_API: Setting(("securityPolicy",), "one-of", TLS_12_REST_API),
    "aws:apigatewayv2/domainName:DomainName": Setting(
        ("domainNameConfiguration", "securityPolicy"), "one-of", TLS_12_API_GATEWAY
    ),
    "aws:opensearch/domain:Domain": Setting(
        ("domainEndpointOptions", "tlsSecurityPolicy"), "one-of", TLS_12_OPENSEARCH
    ),
    "aws:elasticsearch/domain:Domain": Setting(
        ("domainEndpointOptions", "tlsSecurityPolicy"), "one-of", TLS_12_OPENSEARCH
    ),
    "aws:msk/cluster:Cluster": Setting(
        ("encryptionInfo", "encryptionInTransit", "clientBroker"), "one-of", ("TLS",), "TLS"
    ),
}
"""Type -> the setting that fixes its clients' minimum TLS version (or TLS-only)."""

HTTPS_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "aws:opensearch/domain:Domain": ("domainEndpointOptions", "enforceHttps"),
    "aws:elasticsearch/domain:Domain": ("domainEndpointOptions", "enforceHttps"),
}
"""Type -> the boolean that refuses plain HTTP on the endpoint (must be true)."""

IN_TRANSIT_INSIDE: Final[dict[str, Setting]] = {
    "aws:msk/cluster:Cluster": _true(
        "encryptionInfo", "encryptionInTransit", "inCluster", default=True
    ),
    "aws:opensearch/domain:Domain": _true("nodeToNodeEncryption", "enabled", default=False),
    "aws:elasticsearch/domain:Domain": _true("nodeToNodeEncryption", "enabled", default=False),
}
"""Type -> the setting that encrypts traffic between its own nodes (AWS's default: on)."""

# -- build projects: CodeBuild runs a container per build -------------------------------------

CODEBUILD_PROJECT: Final = "aws:codebuild/project:Project"

ENCRYPTION_OFF: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    CODEBUILD_PROJECT: (
        ("artifacts", "encryptionDisabled"),
        ("secondaryArtifacts", "*", "encryptionDisabled"),
        ("logsConfig", "s3Logs", "encryptionDisabled"),
    ),
}
"""Type -> booleans that switch off the encryption AWS otherwise applies (each must not be
true; CodeBuild encrypts artifacts and S3 logs with `encryptionKey`, else the aws/s3 key)."""

PRIVILEGED_MODE: Final[dict[str, tuple[str, ...]]] = {
    CODEBUILD_PROJECT: ("environment", "privilegedMode"),
}
"""Type -> the boolean that runs its container privileged (root over the build host's Docker
daemon), as `privileged` does in a task definition."""

LOGGING: Final[dict[str, tuple[Setting, ...]]] = {
    CODEBUILD_PROJECT: (
        Setting(("logsConfig", "cloudwatchLogs", "status"), "one-of", ("ENABLED",), "ENABLED"),
        Setting(("logsConfig", "s3Logs", "status"), "one-of", ("ENABLED",), "DISABLED"),
    ),
}
"""Type -> where its run's output is logged; any one enabled suffices (CloudWatch Logs is on
unless disabled, S3 logs off unless enabled)."""

# -- ECS: tasks that run containers, services that run tasks ---------------------------------

ECS_DAEMON_TASK_DEFINITION: Final = "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition"
ECS_TASK_SET: Final = "aws:ecs/taskSet:TaskSet"
ECS_DAEMON: Final = "aws:ecs/daemon:Daemon"

TASK_DEFINITIONS: Final = (T.ECS_TASK_DEFINITION, ECS_DAEMON_TASK_DEFINITION)
"""Types whose `containerDefinitions` the container rules judge (a JSON string on a task
definition, a list of objects on a daemon task definition)."""


def task_containers(props: Any) -> list[Mapping[str, Any]] | Any:
    """A task definition's containers in either shape: the JSON string of a TaskDefinition
    (parsed by the kit) or the list of objects of a DaemonTaskDefinition (read as is)."""
    raw = values.get(props, "containerDefinitions")
    if raw is None or raw is values.UNKNOWN or isinstance(raw, str):
        return values.container_definitions(props)
    elements = values.items(raw)
    if elements is values.UNKNOWN:
        return values.UNKNOWN
    if not all(isinstance(e, Mapping) for e in elements):
        raise values.InvalidJson("expected a list of container objects")
    return list(elements)


TASK_NETWORKED: Final = (T.ECS_SERVICE, ECS_TASK_SET)
"""Types that place tasks with `networkConfiguration.assignPublicIp`."""
SCHEDULED_TASK_PUBLIC_IP: Final[dict[str, tuple[str, ...]]] = {
    "aws:scheduler/schedule:Schedule": (
        "target",
        "ecsParameters",
        "networkConfiguration",
        "assignPublicIp",
    ),
    "aws:cloudwatch/eventTarget:EventTarget": (
        "ecsTarget",
        "networkConfiguration",
        "assignPublicIp",
    ),
}
"""Types that start ECS tasks on a schedule or an event, and where they place them."""
EXECUTE_COMMAND: Final = (T.ECS_SERVICE, ECS_DAEMON)
"""Types with `enableExecuteCommand`."""
PROPAGATE_TAGS: Final = (T.ECS_SERVICE, ECS_DAEMON)
"""Types with `propagateTags` (which tags the tasks they start carry)."""

SCHEMA_PATHS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    *(
        (token, setting.path)
        for token, settings in ENCRYPTION_AT_REST.items()
        for setting in settings
        if setting.kind != "always"
    ),
    *PUBLICLY_ACCESSIBLE.items(),
    *DELETION_PROTECTION.items(),
    *((token, setting.path) for token, setting in BACKUP_RETENTION.items()),
    *((token, setting.path) for token, setting in RECOVERY_WINDOW.items()),
    *((token, setting.path) for token, setting in TLS_MINIMUM.items()),
    *HTTPS_REQUIRED.items(),
    *((token, setting.path) for token, setting in IN_TRANSIT_INSIDE.items()),
    *((token, ("containerDefinitions",)) for token in TASK_DEFINITIONS),
    *((token, ("networkConfiguration", "assignPublicIp")) for token in TASK_NETWORKED),
    *SCHEDULED_TASK_PUBLIC_IP.items(),
    *((token, ("enableExecuteCommand",)) for token in EXECUTE_COMMAND),
    *((token, ("propagateTags",)) for token in PROPAGATE_TAGS),
    *((token, path) for token, paths in ENCRYPTION_OFF.items() for path in paths),
    *PRIVILEGED_MODE.items(),
    *((token, setting.path) for token, settings in LOGGING.items() for setting in settings),
)
"""Every (type, input path) the tables name: what the schema test checks against pulumi_aws."""


ContainerCheck = Callable[[ResourceContext, Sequence[Mapping[str, Any]]], None]


def with_containers(check: ContainerCheck) -> Callable[[ResourceContext], None]:
    """A task-definition rule's check on its decoded containers: invalid JSON is a violation and
    an unknown list a note, once for every rule that judges containers."""

    def run(ctx: ResourceContext) -> None:
        try:
            containers = task_containers(ctx.props)
        except InvalidJson:
            ctx.violation("containerDefinitions", "not a JSON list of containers", "valid JSON")
            return
        if containers is values.UNKNOWN:
            ctx.unknown("containerDefinitions")
            return
        if containers:
            check(ctx, containers)

    return run
