"""One way to read a stack: the unknown marker, the coercions and the stack index every judge uses.

The policy kit (over the engine's PolicyResources), the deploy pack, the cost estimate and the
offline tools (over `foundation.records` ResourceRecords) all read resources through this module,
so "unknown", "a number", "a reference to another resource" mean the same to each of them.
Standard library only: a policy pack carries a copy of `foundation/` when it is published.

A judge reads a resource through a `ResourceView` (how to get its URN, type, a reference output and
the resources a property was computed from); `RECORDS` reads ResourceRecords, the kit supplies
one for PolicyResources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

# -- unknown -------------------------------------------------------------------------------------

UNKNOWN_WIRE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's wire sentinel for a value not known until the update runs (a string value; the
mocks and the engine's AnalyzeStack send this one)."""
ENGINE_UNKNOWNS: Final = frozenset(
    {
        UNKNOWN_WIRE,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
"""Every typed sentinel pulumi_policy's proxy knows (pulumi_policy.proxy.UNKNOWN_*_VALUE)."""


class Unknown:
    """The marker for 'not known until the update runs' (one instance: compare with `is`)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown during preview>"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value; compare it with `is UNKNOWN`")


UNKNOWN: Final = Unknown()


def is_unknown(value: Any) -> bool:
    """True for the marker and for the engine's raw sentinels."""
    return value is UNKNOWN or (isinstance(value, str) and value in ENGINE_UNKNOWNS)


def contains_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is not known until deployment (a string that
    embeds the sentinel, e.g. an ARN interpolated from an unknown, counts)."""
    if value is UNKNOWN:
        return True
    if isinstance(value, str):
        return UNKNOWN_WIRE in value or value in ENGINE_UNKNOWNS
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


# -- coercions ----------------------------------------------------------------------------------


def as_bool(value: Any) -> bool | None:
    """A boolean input, also "true"/"false" (some providers send them); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_number(value: Any) -> float | None:
    """A number from a wire value (numbers arrive as floats; some inputs are numeric strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_int(value: Any) -> int | None:
    """An integer input, also a whole float or a numeric string; None when it is not one."""
    number = as_number(value)
    if number is None or not number.is_integer():
        return None
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        return None  # '1e3', '8.0': not how an integer input is written
    return int(number)


def get(container: Any, *path: str | int) -> Any:
    """The value at `path` in plain data (dicts and lists): None when absent, UNKNOWN when it or
    a parent is not known during preview."""
    current = container
    for key in path:
        if is_unknown(current):
            return UNKNOWN
        if isinstance(key, int):
            in_range = isinstance(current, list | tuple) and -len(current) <= key < len(current)
            current = current[key] if in_range else None
        else:
            current = current.get(key) if isinstance(current, Mapping) else None
        if current is None:
            return None
    return UNKNOWN if is_unknown(current) else current


def items(container: Any, *path: str | int) -> list[Any] | Unknown:
    """The list at `path` in plain data (empty when absent; one value reads as a list of one),
    each unknown element replaced by UNKNOWN; UNKNOWN when the list itself is not known."""
    value = get(container, *path)
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        return [value]
    return [UNKNOWN if is_unknown(item) else item for item in value]


def text(value: Any) -> str | None:
    """A known, non-empty string; None for anything else (absent, unknown, another type)."""
    if isinstance(value, str) and value and not contains_unknown(value):
        return value
    return None


# -- the stack index ------------------------------------------------------------------------------

R = TypeVar("R")

REFERENCE_KEYS: Final = ("id", "arn", "name")
"""Output keys other resources use to point at a resource."""


@dataclass(frozen=True)
class ResourceView(Generic[R]):
    """How a judge reads its kind of resource object."""

    urn: Callable[[R], str]
    type: Callable[[R], str]
    output: Callable[[R, str], Any]
    """A top-level output value (None when absent)."""
    dependency_urns: Callable[[R, str], Sequence[str]]
    """URNs of the resources a top-level input was computed from."""
    own_region: Callable[[R], Any]
    provider_region: Callable[[R], Any]
    inputs: Callable[[R], Mapping[str, Any]]
    """The resource's inputs as the judge reads them (secrets unwrapped)."""
    get: Callable[..., Any] = get
    """`get(container, *path)` over this kind's input values (the kit reads its proxies)."""
    items: Callable[..., Any] = items
    """`items(container, *path)` over this kind's input values (a list's elements, unknown
    ones as UNKNOWN)."""


class StackIndex(Generic[R]):
    """Lookups over one stack, built once: by URN, by type, and by the id/ARN/name outputs other
    resources use to refer to a resource (indexed per (types, key) on first use)."""

    def __init__(self, resources: Sequence[R], view: ResourceView[R]) -> None:
        self.resources = resources
        self.view = view
        self.by_urn: dict[str, R] = {}
        self.by_type: dict[str, list[R]] = {}
        for resource in resources:
            self.by_urn[view.urn(resource)] = resource
            self.by_type.setdefault(view.type(resource), []).append(resource)
        self._by_value: dict[tuple[frozenset[str], str], dict[str, list[R]]] = {}
        self._inputs: dict[str, Mapping[str, Any]] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A stack-wide derived lookup (e.g. which task definitions a service runs), computed
        once per index, so once per stack run: a check called per resource reads it instead
        of scanning every other resource (quadratic). Never shared between stacks."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def inputs(self, resource: R) -> Mapping[str, Any]:
        """The resource's inputs, computed once per resource."""
        urn = self.view.urn(resource)
        cached = self._inputs.get(urn)
        if cached is None:
            cached = self._inputs[urn] = self.view.inputs(resource)
        return cached

    def of_type(self, *type_tokens: str) -> list[R]:
        if len(type_tokens) == 1:
            return self.by_type.get(type_tokens[0], [])
        found: list[R] = []
        for token in type_tokens:
            found.extend(self.by_type.get(token, []))
        return found

    def _value_index(self, types: frozenset[str], key: str) -> dict[str, list[R]]:
        index = self._by_value.get((types, key))
        if index is None:
            index = {}
            for token in types:
                for resource in self.by_type.get(token, []):
                    value = self.view.output(resource, key)
                    if isinstance(value, str) and value and not contains_unknown(value):
                        index.setdefault(value, []).append(resource)
            self._by_value[(types, key)] = index
        return index

    def matching(
        self, value: Any, types: Iterable[str], keys: Iterable[str] = REFERENCE_KEYS
    ) -> list[R]:
        """The resources of `types` whose first matching reference output equals `value`."""
        if not isinstance(value, str) or not value:
            return []
        frozen = frozenset(types)
        for key in keys:
            hits = self._value_index(frozen, key).get(value)
            if hits:
                return hits
        return []

    def find(self, value: Any, types: Iterable[str]) -> R | None:
        """The resource of these types whose id, ARN or name output equals the value."""
        hits = self.matching(value, types)
        return hits[0] if hits else None

    def dependencies(self, resource: R, prop: str, types: Iterable[str]) -> list[R]:
        """The resources of these types that the top-level input `prop` was computed from."""
        wanted = set(types)
        found = []
        for urn in self.view.dependency_urns(resource, prop):
            dep = self.by_urn.get(urn)
            if dep is not None and self.view.type(dep) in wanted:
                found.append(dep)
        return found

    def _recorded(self, resource: R) -> bool:
        return any(
            isinstance(v := self.view.output(resource, key), str) and not contains_unknown(v)
            for key in REFERENCE_KEYS
        )

    def unrecorded_dependencies(self, resource: R, prop: str, types: Iterable[str]) -> list[R]:
        """Dependencies of `prop` whose reference outputs were not recorded, so a value that
        matched no recorded output may still come from them."""
        return [d for d in self.dependencies(resource, prop, types) if not self._recorded(d)]

    def resolve(self, resource: R, prop: str, value: Any, types: Iterable[str]) -> R | None:
        """The one resource a reference value points at: by output value, else the one dependency
        whose id/ARN/name the run did not record (a recorded one that differs is another value)."""
        types = tuple(types)
        found = self.find(value, types)
        if found is not None:
            return found
        deps = self.unrecorded_dependencies(resource, prop, types)
        return deps[0] if len(deps) == 1 else None

    def references(
        self,
        resource: R,
        prop: str,
        value: Any,
        target_types: Iterable[str],
        match_keys: Iterable[str] = REFERENCE_KEYS,
    ) -> list[R] | None:
        """Every resource of `target_types` that `value` (one value or a list, read from
        `resource.prop`) refers to: by value, and for values not matched or unknown, by the
        engine's property dependencies of `prop`. None when it cannot be told (unknown value
        and no dependency of a target type)."""
        types = frozenset(target_types)
        keys = tuple(match_keys)
        deps = self.dependencies(resource, prop, types)
        if is_unknown(value):
            candidates: list[Any] = [UNKNOWN]
        elif isinstance(value, Sequence) and not isinstance(value, str):
            candidates = list(self.view.items(value))
        else:
            candidates = [value]
        found: list[R] = []
        seen: set[int] = set()  # by identity: the index holds one object per resource
        dep_ids = {id(dep) for dep in deps}
        unresolved = False
        for candidate in candidates:
            if candidate is None:
                continue
            if is_unknown(candidate) or not isinstance(candidate, str):
                unresolved = True
                continue
            hits = self.matching(candidate, types, keys)
            if len(hits) > 1 and deps:
                # The same value on several resources (e.g. one name in two regions): the
                # engine's dependency graph says which one this resource used.
                hits = [hit for hit in hits if id(hit) in dep_ids] or hits
            if not hits:
                unresolved = True
            for hit in hits:
                if id(hit) not in seen:
                    seen.add(id(hit))
                    found.append(hit)
        if unresolved:
            for dep in deps:
                if id(dep) not in seen:
                    seen.add(id(dep))
                    found.append(dep)
            if not deps and not found and any(is_unknown(c) for c in candidates):
                return None
        return found

    def region_of(self, resource: R) -> str | None:
        """The region a resource is created in: its own `region` input, else its provider's."""
        for region in (self.view.own_region(resource), self.view.provider_region(resource)):
            if text(region) is not None:
                return region
        return None
