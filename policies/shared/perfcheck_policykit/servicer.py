"""The analyzer servicer both packs serve: pulumi_policy's own, made linear and note-aware.

`pulumi_policy.PolicyPack` serves `pulumi_policy.policy._PolicyAnalyzerServicer`, which
deserializes a resource's properties once per policy (and, in AnalyzeStack, every resource once
per stack policy) and runs every policy on every resource type. `PackServicer` subclasses it and
changes only how the work is done, not what is reported:

- Analyze converts a request's properties once, for all rules (`wire.to_props`: one walk, only
  the top-level properties a rule reads, the SDK's own proxy classes), and runs only the rules
  whose declared `resource_types` include the request's type (a rule without declared types
  always runs); a type no enabled rule judges costs no conversion at all;
- a provider's inputs are converted once per provider, not once per resource and policy;
- AnalyzeStack builds the resource list once for all stack rules, each resource's properties,
  options and provider built on first read, with one shared `StackIndex`;
- Remediate returns at once when no policy is at the `remediate` level;
- rules' notes (exemptions, values unknown during preview) become advisory diagnostics;
- Configure rejects what the engine's schema check cannot see: a policy name the pack does not
  have, and a config key a policy does not declare (the engine wraps each policy's properties in
  an object schema without `additionalProperties: false`); and a regular expression (a key of
  format "regex") with a lookahead or lookbehind, which Python accepts but RE2, the engine's
  regular expressions, does not: a pattern must mean the same wherever it is checked;
- ConfigureStack also remembers the stack name for rules that compare against it, and the
  project and stack config for stack rules that read it (the cost estimate's usage); with the
  note sink, the exemption ledger, the stack index and the inputs Analyze saw (for stack rules
  that judge inputs, the deploy pack's) they reach each rule as its `RunContext`, not ambient.

Everything else (GetAnalyzerInfo, enforcement levels, the SDK's unknown and not-applicable
handling, message format) is the SDK's. `install()` makes `PolicyPack` serve this class.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Mapping, Sequence
from inspect import isawaitable
from typing import Any

import grpc
import pulumi_policy.policy as sdk
from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import exemptions, prod_floor, reasons
from .rules import (
    ExemptionLedger,
    NotApplicable,
    NoteSink,
    Rule,
    RunContext,
    parse_exemptions,
    stack_index,
)
from .values import plain
from .wire import plain_data, to_props

_BASE = sdk._PolicyAnalyzerServicer
STOCK_SERVICER = _BASE
"""pulumi_policy's own servicer (the reference the pack servicer is compared with)."""


class PackConfigError(ValueError):
    """The policy config names a policy or a key the pack does not have."""


def _deserialize(struct: Any) -> Mapping[str, Any]:
    return to_props(struct)


class _LazyPolicyResource(PolicyResource):
    """A stack resource (or an Analyze request, which has the same fields) whose properties,
    options and provider are built on first read."""

    def __init__(self, message: Any, servicer: PackServicer) -> None:
        # PolicyResource.__init__ only assigns its fields: they are assigned here, the graph
        # (parent, dependencies) by `_stack_resources` once every resource exists.
        self._message = message
        self._servicer = servicer
        self._props: Mapping[str, Any] | None = None
        self._opts: Any = None
        self._provider: Any = _UNSET
        self.resource_type = message.type
        self.urn = message.urn
        self.name = message.name
        self.parent = None
        self.dependencies = []
        self.property_dependencies = {}

    @property  # type: ignore[override]
    def props(self) -> Mapping[str, Any]:
        if self._props is None:
            self._props = _deserialize(self._message.properties)
        return self._props

    @props.setter
    def props(self, value: Mapping[str, Any] | None) -> None:
        if value is not None:
            self._props = value

    def plain_props(self) -> dict[str, Any]:
        """`values.plain(self.props)`: the properties as plain data (secrets unwrapped, unknown
        sentinels kept), straight from the message while no rule has read the props (a judge
        that reads whole resources, the deploy pack, then builds no proxies)."""
        if self._props is None:
            data = plain_data(self._message.properties)
            if data is not None:
                return data
        return plain(self.props) or {}

    @property  # type: ignore[override]
    def opts(self) -> Any:
        if self._opts is None:
            self._opts = self._servicer._get_resource_options(self._message)
        return self._opts

    @opts.setter
    def opts(self, value: Any) -> None:
        if value is not None:
            self._opts = value

    @property  # type: ignore[override]
    def provider(self) -> Any:
        if self._provider is _UNSET:
            self._provider = self._servicer._get_provider_resource(self._message)
        return self._provider

    @provider.setter
    def provider(self, value: Any) -> None:
        if value is not None:
            self._provider = value


_UNSET = object()


class _LazyValidationArgs(ResourceValidationArgs):
    """A rule's ResourceValidationArgs whose options and provider are the request's, built on
    first read and shared by the request's rules (most read neither; the guardrails never read
    the provider)."""

    def __init__(self, request: _LazyPolicyResource, *args: Any) -> None:
        self._request = request
        super().__init__(*args)  # assigns opts and provider: None, ignored below

    @property  # type: ignore[override]
    def opts(self) -> Any:
        return self._request.opts

    @opts.setter
    def opts(self, value: Any) -> None:
        self._request.opts = value

    @property  # type: ignore[override]
    def provider(self) -> Any:
        return self._request.provider

    @provider.setter
    def provider(self, value: Any) -> None:
        self._request.provider = value


class PackServicer(_BASE):
    """`_PolicyAnalyzerServicer` with one deserialization per resource and type dispatch."""

    def __init__(
        self,
        name: str,
        version: str,
        policies: list[Policy],
        enforcement_level: EnforcementLevel,
        initial_config: dict[str, Any] | None = None,
        description: str | None = None,
        display_name: str | None = None,
        readme: str | None = None,
        provider: str | None = None,
        tags: list[str] | None = None,
        repository: str | None = None,
    ) -> None:
        super().__init__(
            name,
            version,
            policies,
            enforcement_level,
            initial_config,
            description,
            display_name,
            readme,
            provider,
            tags,
            repository,
        )
        self._pack_name = name
        self._pack_version = version
        self._policies: tuple[Policy, ...] = tuple(policies)
        self._stack_name: str | None = None
        self._stack_tags: Mapping[str, str] = {}
        self._stack_project: str | None = None
        self._stack_config: Mapping[str, str] = {}
        self._runtime_configured = False
        self._configured = False
        self._providers: dict[tuple[str, bytes], Any] = {}
        self._ledger = ExemptionLedger()
        self._inputs: dict[str, Any] = {}
        self._keeps_inputs = any(getattr(p, "judges_inputs", False) for p in policies)
        """A stack rule judges inputs: Analyze keeps each request's properties for it."""
        by_type: dict[str, list[ResourceValidationPolicy]] = {}
        self._any_type: list[ResourceValidationPolicy] = []
        self._stack_policies: list[StackValidationPolicy] = []
        for policy in self._policies:
            if isinstance(policy, StackValidationPolicy):
                self._stack_policies.append(policy)
            elif isinstance(policy, ResourceValidationPolicy):
                types = getattr(policy, "resource_types", None)
                if types is None:
                    self._any_type.append(policy)
                else:
                    for token in types:
                        by_type.setdefault(token, []).append(policy)
        # Keep the pack's order within each type's list (the report order of the stock servicer).
        order = {id(p): i for i, p in enumerate(self._policies)}
        self._by_type: dict[str, tuple[ResourceValidationPolicy, ...]] = {
            token: tuple(sorted([*found, *self._any_type], key=lambda p: order[id(p)]))
            for token, found in by_type.items()
        }
        self._untyped_only = tuple(self._any_type)
        self._type_filtered = frozenset(
            p for p in self._any_type if getattr(p, "judges_type", None) is not None
        )
        self._active_by_type: dict[str, tuple[tuple[Policy, EnforcementLevel, bool], ...]] = {}

    # -- configuration ------------------------------------------------------------------------

    def Configure(self, request: Any, context: Any) -> Any:
        given: dict[str, dict[str, Any]] = {}
        for key in request.policyConfig:
            given[key] = json_format.MessageToDict(request.policyConfig[key].properties)
        errors = strict_config_errors(self._policies, given)
        if errors:
            message = f"policy pack '{self._pack_name}' config is invalid: " + "; ".join(errors)
            if context is not None and hasattr(context, "abort"):
                # A clean gRPC error for the CLI to print (raising would log a traceback).
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
            raise PackConfigError(message)
        self._active_by_type.clear()
        response = super().Configure(request, context)
        self._configured = True
        self._check_prod_floor(context)
        return response

    def _check_prod_floor(self, context: Any) -> None:
        """Stop the run when a prod stack's config lowers a rule below its own level (known
        once both the stack, from ConfigureStack, and the levels, from Configure, are)."""
        if not self._configured:
            return
        why = prod_floor.prod_reason(self._stack_name, self._stack_project, self._stack_config)
        if why is None:
            return
        errors = prod_floor.floor_errors(self._policies, self._get_enforcement_level, why)
        if prod_floor.prod_by_settings(self._stack_project, self._stack_config):
            errors += prod_floor.parameter_errors(
                self._policies, self._get_enforcement_level, self._get_policy_config, why
            )
        if errors:
            message = f"policy pack '{self._pack_name}' config is invalid: " + "; ".join(errors)
            if context is not None and hasattr(context, "abort"):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
            raise PackConfigError(message)

    def _active_for(self, type_token: str) -> tuple[tuple[Policy, EnforcementLevel, bool], ...]:
        """The enabled rules judging `type_token`, with their levels (remediate judged as
        mandatory) and whether they validate at all: the same for every resource of the type
        until the next Configure, so worked out once per type, not per resource."""
        active = []
        for policy in self._by_type.get(type_token, self._untyped_only):
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            if policy in self._type_filtered and not policy.judges_type(
                type_token, self._get_policy_config(policy.name) or {}
            ):
                continue  # e.g. a package rule on a package it understands: no deserialization
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY
            active.append((policy, level, policy.has_validation()))
        return tuple(active)

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._stack_name = request.stack or None
        self._stack_tags = dict(request.tags)
        self._stack_project = request.project or None
        self._stack_config = dict(request.config)
        response = super().ConfigureStack(request, context)
        self._check_prod_floor(context)
        return response

    def _configure_runtime_settings(self) -> None:
        # The environment does not change within the process: read it once, not per request.
        if not self._runtime_configured:
            super()._configure_runtime_settings()
            self._runtime_configured = True

    def _get_provider_resource(self, request: Any) -> Any:
        # Every resource of a provider carries the same provider inputs: deserialize them once.
        if not request.HasField("provider"):
            return None
        key = (request.provider.urn, request.provider.properties.SerializeToString())
        provider = self._providers.get(key)
        if provider is None:
            provider = sdk.PolicyProviderResource(
                request.provider.type,
                _deserialize(request.provider.properties),
                request.provider.urn,
                request.provider.name,
            )
            self._providers[key] = provider
        return provider

    # -- notes -------------------------------------------------------------------------------

    def _note_sink(self, response: Any) -> NoteSink:
        def sink(policy: Policy, message: str, urn: str) -> None:
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._pack_name,
                    policyPackVersion=self._pack_version,
                    message=f"{policy.description}\n{message}",
                    urn=urn,
                    description=policy.description,
                    enforcementLevel=proto.ADVISORY,
                    severity=self._map_severity(policy.severity),
                )
            )

        return sink

    def _unknown_diagnostic(self, policy: Policy, error: UnknownValueError) -> Any:
        return proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=self._pack_version,
            message=(
                f"can't run policy '{policy.name}' from policy pack "
                f"'{self._pack_name}@v{self._pack_version}' during preview: {error.message}"
            ),
            urn="",
            description=policy.description,
            enforcementLevel=proto.ADVISORY,
        )

    def _run(self, result: Any) -> None:
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(asyncio.ensure_future(result, loop=loop))
            finally:
                loop.close()

    # -- analysis ----------------------------------------------------------------------------

    def _run_context(self, response: Any, **fields: Any) -> RunContext:
        """The run as the rules of one request see it (one for all of them: the note sink takes
        the rule, so nothing here is per rule)."""
        return RunContext(
            stack_name=self._stack_name,
            project=self._stack_project,
            config=self._stack_config,
            note_sink=self._note_sink(response),
            ledger=self._ledger,
            **fields,
        )

    def _validate(self, policy: Policy, args: Any, report_violation: Any, run: RunContext) -> Any:
        if isinstance(policy, Rule):
            return policy.validate(args, report_violation, run)
        return policy.validate(args, report_violation)

    def Analyze(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        if self._keeps_inputs:
            self._inputs[request.urn] = request.properties
        active = self._active_by_type.get(request.type)
        if active is None:
            active = self._active_for(request.type)
            self._active_by_type[request.type] = active
        if not active:
            return response

        props = _deserialize(request.properties)
        parts = _LazyPolicyResource(request, self)  # an AnalyzeRequest has the same fields
        run = self._run_context(response)
        for policy, level, validates in active:
            if not validates:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(
                        policy_name=policy.name, reason="Policy does not implement validate"
                    )
                )
                continue
            report_violation = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            args = _LazyValidationArgs(
                parts,
                request.type,
                props,
                request.urn,
                request.name,
                None,  # options and provider: the request's, when read
                None,
                self._get_policy_config(policy.name),
                self._stack_tags,
            )
            try:
                result = self._validate(policy, args, report_violation, run)
                if result is not None:  # the kit's rules return None; an SDK policy may await
                    self._run(result)
            except UnknownValueError as error:
                response.diagnostics.append(self._unknown_diagnostic(policy, error))
            except NotApplicable as error:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
                )
        return response

    def _exemption_audits(
        self, resources: Sequence[PolicyResource]
    ) -> list[exemptions.ExemptionAudit]:
        """Each configured exemption of an enabled rule: what it matched and what it covered."""
        audits = []
        for policy in self._policies:
            if isinstance(policy, exemptions.ExemptionsCurrentRule):
                continue
            if self._get_enforcement_level(policy) == EnforcementLevel.DISABLED:
                continue
            for exemption in parse_exemptions(self._get_policy_config(policy.name) or {}):
                matched = tuple(
                    r.urn
                    for r in resources
                    if exemption.matches(
                        r.urn, r.name, r.resource_type, r.parent.urn if r.parent else None
                    )
                )
                covered = tuple(sorted(self._ledger.covered_by(policy.name, exemption)))
                found = self._ledger.properties_of(policy.name, exemption)
                properties = tuple(sorted(p or "" for p in found))
                audits.append(
                    exemptions.ExemptionAudit(policy.name, exemption, matched, covered, properties)
                )
        return audits

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        active = []
        for policy in self._stack_policies:
            level = self._get_enforcement_level(policy)
            if level != EnforcementLevel.DISABLED:
                active.append(
                    (
                        policy,
                        EnforcementLevel.MANDATORY
                        if level == EnforcementLevel.REMEDIATE
                        else level,
                    )
                )
        if not active:
            self._end_run()
            return response

        resources = self._stack_resources(request.resources)
        index = stack_index(resources)
        # The exemption audit runs last, once every other rule has used its exemptions.
        active.sort(key=lambda entry: isinstance(entry[0], exemptions.ExemptionsCurrentRule))
        run = self._run_context(response, index=index, inputs=self._inputs)
        try:
            for policy, level in active:
                if isinstance(policy, exemptions.ExemptionsCurrentRule):
                    run = self._run_context(
                        response,
                        index=index,
                        inputs=self._inputs,
                        audits=self._exemption_audits(resources),
                    )
                report_violation = self._create_report_violation(
                    response, policy.name, policy.description, level, policy.severity
                )
                args = StackValidationArgs(
                    resources, self._get_policy_config(policy.name), self._stack_tags
                )
                try:
                    self._run(self._validate(policy, args, report_violation, run))
                except UnknownValueError as error:
                    response.diagnostics.append(self._unknown_diagnostic(policy, error))
                except NotApplicable as error:
                    response.not_applicable.append(
                        proto.PolicyNotApplicable(
                            policy_name=policy.name, reason=error.reason or ""
                        )
                    )
        finally:
            self._end_run()
        return response

    def _end_run(self) -> None:
        """One run (preview or update) per AnalyzeStack: nothing of it reaches the next."""
        self._ledger.clear()
        self._inputs = {}

    def _stack_resources(self, messages: Sequence[Any]) -> list[PolicyResource]:
        resources: list[PolicyResource] = []
        by_urn: dict[str, PolicyResource] = {}
        for message in messages:
            resource = _LazyPolicyResource(message, self)
            resources.append(resource)
            by_urn[resource.urn] = resource
        for message, resource in zip(messages, resources, strict=True):
            parent = message.parent
            if parent:
                resource.parent = by_urn.get(parent)
            dependencies = message.dependencies
            if dependencies:
                resource.dependencies.extend(by_urn[u] for u in dependencies if u in by_urn)
            by_property = message.propertyDependencies
            for prop in by_property:  # a upb map's keys iterate faster than its items
                urns = by_property[prop].urns
                resource.property_dependencies[prop] = [by_urn[u] for u in urns if u in by_urn]
        return resources

    def Remediate(self, request: Any, context: Any) -> Any:
        for policy in self._policies:
            if self._get_enforcement_level(policy) == EnforcementLevel.REMEDIATE:
                return super().Remediate(request, context)
        return proto.RemediateResponse()


_LOOKAROUNDS = (
    ("(?<=", "lookbehind"),
    ("(?<!", "lookbehind"),
    ("(?=", "lookahead"),
    ("(?!", "lookahead"),
)


def lookaround_in(pattern: str) -> str | None:
    """'lookahead' or 'lookbehind' when `pattern` uses one (outside escapes and [classes])."""
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1
            if pattern.startswith("^", index):
                index += 1
            if pattern.startswith("]", index):
                index += 1  # a ']' first in a class is a literal
            continue
        else:
            for token, kind in _LOOKAROUNDS:
                if pattern.startswith(token, index):
                    return kind
        index += 1
    return None


def _regex_keys(policy: Policy) -> set[str]:
    """Config keys whose value (or whose list items) are regular expressions."""
    properties = policy.config_schema.properties if policy.config_schema else {}
    keys = set()
    for key, schema in (properties or {}).items():
        item = schema.get("items") if schema.get("type") == "array" else schema
        if isinstance(item, Mapping) and item.get("format") == "regex":
            keys.add(key)
    return keys


def _regex_errors(name: str, policy: Policy, given: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    for key in sorted(_regex_keys(policy) & set(given)):
        value = given[key]
        patterns = value if isinstance(value, list) else [value]
        for index, pattern in enumerate(patterns):
            kind = lookaround_in(pattern) if isinstance(pattern, str) else None
            if kind is None:
                continue
            where = f"{key}[{index}]" if isinstance(value, list) else key
            errors.append(
                f"{name}: {where}: {pattern!r} uses a {kind}, which RE2 (the regular expressions "
                "of the Pulumi engine) does not support; allowed: RE2 syntax without lookahead "
                "or lookbehind, e.g. anchors and groups such as '(^|_)KEY$'"
            )
    return errors


def strict_config_errors(
    policies: Sequence[Policy], config: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Errors for policy names and config keys the pack does not declare, RE2-incompatible
    regular expressions, and reasons that are none (placeholders, expired)."""
    known = {policy.name: policy for policy in policies}
    errors: list[str] = []
    for name in sorted(config):
        if name == "all":
            continue
        policy = known.get(name)
        if policy is None:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            errors.append(f"'{name}' is not a policy of this pack{hint}")
            continue
        allowed = set(policy.config_schema.properties) if policy.config_schema else set()
        for key in sorted(config[name] or {}):
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(
                    f"{name}: '{key}' is not a config key of this policy{hint}; "
                    f"allowed: enforcementLevel, {', '.join(sorted(allowed))}"
                )
        errors.extend(_regex_errors(name, policy, config[name] or {}))
        errors.extend(reasons.reason_errors(name, config[name] or {}))
    return errors


def install() -> None:
    """Make `pulumi_policy.PolicyPack` serve `PackServicer` (call before constructing it).

    PolicyPack instantiates the module-level `_PolicyAnalyzerServicer`; swapping that name keeps
    PolicyPack's own validation, gRPC server options and port handshake unchanged.
    """
    if not issubclass(PackServicer, _BASE):  # pragma: no cover - guards an SDK rename
        raise RuntimeError("pulumi_policy's analyzer servicer changed; pin pulumi-policy")
    sdk._PolicyAnalyzerServicer = PackServicer  # type: ignore[misc]


def serve(pack: Any) -> None:
    """What each pack's `__main__.py` runs: serve `pack` (a module with the pack's PACK_NAME,
    POLICIES, ENFORCEMENT_LEVEL, INITIAL_CONFIG and DESCRIPTION) on `PackServicer`. Blocks."""
    install()
    sdk.PolicyPack(
        name=pack.PACK_NAME,
        policies=list(pack.POLICIES),
        enforcement_level=pack.ENFORCEMENT_LEVEL,
        initial_config=dict(pack.INITIAL_CONFIG) or None,
        description=pack.DESCRIPTION,
    )
