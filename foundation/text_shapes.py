"""Is a string a name people wrote, or a value a generator made? One answer for every reader.

A tag value such as `Q3-Campaign-Launch-Readiness-Review-2026` mixes upper case, lower case and
digits and is long, which is what a generated secret looks like to a character-class or entropy
test. What tells them apart is structure: the name is words (and numbers) joined by separators;
a generated secret mixes letters and digits inside its segments. The settings' secret check (tag
values) and the credential scanner (header values) both ask this before judging by randomness.
"""

from __future__ import annotations

import re
from typing import Final

_SEPARATORS: Final = re.compile(r"[-_.:/+@ ]+")
_WORD: Final = re.compile(r"[A-Za-z][a-z]*[0-9]*|[A-Z]+[0-9]*|[0-9]+")
"""One segment a person writes: a word (lower case, Capitalised or UPPER), optionally followed
by a number (Q3, v2, Release2026), or a number."""


def word_shaped(text: str) -> bool:
    """Whether every separator-delimited segment of `text` is a word or a number (a name, not
    a generated value). Empty text is not word-shaped."""
    segments = [part for part in _SEPARATORS.split(text.strip()) if part]
    return bool(segments) and all(_WORD.fullmatch(part) for part in segments)
