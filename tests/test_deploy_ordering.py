"""Resources that name others by plain string are still created after them."""

from __future__ import annotations

from foundation.records import StackRun


def test_the_service_is_created_after_its_rollback_alarms(each_stack: StackRun) -> None:
    service = each_stack.one("aws:ecs/service:Service")
    rollback = set(service.wire_inputs["alarms"]["alarmNames"])
    alarms = {
        a.wire_inputs["name"]: a.urn
        for a in each_stack.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert rollback <= set(alarms)
    assert {alarms[name] for name in rollback} <= set(service.dependencies)
