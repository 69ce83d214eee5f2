"""Quantities of the lines issue 26 added, each from its own resource's options and the usage.

Cache snapshots: one per cluster is free, the others are billed on the data's size. Logs are
stored compressed. Replicated backups are the used data plus the changes kept, not the
allocation. Enhanced Monitoring writes one record per interval. Each property is checked on a
resource of its own (not the stacks' figures), so a test fails when the rule breaks.
"""

from __future__ import annotations

import pytest

from estimate import PricedResource, estimate_resources
from foundation.prices import load_price_table
from foundation.usage import UsageAssumptions

HOURS = load_price_table().hours_per_month


def res(type_: str, resource_name: str, **props: object) -> PricedResource:
    return PricedResource(f"urn:{resource_name}", type_, resource_name, props)


def _quantities(resources: list[PricedResource], usage: UsageAssumptions, word: str) -> list:
    return [
        line.quantity for line in estimate_resources(resources, usage).lines if word in line.item
    ]


@pytest.mark.parametrize(("kept", "billed"), [(0, 0), (1, 0), (2, 1), (7, 6)])
def test_cache_snapshots_beyond_the_free_one_are_billed_on_the_data_size(
    kept: int, billed: int
) -> None:
    group = res(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        engine="valkey",
        nodeType="cache.t4g.micro",
        snapshotRetentionLimit=kept,
    )
    found = _quantities([group], UsageAssumptions(cache_data_gb=3), "snapshot")
    assert found == ([billed * 3] if billed else [])


def test_log_storage_is_the_compressed_bytes_kept_for_the_retention() -> None:
    group = res("aws:cloudwatch/logGroup:LogGroup", "logs", name="app", retentionInDays=365)
    usage = UsageAssumptions(log_gb_per_month=10, log_compressed_ratio=0.2)
    (stored,) = _quantities([group], usage, "log storage")
    assert stored == pytest.approx(10 * 0.2 * 12)  # 12 months kept, a fifth of the bytes
    (ingested,) = _quantities([group], usage, "log ingestion")
    assert ingested == 10  # ingestion is billed on the raw bytes


def test_replicated_backups_are_the_used_data_and_the_changes_kept_not_the_allocation() -> None:
    db = res("aws:rds/instance:Instance", "db", identifier="pg", allocatedStorage=500)
    replication = res(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "dr",
        sourceDbInstanceArn="arn:aws:rds:eu-west-1:1:db:pg",
        retentionPeriod=14,
    )
    usage = UsageAssumptions(database_used_gb=40, database_change_gb_per_month=10)
    (stored,) = _quantities([db, replication], usage, "replicated backups")
    assert stored == pytest.approx(40 + 10 * 14 / (365 / 12))
    small = res("aws:rds/instance:Instance", "db", identifier="pg", allocatedStorage=20)
    (capped,) = _quantities([small, replication], usage, "replicated backups")
    assert capped == pytest.approx(20 + 10 * 14 / (365 / 12))  # never more than allocated


@pytest.mark.parametrize("interval", [1, 15, 60])
def test_enhanced_monitoring_writes_one_record_per_interval(interval: int) -> None:
    db = res(
        "aws:rds/instance:Instance",
        "db",
        instanceClass="db.t4g.micro",
        allocatedStorage=20,
        monitoringInterval=interval,
    )
    usage = UsageAssumptions(enhanced_monitoring_kb_per_sample=10)
    (gb,) = _quantities([db], usage, "RDSOSMetrics")
    assert gb == pytest.approx(HOURS * 3600 / interval * 10 / 1e6)


def test_a_target_tracking_policy_bills_its_alarms_per_metric_and_scale_in() -> None:
    def policy(disable_scale_in: bool, metrics: int) -> PricedResource:
        stat = {"metric": {"metricName": "M"}, "stat": "Sum"}
        spec = {"metrics": [{"id": f"m{i}", "metricStat": stat} for i in range(metrics)]}
        spec["metrics"].append({"id": "e", "expression": "m0"})
        return res(
            "aws:appautoscaling/policy:Policy",
            "p",
            policyType="TargetTrackingScaling",
            targetTrackingScalingPolicyConfiguration={
                "disableScaleIn": disable_scale_in,
                "customizedMetricSpecification": spec,
            },
        )

    usage = UsageAssumptions()
    assert _quantities([policy(False, 2)], usage, "target-tracking") == [4]
    assert _quantities([policy(True, 2)], usage, "target-tracking") == [2]
    assert _quantities([policy(False, 1)], usage, "target-tracking") == [2]


def test_secret_api_calls_are_billed_once_per_stack_not_per_secret() -> None:
    secrets = [res("aws:secretsmanager/secret:Secret", f"s{i}") for i in range(4)]
    calls = _quantities(secrets, UsageAssumptions(secret_api_calls_per_month=50_000), "API")
    assert calls == [5]


def test_insights_share_the_stacks_traces_over_its_insights_groups() -> None:
    rule = res("aws:xray/samplingRule:SamplingRule", "r", urlPath="*", reservoirSize=0, fixedRate=1)
    groups = [
        res("aws:xray/group:Group", f"g{i}", insightsConfiguration={"insightsEnabled": True})
        for i in range(2)
    ]
    usage = UsageAssumptions(requests_per_month=1_000_000, cdn_cache_hit_percent=0)
    processed = _quantities([rule, *groups], usage, "Insights")
    assert processed == [pytest.approx(0.5), pytest.approx(0.5)]  # million traces each


@pytest.mark.parametrize(
    ("settings", "lines"),
    [
        (None, []),  # no setting: Container Insights is off (the account default aside)
        ([{"name": "containerInsights", "value": "disabled"}], []),
        ([{"name": "containerInsights", "value": "enabled"}], ["Container Insights (standard)"]),
        ([{"name": "containerInsights", "value": "enhanced"}], ["Container Insights (enhanced)"]),
    ],
)
def test_container_insights_is_billed_by_its_mode(settings: list | None, lines: list) -> None:
    props = {"name": "c"} if settings is None else {"name": "c", "settings": settings}
    cluster = res("aws:ecs/cluster:Cluster", "c", **props)
    found = estimate_resources([cluster], UsageAssumptions()).lines
    assert [line.item.split(":")[0] for line in found] == lines


def test_an_unknown_container_insights_mode_is_listed_not_priced_as_free() -> None:
    settings = [{"name": "containerInsights", "value": "deluxe"}]
    cluster = res("aws:ecs/cluster:Cluster", "c", name="c", settings=settings)
    estimate = estimate_resources([cluster], UsageAssumptions())
    assert [str(u) for u in estimate.unpriced] == [
        "aws:ecs/cluster:Cluster c: no price for Container Insights mode 'deluxe'"
    ]


@pytest.mark.parametrize(
    ("type_", "assumed", "word"),
    [
        ("aws:s3/bucketV2:BucketV2", "log_bucket_gb", "stored objects"),
        ("aws:ecr/repository:Repository", "image_storage_gb", "image storage"),
    ],
)
def test_assumed_storage_is_shared_evenly_over_the_resources_of_its_type(
    type_: str, assumed: str, word: str
) -> None:
    """The assumed GB is the stack's, not each resource's: three log buckets (image
    repositories) store a third of it each, never three times the figure."""
    resources = [res(type_, f"store-{index}") for index in range(3)]
    usage = UsageAssumptions(**{assumed: 30})
    assert _quantities(resources, usage, word) == [10, 10, 10]
