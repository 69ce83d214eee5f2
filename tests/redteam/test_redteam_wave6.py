"""Wave 6 (blind corpus): every bad member caught in prod, no good member flagged.

Judged in one pass of the packs, in one test (tests/redteam/test_redteam_wave5.py's mechanics).
KNOWN_WRONG is strict: a member listed there that the packs now judge right fails the test until
it leaves the list.
"""

from __future__ import annotations

import pytest

from tests.redteam import corpus_wave6
from tests.redteam.harness import Verdict, judge_together
from tests.redteam.wave6_members import MEMBERS

KNOWN_WRONG: dict[str, str] = {}


def _describe(verdict: Verdict) -> str:
    rules = sorted({f"{v.policy}[{v.enforcement_level}]" for v in verdict.findings})
    return f"{verdict.program.name} ({'bad' if verdict.program.bad else 'good'}): {rules}"


def test_wave6_is_large_and_every_member_registers_resources() -> None:
    """The corpus keeps its size (70 bad, 30 good at least) and no member is empty."""
    assert len(corpus_wave6.BAD) >= 70 and len(corpus_wave6.GOOD) >= 30
    empty = [m.name for m in MEMBERS if not corpus_wave6.records_of(m.name)]
    assert not empty, f"members that register nothing: {empty}"
    assert set(KNOWN_WRONG) <= {m.name for m in MEMBERS}, "KNOWN_WRONG names a member gone"


@pytest.mark.filterwarnings("ignore")
def test_every_bad_member_caught_and_no_good_member_flagged() -> None:
    """Judged through the real packs on prod's config: a bad member needs a mandatory finding,
    a good one no finding at all; KNOWN_WRONG lists exactly the members judged wrong."""
    verdicts = judge_together(corpus_wave6.PROGRAMS)
    wrong = {name for name, verdict in verdicts.items() if not verdict.correct}
    newly_wrong = sorted(wrong - set(KNOWN_WRONG))
    now_right = sorted(set(KNOWN_WRONG) - wrong)
    assert not newly_wrong, "judged wrong:\n" + "\n".join(
        _describe(verdicts[n]) for n in newly_wrong
    )
    assert not now_right, f"judged right now, remove from KNOWN_WRONG: {now_right}"
