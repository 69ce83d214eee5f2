"""Read the stack's config once and turn it into Settings, or into one SettingsError.

Pulumi hands a Python program its config as a flat map of `namespace:key` to strings (structured
values arrive as JSON). Nothing here registers a resource, so a bad stack file stops the program
before anything is created.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from settings.errors import SettingsError
from settings.schema import Settings, cross_section_problems

SCALAR_KEYS = {"environment": "string", "protect": "boolean"}
"""Top-level keys that are plain values; every other project key is a structured section."""

SECRET_MASK = "[secret]"


def settings_from_config(
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
) -> Settings:
    """Validate a flat Pulumi config map; raise SettingsError listing every problem at once."""
    secret = set(secret_keys)
    problems: list[str] = []
    reported: set[str] = set()
    data: dict[str, Any] = {"project": project, "stack": stack}
    region = config.get("aws:region")
    if region is None:
        problems.append("aws:region: missing; required (e.g. eu-west-1)")
        reported.add("region")
    else:
        data["region"] = region

    prefix = f"{project}:"
    for full_key, raw in sorted(config.items()):
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        shown = SECRET_MASK if full_key in secret else repr(raw)
        if key in ("project", "stack", "region"):
            problems.append(f"{full_key}: unknown key; {_allowed_top_level()}")
            reported.add(key)
            continue
        kind = SCALAR_KEYS.get(key)
        if kind == "boolean":
            if raw not in ("true", "false"):
                problems.append(f"{full_key}: got {shown}; expected true or false")
                reported.add(key)
                continue
            data[key] = raw == "true"
        elif kind == "string":
            data[key] = raw
        else:
            try:
                data[key] = json.loads(raw)
            except (TypeError, ValueError):
                problems.append(f"{full_key}: got {shown}; expected a structured (object) value")
                reported.add(key)

    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        problems.extend(_describe(project, error, secret, reported))
    else:
        if not problems:
            problems.extend(
                f"{_key(project, key)}: {problem}"
                for key, problem in cross_section_problems(settings)
            )
        if not problems:
            return settings
    raise SettingsError(stack, problems)


def load_settings() -> Settings:
    """The settings of the stack Pulumi is running (reads the runtime's config once)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # Pulumi has no public call that lists config keys; unknown keys must be seen to be refused,
    # so read the same two places pulumi.Config reads from.
    merged: dict[str, str] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    secret_keys = set(runtime_config.get_config_secret_keys_env())
    secret_keys.update(runtime_config._SECRET_KEYS.get())
    return settings_from_config(pulumi.get_project(), pulumi.get_stack(), merged, secret_keys)


def _key(project: str, dotted: str) -> str:
    if dotted == "stack":
        return "stack name"
    return f"{project}:{dotted}"


def _allowed_top_level() -> str:
    names = [f.alias or n for n, f in Settings.model_fields.items()]
    return "allowed: " + ", ".join(n for n in names if n not in ("project", "stack", "region"))


def _describe(
    project: str, error: ValidationError, secret: set[str], reported: set[str]
) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        if loc and loc[0] in reported:
            continue
        if loc and loc[0] == "region":
            key = "aws:region"
        else:
            key = f"{project}:{'.'.join(loc)}" if loc else f"{project}"
        section_key = f"{project}:{loc[0]}" if loc else ""
        masked = section_key in secret
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ")
        if kind == "missing":
            lines.append(f"{key}: missing; required{_expected(loc)}")
        elif kind == "extra_forbidden":
            lines.append(f"{key}: unknown key; {_allowed_at(loc[:-1])}")
        elif isinstance(item.get("input"), dict) or kind == "model_type":
            lines.append(f"{key}: {message}")
        else:
            shown = SECRET_MASK if masked else repr(item.get("input"))
            lines.append(f"{key}: got {shown}; {message[0].lower()}{message[1:]}")
    return lines


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in loc:
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        annotation = getattr(field, "annotation", None) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _allowed_at(loc: list[str]) -> str:
    model = _model_at(loc)
    if model is None:
        return "not allowed here"
    names = [f.alias or n for n, f in model.model_fields.items()]
    if model is Settings:
        names = [n for n in names if n not in ("project", "stack", "region")]
    return "allowed: " + ", ".join(names)


def _expected(loc: list[str]) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return ""
    for name, field in model.model_fields.items():
        if (field.alias or name) == loc[-1]:
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                return " (a structured value)"
            return f" ({_type_name(annotation)})"
    return ""


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "")
    return text.removeprefix("<class '").removesuffix("'>")
