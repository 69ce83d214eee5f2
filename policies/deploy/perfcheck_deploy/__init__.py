"""Deploy fidelity: what AWS would reject at `pulumi up`, caught offline from resource records.

    from perfcheck_deploy import run_deploy_checks
    findings = run_deploy_checks(run)   # run: foundation.records.StackRun

Each service module registers its checks on import; `CHECK_IDS` lists every check id with what
it guards.
"""

from perfcheck_deploy import (  # noqa: F401  (imported to register their checks)
    alb,
    cloudfront,
    delivery,
    descriptions,
    ecs,
    elasticache,
    iam,
    kms_grants,
    naming,
    rds,
    reachability,
    security_groups,
)
from perfcheck_deploy.findings import Finding
from perfcheck_deploy.registry import CHECK_IDS
from perfcheck_deploy.runner import run_deploy_checks

__all__ = ["CHECK_IDS", "Finding", "run_deploy_checks"]
