"""Turning a request's protobuf `Struct` into the props a policy sees, in one pass.

The SDK builds a policy's `props` in three walks over the whole property tree:
`json_format.MessageToDict` (generic reflection), `deserialize_properties` (unwraps secrets, turns
asset/archive signatures into objects) and `unknown_checking_proxy` (wraps every dict and list,
copying the path list for every leaf). `to_props` builds the very same proxy classes in one walk,
and only for the top-level properties a policy actually reads (`LazyProps`): a rule that reads
`tags` does not pay for converting a 5 kB `containerDefinitions`. A test compares the result with
the SDK's on every kind of value. Anything unusual (an asset or archive, a non-finite number)
falls back to the SDK's conversion for that property.

Secret-ness survives the conversion. The engine marshals an analyzer's properties with
`KeepSecrets: true` (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go, `Analyze`
and `AnalyzeStack`), so a `pulumi.Output.secret` arrives wrapped in the secret signature; the
SDK's `deserialize_properties` unwraps it and forgets. `LazyProps` unwraps it too (rules read the
value) but records the path, so a rule can tell a plain literal from a secret (`secret_at`). A
property the SDK fallback converts records none: read as plain (fail closed).
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import json_format
from pulumi_policy.deserialize import (
    SPECIAL_SECRET_SIG,
    SPECIAL_SIG_KEY,
    _deserialize_property,
    deserialize_properties,
)
from pulumi_policy.proxy import (
    _DictProxy,
    _ListProxy,
    _proxy_helper,
    _raise_if_unknown,
    unknown_checking_proxy,
)

_ABSENT = object()


class _Unusual(Exception):
    """A value the fast path leaves to the SDK."""


def sdk_props(struct: Any) -> Any:
    """The SDK's own conversion (reference behaviour)."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def to_props(struct: Any) -> LazyProps:
    """What `sdk_props(struct)` returns, converted one top-level property at a time."""
    return LazyProps(struct.fields)


class LazyProps(_DictProxy):
    """The SDK's root props proxy, converting each top-level property on first read."""

    def __init__(self, fields: Any) -> None:
        super().__init__({}, [])
        self._fields = fields
        self._converted: dict[str, Any] = {}
        self._complete = False
        self._secrets: list[tuple[str, ...]] = []
        """Paths (keys and list indexes as strings) whose value arrived as a Pulumi secret."""

    def raw(self, key: str, default: Any = None) -> Any:
        """The converted value (unknown sentinels included) without the unknown check."""
        value = self._converted.get(key, _ABSENT)
        if value is _ABSENT:
            if key not in self._fields:
                return default
            value = self._convert(key)
        return value

    def _convert(self, key: str) -> Any:
        try:
            value = _value(self._fields[key], [], key, self._secrets)
        except _Unusual:
            plain = json_format.MessageToDict(self._fields[key])
            value = _proxy_helper(_deserialize_property(plain), [key])
        self._converted[key] = value
        return value

    def secret_at(self, *path: str | int) -> bool:
        """Whether the value at `path`, or a value around it, arrived as a Pulumi secret."""
        if not path or self.raw(str(path[0]), _ABSENT) is _ABSENT or not self._secrets:
            return False
        wanted = tuple(str(step) for step in path)
        return any(wanted[: len(secret)] == secret for secret in self._secrets)

    def secret_within(self, key: str) -> bool:
        """Whether any value in the top-level property `key` arrived as a Pulumi secret."""
        self.raw(key)
        return any(secret[0] == key for secret in self._secrets)

    def __getitem__(self, key: Any) -> Any:
        if key == "__target":
            return self._target()
        value = self.raw(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return _raise_if_unknown(key, value, [])

    def _target(self) -> dict[str, Any]:
        if not self._complete:
            for key in self._fields:
                if key not in self._converted:
                    self._convert(key)
            self._complete = True
        return {key: self._converted[key] for key in self._fields}

    def __setitem__(self, key: Any, value: Any) -> None:
        self._converted[key] = value

    def __len__(self) -> int:
        return len(self._fields)

    def __iter__(self) -> Any:
        return iter(self._fields)


def _dict(fields: Any, path: list[str], secrets: list[tuple[str, ...]]) -> _DictProxy:
    if SPECIAL_SIG_KEY in fields:
        raise _Unusual  # a secret at this level is unwrapped by the caller; anything else: SDK
    target: dict[str, Any] = {}
    for key in fields:  # iterating keys of a upb map is twice as fast as .items()
        target[key] = _value(fields[key], path, key, secrets)
    return _DictProxy(target, path)


def _value(value: Any, path: list[str], key: Any, secrets: list[tuple[str, ...]]) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            raise _Unusual
        return number
    if kind == "struct_value":
        fields = value.struct_value.fields
        if SPECIAL_SIG_KEY in fields:
            signature = fields[SPECIAL_SIG_KEY]
            if signature.WhichOneof("kind") != "string_value" or (
                signature.string_value != SPECIAL_SECRET_SIG
            ):
                raise _Unusual
            if "value" not in fields:
                raise _Unusual
            secrets.append((*path, str(key)))
            return _value(fields["value"], path, key, secrets)  # a secret: its value, same path
        return _dict(fields, [*path, str(key)], secrets)
    if kind == "list_value":
        child_path = [*path, str(key)]
        elements = [
            _value(item, child_path, index, secrets)
            for index, item in enumerate(value.list_value.values)
        ]
        return _ListProxy(elements, child_path)
    return None


def struct_data(struct: Any) -> dict[str, Any]:
    """`json_format.MessageToDict(struct)` for a `Struct`, in one direct walk: JSON data with the
    engine's signatures (secrets, unknown sentinels) kept as they arrived. The deploy pack reads
    every resource this way; protobuf's generic reflection took most of its time."""
    fields = struct.fields
    return {key: _data(fields[key]) for key in fields}


def plain_data(struct: Any) -> dict[str, Any] | None:
    """What `values.plain(to_props(struct))` returns (secrets unwrapped, unknown sentinels kept),
    without building the proxies; None when a value needs the SDK's conversion (an asset or
    archive signature, a non-finite number): the caller then converts through the props."""
    fields = struct.fields
    try:
        return {key: _data(fields[key], unwrap=True) for key in fields}
    except _Unusual:
        return None


def _data(value: Any, unwrap: bool = False) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        if unwrap and SPECIAL_SIG_KEY in fields:
            signature = fields[SPECIAL_SIG_KEY]
            if (
                signature.WhichOneof("kind") != "string_value"
                or signature.string_value != SPECIAL_SECRET_SIG
                or "value" not in fields
            ):
                raise _Unusual
            return _data(fields["value"], unwrap)
        return {key: _data(fields[key], unwrap) for key in fields}
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            if unwrap:
                raise _Unusual
            raise ValueError(f"Fail to serialize {number} for Value.number_value")  # as protobuf
        return number
    if kind == "list_value":
        return [_data(item, unwrap) for item in value.list_value.values]
    return None
