"""The database instance classes and cache node types a stack may name, one dated list per engine.

The settings check `database.instanceClass` and `cache.nodeType` against these lists before
anything is registered (a typo or a class the engine does not offer fails in seconds, not at
`pulumi up`), and a test checks that every class in the cost pack's allow-lists
(`policies/config/*.cost.json`) is in them, so an allow-list cannot name a class that does not
exist. Sources: the RDS User Guide ("DB instance classes": supported classes for RDS for
PostgreSQL, hardware specifications) and the ElastiCache User Guide ("Supported node types");
current generation only. Memory (GiB) decides PostgreSQL's default max_connections.
"""

from __future__ import annotations

from collections.abc import Iterable

CLASSES_AS_OF = "2026-12-05"

_SIZES_GIB_PER_VCPU = {"m": 4, "r": 8}
_VCPUS = {
    "large": 2,
    "xlarge": 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "12xlarge": 48,
    "16xlarge": 64,
    "24xlarge": 96,
    "32xlarge": 128,
    "48xlarge": 192,
}
_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}


def _family(prefix: str, family: str, largest: str) -> dict[str, float]:
    """Every size of a fixed-performance family up to `largest`, with its memory."""
    per_vcpu = _SIZES_GIB_PER_VCPU[family[0]]
    sizes = list(_VCPUS)
    return {
        f"{prefix}.{family}.{size}": float(_VCPUS[size] * per_vcpu)
        for size in sizes[: sizes.index(largest) + 1]
    }


def _sizes(prefix: str, family: str, sizes: Iterable[str]) -> list[str]:
    """A family that skips some sizes (ElastiCache m5/r5 have no 8xlarge or 16xlarge)."""
    return [f"{prefix}.{family}.{size}" for size in sizes]


def _burstable(prefix: str, family: str, sizes: Iterable[str]) -> dict[str, float]:
    return {f"{prefix}.{family}.{size}": float(_BURSTABLE_GIB[size]) for size in sizes}


RDS_POSTGRES_CLASSES_GIB: dict[str, float] = {
    **_burstable("db", "t3", ("micro", "small", "medium", "large", "xlarge", "2xlarge")),
    **_burstable("db", "t4g", ("micro", "small", "medium", "large", "xlarge", "2xlarge")),
    **_family("db", "m5", "24xlarge"),
    **_family("db", "m6g", "16xlarge"),
    **_family("db", "m6gd", "16xlarge"),
    **_family("db", "m6i", "32xlarge"),
    **_family("db", "m7g", "16xlarge"),
    **_family("db", "m7i", "48xlarge"),
    **_family("db", "m8g", "48xlarge"),
    **_family("db", "r5", "24xlarge"),
    **_family("db", "r6g", "16xlarge"),
    **_family("db", "r6gd", "16xlarge"),
    **_family("db", "r6i", "32xlarge"),
    **_family("db", "r7g", "16xlarge"),
    **_family("db", "r7i", "48xlarge"),
    **_family("db", "r8g", "48xlarge"),
}
"""RDS for PostgreSQL instance classes (current generation) -> memory in GiB."""

_CACHE_NODE_TYPES: frozenset[str] = frozenset(
    {
        *_burstable("cache", "t3", ("micro", "small", "medium")),
        *_burstable("cache", "t4g", ("micro", "small", "medium")),
        *_sizes("cache", "m5", ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
        *_family("cache", "m6g", "16xlarge"),
        *_family("cache", "m7g", "16xlarge"),
        *_sizes("cache", "r5", ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
        *_family("cache", "r6g", "16xlarge"),
        *_family("cache", "r7g", "16xlarge"),
        *_sizes(
            "cache", "r6gd", ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
        ),
    }
)

ELASTICACHE_NODE_TYPES: dict[str, frozenset[str]] = {
    "valkey": _CACHE_NODE_TYPES,
    "redis": _CACHE_NODE_TYPES,
}
"""ElastiCache node types (current generation) per engine; Valkey and Redis OSS share them."""

DATABASE_CLASSES: dict[str, frozenset[str]] = {"postgres": frozenset(RDS_POSTGRES_CLASSES_GIB)}
"""RDS instance classes per engine."""


def closest(value: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """Known names nearest to a mistyped one (for 'did you mean')."""
    import difflib

    return difflib.get_close_matches(value, sorted(known), n=limit, cutoff=0.6)
