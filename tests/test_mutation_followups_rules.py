"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): rules.

Each names the property it guards; the mutant it was written for is in its docstring. The deploy
pack is driven through its analyzer interface (tests/deploycheck/through_pack.py) on a few
synthetic records, so each test holds one property whatever the rest of the stack is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from foundation import iampolicy
from foundation.records import ResourceRecord, StackRun
from tests.deploycheck.through_pack import pack_findings
from tests.policies.builders import UNKNOWN, record, replace
from tests.policies.bypass_cases import extra, prefix_list
from tests.policies.support import messages, run_case, violations
from tests.policies.test_policy_config import _errors as _config_errors
from tests.policies.type_cases import parameter_group
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the kit and the pack on sys.path
from perfcheck_guardrails.access_control import _unnarrowed_web_identity  # noqa: E402
from perfcheck_guardrails.network import is_public_cidr  # noqa: E402
from perfcheck_guardrails.public_access import public_statements  # noqa: E402
from perfcheck_policykit.rules import INTERNAL_ERROR_PREFIX  # noqa: E402

OWN_GROUP = "sg-0aaaaaaaaaaaaaaaa"
FOREIGN_GROUP = "sg-0123456789abcdef0"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ROLE = "aws:iam/role:Role"


def _record(name: str, type_: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None):
    return ResourceRecord(
        urn=f"urn:pulumi:prod::perfcheck::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        wire_inputs=inputs,
        outputs=outputs or {},
    )


def _group() -> ResourceRecord:
    arn = f"arn:aws:ec2:eu-west-1:123456789012:security-group/{OWN_GROUP}"
    return _record(
        "db-sg",
        "aws:ec2/securityGroup:SecurityGroup",
        {"description": "database", "vpcId": "vpc-0123"},
        {"id": OWN_GROUP, "arn": arn},
    )


def _findings(*records: ResourceRecord) -> list[tuple[str, str, str]]:
    run = StackRun("prod", "perfcheck", (_group(), *records), {})
    return [(f.check_id, f.resource_name, f.property_path) for f in pack_findings(run)]


def _rule(type_: str, **references: Any) -> ResourceRecord:
    inputs = {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, **references}
    return _record("rule", type_, inputs)


@pytest.mark.parametrize("type_", [INGRESS_RULE, EGRESS_RULE])
def test_a_rule_on_a_security_group_the_stack_does_not_create_is_refused(type_: str) -> None:
    """Both ends of a security-group rule must be groups of this stack: the group the rule is
    attached to (securityGroupId) as much as the one it admits. Mutant: securityGroupId dropped
    from the properties the check reads."""
    foreign_owner = _rule(type_, securityGroupId=FOREIGN_GROUP, referencedSecurityGroupId=OWN_GROUP)
    assert _findings(foreign_owner) == [("sg-reference", "rule", "securityGroupId")]
    foreign_peer = _rule(type_, securityGroupId=OWN_GROUP, referencedSecurityGroupId=FOREIGN_GROUP)
    assert _findings(foreign_peer) == [("sg-reference", "rule", "referencedSecurityGroupId")]
    assert (
        _findings(_rule(type_, securityGroupId=OWN_GROUP, referencedSecurityGroupId=OWN_GROUP))
        == []
    )


@pytest.mark.parametrize("odd", [5, ["sg-0aaaaaaaaaaaaaaaa"], {"id": "x"}, True])
def test_a_reference_that_is_not_text_is_left_to_the_provider_not_a_crash(odd: Any) -> None:
    """A reference that is not a string (a number, a list, a map) is not a group id the check can
    look up: it is skipped, never a rule error. Mutant: the `isinstance(value, str)` clause
    dropped (the lookup then meets an unhashable or non-text value)."""
    findings = _findings(
        _rule(INGRESS_RULE, securityGroupId=OWN_GROUP, referencedSecurityGroupId=odd)
    )
    assert findings == [], findings


def _trust(*actions: str) -> ResourceRecord:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": list(actions) if len(actions) > 1 else actions[0],
            }
        ],
    }
    return _record("task-role", ROLE, {"assumeRolePolicy": json.dumps(document)})


@pytest.mark.parametrize("actions", [("sts:AssumeRole",), ("sts:AssumeRole", "sts:TagSession")])
def test_a_trust_policy_allowing_named_sts_actions_passes(actions: tuple[str, ...]) -> None:
    """A trust policy that names the sts actions it allows passes."""
    assert [f for f in _findings(_trust(*actions)) if f[0] == "iam-trust-policy"] == []


@pytest.mark.parametrize("action", ["s3:GetObject", "iam:PassRole", "*", "sts:*"])
def test_a_trust_policy_allowing_a_non_sts_action_or_a_wildcard_is_refused(action: str) -> None:
    """The other side: a non-sts action in a trust policy is MalformedPolicyDocument, and a
    wildcard allows the principal every matching STS action on the role (issue 21: the check
    accepted `*`)."""
    found = _findings(_trust("sts:AssumeRole", action))
    assert ("iam-trust-policy", "task-role", "assumeRolePolicy.Statement[0].Action") in found, found


# --- guardrails: s3-bucket-not-public, security-group-no-public-ingress -----------------------


def _statement(principal: Any, condition: Any = None) -> iampolicy.PolicyDocument:
    statement = {"Sid": "S", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}
    if condition is not None:
        statement["Condition"] = condition
    document = iampolicy.parse_policy({"Version": "2012-10-17", "Statement": [statement]})
    assert isinstance(document, iampolicy.PolicyDocument)
    return document


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"AWS": ["arn:aws:iam::123456789012:role/reader"]},
        {"Service": "cloudfront.amazonaws.com"},
    ],
)
def test_a_statement_for_one_account_role_or_service_is_not_public(principal: Any) -> None:
    """Only Principal '*' or AWS '*' is everyone; a named account, role or service is not.
    Mutant: `key is "aws" and "*" in values` -> `or` (any AWS principal taken as everyone)."""
    assert public_statements(_statement(principal)) == []
    assert public_statements(_statement({"AWS": ["arn:aws:iam::1:root", "*"]})) == ["S"]


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:SecureTransport": "true"}},
        {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
        # Request headers the caller writes: anyone can send them (blind:32 took Referer).
        {"StringLike": {"aws:Referer": "https://perfcheck.example.com/*"}},
        {"StringEquals": {"aws:UserAgent": "perfcheck"}},
        {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        {"StringEquals": {"s3:prefix": "public/"}},
        {"StringEquals": {"aws:PrincipalTag/team": "web"}},
    ],
)
def test_a_condition_that_does_not_narrow_who_leaves_the_statement_public(condition: Any) -> None:
    """A condition narrows 'everyone' only on an identity key (account, organisation, source
    ARN, VPC endpoint, IP); TLS-only or encryption conditions, and headers or tags the caller
    chooses, still let everyone in. Mutants: any condition map counted as narrowing; blind:32,
    aws:Referer added to the narrowing keys."""
    assert public_statements(_statement("*", condition)) == ["S"]
    narrowed = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert public_statements(_statement("*", narrowed)) == []


@pytest.mark.parametrize("acl", ["authenticated-read", "public-read", "Public-Read-Write"])
def test_a_bucket_with_a_public_canned_acl_is_refused(acl: str) -> None:
    """Every canned ACL that opens a bucket beyond its account is refused, authenticated-read
    included (any AWS account's user). Mutant: 'authenticated-read' dropped from the set."""
    change = extra(
        "aws:s3/bucketAclV2:BucketAclV2", "logs-acl", {"bucket": "logs-1a2b", "acl": acl}
    )
    found = violations(run_case(change), "s3-bucket-not-public")
    assert [v.name for v in found] == ["logs-acl"], found


@pytest.mark.parametrize("odd", [["0.0.0.0/0", 5], ["0.0.0.0/0", {"cidr": "x"}]])
def test_a_cidr_list_with_a_non_text_entry_is_judged_on_its_text_entries(odd: list[Any]) -> None:
    """A CIDR list holding something that is not text (a provider would refuse it) neither crashes
    the rule nor hides the public entry beside it. Mutant: the `isinstance(cidr, str)` guard
    dropped (the non-text entry then reaches the CIDR parser)."""
    ingress = [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": odd}]
    report = run_case(lambda r: {"app_sg": replace(r["app_sg"], ingress=ingress)})
    assert not [v for v in report.violations if INTERNAL_ERROR_PREFIX in v.message]
    found = violations(report, "security-group-no-public-ingress")
    assert [v.name for v in found] == ["network-service-sg"], found
    assert "ingress[0] is 0.0.0.0/0 allowed on tcp port 22" in found[0].message


def _code_deploy(enabled: Any, events: Any) -> Any:
    return lambda r: {
        "service": replace(r["service"], deploymentController={"type": "CODE_DEPLOY"}),
        "group": record(
            "prod",
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            "app-deploy",
            {
                "ecsService": {"serviceName": "app", "clusterName": UNKNOWN},
                "autoRollbackConfiguration": {"enabled": enabled, "events": events},
                "tags": r["db"].wire_inputs["tags"],
            },
            property_dependencies={"ecsService": [r["service"].urn]},
        ),
    }


@pytest.mark.parametrize(
    ("enabled", "events"), [(UNKNOWN, ["DEPLOYMENT_FAILURE"]), (True, UNKNOWN)]
)
def test_a_deployment_group_rollback_not_known_at_preview_is_a_note_not_a_finding(
    enabled: Any, events: Any
) -> None:
    """Whether a CODE_DEPLOY group rolls back is judged when both `enabled` and `events` are
    known; either unknown is a 'not judged during preview' note (the update judges it), never a
    finding. Mutant: the `enabled is UNKNOWN` clause dropped (an unknown enabled then reads as
    off and blocks the preview)."""
    rule = "ecs-deployment-controller-rolls-back"
    report = run_case(_code_deploy(enabled, events))
    assert violations(report, rule) == []
    assert any("[not judged during preview]" in m and rule in m for m in messages(report))


def _prefix_list_with_entry(entry_cidr: str, resolvable: bool) -> Any:
    def changes(r: Any) -> dict[str, Any]:
        applied = prefix_list(r, "10.20.0.0/16")
        entry = record(
            "prod",
            "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
            "partner-office",
            {"prefixListId": UNKNOWN, "cidr": entry_cidr},
            property_dependencies={"prefixListId": [applied["plist"].urn] if resolvable else []},
        )
        return {**applied, "plist_entry": entry}

    return changes


def test_a_public_range_added_by_a_separate_prefix_list_entry_is_found_without_a_note() -> None:
    """A prefix list's entries count whether inline or added by ManagedPrefixListEntry resources;
    an entry whose list is resolved (by dependency) is judged, with no 'not judged' note for
    it. Mutant: `targets is None` -> `is not None` (a note for every resolved entry)."""
    rule = "security-group-no-public-ingress"
    report = run_case(_prefix_list_with_entry("198.51.100.0/24", resolvable=True))
    (finding,) = violations(report, rule)
    assert "198.51.100.0/24 (in prefix list 'partners')" in finding.message
    assert not [m for m in messages(report) if "'partner-office'" in m and "not judged" in m]


def test_a_prefix_list_entry_whose_list_cannot_be_resolved_is_a_note() -> None:
    """The other side: an entry whose prefixListId is unknown and has no dependency cannot be
    placed, so it is a 'not judged during preview' note, not silence."""
    report = run_case(_prefix_list_with_entry("198.51.100.0/24", resolvable=False))
    notes = [m for m in messages(report) if "'partner-office'" in m and "not judged" in m]
    assert notes and "prefixListId" in notes[0], messages(report)


def _second_balancer_unresolved(public_on_app: bool) -> Any:
    """A second load balancer whose security groups are unknown at preview (no dependency to
    follow), and optionally the internet on 443 straight to the app tasks' group."""

    def changes(r: Any) -> dict[str, Any]:
        inputs = {"loadBalancerType": "application", "internal": True}
        balancer = extra(
            "aws:lb/loadBalancer:LoadBalancer",
            "alb-canary",
            {**inputs, "securityGroups": [UNKNOWN], "subnets": [UNKNOWN, UNKNOWN]},
        )(r)
        if not public_on_app:
            return balancer
        ingress = [
            *r["app_sg"].wire_inputs.get("ingress", []),
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
        ]
        return {**balancer, "app_sg": replace(r["app_sg"], ingress=ingress)}

    return changes


def _balancer_notes(report: Any) -> list[str]:
    return [
        m
        for m in messages(report)
        if "not judged" in m and "the load balancer's securityGroups" in m
    ]


def test_a_public_443_on_a_group_an_unresolved_balancer_may_use_is_a_note_not_a_finding() -> None:
    """The internet on an allowed port to a group no known load balancer uses, while another
    balancer's groups are unknown at preview: that balancer may be the one using it, so it is a
    'not judged' note, not a finding. Mutant: `not all(...)` -> `all(...)` (it then reads as
    a group no load balancer uses)."""
    report = run_case(_second_balancer_unresolved(public_on_app=True))
    assert violations(report, "security-group-no-public-ingress") == []
    notes = _balancer_notes(report)
    assert len(notes) == 1 and "'network-service-sg'" in notes[0], messages(report)


def test_a_public_443_on_a_known_balancers_group_passes_without_a_note() -> None:
    """The other side: the known load balancer's own 443 rule is judged (it passes) whatever
    another balancer's unknown groups are; no note is made for it. Same mutant."""
    report = run_case(_second_balancer_unresolved(public_on_app=False))
    assert violations(report, "security-group-no-public-ingress") == []
    assert not _balancer_notes(report), messages(report)


@pytest.mark.parametrize("port", [0, 65536])
def test_an_allowed_public_port_outside_1_to_65535_is_a_config_error(
    tmp_path: Any, port: int
) -> None:
    """`allowedPublicPorts` holds TCP ports: 0 or 65536 is refused by the config's schema with
    the policy, key and bound named, before anything is judged. Mutant: the schema's maximum
    (or minimum) dropped."""
    config = {"security-group-no-public-ingress": {"allowedPublicPorts": [443, port]}}
    message = _config_errors(tmp_path, config)
    assert "security-group-no-public-ingress: allowedPublicPorts.1: " in message, message
    bound = "maximum of 65535" if port > 1 else "minimum of 1"
    assert bound in message, message


@pytest.mark.parametrize("value", ["", " , ", ","])
def test_a_tls_version_parameter_naming_no_version_is_refused(value: str) -> None:
    """`tls_version` / `ssl_min_protocol_version` set to nothing (empty, or only commas) states
    no minimum at all, which the engine reads as its own default (TLS 1.0 on older MySQL): it
    is refused like an old version, not passed as 'no old version named'. Mutant: the
    `not versions` clause dropped."""
    report = run_case(parameter_group("tls_version", value, "mysql8.0"))
    found = violations(report, "rds-tls-minimum-version")
    assert [v.name for v in found] == ["database-params"], found
    assert "parameters[tls_version]" in found[0].message


@pytest.mark.parametrize("type_", [INGRESS_RULE, EGRESS_RULE])
def test_an_empty_group_id_is_a_group_the_stack_does_not_create(type_: str) -> None:
    """An empty id for the group a rule belongs to names no group of this stack; AWS refuses it
    at `up`, so the preview reports it like a foreign id instead of passing it as 'not a
    literal' (the sample's mutant, `bool(value)` dropped, was the fail-closed reading: kept)."""
    empty_owner = _rule(type_, securityGroupId="", referencedSecurityGroupId=OWN_GROUP)
    assert _findings(empty_owner) == [("sg-reference", "rule", "securityGroupId")]


@pytest.mark.parametrize(
    ("type_", "prop"),
    [
        ("aws:iam/rolePolicy:RolePolicy", "policy"),
        ("aws:iam/policy:Policy", "policy"),
        ("aws:iam/userPolicy:UserPolicy", "policy"),
        ("aws:iam/groupPolicy:GroupPolicy", "policy"),
        ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
        ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
        ("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyDocument"),
    ],
)
def test_every_kind_of_policy_document_is_judged_whoever_it_is_attached_to(
    type_: str, prop: str
) -> None:
    """A policy document IAM would refuse (a misspelt Effect) is reported whether it is a role's,
    a user's, a group's, a managed policy or a resource policy: the same document is the same
    mistake. Mutant: one type dropped from the table of documents the check reads."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Alow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    found = _findings(_record("doc", type_, {prop: json.dumps(document)}))
    assert ("iam-policy-document", "doc", prop) in found, found


@pytest.mark.parametrize("statements", [[], None])
def test_a_trust_policy_with_no_statement_is_refused(statements: Any) -> None:
    """A trust policy whose Statement is empty or missing lets nobody assume the role, and IAM
    refuses it (MalformedPolicyDocument): reported, not passed as 'no statement to judge'.
    Mutant (second sample): the `not document.statements` clause dropped."""
    document: dict[str, Any] = {"Version": "2012-10-17"}
    if statements is not None:
        document["Statement"] = statements
    found = _findings(_record("role", ROLE, {"assumeRolePolicy": json.dumps(document)}))
    assert ("iam-trust-policy", "role", "assumeRolePolicy") in found, found


@pytest.mark.parametrize("protocol", ["132", "udp", "17", "-1"])
def test_the_internet_on_an_allowed_port_is_allowed_only_over_tcp(protocol: str) -> None:
    """The load balancer's group may take the internet on TCP 80/443 only: the same port over
    SCTP (132), UDP or all traffic is a finding. (The second sample's mutant here, `==` widened
    to `"tcp" in protocol`, is equivalent: EC2 names a protocol tcp, udp, icmp, icmpv6 or by
    number, and no other name contains "tcp".)"""
    rule = "security-group-no-public-ingress"
    report = run_case(
        lambda r: {
            "alb_ingress": replace(
                r["alb_ingress"], ipProtocol=protocol, cidrIpv4="0.0.0.0/0", drop=["prefixListId"]
            )
        }
    )
    found = violations(report, rule)
    assert [v.name for v in found] == ["network-lb-from-cloudfront"], found


@pytest.mark.parametrize(("length", "refused"), [(24, False), (25, True)])
def test_an_autonamed_load_balancer_fits_32_characters_with_pulumis_8_character_suffix(
    length: int, refused: bool
) -> None:
    """Pulumi autonames a resource `<logical name>-<7 hex>` (8 characters added); a load
    balancer name has at most 32, so a logical name of 24 fits and 25 does not. Mutant (second
    sample): the suffix counted as 7."""
    name = "a" * length
    load_balancer = _record(name, "aws:lb/loadBalancer:LoadBalancer", {"internal": True})
    found = [f for f in _findings(load_balancer) if f[0] == "name-load-balancer"]
    assert found == ([("name-load-balancer", name, "name")] if refused else []), found


def test_a_retention_left_to_an_aws_default_below_the_minimum_is_refused() -> None:
    """A cache without snapshotRetentionLimit takes AWS's default, 0 days (no snapshots): below
    prod's minimum, so it is refused and the finding names the default. Mutant (second sample):
    `when_missing >= minimum` dropped (any AWS default then passed)."""
    report = run_case(lambda r: {"cache": replace(r["cache"], drop=["snapshotRetentionLimit"])})
    found = violations(report, "elasticache-snapshot-retention")
    assert [v.name for v in found] == ["cache-group"], found
    assert "not set (AWS default 0 days)" in found[0].message, found[0].message


@pytest.mark.parametrize("odd", [True, 1, ["token"]])
def test_a_write_only_auth_token_that_is_not_text_is_no_token(odd: Any) -> None:
    """A cache's AUTH token counts when it is text (a secret's value); a write-only token given
    as a boolean, a number or a list is no token, so a cache without user groups is refused.
    Mutant (second sample): the `isinstance(token_wo, str)` clause dropped."""
    report = run_case(lambda r: {"cache": replace(r["cache"], drop=["authToken"], authTokenWo=odd)})
    found = violations(report, "elasticache-in-transit-encryption")
    assert [v.name for v in found] == ["cache-group"], found


# --- the blind sample of 2026-12-08 (docs/mutation/sample-blind-1208.jsonl) ---------------------

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def _container(name: str, **members: Any) -> dict[str, Any]:
    return {"name": name, "image": "public.ecr.aws/docker/library/nginx:1.27", **members}


def _task(*containers: dict[str, Any], memory: str = "1024") -> ResourceRecord:
    inputs = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "512",
        "memory": memory,
        "containerDefinitions": json.dumps(list(containers)),
    }
    return _record("web-task", TASK_DEFINITION, inputs)


def _said(*records: ResourceRecord) -> list[str]:
    run = StackRun("prod", "perfcheck", records, {})
    return [f"{f.check_id} {f.property_path}: {f.aws_says}" for f in pack_findings(run)]


@pytest.mark.parametrize(
    ("essentials", "refused"),
    [
        ((None,), False),
        ((None, None), False),
        ((None, False), False),
        ((False, None), False),
        ((True, False), False),
        ((False,), True),
        ((False, False), True),
    ],
)
def test_a_container_that_does_not_say_essential_is_essential(
    essentials: tuple[bool | None, ...], refused: bool
) -> None:
    """ECS defaults `essential` to true: a task whose containers leave it unset has an essential
    container; only every container saying false has none (blind:12, the default read as false)."""
    containers = [
        _container(f"c{i}", **({} if e is None else {"essential": e}))
        for i, e in enumerate(essentials)
    ]
    said = _said(_task(*containers))
    assert any("at least one essential container" in s for s in said) is refused, said


@pytest.mark.parametrize(
    ("ports", "refused"),
    [
        ((443, 443), False),
        ((80, 80), False),
        ((443, 8443), True),  # starts at an allowed port
        ((0, 443), True),  # ends at one
        ((1, 80), True),
        ((80, 443), True),  # both ends allowed, every port between too
        ((442, 443), True),
        ((444, 444), True),
        ((8443, 8443), True),
    ],
)
def test_the_internet_is_allowed_on_exactly_an_allowed_port_not_a_range_touching_one(
    ports: tuple[int, int], refused: bool
) -> None:
    """The load balancer's group may take the internet on a single allowed port (80, 443); a
    range is judged by every port in it, so one that starts or ends at an allowed port opens the
    others (blind:30, the range's last port judged alone)."""
    rule = "security-group-no-public-ingress"
    low, high = ports
    report = run_case(
        lambda r: {
            "alb_ingress": replace(
                r["alb_ingress"],
                cidrIpv4="0.0.0.0/0",
                drop=["prefixListId"],
                fromPort=low,
                toPort=high,
            )
        }
    )
    found = [v.name for v in violations(report, rule)]
    assert found == (["network-lb-from-cloudfront"] if refused else []), found


@pytest.mark.parametrize(
    ("cidr", "public"),
    [
        ("10.0.0.0/8", False),
        ("10.255.255.255/32", False),
        ("9.255.255.255/32", True),
        ("11.0.0.0/32", True),
        ("172.16.0.0/12", False),
        ("172.15.255.255/32", True),
        ("172.32.0.0/16", True),
        ("192.168.0.0/16", False),
        ("192.169.0.0/16", True),
        ("100.64.0.0/10", False),  # carrier-grade NAT, RFC 6598
        ("100.127.255.255/32", False),
        ("100.63.255.255/32", True),
        ("100.128.0.0/16", True),
        ("100.0.0.0/8", True),
        ("100.64.0.0/9", True),  # reaches past the CGNAT range
        ("169.254.0.0/16", False),
        ("169.255.0.0/16", True),
        ("fc00::/7", False),
        ("fd12:3456::/32", False),
        ("fe00::/8", True),
        ("fe80::/10", False),
        ("fec0::/10", True),
        ("0.0.0.0/0", True),
        ("::/0", True),
    ],
)
def test_a_range_is_private_only_when_it_lies_wholly_inside_a_private_block(
    cidr: str, public: bool
) -> None:
    """Each private block (RFC 1918, CGNAT, link-local, IPv6 ULA and link-local) is exactly as
    wide as its RFC says: the addresses just outside each one are the internet (blind:31,
    100.64.0.0/10 widened to 100.0.0.0/8)."""
    assert is_public_cidr(cidr) is public


GITHUB = "token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("operator", "narrows"),
    [
        ("StringEquals", True),
        ("StringLike", True),
        ("stringequals", True),  # operators in any case
        ("StringEqualsIgnoreCase", True),
        ("ForAnyValue:StringEquals", True),  # a single-valued key: the bare operator
        ("StringEqualsIfExists", False),  # a token without the claim passes the condition
        ("StringLikeIfExists", False),
        ("stringlikeifexists", False),
        ("StringNotEquals", False),  # names who may not, so everyone else may
        ("StringNotLike", False),
        ("ForAllValues:StringEquals", False),  # true when the claim is absent
    ],
)
def test_only_a_plain_positive_subject_condition_names_who_may_assume_a_web_identity_role(
    operator: str, narrows: bool
) -> None:
    """A role trusting GitHub's OIDC provider names its repository with a positive `:sub`
    condition; an ...IfExists one lets a token without the claim in, and a negated one lets
    every other repository in (blind:33, the IfExists reading dropped)."""
    statement = {
        "Sid": "Deploy",
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            operator: {f"{GITHUB}:sub": "repo:example-org/perfcheck:ref:refs/heads/main"}
        },
    }
    document = iampolicy.parse_policy({"Version": "2012-10-17", "Statement": [statement]})
    assert isinstance(document, iampolicy.PolicyDocument)
    assert (_unnarrowed_web_identity(document, frozenset()) == []) is narrows
