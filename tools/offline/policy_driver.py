"""Drive the policy packs the way the Pulumi engine does, in process, on an offline StackRun.

`pulumi preview --policy-pack DIR --policy-pack-config FILE` boots each pack, which serves its
analyzer (a `pulumi_policy` `_PolicyAnalyzerServicer`; ours is the kit's `PackServicer`) over gRPC,
and then calls, in this order: ConfigureStack, GetAnalyzerInfo; reconciles the config (schema
defaults, then the pack's initial config, then the file; validated with gojsonschema); Configure;
Remediate (only if a policy is at the `remediate` level) and Analyze for every resource (its
inputs, options and provider); AnalyzeStack once with every resource's outputs, parent,
dependencies and property dependencies. This module makes the same calls on the same servicer
class with the same protobuf messages, minus the socket.

Public API:
    evaluate_packs(run, stack, config_dir=None) -> PolicyReport  (exemption_uses: which resource
                                             each exemption covered; stale ones)
    load_pack(name) -> LoadedPack            (policies importable without serving)
    empty_pack() -> LoadedPack               (a pack that judges nothing: the benchmark floor)
    PackSession(pack, stack, config)         (one configured servicer; for tests and the bench)
    MessageCache()                           (messages and pure responses reused across runs)
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Severity

from foundation.records import ProviderRecord, ResourceRecord, StackRun
from tools.offline.runner import collector_paused

ROOT = Path(__file__).resolve().parents[2]
POLICIES_DIR = ROOT / "policies"
KIT_DIR = POLICIES_DIR / "shared"
"""Where the kit both packs import lives (a packaged pack carries a copy instead)."""
CONFIG_DIR = POLICIES_DIR / "config"
DEPLOY_PACK_DIR = POLICIES_DIR / "deploy"
"""The deploy pack (what AWS would refuse at `pulumi up`): `perfcheck_deploy` lives here."""


def add_pack_paths(*pack_dirs: Path) -> None:
    """Put the kit and these pack directories on sys.path, as a pack's `__main__.py` does."""
    for path in (KIT_DIR, *pack_dirs):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


PACK_NAMES: tuple[str, ...] = ("guardrails", "cost", "deploy")

ENFORCEMENT_LEVELS: tuple[str, ...] = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED,
}
_PROTO_TO_LEVEL = {value: key for key, value in _LEVEL_TO_PROTO.items()}
_SEVERITIES = {
    proto.POLICY_SEVERITY_UNSPECIFIED: "",
    proto.POLICY_SEVERITY_LOW: "low",
    proto.POLICY_SEVERITY_MEDIUM: "medium",
    proto.POLICY_SEVERITY_HIGH: "high",
    proto.POLICY_SEVERITY_CRITICAL: "critical",
}
_CANT_RUN = "can't run policy"


class PolicyConfigError(ValueError):
    """A policy pack config the engine (or the pack) would reject; `errors` lists each problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("invalid policy pack config:\n  " + "\n  ".join(self.errors))


# -- packs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPack:
    """A pack's policies and settings, as its `__main__.py` would hand them to PolicyPack."""

    key: str
    directory: Path
    name: str
    version: str
    description: str
    policies: tuple[Any, ...]
    enforcement_level: Any
    initial_config: Mapping[str, Any] | None
    servicer_class: type

    def new_servicer(self) -> Any:
        return self.servicer_class(
            self.name,
            self.version,
            list(self.policies),
            self.enforcement_level,
            dict(self.initial_config) if self.initial_config else None,
            self.description,
        )


def _pack_version(directory: Path) -> str:
    """PulumiPolicy.yaml's version: the engine uses it over the SDK's fixed '0.0.1'."""
    project = yaml.safe_load((directory / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    return str(project.get("version") or "0.0.1")


@functools.cache
def load_pack(name: str) -> LoadedPack:
    """Import pack `name` (one of PACK_NAMES) the way `python -m pulumi.policy` finds it.

    The engine runs the pack's `__main__.py` with the pack directory first on sys.path; the same
    directory goes on sys.path here, and the pack's module (`perfcheck_<name>`) is imported
    without constructing PolicyPack (which would start a server and block).
    """
    if name not in PACK_NAMES:
        raise ValueError(f"unknown policy pack {name!r}; known packs: {', '.join(PACK_NAMES)}")
    directory = POLICIES_DIR / name
    add_pack_paths(directory)
    module = importlib.import_module(f"perfcheck_{name}")
    servicer = importlib.import_module("perfcheck_policykit.servicer")
    return LoadedPack(
        key=name,
        directory=directory,
        name=module.PACK_NAME,
        version=_pack_version(directory),
        description=module.DESCRIPTION,
        policies=tuple(module.POLICIES),
        enforcement_level=module.ENFORCEMENT_LEVEL,
        initial_config=module.INITIAL_CONFIG,
        servicer_class=servicer.PackServicer,
    )


def _kit() -> Any:
    """The policy kit both packs share (`policies/shared/perfcheck_policykit`)."""
    if str(KIT_DIR) not in sys.path:
        sys.path.insert(0, str(KIT_DIR))
    return importlib.import_module("perfcheck_policykit")


def empty_pack(*, stock_servicer: bool = False) -> LoadedPack:
    """A pack whose single rule judges no resource type: what the protocol alone costs.

    With the packs' servicer no request is even deserialized; with `stock_servicer=True`
    (pulumi_policy's own `_PolicyAnalyzerServicer`) each request is deserialized once for the
    rule. The floor for benchmarks (issue 10). PolicyPack refuses an empty policy list.
    """
    kit = _kit()
    noop = kit.ResourceRule(
        name="judges-nothing",
        description="Judges no resource type (benchmark floor).",
        severity=Severity.LOW,
        remediation_steps="None: this rule never reports.",
        resource_types=[],
        check=lambda ctx: None,
        unknowns="Never reads a value.",
    )
    base = load_pack("guardrails")
    stock = importlib.import_module("perfcheck_policykit.servicer").STOCK_SERVICER
    servicer = stock if stock_servicer else base.servicer_class
    return LoadedPack(
        key="empty",
        directory=base.directory,
        name="perfcheck-empty",
        version=base.version,
        description="A pack with no effective rules.",
        policies=(noop,),
        enforcement_level=EnforcementLevel.ADVISORY,
        initial_config=None,
        servicer_class=servicer,
    )


# -- engine-side configuration ------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyConfig:
    enforcement_level: str | None
    properties: Mapping[str, Any] | None


def parse_config_file(path: Path) -> dict[str, PolicyConfig]:
    """A `--policy-pack-config` file, parsed as the engine's parsePolicyPackConfig does."""
    return parse_config_text(_read_config(path), str(path))


def _read_config(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyConfigError([f"{path}: cannot read ({error.strerror})"]) from None


def parse_config_text(text: str, source: str = "policy config") -> dict[str, PolicyConfig]:
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise PolicyConfigError([f"{source}: not valid JSON ({error})"]) from None
    if not isinstance(raw, dict):
        raise PolicyConfigError([f"{source}: expected a JSON object of policy names"])
    return _parse_config_object(raw, source)


def _parse_config_object(raw: Mapping[str, Any], source: str) -> dict[str, PolicyConfig]:
    result: dict[str, PolicyConfig] = {}
    errors: list[str] = []
    allowed = ", ".join(ENFORCEMENT_LEVELS)
    for key, value in raw.items():
        if isinstance(value, str):
            if value not in ENFORCEMENT_LEVELS:
                errors.append(f"{source}: {key}: {value!r} is not an enforcement level ({allowed})")
                continue
            result[key] = PolicyConfig(value, None)
        elif isinstance(value, dict):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            if level is not None and level not in ENFORCEMENT_LEVELS:
                errors.append(
                    f"{source}: {key}.enforcementLevel: {level!r} is not an enforcement level "
                    f"({allowed})"
                )
                continue
            if level is None and not properties:
                continue
            result[key] = PolicyConfig(level, properties or None)
        else:
            errors.append(f"{source}: {key}: must be an enforcement level or an object")
    if errors:
        raise PolicyConfigError(errors)
    return result


def _initial_config(info: Any) -> dict[str, PolicyConfig]:
    result = {}
    for name in info.initialConfig:
        entry = info.initialConfig[name]
        properties = json_format.MessageToDict(entry.properties) or None
        result[name] = PolicyConfig(_PROTO_TO_LEVEL[entry.enforcementLevel], properties)
    return result


def _apply(result: dict[str, PolicyConfig], given: Mapping[str, PolicyConfig]) -> None:
    """The engine's applyConfig: 'all' sets every level, then each policy's own entry."""
    everything = given.get("all")
    if everything is not None and everything.enforcement_level is not None:
        for name, current in list(result.items()):
            result[name] = PolicyConfig(everything.enforcement_level, current.properties)
    for name, entry in given.items():
        current = result.get(name, PolicyConfig(None, None))
        level = entry.enforcement_level or current.enforcement_level
        properties = dict(current.properties or {})
        properties.update(entry.properties or {})
        result[name] = PolicyConfig(level, properties or None)


_SCHEMAS: dict[bytes, tuple[dict[str, Any], str]] = {}
"""A policy's config schema (read-only) and its canonical JSON, by the schema message's bytes:
the same pack is configured once per evaluation, and converting every schema each time
dominated a small stack's evaluation."""


def _schema_entry(policy: Any) -> tuple[dict[str, Any], str] | None:
    if not policy.HasField("configSchema"):
        return None
    key = policy.configSchema.SerializeToString(deterministic=True)
    entry = _SCHEMAS.get(key)
    if entry is None:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        schema: dict[str, Any] = {"type": "object"}
        if properties:
            schema["properties"] = properties
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        entry = _SCHEMAS[key] = (schema, json.dumps(schema, sort_keys=True))
    return entry


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(
        json.loads(schema_json), format_checker=jsonschema.FormatChecker()
    )


def reconcile_config(
    info: Any, given: Mapping[str, PolicyConfig] | None
) -> dict[str, PolicyConfig]:
    """The engine's ReconcilePolicyPackConfig: defaults, initial config, given config, validate.

    Raises PolicyConfigError naming the policy, the key and what is allowed for every problem.
    """
    entries = {policy.name: _schema_entry(policy) for policy in info.policies}
    schemas = {name: entry[0] if entry else None for name, entry in entries.items()}
    result: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        defaults = {
            key: value["default"]
            for key, value in (schemas[policy.name] or {}).get("properties", {}).items()
            if isinstance(value, dict) and "default" in value
        }
        result[policy.name] = PolicyConfig(
            _PROTO_TO_LEVEL[policy.enforcementLevel], defaults or None
        )
    _apply(result, _initial_config(info))
    if given:
        _apply(result, given)
    errors: list[str] = []
    for name, schema in schemas.items():
        if schema is None:
            continue
        properties = dict(result[name].properties or {})
        validator = _validator(entries[name][1])  # type: ignore[index]
        for error in sorted(validator.iter_errors(properties), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path) or "(root)"
            message = _plain_schema_message(error)
            if error.validator in ("oneOf", "anyOf") and error.schema.get("description"):
                keys = sorted(error.instance) if isinstance(error.instance, dict) else []
                message = f"has keys {keys}; {error.schema['description']}"
            elif error.validator == "additionalProperties" and "exemptions" in where:
                message = f"{message}; {_kit().rules.EXEMPTION_FORMS}"
            errors.append(f"{name}: {where}: {message}")
    if errors:
        raise PolicyConfigError(errors)
    return result


def _plain_schema_message(error: Any) -> str:
    """jsonschema's message, without the regular expression a pattern mismatch would print."""
    if error.validator == "pattern":
        described = error.schema.get("description")
        return f"{error.instance!r} does not match the allowed form" + (
            f": {described}" if described else " (see the rule's configSchema in its pack)"
        )
    return str(error.message)


def configure_request(config: Mapping[str, PolicyConfig]) -> Any:
    request = proto.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        message = request.policyConfig[name]
        if entry.enforcement_level is not None:
            message.enforcementLevel = _LEVEL_TO_PROTO[entry.enforcement_level]
        if entry.properties:
            message.properties.update(dict(entry.properties))
    return request


# -- requests -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-shaped data (dicts, lists) from any mappings and sequences a record may hold."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _NotPlain(Exception):
    """A value of a kind the direct fill does not take: protobuf's own `update` fills it."""


def _fill_fields(fields: Any, values: Mapping[str, Any]) -> None:
    for key in values:
        if type(key) is not str:
            raise _NotPlain
        _fill_value(fields[key], values[key])


def _fill_value(message: Any, value: Any) -> None:
    """What protobuf's `_SetStructValue` sets, for the exact JSON kinds, without its isinstance
    chain per value (the fill is a tenth of judging a stack)."""
    kind = type(value)
    if kind is str:
        message.string_value = value
    elif kind is dict:
        struct = message.struct_value
        struct.Clear()  # as protobuf does: an empty dict is still a struct value
        _fill_fields(struct.fields, value)
    elif kind is bool:
        message.bool_value = value
    elif kind is int or kind is float:
        message.number_value = value
    elif kind is list or kind is tuple:
        elements = message.list_value
        elements.Clear()  # an empty list is still a list value
        add = elements.values.add
        for item in value:
            _fill_value(add(), item)
    elif value is None:
        message.null_value = 0
    else:
        raise _NotPlain


def _fill(struct: Any, values: Mapping[str, Any]) -> None:
    """`struct.update(values)`: JSON kinds set directly, anything else by protobuf's update."""
    try:
        _fill_fields(struct.fields, values)
        return
    except _NotPlain:
        struct.Clear()
    try:
        struct.update(dict(values))
    except (TypeError, ValueError):
        struct.Clear()
        struct.update(_plain(values))  # e.g. a MappingProxy or a tuple nested in the inputs


def _fill_options(options: Any, record: ResourceRecord) -> None:
    """A resource's AnalyzerResourceOptions, set field by field on the message in place."""
    options.protect = record.protect
    options.ignoreChanges.extend(record.ignore_changes)
    options.deleteBeforeReplace = record.delete_before_replace
    options.deleteBeforeReplaceDefined = record.delete_before_replace
    timeouts = options.customTimeouts
    timeouts.SetInParent()  # sent even when empty, as the engine does
    for operation, duration in record.custom_timeouts.items():
        seconds = _duration_seconds(duration)
        if seconds is not None:
            setattr(timeouts, operation, seconds)
    options.parent = record.parent or ""


def _duration_seconds(duration: str) -> float | None:
    """A Go duration ("45m", "1h30m", "90s") in seconds, as the engine sends custom timeouts."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", duration or "")
    if not parts or "".join(n + u for n, u in parts) != duration:
        return None
    return sum(float(n) * {"h": 3600.0, "m": 60.0, "s": 1.0}[u] for n, u in parts)


def _provider(provider: ProviderRecord) -> Any:
    message = proto.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name
    )
    _fill(message.properties, provider.inputs)
    return message


def analyze_request(record: ResourceRecord) -> Any:
    """The AnalyzeRequest the engine sends for a resource: its wire inputs (secrets wrapped,
    unknowns as sentinels), options and provider."""
    return _messages(record, {})[0]


def analyzer_resource(record: ResourceRecord) -> Any:
    """The AnalyzerResource the engine sends in AnalyzeStack: outputs and the dependency graph."""
    return _messages(record, {})[1]


Providers = dict[int, tuple[ProviderRecord, Any]]
"""Provider messages of one evaluation by provider record (every resource of a provider carries
the same inputs: converted once, copied into each message)."""


def _provider_message(provider: ProviderRecord, providers: Providers) -> Any:
    entry = providers.get(id(provider))
    if entry is None or entry[0] is not provider:
        entry = providers[id(provider)] = (provider, _provider(provider))
    return entry[1]


def _messages(
    record: ResourceRecord, providers: Providers, resource: Any = None
) -> tuple[Any, Any]:
    """(AnalyzeRequest, AnalyzerResource) for `record`, sharing one options message; the
    AnalyzerResource filled in place when given (an element of the AnalyzeStackRequest every
    pack receives: built there once, not copied into it per pack)."""
    request = proto.AnalyzeRequest(type=record.type, urn=record.urn, name=record.name)
    _fill_options(request.options, record)
    _fill(request.properties, record.wire_inputs)
    if resource is None:
        resource = proto.AnalyzerResource()
    resource.type = record.type
    resource.urn = record.urn
    resource.name = record.name
    resource.parent = record.parent or ""
    resource.dependencies.extend(record.dependencies)
    resource.options.CopyFrom(request.options)
    _fill(resource.properties, record.outputs)
    for prop, urns in record.property_dependencies.items():
        resource.propertyDependencies[prop].urns.extend(urns)
    if record.provider is not None:
        provider = _provider_message(record.provider, providers)
        request.provider.CopyFrom(provider)
        resource.provider.CopyFrom(provider)
    return request, resource


# -- sessions and reports ---------------------------------------------------------------------


_ANALYZER_INFO: dict[int, tuple[LoadedPack, Any]] = {}


def _analyzer_info(pack: LoadedPack, servicer: Any) -> Any:
    """GetAnalyzerInfo, asked once per loaded pack as the engine asks once per plugin: the answer
    depends only on the pack (its policies and initial config), and building it converts every
    config schema. Keyed by the pack object itself (kept, so its id cannot be reused)."""
    cached = _ANALYZER_INFO.get(id(pack))
    if cached is not None and cached[0] is pack:
        return cached[1]
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    if len(_ANALYZER_INFO) > 64:
        _ANALYZER_INFO.clear()
    _ANALYZER_INFO[id(pack)] = (pack, info)
    return info


class PackSession:
    """One pack's servicer, booted and configured for a stack as the engine does."""

    def __init__(
        self,
        pack: LoadedPack,
        stack: str,
        config: Mapping[str, PolicyConfig] | None = None,
        *,
        project: str = "perfcheck",
        dry_run: bool = True,
        tags: Mapping[str, str] | None = None,
        stack_config: Mapping[str, str] | None = None,
    ) -> None:
        self.pack = pack
        self.servicer = pack.new_servicer()
        self.servicer.ConfigureStack(
            proto.AnalyzerStackConfigureRequest(
                stack=stack,
                project=project,
                dry_run=dry_run,
                tags=dict(tags or {}),
                config=dict(stack_config or {}),
            ),
            None,
        )
        self.info = _analyzer_info(pack, self.servicer)
        self.config = reconcile_config(self.info, config)
        try:
            self.servicer.Configure(configure_request(self.config), None)
        except ValueError as error:  # the pack's own strict check (unknown policy or key)
            raise PolicyConfigError([str(error)]) from None
        self._remediates = any(c.enforcement_level == "remediate" for c in self.config.values())
        self.analysis_is_pure = not self._remediates and not self._judges_inputs_or_exempts()
        """Analyze's response is a function of the request alone (this configuration fixed): no
        remediation, no stack rule keeping the inputs Analyze saw, no exemption whose use Analyze
        records for the stack's audit. Only then may a response be reused (MessageCache)."""

    def _judges_inputs_or_exempts(self) -> bool:
        if any(getattr(policy, "judges_inputs", False) for policy in self.pack.policies):
            return True
        rules = _kit().rules
        return any(
            entry.enforcement_level != "disabled" and rules.parse_exemptions(entry.properties or {})
            for entry in self.config.values()
        )

    def analyze(self, request: Any) -> Any:
        if self._remediates:
            remediated = self.servicer.Remediate(request, None)
            for remediation in remediated.remediations:
                if remediation.HasField("properties"):
                    updated = type(request)()
                    updated.CopyFrom(request)
                    updated.properties.CopyFrom(remediation.properties)
                    request = updated
        return self.servicer.Analyze(request, None)

    def analyze_stack(self, request: Any) -> Any:
        """AnalyzeStack on an AnalyzeStackRequest (one request may serve every pack: the
        servicer only reads it)."""
        return self.servicer.AnalyzeStack(request, None)


@dataclass(frozen=True)
class PolicyViolation:
    pack: str
    policy: str
    enforcement_level: str
    severity: str
    urn: str
    name: str
    type: str
    message: str

    def __str__(self) -> str:
        return f"[{self.enforcement_level}] {self.pack}/{self.policy}: {self.message}"


@dataclass(frozen=True)
class PolicyNote:
    """An advisory note that is not a violation: an exemption or a value unknown at preview."""

    pack: str
    policy: str
    urn: str
    name: str
    type: str
    message: str

    def __str__(self) -> str:
        return f"{self.pack}/{self.policy}: {self.message}"


@dataclass(frozen=True)
class ExemptionUse:
    """One configured exemption and the one resource it covered in this run (or none: stale)."""

    pack: str
    policy: str
    index: int
    selector: str
    reason: str
    covered: tuple[str, ...]
    matched: tuple[str, ...]

    @property
    def stale(self) -> bool:
        return not self.covered

    def __str__(self) -> str:
        head = f"{self.pack}/{self.policy} exemption {self.index} ({self.selector})"
        if self.covered:
            return f"{head} covered {', '.join(self.covered)}: {self.reason}"
        if self.matched:
            return f"{head} is stale: {', '.join(self.matched)} no longer has the finding"
        return f"{head} is stale: it matches no resource of this stack"


@dataclass(frozen=True)
class PolicyReport:
    stack: str
    violations: tuple[PolicyViolation, ...]
    exemptions: tuple[PolicyNote, ...]
    diagnostics: tuple[PolicyNote, ...]
    not_applicable: tuple[PolicyNote, ...] = ()
    config_files: Mapping[str, Path | None] = field(default_factory=dict)
    exemption_uses: tuple[ExemptionUse, ...] = ()
    """Every configured exemption with the resource it covered; `stale()` lists the unused."""

    def stale_exemptions(self) -> list[ExemptionUse]:
        return [use for use in self.exemption_uses if use.stale]

    def mandatory(self) -> list[PolicyViolation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]

    def advisory(self) -> list[PolicyViolation]:
        return [v for v in self.violations if v.enforcement_level == "advisory"]

    def for_policy(self, policy: str) -> list[PolicyViolation]:
        return [v for v in self.violations if v.policy == policy]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the findings grouped as in the report, config files as strings."""
        return {
            "stack": self.stack,
            "violations": [vars(v) for v in self.violations],
            "exemptions": [vars(n) for n in self.exemptions],
            "diagnostics": [vars(n) for n in self.diagnostics],
            "exemptionUses": [
                {**vars(use), "covered": list(use.covered), "matched": list(use.matched)}
                | {"stale": use.stale}
                for use in self.exemption_uses
            ],
            "configFiles": {k: str(v) if v else None for k, v in self.config_files.items()},
        }

    def summary(self) -> str:
        return (
            f"{self.stack}: {len(self.mandatory())} mandatory, {len(self.advisory())} advisory, "
            f"{len(self.exemptions)} exempted, {len(self.diagnostics)} not judged during preview"
        )


class _Collector:
    def __init__(self, stack: str, records: Mapping[str, ResourceRecord]) -> None:
        self.stack = stack
        self.records = records
        self.violations: list[PolicyViolation] = []
        self.exemptions: list[PolicyNote] = []
        self.diagnostics: list[PolicyNote] = []
        self.not_applicable: list[PolicyNote] = []
        kit = _kit()
        self._exempt = kit.EXEMPTION_PREFIX
        self._unknown = kit.UNKNOWN_PREFIX

    def add(self, pack: str, response: Any, default_urn: str) -> None:
        for diagnostic in response.diagnostics:
            urn = diagnostic.urn or default_urn
            record = self.records.get(urn)
            name, type_token = (record.name, record.type) if record else ("", "")
            description, _, detail = diagnostic.message.partition("\n")
            message = detail or description
            level = _PROTO_TO_LEVEL.get(diagnostic.enforcementLevel, "advisory")
            note = PolicyNote(pack, diagnostic.policyName, urn, name, type_token, message)
            if level == "advisory" and message.startswith(self._exempt):
                self.exemptions.append(note)
            elif level == "advisory" and (
                message.startswith(self._unknown) or message.startswith(_CANT_RUN)
            ):
                self.diagnostics.append(note)
            else:
                self.violations.append(
                    PolicyViolation(
                        pack,
                        diagnostic.policyName,
                        level,
                        _SEVERITIES.get(diagnostic.severity, ""),
                        urn,
                        name,
                        type_token,
                        message,
                    )
                )
        for entry in response.not_applicable:
            record = self.records.get(default_urn)
            self.not_applicable.append(
                PolicyNote(
                    pack,
                    entry.policy_name,
                    default_urn,
                    record.name if record else "",
                    record.type if record else "",
                    entry.reason,
                )
            )


class MessageCache:
    """The engine's messages for a record built once, and each pure session's Analyze response to
    them reused: for callers that evaluate many runs sharing most record objects (the policy
    tests' cases: one compliant stack with one change each). Entries are keyed by the record
    (and request) object, which they keep alive; a caller passing a cache promises not to change
    a record's mappings in place after its first evaluation."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._providers: Providers = {}
        self._messages: dict[int, tuple[ResourceRecord, Any, Any]] = {}
        self._responses: dict[tuple[int, int], tuple[PackSession, Any, Any]] = {}

    def messages(self, record: ResourceRecord) -> tuple[Any, Any]:
        """(AnalyzeRequest, AnalyzerResource) for `record`."""
        entry = self._messages.get(id(record))
        if entry is None or entry[0] is not record:
            if len(self._messages) >= self._limit:
                self._messages.clear()
            if len(self._providers) >= self._limit:
                self._providers.clear()
            entry = (record, *_messages(record, self._providers))
            self._messages[id(record)] = entry
        return entry[1], entry[2]

    def analyze(self, session: PackSession, request: Any) -> Any:
        if not session.analysis_is_pure:
            return session.analyze(request)
        key = (id(session), id(request))
        entry = self._responses.get(key)
        if entry is None or entry[0] is not session or entry[1] is not request:
            if len(self._responses) >= self._limit:
                self._responses.clear()
            entry = (session, request, session.analyze(request))
            self._responses[key] = entry
        return entry[2]


def config_file_for(stack: str, pack: str, config_dir: Path | None = None) -> Path:
    return (config_dir or CONFIG_DIR) / f"{stack}.{pack}.json"


def evaluate_packs(
    run: StackRun,
    stack: str,
    config_dir: Path | None = None,
    *,
    packs: Iterable[str | LoadedPack] = PACK_NAMES,
    dry_run: bool = True,
    cache: MessageCache | None = None,
) -> PolicyReport:
    """Run the packs on `run` with `<config_dir>/<stack>.<pack>.json` (default policies/config).

    A missing config file means the pack's defaults (like the CLI without
    --policy-pack-config); `report.config_files` says which file each pack used. Raises
    PolicyConfigError for a config the engine or the pack would reject. With `cache`, messages
    and pure Analyze responses are reused across runs (MessageCache).

    Python's cyclic collector is paused while the packs judge, as while a program runs
    (runner.collector_paused): the messages, props and records of a large stack are live for
    the whole evaluation, and each automatic collection scanned them again (an eighth of the
    three packs' time on a 20,000-resource stack). The evaluation's garbage is left to the next
    collection.
    """
    with collector_paused():
        return _evaluate(run, stack, config_dir, packs=packs, dry_run=dry_run, cache=cache)


def _evaluate(
    run: StackRun,
    stack: str,
    config_dir: Path | None,
    *,
    packs: Iterable[str | LoadedPack],
    dry_run: bool,
    cache: MessageCache | None,
) -> PolicyReport:
    loaded = [load_pack(p) if isinstance(p, str) else p for p in packs]
    sessions: list[PackSession] = []
    keys: list[tuple[Any, ...]] = []
    used: dict[str, Path | None] = {}
    for pack in loaded:
        path = config_file_for(stack, pack.key, config_dir)
        text = _read_config(path) if path.exists() else None
        used[pack.key] = path if text is not None else None
        key = (id(pack), stack, text, run.project, dry_run, tuple(sorted(run.config.items())))
        session = _take_session(key, pack)
        if session is None:
            given = parse_config_text(text, str(path)) if text is not None else None
            session = PackSession(
                pack, stack, given, project=run.project, dry_run=dry_run, stack_config=run.config
            )
        sessions.append(session)
        keys.append(key)

    records = {record.urn: record for record in run.resources}
    collector = _Collector(stack, records)
    stack_request = proto.AnalyzeStackRequest()
    providers: Providers = {}
    for record in run.resources:
        if cache is None:
            request, _ = _messages(record, providers, stack_request.resources.add())
        else:
            request, stack_resource = cache.messages(record)
            stack_request.resources.append(stack_resource)
        for session in sessions:
            if cache is None:
                response = session.analyze(request)
            else:
                response = cache.analyze(session, request)
            collector.add(session.pack.name, response, record.urn)
    for session in sessions:
        collector.add(session.pack.name, session.analyze_stack(stack_request), "")
    report = PolicyReport(
        stack=stack,
        violations=tuple(collector.violations),
        exemptions=tuple(collector.exemptions),
        diagnostics=tuple(collector.diagnostics),
        not_applicable=tuple(collector.not_applicable),
        config_files=used,
        exemption_uses=tuple(_exemption_uses(sessions, run.resources, collector.exemptions)),
    )
    for key, session in zip(keys, sessions, strict=True):
        _SESSIONS[key] = session  # the run completed: its AnalyzeStack ended the servicer's run
    return report


_SESSIONS: dict[tuple[Any, ...], PackSession] = {}
"""Configured sessions whose run completed, by (pack, stack, config text, project, dry run, stack
config): everything ConfigureStack and Configure were given. A servicer keeps no state from one
run to the next (AnalyzeStack ends the run: exemption ledger and kept inputs cleared; its other
caches are keyed by their whole input), so a later run with the same configuration reuses it
instead of reconciling the config and configuring a servicer again (most of a small stack's
evaluation). A session is taken out while in use and put back only after a completed run."""


def _take_session(key: tuple[Any, ...], pack: LoadedPack) -> PackSession | None:
    session = _SESSIONS.pop(key, None)
    if session is None or session.pack is not pack:  # an id reused by another pack object
        return None
    if len(_SESSIONS) > 256:
        _SESSIONS.clear()
    return session


def _exemption_uses(
    sessions: Sequence[PackSession],
    resources: Sequence[ResourceRecord],
    notes: Sequence[PolicyNote],
) -> list[ExemptionUse]:
    """Each configured exemption with the resources it matched and the findings it covered."""
    kit = _kit()
    uses: list[ExemptionUse] = []
    for session in sessions:
        for policy, entry in session.config.items():
            if entry.enforcement_level == "disabled":
                continue
            for exemption in kit.rules.parse_exemptions(entry.properties or {}):
                matched = tuple(
                    r.urn for r in resources if exemption.matches(r.urn, r.name, r.type, r.parent)
                )
                covered = tuple(
                    dict.fromkeys(
                        n.urn
                        for n in notes
                        if n.pack == session.pack.name
                        and n.policy == policy
                        and n.urn in matched
                        and f" by exemption {exemption.index} (" in n.message
                    )
                )
                uses.append(
                    ExemptionUse(
                        session.pack.name,
                        policy,
                        exemption.index,
                        exemption.describe(),
                        exemption.reason,
                        covered,
                        matched,
                    )
                )
    return uses
