"""The cost estimate: every registered type priced or free, hand-priced sums, size deltas."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from estimate import PricedResource, estimate_resources, estimate_run
from estimate.pricers import PRICERS
from estimate.stack import home_region
from foundation.capacity import RDS_MEMORY_GIB
from foundation.endpoints import INTERFACE_SERVICES
from foundation.prices import PriceTableError, load_price_table, parse_price_table
from foundation.records import StackRun, stack_index
from foundation.usage import UsageAssumptions
from settings import SettingsError, settings_from_config
from tests.test_settings import config_with
from tools.offline.cost import usage_of
from tools.offline.runner import cached_run, run_stack

ROOT = Path(__file__).resolve().parent.parent
TABLE = load_price_table()
HOURS = TABLE.hours_per_month


# --- the table ------------------------------------------------------------------------------


def test_every_registered_type_has_a_price_or_a_free_entry(each_stack: StackRun) -> None:
    missing = sorted({r.type for r in each_stack.resources if TABLE.coverage(r.type) is None})
    assert missing == [], f"add these to foundation/prices.json (priced or free): {missing}"
    assert estimate_run(each_stack, usage_of(each_stack)).unpriced == ()


def test_the_table_says_how_each_priced_type_is_priced_and_a_pricer_does_it() -> None:
    assert set(TABLE.priced) == set(PRICERS)
    assert not set(TABLE.free) & set(PRICERS)


def test_every_price_names_its_source_and_the_date_it_was_read() -> None:
    for price in TABLE.prices.values():
        assert price.source.startswith("https://aws.amazon.com/"), price.key
        assert price.read and price.unit, price.key


def test_a_price_without_a_source_is_refused_naming_the_key() -> None:
    document = json.loads((ROOT / "foundation" / "prices.json").read_text())
    del document["prices"]["kms.key"]["source"]
    document["prices"]["waf.rule"]["read"] = "last week"
    with pytest.raises(PriceTableError) as caught:
        parse_price_table(document)
    assert "prices.kms.key.source: missing" in str(caught.value)
    assert "prices.waf.rule.read: got 'last week'" in str(caught.value)


def test_every_size_the_settings_or_the_cost_pack_allow_has_a_price() -> None:
    classes, nodes = set(RDS_MEMORY_GIB), set()
    for path in (ROOT / "policies" / "config").glob("*.cost.json"):
        config = json.loads(path.read_text())
        classes |= set(config["rds-instance-class-allowed"]["allowedInstanceClasses"])
        nodes |= set(config["elasticache-node-type-allowed"]["allowedNodeTypes"])
    assert [c for c in sorted(classes) if not TABLE.has(f"rds.instance.{c}")] == []
    for engine in ("valkey", "redis"):
        assert [n for n in sorted(nodes) if not TABLE.has(f"elasticache.node.{engine}.{n}")] == []


# --- a small stack priced by hand -----------------------------------------------------------

HAND_TABLE = {
    "region": "eu-west-1",
    "currency": "USD",
    "hoursPerMonth": 100,
    "read": "2025-01",
    "priced": {t: "" for t in PRICERS},
    "free": {"aws:ecs/taskDefinition:TaskDefinition": "read for the service"},
    "prices": {
        key: {
            "usd": usd,
            "unit": "u",
            "source": "https://aws.amazon.com/x/pricing/",
            "read": "2025-01",
            "basis": "knowledge",
        }
        for key, usd in {
            "rds.instance.db.t4g.micro": 1.0,
            "rds.multiAzInstanceFactor": 2,
            "rds.storage.gp3.multiAz": 0.5,
            "secretsmanager.secret": 3.0,
            "elasticache.node.valkey.cache.t4g.micro": 0.25,
            "vpc.natGateway.hour": 0.5,
            "vpc.natGateway.gb": 0.1,
            "vpc.publicIpv4.hour": 0.01,
            "elb.alb.hour": 0.2,
            "elb.alb.lcu": 1.0,
            "elb.lcu.newConnectionsPerSecond": 25,
            "elb.lcu.processedGbPerHour": 1,
            "fargate.ARM64.vcpu": 0.04,
            "fargate.ARM64.gb": 0.005,
            "kms.key": 1.0,
            "cloudwatch.customMetric": 0.3,
        }.items()
    },
}
HAND_TABLE["prices"]["rds.instance.db.t4g.micro"]["vcpus"] = 2


def small_stack(**db_changes: object) -> list[PricedResource]:
    def res(type_: str, name: str, **props: object) -> PricedResource:
        return PricedResource(f"urn:{name}", type_, name, props)

    return [
        res(
            "aws:rds/instance:Instance",
            "db",
            **{
                "instanceClass": "db.t4g.micro",
                "multiAz": True,
                "storageType": "gp3",
                "allocatedStorage": 20,
                "manageMasterUserPassword": True,
                **db_changes,
            },
        ),
        res(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "cache",
            engine="valkey",
            nodeType="cache.t4g.micro",
            numCacheClusters=2,
        ),
        res("awsx:ec2:Vpc", "vpc", natGateways={"strategy": "Single"}, numberOfAvailabilityZones=2),
        res(
            "aws:lb/loadBalancer:LoadBalancer",
            "alb",
            loadBalancerType="application",
            internal=False,
            subnets=["a", "b"],
        ),
        res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "task",
            family="app",
            cpu="512",
            memory="1024",
            runtimePlatform={"cpuArchitecture": "ARM64"},
        ),
        res(
            "aws:ecs/service:Service",
            "service",
            desiredCount=2,
            taskDefinition="arn:aws:ecs:eu-west-1:1:task-definition/app:3",
        ),
        res("aws:kms/key:Key", "key"),
    ]


QUIET = UsageAssumptions(
    requests_per_month=0, gb_served_per_month=0, nat_gb_per_month=30, custom_metrics=0
)


def test_a_small_stack_priced_by_hand_equals_the_estimate() -> None:
    table = parse_price_table(HAND_TABLE)
    estimate = estimate_resources(small_stack(), QUIET, table)
    by_hand = (
        100 * 1.0 * 2  # db.t4g.micro Multi-AZ: 100 h x $1 x 2
        + 20 * 0.5  # 20 GB gp3 Multi-AZ
        + 3.0  # the RDS-managed master secret
        + 2 * 100 * 0.25  # two Valkey nodes
        + 100 * 0.5
        + 100 * 0.01
        + 30 * 0.1  # one NAT gateway, its IPv4 address, 30 GB
        + 100 * 0.2
        + 2 * 100 * 0.01  # ALB hours, two public IPv4 addresses (two subnets)
        + 2 * 100 * (0.5 * 0.04 + 1.0 * 0.005)  # two 0.5 vCPU / 1 GB ARM64 tasks
        + 20 * 2 * (10 / 60) * (0.5 * 0.04 + 1.0 * 0.005)  # 20 rolling deploys: 2 more, 10 min
        + 1.0  # one KMS key
    )
    assert estimate.unpriced == ()
    assert estimate.total == pytest.approx(by_hand)
    deploys = 20 * 2 * (10 / 60) * (0.5 * 0.04 + 1.0 * 0.005)
    assert estimate.total_of("usage") == pytest.approx(30 * 0.1 + deploys)  # NAT GB, deploys


def test_a_size_missing_from_the_table_is_listed_not_guessed() -> None:
    table = parse_price_table(HAND_TABLE)
    estimate = estimate_resources(small_stack(instanceClass="db.x9.huge"), QUIET, table)
    assert [str(u) for u in estimate.unpriced] == [
        "aws:rds/instance:Instance db: no price for rds.instance.db.x9.huge"
    ]


def test_counts_come_from_the_records() -> None:
    def res(type_: str, name: str, **props: object) -> PricedResource:
        return PricedResource(f"urn:{name}", type_, name, props)

    endpoints = [
        res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "ecr-api",
            vpcEndpointType="Interface",
            serviceName="com.amazonaws.eu-west-1.ecr.api",
            subnetIds=["a", "b", "c"],
        ),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", vpcEndpointType="Gateway"),
        res("aws:ec2/natGateway:NatGateway", "nat-a"),
        res("aws:ec2/natGateway:NatGateway", "nat-b"),
        res("awsx:ec2:Vpc", "vpc", natGateways={"strategy": "OnePerAz"}),
        res("aws:lb/loadBalancer:LoadBalancer", "alb", internal=True, subnets=["a", "b"]),
    ]
    estimate = estimate_resources(endpoints, UsageAssumptions(endpoint_gb_per_month=0))
    fixed = {(line.resource, line.item): line.quantity for line in estimate.lines}
    assert fixed[("ecr-api", "api interface endpoint in 3 AZ(s)")] == 3 * HOURS
    assert not [line for line in estimate.lines if line.resource == "s3"]  # gateway: free
    nat = [line for line in estimate.lines if line.item.endswith("NAT gateway(s)")]
    assert [(line.resource, line.quantity) for line in nat] == [("nat-a", 2 * HOURS)]
    assert not [line for line in estimate.lines if "IPv4" in line.item and line.resource == "alb"]


def test_traces_are_the_reservoir_then_the_fixed_rate_of_the_origin_requests() -> None:
    rule = PricedResource(
        "urn:rule",
        "aws:xray/samplingRule:SamplingRule",
        "rule",
        {"urlPath": "*", "reservoirSize": 1, "fixedRate": 0.1},
    )
    seconds = HOURS * 3600
    usage = UsageAssumptions(requests_per_month=10 * seconds, cdn_cache_hit_percent=50)
    (line,) = estimate_resources([rule], usage).lines
    origin = 5 * seconds
    assert line.quantity == pytest.approx((seconds + 0.1 * (origin - seconds)) / 1e6)


# --- the real program: size changes move the estimate by the table's difference -------------


def _total(section: str | None = None, key: str = "", value: object = None) -> float:
    if section is None:
        run = cached_run("staging")  # the stack file as committed: the session's shared run
    else:
        run = run_stack("staging", config=config_with("staging", section, **{key: value}))
    return estimate_run(run, usage_of(run)).total


@pytest.fixture(scope="module")
def staging_base() -> float:
    return _total()


def test_instance_class_moves_the_estimate_by_the_hourly_difference(staging_base: float) -> None:
    larger = _total("database", "instanceClass", "db.t4g.large")
    step = TABLE.usd("rds.instance.db.t4g.large") - TABLE.usd("rds.instance.db.t4g.medium")
    assert larger - staging_base == pytest.approx(step * HOURS)


def test_cache_nodes_move_the_estimate_by_one_node(staging_base: float) -> None:
    more = _total("cache", "nodes", 2)
    node = TABLE.usd("elasticache.node.valkey.cache.t4g.micro") * HOURS
    # The cache alarms read one metric per node: five alarms gain a metric each.
    alarm_metric = TABLE.usd("cloudwatch.alarm.standardMetric")
    assert more - staging_base == pytest.approx(node + 5 * alarm_metric)


def test_multi_az_doubles_the_instance_and_its_storage_price(staging_base: float) -> None:
    multi = _total("database", "multiAz", True)
    instance = TABLE.usd("rds.instance.db.t4g.medium")
    factor = TABLE.usd("rds.multiAzInstanceFactor")
    storage = TABLE.usd("rds.storage.gp3.multiAz") - TABLE.usd("rds.storage.gp3.singleAz")
    assert multi - staging_base == pytest.approx(instance * (factor - 1) * HOURS + 20 * storage)


def test_a_nat_gateway_per_az_adds_a_gateway_and_its_address(staging_base: float) -> None:
    """Staging has 2 AZs and one NAT; per AZ adds a gateway with its address, and the interface
    endpoints follow the NAT layout (one AZ with one NAT, every AZ with one per AZ)."""
    per_az = _total("network", "natGateways", "one-per-az")
    nat = TABLE.usd("vpc.natGateway.hour") + TABLE.usd("vpc.publicIpv4.hour")
    endpoint_az = TABLE.usd("vpc.interfaceEndpoint.hour") * len(INTERFACE_SERVICES)
    assert per_az - staging_base == pytest.approx((nat + endpoint_az) * HOURS)


def test_average_tasks_outside_min_and_max_is_refused_naming_the_range() -> None:
    config = config_with("prod", "usage", averageTasks=40)
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    assert caught.value.problems == [
        "perfcheck:usage.averageTasks: got 40; expected a count between service.minTasks (3) "
        "and service.maxTasks (12)"
    ]
    config = config_with("prod", "usage", requestsPerMonth="lots")
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    assert caught.value.problems == [
        'perfcheck:usage.requestsPerMonth: got "lots"; expected a number'
    ]


def test_the_prices_note_names_the_region_the_stack_runs_in(each_stack: StackRun) -> None:
    """Property: the estimate is compared with the stack's own region (its `aws:region`), not
    with any region some resource names (a set's first member varied with the hash seed)."""
    assert home_region(each_stack) == each_stack.config["aws:region"]
    index = stack_index(each_stack)
    named = {index.region_of(r) for r in each_stack.resources if r.provider} - {None}
    assert len(named) > 1, "resources in another region too: the property is exercised"
    moved = replace(each_stack, config={**each_stack.config, "aws:region": "ap-south-1"})
    assert home_region(moved) == "ap-south-1"


def test_without_a_configured_region_the_most_named_region_wins() -> None:
    """Property: the fallback is deterministic: the region most resources name, ties by name."""
    run = cached_run("staging")  # the session's shared run: `replace` leaves it as it was
    bare = replace(run, config={k: v for k, v in run.config.items() if k != "aws:region"})
    assert home_region(bare) == "eu-west-1"
