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
    "w7-config-backup-minimum-lowered": (
        "a prod config value weakened (minimumDays 1): prod_floor holds levels, not values; "
        "engineer 'gates' extends prod_floor to config values this session (coordinator's note,"
        " 04:00)"
    ),
    "w7-config-rolling-strategy-allowed": (
        "a prod config value widened (allowedStrategies + ROLLING): left to the config-value "
        "floor on prod_floor (engineer 'gates')"
    ),
    "w7-config-credential-patterns-hollow": (
        "the scanner's name patterns replaced by one that matches nothing: left to the "
        "config-value floor on prod_floor (engineer 'gates'); the value scanner still reads "
        "containers by shape, not by name"
    ),
    "w7-stack-promises-multi-az-under-staging-levels": (
        "a stack that is not prod but whose own config promises Multi-AZ "
        "(perfcheck:database.multiAz) under staging's levels: the promise should set the rule's"
        " level as vpc-nat-gateway-per-az does for NAT; not done for RDS"
    ),
    "w7-grace-period-max": (
        "a health-check grace period of 2^31-1 s: no rule relates the grace period to the "
        "deployment's bake time yet (needs both read together on the service)"
    ),
    "w7-waf-every-common-rule-counted": (
        "every rule of a managed group overridden to count: telling it from tuning (a few noisy"
        " rules to count) needs each managed group's rule list, which the repository does not "
        "hold"
    ),
    "w7-alarm-ninety-day-window": (
        "a rollback alarm whose window (86,400 s x 90) outlasts any deployment: needs the "
        "service's alarms followed by name to the MetricAlarm (a stack rule); wave 6's "
        "unreachable-threshold member is the same class"
    ),
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
