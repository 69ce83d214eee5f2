"""The private bucket a service delivers access logs to (the load balancer's, the distribution's).

One shape for both: no ACLs (owner enforced), every public access blocked, encrypted, logs
expiring after the stack's retention, and a policy that admits only the given log-delivery
statements and refuses plain HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pulumi
import pulumi_aws as aws

Statements = Callable[[aws.s3.Bucket], Sequence[aws.iam.GetPolicyDocumentStatementArgs]]


def deny_insecure_transport(
    actions: Sequence[str], resources: Sequence[pulumi.Input[str]]
) -> aws.iam.GetPolicyDocumentStatementArgs:
    """Refuse these actions to anyone calling over plain HTTP (aws:SecureTransport false)."""
    return aws.iam.GetPolicyDocumentStatementArgs(
        sid="DenyInsecureTransport",
        effect="Deny",
        actions=list(actions),
        resources=list(resources),
        principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])],
        conditions=[
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="Bool", variable="aws:SecureTransport", values=["false"]
            )
        ],
    )


def private_log_bucket(
    name: str,
    *,
    bucket_prefix: str,
    retention_days: pulumi.Input[int],
    protect: bool,
    parent: pulumi.Resource,
    delivery: Statements,
    kms_key_arn: pulumi.Input[str] | None = None,
    tags: Mapping[str, str] | None = None,
    renamed_from: Mapping[str, str] | None = None,
) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
    """The bucket, and what a delivery must wait for (its policy, ownership and encryption);
    its settings are children of it named `<name>-<part>`. Without a key it is
    SSE-S3 (ALB access-log delivery refuses SSE-KMS buckets). `renamed_from` maps a part to the
    logical name it had, so a deployed stack keeps the resource instead of replacing it."""
    bucket = aws.s3.Bucket(
        name,
        bucket_prefix=bucket_prefix,
        force_destroy=not protect,
        tags=dict(tags) if tags else None,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )

    def child(part: str) -> pulumi.ResourceOptions:
        old = (renamed_from or {}).get(part)
        return pulumi.ResourceOptions(
            parent=bucket, aliases=[pulumi.Alias(name=old)] if old else None
        )

    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child("public-access"),
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=child("ownership"),
    )
    rule: dict[str, object] = {
        "apply_server_side_encryption_by_default": (
            {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn}
            if kms_key_arn is not None
            else {"sse_algorithm": "AES256"}
        )
    }
    if kms_key_arn is not None:
        rule["bucket_key_enabled"] = True
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id, rules=[rule], opts=child("encryption")
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=bucket.id,
        rules=[
            {
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "expiration": {"days": retention_days},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
        ],
        opts=child("lifecycle"),
    )
    document = aws.iam.get_policy_document_output(
        statements=[
            *delivery(bucket),
            deny_insecure_transport(["s3:*"], [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")]),
        ],
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=bucket.id,
        policy=document.json,
        # S3 rejects a bucket policy while the public access block is being changed.
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block]),
    )
    return bucket, [policy, ownership, encryption]
