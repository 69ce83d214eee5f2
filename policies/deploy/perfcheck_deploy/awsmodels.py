"""AWS's own request models (botocore's service models), loaded once per process.

The shape validator walks a value against a botocore input shape and reports, for each problem,
a path and a sentence. We do not use botocore's ParamValidator: its reports echo the offending
value (which may be a secret), it ignores enums and `max`, and it accepts booleans as integers.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from foundation.records import UNKNOWN


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of one AWS service (e.g. "ecs"), parsed once per process."""
    return _session().get_service_model(service)


def operation(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


def input_member(service: str, operation_name: str, member: str) -> Shape:
    """The shape of one member of an operation's request, e.g. ("iam", "CreateRole", "RoleName")."""
    shape = operation(service, operation_name).input_shape
    assert shape is not None, f"{service}.{operation_name} has no input"
    return shape.members[member]


def enum_values(shape: Shape) -> list[str]:
    return list(getattr(shape, "enum", None) or [])


@functools.cache
def known_operation(service: str, operation_name: str) -> bool:
    """True when botocore has a service by this name with an operation of this name."""
    if service not in _session().get_available_services():
        return False
    lowered = {op.lower() for op in service_model(service).operation_names}
    return operation_name.lower() in lowered


@dataclass(frozen=True)
class ShapeProblem:
    path: str
    message: str


_JSON_TYPE_NAMES = {
    "structure": "an object",
    "list": "a list",
    "map": "an object",
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "boolean": "true or false",
    "double": "a number",
    "float": "a number",
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _type_ok(value: Any, type_name: str) -> bool:
    if type_name == "structure" or type_name == "map":
        return isinstance(value, dict)
    if type_name == "list":
        return isinstance(value, list)
    if type_name == "string":
        return isinstance(value, str)
    if type_name in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name in ("double", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True  # timestamps, blobs: not used in the shapes we validate


def validate_shape(value: Any, shape: Shape, path: str) -> Iterator[ShapeProblem]:
    """Every way `value` breaks `shape`: types, required members, unknown keys, enums, ranges.

    Messages never contain the value itself except enum values and numbers, which are not secret.
    A value not known until deployment (Pulumi's unknown sentinel) is skipped with its subtree.
    """
    if isinstance(value, str) and UNKNOWN in value:
        return
    type_name = shape.type_name
    if not _type_ok(value, type_name):
        expected = _JSON_TYPE_NAMES.get(type_name, type_name)
        yield ShapeProblem(path, f"must be {expected}, got {_kind(value)}")
        return
    metadata = shape.metadata
    if type_name == "structure":
        yield from _validate_structure(value, shape, path)
    elif type_name == "list":
        yield from _check_length(len(value), metadata, path, "items")
        for index, item in enumerate(value):
            yield from validate_shape(item, shape.member, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif type_name == "map":
        for key, item in value.items():
            yield from validate_shape(key, shape.key, f"{path}.<key>")  # type: ignore[attr-defined]
            yield from validate_shape(item, shape.value, f"{path}.{key}")  # type: ignore[attr-defined]
    elif type_name == "string":
        allowed = enum_values(shape)
        if allowed and value not in allowed:
            yield ShapeProblem(path, f"'{value}' is not one of {', '.join(allowed)}")
        yield from _check_length(len(value), metadata, path, "characters")
    elif type_name in ("integer", "long", "double", "float"):
        low, high = metadata.get("min"), metadata.get("max")
        if low is not None and value < low:
            yield ShapeProblem(path, f"{value} is below the minimum {low}")
        if high is not None and value > high:
            yield ShapeProblem(path, f"{value} is above the maximum {high}")


def _check_length(
    length: int, metadata: dict[str, Any], path: str, unit: str
) -> Iterator[ShapeProblem]:
    low, high = metadata.get("min"), metadata.get("max")
    if low is not None and length < low:
        yield ShapeProblem(path, f"has {length} {unit}, the minimum is {low}")
    if high is not None and length > high:
        yield ShapeProblem(path, f"has {length} {unit}, the maximum is {high}")


def _validate_structure(value: dict[str, Any], shape: Shape, path: str) -> Iterator[ShapeProblem]:
    members = shape.members  # type: ignore[attr-defined]
    by_lower = {name.lower(): name for name in members}
    for required in shape.metadata.get("required", []):
        if value.get(required) is None:
            yield ShapeProblem(f"{path}.{required}", "is required")
    present = [key for key, item in value.items() if item is not None]
    if shape.metadata.get("union") and len(present) > 1:
        yield ShapeProblem(path, f"sets {', '.join(present)}; exactly one member may be set")
    for key in present:
        item = value[key]
        member = members.get(key)
        if member is None:
            spelled = by_lower.get(key.lower())
            hint = f" (the API spells it '{spelled}')" if spelled else ""
            yield ShapeProblem(f"{path}.{key}", f"is not a member of {shape.name}{hint}")
            continue
        yield from validate_shape(item, member, f"{path}.{key}")
