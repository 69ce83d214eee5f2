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

What a run knows beyond one request (stack name, project and config from ConfigureStack, the
stack index, the note sink, the exemption ledger, the inputs seen in Analyze) is a `RunContext`
the pack's servicer passes to each rule call, and each rule's context carries it (`ctx.run`):
nothing ambient. Without it (a stock `_PolicyAnalyzerServicer`) exemptions are reported as
not-applicable and unknowns as the SDK's own advisory "can't run policy ... during preview"
diagnostic, and the stack name comes from the CLI's PULUMI_STACK.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
from pulumi_policy.policy import _NotApplicableError as NotApplicable
from pulumi_policy.proxy import UnknownValueError

from foundation.stackmodel import ResourceView, StackIndex

from . import values

EXEMPTION_PREFIX: Final = "[exempted]"
"""First word of an exemption note (advisory diagnostic)."""
UNKNOWN_PREFIX: Final = "[not judged during preview]"
"""First word of an unknown-value note (advisory diagnostic)."""
INTERNAL_ERROR_PREFIX: Final = "[rule error]"

EXEMPTION_FORMS: Final = (
    "an exemption names exactly one resource: either 'urn' (the resource's full URN), or "
    "'type' (its type token), 'name' (its logical name) and 'parent' (the URN, or the logical "
    "name, of its parent component; '' for a resource at the stack's root); and a written "
    "'reason'; optionally the finding it was written for: 'property' (the property path the "
    "finding names, exactly, e.g. 'viewerCertificate.cloudfrontDefaultCertificate') and 'found' "
    "(the value the finding shows, exactly)"
)

EXEMPTIONS_SCHEMA: Final[dict[str, Any]] = {
    "type": "array",
    "description": (
        "Resources exempted from this rule, each bound to exactly one resource (its URN, or its "
        "type, logical name and parent) with the written reason; every exemption is reported "
        "with the resource it covered, and one that covers nothing is reported as stale."
    ),
    "default": [],
    "items": {
        "type": "object",
        "description": EXEMPTION_FORMS,
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "urn": {
                "type": "string",
                "pattern": "^urn:pulumi:[^:]+::[^:]+::.+::.+$",
                "description": "The resource's full URN (urn:pulumi:<stack>::<project>::...).",
            },
            "type": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$",
                "description": "The resource's exact type token, e.g. 'aws:rds/instance:Instance'.",
            },
            "name": {
                "type": "string",
                "minLength": 1,
                "pattern": "^[^*?\\[]+$",
                "description": "The resource's exact logical name (no wildcards).",
            },
            "parent": {
                "type": "string",
                "pattern": "^[^*?\\[]*$",
                "description": (
                    "The parent's logical name or URN ('' for a resource at the stack's root)."
                ),
            },
            "reason": {
                "type": "string",
                "minLength": 1,
                "pattern": "\\S",
                "description": "Why the resource is exempted (shown with every exempted finding).",
            },
            "property": {
                "type": "string",
                "minLength": 1,
                "pattern": "^[^*?]+$",
                "description": (
                    "The property path of the one finding exempted (exactly as the finding "
                    "names it); another finding of the rule on the resource is not exempted."
                ),
            },
            "found": {
                "type": "string",
                "minLength": 1,
                "description": "The value the finding shows (exactly); with 'property' only.",
            },
        },
        "dependencies": {"found": ["property"]},
        "oneOf": [
            {
                "required": ["urn"],
                "not": {"anyOf": [{"required": [k]} for k in ("type", "name", "parent")]},
            },
            {"required": ["type", "name", "parent"], "not": {"required": ["urn"]}},
        ],
    },
}

NoteSink = Callable[[Any, str, str], None]
"""Receives (rule, message, urn) for an advisory note; the pack servicer makes one per request."""


@dataclass(frozen=True)
class RunContext:
    """What the servicer knows about the run, handed to each rule call (never ambient)."""

    stack_name: str | None = None
    project: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)
    """The stack's config from ConfigureStack (`namespace:key` -> string)."""
    index: StackIndex | None = None
    """The stack index of this AnalyzeStack (shared by every stack rule)."""
    note_sink: NoteSink | None = None
    ledger: ExemptionLedger | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """URN -> the inputs (protobuf Struct) Analyze saw, for stack rules that judge inputs."""
    audits: Sequence[Any] | None = None
    """For the exemption audit: each configured exemption with what it matched and covered."""

    def stack(self) -> str | None:
        """The stack being checked: from ConfigureStack, else the CLI's PULUMI_STACK."""
        return self.stack_name or os.environ.get("PULUMI_STACK") or None


NO_RUN: Final = RunContext()
"""A rule called by a stock servicer: no sink, no ledger, nothing from ConfigureStack."""


_ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"


def urn_name(urn: str) -> str:
    """The logical name at the end of a URN ('' when it is not a URN)."""
    return urn.rsplit("::", 1)[-1] if urn.startswith("urn:pulumi:") else ""


def _urn_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[-2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


@dataclass(frozen=True)
class Exemption:
    """One exempted resource: by URN, or by type + logical name + parent."""

    reason: str
    urn: str | None = None
    type: str | None = None
    name: str | None = None
    parent: str | None = None
    index: int = 0
    property: str | None = None
    """The property path of the finding exempted (None: every finding of the rule)."""
    found: str | None = None
    """The value the finding shows (None: any value of that property)."""

    def covers(self, prop: str | None, found: str | None) -> bool:
        """Whether the finding (its property path and shown value) is the one exempted: exact
        matches only, so an exemption written for one property waves no other through."""
        if self.property is not None and prop != self.property:
            return False
        return self.found is None or found == self.found

    def matches(self, urn: str, name: str, type_token: str, parent: str | None) -> bool:
        if self.urn is not None:
            return urn == self.urn
        if name != self.name or type_token != self.type:
            return False
        parent = parent or ""
        if _urn_type(parent) == _ROOT_STACK_TYPE:
            parent = ""  # a resource without a parent component is the stack's child
        if self.parent is None:
            return False
        if self.parent.startswith("urn:"):
            return parent == self.parent
        return urn_name(parent) == self.parent

    def describe(self) -> str:
        finding = ""
        if self.property is not None:
            finding = f", {self.property}" + (f" = {self.found}" if self.found is not None else "")
        if self.urn is not None:
            return self.urn + finding
        where = f"under '{self.parent}'" if self.parent else "at the stack's root"
        return f"{self.type} '{self.name}' {where}{finding}"


def parse_exemptions(config: Mapping[str, Any]) -> tuple[Exemption, ...]:
    """The config's exemptions (the schema has validated their form)."""
    raw = config.get("exemptions") or ()
    result = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or not entry.get("reason"):
            continue
        finding = {
            "property": str(entry["property"]) if entry.get("property") else None,
            "found": str(entry["found"]) if entry.get("found") else None,
        }
        if entry.get("urn"):
            result.append(
                Exemption(str(entry["reason"]), urn=str(entry["urn"]), index=index, **finding)
            )
        elif entry.get("type") and entry.get("name") and entry.get("parent") is not None:
            result.append(
                Exemption(
                    str(entry["reason"]),
                    type=str(entry["type"]),
                    name=str(entry["name"]),
                    parent=str(entry["parent"]),
                    index=index,
                    **finding,
                )
            )
    return tuple(result)


class ExemptionLedger:
    """Which resource each exemption covered during one run (preview or update).

    The pack's servicer keeps one per process and hands it to every rule call; at the end of the
    run (AnalyzeStack) `policy-exemptions-current` reports each exemption that covered nothing.
    """

    def __init__(self) -> None:
        self.covered: dict[tuple[str, int], set[str]] = {}
        self.properties: dict[tuple[str, int], set[str | None]] = {}

    def use(self, policy: str, exemption: Exemption, urn: str, prop: str | None = None) -> None:
        self.covered.setdefault((policy, exemption.index), set()).add(urn)
        self.properties.setdefault((policy, exemption.index), set()).add(prop)

    def covered_by(self, policy: str, exemption: Exemption) -> set[str]:
        return self.covered.get((policy, exemption.index), set())

    def properties_of(self, policy: str, exemption: Exemption) -> set[str | None]:
        """The property paths of the findings the exemption covered."""
        return self.properties.get((policy, exemption.index), set())

    def clear(self) -> None:
        self.covered.clear()
        self.properties.clear()


class _Judgement:
    """What one rule found on one subject; shared by resource and stack contexts."""

    def __init__(
        self,
        policy: Rule,
        config: Mapping[str, Any],
        report_violation: ReportViolation,
        report_with_urn: bool,
        run: RunContext = NO_RUN,
    ) -> None:
        self.policy = policy
        self.run = run
        self.config = config
        self._report_violation = report_violation
        self._report_with_urn = report_with_urn
        self._exemptions = parse_exemptions(config)
        self._sink = run.note_sink
        self._pending_unknowns: list[str] = []
        self._pending_exemption: str | None = None
        self.violations = 0

    def _exemption_for(
        self,
        urn: str,
        name: str,
        type_token: str,
        parent: str | None,
        prop: str | None = None,
        found: str | None = None,
    ) -> Exemption | None:
        for exemption in self._exemptions:
            if exemption.matches(urn, name, type_token, parent) and exemption.covers(prop, found):
                if self.run.ledger is not None:
                    self.run.ledger.use(self.policy.name, exemption, urn, prop)
                return exemption
        return None

    def violation(
        self,
        urn: str,
        name: str,
        type_token: str,
        message: str,
        parent: str | None = None,
        prop: str | None = None,
        found: str | None = None,
    ) -> None:
        exemption = (
            self._exemption_for(urn, name, type_token, parent, prop, found) if name else None
        )
        if exemption is not None:
            self.note(
                urn,
                f"{EXEMPTION_PREFIX} {type_token} '{name}' ({urn}) is exempted from "
                f"'{self.policy.name}' by exemption {exemption.index} ({exemption.describe()}): "
                f"{exemption.reason} (finding: {message})",
                exemption_reason=exemption.reason,
            )
            return
        self.violations += 1
        if self._report_with_urn and urn:
            self._report_violation(message, urn)
        else:
            self._report_violation(message, None)

    def unknown(
        self, urn: str, name: str, type_token: str, prop: str, parent: str | None = None
    ) -> None:
        if name and self._exemption_for(urn, name, type_token, parent, prop) is not None:
            return
        message = (
            f"{UNKNOWN_PREFIX} {type_token} '{name}': {prop} is not known until the update "
            f"runs; '{self.policy.name}' judges it then (the rest of the resource was judged)."
        )
        if self._sink is not None:
            self._sink(self.policy, message, urn)
        else:
            self._pending_unknowns.append(prop)

    def note(self, urn: str, message: str, exemption_reason: str | None = None) -> None:
        if self._sink is not None:
            self._sink(self.policy, message, urn)
        elif exemption_reason is not None:
            self._pending_exemption = exemption_reason

    def finish(self) -> None:
        """Without a note sink: fall back to the SDK's own channels (see module docstring)."""
        if self._pending_unknowns:
            raise UnknownValueError(values.UNKNOWN_WIRE, [self._pending_unknowns[0]])
        if self._pending_exemption is not None and self.violations == 0:
            raise NotApplicable(f"exempted: {self._pending_exemption}")


def _top(prop: str) -> str:
    """The top-level property a label such as 'viewerCertificate.minimumProtocolVersion' or
    'containerDefinitions[web].user' names."""
    for index, char in enumerate(prop):
        if char in ".[ ":
            return prop[:index]
    return prop


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
        self.run = judgement.run
        self._judgement = judgement
        self._unknown_reads: list[str] | None = None
        self._handled: set[str] = set()

    @property
    def parent(self) -> str | None:
        """The parent's URN, from the options (read only for a finding or a note)."""
        return getattr(self.args.opts, "parent", None) or None

    def get(self, *path: str | int) -> Any:
        value = values.get(self.props, *path)
        if value is values.UNKNOWN and path:
            self._read_unknown(str(path[0]))
        return value

    def items(self, *path: str | int) -> list[Any] | Any:
        value = values.items(self.props, *path)
        if value is values.UNKNOWN and path:
            self._read_unknown(str(path[0]))
        return value

    def _read_unknown(self, prop: str) -> None:
        if self._unknown_reads is None:
            self._unknown_reads = []
        self._unknown_reads.append(prop)

    def violation(self, prop: str, found: str, expected: str, detail: str = "") -> None:
        """Report what was found and what is expected. Pass only non-secret renderings."""
        self._judgement.violation(
            self.urn,
            self.name,
            self.type,
            violation_message(self.type, self.name, prop, found, expected, detail),
            self.parent,
            prop,
            found,
        )

    def unknown(self, prop: str) -> None:
        self._handled.add(_top(prop))
        self._judgement.unknown(self.urn, self.name, self.type, prop, self.parent)

    def accept_unknown(self, prop: str) -> None:
        """An unknown `prop` the rule judges as set (a presence check on a computed value)."""
        self._handled.add(_top(prop))

    def finish(self) -> None:
        """No silent pass on an unknown: a property read as unknown that the rule neither noted
        nor accepted is noted here, in one place, for every rule."""
        if not self._unknown_reads:
            return
        for prop in dict.fromkeys(self._unknown_reads):
            if prop not in self._handled:
                self._handled.add(prop)
                self._judgement.unknown(self.urn, self.name, self.type, prop, self.parent)

    def stack_name(self) -> str | None:
        return self.run.stack()


def _provider_region(resource: PolicyResource) -> Any:
    provider = resource.provider
    return values.get(provider.props, "region") if provider is not None else None


POLICY_RESOURCES: Final[ResourceView[PolicyResource]] = ResourceView(
    urn=lambda resource: resource.urn,
    type=lambda resource: resource.resource_type,
    output=lambda resource, key: values.get(resource.props, key),
    dependency_urns=lambda resource, prop: [
        dep.urn for dep in resource.property_dependencies.get(prop, [])
    ],
    own_region=lambda resource: values.get(resource.props, "region"),
    provider_region=_provider_region,
    inputs=lambda resource: resource.props,
    get=values.get,
    items=values.items,
)
"""How the kit's stack rules read the engine's PolicyResources through the one stack index."""


def stack_index(resources: Sequence[PolicyResource]) -> StackIndex[PolicyResource]:
    """The one stack index (foundation.stackmodel) over an AnalyzeStack's resources."""
    return StackIndex(resources, POLICY_RESOURCES)


def _parent_urn(resource: PolicyResource) -> str | None:
    parent = resource.parent
    if parent is None:
        opts = getattr(resource, "opts", None)
        return getattr(opts, "parent", None) or None
    return parent.urn


class StackContext:
    """One stack rule looking at every resource (outputs) of the stack."""

    def __init__(self, args: StackValidationArgs, judgement: _Judgement) -> None:
        self.args = args
        self.config = judgement.config
        self.run = judgement.run
        index = self.run.index
        if index is None or index.resources is not args.resources:
            index = stack_index(args.resources)
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
            _parent_urn(resource),
            prop,
            found,
        )

    def refusal(self, resource: PolicyResource | None, prop: str, aws_says: str, fix: str) -> None:
        """Report what AWS (or the provider) would refuse at `pulumi up`, and the fix."""
        where = (
            describe_resource(resource.resource_type, resource.name)
            if resource is not None
            else "stack"
        )
        message = " ".join(f"{where}{' ' + prop if prop else ''}: {aws_says} Fix: {fix}".split())
        if resource is None:
            self._judgement.violation("", "", "", message)
            return
        self._judgement.violation(
            resource.urn,
            resource.name,
            resource.resource_type,
            message,
            _parent_urn(resource),
            prop,
            " ".join(aws_says.split()),
        )

    def unknown(self, resource: PolicyResource, prop: str) -> None:
        self._judgement.unknown(
            resource.urn, resource.name, resource.resource_type, prop, _parent_urn(resource)
        )

    def stack_name(self) -> str | None:
        return self.run.stack()

    def inputs(self, resource: PolicyResource) -> Any:
        """The resource's inputs as Analyze saw them (a protobuf Struct), or None when this run
        did not send them (AnalyzeStack alone carries outputs)."""
        return self.run.inputs.get(resource.urn)

    def note(self, message: str, resource: PolicyResource | None = None) -> None:
        """An advisory note (not a violation), e.g. what a stack rule assumed."""
        self._judgement.note(resource.urn if resource is not None else "", message)

    def stack_config(self) -> Mapping[str, str]:
        """The stack's config as the engine sent it in ConfigureStack (values are strings)."""
        return self.run.config

    def stack_project(self) -> str | None:
        return self.run.project


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
    normalises: str
    """What the rule normalises before judging, beyond the kit's own (README rule table)."""
    judges_type: Callable[[str, Mapping[str, Any]], bool] | None
    """For a rule of every type: whether it judges a type token under a config."""


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
        judges_type: Callable[[str, Mapping[str, Any]], bool] | None = None,
        normalises: str = "",
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
        self.normalises = normalises
        """What the rule normalises before judging (documented in the README rule table)."""
        self.resource_types = frozenset(resource_types) if resource_types is not None else None
        self.check = check
        self.judges_unknowns = unknowns
        self.judges_type = judges_type
        """For a rule of every type: (type token, config) -> whether it judges that type at all
        (a servicer skips it, without deserializing, when False)."""

    def validate(
        self,
        args: ResourceValidationArgs,
        report_violation: ReportViolation,
        run: RunContext = NO_RUN,
    ) -> None:
        if self.resource_types is not None and args.resource_type not in self.resource_types:
            return
        judgement = _Judgement(self, args.get_config() or {}, report_violation, False, run)
        try:
            ctx = ResourceContext(args, judgement)
            self.check(ctx)
            ctx.finish()
        except (UnknownValueError, NotApplicable):
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
        normalises: str = "",
        judges_inputs: bool = False,
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
        self.judges_inputs = judges_inputs
        """The rule reads resources' inputs (`ctx.inputs`): the servicer keeps them from Analyze."""
        self.resource_types = frozenset(resource_types)
        self.check = check
        self.judges_unknowns = unknowns
        self.normalises = normalises
        self.judges_type = None

    def validate(
        self,
        args: StackValidationArgs,
        report_violation: ReportViolation,
        run: RunContext = NO_RUN,
    ) -> None:
        judgement = _Judgement(self, args.get_config() or {}, report_violation, True, run)
        try:
            self.check(StackContext(args, judgement))
        except (UnknownValueError, NotApplicable):
            raise
        except Exception as error:
            _internal_error(judgement, error, "the stack")
        judgement.finish()


def config_list(config: Mapping[str, Any], key: str) -> list[Any]:
    value = config.get(key)
    if value is None:
        return []
    return list(value)
