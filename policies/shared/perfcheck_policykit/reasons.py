"""A written reason (of an exemption, a reviewed type, an allowed front door) a reviewer can check.

The schema refuses a blank reason; a placeholder ('TODO', 'n/a', 'tbd', one word) is as empty,
and a reason that says when it expires ('expires 2026-03-31', 'until ...') has stopped being one
after that day. Both are config errors: the run stops before any resource is judged.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

MIN_WORDS = 3
_WORD = re.compile(r"[^\W_]{2,}")
_PLACEHOLDER = re.compile(
    r"\W*(todo|tbd|tba|fixme|xxx+|n/?a|placeholder|wip|changeme|lorem|temp|tmp)\b",
    re.IGNORECASE,
)
_EXPIRY = re.compile(
    r"\b(?:expires?|expiry|expiring|until|till|through|(?:remove|review|revisit)\s+(?:by|after|on))"
    r"\W+(\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)


def _reasons(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "reason" and isinstance(item, str):
                yield path, item
            else:
                yield from _reasons(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _reasons(item, f"{where}[{index}]")


def problem(reason: str, today: datetime.date) -> str | None:
    """What is wrong with `reason`, or None."""
    if len(_WORD.findall(reason)) < MIN_WORDS or _PLACEHOLDER.match(reason):
        return "is a placeholder, not a reason"
    for found in _EXPIRY.finditer(reason):
        try:
            expiry = datetime.date.fromisoformat(found.group(1))
        except ValueError:
            return f"names an expiry date that is no date ({found.group(1)})"
        if expiry < today:
            return f"expired on {expiry.isoformat()}"
    return None


def reason_errors(policy: str, config: Any, today: datetime.date | None = None) -> list[str]:
    """A config error for every reason in `config` (at any depth) that is none."""
    today = today or datetime.date.today()
    errors = []
    for path, reason in _reasons(config, ""):
        wrong = problem(reason, today)
        if wrong is not None:
            errors.append(
                f"{policy}: {path}: {reason!r} {wrong}; allowed: a reason a reviewer can check, "
                f"at least {MIN_WORDS} words (what the resource is for, why the rule does not "
                "apply, the ticket that accepts it), with any expiry date still ahead"
            )
    return errors
