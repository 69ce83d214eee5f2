"""The red-team corpus through the real packs on prod: every bad program caught (a mandatory
finding on one of its resources), no good program flagged (no finding on any of its resources).

Property: the packs judge what they were not written for (issue 22). A program the packs still
get wrong is listed in KNOWN_WRONG with why; the mark is strict, so a fix that makes it pass
fails here until the entry is removed.
"""

from __future__ import annotations

import pytest

from tests.redteam.corpus import BAD, GOOD
from tests.redteam.harness import judge
from tests.redteam.programs import Program

KNOWN_WRONG: dict[str, str] = {}


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


def test_corpus_is_large_and_names_are_unique() -> None:
    names = [p.name for p in (*BAD, *GOOD)]
    assert len(BAD) >= 60 and len(GOOD) >= 25
    assert len(names) == len(set(names))
    assert set(KNOWN_WRONG) <= set(names), set(KNOWN_WRONG) - set(names)


@pytest.mark.parametrize("program", _params(BAD))
def test_bad_program_is_caught_in_prod(program: Program) -> None:
    verdict = judge(program)
    assert verdict.caught, (
        f"{program.name} ({program.klass}): no mandatory finding on its resources"
    )


@pytest.mark.parametrize("program", _params(GOOD))
def test_good_program_is_not_flagged(program: Program) -> None:
    verdict = judge(program)
    assert not verdict.flagged, [f"{v.policy}: {v.message}" for v in verdict.findings]
