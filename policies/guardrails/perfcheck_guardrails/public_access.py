"""Nothing public by another door: S3 bucket policies and ACLs, Classic Load Balancers.

A bucket is public through a policy statement that allows everyone (`"Principal": "*"` or
`{"AWS": "*"}`) without a condition that narrows it to an account, organisation, VPC or source
ARN, through a public canned ACL, or when its public access block is switched off. A Classic Load
Balancer (previous generation: no modern TLS policies, no header rules, no WAF) is refused.
"""

from __future__ import annotations

from typing import Any, Final

from perfcheck_policykit import ResourceContext, ResourceRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

from foundation import iampolicy

# Condition keys that tie "everyone" back to known callers (the statement is then not public).
NARROWING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:userid",
        "aws:username",
        "aws:SourceIp",
        "aws:VpcSourceIp",
    )
)
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}


def public_statements(document: iampolicy.PolicyDocument) -> list[str]:
    """Sids (or indexes) of statements that allow everyone without a narrowing condition
    (Effect in any case: a judge of exposure reads the document at its most open)."""
    return [
        statement.label
        for statement in document.statements or ()
        if str(statement.effect or "").casefold() == "allow"
        and (
            statement.not_principal is not None
            or (statement.everyone and not statement.narrowing_condition_keys & NARROWING_KEYS)
        )
    ]


def _check_s3_public(ctx: ResourceContext) -> None:
    if ctx.type == T.S3_PUBLIC_ACCESS_BLOCK:
        for prop in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            value = ctx.get(prop)
            if value is values.UNKNOWN:
                ctx.unknown(prop)
            elif values.as_bool(value) is not True:
                ctx.violation(
                    prop, "not set (false)" if value is None else values.show(value), "true"
                )
        return
    acl = ctx.get("acl")
    if acl is values.UNKNOWN:
        ctx.unknown("acl")
    elif isinstance(acl, str) and acl.strip().lower() in PUBLIC_ACLS:
        ctx.violation("acl", values.show(acl), "private (no canned public ACL)")
    if ctx.type in (T.S3_BUCKET_ACL, T.S3_BUCKET_ACL_V2):
        return
    policy = ctx.get("policy")
    if policy is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if policy is None:
        return
    _judge_policy_document(ctx, "policy", policy)


def _judge_policy_document(ctx: ResourceContext, prop: str, policy: Any) -> None:
    """Who a known resource policy lets in: each statement for everyone without a narrowing
    condition is a violation; text that is not JSON is one too (the service would refuse it)."""
    try:
        document = iampolicy.parse_policy(policy)
    except iampolicy.PolicyNotJson:
        ctx.violation(prop, "not valid JSON", "a JSON policy document")
        return
    except iampolicy.PolicyDocumentError:
        return  # JSON, but no document: it grants nothing (the deploy pack refuses it)
    if not isinstance(document, iampolicy.PolicyDocument):
        return
    for sid in public_statements(document):
        ctx.violation(
            prop,
            f"statement '{sid}' allowing everyone (Principal '*') without a narrowing condition",
            "principals of this account or AWS services, or a condition on aws:SourceArn / "
            "aws:SourceAccount / aws:PrincipalOrgID / aws:SourceVpce",
        )


S3_NOT_PUBLIC = ResourceRule(
    name="s3-bucket-not-public",
    normalises=(
        "policy JSON keys and Effect any case; Principal '*' or AWS '*'; canned ACL any case"
    ),
    description=(
        "S3 buckets must not be public: no bucket policy statement allowing everyone "
        "(Principal '*' or AWS '*', or NotPrincipal) without a condition narrowing it to an "
        "account, organisation, VPC endpoint or source ARN; no public canned ACL; every "
        "public access block setting on."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Serve objects through CloudFront with origin access control; grant services with "
        "Principal {'Service': ...} and an aws:SourceArn condition; keep "
        "aws.s3.BucketPublicAccessBlock fully on."
    ),
    resource_types=[
        T.S3_BUCKET_POLICY,
        T.S3_BUCKET,
        T.S3_BUCKET_V2,
        T.S3_BUCKET_ACL,
        T.S3_BUCKET_ACL_V2,
        T.S3_PUBLIC_ACCESS_BLOCK,
    ],
    check=_check_s3_public,
    unknowns="policy, acl or a public access block setting unknown: note.",
    tags=["network", "s3"],
)


RESOURCE_POLICY_DOCUMENTS: Final[dict[str, str]] = {
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:apigateway/restApiPolicy:RestApiPolicy": "policy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:glacier/vault:Vault": "accessPolicy",
    "aws:s3/accessPoint:AccessPoint": "policy",
    "aws:s3control/accessPointPolicy:AccessPointPolicy": "policy",
    "aws:elasticsearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:elasticsearch/domain:Domain": "accessPolicies",
    "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:glue/resourcePolicy:ResourcePolicy": "policy",
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": "policyDocument",
}
"""Type -> the input holding its resource policy (S3 buckets: s3-bucket-not-public); a role's
trust policy is the resource policy of the role (who may assume it). A type
that another pack judges for the document's validity is not judged for who it lets in: a
statement for everyone is judged here, by the same reading as a bucket's."""


def _check_resource_policy(ctx: ResourceContext) -> None:
    prop = RESOURCE_POLICY_DOCUMENTS[ctx.type]
    policy = ctx.get(prop)
    if policy is values.UNKNOWN:
        ctx.unknown(prop)
        return
    if policy is None:
        return
    _judge_policy_document(ctx, prop, policy)


RESOURCE_POLICY_NOT_PUBLIC = ResourceRule(
    name="resource-policy-not-public",
    normalises="policy JSON keys and Effect any case; Principal '*' or AWS '*'",
    description=(
        "Resource policies (SQS queues, SNS topics, ECR repositories and registry, Secrets "
        "Manager secrets, KMS keys, EFS file systems, OpenSearch/Elasticsearch domains, API "
        "Gateway REST APIs, Backup and Glacier vaults, CloudWatch Logs, event buses, S3 access "
        "points, DynamoDB, Kinesis, Glue, CodeArtifact) and IAM role trust policies must not "
        "allow everyone (Principal '*' or AWS '*', or NotPrincipal) without a condition "
        "narrowing it to an account, organisation, VPC endpoint or source."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Name this account's principals or AWS services (Principal {'Service': ...}) with an "
        "aws:SourceArn or aws:SourceAccount condition."
    ),
    resource_types=list(RESOURCE_POLICY_DOCUMENTS),
    check=_check_resource_policy,
    unknowns="The policy unknown: note.",
    tags=["network", "exposure", "iam"],
)


def _check_classic(ctx: ResourceContext) -> None:
    ctx.violation(
        "type",
        "a Classic Load Balancer (previous generation)",
        "an Application Load Balancer (aws.lb.LoadBalancer) with an HTTPS listener",
        "Classic Load Balancers have no TLS 1.3 policies, header rules or WAF.",
    )


NO_CLASSIC_LOAD_BALANCER = ResourceRule(
    name="no-classic-load-balancer",
    description=(
        "Classic Load Balancers (aws.elb.LoadBalancer) are refused: the guardrails for load "
        "balancers (HTTPS redirects, TLS policies, WAF, header checks) need an ALB."
    ),
    severity=Severity.HIGH,
    remediation_steps="Use aws.lb.LoadBalancer (application) with listeners and target groups.",
    resource_types=[T.ELB_CLASSIC],
    check=_check_classic,
    unknowns="Judged on the type alone: nothing is unknown.",
    tags=["network", "elb"],
)
