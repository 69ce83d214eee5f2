"""The deploy checks as policies of the third pack: one stack rule per check id, on the shared kit.

The real `pulumi preview --policy-pack policies/deploy` runs them, not only the offline preview:
each rule reports its check's findings ("what AWS would refuse" and the fix) with the kit's
enforcement levels, per-stack config, exemptions and their staleness audit.

The checks judge a whole stack (references, reachability), so they run once per AnalyzeStack on
the resources the engine sends (their outputs: for a resource being created, its inputs plus
unknowns) and each rule reports the findings of its own id.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Final

from perfcheck_policykit import StackContext, StackRule
from perfcheck_policykit.values import plain
from perfcheck_policykit.wire import struct_data
from pulumi_policy import EnforcementLevel, Severity

from foundation.records import ProviderRecord, ResourceRecord, StackRun
from perfcheck_deploy.findings import Finding
from perfcheck_deploy.registry import CHECK_IDS, CHECKS_BY_TYPE, types_of
from perfcheck_deploy.runner import INTERNAL_ERROR_ID, run_deploy_checks

REFUSAL_FIX: Final = "Each finding names the value AWS would accept; change the program to it."

_FINDINGS: weakref.WeakKeyDictionary[Any, dict[str, list[Finding]]] = weakref.WeakKeyDictionary()
"""Findings by check id, per stack index (one AnalyzeStack): every rule shares one run."""


def _provider(resource: Any, cache: dict[str, ProviderRecord]) -> ProviderRecord | None:
    provider = getattr(resource, "provider", None)
    if provider is None:
        return None
    record = cache.get(provider.urn)
    if record is None:
        record = ProviderRecord(
            urn=provider.urn,
            type=provider.resource_type,
            name=provider.name,
            inputs=plain(provider.props) or {},
        )
        cache[provider.urn] = record
    return record


def _timeout(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds % 60 == 0 else f"{seconds:g}s"


def _options(resource: Any) -> dict[str, Any]:
    """The resource options the analyzer carries (replaceOnChanges and retainOnDelete are not
    among them)."""
    opts = getattr(resource, "opts", None)
    if opts is None:
        return {"replace_on_changes_known": False, "retain_on_delete_known": False}
    timeouts = getattr(opts, "custom_timeouts", None)
    seconds = {
        operation: getattr(timeouts, f"{operation}_seconds", 0.0) or 0.0
        for operation in ("create", "update", "delete")
    }
    return {
        "protect": bool(opts.protect),
        "ignore_changes": tuple(opts.ignore_changes or ()),
        "delete_before_replace": bool(opts.delete_before_replace),
        "custom_timeouts": {op: _timeout(s) for op, s in seconds.items() if s > 0},
        "replace_on_changes_known": False,
        "retain_on_delete_known": False,
    }


def _state(resource: Any) -> dict[str, Any]:
    """A resource's outputs as plain data (the kit's resources convert straight from the
    engine's message)."""
    read = getattr(resource, "plain_props", None)
    return read() if read is not None else (plain(resource.props) or {})


def stack_run(ctx: StackContext) -> StackRun:
    """The engine's resources as the records the checks read: the inputs Analyze saw (what the
    program asks AWS for) and the outputs AnalyzeStack carries (ids, ARNs other resources use).
    A resource Analyze did not send is judged on its outputs."""
    providers: dict[str, ProviderRecord] = {}
    records = []
    for resource in ctx.index.resources:
        state = _state(resource)
        sent = ctx.inputs(resource)
        inputs = struct_data(sent) if sent is not None else state
        parent = resource.parent
        records.append(
            ResourceRecord(
                urn=resource.urn,
                type=resource.resource_type,
                name=resource.name,
                custom=True,
                wire_inputs=inputs,
                outputs=state,
                parent=parent.urn if parent is not None else None,
                dependencies=tuple(d.urn for d in resource.dependencies),
                property_dependencies={
                    prop: tuple(d.urn for d in deps)
                    for prop, deps in resource.property_dependencies.items()
                },
                provider=_provider(resource, providers),
                **_options(resource),
            )
        )
    return StackRun(
        stack=ctx.stack_name() or "",
        project=ctx.stack_project() or "",
        resources=tuple(records),
        outputs={},
        config=dict(ctx.stack_config()),
    )


def findings_by_check(ctx: StackContext) -> Mapping[str, Sequence[Finding]]:
    """Every deploy check's findings on this stack, computed once for all the pack's rules."""
    found = _FINDINGS.get(ctx.index)
    if found is None:
        found = {}
        for item in run_deploy_checks(stack_run(ctx), notes=True):
            found.setdefault(item.check_id, []).append(item)
        _FINDINGS[ctx.index] = found
    return found


def _reporter(check_id: str) -> Any:
    def check(ctx: StackContext) -> None:
        for item in findings_by_check(ctx).get(check_id, ()):
            resource = ctx.index.by_urn.get(item.urn)
            if item.unknown and resource is not None:
                ctx.unknown(resource, item.property_path)  # the kit's note at preview
            elif not item.unknown:
                ctx.refusal(resource, item.property_path, item.aws_says, item.fix)

    check.__name__ = f"report_{check_id.replace('-', '_')}"
    return check


def _types(check_id: str) -> frozenset[str]:
    types = types_of(check_id)
    return types or frozenset(CHECKS_BY_TYPE)  # the internal error: any judged type


def deploy_rule(check_id: str) -> StackRule:
    """The policy for one deploy check id."""
    return StackRule(
        name=check_id,
        description=f"AWS would refuse it at `pulumi up`: {CHECK_IDS[check_id].rstrip('.')}.",
        severity=Severity.HIGH if check_id != INTERNAL_ERROR_ID else Severity.MEDIUM,
        remediation_steps=REFUSAL_FIX,
        resource_types=sorted(_types(check_id)),
        check=_reporter(check_id),
        unknowns=(
            "A value unknown during preview is not judged (never a finding); where a check "
            "needs it, a note names it, and the update, which knows it, judges it."
        ),
        enforcement_level=EnforcementLevel.MANDATORY,
        tags=["deploy"],
        judges_inputs=True,
    )


def deploy_rules() -> tuple[StackRule, ...]:
    return tuple(deploy_rule(check_id) for check_id in CHECK_IDS)
