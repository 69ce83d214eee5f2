"""Physical names that more than one component must know before the named resource exists.

Alarms (and the ECS service's deploy-rollback alarms) are created before the service, so the
cluster, service and alarm names are plain strings derived from the stack's name prefix.
"""

from __future__ import annotations


def cluster_name(name_prefix: str) -> str:
    return f"{name_prefix}-cluster"


def service_name(name_prefix: str) -> str:
    return f"{name_prefix}-web"


def alarm_name(name_prefix: str, slug: str) -> str:
    """e.g. perfcheck-prod-alb-p99-latency; the runbook has a section with the same name."""
    return f"{name_prefix}-{slug}"
