"""Wave 5 (blind corpus): every bad member caught in prod, no good member flagged.

The whole corpus is judged in one pass of the packs and in one test, so that the suite runs it
once (on one worker), not once per worker. KNOWN_WRONG is strict: a member listed there that the
packs now judge right fails the test until it leaves the list.
"""

from __future__ import annotations

import pytest

from tests.redteam import corpus_wave5
from tests.redteam.harness import Verdict, judge_together
from tests.redteam.wave5_members import MEMBERS

KNOWN_WRONG: dict[str, str] = {
    "w5-secret-version-plain": (
        "not visible to a pack: pulumi-aws's SDK wraps SecretVersion.secret_string in "
        "pulumi.Output.secret itself (secretsmanager/secret_version.py), so a literal in the "
        "program and a value from encrypted config reach the packs identically; the literal in "
        "source is the repository secret scan's to catch (detect-secrets in CI)"
    ),
    "w5-ssm-stringlist-password": (
        "no name context: a StringList item 'Ftp-Pa55-Prod-2026' under the parameter name 'ftp' "
        "is shaped like a hyphenated identifier, which the scanner passes by design "
        "(foundation/text_shapes.py); flagging it would flag every hyphenated list"
    ),
    "w5-waf-rules-all-excluded": (
        "corpus doubt: the member overrides four rules of AWSManagedRulesSQLiRuleSet to count, "
        "but the group has more (the SQLiExtendedPatterns_* rules, from memory) that still "
        "block; weakened, not hollow by effect, and the pack holds no managed group's rule list"
    ),
    "w5-redshift-serverless-512rpu": (
        "cost: Redshift Serverless base capacity (RPU) is neither priced nor read as a size "
        "(routed to engineer costly)"
    ),
}


def _wrong(verdict: Verdict) -> bool:
    return not verdict.correct


def _describe(verdict: Verdict) -> str:
    rules = sorted({f"{v.policy}[{v.enforcement_level}]" for v in verdict.findings})
    return f"{verdict.program.name} ({'bad' if verdict.program.bad else 'good'}): {rules}"


def test_wave5_is_large_and_every_member_registers_resources() -> None:
    """The corpus keeps its size (60 bad, 25 good at least) and no member is empty."""
    assert len(corpus_wave5.BAD) >= 60 and len(corpus_wave5.GOOD) >= 25
    empty = [m.name for m in MEMBERS if not corpus_wave5.records_of(m.name)]
    assert not empty, f"members that register nothing: {empty}"
    assert set(KNOWN_WRONG) <= {m.name for m in MEMBERS}, "KNOWN_WRONG names a member gone"


@pytest.mark.filterwarnings("ignore")
def test_every_bad_member_caught_and_no_good_member_flagged() -> None:
    """Judged through the real packs on prod's config: a bad member needs a mandatory finding,
    a good one no finding at all; KNOWN_WRONG lists exactly the members judged wrong."""
    verdicts = judge_together(corpus_wave5.PROGRAMS)
    wrong = {name for name, verdict in verdicts.items() if _wrong(verdict)}
    newly_wrong = sorted(wrong - set(KNOWN_WRONG))
    now_right = sorted(set(KNOWN_WRONG) - wrong)
    assert not newly_wrong, "judged wrong:\n" + "\n".join(
        _describe(verdicts[n]) for n in newly_wrong
    )
    assert not now_right, f"judged right now, remove from KNOWN_WRONG: {now_right}"
