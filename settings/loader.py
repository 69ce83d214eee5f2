"""Read the stack's config once and turn it into Settings, or into one SettingsError.

Pulumi hands a Python program its config as a flat map of `namespace:key` to strings (structured
values arrive as JSON). Nothing here registers a resource, so a bad stack file stops the program
before anything is created.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from settings.errors import SettingsError
from settings.schema import PATTERN_HELP, Settings, cross_section_problems

SCALAR_KEYS = {"environment": "string", "protect": "boolean"}
"""Top-level keys that are plain values; every other project key is a structured section."""

SECRET_MASK = "[secret]"

PROVIDER_CREDENTIAL_KEYS = frozenset({"aws:secretkey", "aws:token", "aws:sessiontoken"})
"""Provider keys whose value is a credential on its own (lowercased): only ever `--secret`.
`aws:accessKey` names a key without being one, so it is not on the list."""


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
        if full_key.lower() in PROVIDER_CREDENTIAL_KEYS and full_key not in secret:
            problems.append(
                f"{full_key}: a provider credential in plain text in the stack file (value not "
                f"shown); remove it, or store it encrypted with `pulumi config set --secret "
                f"{full_key} <value>` (better: no key at all, a role through OIDC in CI and a "
                "profile locally)"
            )
            continue
        if not full_key.startswith(prefix):
            namespace = full_key.partition(":")[0]
            if namespace != project and _looks_like(namespace, project):
                # `perfchek:database` would be ignored and the section reported missing.
                problems.append(
                    f"{full_key}: unknown namespace '{namespace}' (value not shown); did you "
                    f"mean {project}:{full_key.partition(':')[2]}?"
                )
            continue
        key = full_key[len(prefix) :]
        shown = SECRET_MASK if full_key in secret else _show(raw)
        if key not in _top_level_names():
            # Never echo the value: an unknown key is often a credential put in the wrong place.
            problems.append(f"{full_key}: unknown key (value not shown); {_allowed_at([], key)}")
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
                problems.append(
                    f"{full_key}: got {shown}; expected a structured value (indented "
                    "`key: value` lines under it in the stack file)"
                )
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


def _looks_like(namespace: str, project: str) -> bool:
    return bool(difflib.get_close_matches(namespace, [project], n=1, cutoff=0.75))


def _top_level_names() -> list[str]:
    names = [f.alias or n for n, f in Settings.model_fields.items()]
    return [n for n in names if n not in ("project", "stack", "region")]


def _show(value: Any) -> str:
    """A value as the stack file spells it (JSON), not as Python prints it."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def _plain_message(item: Any, key: str, shown: str | None = None) -> str:
    """What is allowed, in the words of the stack file; never a regex or a Python type."""
    kind = item["type"]
    context = item.get("ctx") or {}
    given = item.get("input")
    if kind == "string_pattern_mismatch":
        return "expected " + PATTERN_HELP.get(str(context.get("pattern")), "another form")
    if kind == "string_type":
        if isinstance(given, (int, float)) and not isinstance(given, bool):
            value = shown or _show(given)
            return (
                "expected text but the stack file holds a number (YAML and `pulumi config set "
                f"--path` store {value} as one); quote it in the stack file, or set it "
                f"with: pulumi config set --path --type string '{key}' {value}"
            )
        return "expected text (a string)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "expected a whole number (no quotes, no decimal point)"
    if kind in ("float_type", "float_parsing"):
        return "expected a number (no quotes)"
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false (no quotes)"
    if kind == "literal_error":
        allowed = str(context.get("expected", "")).replace("'", "")
        return f"expected one of: {allowed.replace(' or ', ', ')}"
    if kind in ("list_type", "tuple_type"):
        return "expected a list (`- item` lines, or [a, b])"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a structured value (indented `key: value` lines)"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, bound = bounds[kind]
        return f"expected {words} {_show(_number(context.get(bound)))}"
    if kind == "string_too_short":
        return f"expected at least {context.get('min_length')} character(s)"
    if kind == "string_too_long":
        return f"expected at most {context.get('max_length')} characters"
    if kind == "too_short":
        return f"expected at least {context.get('min_length')} item(s)"
    if kind == "too_long":
        return f"expected at most {context.get('max_length')} items"
    message = str(item["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _number(value: Any) -> Any:
    """1.0 -> 1: a bound as the operator would write it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


NEVER_SHOWN = {"secret_like"}
"""Error kinds whose value is never printed (it may be a credential)."""


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
            key = f"{project}:{_dotted(item['loc'])}" if loc else f"{project}"
        section_key = f"{project}:{loc[0]}" if loc else ""
        masked = section_key in secret
        kind = item["type"]
        if kind == "missing":
            lines.append(f"{key}: missing; required{_expected(loc)}")
        elif kind == "extra_forbidden":
            lines.append(f"{key}: unknown key (value not shown); {_allowed_at(loc[:-1], loc[-1])}")
        elif kind in NEVER_SHOWN or (
            isinstance(item.get("input"), dict) and kind not in ("string_type", "int_type")
        ):
            lines.append(f"{key}: {_plain_message(item, key)}")
        else:
            shown = SECRET_MASK if masked else _show(item.get("input"))
            lines.append(f"{key}: got {shown}; {_plain_message(item, key, shown)}")
    return lines


def _dotted(loc: Iterable[Any]) -> str:
    """`alarms.notificationEmails[0]`, as `pulumi config set --path` spells a list item."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in loc:
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        annotation = getattr(field, "annotation", None) if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _allowed_at(loc: list[str], given: str | None = None) -> str:
    model = _model_at(loc)
    if model is None:
        return "not allowed here"
    if model is Settings:
        names = _top_level_names()
    else:
        names = [f.alias or n for n, f in model.model_fields.items()]
    near = difflib.get_close_matches(given, names, n=1, cutoff=0.6) if given else []
    hint = f"did you mean {near[0]}? " if near else ""
    return f"{hint}allowed: " + ", ".join(names)


def _expected(loc: list[str]) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return ""
    for name, field in model.model_fields.items():
        if (field.alias or name) == loc[-1]:
            return f" ({plain_type(field.annotation)})"
    return ""


def plain_type(annotation: Any) -> str:
    """A type as an operator reads it: 'one of staging, prod', 'a whole number', 'text'."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        inner = plain_type(args[0])
        pattern = next(
            (getattr(m, "pattern", None) for m in args[1:] if hasattr(m, "pattern")), None
        )
        return PATTERN_HELP.get(pattern, inner) if pattern else inner
    if origin is Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(plain_type(a) for a in args if a is not type(None))
    if origin is list:
        return "a list of " + plain_type(args[0]).removeprefix("a ") if args else "a list"
    if origin is dict:
        return "a map of names to text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "a structured value"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text"}.get(
        annotation, "a value"
    )
