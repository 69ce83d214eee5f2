"""Wave 7 (blind corpus, config abuse first): every bad member caught in prod, no good member
flagged.

The plain members are judged in one pass of the packs; a member with a config or stack of its own
(exemptions, reviewed types, levels, another stack name) in a run of its own
(tests.redteam.harness.judge_corpus). KNOWN_WRONG is strict: a member listed there that the
packs now judge right fails the test until it leaves the list.
"""

from __future__ import annotations

import pytest

from tests.redteam import corpus_wave7
from tests.redteam.harness import Verdict, judge_corpus

KNOWN_WRONG: dict[str, str] = {
    "w7-exempt-parent-name-other-component": "first run: judged wrong",
    "w7-exempt-reason-todo": "first run: judged wrong",
    "w7-exempt-reason-na": "first run: judged wrong",
    "w7-exempt-reason-expired": "first run: judged wrong",
    "w7-exempt-no-property-reason-names-one-container": "first run: judged wrong",
    "w7-config-backup-minimum-lowered": "first run: judged wrong",
    "w7-config-rolling-strategy-allowed": "first run: judged wrong",
    "w7-config-credential-patterns-hollow": "first run: judged wrong",
    "w7-stack-promises-multi-az-under-staging-levels": "first run: judged wrong",
    "w7-reviewed-admin-policy-attachment": "first run: judged wrong",
    "w7-reviewed-poweruser-attachment": "first run: judged wrong",
    "w7-reviewed-scaling-max-zero": "first run: judged wrong",
    "w7-reviewed-created-by-borrowed": "first run: judged wrong",
    "w7-opensearch-node-to-node-off": "first run: judged wrong",
    "w7-grace-period-max": "first run: judged wrong",
    "w7-canary-hundred-percent": "first run: judged wrong",
    "w7-linear-one-step": "first run: judged wrong",
    "w7-dynamodb-pitr-one-day": "first run: judged wrong",
    "w7-waf-every-common-rule-counted": "first run: judged wrong",
    "w7-alarm-ninety-day-window": "first run: judged wrong",
    "w7-victoria-metrics-on-efs": "first run: judged wrong",
    "w7-db-pw-short-name": "first run: judged wrong",
    "w7-good-dynamodb-gsi-keys": "first run: judged wrong",
}


def _describe(verdict: Verdict) -> str:
    rules = sorted({f"{v.policy}[{v.enforcement_level}]" for v in verdict.findings})
    rejected = " (config rejected)" if verdict.rejected else ""
    return f"{verdict.program.name} ({'bad' if verdict.program.bad else 'good'}): {rules}{rejected}"


def test_wave7_is_large_and_every_member_registers_resources() -> None:
    """The corpus keeps its size (70 bad, 30 good at least) and no member is empty."""
    assert len(corpus_wave7.BAD) >= 70 and len(corpus_wave7.GOOD) >= 30
    empty = [p.name for p in corpus_wave7.PROGRAMS if not corpus_wave7.records_of(p.name)]
    assert not empty, f"members that register nothing: {empty}"
    names = [p.name for p in corpus_wave7.PROGRAMS]
    assert len(names) == len(set(names)), "two members share a name"
    assert set(KNOWN_WRONG) <= set(names), "KNOWN_WRONG names a member gone"


@pytest.mark.filterwarnings("ignore")
def test_every_bad_member_caught_and_no_good_member_flagged() -> None:
    """Judged through the real packs on prod's config (or the member's own): a bad member needs
    a mandatory finding or a refused config, a good one no finding at all; KNOWN_WRONG lists
    exactly the members judged wrong."""
    verdicts = judge_corpus(corpus_wave7.PROGRAMS)
    wrong = {name for name, verdict in verdicts.items() if not verdict.correct}
    newly_wrong = sorted(wrong - set(KNOWN_WRONG))
    now_right = sorted(set(KNOWN_WRONG) - wrong)
    assert not newly_wrong, "judged wrong:\n" + "\n".join(
        _describe(verdicts[n]) for n in newly_wrong
    )
    assert not now_right, f"judged right now, remove from KNOWN_WRONG: {now_right}"
