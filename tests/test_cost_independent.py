"""The estimator against an independent calculation, the way AWS's pricing pages work examples.

Each row is a small set of resources whose monthly cost is computed here by hand, following the
worked examples of AWS's pricing pages (NAT gateway: hours plus GB processed; ALB: hours plus
LCU-hours at the largest dimension; Secrets Manager: secrets plus API calls per 10,000; KMS: $1
plus $1 for each of the first two rotations; RDS: instance hours times two for Multi-AZ plus
storage), with eu-west-1 prices typed in below independently of foundation/prices.json (from
knowledge, 2026-12-07). The estimator must agree within 5 % per AWS service.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from estimate import YEAR_3, PricedResource, Scenario, estimate_resources
from estimate.model import EXPECTED
from foundation.usage import UsageAssumptions

HOURS = 730
EU_WEST_1 = {
    "nat_hour": 0.048,
    "nat_gb": 0.048,
    "ipv4_hour": 0.005,
    "alb_hour": 0.0252,
    "lcu_hour": 0.008,
    "secret": 0.40,
    "secret_10k_calls": 0.05,
    "kms_key": 1.00,
    "rds_t4g_medium": 0.068,
    "rds_gp3_multi_az_gb": 0.254,
    "valkey_t4g_medium": 0.0584,
    "fargate_arm_vcpu": 0.03238,
    "fargate_arm_gb": 0.00356,
}
"""eu-west-1 on-demand list prices, typed here by hand (not read from the price table)."""
P = EU_WEST_1


def res(type_: str, name: str, **props: object) -> PricedResource:
    return PricedResource(f"urn:{name}", type_, name, props)


Row = tuple[str, list[PricedResource], UsageAssumptions, Scenario, dict[str, float]]


def _rows() -> list[Row]:
    quiet = UsageAssumptions(requests_per_month=0, deploys_per_month=0, custom_metrics=0)
    # ALB example: 25 new connections a second is one LCU (the connections dimension leads).
    lcu_requests = 25 * HOURS * 3600 / 0.2  # 20 % of viewer requests reach the origin
    alb_usage = UsageAssumptions(
        requests_per_month=lcu_requests, gb_served_per_month=0, cdn_cache_hit_percent=80
    )
    return [
        (
            "NAT gateway: 730 hours and 100 GB processed",
            [res("awsx:ec2:Vpc", "vpc", natGateways={"strategy": "Single"})],
            UsageAssumptions(nat_gb_per_month=100),
            EXPECTED,
            {
                "EC2 - Other": HOURS * P["nat_hour"] + 100 * P["nat_gb"],
                "Amazon Virtual Private Cloud": HOURS * P["ipv4_hour"],
            },
        ),
        (
            "internal ALB at one LCU",
            [res("aws:lb/loadBalancer:LoadBalancer", "alb", internal=True, subnets=["a", "b"])],
            alb_usage,
            EXPECTED,
            {"Amazon Elastic Load Balancing": HOURS * (P["alb_hour"] + 1 * P["lcu_hour"])},
        ),
        (
            "Secrets Manager: 3 secrets and 30,000 API calls",
            [res("aws:secretsmanager/secret:Secret", f"s{i}") for i in range(3)],
            UsageAssumptions(secret_api_calls_per_month=30_000),
            EXPECTED,
            {"AWS Secrets Manager": 3 * P["secret"] + 3 * P["secret_10k_calls"]},
        ),
        (
            "KMS: a yearly-rotated key in year 3 (two rotations billed)",
            [res("aws:kms/key:Key", "k", enableKeyRotation=True, rotationPeriodInDays=365)],
            quiet,
            YEAR_3,
            {"AWS Key Management Service": P["kms_key"] * 3},
        ),
        (
            "RDS for PostgreSQL db.t4g.medium Multi-AZ, 100 GB gp3",
            [
                res(
                    "aws:rds/instance:Instance",
                    "db",
                    instanceClass="db.t4g.medium",
                    multiAz=True,
                    storageType="gp3",
                    allocatedStorage=100,
                )
            ],
            quiet,
            EXPECTED,
            {
                "Amazon Relational Database Service": HOURS * P["rds_t4g_medium"] * 2
                + 100 * P["rds_gp3_multi_az_gb"]
            },
        ),
        (
            "ElastiCache Valkey: two cache.t4g.medium nodes",
            [
                res(
                    "aws:elasticache/replicationGroup:ReplicationGroup",
                    "cache",
                    engine="valkey",
                    nodeType="cache.t4g.medium",
                    numCacheClusters=2,
                )
            ],
            quiet,
            EXPECTED,
            {"Amazon ElastiCache": 2 * HOURS * P["valkey_t4g_medium"]},
        ),
        (
            "Fargate: three 1 vCPU / 2 GB ARM64 tasks all month",
            [
                res(
                    "aws:ecs/taskDefinition:TaskDefinition",
                    "td",
                    family="f",
                    cpu="1024",
                    memory="2048",
                    runtimePlatform={"cpuArchitecture": "ARM64"},
                ),
                res(
                    "aws:ecs/service:Service",
                    "svc",
                    desiredCount=3,
                    taskDefinition="arn:aws:ecs:r:1:task-definition/f:1",
                ),
            ],
            quiet,
            EXPECTED,
            {
                "Amazon Elastic Container Service": 3
                * HOURS
                * (1 * P["fargate_arm_vcpu"] + 2 * P["fargate_arm_gb"])
            },
        ),
    ]


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_the_estimator_agrees_with_the_hand_calculation_within_5_percent_per_service(
    row: Row,
) -> None:
    _, resources, usage, scenario, by_hand = row
    estimate = estimate_resources(resources, usage, scenario=scenario)
    assert estimate.unpriced == ()
    by_service = {k: v for k, v in estimate.by_category().items() if v >= 0.005}
    assert set(by_service) == set(by_hand)
    for service, usd in by_hand.items():
        assert by_service[service] == pytest.approx(usd, rel=0.05), service


def _off(change: Callable[[float], float]) -> dict[str, float]:
    return {service: change(usd) for service, usd in ROWS[0][4].items()}


def test_the_comparison_fails_when_a_figure_is_off_by_more_than_5_percent() -> None:
    """The tolerance catches a price 10 % off (the check can fail)."""
    _, resources, usage, scenario, _ = ROWS[0]
    estimate = estimate_resources(resources, usage, scenario=scenario).by_category()
    wrong = _off(lambda usd: usd * 1.1)
    assert any(estimate[s] != pytest.approx(usd, rel=0.05) for s, usd in wrong.items())
