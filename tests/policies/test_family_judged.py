"""A type is judged for each family it belongs to, not merely listed by some rule (issue 22).

Before, any rule that listed a type (a tag rule, a naming rule, a front-door rule) made the type
"judged", so the fail-closed rule `resource-type-judged` stayed silent about the type's other
properties: a CloudTrail trail judged for being switched off was never judged for encryption.

Property guarded: every type that belongs to a family (encryption at rest, TLS in transit,
public access; membership generated from pulumi-aws's constructor inputs into
family_members.json) is judged by a rule of that family, or a resource of it is a finding of
`resource-type-judged` naming the family. Credentials and cost judge every type by construction
(the scanner reads every string input; the estimate prices, frees or bounds every resource).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from tests.policies.builders import compliant_resources, stack_run
from tests.redteam.harness import Verdict, config_dir_for, judge_together
from tests.redteam.programs import STACK, Program, one
from tools import gen_policy_files
from tools.offline.policy_driver import evaluate_packs, load_pack

load_pack("guardrails")

from perfcheck_guardrails import judged_types  # noqa: E402

RULE = "resource-type-judged"

GAP_MEMBERS = {
    # listed by a rule of another concern, in a family no rule of which judges them (today)
    "aws:cloudtrail/trail:Trail": "encryption at rest",
    "aws:dms/replicationInstance:ReplicationInstance": "encryption at rest",
}


def _name(type_token: str) -> str:
    return "fam-" + type_token.split(":")[1].replace("/", "-").lower()


@functools.cache
def _verdicts() -> dict[str, Verdict]:
    """One resource of every family member (no inputs), judged in one pass."""
    tokens = sorted({t for members in judged_types.FAMILY_MEMBERS.values() for t in members})
    programs = [Program(_name(t), "family", True, one(t, _name(t), {})) for t in tokens]
    return {t: v for t, v in zip(tokens, judge_together(programs).values(), strict=True)}


def _type_findings(type_token: str) -> list[str]:
    return [v.message for v in _verdicts()[type_token].findings if v.policy == RULE]


@pytest.mark.parametrize("family", sorted(judged_types.FAMILY_MEMBERS))
def test_every_member_of_a_family_is_judged_by_that_family_or_a_finding(family: str) -> None:
    unjudged = [
        token
        for token in judged_types.FAMILY_MEMBERS[family]
        if family not in judged_types.judged_families().get(token, frozenset())
        and not _type_findings(token)
    ]
    assert not unjudged, f"{family}: members passed unseen: {unjudged}"


@pytest.mark.parametrize(("type_token", "family"), GAP_MEMBERS.items())
def test_a_type_listed_by_another_rule_is_a_finding_for_its_unjudged_family(
    type_token: str, family: str
) -> None:
    assert judged_types.judged_types().get(type_token), "some rule lists the type"
    found = _type_findings(type_token)
    assert [m for m in found if f"of the {family} family" in m and "judged by" in m], found


def test_a_type_judged_by_its_family_rule_is_no_type_finding() -> None:
    """The sibling of the gap members: judged for every family it belongs to (an SQS queue by
    data-encrypted-at-rest, a load balancer's `internal` by the network rules)."""
    for token in ("aws:sqs/queue:Queue", "aws:lb/loadBalancer:LoadBalancer"):
        assert _type_findings(token) == [], token


def test_the_family_table_is_generated_from_the_installed_pulumi_aws() -> None:
    """A new pulumi-aws type taking a family's input joins the family on `make regen`; a stale
    table fails here (the membership is not hand-kept)."""
    current = json.loads(gen_policy_files.family_members_text())["families"]
    assert current == judged_types.FAMILY_MEMBERS
    assert "aws:sqs/queue:Queue" in current["encryption at rest"]
    assert "aws:rds/instance:Instance" in current["public access"]


def test_a_reviewed_gap_type_is_waived_and_its_review_is_not_stale() -> None:
    """A type some rule lists but no family rule judges may be reviewed with a reason: the
    review is current (not 'judged by ... (stale)') while a family of the type is unjudged."""
    token = "aws:cloudtrail/trail:Trail"

    def review(config: dict[str, Any]) -> None:
        entry = config.setdefault(RULE, {"enforcementLevel": "mandatory"})
        if isinstance(entry, str):
            entry = config[RULE] = {"enforcementLevel": entry}
        entry.setdefault("reviewedTypes", []).append(
            {"type": token, "reason": "the trail's bucket is SSE-KMS encrypted by policy"}
        )

    program = Program("reviewed-trail", "family", False, one(token, "reviewed-trail", {}), review)
    resources = compliant_resources(STACK)
    resources.update(program.build(resources))
    report = evaluate_packs(
        stack_run(resources, STACK), STACK, config_dir_for(program), packs=("guardrails",)
    )
    about = [v.message for v in report.violations if v.policy == RULE and token in v.message]
    assert about == []
