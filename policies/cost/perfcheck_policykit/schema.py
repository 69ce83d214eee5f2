"""JSON-schema fragments for rule config (every object closes with additionalProperties: false)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def string_list(
    description: str,
    default: Sequence[str],
    *,
    min_items: int = 0,
    pattern: str | None = None,
    regex: bool = False,
) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string", "minLength": 1}
    if pattern:
        item["pattern"] = pattern
    if regex:
        item["format"] = "regex"  # gojsonschema (the engine) and jsonschema both check it
    return {
        "type": "array",
        "description": description,
        "items": item,
        "uniqueItems": True,
        "minItems": min_items,
        "default": list(default),
    }


def integer(description: str, default: int, *, minimum: int, maximum: int) -> dict[str, Any]:
    return {
        "type": "integer",
        "description": description,
        "minimum": minimum,
        "maximum": maximum,
        "default": default,
    }


def boolean(description: str, default: bool) -> dict[str, Any]:
    return {"type": "boolean", "description": description, "default": default}


def string(description: str, *, min_length: int = 1) -> dict[str, Any]:
    return {"type": "string", "description": description, "minLength": min_length}
