"""Daily (hh24:mi-hh24:mi) and weekly (ddd:hh24:mi-ddd:hh24:mi) UTC windows, as RDS and
ElastiCache take them, turned into minute ranges of a week so they can be measured and compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
DAILY = re.compile(rf"^{_TIME}-{_TIME}$")
WEEKLY = re.compile(rf"^([a-z]{{3}}):{_TIME}-([a-z]{{3}}):{_TIME}$", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """Half-open minute ranges [start, end) within one week; a daily window has seven."""

    spans: tuple[tuple[int, int], ...]
    length: int


def parse_daily(text: str) -> Window | None:
    """A daily window such as '03:00-03:30' (may cross midnight), or None when malformed."""
    match = DAILY.match(text.strip())
    if not match:
        return None
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    length = (end - start) % MINUTES_PER_DAY
    spans = tuple(
        (day * MINUTES_PER_DAY + start, day * MINUTES_PER_DAY + start + length) for day in range(7)
    )
    return Window(spans, length)


def parse_weekly(text: str) -> Window | None:
    """A weekly window such as 'sun:04:00-sun:05:00' (may cross the week), or None."""
    match = WEEKLY.match(text.strip())
    if not match:
        return None
    start_day, end_day = match[1].lower(), match[4].lower()
    if start_day not in DAYS or end_day not in DAYS:
        return None
    start = DAYS.index(start_day) * MINUTES_PER_DAY + int(match[2]) * 60 + int(match[3])
    end = DAYS.index(end_day) * MINUTES_PER_DAY + int(match[5]) * 60 + int(match[6])
    length = (end - start) % MINUTES_PER_WEEK
    return Window(((start, start + length),), length)


def overlaps(first: Window, second: Window) -> bool:
    """True when the windows share at least one minute of the (cyclic) week."""
    for a_start, a_end in first.spans:
        for b_start, b_end in second.spans:
            for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK):
                if a_start < b_end + shift and b_start + shift < a_end:
                    return True
    return False
