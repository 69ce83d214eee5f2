"""`policy-exemptions-current`: an exemption that covers nothing is reported, not kept silently.

An exemption is bound to one resource (rules.Exemption). When that resource is renamed, moved to
another component or fixed, the exemption would otherwise linger and cover the next resource to
take the name. The pack's servicer records which resource each exemption covered during the run
(rules.ExemptionLedger); at the end of the run (AnalyzeStack) this rule reports each exemption
that matched no resource, or whose resource no longer has the finding (stale). Mandatory in prod.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_policy import Severity

from .rules import Exemption, StackContext, StackRule


@dataclass(frozen=True)
class ExemptionAudit:
    """One configured exemption at the end of a run: the resources it matched and covered."""

    policy: str
    exemption: Exemption
    matched: tuple[str, ...]
    covered: tuple[str, ...]
    properties: tuple[str, ...] = ()
    """The property paths of the findings it covered ('' for a finding that names none)."""


def _too_wide(ctx: StackContext, audit: ExemptionAudit, what: str) -> bool:
    """An exemption is bound to one resource and, without 'property', written for one finding:
    one that matched several resources (a parent named by a name other components share) or
    covered findings of several properties waves through more than its reason can speak for."""
    if len(audit.matched) > 1:
        for urn in audit.matched:
            ctx.violation(
                ctx.index.by_urn.get(urn),
                what,
                f"matching {len(audit.matched)} resources ({', '.join(audit.matched)})",
                "an exemption bound to exactly one resource",
                "Bind the exemption by the resource's full URN (or give the parent's URN).",
            )
        return True
    if audit.exemption.property is None and len(audit.properties) > 1:
        ctx.violation(
            ctx.index.by_urn.get(audit.covered[0]),
            what,
            f"covering findings of {len(audit.properties)} properties "
            f"({', '.join(p or '(none)' for p in audit.properties)}) without naming the one it "
            "was written for",
            "an exemption bound to one finding ('property', and 'found' for its value)",
            "Add 'property' (and 'found') for the finding the reason speaks for; write another "
            "exemption, with its own reason, for any other.",
        )
        return True
    return False


def _check(ctx: StackContext) -> None:
    audits = ctx.run.audits
    if audits is None:
        return  # served by a stock servicer: no record of what the exemptions covered
    for audit in audits:
        what = (
            f"exemption {audit.exemption.index} of '{audit.policy}' ({audit.exemption.describe()})"
        )
        if _too_wide(ctx, audit, what) or audit.covered:
            continue
        if not audit.matched:
            ctx.violation(
                None,
                what,
                "matching no resource of this stack (renamed, moved or removed)",
                "every exemption bound to a resource that still has the finding",
                "Remove the exemption, or bind it to the resource's new URN.",
            )
            continue
        for urn in audit.matched:
            resource = ctx.index.by_urn.get(urn)
            ctx.violation(
                resource,
                what,
                f"covering '{urn}', which no longer has a '{audit.policy}' finding (stale)",
                "every exemption bound to a resource that still has the finding",
                "Remove the exemption from the stack's policy config.",
            )


class ExemptionsCurrentRule(StackRule):
    """The exemption audit (the servicer runs it last and hands it the audit)."""


def exemptions_current_rule(pack: str) -> ExemptionsCurrentRule:
    """The audit rule of one pack, named '<pack>-exemptions-current' (names are unique across
    the packs)."""
    return ExemptionsCurrentRule(
        name=f"{pack}-exemptions-current",
        description=(
            "Every exemption in the stack's policy config must still cover a finding on its one "
            "resource: one that matches no resource, or whose finding no longer occurs, is stale."
        ),
        severity=Severity.MEDIUM,
        remediation_steps=(
            "Delete the stale exemption from policies/config/<stack>.<pack>.json (or re-bind it to "
            "the resource's current URN / type, name and parent)."
        ),
        resource_types=["pulumi:pulumi:Stack"],
        check=_check,
        unknowns=(
            "A finding not judged during preview (unknown value) counts as covered; the update "
            "judges it again."
        ),
        tags=["exemptions"],
    )
