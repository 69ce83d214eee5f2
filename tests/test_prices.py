"""The price table as evidence: every price read, sourced and dated; every `free` reason true.

A price no pricer reads is dead weight a reviewer still has to confirm; a `free` entry whose
reason the stack's options contradict hides a bill (Container Insights in enhanced mode, X-Ray
Insights, the alarms of target-tracking policies...). These tests fail on either.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from estimate import PricedResource, estimate_resources
from estimate.pricers import PRICERS
from foundation.prices import (
    PRICE_FILE,
    PriceTableError,
    free_tiers,
    load_price_table,
    parse_price_table,
)
from foundation.records import StackRun
from foundation.usage import UsageAssumptions

ROOT = Path(__file__).resolve().parent.parent
TABLE = load_price_table()
PRICER_SOURCE = (ROOT / "estimate" / "pricers.py").read_text()


# --- every price is read ---------------------------------------------------------------------


def _read_keys(source: str) -> tuple[set[str], set[str]]:
    """Price keys the pricers name literally, and the prefixes of the keys they build from a
    size or an option (f"rds.instance.{instance_class}")."""
    literals = set(re.findall(r'"([a-z0-9]+(?:\.[A-Za-z0-9_]+)+)"', source))
    prefixes = set(re.findall(r'f"([a-z0-9]+\.[A-Za-z0-9_.]*?)\{', source))
    return literals, prefixes


def dead_prices(keys: list[str], source: str) -> list[str]:
    literals, prefixes = _read_keys(source)
    return [k for k in keys if k not in literals and not k.startswith(tuple(prefixes))]


def test_every_price_entry_is_read_by_some_pricer() -> None:
    assert dead_prices(sorted(TABLE.prices), PRICER_SOURCE) == []


def test_the_dead_price_check_finds_an_entry_nobody_reads() -> None:
    keys = [*TABLE.prices, "rds.backup.storage", "cloudfront.somethingElse.gb"]
    assert dead_prices(keys, PRICER_SOURCE) == ["rds.backup.storage", "cloudfront.somethingElse.gb"]
    # A family a pricer builds from a size counts only under its own prefix.
    assert dead_prices(["rds.instance.db.x9.huge", "rds.instanceX"], PRICER_SOURCE) == [
        "rds.instanceX"
    ]


def test_every_free_tier_names_prices_that_exist() -> None:
    for tier in free_tiers():
        assert tier.quantity > 0 and tier.source.startswith("https://aws.amazon.com/")
        assert [k for k in tier.price_keys if not TABLE.has(k)] == [], tier.name


# --- every price has evidence ----------------------------------------------------------------


def test_every_price_names_its_pricing_page_date_and_basis() -> None:
    for price in TABLE.prices.values():
        assert re.fullmatch(r"https://aws\.amazon\.com/[a-z0-9/-]+/pricing/", price.source), (
            price.key
        )
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", price.read), price.key
        assert price.basis in ("page", "knowledge"), price.key


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("basis", None, "prices.kms.key.basis: got None; expected one of page, knowledge"),
        ("basis", "a blog", "prices.kms.key.basis: got 'a blog'"),
        ("source", "https://example.com/prices", "prices.kms.key.source: got"),
        ("source", "https://aws.amazon.com/kms/pricing", "prices.kms.key.source: got"),
    ],
)
def test_a_price_without_a_page_or_a_basis_is_refused_naming_the_key(
    field: str, value: object, message: str
) -> None:
    document = json.loads(PRICE_FILE.read_text())
    if value is None:
        del document["prices"]["kms.key"][field]
    else:
        document["prices"]["kms.key"][field] = value
    with pytest.raises(PriceTableError) as caught:
        parse_price_table(document)
    assert message in str(caught.value)


def test_rds_t4g_prices_double_with_each_size_and_stay_below_the_general_purpose_class() -> None:
    """The corrected db.t4g figures are one region's ladder: each size is twice the one below
    (AWS prices T4g linearly), and a burstable class costs less than db.m7g of the same size."""
    ladder = ["micro", "small", "medium", "large", "xlarge"]
    hourly = [TABLE.usd(f"rds.instance.db.t4g.{size}") for size in ladder]
    for smaller, larger in itertools.pairwise(hourly):
        assert larger == pytest.approx(2 * smaller)
    assert TABLE.usd("rds.instance.db.t4g.large") < TABLE.usd("rds.instance.db.m7g.large")
    assert TABLE.usd("rds.instance.db.t4g.xlarge") < TABLE.usd("rds.instance.db.m7g.xlarge")


# --- every `free` reason is true for the options the stacks use ------------------------------

BillingOption = Callable[[Mapping[str, Any]], bool]


def _setting(props: Mapping[str, Any], name: str) -> str:
    for entry in props.get("settings") or ():
        if entry.get("name") == name:
            return str(entry.get("value"))
    return "disabled"


BILLED_WHEN: dict[str, tuple[str, BillingOption, dict[str, Any]]] = {
    "aws:ecs/cluster:Cluster": (
        "Container Insights (standard or enhanced) is billed",
        lambda p: _setting(p, "containerInsights") in ("enabled", "enhanced"),
        {"name": "c", "settings": [{"name": "containerInsights", "value": "enhanced"}]},
    ),
    "aws:xray/group:Group": (
        "X-Ray Insights on a group is billed per trace processed",
        lambda p: bool((p.get("insightsConfiguration") or {}).get("insightsEnabled")),
        {"insightsConfiguration": {"insightsEnabled": True}},
    ),
    "aws:appautoscaling/policy:Policy": (
        "a target-tracking policy creates CloudWatch alarms, billed as alarms",
        lambda p: p.get("policyType") == "TargetTrackingScaling",
        {
            "policyType": "TargetTrackingScaling",
            "targetTrackingScalingPolicyConfiguration": {
                "predefinedMetricSpecification": {"predefinedMetricType": "X"}
            },
        },
    ),
    "aws:cloudfront/function:Function": (
        "CloudFront Functions are billed per invocation",
        lambda p: True,
        {"runtime": "cloudfront-js-2.0"},
    ),
    "aws:cloudwatch/logDelivery:LogDelivery": (
        "CloudFront standard logs (v2) are billed as vended logs",
        lambda p: True,
        {
            "deliverySourceName": "src",
            "deliveryDestinationArn": "arn:aws:logs:us-east-1:1:delivery-destination:dst",
        },
    ),
    "aws:rds/instance:Instance": (
        "Enhanced Monitoring writes billed CloudWatch Logs",
        lambda p: float(p.get("monitoringInterval") or 0) > 0,
        {"instanceClass": "db.t4g.micro", "allocatedStorage": 20, "monitoringInterval": 60},
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "snapshots beyond the first are billed storage",
        lambda p: float(p.get("snapshotRetentionLimit") or 0) > 1,
        {"engine": "valkey", "nodeType": "cache.t4g.micro", "snapshotRetentionLimit": 7},
    ),
    "aws:rum/appMonitor:AppMonitor": (
        "RUM with enableXray records billed X-Ray traces",
        lambda p: bool((p.get("appMonitorConfiguration") or {}).get("enableXray")),
        {"appMonitorConfiguration": {"enableXray": True, "sessionSampleRate": 1}},
    ),
    "aws:secretsmanager/secret:Secret": (
        "Secrets Manager API calls are billed",
        lambda p: True,
        {},
    ),
}
"""Options AWS bills that an earlier table priced as free: (what, the option is on, props with
the option on). From the pricing pages (from knowledge): CloudWatch (Container Insights,
alarms, vended logs, RUM), X-Ray (Insights), CloudFront (Functions), ElastiCache (backup
storage), Secrets Manager (API calls)."""

LOG_DELIVERY_PARTS = [
    PricedResource(
        "urn:src",
        "aws:cloudwatch/logDeliverySource:LogDeliverySource",
        "src",
        {"name": "src", "resourceArn": "arn:aws:cloudfront::1:distribution/E1"},
    ),
    PricedResource(
        "urn:dst",
        "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
        "dst",
        {
            "name": "dst",
            "deliveryDestinationConfiguration": {"destinationResourceArn": "arn:aws:s3:::b"},
        },
    ),
]


FREE_UNLESS: dict[str, tuple[str, BillingOption]] = {
    "aws:route53/record:Record": (
        "queries to a non-alias record are billed",
        lambda p: not p.get("aliases"),
    ),
    "aws:cloudwatch/eventRule:EventRule": (
        "events on a custom event bus are billed",
        lambda p: p.get("eventBusName") not in (None, "default"),
    ),
    "aws:sns/topic:Topic": ("FIFO topics bill every publish", lambda p: bool(p.get("fifoTopic"))),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (
        "EC2 capacity providers run billed instances",
        lambda p: bool(set(p.get("capacityProviders") or ()) - {"FARGATE", "FARGATE_SPOT"}),
    ),
    "aws:budgets/budget:Budget": (
        "budget actions beyond the first two budgets are billed",
        lambda p: False,  # actions are aws:budgets/budgetAction resources: neither priced nor free
    ),
    "aws:lb/listenerRule:ListenerRule": (
        "rule evaluations beyond 10 a request are billed in LCUs",
        lambda p: len(p.get("conditions") or ()) > 10,
    ),
}
"""Free types whose reason holds only for some options: (what AWS bills, the option is on)."""


def test_the_free_reasons_hold_for_the_options_the_stacks_use(each_stack: StackRun) -> None:
    """Each free type with a billed option is free in the stack because the option is off."""
    assert set(FREE_UNLESS) <= set(TABLE.free)
    billed = [
        (r.type, r.name, FREE_UNLESS[r.type][0])
        for r in each_stack.resources
        if r.type in FREE_UNLESS and FREE_UNLESS[r.type][1](r.inputs)
    ]
    assert billed == []
    used = {r.type for r in each_stack.resources} & set(FREE_UNLESS)
    assert used, "the check judges some of the stack's free resources"


@pytest.mark.parametrize(
    ("type_", "props"),
    [
        ("aws:route53/record:Record", {"type": "A", "records": ["1.2.3.4"]}),
        ("aws:cloudwatch/eventRule:EventRule", {"eventBusName": "orders"}),
        ("aws:sns/topic:Topic", {"fifoTopic": True}),
    ],
)
def test_the_free_reason_check_catches_a_billed_option(type_: str, props: dict) -> None:
    assert FREE_UNLESS[type_][1](props)


def test_no_free_type_is_one_whose_options_aws_bills() -> None:
    assert sorted(set(BILLED_WHEN) & set(TABLE.free)) == []
    assert [t for t in TABLE.free.values() if "not modelled" in t] == []


def test_the_stacks_free_resources_use_no_billed_option(each_stack: StackRun) -> None:
    """A free entry's reason holds for the options the stack registers (none is in BILLED_WHEN;
    the types that are stay priced, so an option switched on becomes a line)."""
    contradicted = [
        (r.type, r.name)
        for r in each_stack.resources
        if r.type in TABLE.free and r.type in BILLED_WHEN and BILLED_WHEN[r.type][1](r.inputs)
    ]
    assert contradicted == []


@pytest.mark.parametrize("type_", sorted(BILLED_WHEN))
def test_a_billed_option_becomes_a_line_and_switching_it_off_removes_it(type_: str) -> None:
    what, billed, props = BILLED_WHEN[type_]
    assert billed(props), what
    extra = LOG_DELIVERY_PARTS if "logDelivery" in type_ else []
    rules = [
        PricedResource(
            "urn:rule",
            "aws:xray/samplingRule:SamplingRule",
            "rule",
            {"urlPath": "*", "reservoirSize": 1, "fixedRate": 0.05},
        )
    ]
    services = [
        PricedResource(
            "urn:td",
            "aws:ecs/taskDefinition:TaskDefinition",
            "td",
            {"family": "f", "cpu": "256", "memory": "512"},
        ),
        PricedResource(
            "urn:svc",
            "aws:ecs/service:Service",
            "svc",
            {"cluster": "arn:aws:ecs:r:1:cluster/c", "desiredCount": 2, "taskDefinition": "x"},
            dependencies=("urn:td",),
        ),
    ]
    usage = UsageAssumptions(requests_per_month=10_000_000)
    on = PricedResource("urn:it", type_, "it", props)
    lines = estimate_resources([on, *extra, *rules, *services], usage).lines
    assert [line for line in lines if line.resource == "it" and line.monthly_usd > 0], what
    option_off = {
        "aws:ecs/cluster:Cluster": {
            "settings": [{"name": "containerInsights", "value": "disabled"}]
        },
        "aws:xray/group:Group": {"insightsConfiguration": {"insightsEnabled": False}},
        "aws:appautoscaling/policy:Policy": {"policyType": "StepScaling"},
        "aws:rds/instance:Instance": {"monitoringInterval": 0},
        "aws:elasticache/replicationGroup:ReplicationGroup": {"snapshotRetentionLimit": 1},
        "aws:rum/appMonitor:AppMonitor": {
            "appMonitorConfiguration": {"enableXray": False, "sessionSampleRate": 1}
        },
    }.get(type_)
    if option_off is None:
        return  # billed whatever its options (Functions, v2 log delivery, API calls)
    off = PricedResource("urn:it", type_, "it", {**props, **option_off})
    assert not billed(off.props)
    before = {line.item for line in lines if line.resource == "it"}
    after = {
        line.item
        for line in estimate_resources([off, *extra, *rules, *services], usage).lines
        if line.resource == "it"
    }
    assert before - after, f"{type_}: switching the option off removed no line"


def test_a_log_delivery_to_an_unknown_destination_is_not_priced_as_free() -> None:
    delivery = PricedResource(
        "urn:it",
        "aws:cloudwatch/logDelivery:LogDelivery",
        "it",
        {
            "deliverySourceName": "src",
            "deliveryDestinationArn": "arn:aws:logs:us-east-1:1:delivery-destination:elsewhere",
        },
    )
    estimate = estimate_resources([delivery, *LOG_DELIVERY_PARTS])
    assert [u.resource for u in estimate.unpriced] == ["it"]


def test_a_type_listed_as_priced_without_a_pricer_is_unpriced_not_dropped() -> None:
    document = json.loads(PRICE_FILE.read_text())
    document["priced"]["aws:fsx/fileSystem:FileSystem"] = "per GB"
    table = parse_price_table(document)
    resource = PricedResource("urn:fs", "aws:fsx/fileSystem:FileSystem", "fs", {})
    estimate = estimate_resources([resource], table=table)
    assert [str(u) for u in estimate.unpriced] == ["aws:fsx/fileSystem:FileSystem fs: no pricer"]
    assert "aws:fsx/fileSystem:FileSystem" not in PRICERS
