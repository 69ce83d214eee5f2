"""The always-free allowances an estimate's lines could use (CloudFront, CloudWatch, X-Ray...).

They are the account's (or the payer's), shared by every stack in it, so the estimate never
subtracts them: the preview shows what they would cover on a line of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from estimate.model import Estimate
from foundation.prices import FreeTier, free_tiers


@dataclass(frozen=True)
class FreeTierUse:
    tier: FreeTier
    usd: float
    """What the allowance would take off this estimate if nothing else in the account used it."""


def free_tier_uses(
    estimate: Estimate, tiers: tuple[FreeTier, ...] | None = None
) -> list[FreeTierUse]:
    """Each allowance applied to the lines priced by its keys, in line order, up to its size."""
    uses = []
    for tier in free_tiers() if tiers is None else tiers:
        left, usd = tier.quantity, 0.0
        for line in estimate.lines:
            if left <= 0:
                break
            if line.price_keys and line.price_keys[0] in tier.price_keys:
                taken = min(left, line.quantity)
                left -= taken
                usd += taken * line.unit_usd
        if usd > 0:
            uses.append(FreeTierUse(tier, usd))
    return uses
