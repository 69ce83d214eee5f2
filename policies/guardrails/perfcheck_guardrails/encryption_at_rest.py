"""Encryption at rest: data stores, messages, secrets, logs and the keys that protect them."""

from __future__ import annotations

from collections.abc import Mapping

from perfcheck_policykit import (
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.checks import require_set, require_true
from perfcheck_policykit.rules import config_list
from pulumi_policy import EnforcementLevel, Severity

from .data_safety import is_aurora_instance
from .elasticache_clusters import REDIS_ENGINES, replication_group_required, standalone_engine

CMK_OPTION = {
    "requireCustomerManagedKey": schema.boolean(
        "Also require a customer-managed KMS key (kmsKeyId), not the AWS-managed default key.",
        False,
    )
}


def _check_rds_storage(ctx: ResourceContext) -> None:
    if ctx.type == T.RDS_INSTANCE:
        if is_aurora_instance(ctx):
            return  # an Aurora instance's storage is the cluster's (judged on the cluster)
        source = ctx.get("replicateSourceDb")
        if source is values.UNKNOWN:
            ctx.accept_unknown("replicateSourceDb")  # a computed source id: a replica
        if source is not None:
            # A read replica inherits the source's encryption, unless it says otherwise.
            encrypted = ctx.get("storageEncrypted")
            if encrypted is values.UNKNOWN:
                ctx.unknown("storageEncrypted")
            elif values.as_bool(encrypted) is False:
                ctx.violation("storageEncrypted", "false on a read replica", "true or not set")
            return
    require_true(ctx, "storageEncrypted", missing="not set (unencrypted)")
    if ctx.config.get("requireCustomerManagedKey"):
        require_set(ctx, "kmsKeyId", "a customer-managed KMS key ARN")


RDS_STORAGE_ENCRYPTED = ResourceRule(
    name="rds-storage-encrypted",
    normalises="engine any case; replicas by replicateSourceDb",
    description=(
        "RDS instances and clusters (Multi-AZ DB clusters included) must encrypt their storage "
        "at rest; a read replica inherits its source's encryption but may not state "
        "storageEncrypted: false."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set storage_encrypted=True (and kms_key_id to a customer-managed key if required). An "
        "existing unencrypted database must be restored from an encrypted snapshot copy."
    ),
    resource_types=[T.RDS_INSTANCE, T.RDS_CLUSTER],
    check=_check_rds_storage,
    unknowns="storageEncrypted unknown: note. kmsKeyId unknown counts as set (a computed key ARN).",
    config_properties=CMK_OPTION,
    tags=["encryption-at-rest", "rds"],
)


def _check_performance_insights(ctx: ResourceContext) -> None:
    enabled = ctx.get("performanceInsightsEnabled")
    if enabled is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    insights_mode = ctx.get("databaseInsightsMode")
    if values.as_bool(enabled) is not True and insights_mode != "advanced":
        return
    require_set(
        ctx,
        "performanceInsightsKmsKeyId",
        "a customer-managed KMS key ARN",
        detail="Performance Insights keeps query text and statistics; encrypt them with a CMK.",
    )


RDS_PERFORMANCE_INSIGHTS_ENCRYPTED = ResourceRule(
    name="rds-performance-insights-encrypted",
    description=(
        "When Performance Insights is on, its data (query text, wait statistics) must be "
        "encrypted with a customer-managed KMS key."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set performance_insights_kms_key_id to a customer-managed key ARN (it cannot be changed "
        "after Performance Insights is first enabled), or turn Performance Insights off."
    ),
    resource_types=[T.RDS_INSTANCE, T.RDS_CLUSTER, T.RDS_CLUSTER_INSTANCE],
    check=_check_performance_insights,
    unknowns="performanceInsightsEnabled unknown: note. The key ARN unknown counts as set.",
    tags=["encryption-at-rest", "rds"],
)


def _check_elasticache_at_rest(ctx: ResourceContext) -> None:
    if ctx.type == T.ELASTICACHE_CLUSTER:
        engine = standalone_engine(ctx)
        if engine in REDIS_ENGINES:
            replication_group_required(ctx, engine, "encrypt data at rest")
        return  # a group member is judged on its group; Memcached keeps no data at rest
    require_true(ctx, "atRestEncryptionEnabled", missing="not set (unencrypted)")
    if ctx.config.get("requireCustomerManagedKey"):
        require_set(ctx, "kmsKeyId", "a customer-managed KMS key ARN")


ELASTICACHE_ENCRYPTED_AT_REST = ResourceRule(
    name="elasticache-encrypted-at-rest",
    description=(
        "ElastiCache replication groups must encrypt data at rest (snapshots and swap); a "
        "standalone Redis OSS or Valkey Cluster, which cannot, is refused. Memcached clusters are "
        "out of scope (no snapshots, no at-rest option); Cluster members of a group are judged "
        "on the group."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set at_rest_encryption_enabled=True on aws.elasticache.ReplicationGroup (replaces the "
        "group); add kms_key_id for a customer-managed key. Replace a standalone Redis OSS or "
        "Valkey aws.elasticache.Cluster with a ReplicationGroup (num_cache_clusters=1 is allowed)."
    ),
    resource_types=[T.ELASTICACHE_REPLICATION_GROUP, T.ELASTICACHE_CLUSTER],
    check=_check_elasticache_at_rest,
    unknowns=(
        "atRestEncryptionEnabled unknown: note. kmsKeyId unknown counts as set. A Cluster's "
        "engine unknown: note; its replicationGroupId unknown counts as set (a group member)."
    ),
    config_properties=CMK_OPTION,
    tags=["encryption-at-rest", "elasticache"],
)


def _check_efs(ctx: ResourceContext) -> None:
    require_true(ctx, "encrypted", missing="not set (unencrypted)")
    if ctx.config.get("requireCustomerManagedKey"):
        require_set(ctx, "kmsKeyId", "a customer-managed KMS key ARN")


EFS_ENCRYPTED = ResourceRule(
    name="efs-encrypted",
    description="EFS file systems must be encrypted at rest.",
    severity=Severity.HIGH,
    remediation_steps="Set encrypted=True (and kms_key_id for a customer-managed key).",
    resource_types=[T.EFS_FILE_SYSTEM],
    check=_check_efs,
    unknowns="encrypted unknown: note. kmsKeyId unknown counts as set.",
    config_properties=CMK_OPTION,
    tags=["encryption-at-rest", "efs"],
)

S3_ALGORITHMS = ("aws:kms", "aws:kms:dsse", "AES256")


def _sse_algorithms(ctx: StackContext, rules: object) -> list[object]:
    found: list[object] = []
    if rules is values.UNKNOWN:
        return [values.UNKNOWN]
    for rule in rules or ():  # type: ignore[attr-defined]
        found.append(values.get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    return found


def _check_s3_encryption(ctx: StackContext) -> None:
    allowed = set(config_list(ctx.config, "allowedAlgorithms"))
    buckets = ctx.index.of_type(T.S3_BUCKET, T.S3_BUCKET_V2)
    if not buckets:
        return
    configured: dict[str, list[object]] = {}
    for sse in ctx.index.of_type(T.S3_BUCKET_SSE, T.S3_BUCKET_SSE_V2):
        targets = ctx.index.references(
            sse, "bucket", ctx.get(sse, "bucket"), [T.S3_BUCKET, T.S3_BUCKET_V2], ("id", "bucket")
        )
        if targets is None:
            ctx.unknown(sse, "bucket")
            continue
        for bucket in targets:
            configured.setdefault(bucket.urn, []).extend(
                _sse_algorithms(ctx, ctx.items(sse, "rules"))
            )
    for bucket in buckets:
        algorithms = configured.get(bucket.urn)
        if algorithms is None:
            inline = ctx.get(bucket, "serverSideEncryptionConfiguration", "rule")
            if isinstance(inline, Mapping):
                algorithms = [
                    values.get(inline, "applyServerSideEncryptionByDefault", "sseAlgorithm")
                ]
        if not algorithms:
            ctx.violation(
                bucket,
                "server-side encryption configuration",
                "not configured (only the implicit SSE-S3 default)",
                "an explicit BucketServerSideEncryptionConfiguration with "
                + " or ".join(sorted(allowed)),
            )
            continue
        for algorithm in algorithms:
            if algorithm is values.UNKNOWN:
                ctx.unknown(bucket, "rules.applyServerSideEncryptionByDefault.sseAlgorithm")
            elif algorithm not in allowed and str(algorithm).lower() not in {
                a.lower() for a in allowed
            }:
                ctx.violation(
                    bucket,
                    "sseAlgorithm",
                    values.show(algorithm),
                    "one of " + ", ".join(sorted(allowed)),
                )


S3_BUCKET_ENCRYPTION = StackRule(
    name="s3-bucket-encryption-configured",
    description=(
        "Every S3 bucket must have an explicit server-side encryption configuration with an "
        "allowed algorithm (followed from BucketServerSideEncryptionConfiguration to its bucket)."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Add aws.s3.BucketServerSideEncryptionConfiguration for the bucket with "
        "apply_server_side_encryption_by_default.sse_algorithm 'aws:kms' (bucket_key_enabled=True) "
        "or 'AES256' where KMS cannot be used (e.g. CloudFront standard log delivery)."
    ),
    resource_types=[T.S3_BUCKET, T.S3_BUCKET_V2, T.S3_BUCKET_SSE, T.S3_BUCKET_SSE_V2],
    check=_check_s3_encryption,
    unknowns=(
        "The configuration's bucket is followed by value, else by property dependencies; "
        "an unresolvable bucket or unknown algorithm is a note."
    ),
    config_properties={
        "allowedAlgorithms": schema.string_list(
            "Server-side encryption algorithms accepted.", S3_ALGORITHMS, min_items=1
        )
    },
    tags=["encryption-at-rest", "s3"],
)


def _check_sns(ctx: ResourceContext) -> None:
    require_set(ctx, "kmsMasterKeyId", "a KMS key (alias/aws/sns or a customer-managed key)")


SNS_TOPIC_ENCRYPTED = ResourceRule(
    name="sns-topic-encrypted",
    description="SNS topics must encrypt messages at rest with KMS.",
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set kms_master_key_id on aws.sns.Topic (a customer-managed key whose policy lets the "
        "publishing services, e.g. CloudWatch alarms, use it)."
    ),
    resource_types=[T.SNS_TOPIC],
    check=_check_sns,
    unknowns="kmsMasterKeyId unknown counts as set (a computed key ARN).",
    tags=["encryption-at-rest", "sns"],
)


def _check_secret_cmk(ctx: ResourceContext) -> None:
    value = require_set(ctx, "kmsKeyId", "a customer-managed KMS key ARN or alias")
    if isinstance(value, str) and value.strip().endswith("alias/aws/secretsmanager"):
        ctx.violation(
            "kmsKeyId", "the AWS-managed key alias/aws/secretsmanager", "a customer-managed key"
        )


SECRET_CMK = ResourceRule(
    name="secretsmanager-secret-customer-managed-key",
    description=(
        "Secrets Manager secrets must be encrypted with a customer-managed KMS key, so access "
        "to the secret also needs kms:Decrypt on a key the team controls."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Create an aws.kms.Key with rotation and pass its ARN as kms_key_id; grant the ECS "
        "execution role kms:Decrypt on it."
    ),
    resource_types=[T.SECRET],
    check=_check_secret_cmk,
    unknowns="kmsKeyId unknown counts as set (a computed key ARN).",
    tags=["encryption-at-rest", "secrets"],
)


def _check_log_group(ctx: ResourceContext) -> None:
    require_set(ctx, "kmsKeyId", "a KMS key ARN")


LOG_GROUP_ENCRYPTED = ResourceRule(
    name="cloudwatch-log-group-encrypted",
    description=(
        "CloudWatch log groups should be encrypted with a KMS key (advisory unless configured: "
        "logs are already encrypted by CloudWatch; a CMK adds access control and audit)."
    ),
    severity=Severity.LOW,
    remediation_steps=(
        "Set kms_key_id on aws.cloudwatch.LogGroup to a key whose policy allows the "
        "logs.<region>.amazonaws.com service principal."
    ),
    resource_types=[T.LOG_GROUP],
    check=_check_log_group,
    unknowns="kmsKeyId unknown counts as set.",
    enforcement_level=EnforcementLevel.ADVISORY,
    tags=["encryption-at-rest", "logs"],
)


def _check_kms_rotation(ctx: ResourceContext) -> None:
    spec = ctx.get("customerMasterKeySpec")
    usage = ctx.get("keyUsage")
    if spec is values.UNKNOWN or usage is values.UNKNOWN:
        ctx.unknown("customerMasterKeySpec" if spec is values.UNKNOWN else "keyUsage")
        return
    if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
        return  # AWS rotates only symmetric encryption keys
    require_true(ctx, "enableKeyRotation", missing="not set (rotation off)")
    maximum = ctx.config.get("maximumRotationDays")
    period = ctx.get("rotationPeriodInDays")
    if period is values.UNKNOWN:
        ctx.unknown("rotationPeriodInDays")
    elif maximum is not None:
        days = values.as_number(period) if period is not None else 365.0
        if days is None or days > float(maximum):
            ctx.violation(
                "rotationPeriodInDays",
                values.show(period) if period is not None else "not set (365)",
                f"at most {maximum}",
            )


KMS_KEY_ROTATION = ResourceRule(
    name="kms-key-rotation-enabled",
    description="Symmetric customer-managed KMS keys must rotate automatically.",
    severity=Severity.MEDIUM,
    remediation_steps="Set enable_key_rotation=True (and rotation_period_in_days if required).",
    resource_types=[T.KMS_KEY],
    check=_check_kms_rotation,
    unknowns="enableKeyRotation, rotationPeriodInDays or the key spec unknown: note.",
    config_properties={
        "maximumRotationDays": schema.integer(
            "Longest rotation period allowed, in days.", 365, minimum=90, maximum=2560
        )
    },
    tags=["encryption-at-rest", "kms"],
)


def _check_ebs(ctx: ResourceContext) -> None:
    if ctx.type == T.EBS_VOLUME:
        require_true(ctx, "encrypted", missing="not set (unencrypted)")
        return
    if ctx.type == T.EC2_INSTANCE:
        devices: list[tuple[str, object]] = [("rootBlockDevice", ctx.get("rootBlockDevice"))]
        block = ctx.items("ebsBlockDevices")
        if block is values.UNKNOWN:
            ctx.unknown("ebsBlockDevices")
            block = []
        devices += [(f"ebsBlockDevices[{i}]", d) for i, d in enumerate(block)]
    else:  # a launch template
        mappings = ctx.items("blockDeviceMappings")
        if mappings is values.UNKNOWN:
            return  # noted by the kit (an unknown read)
        devices = [
            (f"blockDeviceMappings[{i}].ebs", values.get(m, "ebs"))
            for i, m in enumerate(mappings)
            if values.get(m, "ebs") is not None
        ]
    for label, device in devices:
        if device is values.UNKNOWN:
            ctx.unknown(label)
            continue
        encrypted = values.get(device, "encrypted")
        if encrypted is values.UNKNOWN:
            ctx.unknown(f"{label}.encrypted")
        elif device is not None and values.as_bool(encrypted) is not True:
            if label == "rootBlockDevice" and device is None:
                continue
            ctx.violation(
                f"{label}.encrypted",
                "not set (unencrypted unless the account default is on)"
                if encrypted is None
                else values.show(encrypted),
                "true",
            )
    if ctx.type == T.EC2_INSTANCE and ctx.get("rootBlockDevice") is None:
        _root_from_launch_template(ctx)


def _root_from_launch_template(ctx: ResourceContext) -> None:
    """An instance without rootBlockDevice takes its root volume from its launch template, if
    it has one. A template of this stack (its id computed during preview) is judged on its own
    by this rule; a literal id names one outside the stack."""
    template = ctx.get("launchTemplate")
    if template is values.UNKNOWN:
        ctx.accept_unknown("launchTemplate")
        return
    if template is not None:
        reference = [values.get(template, key) for key in ("id", "name")]
        if any(v is values.UNKNOWN for v in reference):
            return  # a template resource of this stack: its block devices are judged
        if any(isinstance(v, str) and v.strip() for v in reference):
            return  # a known id (at `up`): ebs-instance-template-in-stack finds the template
        ctx.violation(
            "launchTemplate",
            "neither an id nor a name",
            "a launch template of this stack with encrypted block devices, or rootBlockDevice "
            "with encrypted=True",
        )
        return
    ctx.violation(
        "rootBlockDevice",
        "not set (the AMI's unencrypted default)",
        "rootBlockDevice with encrypted=True, or a launch template of this stack that encrypts it",
    )


EBS_ENCRYPTED = ResourceRule(
    name="ebs-volume-encrypted",
    description=(
        "EBS volumes must be encrypted at rest: aws.ebs.Volume, an EC2 instance's root and EBS "
        "block devices (a root volume from a launch template of this stack is judged on the "
        "template), and a launch template's EBS block device mappings."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set encrypted=True (and kms_key_id for a CMK) on the volume or block device; enable "
        "EBS encryption by default for the account as a backstop."
    ),
    resource_types=[T.EBS_VOLUME, T.EC2_INSTANCE, T.EC2_LAUNCH_TEMPLATE],
    check=_check_ebs,
    unknowns="encrypted or a block device unknown: note.",
    tags=["encryption-at-rest", "ebs"],
)


def _check_instance_template(ctx: StackContext) -> None:
    for instance in ctx.index.of_type(T.EC2_INSTANCE):
        if ctx.get(instance, "rootBlockDevice") is not None:
            continue
        template = ctx.get(instance, "launchTemplate")
        if not isinstance(template, Mapping):
            continue  # none or unknown: ebs-volume-encrypted judges the instance alone
        reference = next(
            (v for v in (values.get(template, k) for k in ("id", "name")) if v is not None), None
        )
        if reference is None:
            continue
        found = ctx.index.resolve(instance, "launchTemplate", reference, [T.EC2_LAUNCH_TEMPLATE])
        if found is not None:
            continue  # the template is judged by ebs-volume-encrypted on its own
        if values.is_unknown(reference):
            ctx.unknown(instance, "launchTemplate")
            continue
        ctx.violation(
            instance,
            "launchTemplate",
            f"{values.show(reference)} with no rootBlockDevice (a template outside this stack, "
            "whose volumes no rule judges)",
            "a launch template of this stack with encrypted block devices, or rootBlockDevice "
            "with encrypted=True",
        )


EBS_INSTANCE_TEMPLATE_IN_STACK = StackRule(
    name="ebs-instance-template-in-stack",
    description=(
        "An EC2 instance without rootBlockDevice takes its root volume from its launch template: "
        "the template (named by id or name, known or computed) must be one of this stack, "
        "whose block devices ebs-volume-encrypted judges."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create the aws.ec2.LaunchTemplate in this program with encrypted block devices, or set "
        "root_block_device={'encrypted': True} on the instance."
    ),
    resource_types=[T.EC2_INSTANCE, T.EC2_LAUNCH_TEMPLATE],
    check=_check_instance_template,
    unknowns="A template reference unknown with no dependency on a template: note.",
    tags=["encryption-at-rest", "ebs"],
)
