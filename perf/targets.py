"""The owners' performance targets, read from the one file that states them.

`perf/targets.json` is the single source: the k6 gate's thresholds are tested against it and the
CloudWatch alarm settings read it through `load_targets()`, so a target changes in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS_FILE = Path(__file__).with_name("targets.json")


class TargetsError(ValueError):
    """The targets file is missing a key, has an unknown key or a value out of range."""


@dataclass(frozen=True)
class PerformanceTargets:
    """What the owners asked for (seed notes, "Performance targets")."""

    p99_latency_ms: float
    """99th percentile of request latency as seen by a client, in milliseconds (< 500 ms)."""
    error_rate_max: float
    """Largest acceptable share of failed requests, as a fraction (0.001 = 0.1 %)."""
    cache_hit_rate_min: float
    """Smallest acceptable CloudFront cache hit rate on cacheable routes, as a fraction."""
    min_requests_per_run: float
    """Fewest requests the k6 gate's scenario must have measured: below it the run judged too
    little traffic (a replaced scenario, an empty run) and fails, whatever the other thresholds."""

    @property
    def p99_latency_seconds(self) -> float:
        return self.p99_latency_ms / 1000.0


_FRACTIONS = ("error_rate_max", "cache_hit_rate_min")


def parse_targets(raw: Any, source: str = str(TARGETS_FILE)) -> PerformanceTargets:
    """Validate a decoded targets document; errors name the key, the value and what is allowed."""
    if not isinstance(raw, dict):
        raise TargetsError(f"{source}: expected a JSON object, got {type(raw).__name__}")
    expected = set(PerformanceTargets.__dataclass_fields__)
    unknown = sorted(set(raw) - expected)
    missing = sorted(expected - set(raw))
    problems: list[str] = []
    if unknown:
        problems.append(f"unknown keys {unknown} (allowed: {sorted(expected)})")
    if missing:
        problems.append(f"missing keys {missing}")
    for key in sorted(expected & set(raw)):
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{key}={value!r}: must be a number")
        elif key in _FRACTIONS and not 0 <= value <= 1:
            problems.append(f"{key}={value!r}: must be a fraction between 0 and 1")
        elif key == "min_requests_per_run" and (value != int(value) or value < 1):
            problems.append(f"{key}={value!r}: must be a whole number of requests >= 1")
        elif key == "p99_latency_ms" and value <= 0:
            problems.append(f"{key}={value!r}: must be a positive number of milliseconds")
    if problems:
        raise TargetsError(f"{source}: " + "; ".join(problems))
    return PerformanceTargets(**{key: float(raw[key]) for key in expected})


def load_targets(path: Path = TARGETS_FILE) -> PerformanceTargets:
    """The targets from `perf/targets.json` (or another file with the same shape)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise TargetsError(f"{path}: cannot read performance targets: {error}") from error
    return parse_targets(raw, str(path))
