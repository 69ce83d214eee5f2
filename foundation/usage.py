"""What a stack is assumed to do in a month, for the usage-based lines of the cost estimate.

Like an Infracost usage file: the estimate prices what the program registers (fixed lines) and
what these figures say about traffic (usage lines), and prints them so a reader sees what it
assumed. The settings section `perfcheck:usage` fills them per stack (settings/schema.py); the
defaults here are a quiet stack. Each default says where it comes from (`why`, printed by
docs/cost.md and tested to be present). Standard library only: the cost policy pack reads them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


def _why(default: object, reason: str) -> Any:
    """A default with where it comes from (read by `reason_of`)."""
    return field(default=default, metadata={"why": reason})


@dataclass(frozen=True)
class UsageAssumptions:
    requests_per_month: float = _why(
        1_000_000, "a quiet stack: about 0.4 requests a second; each stack file states its own"
    )
    """Viewer requests CloudFront serves (and WAF inspects)."""
    gb_served_per_month: float = _why(20, "about 20 KB a request over the assumed requests")
    """GB CloudFront sends to viewers."""
    cdn_cache_hit_percent: float = _why(
        80, "the owners' performance target: cache hit rate above 80 % (seed-notes)"
    )
    """Share of requests CloudFront answers from cache; the rest reach the ALB and the tasks."""
    average_tasks: float | None = _why(
        None,
        "None: computed from the origin requests at peak and the request-count scaling target "
        "(never below the minimum); a figure set here is shown as a margin over that",
    )
    """Tasks running on average, between the service's min and max."""
    peak_to_average: float = _why(
        3, "a web day's busiest hour carries about 3 times the month's average request rate"
    )
    """Peak request rate over the month's average (sizes the task count the traffic needs)."""
    deploys_per_month: float = _why(20, "about one production deploy a working day")
    """Deployments a month; each runs a second set of tasks beside the first while it bakes."""
    log_gb_per_month: float = _why(5, "a quiet stack's application, database and cache logs")
    """GB of logs ingested into the stack's CloudWatch log groups (app, database, cache)."""
    log_compressed_ratio: float = _why(
        0.15,
        "CloudWatch Logs bills archived storage on compressed bytes: text logs compress to "
        "about 0.15 of their ingested size",
    )
    """Stored (compressed) bytes per ingested byte."""
    flow_log_gb_per_month: float = _why(2, "a quiet VPC's flow records (about 100 B a flow)")
    """GB of VPC flow log records."""
    nat_gb_per_month: float = _why(10, "image pulls are through endpoints; AWS APIs and updates")
    """GB through the NAT gateways (image pulls, AWS APIs without an endpoint, third parties)."""
    endpoint_gb_per_month: float = _why(0, "none unless a stack states it")
    """GB through interface VPC endpoints."""
    page_views_per_month: float = _why(100_000, "about one page view per 10 requests")
    """Browser page views (CloudWatch RUM samples a share of them)."""
    rum_events_per_page_view: float = _why(
        16,
        "the RUM web client with performance, errors and http telemetries sends about 16 events "
        "a page view (navigation, paint, LCP/CLS/INP, resources, session, page, http requests)",
    )
    """RUM events a sampled page view sends."""
    rum_traces_per_page_view: float = _why(
        1, "with enableXray the web client records one trace a page view (its fetches join it)"
    )
    """X-Ray traces a sampled page view records when the app monitor enables X-Ray."""
    container_insights_observations_per_task_minute: float = _why(
        400,
        "enhanced Container Insights reports task- and container-level metrics each minute: "
        "about 400 observations for a task of 3 containers (from knowledge; check the bill)",
    )
    """Observations one running task sends a minute in enhanced Container Insights."""
    enhanced_monitoring_kb_per_sample: float = _why(
        10, "one RDSOSMetrics record (OS counters and the process list) is about 10 KB"
    )
    """KB Enhanced Monitoring writes to CloudWatch Logs at each monitoring interval."""
    custom_metrics: float = _why(10, "the collector's EMF metrics of a quiet stack")
    """CloudWatch custom metrics the collector publishes (EMF)."""
    log_bucket_gb: float = _why(10, "a few months of ALB and CloudFront access logs")
    """GB kept in the access-log buckets (ALB, CloudFront)."""
    cdn_log_bytes_per_request: float = _why(
        500, "one CloudFront standard log record (JSON, the default fields) is about 500 bytes"
    )
    """Bytes of CloudFront standard log (v2) delivered per viewer request."""
    image_storage_gb: float = _why(2, "two images of a few hundred MB, a few tags each")
    """GB of container images kept in the stack's ECR repositories."""
    lambda_invocations_per_month: float = _why(100, "rotation and redeploy functions: rare")
    """Invocations of the stack's Lambda functions."""
    secret_api_calls_per_month: float = _why(
        10_000,
        "ECS reads each injected secret at every task start, the rotation functions read and "
        "write at each rotation: a few thousand calls a month, rounded up",
    )
    """Secrets Manager API calls a month (GetSecretValue and the rotation's calls)."""
    database_used_gb: float = _why(
        20,
        "the data the database holds (a snapshot's size), not its allocated storage; the "
        "allocation leaves room to grow",
    )
    """GB the database's data occupies (its backups' full size)."""
    database_change_gb_per_month: float = _why(
        5, "about a quarter of the data changes a month (incremental backups copy it)"
    )
    """GB of changed database blocks a month (cross-region backup replication transfers it)."""
    cache_data_gb: float = _why(1, "the ISR cache's pages and data: about 1 GB")
    """GB of data in the cache (a snapshot's size)."""

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


def reason_of(name: str) -> str:
    """Where a usage default comes from (camelCase or snake_case name)."""
    for item in fields(UsageAssumptions):
        if name in (item.name, _camel(item.name)):
            return str(item.metadata.get("why") or "")
    raise KeyError(name)
