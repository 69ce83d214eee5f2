"""One pricer per billed resource type: what it costs a month, read from its registered inputs.

Counts come from the records (subnets of an endpoint or a load balancer, nodes of a replication
group, metrics of an alarm), sizes from the resource's own inputs, traffic from the usage
assumptions. A size the table does not list becomes an `Unpriced` entry, never a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from estimate.model import EXPECTED, Category, CostLine, Kind, PricedResource, Scenario
from foundation.fargate import parse_task_cpu, parse_task_memory
from foundation.prices import PriceTable
from foundation.stackmodel import as_number
from foundation.usage import UsageAssumptions

SECONDS_PER_HOUR = 3600
MINUTES_PER_HOUR = 60
DAYS_PER_MONTH = 365 / 12
RDS: Category = "Amazon Relational Database Service"
CACHE: Category = "Amazon ElastiCache"
CLOUDWATCH: Category = "AmazonCloudWatch"
XRAY: Category = "AWS X-Ray"
ECS: Category = "Amazon Elastic Container Service"
LAMBDA: Category = "AWS Lambda"
CLOUDFRONT: Category = "Amazon CloudFront"
WAF: Category = "AWS WAF"
ELB: Category = "Amazon Elastic Load Balancing"
EC2_OTHER: Category = "EC2 - Other"
VPC: Category = "Amazon Virtual Private Cloud"
KMS: Category = "AWS Key Management Service"
SECRETS: Category = "AWS Secrets Manager"
S3: Category = "Amazon Simple Storage Service"
ECR: Category = "Amazon EC2 Container Registry (ECR)"


class MissingPrice(LookupError):
    """A price key the resource needs is not in the table."""


@dataclass
class Context:
    """What every pricer may read: the table, the usage, the other resources, the component."""

    table: PriceTable
    usage: UsageAssumptions
    resources: Sequence[PricedResource]
    component_of: Callable[[PricedResource], str]
    scenario: Scenario = EXPECTED
    _by_type: dict[str, list[PricedResource]] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for resource in self.resources:
            self._by_type.setdefault(resource.type, []).append(resource)

    @property
    def hours(self) -> float:
        return self.table.hours_per_month

    def of_type(self, type_token: str) -> list[PricedResource]:
        return self._by_type.get(type_token, [])

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A stack-wide figure computed once (e.g. which log groups receive flow logs)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def grouped(
        self, type_token: str, name: str, key: Callable[[PricedResource], Any]
    ) -> dict[Any, list[PricedResource]]:
        """The resources of a type grouped by `key` (each group in stack order), built once per
        estimate: a pricer matching one resource against others of a type reads a dict instead
        of scanning them all (which made the estimate quadratic in the stack's size)."""

        def build() -> dict[Any, list[PricedResource]]:
            groups: dict[Any, list[PricedResource]] = {}
            for resource in self.of_type(type_token):
                groups.setdefault(key(resource), []).append(resource)
            return groups

        return self.memo(f"{type_token} by {name}", build)  # type: ignore[no-any-return]

    def usd(self, key: str) -> float:
        if not self.table.has(key):
            raise MissingPrice(key)
        return self.table.usd(key)

    def line(
        self,
        resource: PricedResource,
        item: str,
        kind: Kind,
        category: Category,
        quantity: float,
        unit: str,
        unit_usd: float,
        *keys: str,
    ) -> CostLine:
        return CostLine(
            component=self.component_of(resource),
            resource=resource.name,
            type=resource.type,
            item=item,
            kind=kind,
            category=category,
            quantity=quantity,
            unit=unit,
            unit_usd=unit_usd,
            price_keys=keys,
        )

    def priced(
        self,
        resource: PricedResource,
        item: str,
        kind: Kind,
        category: Category,
        quantity: float,
        unit: str,
        key: str,
        *more_keys: str,
    ) -> CostLine:
        """A line at the unit price under `key` (other keys the figure read may follow)."""
        return self.line(
            resource, item, kind, category, quantity, unit, self.usd(key), key, *more_keys
        )

    @property
    def origin_requests(self) -> float:
        """Requests a month that miss CloudFront's cache and reach the load balancer."""
        return self.usage.requests_per_month * (1 - self.usage.cdn_cache_hit_percent / 100)

    @property
    def origin_gb(self) -> float:
        return self.usage.gb_served_per_month * (1 - self.usage.cdn_cache_hit_percent / 100)


Lines = Iterator[CostLine]
Pricer = Callable[[PricedResource, Context], Lines]


def monthly(label: str, category: Category, unit: str, price_key: str) -> Pricer:
    """A pricer for a resource billed a flat price a month, each (a key, a secret, a dashboard)."""

    def price(resource: PricedResource, ctx: Context) -> Lines:
        yield ctx.priced(resource, label, "fixed", category, 1, unit, price_key)

    return price


def number(value: Any, default: float = 0.0) -> float:
    """A numeric input as float (foundation's reading), `default` when it is not one."""
    parsed = as_number(value)
    return default if parsed is None else parsed


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


# --- database -------------------------------------------------------------------------------


def rds_instance(resource: PricedResource, ctx: Context) -> Lines:
    props = resource.props
    instance_class = str(props.get("instanceClass"))
    multi_az = bool(props.get("multiAz"))
    key = f"rds.instance.{instance_class}"
    hourly = ctx.usd(key)
    keys = [key]
    if multi_az:
        hourly *= ctx.usd("rds.multiAzInstanceFactor")
        keys.append("rds.multiAzInstanceFactor")
    deployment = "Multi-AZ" if multi_az else "Single-AZ"
    yield ctx.line(
        resource, f"{instance_class} {deployment}", "fixed", RDS, ctx.hours,
        "instance-hours", hourly, *keys,
    )  # fmt: skip
    storage_type = str(props.get("storageType") or "gp2")
    storage_key = f"rds.storage.{storage_type}.{'multiAz' if multi_az else 'singleAz'}"
    gb = number(props.get("allocatedStorage"))
    yield ctx.priced(
        resource, f"{storage_type} storage {deployment}", "fixed", RDS, gb, "GB-month", storage_key,
    )  # fmt: skip
    if props.get("manageMasterUserPassword"):
        yield ctx.priced(
            resource, "RDS-managed master secret", "fixed", SECRETS, 1, "secret-month",
            "secretsmanager.secret",
        )  # fmt: skip
    yield from _enhanced_monitoring(resource, ctx)


def _enhanced_monitoring(resource: PricedResource, ctx: Context) -> Lines:
    """Enhanced Monitoring writes OS metrics to CloudWatch Logs (RDSOSMetrics): billed there."""
    interval = number(resource.props.get("monitoringInterval"))
    if interval <= 0:
        return
    samples = ctx.hours * SECONDS_PER_HOUR / interval
    gb = samples * ctx.usage.enhanced_monitoring_kb_per_sample / 1_000_000
    yield ctx.priced(
        resource, f"Enhanced Monitoring every {interval:g} s (RDSOSMetrics log ingestion)", "usage",
        CLOUDWATCH, gb, "GB", "cloudwatch.logs.ingestGb",
    )  # fmt: skip
    yield ctx.priced(
        resource, "Enhanced Monitoring log storage (30-day retention, compressed)", "usage",
        CLOUDWATCH, gb * ctx.usage.log_compressed_ratio * (30 / DAYS_PER_MONTH), "GB-months",
        "cloudwatch.logs.storageGb",
    )  # fmt: skip


def _rds_vcpus(ctx: Context) -> float:
    total = 0.0
    for instance in ctx.of_type("aws:rds/instance:Instance"):
        key = f"rds.instance.{instance.props.get('instanceClass')}"
        price = ctx.table.prices.get(key)
        if price is None:
            raise MissingPrice(key)
        total += number(price.extra.get("vcpus"))
    return total


def rds_proxy(resource: PricedResource, ctx: Context) -> Lines:
    vcpus = max(ctx.memo("rds-vcpus", lambda: _rds_vcpus(ctx)), ctx.usd("rds.proxy.minimumVcpus"))
    yield ctx.priced(
        resource, f"proxy for {vcpus:g} instance vCPUs", "fixed", RDS, vcpus * ctx.hours,
        "vCPU-hours", "rds.proxy.vcpu", "rds.proxy.minimumVcpus",
    )  # fmt: skip


def rds_backup_replication(resource: PricedResource, ctx: Context) -> Lines:
    """Snapshots in the DR region: one full copy of the used data, then the changes it keeps."""
    source = str(resource.props.get("sourceDbInstanceArn") or "")
    instances = ctx.of_type("aws:rds/instance:Instance")
    matching = [i for i in instances if source.endswith(f":db:{i.props.get('identifier')}")]
    allocated = sum(number(i.props.get("allocatedStorage")) for i in (matching or instances))
    used = min(ctx.usage.database_used_gb, allocated) if allocated else ctx.usage.database_used_gb
    retention_days = number(resource.props.get("retentionPeriod"), 7) or 7
    changes = ctx.usage.database_change_gb_per_month * retention_days / DAYS_PER_MONTH
    region = resource.props.get("region") or "the DR region"
    yield ctx.priced(
        resource, f"replicated backups in {region} (used data + {retention_days:g} days' changes)",
        "usage", RDS, used + changes, "GB-month", "rds.backup.replicatedStorage",
    )  # fmt: skip
    yield ctx.priced(
        resource, "changed data copied across regions", "usage", RDS,
        ctx.usage.database_change_gb_per_month, "GB", "rds.backup.replicationTransfer",
    )  # fmt: skip


# --- cache ----------------------------------------------------------------------------------


def _cache_nodes(props: Mapping[str, Any]) -> float:
    if props.get("numCacheClusters") is not None:
        return number(props.get("numCacheClusters"))
    groups = number(props.get("numNodeGroups"), 1) or 1
    return groups * (number(props.get("replicasPerNodeGroup")) + 1)


def elasticache_group(resource: PricedResource, ctx: Context) -> Lines:
    props = resource.props
    engine = str(props.get("engine") or "redis")
    node_type = str(props.get("nodeType"))
    nodes = number(props.get("numCacheNodes"), 1) if "numCacheNodes" in props else None
    count = nodes if nodes is not None else _cache_nodes(props)
    key = f"elasticache.node.{engine}.{node_type}"
    yield ctx.priced(
        resource, f"{count:g} x {node_type} ({engine})", "fixed", CACHE, count * ctx.hours,
        "node-hours", key,
    )  # fmt: skip
    kept = number(props.get("snapshotRetentionLimit"))
    if kept > 1:  # one snapshot per cluster is free; the others are billed storage
        yield ctx.priced(
            resource, f"{kept - 1:g} snapshot(s) beyond the free one", "usage", CACHE,
            (kept - 1) * ctx.usage.cache_data_gb, "GB-months", "elasticache.snapshot.gb",
        )  # fmt: skip


def elasticache_cluster(resource: PricedResource, ctx: Context) -> Lines:
    if resource.props.get("replicationGroupId"):
        return  # a member of a replication group: priced on the group
    yield from elasticache_group(resource, ctx)


# --- network --------------------------------------------------------------------------------


def _nat_lines(resource: PricedResource, ctx: Context, count: float, *, ips: bool) -> Lines:
    if count <= 0:
        return
    yield ctx.priced(
        resource, f"{count:g} NAT gateway(s)", "fixed", EC2_OTHER, count * ctx.hours,
        "gateway-hours", "vpc.natGateway.hour",
    )  # fmt: skip
    if ips:
        yield ctx.priced(
            resource, f"{count:g} NAT public IPv4 address(es)", "fixed", VPC, count * ctx.hours,
            "address-hours", "vpc.publicIpv4.hour",
        )  # fmt: skip
    yield ctx.priced(
        resource, "data through NAT", "usage", EC2_OTHER, ctx.usage.nat_gb_per_month, "GB",
        "vpc.natGateway.gb",
    )  # fmt: skip


def nat_gateway(resource: PricedResource, ctx: Context) -> Lines:
    gateways = ctx.of_type("aws:ec2/natGateway:NatGateway")
    if resource is not gateways[0]:
        return  # all gateways priced once, on the first (the usage is the VPC's)
    yield from _nat_lines(resource, ctx, len(gateways), ips=False)


def elastic_ip(resource: PricedResource, ctx: Context) -> Lines:
    yield ctx.priced(
        resource, "public IPv4 address", "fixed", VPC, ctx.hours, "address-hours",
        "vpc.publicIpv4.hour",
    )  # fmt: skip


AWSX_NAT_STRATEGIES = {"None": 0, "Single": 1}


def awsx_vpc(resource: PricedResource, ctx: Context) -> Lines:
    """awsx.ec2.Vpc creates its NAT gateways and Elastic IPs itself (one per AZ, or one)."""
    if ctx.of_type("aws:ec2/natGateway:NatGateway"):
        return  # the children are registered themselves (a real run): priced there
    nat = resource.props.get("natGateways")
    if "mockNatGatewayCount" in resource.props:  # outputs of the offline mock (no children)
        count = int(number(resource.props.get("mockNatGatewayCount"), 0))
    elif isinstance(nat, list):
        count = len(nat)  # the component's outputs: the gateways it created
    else:  # its inputs: the strategy it was asked for (awsx's default is one per AZ)
        strategy = (nat or {}).get("strategy", "OnePerAz")
        zones = number(resource.props.get("numberOfAvailabilityZones"), 3)
        count = AWSX_NAT_STRATEGIES.get(str(strategy), zones)
    yield from _nat_lines(resource, ctx, count, ips=True)


def vpc_endpoint(resource: PricedResource, ctx: Context) -> Lines:
    kind = str(resource.props.get("vpcEndpointType") or "Gateway")
    if kind == "Gateway":
        return  # gateway endpoints (S3, DynamoDB) have no charge
    zones = len(items(resource.props.get("subnetIds"))) or 1
    service = str(resource.props.get("serviceName") or "").rsplit(".", 1)[-1] or "endpoint"
    yield ctx.priced(
        resource, f"{service} interface endpoint in {zones} AZ(s)", "fixed", VPC, zones * ctx.hours,
        "endpoint-AZ-hours", "vpc.interfaceEndpoint.hour",
    )  # fmt: skip
    interface: int = ctx.memo(
        "interface-endpoints",
        lambda: sum(
            1 for r in ctx.of_type(resource.type) if r.props.get("vpcEndpointType") == "Interface"
        ),
    )
    share = ctx.usage.endpoint_gb_per_month / max(interface, 1)
    yield ctx.priced(
        resource, "data through the endpoint", "usage", VPC, share, "GB",
        "vpc.interfaceEndpoint.gb",
    )  # fmt: skip


def flow_log(resource: PricedResource, ctx: Context) -> Lines:
    to_s3 = resource.props.get("logDestinationType") == "s3"
    key = "vpc.flowLogs.s3Gb" if to_s3 else "vpc.flowLogs.cloudwatchGb"
    yield ctx.priced(
        resource, f"flow log delivery to {'S3' if to_s3 else 'CloudWatch Logs'} (vended logs)",
        "usage", CLOUDWATCH, ctx.usage.flow_log_gb_per_month, "GB", key,
    )  # fmt: skip


def load_balancer(resource: PricedResource, ctx: Context) -> Lines:
    props = resource.props
    if str(props.get("loadBalancerType") or "application") != "application":
        raise MissingPrice(f"elb.{props.get('loadBalancerType')}.hour")
    yield ctx.priced(
        resource, "application load balancer", "fixed", ELB, ctx.hours, "ALB-hours", "elb.alb.hour",
    )  # fmt: skip
    seconds = ctx.hours * SECONDS_PER_HOUR
    per_second = ctx.origin_requests / seconds
    by_connections = per_second / ctx.usd("elb.lcu.newConnectionsPerSecond")
    by_bytes = ctx.origin_gb / ctx.hours / ctx.usd("elb.lcu.processedGbPerHour")
    lcus = max(by_connections, by_bytes)
    yield ctx.priced(
        resource, f"{lcus:.3f} LCU on average (origin requests, one connection each)", "usage", ELB,
        lcus * ctx.hours, "LCU-hours", "elb.alb.lcu", "elb.lcu.newConnectionsPerSecond",
        "elb.lcu.processedGbPerHour",
    )  # fmt: skip
    if not props.get("internal"):
        zones = len(items(props.get("subnets"))) or len(items(props.get("subnetMappings")))
        yield ctx.priced(
            resource, f"{zones} public IPv4 address(es), one per AZ", "fixed", VPC,
            zones * ctx.hours, "address-hours", "vpc.publicIpv4.hour",
        )  # fmt: skip


# --- compute --------------------------------------------------------------------------------


def _task_definition(service: PricedResource, ctx: Context) -> PricedResource | None:
    """By the family in the service's taskDefinition ARN, else by dependency (ARN unknown)."""
    definition_type = "aws:ecs/taskDefinition:TaskDefinition"
    match = re.search(r"task-definition/([^:/]+)", str(service.props.get("taskDefinition") or ""))
    families = ctx.grouped(definition_type, "family", lambda d: _text(d.props.get("family")))
    by_family = families.get(match.group(1), []) if match else []
    by_urn = ctx.grouped(definition_type, "urn", lambda d: d.urn)
    by_dependency = [d for urn in dict.fromkeys(service.dependencies) for d in by_urn.get(urn, ())]
    found = by_family or by_dependency
    return found[0] if len(found) == 1 else None


ROLLING_DEPLOY_MINUTES = 10
"""A rolling deployment's extra tasks run about this long (start, health checks, drain)."""


@dataclass(frozen=True)
class TaskCounts:
    """A service's task counts: its range, what the traffic needs, the month's scenario."""

    low: float
    high: float
    traffic: float
    """Tasks the request-count scaling target needs at the busiest hour (low when unknown)."""
    expected: float
    """The stated usage.averageTasks (a margin over `traffic`) or `traffic`."""
    basis: str


def _text(value: Any) -> str | None:
    """A grouping key: the string, or None for anything else (never equal to a name)."""
    return value if isinstance(value, str) else None


def _last_segment(resource_id: Any) -> str:
    return str(resource_id or "").rsplit("/", 1)[-1]


def _scaling_of(service: PricedResource, ctx: Context, type_token: str) -> list[PricedResource]:
    """The `type_token` resources (scaling targets, policies) whose resourceId may end in
    "/<service name>": those whose last segment is the name (any, for a name with a slash)."""
    name = service.props.get("name")
    if not name:
        return []
    if "/" in str(name):
        return ctx.of_type(type_token)
    by_name = ctx.grouped(type_token, "service", lambda r: _last_segment(r.props.get("resourceId")))
    return by_name.get(str(name), [])


def _scaling_target(service: PricedResource, ctx: Context) -> PricedResource | None:
    name = service.props.get("name")
    for target in _scaling_of(service, ctx, "aws:appautoscaling/target:Target"):
        resource_id = str(target.props.get("resourceId") or "")
        if target.props.get("scalableDimension") == "ecs:service:DesiredCount" and (
            name and resource_id.endswith(f"/{name}")
        ):
            return target
    return None


def _requests_per_task_target(service: PricedResource, ctx: Context) -> float | None:
    """The target of a target-tracking policy on requests per task per minute, if any."""
    name = service.props.get("name")
    for policy in _scaling_of(service, ctx, "aws:appautoscaling/policy:Policy"):
        if not (name and str(policy.props.get("resourceId") or "").endswith(f"/{name}")):
            continue
        config = policy.props.get("targetTrackingScalingPolicyConfiguration") or {}
        spec = config.get("customizedMetricSpecification") or {}
        names = [
            ((m.get("metricStat") or {}).get("metric") or {}).get("metricName")
            for m in items(spec.get("metrics"))
        ]
        if "RequestCount" in names and number(config.get("targetValue")) > 0:
            return number(config.get("targetValue"))
    return None


def task_counts(service: PricedResource, ctx: Context) -> TaskCounts:
    target = _scaling_target(service, ctx)
    desired = number(service.props.get("desiredCount"), 1)
    low, high = (
        (number(target.props.get("minCapacity")), number(target.props.get("maxCapacity")))
        if target is not None
        else (desired, desired)
    )
    per_task = _requests_per_task_target(service, ctx)
    if per_task is None:
        traffic, basis = low, "no request-count scaling target: the minimum"
    else:
        minutes = ctx.hours * MINUTES_PER_HOUR
        peak = ctx.origin_requests / minutes * ctx.usage.peak_to_average
        traffic = min(max(math.ceil(peak / per_task), low), high)
        basis = f"{peak:,.0f} origin requests/min at peak, {per_task:g} a task"
    stated = ctx.usage.average_tasks
    # A stated average is a margin over the traffic's need, never fewer tasks than it needs.
    expected = traffic if stated is None else max(min(max(stated, low), high), traffic)
    return TaskCounts(low, high, traffic, expected, basis)


def _deploy_overlap_task_minutes(service: PricedResource, tasks: float) -> tuple[float, str]:
    """Task-minutes one deployment runs beside the old tasks, and how that was found."""
    config = service.props.get("deploymentConfiguration") or {}
    strategy = str(config.get("strategy") or "ROLLING")
    if strategy in ("BLUE_GREEN", "CANARY", "LINEAR"):
        bake = number(config.get("bakeTimeInMinutes"))
        for step in ("canaryConfiguration", "linearConfiguration"):
            bake += number((config.get(step) or {}).get(f"{step[:-13]}BakeTimeInMinutes"))
        return tasks * bake, f"{strategy.lower()}: a full second set for {bake:g} min"
    extra_percent = number(service.props.get("deploymentMaximumPercent"), 200) - 100
    extra = math.ceil(tasks * max(extra_percent, 0) / 100)
    return extra * ROLLING_DEPLOY_MINUTES, f"rolling: {extra:g} extra for ~10 min"


def ecs_service(resource: PricedResource, ctx: Context) -> Lines:
    definition = _task_definition(resource, ctx)
    if definition is None:
        raise MissingPrice("the service's task definition (family) is not in the stack")
    cpu = parse_task_cpu(definition.props.get("cpu"))
    memory = parse_task_memory(definition.props.get("memory"))
    if cpu is None or memory is None:
        raise MissingPrice("the task definition's cpu/memory")
    platform = definition.props.get("runtimePlatform") or {}
    arch = str(platform.get("cpuArchitecture") or "X86_64")
    vcpu_key, gb_key = f"fargate.{arch}.vcpu", f"fargate.{arch}.gb"
    task_usd = (cpu / 1024) * ctx.usd(vcpu_key) + (memory / 1024) * ctx.usd(gb_key)
    counts = task_counts(resource, ctx)
    low, high = counts.low, counts.high
    size = f"{cpu / 1024:g} vCPU / {memory / 1024:g} GB {arch}"

    def task_hours(item: str, kind: Kind, hours: float) -> CostLine:
        return ctx.line(resource, item, kind, ECS, hours, "task-hours", task_usd, vcpu_key, gb_key)

    yield task_hours(f"{low:g} task(s) always running, {size}", "fixed", low * ctx.hours)
    running = counts.expected
    if ctx.scenario.tasks == "maximum":
        running = high
        more = f"{high - low:g} more task(s): scaling at its maximum all month"
        yield task_hours(more, "usage", (high - low) * ctx.hours)
    else:
        if counts.traffic > low:
            more = f"{counts.traffic - low:g} more task(s) the traffic needs ({counts.basis})"
            yield task_hours(more, "usage", (counts.traffic - low) * ctx.hours)
        if counts.expected > counts.traffic:
            margin = counts.expected - counts.traffic
            yield task_hours(
                f"{margin:g} task(s) of margin (usage.averageTasks {counts.expected:g}; the "
                f"traffic needs {counts.traffic:g})", "usage", margin * ctx.hours,
            )  # fmt: skip
    minutes, how = _deploy_overlap_task_minutes(resource, running)
    deploys = ctx.usage.deploys_per_month
    if minutes > 0 and deploys > 0:
        overlap = f"deploy overlap: {deploys:g} deploys ({how})"
        yield task_hours(overlap, "usage", deploys * minutes / MINUTES_PER_HOUR)
    yield ctx.priced(
        resource, "custom metrics from the collector (EMF)", "usage", CLOUDWATCH,
        ctx.usage.custom_metrics, "metric-months", "cloudwatch.customMetric",
    )  # fmt: skip


def ecs_cluster(resource: PricedResource, ctx: Context) -> Lines:
    """Container Insights: enhanced mode per observation, standard mode as custom metrics."""
    settings = {
        str(s.get("name")): str(s.get("value"))
        for s in items(resource.props.get("settings"))
        if isinstance(s, Mapping)
    }
    mode = settings.get("containerInsights", "disabled")
    if mode == "disabled":
        return
    if mode == "enabled":
        count = ctx.usd("cloudwatch.containerInsights.standardMetrics")
        yield ctx.priced(
            resource, f"Container Insights (standard): {count:g} metrics", "usage", CLOUDWATCH,
            count, "metric-months", "cloudwatch.customMetric",
            "cloudwatch.containerInsights.standardMetrics",
        )  # fmt: skip
        return
    if mode != "enhanced":
        raise MissingPrice(f"Container Insights mode {mode!r}")
    name = str(resource.props.get("name") or resource.name)
    by_cluster = ctx.grouped(
        "aws:ecs/service:Service", "cluster", lambda s: _last_segment(s.props.get("cluster"))
    )
    services = list(by_cluster.get(name, ()))
    if not services and len(ctx.of_type(resource.type)) == 1:  # the cluster ARN is unknown
        services = ctx.of_type("aws:ecs/service:Service")
    tasks = 0.0
    for service in services:
        counts = task_counts(service, ctx)
        tasks += counts.high if ctx.scenario.tasks == "maximum" else counts.expected
    observations = (
        tasks * ctx.hours * MINUTES_PER_HOUR
        * ctx.usage.container_insights_observations_per_task_minute
    )  # fmt: skip
    yield ctx.priced(
        resource, f"Container Insights (enhanced): {tasks:g} task(s)' observations", "usage",
        CLOUDWATCH, observations / 1_000_000, "million observations",
        "cloudwatch.containerInsights.enhanced.1m",
    )  # fmt: skip


def scaling_policy(resource: PricedResource, ctx: Context) -> Lines:
    """A target-tracking policy creates its own CloudWatch alarms (high, and low unless
    scale-in is disabled), billed per metric they read; step scaling creates none."""
    kind = resource.props.get("policyType") or "StepScaling"
    if kind == "StepScaling":
        return
    if kind != "TargetTrackingScaling":
        raise MissingPrice(f"scaling policy type {kind!r}")
    config = resource.props.get("targetTrackingScalingPolicyConfiguration") or {}
    alarms = 1 if config.get("disableScaleIn") else 2
    spec = config.get("customizedMetricSpecification") or {}
    metrics = (
        sum(1 for m in items(spec.get("metrics")) if isinstance(m, Mapping) and "metricStat" in m)
        or 1
    )
    yield ctx.priced(
        resource, f"{alarms} target-tracking alarm(s) on {metrics} metric(s)", "fixed", CLOUDWATCH,
        alarms * metrics, "alarm metric-months", "cloudwatch.alarm.standardMetric",
    )  # fmt: skip


def lambda_function(resource: PricedResource, ctx: Context) -> Lines:
    props = resource.props
    arch = "arm64" if "arm64" in items(props.get("architectures")) else "x86_64"
    gb = number(props.get("memorySize"), 128) / 1024
    invocations = ctx.usage.lambda_invocations_per_month / max(len(ctx.of_type(resource.type)), 1)
    key = f"lambda.{arch}.gbSecond"
    yield ctx.priced(
        resource, "invocations", "usage", LAMBDA, invocations / 1_000_000, "million requests",
        "lambda.requests.1m",
    )  # fmt: skip
    yield ctx.priced(
        resource, f"duration ({gb:g} GB, 1 s per invocation assumed)", "usage", LAMBDA,
        invocations * gb, "GB-seconds", key,
    )  # fmt: skip


# --- edge -----------------------------------------------------------------------------------


def distribution(resource: PricedResource, ctx: Context) -> Lines:
    usage = ctx.usage
    yield ctx.priced(
        resource, "HTTPS requests", "usage", CLOUDFRONT, usage.requests_per_month / 10_000,
        "10k requests", "cloudfront.httpsRequests.10k",
    )  # fmt: skip
    yield ctx.priced(
        resource, "data to viewers", "usage", CLOUDFRONT, usage.gb_served_per_month, "GB",
        "cloudfront.dataOut.gb",
    )  # fmt: skip


def monitoring_subscription(resource: PricedResource, ctx: Context) -> Lines:
    config = resource.props.get("monitoringSubscription") or {}
    status = (config.get("realtimeMetricsSubscriptionConfig") or {}).get(
        "realtimeMetricsSubscriptionStatus"
    )
    if status == "Disabled":
        return
    count = ctx.usd("cloudfront.additionalMetrics.count")
    yield ctx.priced(
        resource, f"additional distribution metrics ({count:g})", "fixed", CLOUDWATCH, count,
        "metric-months", "cloudfront.additionalMetrics.metric",
        "cloudfront.additionalMetrics.count",
    )  # fmt: skip


def cloudfront_function(resource: PricedResource, ctx: Context) -> Lines:
    """Runs on every viewer request of the behaviours it is attached to (priced: all)."""
    yield ctx.priced(
        resource, "function invocations (every viewer request)", "usage", CLOUDFRONT,
        ctx.usage.requests_per_month / 1_000_000, "million invocations", "cloudfront.functions.1m",
    )  # fmt: skip


VENDED_LOG_KEYS = {"s3": "cloudfront.standardLogsV2.s3Gb", "logs": "vpc.flowLogs.cloudwatchGb"}
"""Vended-log delivery price by destination service (the ARN's service part)."""


def log_delivery(resource: PricedResource, ctx: Context) -> Lines:
    """CloudFront standard logs (v2): billed as CloudWatch vended logs, per GB delivered."""
    props = resource.props
    sources = [
        s
        for s in ctx.of_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")
        if s.props.get("name") == props.get("deliverySourceName")
    ]
    if not sources or ":distribution/" not in str(sources[0].props.get("resourceArn") or ""):
        raise MissingPrice("log delivery from a source other than a CloudFront distribution")
    # arn:aws:logs:<region>:<account>:delivery-destination:<name>
    name = str(props.get("deliveryDestinationArn") or "").rsplit(":", 1)[-1]
    destinations = [
        d
        for d in ctx.of_type("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
        if d.props.get("name") == name
    ]
    target = (
        str((destinations[0].props.get("deliveryDestinationConfiguration") or {}).get(
            "destinationResourceArn") or "")
        if destinations
        else ""
    )  # fmt: skip
    service = target.split(":")[2] if target.count(":") >= 2 else ""
    if service not in VENDED_LOG_KEYS:
        raise MissingPrice(f"vended log delivery to {service or 'an unknown destination'}")
    key = VENDED_LOG_KEYS[service]
    gb = ctx.usage.requests_per_month * ctx.usage.cdn_log_bytes_per_request / 1e9
    yield ctx.priced(
        resource, f"CloudFront standard logs (v2) to {service.upper()} (vended logs)", "usage",
        CLOUDWATCH, gb, "GB", key,
    )  # fmt: skip


def web_acl(resource: PricedResource, ctx: Context) -> Lines:
    rules = len(items(resource.props.get("rules")))
    yield ctx.priced(resource, "web ACL", "fixed", WAF, 1, "ACL-month", "waf.webAcl")
    yield ctx.priced(
        resource, f"{rules} rule(s) and rule groups", "fixed", WAF, rules, "rule-months",
        "waf.rule",
    )  # fmt: skip
    yield ctx.priced(
        resource, "requests inspected", "usage", WAF, ctx.usage.requests_per_month / 1_000_000,
        "million requests", "waf.requests.1m",
    )  # fmt: skip


# --- monitoring -----------------------------------------------------------------------------


def metric_alarm(resource: PricedResource, ctx: Context) -> Lines:
    props = resource.props
    queries = items(props.get("metricQueries"))
    expressions = " ".join(str(q.get("expression") or "") for q in queries)
    if "ANOMALY_DETECTION_BAND" in expressions:
        yield ctx.priced(
            resource, "anomaly-detection alarm", "fixed", CLOUDWATCH, 1, "alarm-months",
            "cloudwatch.alarm.anomalyDetection",
        )  # fmt: skip
        return
    metrics = [q.get("metric") or {} for q in queries if q.get("metric")]
    periods = [number(m.get("period"), 60) for m in metrics] or [number(props.get("period"), 60)]
    count = len(metrics) or 1
    high = min(periods) < 60
    key = "cloudwatch.alarm.highResolutionMetric" if high else "cloudwatch.alarm.standardMetric"
    yield ctx.priced(
        resource, f"alarm on {count} metric(s){' (high resolution)' if high else ''}", "fixed",
        CLOUDWATCH, count, "alarm metric-months", key,
    )  # fmt: skip


composite_alarm = monthly(
    "composite alarm", CLOUDWATCH, "alarm-months", "cloudwatch.alarm.composite"
)


dashboard = monthly("dashboard", CLOUDWATCH, "dashboard-months", "cloudwatch.dashboard")


def _flow_log_groups(ctx: Context) -> set[str]:
    destinations = [
        str(f.props.get("logDestination") or "") for f in ctx.of_type("aws:ec2/flowLog:FlowLog")
    ]
    return {
        g.urn
        for g in ctx.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.props.get("name") and any(f":log-group:{g.props['name']}" in d for d in destinations)
    }


def log_group(resource: PricedResource, ctx: Context) -> Lines:
    """App, database and cache logs share the assumed log GB; a flow-log group stores its own."""
    retention = number(resource.props.get("retentionInDays"), 0) or 3653
    months_kept = retention / (365 / 12)
    flow_groups: set[str] = ctx.memo("flow-log-groups", lambda: _flow_log_groups(ctx))
    if resource.urn in flow_groups:
        gb = ctx.usage.flow_log_gb_per_month / len(flow_groups)
    else:
        others = len(ctx.of_type(resource.type)) - len(flow_groups)
        gb = ctx.usage.log_gb_per_month / max(others, 1)
        yield ctx.priced(
            resource, "log ingestion", "usage", CLOUDWATCH, gb, "GB", "cloudwatch.logs.ingestGb",
        )  # fmt: skip
    stored = gb * ctx.usage.log_compressed_ratio * months_kept
    yield ctx.priced(
        resource, f"log storage ({retention:g}-day retention, compressed, steady state)", "usage",
        CLOUDWATCH, stored, "GB-months", "cloudwatch.logs.storageGb",
    )  # fmt: skip


def _rule_traces(resource: PricedResource, ctx: Context) -> tuple[float, str]:
    props = resource.props
    reservoir = number(props.get("reservoirSize"))
    rate = number(props.get("fixedRate"))
    seconds = ctx.hours * SECONDS_PER_HOUR
    if props.get("urlPath", "*") == "*":
        matched = ctx.origin_requests
        first = min(matched, reservoir * seconds)
        traces = first + rate * (matched - first)
        return traces, f"traces: reservoir {reservoir:g}/s + {rate:.0%} of origin requests"
    return reservoir * seconds, f"traces: reservoir {reservoir:g}/s of {props.get('urlPath')}"


def xray_group(resource: PricedResource, ctx: Context) -> Lines:
    """X-Ray Insights on a group processes the traces recorded (the group itself is free)."""
    insights = resource.props.get("insightsConfiguration") or {}
    if not insights.get("insightsEnabled"):
        return
    recorded: float = ctx.memo(
        "recorded-traces",
        lambda: sum(
            _rule_traces(rule, ctx)[0] for rule in ctx.of_type("aws:xray/samplingRule:SamplingRule")
        ),
    )
    groups: int = ctx.memo(
        "insights-groups",
        lambda: sum(
            1
            for group in ctx.of_type(resource.type)
            if (group.props.get("insightsConfiguration") or {}).get("insightsEnabled")
        ),
    )
    traces = recorded / max(groups, 1)  # the stack's traces, shared over its Insights groups
    yield ctx.priced(
        resource, "X-Ray Insights: the recorded traces it processes", "usage", XRAY,
        traces / 1_000_000, "million traces", "xray.insights.1m",
    )  # fmt: skip


def sampling_rule(resource: PricedResource, ctx: Context) -> Lines:
    """Traces recorded: the reservoir (per second, fleet-wide), then the fixed rate of the rest.

    A rule for every path ("*") sees the origin requests; a narrower rule (health checks) sees
    an unknown share, priced at its reservoir alone.
    """
    traces, item = _rule_traces(resource, ctx)
    if traces <= 0:
        return
    yield ctx.priced(
        resource, item, "usage", XRAY, traces / 1_000_000, "million traces", "xray.traces.1m",
    )  # fmt: skip


def rum_monitor(resource: PricedResource, ctx: Context) -> Lines:
    config = resource.props.get("appMonitorConfiguration") or {}
    rate = number(config.get("sessionSampleRate"), 0.1)
    views = ctx.usage.page_views_per_month * rate
    events = views * ctx.usage.rum_events_per_page_view
    yield ctx.priced(
        resource, f"RUM events ({rate:.0%} of page views)", "usage", CLOUDWATCH, events / 100_000,
        "100k events", "cloudwatch.rum.100k",
    )  # fmt: skip
    if config.get("enableXray"):
        traces = views * ctx.usage.rum_traces_per_page_view
        yield ctx.priced(
            resource, "X-Ray traces of the sampled page views (enableXray)", "usage", XRAY,
            traces / 1_000_000, "million traces", "xray.traces.1m",
        )  # fmt: skip


# --- security and storage -------------------------------------------------------------------


def kms_key(resource: PricedResource, ctx: Context) -> Lines:
    """$1 a month, and $1 more for each of the key's first two rotations (later ones are free).

    A replica key rotates with its primary: priced as rotating (its primary's setting is not
    among its inputs).
    """
    yield ctx.priced(
        resource, "customer managed key", "fixed", KMS, 1, "key-months", "kms.key",
    )  # fmt: skip
    replica = resource.type == "aws:kms/replicaKey:ReplicaKey"
    if not (replica or resource.props.get("enableKeyRotation")):
        return
    cap = number(ctx.table.price("kms.rotation").extra.get("maximumBilledRotations"), 2)
    period = number(resource.props.get("rotationPeriodInDays"), 365) or 365
    age = ctx.scenario.key_age_days
    rotations = cap if age is None else min(math.floor(age / period), cap)
    if rotations > 0:
        yield ctx.priced(
            resource, f"{rotations:g} rotation(s) of its key material so far ({period:g}-day)",
            "fixed", KMS, rotations, "rotation-months", "kms.rotation",
        )  # fmt: skip


def secret(resource: PricedResource, ctx: Context) -> Lines:
    yield ctx.priced(
        resource, "secret", "fixed", SECRETS, 1, "secret-months", "secretsmanager.secret",
    )  # fmt: skip
    if resource is ctx.of_type(resource.type)[0]:  # the stack's API calls, once
        yield ctx.priced(
            resource, "the stack's Secrets Manager API calls", "usage", SECRETS,
            ctx.usage.secret_api_calls_per_month / 10_000, "10k calls", "secretsmanager.api.10k",
        )  # fmt: skip


def stored(
    label: str, category: Category, price_key: str, assumed: Callable[[UsageAssumptions], float]
) -> Pricer:
    """A pricer for storage: the stack's assumed GB (`assumed` of the usage) shared evenly
    over the resources of the type (the log buckets, the image repositories)."""

    def price(resource: PricedResource, ctx: Context) -> Lines:
        share = assumed(ctx.usage) / max(len(ctx.of_type(resource.type)), 1)
        yield ctx.priced(resource, label, "usage", category, share, "GB-months", price_key)

    return price


bucket = stored("stored objects (access logs)", S3, "s3.standard.gb", lambda u: u.log_bucket_gb)
ecr_repository = stored("image storage", ECR, "ecr.storage.gb", lambda u: u.image_storage_gb)


READ_TYPES = frozenset(
    {
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:appautoscaling/target:Target",
        "aws:cloudwatch/logDeliverySource:LogDeliverySource",
        "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
    }
)
"""Types no pricer prices but pricers read (a service's task size and scaling range, where
a log delivery comes from and goes to)."""

PRICERS: dict[str, Pricer] = {
    "aws:rds/instance:Instance": rds_instance,
    "aws:rds/proxy:Proxy": rds_proxy,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        rds_backup_replication
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": elasticache_group,
    "aws:elasticache/cluster:Cluster": elasticache_cluster,
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/eip:Eip": elastic_ip,
    "awsx:ec2:Vpc": awsx_vpc,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": flow_log,
    "aws:lb/loadBalancer:LoadBalancer": load_balancer,
    "aws:ecs/service:Service": ecs_service,
    "aws:ecs/cluster:Cluster": ecs_cluster,
    "aws:appautoscaling/policy:Policy": scaling_policy,
    "aws:cloudfront/function:Function": cloudfront_function,
    "aws:cloudwatch/logDelivery:LogDelivery": log_delivery,
    "aws:xray/group:Group": xray_group,
    "aws:cloudfront/distribution:Distribution": distribution,
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": monitoring_subscription,
    "aws:wafv2/webAcl:WebAcl": web_acl,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:xray/samplingRule:SamplingRule": sampling_rule,
    "aws:rum/appMonitor:AppMonitor": rum_monitor,
    "aws:kms/key:Key": kms_key,
    "aws:kms/replicaKey:ReplicaKey": kms_key,
    "aws:secretsmanager/secret:Secret": secret,
    "aws:lambda/function:Function": lambda_function,
    "aws:s3/bucket:Bucket": bucket,
    "aws:s3/bucketV2:BucketV2": bucket,
    "aws:ecr/repository:Repository": ecr_repository,
}
