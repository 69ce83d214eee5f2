"""What one offline run of the program registered: the shared vocabulary of the offline tools.

The runner fills these records from the requests the program sends to the (mock) resource monitor,
so they hold what the Pulumi engine would hold: inputs in wire form (camelCase keys, secrets
wrapped in Pulumi's secret signature), the resource options, parents and dependencies. The policy
driver, the deploy checks and the tests all read the same records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from foundation.stackmodel import UNKNOWN_WIRE as UNKNOWN  # noqa: F401  (the wire form)
from foundation.stackmodel import ResourceView, StackIndex

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def is_secret_wrapper(value: Any) -> bool:
    """True for a value in Pulumi's wire form of a secret."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def unwrap_secrets(value: Any) -> Any:
    """The same value with every secret wrapper replaced by what it wraps."""
    if is_secret_wrapper(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class ProviderRecord:
    """The provider a resource was registered with (its inputs carry e.g. defaultTags, region)."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]


@dataclass(frozen=True)
class ResourceRecord:
    """One registered resource, as the engine would see it."""

    urn: str
    type: str
    name: str
    custom: bool
    wire_inputs: Mapping[str, Any]
    """Inputs exactly as sent to the engine: camelCase keys, secrets still wrapped."""
    outputs: Mapping[str, Any]
    """State the (mock) provider returned: inputs plus computed values (and `id`), unwrapped."""
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provider: ProviderRecord | None = None
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    replace_with: tuple[str, ...] = ()
    """The `replace_with` option: URNs whose replacement also replaces this resource."""
    custom_timeouts: Mapping[str, str] = field(default_factory=dict)
    """The `custom_timeouts` option: operation (create/update/delete) -> duration, e.g. "45m"."""
    replace_on_changes_known: bool = True
    """False where the reader cannot see `replace_on_changes` (the policy analyzer's resource
    options do not carry it), so a check must not judge it as absent."""
    retain_on_delete_known: bool = True
    """False where the reader cannot see `retain_on_delete` (nor do the analyzer's options)."""

    @property
    def inputs(self) -> Mapping[str, Any]:
        """Inputs with secrets unwrapped (what a policy sees after deserialising)."""
        return unwrap_secrets(dict(self.wire_inputs))


@dataclass(frozen=True)
class StackRun:
    """Everything one offline run of a stack produced."""

    stack: str
    project: str
    resources: tuple[ResourceRecord, ...]
    outputs: Mapping[str, Any]
    """Stack outputs, resolved; a secret output keeps its wire wrapper so it can be masked."""
    config: Mapping[str, str] = field(default_factory=dict)
    """The flat stack config the run used (`namespace:key` -> string), as the engine hands it
    to the program and, in ConfigureStack, to the policy packs."""

    def by_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> ResourceRecord:
        """The single resource of a type (and name), or a clear AssertionError."""
        found = [r for r in self.by_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.by_type(type_token)]
            raise AssertionError(f"expected one {type_token} named {name!r}, found {names}")
        return found[0]

    def by_urn(self) -> dict[str, ResourceRecord]:
        return {r.urn: r for r in self.resources}


RECORDS: ResourceView[ResourceRecord] = ResourceView(
    urn=lambda record: record.urn,
    type=lambda record: record.type,
    output=lambda record, key: record.outputs.get(key),
    dependency_urns=lambda record, prop: record.property_dependencies.get(prop, ()),
    own_region=lambda record: record.wire_inputs.get("region"),
    provider_region=lambda r: r.provider.inputs.get("region") if r.provider else None,
    inputs=lambda record: record.inputs,
)
"""How the offline judges (deploy checks, estimate, diagram) read a ResourceRecord."""


class RunIndex(StackIndex[ResourceRecord]):
    """The one stack index over a run's records, keeping the run (its stack outputs name the
    tasks runbooks start)."""

    def __init__(self, run: StackRun) -> None:
        super().__init__(run.resources, RECORDS)
        self.run = run


def stack_index(run: StackRun) -> RunIndex:
    """The one stack index (foundation.stackmodel) over a run's records."""
    return RunIndex(run)


def type_counts(run: StackRun) -> list[tuple[str, int]]:
    """How many resources of each type a run registered, most first (ties by type)."""
    counts = Counter(r.type for r in run.resources)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
