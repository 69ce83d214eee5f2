"""One reading of an ECS task definition's `containerDefinitions`, for every judge.

The input is a JSON string (a list of container objects). pulumi-aws decodes it with Go's
encoding/json into the AWS SDK's ContainerDefinition structs (terraform-provider-aws,
internal/service/ecs/container_definitions.go `expandContainerDefinitions` -> internal/json
`DecodeFromString`: a plain `json.NewDecoder`, unknown fields allowed), so a key reaches a member
case-insensitively (Unicode case folding: "User", "USER" and "u\\u017fer" all reach `user`), the
last of several keys that reach one member wins, and a key that reaches no member is dropped: it
never reaches ECS. `parse_containers` decodes the same way (parsed once per distinct string), so
environment, secrets, mountPoints, command, entryPoint, user, readonlyRootFilesystem, healthCheck
and dependsOn read under one spelling; `dropped_keys` lists what the provider drops. Container
paths are compared as the kernel resolves them (`kernel_path`). Standard library only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from foundation.ecs_container_shape import CONTAINER_DEFINITION
from foundation.stackmodel import UNKNOWN, Unknown, is_unknown


class InvalidJson(ValueError):
    """A JSON-string property that does not parse (or is not the JSON it must be)."""


class NotJson(InvalidJson):
    """The text does not parse as JSON at all (the message says where)."""


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs in document order (duplicates kept)."""


def fold_key(key: str) -> str:
    """A JSON key as Go's encoding/json compares it with a struct field."""
    return key.casefold()


def fold_shape(shape: Any) -> Any:
    """A shape tree with each structure keyed by folded member name -> (member name, subtree)."""
    if isinstance(shape, Mapping):
        return {fold_key(name): (name, fold_shape(child)) for name, child in shape.items()}
    return shape


_CONTAINER_SHAPE: Final = fold_shape(CONTAINER_DEFINITION)


def decode_like_go(value: Any, shape: Any, path: str = "", dropped: list[str] | None = None) -> Any:
    """`value` (parsed with `_Pairs` objects) as pulumi-aws's Go decoder sees it under `shape`
    (a `fold_shape` tree): a structure's keys match members case-insensitively, the last
    spelling wins, keys that reach no member are dropped (their paths appended to `dropped`); a
    map keeps its keys as written (last duplicate wins); lists apply the shape to each element."""
    if isinstance(value, _Pairs):
        result: dict[str, Any] = {}
        for key, item in value:
            if not isinstance(shape, dict):
                result.pop(key, None)
                result[key] = decode_like_go(item, None)
                continue
            member = shape.get(fold_key(key))
            if member is None:
                if dropped is not None:
                    dropped.append(f"{path}.{key}" if path else key)
                continue
            name, child = member
            result.pop(name, None)  # the last spelling wins, in document order
            result[name] = decode_like_go(item, child, f"{path}.{name}" if path else name, dropped)
        return result
    if isinstance(value, list):
        return [
            decode_like_go(item, shape, f"{path}[{i}]", dropped) for i, item in enumerate(value)
        ]
    return value


@functools.lru_cache(maxsize=256)
def _decode(text: str) -> tuple[tuple[Mapping[str, Any], ...], tuple[str, ...]]:
    try:
        parsed = json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as error:
        raise NotJson(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    if not isinstance(parsed, list) or not all(isinstance(c, _Pairs) for c in parsed):
        raise InvalidJson("expected a JSON list of container objects")
    dropped: list[str] = []
    containers = tuple(
        decode_like_go(c, _CONTAINER_SHAPE, f"containerDefinitions[{i}]", dropped)
        for i, c in enumerate(parsed)
    )
    return containers, tuple(dropped)


def parse_containers(value: Any) -> list[Mapping[str, Any]] | Unknown | None:
    """The containers of a `containerDefinitions` value, decoded as pulumi-aws decodes them.

    None when absent, UNKNOWN when not known during preview; InvalidJson when it is not a JSON
    list of objects. A structured list (not a string) is taken as it is. Never mutate the result.
    """
    if value is None or is_unknown(value):
        return None if value is None else UNKNOWN
    if isinstance(value, str):
        return list(_decode(value)[0])
    if not isinstance(value, list | tuple) or not all(isinstance(c, Mapping) for c in value):
        raise InvalidJson("expected a JSON list of container objects")
    return list(value)


def dropped_keys(text: str) -> tuple[str, ...]:
    """Paths of the keys pulumi-aws drops (they reach no ContainerDefinition member)."""
    return _decode(text)[1]


def container_label(container: Mapping[str, Any], index: int) -> str:
    """How a finding names a container: by name, else by position."""
    name = container.get("name")
    if isinstance(name, str) and name:
        return f"containerDefinitions[{name}]"
    return f"containerDefinitions[{index}]"


def kernel_path(path: str) -> str:
    """`path` as the kernel resolves it (no symlinks): '//var/./lib/../lib/mysql/' ->
    '/var/lib/mysql'. A relative path is read from the root, as a container path is."""
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            continue
        parts.append(segment)
    return "/" + "/".join(parts)


_NUMERIC_ID = re.compile(r"[+-]?[0-9]+")


def is_root_user(user: str) -> bool:
    """Whether a container `user` ("user", "uid", "user:group", "uid:gid", ...) runs as root.

    A numeric uid is read as the container runtime reads it (Go's strconv.Atoi: a sign is allowed,
    so "00", "+0" and "-0" are all uid 0). Only the user part decides: a non-root
    uid with gid 0 has no root privileges (see the rule's description).
    """
    name = user.split(":", 1)[0].strip()
    if _NUMERIC_ID.fullmatch(name):
        return int(name) == 0
    return name.lower() in ("", "root")
