"""What a stack is assumed to do in a month, for the usage-based lines of the cost estimate.

Like an Infracost usage file: the estimate prices what the program registers (fixed lines) and
what these figures say about traffic (usage lines), and prints them so a reader sees what it
assumed. The settings section `perfcheck:usage` fills them per stack (settings/schema.py); the
defaults here are a quiet stack. Standard library only: the cost policy pack reads them too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class UsageAssumptions:
    requests_per_month: float = 1_000_000
    """Viewer requests CloudFront serves (and WAF inspects)."""
    gb_served_per_month: float = 20
    """GB CloudFront sends to viewers."""
    cdn_cache_hit_percent: float = 80
    """Share of requests CloudFront answers from cache; the rest reach the ALB and the tasks."""
    average_tasks: float | None = None
    """Tasks running on average, between the service's min and max (None: the minimum)."""
    log_gb_per_month: float = 5
    """GB of logs ingested into the stack's CloudWatch log groups (app, database, cache)."""
    flow_log_gb_per_month: float = 2
    """GB of VPC flow log records."""
    nat_gb_per_month: float = 10
    """GB through the NAT gateways (image pulls, AWS APIs without an endpoint, third parties)."""
    endpoint_gb_per_month: float = 0
    """GB through interface VPC endpoints."""
    page_views_per_month: float = 100_000
    """Browser page views (CloudWatch RUM samples a share of them)."""
    rum_events_per_page_view: float = 8
    """RUM events a sampled page view sends (performance, errors, http telemetries)."""
    custom_metrics: float = 10
    """CloudWatch custom metrics the collector publishes (EMF)."""
    log_bucket_gb: float = 10
    """GB kept in the access-log buckets (ALB, CloudFront)."""
    image_storage_gb: float = 2
    """GB of container images kept in the stack's ECR repositories."""
    lambda_invocations_per_month: float = 100
    """Invocations of the stack's Lambda functions."""
    database_change_gb_per_month: float = 5
    """GB of changed database blocks a month (cross-region backup replication transfers it)."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> UsageAssumptions:
        """From camelCase keys (the stack config's `perfcheck:usage`); unknown keys refused."""
        known = {_camel(f.name): f.name for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown usage keys {unknown}; allowed: {', '.join(known)}")
        return cls(**{known[k]: v for k, v in data.items()})

    @classmethod
    def from_stack_config(cls, config: Mapping[str, str], project: str) -> UsageAssumptions:
        """From a flat Pulumi config map (`<project>:usage` as JSON); defaults when absent."""
        raw = config.get(f"{project}:usage")
        return cls.from_mapping(json.loads(raw)) if raw else cls()

    def as_dict(self) -> dict[str, Any]:
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
