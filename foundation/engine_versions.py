"""Engine versions: which ones AWS offers (a dated list kept as data beside this module), and
their parameter group families (a group whose family does not match the engine is refused by AWS
at deploy time, so the family is derived, never typed in).

Kept free of Pulumi imports: the settings validate engine versions with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

OFFERED_FILE = Path(__file__).with_name("offered_engine_versions.json")
_OFFERED = json.loads(OFFERED_FILE.read_text(encoding="utf-8"))
OFFERED_AS_OF: str = _OFFERED["as_of"]
"""The date the lists were taken from AWS (refresh: see the file's `refresh`)."""
OFFERED_VERSIONS: dict[str, tuple[str, ...]] = {
    engine: tuple(_OFFERED[engine]) for engine in ("postgres", "valkey", "redis")
}
"""engine -> versions AWS offered for new instances / replication groups on OFFERED_AS_OF."""

POSTGRES_MAJORS = range(14, 19)
"""PostgreSQL majors RDS offers in standard support (family `postgres<major>`)."""


def offered_version_problem(engine: str, version: str) -> str | None:
    """Why `version` is not one AWS offers for `engine` (None when it is), naming the known ones.

    PostgreSQL may be given as a major alone ("17": RDS picks that major's default minor)."""
    offered = OFFERED_VERSIONS.get(engine, ())
    if version in offered:
        return None
    if engine == "postgres" and any(v.split(".")[0] == version for v in offered):
        return None
    return (
        f"{engine} {version} is not a version AWS offers (list of {OFFERED_AS_OF}, "
        f"foundation/{OFFERED_FILE.name}); known: {', '.join(offered)}"
    )


SUPPORTED_CACHE_MAJORS: tuple[tuple[str, int], ...] = (
    ("valkey", 7),
    ("valkey", 8),
    ("redis", 6),
    ("redis", 7),
)
"""(engine, major) pairs this project builds replication groups for."""


def version_tuple(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of "7.2", "6.x" or "5.0.6" (missing parts and "x" are 0), or None."""
    numbers = []
    for part in text.split("."):
        if part.isdigit():
            numbers.append(int(part))
        elif part == "x":
            numbers.append(0)
        else:
            return None
    if not numbers:
        return None
    major, minor, patch = [*numbers, 0, 0][:3]
    return major, minor, patch


def rds_parameter_group_family(engine: str, version: str) -> str | None:
    """The DB parameter group family of an RDS engine version, as DescribeDBEngineVersions names
    it ("postgres", "16.4" -> "postgres16"; "mysql", "8.0.39" -> "mysql8.0"), or None when the
    engine or version is not one this knows. PostgreSQL names families by major since 10."""
    parts = version.split(".")
    if not parts[0].isdigit():
        return None
    major = int(parts[0])
    minor = parts[1] if len(parts) > 1 and parts[1].isdigit() else None
    if engine == "postgres":
        if major >= 10:
            return f"postgres{major}"
        return f"postgres{major}.{minor}" if minor is not None else None
    if engine in ("mysql", "mariadb") and minor is not None:
        return f"{engine}{major}.{minor}"
    return None


def elasticache_parameter_group_family(engine: str, version: str) -> str | None:
    """The ElastiCache parameter group family of an engine version, as
    DescribeCacheEngineVersions names it ("valkey", "8.0" -> "valkey8"; "redis", "6.2" ->
    "redis6.x"; "redis", "5.0.6" -> "redis5.0"), or None when it cannot be told."""
    parsed = version_tuple(version)
    if parsed is None:
        return None
    major, minor = parsed[0], parsed[1]
    if engine == "valkey":
        return f"valkey{major}"
    if engine == "redis":
        if major >= 7:
            return f"redis{major}"
        if major == 6:
            return "redis6.x"
        return f"redis{major}.{minor}"
    return None


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
    postgres_major(engine_version)  # refuses what this project does not run
    return str(rds_parameter_group_family("postgres", engine_version))


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
    """e.g. ("valkey", "8.0") -> "valkey8", ("redis", "6.2") -> "redis6.x"; a clear ValueError
    for a version this project does not build (only major.minor or major.minor.patch)."""
    match = re.fullmatch(r"(\d+)\.\d+(\.\d+)?", engine_version)
    supported = match is not None and (engine, int(match.group(1))) in SUPPORTED_CACHE_MAJORS
    family = elasticache_parameter_group_family(engine, engine_version) if supported else None
    if family is None:
        allowed = ", ".join(f"{e} {m}.x" for e, m in SUPPORTED_CACHE_MAJORS)
        raise ValueError(f"{engine} {engine_version} is not supported; supported: {allowed}")
    return family
