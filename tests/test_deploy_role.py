"""The deploy role's policy (deploy/deploy-role-policy.json) covers what both stacks create.

The IAM service of every resource type the program registers (in staging, prod, and prod with the
owners' domain set) must be allowed by the policy: a new resource type without its service fails
here, not in the middle of a first `pulumi up`. Parliament (botocore-based IAM definitions)
checks that every action the policy names exists.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from typing import Any

import pytest
from parliament import analyze_policy_string, iam_definition

from components.permissions_boundary import role_path
from tests import shared_results
from tests.iam_policy_evaluator import Request, allows, decide, render
from tools.offline.runner import ROOT, cached_run, stack_config

POLICY_PATH = ROOT / "deploy" / "deploy-role-policy.json"
GUARDS_PATH = ROOT / "deploy" / "deploy-role-guards.json"
"""The Deny statements, a managed policy bootstrap.sh attaches to the role (IAM applies both)."""
BOUNDARY_PATH = ROOT / "deploy" / "permissions-boundary.json"
TRUST_PATH = ROOT / "deploy" / "trust-policy.json"
ACCOUNT = "123456789012"

SERVICE_OF_MODULE = {
    "appautoscaling": "application-autoscaling",
    "budgets": "budgets",
    "cloudfront": "cloudfront",
    "cloudwatch": "cloudwatch",
    "cognito": "cognito-identity",
    "ec2": "ec2",
    "vpc": "ec2",
    "ecr": "ecr",
    "ecs": "ecs",
    "elasticache": "elasticache",
    "iam": "iam",
    "kms": "kms",
    "lambda": "lambda",
    "lb": "elasticloadbalancing",
    "rds": "rds",
    "rum": "rum",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "wafv2": "wafv2",
    "xray": "xray",
    "acm": "acm",
    "route53": "route53",
}
"""Pulumi module (aws:<module>/...) -> IAM service prefix."""

SERVICE_OF_TYPE = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logDelivery:LogDelivery": "logs",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "logs",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "logs",
    "aws:cloudwatch/eventRule:EventRule": "events",
    "aws:cloudwatch/eventTarget:EventTarget": "events",
    "awsx:ec2:Vpc": "ec2",
}
"""Types whose service is not their module's (CloudWatch Logs and EventBridge live in
pulumi-aws's cloudwatch module; awsx's VPC creates EC2 networking)."""

IAM_ACTIONS_NEEDED = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:TagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:PassRole",
    "iam:CreateServiceLinkedRole",
    "sts:GetCallerIdentity",
)


def _policy(stack: str = "staging", allows: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every statement IAM applies to the stack's deploy role, as the bootstrap renders them: the
    inline Allow statements (`allows`, else the committed file) and the managed Deny statements."""
    document = allows if allows is not None else json.loads(POLICY_PATH.read_text())
    guards = json.loads(GUARDS_PATH.read_text())
    merged = {**document, "Statement": [*document["Statement"], *guards["Statement"]]}
    return render(merged, Stack=stack, AccountId=ACCOUNT)


def _matches(patterns: str | list[str], action: str) -> bool:
    listed = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in listed)


def allowed(policy: dict[str, Any], action: str, stack: str = "staging") -> bool:
    """Whether the role may do `action` on a resource of its own stack, as the program does it
    (tagged for the stack, roles under the stack's boundary, passed to an ECS task)."""
    service = action.split(":")[0]
    resource = (
        f"arn:aws:iam::{ACCOUNT}:role{role_path(stack)}web-task-role-1a2b3c"
        if service == "iam"
        else f"arn:aws:{service}:eu-west-1:{ACCOUNT}:thing/x"
    )
    context = {
        "aws:ResourceTag/Environment": stack,
        "aws:RequestTag/Environment": stack,
        "aws:TagKeys": ["Environment"],
        "iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/perfcheck-{stack}-boundary",
        "iam:PassedToService": "ecs-tasks.amazonaws.com",
        "iam:AWSServiceName": "ecs.amazonaws.com",
    }
    return decide(policy, Request(action, resource, context)) == "Allow"


@functools.cache
def _types_registered() -> frozenset[str]:
    """Every AWS type the stacks register, with a domain too (a pure function of the files)."""
    types = {r.type for stack in ("staging", "prod") for r in cached_run(stack).resources}
    config, secret = stack_config("prod")
    cdn = json.loads(config["perfcheck:cdn"])
    domain = {"domainName": "app.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    config["perfcheck:cdn"] = json.dumps({**cdn, **domain})
    types |= {r.type for r in shared_results.program_run("prod", config, secret).resources}
    return frozenset(t for t in types if t.startswith(("aws:", "awsx:")))


def _service(type_token: str) -> str:
    if type_token in SERVICE_OF_TYPE:
        return SERVICE_OF_TYPE[type_token]
    module = type_token.split(":")[1].split("/")[0]
    assert module in SERVICE_OF_MODULE, (
        f"{type_token}: add its IAM service to SERVICE_OF_MODULE and to the deploy role's policy"
    )
    return SERVICE_OF_MODULE[module]


def _write_actions(prefix: str) -> list[str]:
    service = next(s for s in iam_definition if s["prefix"] == prefix)
    return [
        f"{prefix}:{p['privilege']}"
        for p in service["privileges"]
        if p["access_level"] in ("Write", "Tagging", "Permissions management")
    ]


NOT_BY_TAG = {
    "iam": "roles by path and boundary (the tests below)",
    "route53": "no tag condition key on any action (Service Authorization Reference): records "
    "by zone, name and type, tests/test_deploy_role_records.py",
}
"""Services the program writes whose calls the tag statements cannot authorise, and where they
are judged instead."""


def test_the_policy_allows_every_service_the_program_creates_resources_in() -> None:
    policy = _policy()
    types = _types_registered()
    services = {_service(t) for t in types}
    assert {"acm", "route53", "logs", "events", "ec2", "rds", "elasticache"} <= services
    for prefix in sorted(services - set(NOT_BY_TAG)):
        actions = _write_actions(prefix)
        assert actions, prefix
        missing = [a for a in actions if not allowed(policy, a)]
        assert not missing, f"{prefix}: {missing[:5]}"


def test_the_policy_manages_roles_but_never_people_or_keys() -> None:
    policy = _policy()
    for action in IAM_ACTIONS_NEEDED:
        assert allowed(policy, action), action
    for action in (
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:PutUserPolicy",
        "iam:CreatePolicy",
    ):
        assert not allowed(policy, action), action


@pytest.mark.parametrize("removed", ["rds:*", "logs:*"])
def test_the_check_fails_when_a_needed_service_is_missing(removed: str) -> None:
    policy = _policy()
    for statement in policy["Statement"]:
        if isinstance(statement["Action"], list) and statement["Effect"] == "Allow":
            statement["Action"] = [a for a in statement["Action"] if a != removed]
    prefix = removed.split(":")[0]
    assert not all(allowed(policy, a) for a in _write_actions(prefix))


def test_every_action_the_policy_names_exists() -> None:
    findings = analyze_policy_string(json.dumps(_policy())).findings
    # The stack's own log buckets need their policies written (log delivery); S3 judges them
    # by name, not tag (tests/test_deploy_role_untaggable.py): accepted for those buckets only.
    log_buckets = (
        "arn:aws:s3:::perfcheck-staging-alb-logs-*",
        "arn:aws:s3:::perfcheck-staging-cdn-logs-*",
    )
    problems = [
        f
        for f in findings
        if f.issue != "RESOURCE_STAR"
        and not (
            f.issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION"
            and any(bucket in f.detail for bucket in log_buckets)
        )
    ]
    assert problems == [], [(f.issue, f.detail) for f in problems]


def test_first_deploy_doc_points_at_the_policy_file() -> None:
    text = (ROOT / "docs" / "first-deploy.md").read_text()
    assert "deploy/deploy-role-policy.json" in text


def test_pass_role_reaches_every_service_that_assumes_the_programs_roles() -> None:
    statement = next(s for s in _policy()["Statement"] if s["Action"] == "iam:PassRole")
    passed_to = set(statement["Condition"]["StringEquals"]["iam:PassedToService"])
    principals = set()
    for stack in ("staging", "prod"):
        for role in cached_run(stack).resources:
            if role.type != "aws:iam/role:Role":
                continue
            document = role.inputs["assumeRolePolicy"]
            document = json.loads(document) if isinstance(document, str) else document
            for trust in document["Statement"]:
                for kind in ("Service", "Federated"):
                    value = trust.get("Principal", {}).get(kind, [])
                    principals |= {value} if isinstance(value, str) else set(value)
    assert {"ecs-tasks.amazonaws.com", "rds.amazonaws.com"} <= principals
    assert principals <= passed_to, principals - passed_to


# --- one role per environment: staging's cannot change prod, no role can widen itself ---------
# Evaluated with tests/iam_policy_evaluator.py on the documents the bootstrap renders per stack
# (`${Stack}`, `${AccountId}` substituted). Every resource the program creates carries the tag
# Environment=<stack> (Settings.cost_tags through the provider's default tags), so the tag is
# what scopes a role to its stack's resources.


def _deploy_environments() -> dict[str, str]:
    """GitHub environment -> stack, read from the deploy workflow's deploy jobs."""
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    found = {}
    for job in workflow["jobs"].values():
        environment = job.get("environment")
        name = environment.get("name") if isinstance(environment, dict) else environment
        stack = (job.get("env") or {}).get("STACK")
        if name and stack:
            found[name] = stack
    return found


ENVIRONMENTS = _deploy_environments()
STACKS = sorted(set(ENVIRONMENTS.values()))


def _boundary(stack: str) -> dict[str, Any]:
    return render(json.loads(BOUNDARY_PATH.read_text()), Stack=stack, AccountId=ACCOUNT)


def _boundary_arn(stack: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/perfcheck-{stack}-boundary"


def _sample_writes() -> list[str]:
    """Every write, tagging and permissions action of every service the policy manages by tag."""
    named = {a.split(":")[0] for s in _policy()["Statement"] for a in _actions(s)}
    prefixes = sorted(named - {"sts", "*"} - set(NOT_BY_TAG))
    found = []
    for prefix in prefixes:
        if prefix in ("organizations", "account"):
            continue
        found += _write_actions(prefix)
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement.get("Action", [])
    return [value] if isinstance(value, str) else value


def _resource(action: str) -> str:
    service = action.split(":")[0]
    return f"arn:aws:{service}:eu-west-1:{ACCOUNT}:thing/perfcheck-x"


def cross_stack_changes(policy: dict[str, Any], own: str, other: str) -> list[str]:
    """Requests on `other`'s resources (or tagging into `other`) that `own`'s role may make."""
    allowed_writes = []
    unscopable = _actions(
        next(
            s
            for s in policy["Statement"]
            if s["Sid"] == "UntaggableActionsWithoutResourceLevelPermissions"
        )
    )
    for action in _sample_writes():
        if action in unscopable:
            continue  # AWS offers no resource to scope them by (test_deploy_role_untaggable.py)
        on_other = Request(action, _resource(action), {"aws:ResourceTag/Environment": other})
        create_other = Request(
            action,
            _resource(action),
            {"aws:RequestTag/Environment": other, "aws:TagKeys": ["Environment"]},
        )
        retag = Request(
            action,
            _resource(action),
            {
                "aws:ResourceTag/Environment": own,
                "aws:RequestTag/Environment": other,
                "aws:TagKeys": ["Environment"],
            },
        )
        untag = Request(
            action,
            _resource(action),
            {"aws:ResourceTag/Environment": own, "aws:TagKeys": ["Environment"]},
        )
        for name, request in (("change", on_other), ("create", create_other), ("retag", retag)):
            if decide(policy, request) == "Allow":
                allowed_writes.append(f"{name} {action}")
        untags = ("untagresource", "deletetags", "removetagsfromresource")
        if action.lower().endswith(untags) and decide(policy, untag) == "Allow":
            allowed_writes.append(f"untag Environment {action}")
    role_arn = f"arn:aws:iam::{ACCOUNT}:role{role_path(other)}web-task-role-1a2b3c"
    for action in ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole", "iam:PassRole"):
        context = {
            "aws:ResourceTag/Environment": other,
            "iam:PermissionsBoundary": _boundary_arn(other),
            "iam:PassedToService": "ecs-tasks.amazonaws.com",
        }
        if decide(policy, Request(action, role_arn, context)) == "Allow":
            allowed_writes.append(f"{action} on {other}'s role")
    return allowed_writes


def self_widening(policy: dict[str, Any], stack: str) -> list[str]:
    """Requests by which the role could give itself, or a role it creates, more than it has."""
    own_role = f"arn:aws:iam::{ACCOUNT}:role/perfcheck-deploy-{stack}"
    boundary = _boundary_arn(stack)
    widened = []
    tagged = {"aws:ResourceTag/Environment": stack, "iam:PermissionsBoundary": boundary}
    for action in (
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:DeleteRolePolicy",
    ):
        if decide(policy, Request(action, own_role, tagged)) == "Allow":
            widened.append(f"{action} on its own role")
    guards = f"arn:aws:iam::{ACCOUNT}:policy/perfcheck-{stack}-deploy-guards"
    for action in (
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:CreatePolicy",
        "iam:TagPolicy",
        "iam:UntagPolicy",
    ):
        for what, arn in (("its boundary", boundary), ("its guards", guards)):
            if decide(policy, Request(action, arn, {})) == "Allow":
                widened.append(f"{action} on {what}")
    detach = Request("iam:DetachRolePolicy", own_role, {"iam:PolicyARN": guards})
    if decide(policy, detach) == "Allow":
        widened.append("iam:DetachRolePolicy of its guards on its own role")
    app_role = f"arn:aws:iam::{ACCOUNT}:role{role_path(stack)}web-task-role-1a2b3c"
    create = {"aws:RequestTag/Environment": stack, "aws:TagKeys": ["Environment"]}
    if decide(policy, Request("iam:CreateRole", app_role, create)) == "Allow":
        widened.append("iam:CreateRole without its boundary")
    if decide(policy, Request("iam:DeleteRolePermissionsBoundary", app_role, tagged)) == "Allow":
        widened.append("iam:DeleteRolePermissionsBoundary on a role it made")
    unbounded = {"aws:ResourceTag/Environment": stack}
    if decide(policy, Request("iam:PutRolePolicy", app_role, unbounded)) == "Allow":
        widened.append("iam:PutRolePolicy on a role without the boundary")
    for action in ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreatePolicy"):
        if decide(policy, Request(action, f"arn:aws:iam::{ACCOUNT}:user/x", {})) == "Allow":
            widened.append(action)
    return widened


@pytest.mark.parametrize(("own", "other"), [("staging", "prod"), ("prod", "staging")])
def test_a_stacks_role_cannot_change_the_other_stacks_resources(own: str, other: str) -> None:
    """Property: each environment's deploy role changes, creates, retags and untags only
    resources tagged for its own stack, and manages or passes only its own stack's roles."""
    assert cross_stack_changes(_policy(own), own, other) == []


@pytest.mark.parametrize("stack", STACKS)
def test_a_stacks_role_can_still_change_its_own_resources(stack: str) -> None:
    """The scoping is not a switch-off: every write on its own tagged resources is allowed."""
    policy = _policy(stack)
    refused = [
        action
        for action in _sample_writes()
        if decide(
            policy,
            Request(action, _resource(action), {"aws:ResourceTag/Environment": stack}),
        )
        != "Allow"
    ]
    assert refused == []
    role = f"arn:aws:iam::{ACCOUNT}:role{role_path(stack)}web-task-role-1a2b3c"
    create = {
        "aws:RequestTag/Environment": stack,
        "aws:TagKeys": ["Environment"],
        "iam:PermissionsBoundary": _boundary_arn(stack),
    }
    assert decide(policy, Request("iam:CreateRole", role, create)) == "Allow"


@pytest.mark.parametrize("stack", STACKS)
def test_no_role_can_widen_its_own_permissions(stack: str) -> None:
    """Property: no deploy role can edit itself or its boundary, lift a boundary, write a
    managed policy, create a role without the boundary, or create people and keys."""
    assert self_widening(_policy(stack), stack) == []


@pytest.mark.parametrize(
    ("dropped", "later_iam_allow", "seen"),
    [
        # The role path keeps the policy's own role statements off the deploy roles (at "/"),
        # so this guard matters once a later statement allows IAM more widely.
        ("NeverWidenItsOwnPermissionsOrTheBoundary", True, "on its own role"),
        ("NeverRemoveTheStackTag", False, ""),
    ],
)
def test_each_guard_statement_is_needed(dropped: str, later_iam_allow: bool, seen: str) -> None:
    """Dropping any one guard lets staging's role reach prod or widen itself: the tests see it."""
    policy = _policy("staging")
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != dropped]
    if later_iam_allow:
        policy["Statement"].append({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    found = cross_stack_changes(policy, "staging", "prod") + self_widening(policy, "staging")
    assert [f for f in found if seen in f], dropped


def test_the_denials_hold_even_under_a_later_allow_of_all_iam() -> None:
    """Belt and braces: an `iam:*` Allow added later still cannot edit the role, its boundary,
    lift a boundary or write a managed policy (the explicit Deny statements win)."""
    policy = _policy("staging")
    policy["Statement"].append({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    widened = self_widening(policy, "staging")
    assert not any(" on its" in w for w in widened), widened
    assert "iam:DeleteRolePermissionsBoundary on a role it made" not in widened


def test_a_widened_condition_is_seen() -> None:
    """Scoping by tag replaced by a match-all is reported (the tag condition is the control)."""
    policy = _policy("staging")
    for statement in policy["Statement"]:
        if statement["Sid"] == "ChangeOnlyThisStacksResources":
            statement.pop("Condition")
    assert cross_stack_changes(policy, "staging", "prod")


@pytest.mark.parametrize(("own", "other"), [("staging", "prod"), ("prod", "staging")])
def test_the_boundary_keeps_the_stacks_roles_to_their_stack(own: str, other: str) -> None:
    """A role the program creates (under its stack's boundary) cannot touch the other stack's
    resources or IAM, whatever policy it is given."""
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    boundary = _boundary(own)
    on_other = Request(
        "ecs:UpdateService", _resource("ecs:x"), {"aws:ResourceTag/Environment": other}
    )
    on_own = Request("ecs:UpdateService", _resource("ecs:x"), {"aws:ResourceTag/Environment": own})
    assert not allows(everything, on_other, boundary)
    assert allows(everything, on_own, boundary)
    assert not allows(everything, Request("iam:PutRolePolicy", "arn:aws:iam::1:role/x"), boundary)


def test_one_role_per_environment_trusts_only_that_environment() -> None:
    """The trust file names `environment:<name>` for each environment the workflow deploys from
    (staging and production, plus the pull request's preview) and nothing broader."""
    workflows = ROOT / ".github" / "workflows"
    assert set(ENVIRONMENTS) == {"staging", "production"}, ENVIRONMENTS
    assert "environment: preview" in (workflows / "pull-request.yml").read_text()
    trust = json.loads(TRUST_PATH.read_text())
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]
    assert set(condition) == {"StringEquals"}, "a StringLike subject would admit other refs"
    assert condition["StringEquals"]["token.actions.githubusercontent.com:aud"] == (
        "sts.amazonaws.com"
    )
    subject = condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subject == "repo:${Repository}:environment:${Environment}"
    doc = (ROOT / "docs" / "first-deploy.md").read_text()
    assert "environment:prod\n" not in doc and "environment:prod`" not in doc
    for name in ENVIRONMENTS:
        assert f"environment:{name}" in doc, name


# --- service-linked roles AWS creates on first use, derived from what the stacks register ----

SERVICE_LINKED_ROLE_OF_TYPE = {
    "aws:ecs/": "ecs.amazonaws.com",
    "aws:lb/": "elasticloadbalancing.amazonaws.com",
    "aws:rds/": "rds.amazonaws.com",
    "aws:elasticache/": "elasticache.amazonaws.com",
    "aws:appautoscaling/": "ecs.application-autoscaling.amazonaws.com",
    "aws:cloudwatch/logDelivery": "delivery.logs.amazonaws.com",
    "aws:cloudfront/vpcOrigin:VpcOrigin": "vpcorigin.cloudfront.amazonaws.com",
    "aws:rum/appMonitor:AppMonitor": "rum.amazonaws.com",
    "aws:backup/": "backup.amazonaws.com",
    "aws:ecr/replicationConfiguration": "replication.ecr.amazonaws.com",
    "aws:wafv2/webAclLoggingConfiguration": "wafv2.amazonaws.com",
    "aws:globalaccelerator/": "globalaccelerator.amazonaws.com",
    "aws:autoscaling/": "autoscaling.amazonaws.com",
    "aws:elasticsearch/": "es.amazonaws.com",
    "aws:opensearch/": "opensearchservice.amazonaws.com",
    "aws:guardduty/": "guardduty.amazonaws.com",
    "aws:inspector2/": "inspector2.amazonaws.com",
    "aws:networkfirewall/": "network-firewall.amazonaws.com",
}
"""Type token prefix -> the service whose service-linked role AWS creates the first time such a
resource is made in an account (AWS's "Services that work with IAM" table, from memory: confirm
a new entry there). A type not listed needs none."""


def required_service_linked_roles(types: frozenset[str] | set[str]) -> set[str]:
    return {
        service
        for type_token in types
        for prefix, service in SERVICE_LINKED_ROLE_OF_TYPE.items()
        if type_token.startswith(prefix)
    }


def _service_linked_roles_allowed(policy: dict[str, Any]) -> set[str]:
    statement = next(
        s for s in policy["Statement"] if s.get("Action") == "iam:CreateServiceLinkedRole"
    )
    return set(statement["Condition"]["StringEquals"]["iam:AWSServiceName"])


def test_the_policy_allows_exactly_the_service_linked_roles_the_stacks_need() -> None:
    """Property: every service-linked role a registered type triggers may be created (else the
    first deploy into an empty account stops with AccessDenied), and no other."""
    needed = required_service_linked_roles(_types_registered())
    assert {"vpcorigin.cloudfront.amazonaws.com", "rum.amazonaws.com"} <= needed
    assert _service_linked_roles_allowed(_policy()) == needed


def test_a_new_type_that_triggers_a_service_linked_role_fails_without_it() -> None:
    needed = required_service_linked_roles(_types_registered() | {"aws:backup/plan:Plan"})
    assert _service_linked_roles_allowed(_policy()) != needed
