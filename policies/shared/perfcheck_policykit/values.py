"""Reading resource properties the way the engine delivers them, without tripping on unknowns.

Policies receive inputs as read-only proxies that raise `UnknownValueError` when a value is not
known yet (during `pulumi preview`, anything computed from another resource's outputs). Rules read
through `get`/`items` instead: an unknown comes back as the `UNKNOWN` marker, so a rule can judge
the known part of a resource and say exactly which property it could not judge.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError, _DictProxy, _ListProxy

from foundation.containers import InvalidJson, container_label, parse_containers
from foundation.stackmodel import (
    ENGINE_UNKNOWNS,
    UNKNOWN,
    UNKNOWN_WIRE,
    Unknown,
    as_bool,
    as_number,
    is_unknown,
)

from .wire import LazyProps

__all__ = [
    "ENGINE_UNKNOWNS",
    "UNKNOWN",
    "UNKNOWN_WIRE",
    "InvalidJson",
    "as_bool",
    "as_number",
    "container_label",
    "is_unknown",
]
# The marker, the sentinels and the coercions are foundation.stackmodel's (one model for every
# judge); they are re-exported here for the rules, which read `values.UNKNOWN` and friends.


def unproxied(value: Any) -> Any:
    """What a proxy wraps (the one place that reads the SDK proxies' private targets)."""
    kind = type(value)
    if kind is _DictProxy:
        return value._DictProxy__target
    if kind is _ListProxy:
        return value._ListProxy__target
    return value


def _step(container: Any, key: str | int) -> Any:
    # Read the proxies' targets directly (type checks, not ABC isinstance: this is the hot path);
    # the unknown check happens in `get`, once per step.
    if type(container) is LazyProps:
        return container.raw(key) if type(key) is str else None
    container = unproxied(container)
    kind = type(container)
    if type(key) is int:
        if (kind is list or kind is tuple) and -len(container) <= key < len(container):
            return container[key]
        return None
    if kind is dict:
        return container.get(key)
    if isinstance(container, Mapping):
        return container.get(key)  # other mappings (proxy subclasses raise on unknowns: caught)
    return None


def get(container: Any, *path: str | int) -> Any:
    """The value at `path`: None when absent, UNKNOWN when it (or a parent) is unknown."""
    current = container
    for key in path:
        if current is None:
            return None
        kind = type(current)
        # The two containers nearly every read goes through, stepped into directly (the hot
        # path of every rule); anything else through `_step`, as before.
        if kind is LazyProps:
            current = current.raw(key) if type(key) is str else None
            continue
        if kind is _DictProxy and type(key) is str:
            current = current._DictProxy__target.get(key)
            continue
        if is_unknown(current):
            return UNKNOWN
        try:
            current = _step(current, key)
        except UnknownValueError:
            return UNKNOWN
    return UNKNOWN if is_unknown(current) else current


def secret_at(container: Any, *path: str | int) -> bool:
    """Whether the value at `path` arrived as a Pulumi secret (`pulumi.Output.secret`, a
    generated password). Only the kit's props keep that record; other containers read as plain
    (fail closed: a rule that waves a secret through must see it was one)."""
    return type(container) is LazyProps and container.secret_at(*path)


def items(container: Any, *path: str | int) -> list[Any] | Unknown:
    """The list at `path` (empty when absent), each unknown element replaced by UNKNOWN."""
    value = get(container, *path)
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return []
    if isinstance(value, Mapping | str | bytes):
        return [value]
    if not isinstance(value, Sequence):
        return [value]
    result: list[Any] = []
    for index in range(len(value)):
        result.append(get(value, index))
    return result


def plain(value: Any) -> Any:
    """Plain dicts and lists from props (proxies unwrapped, unknown sentinels kept as the engine
    sent them): for judges that read a whole resource as data (the deploy checks)."""
    if type(value) is LazyProps:
        return {key: plain(value.raw(key)) for key in value}
    value = unproxied(value)
    if isinstance(value, Mapping):
        return {key: plain(value[key]) for key in list(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def known_data(value: Any) -> Any:
    """Plain dicts and lists from props, each value unknown at preview as None (where the SDK's
    proxies raise): for judges that read inputs as data and take unknown for absent (the cost
    estimate). Proxies are read through their targets, one step per value; any other mapping or
    sequence by its own reads."""
    kind = type(value)
    if kind is LazyProps:
        return {key: _known(value.raw(key)) for key in value}
    if kind is _DictProxy:
        return {key: _known(item) for key, item in unproxied(value).items()}
    if kind is _ListProxy:
        return [_known(item) for item in unproxied(value)]
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = known_data(value[key])
            except UnknownValueError:
                out[key] = None
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        result = []
        for index in range(len(value)):
            try:
                result.append(known_data(value[index]))
            except UnknownValueError:
                result.append(None)
        return result
    return value


def _known(item: Any) -> Any:
    """An element of a proxy's target: an engine sentinel (what the proxy raises on) as None."""
    if type(item) is str:
        return None if item in ENGINE_UNKNOWNS else item
    return known_data(item)


def show(value: Any) -> str:
    """A short, safe rendering of a non-secret value for a message (numbers without '.0')."""
    if value is None:
        return "not set"
    if value is UNKNOWN:
        return "unknown during preview"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


@functools.lru_cache(maxsize=512)
def _parse_json_text(text: str) -> Any:
    return json.loads(text)


def parse_json_property(value: Any) -> Any:
    """A JSON-string input parsed once per distinct string (cached); objects pass through.

    The result is shared between rules: never mutate it.
    """
    if value is None or value is UNKNOWN:
        return value
    if isinstance(value, str):
        try:
            return _parse_json_text(value)
        except ValueError as error:
            raise InvalidJson(str(error)) from None
    return value


def container_definitions(props: Any) -> list[Mapping[str, Any]] | Unknown | None:
    """An ECS task definition's `containerDefinitions`, read by the one normaliser
    (foundation.containers: decoded as pulumi-aws decodes it). Never mutate the result."""
    return parse_containers(get(props, "containerDefinitions"))


def enum(value: Any) -> Any:
    """An enumerated string as the provider compares it (case-insensitively; upper-cased);
    other values unchanged."""
    return value.strip().upper() if isinstance(value, str) else value


def listener_protocol(value: Any) -> Any:
    """A load balancer listener's protocol as the provider sends it: upper-cased, and HTTP when
    omitted (the Application Load Balancer default)."""
    if value is None:
        return "HTTP"
    return enum(value)


def lower(value: Any) -> Any:
    """A case-insensitive string value in lower case (engines, policies); others unchanged."""
    return value.strip().lower() if isinstance(value, str) else value


def tag_map(value: Any) -> Any:
    """Tags as a mapping, whichever way the resource takes them: a map (most resources) or a list
    of {key, value} blocks (Auto Scaling groups' `tags`). UNKNOWN and None pass through; an
    unknown block makes the whole set UNKNOWN."""
    if value is None or value is UNKNOWN or isinstance(value, Mapping):
        return value
    blocks = items(value)
    if blocks is UNKNOWN:
        return UNKNOWN
    result: dict[str, Any] = {}
    for block in blocks:
        key = get(block, "key")
        if block is UNKNOWN or key is UNKNOWN:
            return UNKNOWN
        if isinstance(key, str):
            result[key] = get(block, "value")
    return result
