"""Wave 4 (written blind, one real Pulumi program) through the real packs on prod.

Property: the packs judge resources they were not written for (issue 22): every bad member
gets a mandatory finding on one of its resources, no good member gets any finding. A member
the packs still get wrong is in KNOWN_WRONG with why; the mark is strict, so a fix that makes
it pass fails here until the entry is removed. The whole wave is judged in one pass of the
packs (harness.judge_together), which a test holds equal to judging members one by one.
"""

from __future__ import annotations

import functools

import pytest

from tests.redteam.corpus_wave4 import BAD, GOOD, PROGRAMS, captured, owner
from tests.redteam.harness import Verdict, judge, judge_together
from tests.redteam.programs import Program

KNOWN_WRONG: dict[str, str] = {}


@functools.cache
def _verdicts() -> dict[str, Verdict]:
    return judge_together(PROGRAMS)


def _params(programs: list[Program]) -> list[object]:
    return [
        pytest.param(
            p,
            id=f"{p.klass}:{p.name}",
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[p.name])]
            if p.name in KNOWN_WRONG
            else [],
        )
        for p in programs
    ]


def test_wave4_is_large_and_every_member_registers_resources() -> None:
    names = [p.name for p in PROGRAMS]
    assert len(BAD) >= 50 and len(GOOD) >= 20
    assert len(names) == len(set(names))
    assert set(KNOWN_WRONG) <= set(names), set(KNOWN_WRONG) - set(names)
    assert all(p.build({}) for p in PROGRAMS), [p.name for p in PROGRAMS if not p.build({})]
    strays = {r.name for r in captured() if owner(r.name) is None}
    assert strays == {"wave4"}, strays  # only the shared provider belongs to no member


@pytest.mark.parametrize("name", ["w4-efs-neo4j", "w4-good-sentry-dsn", "w4-good-bucket"])
def test_judging_together_equals_judging_alone(name: str) -> None:
    program = next(p for p in PROGRAMS if p.name == name)
    alone = {(v.policy, v.urn, v.enforcement_level) for v in judge(program).findings}
    together = {(v.policy, v.urn, v.enforcement_level) for v in _verdicts()[name].findings}
    assert alone == together


@pytest.mark.parametrize("program", _params(BAD))
def test_bad_member_is_caught_in_prod(program: Program) -> None:
    assert _verdicts()[program.name].caught, f"{program.name}: no mandatory finding"


@pytest.mark.parametrize("program", _params(GOOD))
def test_good_member_is_not_flagged(program: Program) -> None:
    verdict = _verdicts()[program.name]
    assert not verdict.flagged, [f"{v.policy}: {v.message}" for v in verdict.findings]
