"""Small, unknown-aware checks most rules are made of.

Each reads one property through the context, records an unknown value as a note, and reports a
violation with the property, what was found and what is expected. "found" is rendered with
`values.show`, so only pass properties that are never secret; for secrets use `require_set`, which
only ever says "set" or "not set".
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .rules import ResourceContext
from .values import UNKNOWN, as_bool, as_number, show


def require_true(
    ctx: ResourceContext, prop: str, *, missing: str = "not set", detail: str = ""
) -> None:
    """The boolean at `prop` must be true (absent counts as false)."""
    value = ctx.get(prop)
    if value is UNKNOWN:
        ctx.unknown(prop)
        return
    if as_bool(value) is True:
        return
    ctx.violation(prop, missing if value is None else show(value), "true", detail)


def require_not_true(ctx: ResourceContext, prop: str, *, detail: str = "") -> None:
    """The boolean at `prop` must not be true (absent is fine)."""
    value = ctx.get(prop)
    if value is UNKNOWN:
        ctx.unknown(prop)
        return
    if as_bool(value) is True:
        ctx.violation(prop, "true", "false or not set", detail)


def require_set(ctx: ResourceContext, prop: str, expected: str, *, detail: str = "") -> Any:
    """`prop` must have a non-empty value; an unknown value counts as set (it is computed).

    Never echoes the value, so it is safe on secrets (auth tokens, passwords).
    """
    value = ctx.get(prop)
    if value is UNKNOWN:
        ctx.accept_unknown(prop)  # a computed value is set (e.g. a key ARN from a Key resource)
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        ctx.violation(prop, "not set" if value is None else "empty", expected, detail)
    return value


def require_at_least(
    ctx: ResourceContext,
    prop: str,
    minimum: float,
    *,
    when_missing: float | None,
    unit: str = "",
    detail: str = "",
) -> None:
    """The number at `prop` must be >= minimum; `when_missing` is the AWS default (None: fail)."""
    value = ctx.get(prop)
    if value is UNKNOWN:
        ctx.unknown(prop)
        return
    suffix = f" {unit}" if unit else ""
    if value is None:
        if when_missing is not None and when_missing >= minimum:
            return
        found = "not set"
        if when_missing is not None:
            found = f"not set (AWS default {show(float(when_missing))}{suffix})"
        ctx.violation(prop, found, f"at least {show(float(minimum))}{suffix}", detail)
        return
    number = as_number(value)
    if number is None or number < minimum:
        ctx.violation(
            prop, f"{show(value)}{suffix}", f"at least {show(float(minimum))}{suffix}", detail
        )


def require_in(
    ctx: ResourceContext,
    prop: str,
    allowed: Collection[str],
    *,
    missing: str = "not set",
    detail: str = "",
) -> None:
    """The string at `prop` must be one of `allowed` (absent fails)."""
    value = ctx.get(prop)
    if value is UNKNOWN:
        ctx.unknown(prop)
        return
    if isinstance(value, str) and value in allowed:
        return
    ctx.violation(
        prop,
        missing if value is None else show(value),
        "one of " + ", ".join(sorted(allowed)) if allowed else "an allowed value (none configured)",
        detail,
    )
