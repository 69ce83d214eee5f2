"""The deploy pack: what AWS would reject at `pulumi up`, judged from the resources.

Importable without serving: `POLICIES` (one stack rule per check id, `pack.py`, plus the
exemption audit) and the pack settings are what `__main__.py` hands to
`pulumi_policy.PolicyPack`, and what the offline driver and the tests load. Each service module
registers its checks on import; `CHECK_IDS` lists every check id with what it guards.
"""

from typing import Any, Final

from perfcheck_policykit.exemptions import exemptions_current_rule
from pulumi_policy import EnforcementLevel, Policy

from perfcheck_deploy import (  # noqa: F401  (imported to register their checks)
    alb,
    cloudfront,
    delivery,
    descriptions,
    ecs,
    elasticache,
    iam,
    in_use,
    kms_grants,
    naming,
    rds,
    reachability,
    security_groups,
)
from perfcheck_deploy.findings import Finding
from perfcheck_deploy.pack import deploy_rules
from perfcheck_deploy.registry import CHECK_IDS
from perfcheck_deploy.runner import run_deploy_checks

PACK_NAME: Final = "perfcheck-deploy"
DESCRIPTION: Final = (
    "Deploy fidelity: what AWS (or the provider) would refuse at `pulumi up`: names, sizes, "
    "windows, parameter families, references, IAM documents, reachability of AWS APIs."
)
ENFORCEMENT_LEVEL: Final = EnforcementLevel.MANDATORY
"""Pack default; each rule sets its own level and the per-stack config overrides it."""
INITIAL_CONFIG: Final[dict[str, Any]] = {}

POLICIES: Final[tuple[Policy, ...]] = (*deploy_rules(), exemptions_current_rule("deploy"))

__all__ = [
    "CHECK_IDS",
    "DESCRIPTION",
    "ENFORCEMENT_LEVEL",
    "INITIAL_CONFIG",
    "PACK_NAME",
    "POLICIES",
    "Finding",
    "run_deploy_checks",
]
