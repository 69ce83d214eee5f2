"""One index over a stack run, built once, so every check looks things up in constant time.

Values a preview cannot know yet arrive as Pulumi's unknown sentinel; checks ask `is_unknown`
before judging a value and skip it, so an unknown is never flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from foundation.records import UNKNOWN, ResourceRecord, StackRun

# Output keys that other resources use to point at a resource.
REFERENCE_KEYS = ("id", "arn", "name")


def is_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is not known until deployment."""
    if isinstance(value, str):
        return UNKNOWN in value
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(item) for item in value)
    return False


def as_int(value: Any) -> int | None:
    """An integer input, also when it came as a numeric string; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_bool(value: Any) -> bool | None:
    """A boolean input, also when it came as "true"/"false"; None when absent or unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


class StackIndex:
    """Lookups over one StackRun: by type, by URN, and by the id/arn/name other resources use."""

    def __init__(self, run: StackRun) -> None:
        self.run = run
        self.by_urn: dict[str, ResourceRecord] = {r.urn: r for r in run.resources}
        self._by_type: dict[str, list[ResourceRecord]] = defaultdict(list)
        self._by_reference: dict[str, list[ResourceRecord]] = defaultdict(list)
        self._inputs: dict[str, Mapping[str, Any]] = {}
        for record in run.resources:
            self._by_type[record.type].append(record)
            for key in REFERENCE_KEYS:
                value = record.outputs.get(key)
                if isinstance(value, str) and value and not is_unknown(value):
                    self._by_reference[value].append(record)

    def inputs(self, record: ResourceRecord) -> Mapping[str, Any]:
        """The record's inputs with secrets unwrapped, computed once per record."""
        cached = self._inputs.get(record.urn)
        if cached is None:
            cached = record.inputs
            self._inputs[record.urn] = cached
        return cached

    def of_type(self, *types: str) -> list[ResourceRecord]:
        return [r for t in types for r in self._by_type.get(t, ())]

    def dependencies(
        self, record: ResourceRecord, prop: str, types: Iterable[str]
    ) -> list[ResourceRecord]:
        """The resources of these types that the top-level input `prop` was computed from."""
        wanted = set(types)
        found = []
        for urn in record.property_dependencies.get(prop, ()):
            dep = self.by_urn.get(urn)
            if dep is not None and dep.type in wanted:
                found.append(dep)
        return found

    def find(self, value: Any, types: Iterable[str]) -> ResourceRecord | None:
        """The resource of these types whose id, arn or name output equals the value."""
        if not isinstance(value, str):
            return None
        wanted = set(types)
        for candidate in self._by_reference.get(value, ()):
            if candidate.type in wanted:
                return candidate
        return None

    def resolve(
        self, record: ResourceRecord, prop: str, value: Any, types: Iterable[str]
    ) -> ResourceRecord | None:
        """The resource a reference value points at: by output value, else the one dependency
        whose id/arn/name the run did not record (a recorded one that differs is another value)."""
        types = tuple(types)
        found = self.find(value, types)
        if found is not None:
            return found
        deps = self.unrecorded_dependencies(record, prop, types)
        return deps[0] if len(deps) == 1 else None

    def unrecorded_dependencies(
        self, record: ResourceRecord, prop: str, types: Iterable[str]
    ) -> list[ResourceRecord]:
        """Dependencies of `prop` whose reference outputs were not recorded, so a value that
        matched no recorded output may still come from them."""
        return [
            dep
            for dep in self.dependencies(record, prop, types)
            if not any(
                isinstance(dep.outputs.get(key), str) and not is_unknown(dep.outputs[key])
                for key in REFERENCE_KEYS
            )
        ]

    def region_of(self, record: ResourceRecord) -> str | None:
        """The region a resource is created in: its own `region` input, else its provider's."""
        region = self.inputs(record).get("region")
        if isinstance(region, str) and region and not is_unknown(region):
            return region
        if record.provider is not None:
            region = record.provider.inputs.get("region")
            if isinstance(region, str) and region and not is_unknown(region):
                return region
        return None
