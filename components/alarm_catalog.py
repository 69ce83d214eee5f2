"""Every CloudWatch alarm of a stack, as plain data: what it watches, its threshold (from the
stack's settings), how it treats missing data and why, and whether it rolls a deploy back.

The Observability component turns each `AlarmSpec` into one `aws.cloudwatch.MetricAlarm`; the
dashboard draws the same metrics and thresholds; docs/runbooks/alarms.md has one section per
slug. Nothing here touches Pulumi, so the rules are tested as plain functions.

Missing data, the rule used throughout:
- `notBreaching` for traffic-driven signals (latency, error rates, hit rates, ECS utilisation):
  no traffic means no data, and a quiet night is not an incident. The deploy-rollback alarms
  must use it too: they exist before the service does, and ECS does not watch an alarm that is
  already in ALARM when a deployment starts (Copilot's documented caveat), so `breaching` would
  silently switch rollback off.
- `breaching` for health signals where silence is itself the failure: a target group with no
  healthy target, a database or cache node that stops reporting.

Not here, on purpose:
- RDS `ReplicaLag`: the stacks have no read replica. A Multi-AZ *instance* deployment keeps a
  synchronous standby that serves no reads and publishes no ReplicaLag; add the alarm with the
  first read replica (or a Multi-AZ DB *cluster*).
- CloudFront cache hit rate when the distribution's additional metrics are off
  (`cdn.realtimeMetrics: false`): AWS publishes no `CacheHitRate` then, and an alarm on a metric
  that never exists stays OK forever, which reads as "healthy".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from foundation.aws_limits import CLOUDWATCH_MAX_METRICS_PER_ALARM, cache_nodes_problem
from settings.schema import AlarmSettings

Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]
Source = Literal[
    "load_balancer", "target_group", "alternate_target_group", "cluster", "service",
    "db_instance", "db_proxy", "cache_group", "distribution",
]  # fmt: skip
"""What a dimension value refers to; the component resolves each to an Output at deploy time:
load balancer / the two target groups' ARN suffixes, ECS cluster / service name, RDS instance
identifier, RDS Proxy name, ElastiCache replication group id, CloudFront distribution id."""

HOME = "home"
GLOBAL_METRICS_REGION = "us-east-1"
"""CloudFront publishes its metrics only in us-east-1 (dimension Region=Global); an alarm on
them must live there too."""

MAX_METRICS_PER_ALARM = CLOUDWATCH_MAX_METRICS_PER_ALARM
QUERY_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
"""MetricDataQuery ids: a lowercase letter first (PutMetricAlarm rejects others)."""
GIB = 1024**3


@dataclass(frozen=True)
class Ref:
    """A dimension value known only at deploy time, e.g. the load balancer's ARN suffix."""

    source: Source
    suffix: str = ""
    """Appended to the resolved value, e.g. '-001' for the first node of a replication group."""


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric with its statistic, as an alarm or a graph reads it."""

    id: str
    """Metric-math id: a lowercase letter first, then letters, digits, underscores."""
    namespace: str
    name: str
    dimensions: tuple[tuple[str, Ref | str], ...]
    stat: str
    """Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p99."""
    period: int = 60
    label: str = ""

    @property
    def is_percentile(self) -> bool:
        return self.stat.startswith("p")


@dataclass(frozen=True)
class Expression:
    """A metric-math expression over metric ids (and earlier expression ids)."""

    id: str
    expression: str
    label: str


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One alarm, independent of Pulumi. The defaults are the catalog's usual alarm: above its
    threshold in 3 of 5 periods, no deploy rollback; an alarm that differs says so."""

    slug: str
    """The name after the stack prefix (components.naming.alarm_name) and the runbook heading."""
    summary: str
    """What ALARM means, one sentence (the alarm description starts with it)."""
    metrics: tuple[Metric, ...]
    expressions: tuple[Expression, ...] = ()
    """Empty: the alarm watches its one metric. Otherwise it watches the last expression."""
    threshold: float
    comparison: Comparison = "GreaterThanThreshold"
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3
    treat_missing_data: MissingData
    missing_data_reason: str
    rolls_back_deploy: bool = False
    setting: str
    """The stack-file key the threshold comes from, e.g. alarms.p99LatencySeconds."""
    region: str = HOME
    """HOME (the stack's region) or GLOBAL_METRICS_REGION."""

    @property
    def watched_id(self) -> str:
        return self.expressions[-1].id if self.expressions else self.metrics[0].id

    @property
    def period(self) -> int:
        return self.metrics[0].period


@dataclass(frozen=True)
class WatchedScope:
    """The facts about a stack that decide which alarms exist and what limits they use."""

    cache_nodes: int
    """Nodes in the replication group; their ids are `<group id>-001` ... (cluster mode off)."""
    database_max_connections: int
    """The instance class's default max_connections (settings.database.max_connections), from
    its nominal memory: used only without a proxy (RDS publishes no max_connections metric)."""
    cdn_additional_metrics: bool
    """CloudFront additional metrics (CacheHitRate) are on for the distribution."""
    database_proxy: bool = False
    """RDS Proxy holds the app's connections: the connection alarm reads the proxy's own pool
    metrics (what it may open, what it lends) instead of the instance's connection count."""


def cache_node_suffixes(nodes: int) -> list[str]:
    """Member cluster ids of a cluster-mode-disabled replication group: `<id>-001`, `-002`..."""
    return [f"-{index:03d}" for index in range(1, nodes + 1)]


def alarm_catalog(alarms: AlarmSettings, scope: WatchedScope) -> tuple[AlarmSpec, ...]:
    """Every alarm of the stack, thresholds taken from `alarms` (defaults: the owners' targets)."""
    nodes_problem = cache_nodes_problem(scope.cache_nodes)
    if nodes_problem:
        raise ValueError(f"cache.nodes {scope.cache_nodes}: {nodes_problem}")
    specs = [
        *_load_balancer_alarms(alarms),
        *_service_alarms(alarms),
        *_database_alarms(alarms, scope),
        *_cache_alarms(alarms, scope),
        *_cdn_alarms(alarms, scope),
    ]
    _check(specs)
    return tuple(specs)


def rollback_slugs(catalog: tuple[AlarmSpec, ...]) -> list[str]:
    return [spec.slug for spec in catalog if spec.rolls_back_deploy]


def samples_per_period(alarms: AlarmSettings, period: int) -> int:
    """The minimum sample size (requests or lookups) of one period of a rate alarm."""
    return max(1, math.ceil(alarms.min_requests_per_minute * period / 60))


LB = (("LoadBalancer", Ref("load_balancer")),)
TG = (("TargetGroup", Ref("target_group")), ("LoadBalancer", Ref("load_balancer")))
TG_ALTERNATE = (
    ("TargetGroup", Ref("alternate_target_group")),
    ("LoadBalancer", Ref("load_balancer")),
)
"""Host counts exist only per target group; traffic-shifting deploys move the live tasks from
one group to the other, so host alarms add both up (metric math) and follow live traffic.
Request, latency and 5xx alarms use the load balancer dimension, which covers both."""
SERVICE = (("ClusterName", Ref("cluster")), ("ServiceName", Ref("service")))
DB = (("DBInstanceIdentifier", Ref("db_instance")),)
PROXY = (("ProxyName", Ref("db_proxy")),)
"""RDS Proxy's dimension set 1 (the whole proxy, all its endpoints and targets): RDS user guide,
"Monitoring RDS Proxy metrics with Amazon CloudWatch"."""
PROXY_POOL_METRICS = ("DatabaseConnectionsCurrentlyBorrowed", "MaxDatabaseConnectionsAllowed")
"""AWS/RDS, dimension set 1, statistic Sum, period 1 minute (same page): RDS publishes them per
underlying proxy node, so the sum over the nodes is the proxy's."""
CDN = (("DistributionId", Ref("distribution")), ("Region", "Global"))
NO_TRAFFIC = "no requests, no data: a quiet period is not an incident"
BEFORE_SERVICE = (
    "the alarm exists before the service's first task; ECS ignores a rollback alarm already in "
    "ALARM when a deploy starts, and no tasks at all is the no-healthy-hosts alarm's job"
)


def _load_balancer_alarms(alarms: AlarmSettings) -> list[AlarmSpec]:
    period = 60
    minimum = samples_per_period(alarms, period)
    return [
        AlarmSpec(
            slug="alb-p99-latency",
            summary=(
                f"The 99th percentile of the targets' response time is above "
                f"{alarms.p99_latency_seconds} s (owners' target: P99 < 500 ms)."
            ),
            metrics=(Metric("p99", "AWS/ApplicationELB", "TargetResponseTime", LB, "p99", period),),
            threshold=alarms.p99_latency_seconds,
            treat_missing_data="notBreaching",
            missing_data_reason=f"{NO_TRAFFIC}; too few samples for a p99 are ignored too",
            rolls_back_deploy=True,
            setting="alarms.p99LatencySeconds",
        ),
        AlarmSpec(
            slug="alb-5xx-rate",
            summary=(
                f"More than {alarms.error_rate_percent} % of requests end in a 5xx from the "
                "targets or the load balancer (owners' target: error rate < 0.1 %)."
            ),
            metrics=(
                Metric("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", LB, "Sum"),
                Metric("lb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", LB, "Sum"),
                Metric("routed", "AWS/ApplicationELB", "RequestCount", LB, "Sum"),
            ),
            expressions=(
                Expression("errors", "FILL(target5xx, 0) + FILL(lb5xx, 0)", "5xx responses"),
                # RequestCount leaves out requests the ALB rejected before choosing a target
                # (e.g. 503 with no healthy target), so those are added back.
                Expression("requests", "FILL(routed, 0) + FILL(lb5xx, 0)", "requests"),
                Expression(
                    "rate",
                    f"IF(requests >= {minimum}, 100 * errors / requests, 0)",
                    f"5xx % of requests (0 below {minimum} requests/min)",
                ),
            ),
            threshold=alarms.error_rate_percent,
            treat_missing_data="notBreaching",
            missing_data_reason=f"{NO_TRAFFIC}; below the minimum request count the rate is 0",
            rolls_back_deploy=True,
            setting="alarms.errorRatePercent",
        ),
        AlarmSpec(
            slug="alb-unhealthy-hosts",
            summary=(
                "At least one registered task fails its health check, in either target group "
                "(a deploy's new tasks included)."
            ),
            metrics=(
                Metric("unhealthyA", "AWS/ApplicationELB", "UnHealthyHostCount", TG, "Maximum"),
                Metric(
                    "unhealthyB",
                    "AWS/ApplicationELB",
                    "UnHealthyHostCount",
                    TG_ALTERNATE,
                    "Maximum",
                ),
            ),
            expressions=(
                Expression(
                    "unhealthy",
                    "FILL(unhealthyA, 0) + FILL(unhealthyB, 0)",
                    "unhealthy tasks (both target groups)",
                ),
            ),
            threshold=0,
            treat_missing_data="notBreaching",
            missing_data_reason=BEFORE_SERVICE,
            rolls_back_deploy=True,
            setting="(fixed: any unhealthy target)",
        ),
        AlarmSpec(
            slug="alb-no-healthy-hosts",
            summary="Neither target group has a healthy task: the site is down.",
            metrics=(
                Metric("healthyA", "AWS/ApplicationELB", "HealthyHostCount", TG, "Minimum"),
                Metric(
                    "healthyB", "AWS/ApplicationELB", "HealthyHostCount", TG_ALTERNATE, "Minimum"
                ),
            ),
            expressions=(
                Expression(
                    "healthy",
                    "FILL(healthyA, 0) + FILL(healthyB, 0)",
                    "healthy tasks (both target groups)",
                ),
            ),
            threshold=1,
            comparison="LessThanThreshold",
            evaluation_periods=2,
            datapoints_to_alarm=2,
            # Not breaching: before the first task registers (first deploy, a recreated load
            # balancer) no group reports at all, and the alarm would be born in ALARM. An outage
            # still reports: the groups stay behind the listener and report 0 healthy (FILL).
            treat_missing_data="missing",
            missing_data_reason="silence before the first target registers is not an outage; "
            "a down site reports 0 healthy hosts",
            setting="(fixed: fewer than 1 healthy target)",
        ),
    ]


def _service_alarms(alarms: AlarmSettings) -> list[AlarmSpec]:
    def utilisation(kind: str, metric: str, value: float, key: str) -> AlarmSpec:
        return AlarmSpec(
            slug=f"ecs-{kind}-high",
            summary=f"The web service's average {kind} use is above {value} % of its tasks' size.",
            metrics=(Metric(kind, "AWS/ECS", metric, SERVICE, "Average"),),
            threshold=value,
            treat_missing_data="notBreaching",
            missing_data_reason=BEFORE_SERVICE,
            rolls_back_deploy=True,
            setting=key,
        )

    return [
        utilisation(
            "cpu", "CPUUtilization", alarms.service_cpu_percent, "alarms.serviceCpuPercent"
        ),
        utilisation(
            "memory",
            "MemoryUtilization",
            alarms.service_memory_percent,
            "alarms.serviceMemoryPercent",
        ),
    ]


def database_connection_threshold(alarms: AlarmSettings, scope: WatchedScope) -> int:
    """Without a proxy: the configured share of the instance class's max_connections (from its
    nominal memory; the real limit is somewhat lower, so this errs early, never late)."""
    return math.floor(scope.database_max_connections * alarms.database_connections_percent / 100)


def _connections_alarm(alarms: AlarmSettings, scope: WatchedScope) -> AlarmSpec:
    """`rds-connections-high`. Behind RDS Proxy it reads the proxy's own pool: the connections it
    lends to clients against the most it may open, both as the proxy reports them. A threshold
    computed from the instance class's nominal memory is one the real pool never reaches (RDS's
    DBInstanceClassMemory is below the nominal figure). Without a proxy: the instance's
    connections against a share of max_connections."""
    if scope.database_proxy:
        borrowed, allowed = PROXY_POOL_METRICS
        percent = alarms.database_pool_percent
        return AlarmSpec(
            slug="rds-connections-high",
            summary=(
                f"RDS Proxy's pool is nearly full: {percent:g} % or more of the connections the "
                "proxy may open (MaxDatabaseConnectionsAllowed) are lent to clients; at 100 % "
                "clients wait up to database.proxy.connectionBorrowTimeoutSeconds, then fail."
            ),
            metrics=(
                Metric("borrowed", "AWS/RDS", borrowed, PROXY, "Sum"),
                Metric("allowed", "AWS/RDS", allowed, PROXY, "Sum"),
            ),
            expressions=(
                Expression(
                    "pool",
                    "IF(allowed > 0, 100 * FILL(borrowed, 0) / allowed, 0)",
                    "% of RDS Proxy's pool lent to clients",
                ),
            ),
            threshold=percent,
            comparison="GreaterThanOrEqualToThreshold",
            # RDS Proxy publishes some metrics only after its first successful connection (RDS
            # user guide): a proxy no client has used yet is silent, not full.
            treat_missing_data="notBreaching",
            missing_data_reason=(
                "RDS Proxy reports its pool only after its first connection; an unused pool is "
                "not full (a down database is rds-cpu-high's and the 5xx alarms' job)"
            ),
            setting="alarms.databasePoolPercent",
        )
    limit = database_connection_threshold(alarms, scope)
    return AlarmSpec(
        slug="rds-connections-high",
        summary=(
            f"Open database connections are above {limit} "
            f"({alarms.database_connections_percent} % of the instance's "
            f"{scope.database_max_connections})."
        ),
        metrics=(Metric("connections", "AWS/RDS", "DatabaseConnections", DB, "Maximum"),),
        threshold=limit,
        treat_missing_data="breaching",
        missing_data_reason="an instance that stops reporting is down or being replaced",
        setting="alarms.databaseConnectionsPercent",
    )


def _database_alarms(alarms: AlarmSettings, scope: WatchedScope) -> list[AlarmSpec]:
    silent_database = "an instance that stops reporting is down or being replaced"
    return [
        AlarmSpec(
            slug="rds-cpu-high",
            summary=f"The database instance's CPU is above {alarms.database_cpu_percent} %.",
            metrics=(Metric("cpu", "AWS/RDS", "CPUUtilization", DB, "Average", 300),),
            threshold=alarms.database_cpu_percent,
            evaluation_periods=3,
            treat_missing_data="breaching",
            missing_data_reason=silent_database,
            setting="alarms.databaseCpuPercent",
        ),
        AlarmSpec(
            slug="rds-free-storage-low",
            summary=f"The database has less than {alarms.database_free_storage_gb} GiB free.",
            metrics=(Metric("free", "AWS/RDS", "FreeStorageSpace", DB, "Minimum", 300),),
            threshold=alarms.database_free_storage_gb * GIB,
            comparison="LessThanThreshold",
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data="breaching",
            missing_data_reason=silent_database,
            setting="alarms.databaseFreeStorageGb",
        ),
        _connections_alarm(alarms, scope),
    ]


def _cache_alarms(alarms: AlarmSettings, scope: WatchedScope) -> list[AlarmSpec]:
    suffixes = cache_node_suffixes(scope.cache_nodes)

    def per_node(prefix: str, metric: str, stat: str, period: int = 60) -> tuple[Metric, ...]:
        return tuple(
            Metric(
                f"{prefix}{index}",
                "AWS/ElastiCache",
                metric,
                (("CacheClusterId", Ref("cache_group", suffix)),),
                stat,
                period,
                f"{metric} node {suffix[1:]}",
            )
            for index, suffix in enumerate(suffixes, start=1)
        )

    def filled_sum(metrics: tuple[Metric, ...]) -> str:
        return " + ".join(f"FILL({m.id}, 0)" for m in metrics)

    hit_period = 300
    hits = per_node("hits", "CacheHits", "Sum", hit_period)
    misses = per_node("misses", "CacheMisses", "Sum", hit_period)
    minimum = samples_per_period(alarms, hit_period)
    engine_cpu = per_node("cpu", "EngineCPUUtilization", "Average")
    memory = per_node("memory", "DatabaseMemoryUsagePercentage", "Maximum")
    evictions = per_node("evictions", "Evictions", "Sum", 300)
    silent_cache = "a cache whose nodes all stop reporting is down or being replaced"
    return [
        AlarmSpec(
            slug="cache-hit-rate-low",
            summary=(
                f"Fewer than {alarms.cache_hit_rate_percent} % of cache lookups hit, over all "
                "nodes (owners' target: cache hit rate > 80 %)."
            ),
            metrics=hits + misses,
            expressions=(
                Expression("hits", filled_sum(hits), "hits"),
                Expression("lookups", f"hits + {filled_sum(misses)}", "lookups"),
                Expression(
                    "hitrate",
                    f"IF(lookups >= {minimum}, 100 * hits / lookups, 100)",
                    f"hit rate % (100 below {minimum} lookups per 5 min)",
                ),
            ),
            threshold=alarms.cache_hit_rate_percent,
            comparison="LessThanThreshold",
            evaluation_periods=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no lookups, no data; below the minimum lookups the rate is 100",
            setting="alarms.cacheHitRatePercent",
        ),
        AlarmSpec(
            slug="cache-engine-cpu-high",
            summary=(
                f"The busiest cache node's engine thread is above {alarms.cache_cpu_percent} % "
                "CPU (Valkey/Redis run commands on one thread)."
            ),
            metrics=engine_cpu,
            expressions=(
                Expression("busiest", f"MAX([{', '.join(m.id for m in engine_cpu)}])", "max"),
            ),
            threshold=alarms.cache_cpu_percent,
            treat_missing_data="breaching",
            missing_data_reason=silent_cache,
            setting="alarms.cacheCpuPercent",
        ),
        AlarmSpec(
            slug="cache-memory-high",
            summary=f"A cache node uses more than {alarms.cache_memory_percent} % of its memory.",
            metrics=memory,
            expressions=(
                Expression("fullest", f"MAX([{', '.join(m.id for m in memory)}])", "max"),
            ),
            threshold=alarms.cache_memory_percent,
            treat_missing_data="breaching",
            missing_data_reason=silent_cache,
            setting="alarms.cacheMemoryPercent",
        ),
        AlarmSpec(
            slug="cache-evictions",
            summary=(
                f"The cache evicted more than {alarms.cache_evictions_per_five_minutes} keys in "
                "5 minutes: it is too small for the working set."
            ),
            metrics=evictions,
            expressions=(Expression("evicted", filled_sum(evictions), "evictions"),),
            threshold=alarms.cache_evictions_per_five_minutes,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data="notBreaching",
            missing_data_reason="no evictions are reported as no data on a quiet cache",
            setting="alarms.cacheEvictionsPerFiveMinutes",
        ),
    ]


def _cdn_alarms(alarms: AlarmSettings, scope: WatchedScope) -> list[AlarmSpec]:
    period = 60
    minimum = samples_per_period(alarms, period)
    requests = Metric("requests", "AWS/CloudFront", "Requests", CDN, "Sum", period)
    specs = [
        AlarmSpec(
            slug="cdn-5xx-rate",
            summary=(
                f"More than {alarms.error_rate_percent} % of viewer requests get a 5xx from "
                "CloudFront (origin errors and CloudFront's own, e.g. origin unreachable)."
            ),
            metrics=(
                Metric("errorrate", "AWS/CloudFront", "5xxErrorRate", CDN, "Average", period),
                requests,
            ),
            expressions=(
                Expression(
                    "rate",
                    f"IF(FILL(requests, 0) >= {minimum}, errorrate, 0)",
                    f"5xx % of viewer requests (0 below {minimum} requests/min)",
                ),
            ),
            threshold=alarms.error_rate_percent,
            treat_missing_data="notBreaching",
            missing_data_reason=NO_TRAFFIC,
            setting="alarms.errorRatePercent",
            region=GLOBAL_METRICS_REGION,
        )
    ]
    if scope.cdn_additional_metrics:
        hit_period = 300
        hit_minimum = samples_per_period(alarms, hit_period)
        specs.append(
            AlarmSpec(
                slug="cdn-cache-hit-rate-low",
                summary=(
                    f"CloudFront serves fewer than {alarms.cdn_cache_hit_rate_percent} % of "
                    "cacheable requests from its cache (owners' target: cache hit rate > 80 %)."
                ),
                metrics=(
                    Metric("hitrate", "AWS/CloudFront", "CacheHitRate", CDN, "Average", hit_period),
                    Metric("requests", "AWS/CloudFront", "Requests", CDN, "Sum", hit_period),
                ),
                expressions=(
                    Expression(
                        "rate",
                        f"IF(FILL(requests, 0) >= {hit_minimum}, hitrate, 100)",
                        f"hit rate % (100 below {hit_minimum} requests per 5 min)",
                    ),
                ),
                threshold=alarms.cdn_cache_hit_rate_percent,
                comparison="LessThanThreshold",
                evaluation_periods=3,
                treat_missing_data="notBreaching",
                missing_data_reason=NO_TRAFFIC,
                setting="alarms.cdnCacheHitRatePercent",
                region=GLOBAL_METRICS_REGION,
            )
        )
    return specs


def _check(specs: list[AlarmSpec]) -> None:
    """Shape rules AWS enforces at deploy time, checked while the catalog is built."""
    slugs = [spec.slug for spec in specs]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"duplicate alarm slugs: {sorted(slugs)}")
    for spec in specs:
        if len(spec.metrics) > MAX_METRICS_PER_ALARM:
            raise ValueError(f"{spec.slug}: {len(spec.metrics)} metrics, CloudWatch allows 10")
        if not spec.expressions and len(spec.metrics) != 1:
            raise ValueError(f"{spec.slug}: several metrics need an expression to watch")
        if spec.rolls_back_deploy and spec.region != HOME:
            raise ValueError(f"{spec.slug}: ECS only reads alarms in the service's own region")
        if spec.rolls_back_deploy and spec.treat_missing_data == "breaching":
            raise ValueError(f"{spec.slug}: a rollback alarm must not start in ALARM")
        if not 1 <= spec.datapoints_to_alarm <= spec.evaluation_periods:
            raise ValueError(f"{spec.slug}: datapoints_to_alarm must be 1..evaluation_periods")
        periods = {metric.period for metric in spec.metrics}
        if len(periods) != 1:
            raise ValueError(f"{spec.slug}: metrics with different periods {sorted(periods)}")
        if not all(p in (10, 20, 30) or p % 60 == 0 for p in periods):
            raise ValueError(f"{spec.slug}: a period must be 10, 20, 30 or a multiple of 60")
        ids = [m.id for m in spec.metrics] + [e.id for e in spec.expressions]
        if len(set(ids)) != len(ids) or not all(QUERY_ID.fullmatch(i) for i in ids):
            raise ValueError(f"{spec.slug}: query ids must be unique and match {QUERY_ID.pattern}")
