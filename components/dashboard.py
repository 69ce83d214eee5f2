"""The stack's CloudWatch dashboard body: the owners' targets side by side with their thresholds.

Pure: it takes the alarm catalog and the resolved names/ids (plain strings) and returns the JSON
string `aws.cloudwatch.Dashboard` wants. Graphs that mirror an alarm draw the alarm's own metrics
and expression, with the alarm's threshold as a horizontal line, so the picture and the pager
cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.alarm_catalog import (
    CDN,
    GLOBAL_METRICS_REGION,
    LB,
    AlarmSpec,
    Metric,
    Ref,
    Source,
)

RED = "#d62728"
ORANGE = "#ff7f0e"
WIDTH = 12
HEIGHT = 6

# Core Web Vitals as RUM publishes them (AWS/RUM, dimension application_name), with the
# "good" limits web.dev assesses at the 75th percentile of page loads.
CORE_WEB_VITALS: tuple[tuple[str, str, float, str], ...] = (
    ("WebVitalsLargestContentfulPaint", "Largest Contentful Paint (LCP)", 2500, "ms"),
    ("WebVitalsInteractionToNextPaint", "Interaction to Next Paint (INP)", 200, "ms"),
    ("WebVitalsCumulativeLayoutShift", "Cumulative Layout Shift (CLS)", 0.1, ""),
)
CORE_WEB_VITALS_STAT = "p75"
LATENCY_PERCENTILES = ("p50", "p90", "p99")


@dataclass(frozen=True)
class DashboardInputs:
    """Everything the body needs, resolved to plain values."""

    region: str
    refs: Mapping[Source, str]
    """Resolved dimension values: load balancer ARN suffix, distribution id, ..."""
    catalog: tuple[AlarmSpec, ...]
    rum_app_name: str
    cdn_cache_hit_rate_percent: float
    """Drawn even when the alarm is absent (CloudFront additional metrics off)."""
    database_max_connections: int
    database_proxy_name: str | None = None


def dashboard_body(inputs: DashboardInputs) -> str:
    """The dashboard JSON: rows of two graphs, each 12 of the 24 grid columns wide."""
    by_slug = {spec.slug: spec for spec in inputs.catalog}
    widgets: list[dict[str, Any]] = [
        _latency(inputs, by_slug["alb-p99-latency"]),
        _alarm_graph(inputs, by_slug["alb-5xx-rate"], "Error rate: 5xx % of ALB requests"),
        _alarm_graph(inputs, by_slug["cache-hit-rate-low"], "Cache hit rate: Valkey/Redis %"),
        _cdn_hit_rate(inputs, by_slug.get("cdn-cache-hit-rate-low")),
        _database_connections(inputs, by_slug["rds-connections-high"]),
        _service_utilisation(inputs, by_slug["ecs-cpu-high"], by_slug["ecs-memory-high"]),
        _target_groups(inputs, by_slug["alb-no-healthy-hosts"], by_slug["alb-unhealthy-hosts"]),
        *_core_web_vitals(inputs),
        _alarm_graph(inputs, by_slug["cdn-5xx-rate"], "Error rate: CloudFront 5xx % (viewers)"),
        _alarm_graph(inputs, by_slug["cache-memory-high"], "Cache memory: fullest node %"),
        _alarm_graph(inputs, by_slug["rds-cpu-high"], "Database CPU %"),
        _alarm_graph(inputs, by_slug["cache-engine-cpu-high"], "Cache engine CPU: busiest node %"),
        _alarm_graph(inputs, by_slug["cache-evictions"], "Cache evictions per 5 minutes"),
    ]
    for index, widget in enumerate(widgets):
        widget.update(x=(index % 2) * WIDTH, y=(index // 2) * HEIGHT, width=WIDTH, height=HEIGHT)
    return json.dumps({"widgets": widgets}, indent=1, sort_keys=True)


def _dimension_values(dimensions: Sequence[tuple[str, Ref | str]], refs: Mapping) -> list[str]:
    flat: list[str] = []
    for name, value in dimensions:
        resolved = refs[value.source] + value.suffix if isinstance(value, Ref) else value
        flat += [name, resolved]
    return flat


def _metric_row(metric: Metric, refs: Mapping, **options: Any) -> list[Any]:
    rendered = {"id": metric.id, "stat": metric.stat, "period": metric.period, **options}
    if metric.label:
        rendered.setdefault("label", metric.label)
    return [
        metric.namespace,
        metric.name,
        *_dimension_values(metric.dimensions, refs),
        rendered,
    ]


def _threshold(label: str, value: float, color: str = RED) -> dict[str, Any]:
    return {"label": label, "value": value, "color": color}


def _graph(
    inputs: DashboardInputs,
    title: str,
    metrics: list[list[Any]],
    lines: list[dict[str, Any]],
    region: str | None = None,
    period: int = 60,
) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "view": "timeSeries",
            "region": region or inputs.region,
            "metrics": metrics,
            "period": period,
            "annotations": {"horizontal": lines},
            "yAxis": {"left": {"min": 0}},
        },
    }


def _alarm_graph(inputs: DashboardInputs, spec: AlarmSpec, title: str) -> dict[str, Any]:
    """The alarm's own metrics and expression, with its threshold line."""
    region = GLOBAL_METRICS_REGION if spec.region == GLOBAL_METRICS_REGION else inputs.region
    rows: list[list[Any]] = []
    if spec.expressions:
        rows += [
            [
                {
                    "expression": e.expression,
                    "id": e.id,
                    "label": e.label,
                    "visible": e.id == spec.watched_id,
                }
            ]
            for e in spec.expressions
        ]
        rows += [_metric_row(m, inputs.refs, visible=False) for m in spec.metrics]
    else:
        rows += [_metric_row(m, inputs.refs) for m in spec.metrics]
    line = _threshold(f"alarm {spec.slug}: {spec.threshold:g}", spec.threshold)
    return _graph(inputs, title, rows, [line], region, spec.period)


def _latency(inputs: DashboardInputs, spec: AlarmSpec) -> dict[str, Any]:
    rows = [
        [
            "AWS/ApplicationELB",
            "TargetResponseTime",
            *_dimension_values(LB, inputs.refs),
            {"stat": stat, "label": stat, "id": stat},
        ]
        for stat in LATENCY_PERCENTILES
    ]
    line = _threshold(f"P99 target {spec.threshold:g} s", spec.threshold)
    return _graph(inputs, "API latency: target response time (s)", rows, [line])


def _cdn_hit_rate(inputs: DashboardInputs, spec: AlarmSpec | None) -> dict[str, Any]:
    if spec is not None:
        return _alarm_graph(inputs, spec, "Cache hit rate: CloudFront %")
    title = "Cache hit rate: CloudFront % (no data: cdn.realtimeMetrics is off)"
    row = [
        "AWS/CloudFront",
        "CacheHitRate",
        *_dimension_values(CDN, inputs.refs),
        {"stat": "Average", "id": "hitrate"},
    ]
    target = inputs.cdn_cache_hit_rate_percent
    line = _threshold(f"target {target:g} %", target)
    return _graph(inputs, title, [row], [line], GLOBAL_METRICS_REGION, 300)


def _database_connections(inputs: DashboardInputs, spec: AlarmSpec) -> dict[str, Any]:
    if spec.expressions:  # behind RDS Proxy: the alarm's own pool share, and counts beside it
        widget = _alarm_graph(inputs, spec, "RDS Proxy pool: % lent to clients")
        if inputs.database_proxy_name:
            for metric, label in (
                ("DatabaseConnections", "connections the proxy holds open"),
                ("ClientConnections", "client connections to the proxy"),
            ):
                options = {"stat": "Sum", "label": label, "yAxis": "right"}
                widget["properties"]["metrics"].append(
                    ["AWS/RDS", metric, "ProxyName", inputs.database_proxy_name, options]
                )
        return widget
    rows = [_metric_row(m, inputs.refs, label="DatabaseConnections") for m in spec.metrics]
    if inputs.database_proxy_name:
        clients = {"stat": "Maximum", "label": "RDS Proxy client connections", "id": "clients"}
        rows.append(
            ["AWS/RDS", "ClientConnections", "ProxyName", inputs.database_proxy_name, clients]
        )
    lines = [
        _threshold(
            f"max_connections {inputs.database_max_connections}", inputs.database_max_connections
        ),
        _threshold(f"alarm {spec.slug}: {spec.threshold:g}", spec.threshold, ORANGE),
    ]
    return _graph(inputs, "Database connections vs the instance's limit", rows, lines)


def _service_utilisation(
    inputs: DashboardInputs, cpu: AlarmSpec, memory: AlarmSpec
) -> dict[str, Any]:
    rows = [_metric_row(m, inputs.refs, label=f"{m.name}") for m in cpu.metrics + memory.metrics]
    lines = [
        _threshold(f"alarm {cpu.slug}: {cpu.threshold:g} %", cpu.threshold),
        _threshold(f"alarm {memory.slug}: {memory.threshold:g} %", memory.threshold, ORANGE),
    ]
    return _graph(inputs, "Web service CPU and memory % (ECS)", rows, lines)


def _target_groups(
    inputs: DashboardInputs, healthy: AlarmSpec, unhealthy: AlarmSpec
) -> dict[str, Any]:
    """Healthy and unhealthy tasks per target group: a traffic-shifting deploy moves the live
    tasks from one group to the other, so both are drawn (the alarms add them up)."""
    rows = [
        _metric_row(m, inputs.refs, label=f"{m.name} {_group_name(m, inputs.refs)}")
        for m in healthy.metrics + unhealthy.metrics
    ]
    lines = [
        _threshold(f"alarm {healthy.slug}: < {healthy.threshold:g} in all", healthy.threshold),
        _threshold(f"alarm {unhealthy.slug}: > {unhealthy.threshold:g}", 0.5, ORANGE),
    ]
    return _graph(
        inputs, "Tasks per target group (deploys shift traffic between them)", rows, lines
    )


def _group_name(metric: Metric, refs: Mapping) -> str:
    """`targetgroup/<name>/<id>` -> `<name>` (the colour is in the name)."""
    for name, value in metric.dimensions:
        if name == "TargetGroup" and isinstance(value, Ref):
            parts = refs[value.source].split("/")
            return parts[1] if len(parts) == 3 else refs[value.source]
    return ""


def _core_web_vitals(inputs: DashboardInputs) -> list[dict[str, Any]]:
    widgets = []
    for metric, title, good, unit in CORE_WEB_VITALS:
        row = [
            "AWS/RUM",
            metric,
            "application_name",
            inputs.rum_app_name,
            {"stat": CORE_WEB_VITALS_STAT, "label": f"{CORE_WEB_VITALS_STAT}", "id": "vital"},
        ]
        line = _threshold(f"good <= {good:g}{unit}", good)
        suffix = f" ({unit}, {CORE_WEB_VITALS_STAT})" if unit else f" ({CORE_WEB_VITALS_STAT})"
        widgets.append(
            _graph(inputs, f"Core Web Vitals: {title}{suffix}", [row], [line], None, 300)
        )
    return widgets
