"""Tests written for the component survivors of the blind sample (docs/mutation/
sample-blind-1208.jsonl): each names the property it guards and reads the shared program runs
(`each_stack`, `cached_run`), so none runs the program again. The mutant each was written for is
in its docstring."""

from __future__ import annotations

from components.web_service import deploy_timeout, traffic_shift_minutes
from foundation.records import StackRun
from settings import settings_from_config
from tools.offline.runner import stack_config

FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ECS_SERVICE = "aws:ecs/service:Service"


def test_flow_logs_are_aggregated_per_minute(each_stack: StackRun) -> None:
    """AWS aggregates flows over 60 or 600 seconds; an incident's timeline needs the minute
    (blind:2, 60 read as minutes and written as 600)."""
    flow_log = each_stack.one(FLOW_LOG)
    assert flow_log.wire_inputs["maxAggregationInterval"] == 60


def test_pulumi_waits_for_the_bake_on_an_update_as_on_a_create(each_stack: StackRun) -> None:
    """Every deploy after the first is an update: `pulumi up` must wait the traffic shift and
    bake plus the margin then too, not the provider's default 20 minutes (blind:9, the update
    timeout dropped)."""
    config, _ = stack_config(each_stack.stack)
    service = settings_from_config("perfcheck", each_stack.stack, config).service
    wanted = deploy_timeout(service)
    assert wanted != "0m" and traffic_shift_minutes(service) > 0
    timeouts = each_stack.one(ECS_SERVICE).custom_timeouts
    assert timeouts.get("create") == wanted
    assert timeouts.get("update") == wanted
