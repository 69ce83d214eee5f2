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


def _check(ctx: StackContext) -> None:
    audits = ctx.run.audits
    if audits is None:
        return  # served by a stock servicer: no record of what the exemptions covered
    for audit in audits:
        if audit.covered:
            continue
        what = (
            f"exemption {audit.exemption.index} of '{audit.policy}' ({audit.exemption.describe()})"
        )
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
