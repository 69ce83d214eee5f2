"""Engine versions to parameter group families: a group whose family does not match the engine
is refused by AWS at deploy time, so the family is derived, never typed in.

Kept free of Pulumi imports: the settings validate the cache engine version with it.
"""

from __future__ import annotations

import re

POSTGRES_MAJORS = range(14, 19)
"""PostgreSQL majors RDS offers in standard support (family `postgres<major>`)."""

# (engine, major) -> ElastiCache parameter group family (DescribeCacheEngineVersions names).
CACHE_FAMILIES: dict[tuple[str, int], str] = {
    ("valkey", 7): "valkey7",
    ("valkey", 8): "valkey8",
    ("redis", 6): "redis6.x",
    ("redis", 7): "redis7",
}


def postgres_major(engine_version: str) -> int:
    """17 for "17", "17.6" or "17.6.1"; a clear ValueError for anything else."""
    match = re.fullmatch(r"(\d+)(\.\d+){0,2}", engine_version)
    if match is None or int(match.group(1)) not in POSTGRES_MAJORS:
        allowed = ", ".join(str(m) for m in POSTGRES_MAJORS)
        raise ValueError(
            f"PostgreSQL engine version '{engine_version}' is not supported; majors: {allowed}"
        )
    return int(match.group(1))


def postgres_parameter_group_family(engine_version: str) -> str:
    """e.g. "17.6" -> "postgres17" (RDS names PostgreSQL families by major since version 10)."""
    return f"postgres{postgres_major(engine_version)}"


def instance_engine_version(engine_version: str, auto_minor_version_upgrade: bool) -> str:
    """The engine_version to give the RDS instance.

    With automatic minor upgrades AWS moves the instance to newer minors on its own; a pinned
    minor (17.6) would then read as drift and make the next `pulumi up` try to downgrade, which
    RDS refuses. So the instance gets the major only ("17", a version prefix pulumi-aws accepts
    and RDS resolves to its default minor), and the configured minor documents the floor.
    """
    major = postgres_major(engine_version)
    return str(major) if auto_minor_version_upgrade else engine_version


def cache_parameter_group_family(engine: str, engine_version: str) -> str:
    """e.g. ("valkey", "8.0") -> "valkey8", ("redis", "6.2") -> "redis6.x"."""
    match = re.fullmatch(r"(\d+)\.\d+(\.\d+)?", engine_version)
    family = CACHE_FAMILIES.get((engine, int(match.group(1)))) if match else None
    if family is None:
        allowed = ", ".join(f"{e} {m}.x" for e, m in CACHE_FAMILIES)
        raise ValueError(f"{engine} {engine_version} is not supported; supported: {allowed}")
    return family
