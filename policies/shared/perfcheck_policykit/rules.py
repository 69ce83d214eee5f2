"""Rule classes every policy in both packs is built from.

A rule is a real `pulumi_policy` policy (the engine sees an ordinary ResourceValidationPolicy or
StackValidationPolicy) with what the SDK leaves to each author done once, here:

- the resource types it judges (`resource_types`), so a servicer can skip it for other types;
- a config schema that always carries `exemptions` (name pattern + written reason);
- a context whose `violation(...)` builds the message (resource, property, found, expected), turns
  a violation on an exempted resource into an advisory exemption note, and whose `unknown(...)`
  records a value that cannot be judged during preview as an advisory note instead of letting the
  SDK downgrade the whole rule;
- an internal error in a rule becomes a violation naming the rule and the error type (never a
  traceback, never a value).

Notes (exemptions, unknowns) go to the sink the pack's servicer installs; without it (a stock
`_PolicyAnalyzerServicer`) exemptions are reported as not-applicable and unknowns as the SDK's own
advisory "can't run policy ... during preview" diagnostic.
"""

from __future__ import annotations

import contextvars
import fnmatch
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

from . import values

EXEMPTION_PREFIX: Final = "[exempted]"
"""First word of an exemption note (advisory diagnostic)."""
UNKNOWN_PREFIX: Final = "[not judged during preview]"
"""First word of an unknown-value note (advisory diagnostic)."""
INTERNAL_ERROR_PREFIX: Final = "[rule error]"

EXEMPTIONS_SCHEMA: Final[dict[str, Any]] = {
    "type": "array",
    "description": (
        "Resources exempted from this rule: a glob on the resource's logical name (and optionally "
        "its type token) with the written reason; each exemption is reported."
    ),
    "default": [],
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["resource", "reason"],
        "properties": {
            "resource": {
                "type": "string",
                "minLength": 1,
                "description": "Glob on the resource's logical name, e.g. 'legacy-*'.",
            },
            "type": {
                "type": "string",
                "minLength": 1,
                "description": "Optional glob on the type token, e.g. 'aws:rds/*'.",
            },
            "reason": {
                "type": "string",
                "minLength": 1,
                "pattern": "\\S",
                "description": "Why the resource is exempted (shown with every exempted finding).",
            },
        },
    },
}

NoteSink = Callable[[str, str], None]
"""Receives (message, urn) for an advisory note; installed by the pack servicer per policy call."""

NOTE_SINK: contextvars.ContextVar[NoteSink | None] = contextvars.ContextVar(
    "perfcheck_policy_note_sink", default=None
)
STACK_NAME: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "perfcheck_policy_stack_name", default=None
)
STACK_INDEX: contextvars.ContextVar[StackIndex | None] = contextvars.ContextVar(
    "perfcheck_policy_stack_index", default=None
)
STACK_PROJECT: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "perfcheck_policy_stack_project", default=None
)
STACK_CONFIG: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "perfcheck_policy_stack_config", default=None
)


def current_stack_config() -> Mapping[str, str]:
    """The stack's config (`namespace:key` -> string) from ConfigureStack; empty if not sent."""
    return STACK_CONFIG.get() or {}


def current_stack_name() -> str | None:
    """The stack being checked: from ConfigureStack (pack servicer) or the CLI's PULUMI_STACK."""
    return STACK_NAME.get() or os.environ.get("PULUMI_STACK") or None


@dataclass(frozen=True)
class Exemption:
    resource: str
    reason: str
    type: str | None = None

    def matches(self, name: str, type_token: str) -> bool:
        if not fnmatch.fnmatchcase(name, self.resource):
            return False
        return self.type is None or fnmatch.fnmatchcase(type_token, self.type)


def parse_exemptions(config: Mapping[str, Any]) -> tuple[Exemption, ...]:
    raw = config.get("exemptions") or ()
    result = []
    for entry in raw:
        if isinstance(entry, Mapping) and entry.get("resource") and entry.get("reason"):
            result.append(
                Exemption(str(entry["resource"]), str(entry["reason"]), entry.get("type") or None)
            )
    return tuple(result)


class _Judgement:
    """What one rule found on one subject; shared by resource and stack contexts."""

    def __init__(
        self,
        policy: Rule,
        config: Mapping[str, Any],
        report_violation: ReportViolation,
        report_with_urn: bool,
    ) -> None:
        self.policy = policy
        self.config = config
        self._report_violation = report_violation
        self._report_with_urn = report_with_urn
        self._exemptions = parse_exemptions(config)
        self._sink = NOTE_SINK.get()
        self._pending_unknowns: list[str] = []
        self._pending_exemption: str | None = None
        self.violations = 0

    def _exemption_for(self, name: str, type_token: str) -> Exemption | None:
        for exemption in self._exemptions:
            if exemption.matches(name, type_token):
                return exemption
        return None

    def violation(self, urn: str, name: str, type_token: str, message: str) -> None:
        exemption = self._exemption_for(name, type_token) if name else None
        if exemption is not None:
            self.note(
                urn,
                f"{EXEMPTION_PREFIX} {type_token} '{name}' is exempted from "
                f"'{self.policy.name}': {exemption.reason} (finding: {message})",
                exemption_reason=exemption.reason,
            )
            return
        self.violations += 1
        if self._report_with_urn and urn:
            self._report_violation(message, urn)
        else:
            self._report_violation(message, None)

    def unknown(self, urn: str, name: str, type_token: str, prop: str) -> None:
        if name and self._exemption_for(name, type_token) is not None:
            return
        message = (
            f"{UNKNOWN_PREFIX} {type_token} '{name}': {prop} is not known until the update "
            f"runs; '{self.policy.name}' judges it then (the rest of the resource was judged)."
        )
        if self._sink is not None:
            self._sink(message, urn)
        else:
            self._pending_unknowns.append(prop)

    def note(self, urn: str, message: str, exemption_reason: str | None = None) -> None:
        if self._sink is not None:
            self._sink(message, urn)
        elif exemption_reason is not None:
            self._pending_exemption = exemption_reason

    def finish(self) -> None:
        """Without a note sink: fall back to the SDK's own channels (see module docstring)."""
        if self._pending_unknowns:
            raise UnknownValueError(values.UNKNOWN_STRING_VALUE, [self._pending_unknowns[0]])
        if self._pending_exemption is not None and self.violations == 0:
            raise _NotApplicableError(f"exempted: {self._pending_exemption}")


def describe_resource(type_token: str, name: str) -> str:
    return f"{type_token} '{name}'"


def violation_message(
    type_token: str, name: str, prop: str, found: str, expected: str, detail: str = ""
) -> str:
    message = f"{describe_resource(type_token, name)}: {prop} is {found}; expected {expected}."
    return f"{message} {detail}" if detail else message


class ResourceContext:
    """One rule looking at one resource's inputs."""

    def __init__(self, args: ResourceValidationArgs, judgement: _Judgement) -> None:
        self.args = args
        self.props = args.props
        self.type = args.resource_type
        self.name = args.name
        self.urn = args.urn
        self.config = judgement.config
        self._judgement = judgement

    def get(self, *path: str | int) -> Any:
        return values.get(self.props, *path)

    def items(self, *path: str | int) -> list[Any] | Any:
        return values.items(self.props, *path)

    def violation(self, prop: str, found: str, expected: str, detail: str = "") -> None:
        """Report what was found and what is expected. Pass only non-secret renderings."""
        self._judgement.violation(
            self.urn,
            self.name,
            self.type,
            violation_message(self.type, self.name, prop, found, expected, detail),
        )

    def unknown(self, prop: str) -> None:
        self._judgement.unknown(self.urn, self.name, self.type, prop)

    def stack_name(self) -> str | None:
        return current_stack_name()


class StackIndex:
    """All resources of one AnalyzeStack call, indexed once (by URN, by type, by output value)."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = resources
        self.by_urn: dict[str, PolicyResource] = {}
        self.by_type: dict[str, list[PolicyResource]] = {}
        for resource in resources:
            self.by_urn[resource.urn] = resource
            self.by_type.setdefault(resource.resource_type, []).append(resource)
        self._by_value: dict[tuple[frozenset[str], str], dict[str, list[PolicyResource]]] = {}

    def of_type(self, *type_tokens: str) -> list[PolicyResource]:
        if len(type_tokens) == 1:
            return self.by_type.get(type_tokens[0], [])
        found: list[PolicyResource] = []
        for token in type_tokens:
            found.extend(self.by_type.get(token, []))
        return found

    def _value_index(self, types: frozenset[str], key: str) -> dict[str, list[PolicyResource]]:
        """Output value -> resources of `types` having it at `key`; built once per (types, key)."""
        cache_key = (types, key)
        index = self._by_value.get(cache_key)
        if index is None:
            index = {}
            for token in types:
                for resource in self.by_type.get(token, []):
                    value = values.get(resource.props, key)
                    if isinstance(value, str) and not values.is_unknown(value):
                        index.setdefault(value, []).append(resource)
            self._by_value[cache_key] = index
        return index

    def references(
        self,
        resource: PolicyResource,
        prop: str,
        value: Any,
        target_types: Iterable[str],
        match_keys: Iterable[str] = ("id", "arn", "name"),
    ) -> list[PolicyResource] | None:
        """The resources of `target_types` that `value` (read from `resource.prop`) refers to.

        First by value (an id, ARN or name in the target's outputs); then, for values unknown
        during preview, by the engine's property dependencies of `prop`. None when it cannot be
        told (unknown value and no dependency of a target type).
        """
        types = frozenset(target_types)
        deps = [
            dep
            for dep in resource.property_dependencies.get(prop, [])
            if dep.resource_type in types
        ]
        found: list[PolicyResource] = []
        if value is values.UNKNOWN or values.is_unknown(value):
            candidates: list[Any] = [values.UNKNOWN]
        elif isinstance(value, Sequence) and not isinstance(value, str):
            candidates = list(values.items(value))  # a list proxy: read it unknown-safely
        else:
            candidates = [value]
        unresolved = False
        for candidate in candidates:
            if candidate is None:
                continue
            if values.is_unknown(candidate) or not isinstance(candidate, str):
                unresolved = True
                continue
            hits: list[PolicyResource] = []
            for key in match_keys:
                hits = self._value_index(types, key).get(candidate, [])
                if hits:
                    break
            if len(hits) > 1 and deps:
                # Several resources share the value (e.g. the same name in two regions): the
                # engine's dependency graph says which one this resource used.
                hits = [hit for hit in hits if hit in deps] or hits
            if not hits:
                unresolved = True
            for hit in hits:
                if hit not in found:
                    found.append(hit)
        if unresolved:
            for dep in deps:
                if dep not in found:
                    found.append(dep)
            if not deps and not found and any(values.is_unknown(c) for c in candidates):
                return None
        return found


class StackContext:
    """One stack rule looking at every resource (outputs) of the stack."""

    def __init__(self, args: StackValidationArgs, judgement: _Judgement) -> None:
        self.args = args
        self.config = judgement.config
        index = STACK_INDEX.get()
        if index is None or index.resources is not args.resources:
            index = StackIndex(args.resources)
        self.index = index
        self._judgement = judgement

    def get(self, resource: PolicyResource, *path: str | int) -> Any:
        return values.get(resource.props, *path)

    def items(self, resource: PolicyResource, *path: str | int) -> list[Any] | Any:
        return values.items(resource.props, *path)

    def violation(
        self,
        resource: PolicyResource | None,
        prop: str,
        found: str,
        expected: str,
        detail: str = "",
    ) -> None:
        if resource is None:
            message = f"stack: {prop} is {found}; expected {expected}."
            if detail:
                message = f"{message} {detail}"
            self._judgement.violation("", "", "", message)
            return
        self._judgement.violation(
            resource.urn,
            resource.name,
            resource.resource_type,
            violation_message(resource.resource_type, resource.name, prop, found, expected, detail),
        )

    def unknown(self, resource: PolicyResource, prop: str) -> None:
        self._judgement.unknown(resource.urn, resource.name, resource.resource_type, prop)

    def stack_name(self) -> str | None:
        return current_stack_name()

    def note(self, message: str, resource: PolicyResource | None = None) -> None:
        """An advisory note (not a violation), e.g. what a stack rule assumed."""
        self._judgement.note(resource.urn if resource is not None else "", message)

    def stack_config(self) -> Mapping[str, str]:
        """The stack's config as the engine sent it in ConfigureStack (values are strings)."""
        return current_stack_config()

    def stack_project(self) -> str | None:
        return STACK_PROJECT.get()


def _schema(properties: Mapping[str, Mapping[str, Any]] | None) -> PolicyConfigSchema:
    merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (properties or {}).items()}
    merged["exemptions"] = dict(EXEMPTIONS_SCHEMA)
    return PolicyConfigSchema(properties=merged)


def _internal_error(judgement: _Judgement, error: Exception, subject: str) -> None:
    judgement.violation(
        "",
        "",
        "",
        f"{INTERNAL_ERROR_PREFIX} '{judgement.policy.name}' failed on {subject} "
        f"({type(error).__name__}); the resource was not judged. Report this to the pack's "
        "maintainers.",
    )


class Rule:
    """Metadata shared by resource and stack rules (mixed into the SDK policy classes)."""

    name: str
    description: str
    severity: Severity | None
    remediation_steps: str | None
    resource_types: frozenset[str] | None
    """Types the rule judges (None: every type). A servicer may skip the rule for other types."""
    judges_unknowns: str
    """How the rule treats values unknown during preview (documented in the README)."""


class ResourceRule(ResourceValidationPolicy, Rule):
    """A rule on one resource's inputs (runs in Analyze, during preview and update)."""

    def __init__(
        self,
        *,
        name: str,
        description: str,
        severity: Severity,
        remediation_steps: str,
        resource_types: Iterable[str] | None,
        check: Callable[[ResourceContext], None],
        unknowns: str,
        config_properties: Mapping[str, Mapping[str, Any]] | None = None,
        enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY,
        tags: Sequence[str] = (),
    ) -> None:
        super().__init__(
            name=name,
            description=description,
            enforcement_level=enforcement_level,
            config_schema=_schema(config_properties),
            severity=severity,
            tags=list(tags) or None,
            remediation_steps=remediation_steps,
        )
        self.resource_types = frozenset(resource_types) if resource_types is not None else None
        self.check = check
        self.judges_unknowns = unknowns

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if self.resource_types is not None and args.resource_type not in self.resource_types:
            return
        judgement = _Judgement(self, args.get_config() or {}, report_violation, False)
        try:
            self.check(ResourceContext(args, judgement))
        except (UnknownValueError, _NotApplicableError):
            raise
        except Exception as error:
            _internal_error(judgement, error, f"{args.resource_type} '{args.name}'")
        judgement.finish()


class StackRule(StackValidationPolicy, Rule):
    """A rule over all resources (runs in AnalyzeStack, on outputs, once per preview/update)."""

    def __init__(
        self,
        *,
        name: str,
        description: str,
        severity: Severity,
        remediation_steps: str,
        resource_types: Iterable[str],
        check: Callable[[StackContext], None],
        unknowns: str,
        config_properties: Mapping[str, Mapping[str, Any]] | None = None,
        enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY,
        tags: Sequence[str] = (),
    ) -> None:
        super().__init__(
            name=name,
            description=description,
            enforcement_level=enforcement_level,
            config_schema=_schema(config_properties),
            severity=severity,
            tags=list(tags) or None,
            remediation_steps=remediation_steps,
        )
        self.resource_types = frozenset(resource_types)
        self.check = check
        self.judges_unknowns = unknowns

    def validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        judgement = _Judgement(self, args.get_config() or {}, report_violation, True)
        try:
            self.check(StackContext(args, judgement))
        except (UnknownValueError, _NotApplicableError):
            raise
        except Exception as error:
            _internal_error(judgement, error, "the stack")
        judgement.finish()


def config_list(config: Mapping[str, Any], key: str) -> list[Any]:
    value = config.get(key)
    if value is None:
        return []
    return list(value)
