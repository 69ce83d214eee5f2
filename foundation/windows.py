"""Maintenance, backup and snapshot windows as RDS and ElastiCache take them: the grammar, the
minimum lengths and the no-overlap rule, once for the settings, the components and the checks.

Daily windows are `hh24:mi-hh24:mi`, weekly ones `ddd:hh24:mi-ddd:hh24:mi`, both UTC; either may
wrap (past midnight, past the end of the week). Sources:
- RDS, CreateDBInstance (botocore's `rds` model): PreferredBackupWindow "Must be in the format
  hh24:mi-hh24:mi ... Must not conflict with the preferred maintenance window. Must be at least
  30 minutes"; PreferredMaintenanceWindow "ddd:hh24:mi-ddd:hh24:mi. The day values must be
  mon | tue | wed | thu | fri | sat | sun ... Must not conflict with the preferred backup
  window. Must be at least 30 minutes".
- ElastiCache, CreateReplicationGroup (botocore's `elasticache` model): PreferredMaintenanceWindow
  "The minimum maintenance window is a 60 minute period"; the user guide, "Scheduling automatic
  backups": "The minimum length for the backup window is 60 minutes". ElastiCache refuses a
  snapshot window that overlaps the maintenance window (InvalidParameterCombination; from the
  service's error, not from a quoted page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

RDS_MIN_WINDOW_MINUTES = 30
"""RDS: both the backup and the maintenance window last at least 30 minutes."""
ELASTICACHE_MIN_MAINTENANCE_MINUTES = 60
ELASTICACHE_MIN_SNAPSHOT_MINUTES = 60

_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
DAILY = re.compile(rf"^{_TIME}-{_TIME}$")
WEEKLY = re.compile(rf"^([a-z]{{3}}):{_TIME}-([a-z]{{3}}):{_TIME}$", re.IGNORECASE)
DAILY_FORM = "hh24:mi-hh24:mi (UTC, 00:00 to 23:59), e.g. 03:00-04:00"
WEEKLY_FORM = (
    "ddd:hh24:mi-ddd:hh24:mi (UTC; ddd one of mon, tue, wed, thu, fri, sat, sun), "
    "e.g. sun:04:00-sun:05:00"
)
WINDOW_FIX = "Give each window in the form and length the message names, apart from the other."


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


def window_problem(text: str, weekly: bool, minimum_minutes: int) -> str | None:
    """Why AWS would refuse this window on its own (form, length), or None when it takes it."""
    window = parse_weekly(text) if weekly else parse_daily(text)
    if window is None:
        return f"expected a window {WEEKLY_FORM if weekly else DAILY_FORM}"
    if window.length < minimum_minutes:
        return (
            f"expected a window of at least {minimum_minutes} minutes (AWS refuses shorter "
            f"ones); this one lasts {window.length}"
        )
    return None


def overlap_problem(daily: str, weekly: str, daily_name: str = "the daily window") -> str | None:
    """Why a daily backup/snapshot window and the weekly maintenance window clash, or None
    (also None when either is malformed: that is reported on its own)."""
    first, second = parse_daily(daily), parse_weekly(weekly)
    if first is None or second is None or not overlaps(first, second):
        return None
    return f"overlaps {daily_name} ({daily}); AWS refuses windows that overlap: move one"


def window_pair_problems(
    daily_key: str, daily: str | None, daily_minimum: int, weekly: str | None, weekly_minimum: int
) -> list[tuple[str, str]]:
    """(key, why AWS refuses it) for a resource's daily backup/snapshot window and its weekly
    `maintenanceWindow`, each on its own, then together; absent windows are AWS's defaults."""
    problems = [
        (key, problem)
        for key, text, is_weekly, minimum in (
            (daily_key, daily, False, daily_minimum),
            ("maintenanceWindow", weekly, True, weekly_minimum),
        )
        if text and (problem := window_problem(text, is_weekly, minimum))
    ]
    clash = overlap_problem(daily, weekly, daily_key) if daily and weekly else None
    return [*problems, (f"{daily_key}/maintenanceWindow", clash)] if clash else problems
