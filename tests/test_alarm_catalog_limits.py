"""The alarm catalog holds CloudWatch's metrics-per-alarm limit at its edge: an alarm may watch
exactly as many metrics as PutMetricAlarm accepts (10), not one more. The largest cache the
settings allow (5 nodes) puts hits and misses of every node, 10 metrics, on one alarm."""

from __future__ import annotations

import dataclasses

import pytest

from components import alarm_catalog
from components.alarm_catalog import AlarmSpec, WatchedScope
from foundation.aws_limits import CLOUDWATCH_MAX_METRICS_PER_ALARM
from settings.schema import AlarmSettings


def _scope(nodes: int) -> WatchedScope:
    return WatchedScope(
        cache_nodes=nodes, database_max_connections=400, cdn_additional_metrics=True
    )


def _hit_rate(catalog: tuple[AlarmSpec, ...]) -> AlarmSpec:
    return next(spec for spec in catalog if spec.slug == "cache-hit-rate-low")


def test_the_largest_cache_fills_an_alarm_to_the_limit_and_is_accepted() -> None:
    catalog = alarm_catalog.alarm_catalog(AlarmSettings(), _scope(5))
    assert len(_hit_rate(catalog).metrics) == CLOUDWATCH_MAX_METRICS_PER_ALARM


def test_one_metric_over_the_limit_is_refused() -> None:
    spec = _hit_rate(alarm_catalog.alarm_catalog(AlarmSettings(), _scope(5)))
    extra = dataclasses.replace(spec.metrics[0], id="onemore")
    over = dataclasses.replace(spec, metrics=(*spec.metrics, extra))
    with pytest.raises(ValueError, match="11 metrics, CloudWatch allows 10"):
        alarm_catalog._check([over])


@pytest.mark.parametrize(("period", "accepted"), [(10, True), (30, True), (300, True), (45, False)])
def test_high_resolution_periods_are_accepted_as_cloudwatch_accepts_them(
    period: int, accepted: bool
) -> None:
    """PutMetricAlarm takes a period of 10, 20 or 30 seconds (high resolution) or a multiple of
    60; the catalog's shape check refuses the same and nothing more."""
    spec = _hit_rate(alarm_catalog.alarm_catalog(AlarmSettings(), _scope(1)))
    metrics = tuple(dataclasses.replace(m, period=period) for m in spec.metrics)
    changed = dataclasses.replace(spec, metrics=metrics)
    if accepted:
        alarm_catalog._check([changed])
    else:
        with pytest.raises(ValueError, match="a period must be 10, 20, 30 or a multiple of 60"):
            alarm_catalog._check([changed])
