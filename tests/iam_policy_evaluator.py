"""A small IAM policy evaluator for the deploy roles' documents: enough of AWS's evaluation logic
to judge, request by request, what a role may do (explicit Deny wins, then an Allow, else an
implicit deny), with the condition operators the committed documents use.

An operator it does not know raises: a condition this evaluator cannot judge is a test failure,
never an Allow.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from foundation.iampolicy import PolicyDocument

PLACEHOLDERS = ("${Stack}", "${AccountId}")


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)


def render(document: dict[str, Any], **values: str) -> dict[str, Any]:
    """The document with `${Name}` placeholders replaced (what the bootstrap does per stack)."""

    def fill(node: Any) -> Any:
        if isinstance(node, str):
            for name, value in values.items():
                node = node.replace("${" + name + "}", value)
            return node
        if isinstance(node, list):
            return [fill(item) for item in node]
        if isinstance(node, dict):
            return {fill(k): fill(v) for k, v in node.items()}
        return node

    return fill(document)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@functools.cache
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression for a statement's wildcard list: what `fnmatchcase` matches for any of them.

    Compiled once per list: the deploy-role tests ask tens of thousands of requests of the same
    few documents.
    """
    if not patterns:
        return re.compile(r"(?!)")  # an empty list matches nothing
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


@functools.cache
def _any_action_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return _any_of(tuple(p.lower() for p in patterns))


def _action_matches(patterns: Any, action: str) -> bool:
    """IAM matches action names case-insensitively (`*` and `?` as wildcards)."""
    return _any_action_of(_as_tuple(patterns)).match(action.lower()) is not None


def _resource_matches(patterns: Any, resource: str) -> bool:
    return _any_of(_as_tuple(patterns)).match(resource) is not None


def _as_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


STRING_OPERATORS = {
    "StringEquals": lambda given, wanted: given == wanted,
    "StringLike": lambda given, wanted: fnmatch.fnmatchcase(given, wanted),
    "ArnLike": lambda given, wanted: fnmatch.fnmatchcase(given, wanted),
    "ArnEquals": lambda given, wanted: given == wanted,
    "Bool": lambda given, wanted: given.lower() == wanted.lower(),
}
NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, wanted: Any, context: dict[str, Any]) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    given = context.get(key)
    wanted_values = [str(w) for w in _listed(wanted)]
    if base == "Null":
        return (given is None) == (wanted_values[0].lower() == "true")
    negated = base in NEGATED
    test = STRING_OPERATORS.get(NEGATED.get(base, base))
    if test is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"condition operator {operator!r} is not understood by this evaluator")
    if given is None:
        # IAM User Guide, "Single-valued vs. multivalued context keys": ForAllValues "also returns
        # true if there are no context keys in the request" (hence a Null check beside it).
        return bool(if_exists or negated or qualifier == "ForAllValues")
    givens = [str(g) for g in _listed(given)]
    if qualifier == "ForAllValues":
        matched = all(any(test(g, w) for w in wanted_values) for g in givens)
    else:
        matched = any(test(g, w) for g in givens for w in wanted_values)
    return not matched if negated else matched


def _applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement and not _action_matches(statement["Action"], request.action):
        return False
    if "NotAction" in statement and _action_matches(statement["NotAction"], request.action):
        return False
    if "Resource" in statement and not _resource_matches(statement["Resource"], request.resource):
        return False
    if "NotResource" in statement and _resource_matches(statement["NotResource"], request.resource):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition_holds(operator, key, wanted, request.context):
                return False
    return True


def decide(document: dict[str, Any] | PolicyDocument, request: Request) -> str:
    """ "Deny" (explicit), "Allow", or "ImplicitDeny" for one identity-policy document (as
    written, or as foundation/iampolicy.py read it)."""
    if isinstance(document, PolicyDocument):
        statements = [statement.raw for statement in document.statements or ()]
    else:
        given = document["Statement"]
        statements = [given] if isinstance(given, dict) else given  # IAM allows one, unlisted
    # One C-encoded text per request (str() of each statement was most of the tests' time).
    if "${" in json.dumps(statements, default=str):
        for statement in statements:
            text = json.dumps(statement, default=str)
            if any(p in text for p in PLACEHOLDERS):
                raise ValueError(f"statement {statement.get('Sid')} still holds a placeholder")
    applying = [s for s in statements if _applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "Deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "Allow"
    return "ImplicitDeny"


def allows(
    document: dict[str, Any], request: Request, boundary: dict[str, Any] | None = None
) -> bool:
    """Whether a principal with this identity policy (and permissions boundary) may do it."""
    if decide(document, request) != "Allow":
        return False
    return boundary is None or decide(boundary, request) == "Allow"
