"""The least a month a resource the estimate cannot price costs, read from its size settings.

The estimate prices what foundation/prices.json lists; anything else used to leave the total
unseen. A size setting (an instance or node type times its count, provisioned IOPS, throughput,
shards, capacity units, storage GB) bills whether used or not, so its cost can be bounded from
below without usage assumptions: each rate here is the lowest on-demand price AWS lists for the
unit in any commercial region (us-east-1, from knowledge, not read from a page: an under-estimate
on purpose, so a resource over the limit is over it for certain). A setting the bound cannot read
(unknown at preview, an instance size it cannot parse) is None: the caller fails closed on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

HOURS = 730
SOURCE = "https://aws.amazon.com/ec2/pricing/on-demand/ and each service's pricing page"

_SIZE = re.compile(
    r"^(?:[a-z]+\.)?[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|(\d*)xlarge)(?:\.[a-z]+)?$"
)
HOURLY_BY_SIZE = {"nano": 0.0042, "micro": 0.0084, "small": 0.0168, "medium": 0.0255}
"""t4g's nano to small and a1.medium, the cheapest of each size; large is a1.large ($0.051),
each 'xlarge' unit $0.102: a managed node (db., cache., search, kafka.) costs more than EC2's."""
LARGE_HOURLY = 0.051
BILLED_ELSEWHERE = frozenset({"db.serverless"})
"""Aurora Serverless v2 instances bill the cluster's capacity units (bounded there)."""

TYPE_KEY = re.compile(r"(instance|node)_?(type|class)$", re.IGNORECASE)
"""Keys that always size: an unreadable value of one is not bounded (fail closed)."""
PAIRED_TYPE_KEY = re.compile(r"^(dedicatedMaster|warm|coordinator)Type$")
COUNT_KEYS = (
    "instanceCount",
    "initialInstanceCount",
    "numberOfNodes",
    "numberOfBrokerNodes",
    "nodeCount",
    "numCacheNodes",
    "desiredSize",
)

VOLUME_GB = {"gp3": 0.08, "gp2": 0.10, "io1": 0.125, "io2": 0.125, "st1": 0.045, "sc1": 0.015}
GB_FLOOR = 0.013
"""Per GB-month where the volume type is not stated: FSx for Windows HDD, the cheapest store."""
IOPS = {"io1": (0.065, 0), "io2": (0.032, 0), "gp3": (0.005, 3000)}
"""(USD per IOPS-month, IOPS included): io2's lowest tier (over 64,000); gp3's above 3,000."""
THROUGHPUT = {"gp3": (0.04, 125)}

PER_UNIT: dict[str, tuple[float, float, str]] = {
    # key: (USD per unit-month, units included free, unit)
    "shardCount": (0.015 * HOURS, 0, "shard"),
    "readCapacity": (0.00013 * HOURS, 0, "read capacity unit"),
    "writeCapacity": (0.00065 * HOURS, 0, "write capacity unit"),
    "readCapacityUnits": (0.00013 * HOURS, 0, "read capacity unit"),
    "writeCapacityUnits": (0.00065 * HOURS, 0, "write capacity unit"),
    "provisionedThroughputInMibps": (6.0, 0, "MiB/s of EFS provisioned throughput"),
    "throughputCapacity": (0.26, 0, "MB/s of FSx throughput capacity"),
    "volumeThroughput": (0.04, 0, "MiB/s of provisioned storage throughput"),
    "provisionedConcurrentExecutions": (
        0.0000041667 * 0.125 * HOURS * 3600,
        0,
        "provisioned Lambda environment (128 MB)",
    ),
}
GB_KEYS = frozenset({"size", "volumeSize", "allocatedStorage", "storageCapacity", "diskSize"})
ACU_MONTH = 0.12 * HOURS
"""Aurora Serverless v2: USD per ACU-month; the cluster never drops below its minCapacity."""


def instance_hourly(value: Any) -> float | None:
    """Lowest hourly price of one instance of this size name (None: not a size it can read)."""
    if value in BILLED_ELSEWHERE:
        return 0.0
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    size, multiple = match.groups()
    if size in HOURLY_BY_SIZE:
        return HOURLY_BY_SIZE[size]
    if size == "large":
        return LARGE_HOURLY
    return 2 * LARGE_HOURLY * (int(multiple) if multiple else 1)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _count(mapping: Mapping[str, Any], prefix: str, top: Mapping[str, Any]) -> float:
    """How many nodes a type in `mapping` sizes: its own count, a sibling's, the resource's, 1."""
    for where, keys in ((mapping, (f"{prefix}Count", *COUNT_KEYS)), (top, COUNT_KEYS)):
        for key in keys:
            count = _number(where.get(key))
            if count is not None:
                return max(count, 0.0)
    return 1.0


def _volume_type(mapping: Mapping[str, Any]) -> str:
    kind = mapping.get("volumeType") or mapping.get("type") or mapping.get("storageType")
    return str(kind).lower() if kind else ""


def _settings(
    mapping: Mapping[str, Any], top: Mapping[str, Any], path: str, depth: int
) -> Iterator[tuple[str, float | None]]:
    """(where, USD a month or None when unreadable) for each size setting in `mapping`."""
    kind = _volume_type(mapping)
    for key, value in mapping.items():
        where = f"{path}.{key}" if path else key
        if key == "instanceTypes" and isinstance(value, list):  # EKS node groups: the cheapest
            hourly = [instance_hourly(v) for v in value]
            known = [h for h in hourly if h is not None]
            count = _count(mapping.get("scalingConfig") or {}, "", top)
            yield where, min(known) * HOURS * count if known and len(known) == len(hourly) else None
            continue
        if isinstance(value, Mapping | list) and depth < 4:
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if isinstance(child, Mapping):
                    label = f"{where}[{index}]" if isinstance(value, list) else where
                    yield from _settings(child, top, label, depth + 1)
            continue
        paired = PAIRED_TYPE_KEY.match(key)
        if TYPE_KEY.search(key) or (paired and value is not None):
            if value == "":
                continue
            hourly = instance_hourly(value)
            prefix = re.sub(r"_?(type|class)$", "", key, flags=re.IGNORECASE)
            count = _count(mapping, prefix, top)
            yield where, None if hourly is None else hourly * HOURS * count
        elif key in PER_UNIT or key == "iops" or key == "throughput" or key in GB_KEYS:
            number = _number(value)
            if value is None or number is None:
                yield where, None
                continue
            yield where, _unit_cost(key, number, kind) * (_count(top, "", top) if depth else 1)
        elif key == "minCapacity" and path.endswith("serverlessv2ScalingConfiguration"):
            number = _number(value)
            yield where, None if number is None else number * ACU_MONTH


def _unit_cost(key: str, number: float, kind: str) -> float:
    if key in PER_UNIT:
        rate, free, _ = PER_UNIT[key]
    elif key == "iops":
        rate, free = IOPS.get(kind, IOPS["gp3"])
    elif key == "throughput":
        rate, free = THROUGHPUT.get(kind, THROUGHPUT["gp3"])
    else:
        rate, free = VOLUME_GB.get(kind, GB_FLOOR), 0
    return rate * max(number - free, 0.0)


def monthly_floor(props: Mapping[str, Any]) -> tuple[float | None, list[str]]:
    """(least USD a month the size settings cost, the settings read); the figure is None when
    a size setting is unknown or unreadable (fail closed), 0 when nothing sizes the resource."""
    total = 0.0
    read: list[str] = []
    unreadable = False
    for where, usd in _settings(props, props, "", 0):
        read.append(where)
        if usd is None:
            unreadable = True
        else:
            total += usd
    return (None if unreadable else total), read
