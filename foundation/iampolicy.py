"""One reading of an IAM policy document, for every judge of identity, trust and resource policies.

A document arrives as a JSON string (most inputs) or an object (a dict input); `Statement` is one
object or a list; `Action`, `NotAction`, `Resource`, `NotResource` a string or a list; `Principal`
is "*" or a map of kinds ({"AWS": ..., "Service": ..., "Federated": ..., "CanonicalUser": ...})
whose values are a string or a list. `parse_policy` reads every form into one `PolicyDocument`:

- element names are matched case-insensitively (a judge that looks for "Statement" must not be
  bypassed by "statement"), values are kept as written;
- `"Principal": "*"` is the same principal as `{"AWS": "*"}` (everyone), as IAM documents it;
- actions match as IAM matches them: case-insensitively, with `*` and `?` wildcards
  (`action_matches`, the one matcher); condition keys are case-insensitive too.

Standard library only; values not known during preview stay UNKNOWN (the whole document).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from foundation.stackmodel import UNKNOWN, Unknown, is_unknown

VERSIONS: Final = ("2012-10-17", "2008-10-17")
PRINCIPAL_KINDS: Final = ("AWS", "Service", "Federated", "CanonicalUser")
_KIND_BY_FOLDED: Final = {kind.casefold(): kind for kind in PRINCIPAL_KINDS}


class PolicyDocumentError(ValueError):
    """The value is not a JSON policy document (the message says why, and where for JSON)."""


class PolicyNotJson(PolicyDocumentError):
    """The text does not parse as JSON at all."""


def _strings(value: Any) -> tuple[str, ...]:
    """A string-or-list element as its strings (other members dropped)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _folded(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Keys case-folded (the last spelling wins, as a JSON decoder keeps the last duplicate)."""
    return {str(key).casefold(): value for key, value in mapping.items()}


def _principal(value: Any) -> dict[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"AWS": ("*",)}
    if isinstance(value, Mapping):
        return {
            _KIND_BY_FOLDED.get(str(kind).casefold(), str(kind)): _strings(ids)
            for kind, ids in value.items()
        }
    return {}


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Whether an Action/NotAction entry matches an action, as IAM matches them:
    case-insensitively, `*` any run of characters and `?` one character."""
    return _pattern(pattern.strip()).fullmatch(action.strip()) is not None


_MATCH_ALL_PARTS: Final = frozenset({"", "*", "arn", "aws"})


def _matches_everything(value: str) -> bool:
    """A condition value that a Like/Arn operator matches against anything: `*` alone, or an
    ARN pattern whose every part is `*` (`arn:*`, `arn:aws:*:*:*:*`)."""
    parts = value.strip().split(":")
    return "*" in value and all(part.strip("*?") in _MATCH_ALL_PARTS for part in parts)


@dataclass(frozen=True)
class Statement:
    """One statement, every element read in one form (None: the element is absent)."""

    position: int
    raw: Any
    """The statement as written (not a mapping when the document is malformed)."""
    sid: str | None = None
    effect: Any = None
    """As written; IAM takes "Allow" and "Deny"."""
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principal: Mapping[str, tuple[str, ...]] | None = None
    not_principal: Mapping[str, tuple[str, ...]] | None = None
    condition: Mapping[str, Any] | None = None

    @property
    def is_object(self) -> bool:
        return isinstance(self.raw, Mapping)

    @property
    def label(self) -> str:
        """The Sid, else the position (how a finding names the statement)."""
        return self.sid or str(self.position)

    @property
    def allow(self) -> bool:
        return self.effect == "Allow"

    def principals(self, kind: str) -> tuple[str, ...]:
        """The principal ids of one kind ("AWS", "Service", ...)."""
        return (self.principal or {}).get(kind, ())

    @property
    def everyone(self) -> bool:
        """Principal "*" or {"AWS": "*"}: any principal at all. An AWS principal with a
        wildcard inside it (`arn:aws:iam::*:root`) reads the same: IAM documents no partial
        wildcard in a principal (Principal element; from memory), so a judge reads it at its
        most open rather than as a named account."""
        return any("*" in p or "?" in p for p in self.principals("AWS"))

    @property
    def condition_keys(self) -> frozenset[str]:
        """Condition keys in lower case (IAM compares them case-insensitively)."""
        if not isinstance(self.condition, Mapping):
            return frozenset()
        return frozenset(
            str(key).casefold()
            for pairs in self.condition.values()
            if isinstance(pairs, Mapping)
            for key in pairs
        )

    @property
    def narrowing_condition_keys(self) -> frozenset[str]:
        """Condition keys (lower case) that can narrow who matches: a positive operator
        (not `...Not...`, `Null` or `...IfExists`, which let a request without the key, or any
        other value, through) with at least one value that is not a match-all pattern (`*`,
        `arn:*`, `arn:aws:*`, ...); a Bool listing both values matches every request."""
        if not isinstance(self.condition, Mapping):
            return frozenset()
        keys: set[str] = set()
        for operator, pairs in self.condition.items():
            folded = str(operator).casefold()
            if not isinstance(pairs, Mapping) or "not" in folded.split(":")[-1]:
                continue
            if folded.endswith("ifexists") or folded.split(":")[-1] == "null":
                continue
            for key, value in pairs.items():
                strings = _strings(value)
                if folded.endswith("bool") and {v.strip().casefold() for v in strings} >= {
                    "true",
                    "false",
                }:
                    continue
                if any(not _matches_everything(v) for v in strings):
                    keys.add(str(key).casefold())
        return frozenset(keys)

    def covers_action(self, action: str) -> bool:
        """Whether the statement's Action (or NotAction) covers `action`."""
        if self.actions is not None:
            return any(action_matches(pattern, action) for pattern in self.actions)
        if self.not_actions is not None:
            return not any(action_matches(pattern, action) for pattern in self.not_actions)
        return False


@dataclass(frozen=True)
class PolicyDocument:
    version: Any
    statements: tuple[Statement, ...] | None
    """None when the document has no Statement (or one that is neither an object nor a list)."""

    def allowed_actions(self, *, default_allow: bool = False) -> list[str]:
        """The Action entries of Allow statements (`default_allow`: a missing Effect counts)."""
        found: list[str] = []
        for statement in self.statements or ():
            if statement.allow or (default_allow and statement.effect is None):
                found.extend(statement.actions or ())
        return found


def _statement(position: int, raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        return Statement(position, raw)
    fields = _folded(raw)

    def listed(key: str) -> tuple[str, ...] | None:
        return _strings(fields[key]) if key in fields else None

    sid = fields.get("sid")
    return Statement(
        position,
        raw,
        sid=str(sid) if sid not in (None, "") else None,
        effect=fields.get("effect"),
        actions=listed("action"),
        not_actions=listed("notaction"),
        resources=listed("resource"),
        not_resources=listed("notresource"),
        principal=_principal(fields.get("principal")),
        not_principal=_principal(fields.get("notprincipal")),
        condition=fields.get("condition"),
    )


@functools.lru_cache(maxsize=512)
def _parse_text(text: str) -> Any:
    return json.loads(text)


def parse_policy(value: Any) -> PolicyDocument | Unknown | None:
    """A policy document from a JSON string or an object; None when absent, UNKNOWN when not
    known during preview; PolicyDocumentError when it is not a JSON object."""
    if value is None:
        return None
    if is_unknown(value):
        return UNKNOWN
    document = value
    if isinstance(value, str):
        try:
            document = _parse_text(value)
        except json.JSONDecodeError as error:
            raise PolicyNotJson(
                f"not JSON ({error.msg} at line {error.lineno} column {error.colno})"
            ) from None
    if not isinstance(document, Mapping):
        raise PolicyDocumentError("not a JSON object")
    fields = _folded(document)
    statements = fields.get("statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    parsed = (
        tuple(_statement(i, raw) for i, raw in enumerate(statements))
        if isinstance(statements, list)
        else None
    )
    return PolicyDocument(fields.get("version"), parsed)
