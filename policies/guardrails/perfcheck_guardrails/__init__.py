"""The guardrails policy pack: security and reliability rules for Pulumi AWS programs.

Importable without serving: `POLICIES` and the pack settings below are what `__main__.py` hands
to `pulumi_policy.PolicyPack` (which starts a gRPC server and blocks), and what the offline
driver and the tests load.
"""

from __future__ import annotations

from typing import Any, Final

from perfcheck_policykit import Rule
from perfcheck_policykit.exemptions import exemptions_current_rule
from pulumi_policy import EnforcementLevel, Policy

from . import (
    access_control,
    data_safety,
    database_placement,
    ecs_containers,
    ecs_services,
    encryption_at_rest,
    encryption_in_transit,
    family_rules,
    front_door,
    hollow_controls,
    images,
    input_credentials,
    judged_types,
    network,
    private_origin,
    prod_invariants,
    providers,
    public_access,
    registries,
    run_time_resources,
)

PACK_NAME: Final = "perfcheck-guardrails"
DESCRIPTION: Final = (
    "Security and reliability guardrails for ECS Fargate, RDS, ElastiCache, CloudFront, ALB and "
    "their networks: no database on EFS, encryption at rest and in transit, hardened containers, "
    "data safety, no public ingress."
)
ENFORCEMENT_LEVEL: Final = EnforcementLevel.MANDATORY
"""Pack default; each rule sets its own level and the per-stack config overrides it."""
INITIAL_CONFIG: Final[dict[str, Any]] = {}
"""Programmatic config applied before the --policy-pack-config file (none: schema defaults)."""

RULE_MODULES: Final = (
    database_placement,
    encryption_at_rest,
    encryption_in_transit,
    ecs_containers,
    images,
    input_credentials,
    ecs_services,
    data_safety,
    network,
    private_origin,
    front_door,
    access_control,
    public_access,
    registries,
    providers,
    family_rules,
    hollow_controls,
    run_time_resources,
    prod_invariants,
    judged_types,
)
"""The modules whose rules the pack runs, in this order: every rule a module defines runs
(no second list to forget a new rule in)."""

POLICIES: Final[tuple[Policy, ...]] = (
    *(rule for module in RULE_MODULES for rule in vars(module).values() if isinstance(rule, Rule)),
    exemptions_current_rule("guardrails"),
)
