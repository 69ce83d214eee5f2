"""The cost policy pack: cost-allocation tags and spend controls for Pulumi AWS programs.

Importable without serving: `POLICIES` and the pack settings below are what `__main__.py` hands
to `pulumi_policy.PolicyPack` (which starts a gRPC server and blocks), and what the offline
driver and the tests load. The pack does not need pulumi_aws: the taggable types are generated.
"""

from __future__ import annotations

from typing import Any, Final

from perfcheck_policykit import Rule
from perfcheck_policykit.exemptions import exemptions_current_rule
from pulumi_policy import EnforcementLevel, Policy

from . import estimate_budget, sizing, spend, storage, tagging

PACK_NAME: Final = "perfcheck-cost"
DESCRIPTION: Final = (
    "Cost controls: cost-allocation tags on every taggable resource (the environment tag "
    "naming the stack), allowed database and cache sizes per stack, no gp2, a cost budget the "
    "monthly estimate fits, finite log retention."
)
ENFORCEMENT_LEVEL: Final = EnforcementLevel.MANDATORY
"""Pack default; each rule sets its own level and the per-stack config overrides it."""
INITIAL_CONFIG: Final[dict[str, Any]] = {}
"""Programmatic config applied before the --policy-pack-config file (none: schema defaults)."""

RULE_MODULES: Final = (
    tagging,
    sizing,
    storage,
    spend,
    estimate_budget,
)
"""The modules whose rules the pack runs, in this order: every rule a module defines runs
(no second list to forget a new rule in)."""

POLICIES: Final[tuple[Policy, ...]] = (
    *(rule for module in RULE_MODULES for rule in vars(module).values() if isinstance(rule, Rule)),
    exemptions_current_rule("cost"),
)
