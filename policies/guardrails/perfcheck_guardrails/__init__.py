"""The guardrails policy pack: security and reliability rules for Pulumi AWS programs.

Importable without serving: `POLICIES` and the pack settings below are what `__main__.py` hands
to `pulumi_policy.PolicyPack` (which starts a gRPC server and blocks), and what the offline
driver and the tests load.
"""

from __future__ import annotations

from typing import Any, Final

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

POLICIES: Final[tuple[Policy, ...]] = (
    *database_placement.RULES,
    *encryption_at_rest.RULES,
    *encryption_in_transit.RULES,
    *ecs_containers.RULES,
    *images.RULES,
    *input_credentials.RULES,
    *ecs_services.RULES,
    *data_safety.RULES,
    *network.RULES,
    *private_origin.RULES,
    *front_door.RULES,
    *access_control.RULES,
    *public_access.RULES,
    *registries.RULES,
    *providers.RULES,
    *family_rules.RULES,
    *hollow_controls.RULES,
    *run_time_resources.RULES,
    *prod_invariants.RULES,
    *judged_types.RULES,
    exemptions_current_rule("guardrails"),
)
