"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): foundation.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

import pytest

from foundation.windows import (
    ELASTICACHE_MIN_SNAPSHOT_MINUTES,
    RDS_MIN_WINDOW_MINUTES,
    parse_daily,
    window_problem,
)


@pytest.mark.parametrize(
    ("text", "minutes"), [("23:45-00:15", 30), ("23:00-01:00", 120), ("00:00-23:59", 1439)]
)
def test_a_daily_window_lasts_its_minutes_also_across_midnight(text: str, minutes: int) -> None:
    """A daily window's length is counted on a 24-hour clock, wrapping at midnight. Mutant:
    MINUTES_PER_DAY = 24 * 61 (a window crossing midnight grows by the extra minutes)."""
    window = parse_daily(text)
    assert window is not None and window.length == minutes


@pytest.mark.parametrize(
    ("text", "minimum", "refused"),
    [
        ("23:45-00:14", RDS_MIN_WINDOW_MINUTES, True),
        ("23:45-00:15", RDS_MIN_WINDOW_MINUTES, False),
        ("23:30-00:29", ELASTICACHE_MIN_SNAPSHOT_MINUTES, True),
        ("23:30-00:30", ELASTICACHE_MIN_SNAPSHOT_MINUTES, False),
    ],
)
def test_the_minimum_length_holds_for_a_window_across_midnight(
    text: str, minimum: int, refused: bool
) -> None:
    """AWS's minimum window length (RDS 30, ElastiCache 60 minutes) is a boundary: one minute
    short across midnight is refused, the minimum itself taken."""
    assert (window_problem(text, weekly=False, minimum_minutes=minimum) is not None) is refused
