"""The monthly cost estimate of a stack, from the resources it registers and the price table.

Reads the same resource records as the policy packs and the deploy checks (foundation/records.py)
and prices them from foundation/prices.json with the stack's usage assumptions
(foundation/usage.py). Imports only `foundation` and the standard library, so the cost policy
pack can run it on the resources the Pulumi engine hands it.
"""

from estimate.model import (
    EXPECTED,
    WORST,
    YEAR_3,
    CostLine,
    Estimate,
    PricedResource,
    Scenario,
    Unpriced,
)
from estimate.stack import estimate_resources, estimate_run

__all__ = [
    "EXPECTED",
    "WORST",
    "YEAR_3",
    "CostLine",
    "Estimate",
    "PricedResource",
    "Scenario",
    "Unpriced",
    "estimate_resources",
    "estimate_run",
]
