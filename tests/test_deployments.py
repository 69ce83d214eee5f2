"""Progressive delivery on the real program, once per deployment strategy: the service, the two
target groups, the production listener rule ECS shifts, the rollback alarms and the scaling
policy, all of which must follow live traffic into whichever target group it is in.

Each strategy runs `__main__.py` under the offline mocks with the prod stack file and only
`service.deploymentStrategy` (and its own settings) changed. Bad combinations are refused by the
settings before anything is registered, naming the key.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import pytest

from components.load_balancer import ECS_LOAD_BALANCER_POLICY
from components.web_service import deploy_timeout, traffic_shift_minutes
from foundation.records import ResourceRecord, StackRun
from settings import SettingsError, settings_from_config
from tests import shared_results
from tools.offline.runner import ProgramFailed, cached_run, run_stack, stack_config

SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:lb/listenerRule:ListenerRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:appautoscaling/policy:Policy"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"

STRATEGIES: dict[str, tuple[str, dict[str, Any]]] = {
    # setting -> (ECS strategy, the service settings that go with it)
    "rolling": ("ROLLING", {}),
    "blue-green": ("BLUE_GREEN", {"bakeTimeMinutes": 20}),
    # canary: exactly what Pulumi.prod.yaml says (the run the other tests share)
    "canary": ("CANARY", {"bakeTimeMinutes": 15, "canaryPercent": 10, "canaryBakeMinutes": 10}),
    "linear": (
        "LINEAR",
        {"bakeTimeMinutes": 5, "linearStepPercent": 20, "linearStepBakeMinutes": 3},
    ),
}
DEPLOYMENT_KEYS = (
    "bakeTimeMinutes",
    "canaryPercent",
    "canaryBakeMinutes",
    "linearStepPercent",
    "linearStepBakeMinutes",
)


def prod_config(**service_changes: Any) -> dict[str, str]:
    config, _ = stack_config("prod")
    service = json.loads(config["perfcheck:service"])
    for key in DEPLOYMENT_KEYS:
        service.pop(key, None)
    service.update(service_changes)
    config["perfcheck:service"] = json.dumps(service)
    return config


@functools.cache
def strategy_run(strategy: str) -> StackRun:
    if strategy == "canary":
        return cached_run("prod")
    _, extra = STRATEGIES[strategy]
    return shared_results.program_run("prod", prod_config(deploymentStrategy=strategy, **extra))


@pytest.fixture(params=sorted(STRATEGIES))
def strategy(request: pytest.FixtureRequest) -> str:
    return request.param


# --- what "follows live traffic" means, as checks of a StackRun ------------------------------


def target_group_suffixes(run: StackRun) -> set[str]:
    return {group.outputs["arnSuffix"] for group in run.by_type(TARGET_GROUP)}


def live_traffic_problems(run: StackRun) -> list[str]:
    """Alarms and scaling policies that watch one target group only (they go blind, or read
    zero, once a deploy has moved traffic to the other one)."""
    groups = target_group_suffixes(run)
    load_balancer = run.one(ALB).outputs["arnSuffix"]
    problems = []
    for alarm in run.by_type(ALARM):
        watched = {
            query["metric"]["dimensions"]["TargetGroup"]
            for query in alarm.inputs.get("metricQueries", [])
            if "metric" in query and "TargetGroup" in query["metric"].get("dimensions", {})
        }
        single = (alarm.inputs.get("dimensions") or {}).get("TargetGroup")
        if single or (watched and watched != groups):
            problems.append(f"{alarm.inputs['name']}: watches {single or sorted(watched)} only")
    for policy in run.by_type(POLICY):
        config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        predefined = config.get("predefinedMetricSpecification", {})
        if predefined.get("predefinedMetricType") == "ALBRequestCountPerTarget":
            problems.append(f"{policy.name}: ALBRequestCountPerTarget of one target group")
        for metric in config.get("customizedMetricSpecification", {}).get("metrics", []):
            stat = metric.get("metricStat", {}).get("metric", {})
            if stat.get("namespace") != "AWS/ApplicationELB":
                continue
            dimensions = {d["name"]: d["value"] for d in stat.get("dimensions", [])}
            if "TargetGroup" in dimensions or dimensions.get("LoadBalancer") != load_balancer:
                problems.append(f"{policy.name}: {stat['metricName']} not over the whole ALB")
    return problems


def binding(run: StackRun) -> dict[str, Any]:
    (lb,) = run.one(SERVICE).inputs["loadBalancers"]
    return lb


# --- one run per strategy --------------------------------------------------------------------


def test_service_deploys_with_the_configured_strategy_and_bake_times(strategy: str) -> None:
    run = strategy_run(strategy)
    ecs_strategy, extra = STRATEGIES[strategy]
    configuration = run.one(SERVICE).inputs["deploymentConfiguration"]
    assert configuration["strategy"] == ecs_strategy
    if strategy == "rolling":
        assert set(configuration) == {"strategy"}
        return
    assert configuration["bakeTimeInMinutes"] == str(extra["bakeTimeMinutes"])
    if strategy == "canary":
        assert configuration["canaryConfiguration"] == {
            "canaryPercent": float(extra["canaryPercent"]),
            "canaryBakeTimeInMinutes": str(extra["canaryBakeMinutes"]),
        }
    if strategy == "linear":
        assert configuration["linearConfiguration"] == {
            "stepPercent": float(extra["linearStepPercent"]),
            "stepBakeTimeInMinutes": str(extra["linearStepBakeMinutes"]),
        }


def test_every_strategy_rolls_back_on_alarms_and_the_circuit_breaker(strategy: str) -> None:
    run = strategy_run(strategy)
    summary = run.outputs["deployment"]
    assert summary["strategy"] == STRATEGIES[strategy][0]
    assert summary["circuitBreakerRollback"] is True and summary["alarmRollback"] is True
    assert ("bakeTimeMinutes" in summary) is (strategy != "rolling")
    service = run.one(SERVICE).inputs
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["alarms"]["enable"] is True and service["alarms"]["rollback"] is True
    names = {alarm.inputs["name"] for alarm in run.by_type(ALARM)}
    assert service["alarms"]["alarmNames"] and set(service["alarms"]["alarmNames"]) <= names
    assert f"{run.project}-prod-alb-unhealthy-hosts" in service["alarms"]["alarmNames"]


def test_two_target_groups_behind_the_production_rule(strategy: str) -> None:
    run = strategy_run(strategy)
    groups = {group.outputs["arn"]: group for group in run.by_type(TARGET_GROUP)}
    assert len(groups) == 2
    (rule,) = run.by_type(RULE)
    (action,) = rule.inputs["actions"]
    weights = {t["arn"]: t["weight"] for t in action["forward"]["targetGroups"]}
    lb = binding(run)
    assert weights == {
        lb["targetGroupArn"]: 100,
        next(arn for arn in groups if arn != lb["targetGroupArn"]): 0,
    }
    assert "actions" in rule.ignore_changes  # ECS owns the weights after a deploy
    advanced = lb.get("advancedConfiguration")
    if strategy == "rolling":
        assert advanced is None
        return
    assert advanced["alternateTargetGroupArn"] in groups
    assert advanced["alternateTargetGroupArn"] != lb["targetGroupArn"]
    assert advanced["productionListenerRule"] == rule.outputs["arn"]
    role = next(r for r in run.by_type(ROLE) if r.outputs["arn"] == advanced["roleArn"])
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
    attached = [
        a.inputs["policyArn"]
        for a in run.by_type(ATTACHMENT)
        if a.inputs["role"] == role.outputs["name"]
    ]
    assert attached == [f"arn:aws:iam::aws:policy/{ECS_LOAD_BALANCER_POLICY}"]


def test_alarms_and_scaling_follow_live_traffic(strategy: str) -> None:
    run = strategy_run(strategy)
    assert live_traffic_problems(run) == []
    (requests,) = [p for p in run.by_type(POLICY) if p.name.endswith("scale-on-requests")]
    metrics = requests.inputs["targetTrackingScalingPolicyConfiguration"][
        "customizedMetricSpecification"
    ]["metrics"]
    assert [m["id"] for m in metrics if m.get("returnData")] == ["perTask"]
    unhealthy = run.one(ALARM, "observability-alb-unhealthy-hosts")
    watched = {
        q["metric"]["dimensions"]["TargetGroup"]
        for q in unhealthy.inputs["metricQueries"]
        if "metric" in q
    }
    assert watched == target_group_suffixes(run)


def test_the_live_traffic_check_catches_one_group_alarms_and_per_target_scaling() -> None:
    run = strategy_run("canary")
    alarm = run.one(ALARM, "observability-alb-no-healthy-hosts")
    queries = [q for q in alarm.inputs["metricQueries"] if q["id"] != "healthyB"]
    one_group = dataclasses.replace(
        alarm, wire_inputs={**alarm.wire_inputs, "metricQueries": queries}
    )
    (requests,) = [p for p in run.by_type(POLICY) if p.name.endswith("scale-on-requests")]
    per_target = dataclasses.replace(
        requests,
        wire_inputs={
            **requests.wire_inputs,
            "targetTrackingScalingPolicyConfiguration": {
                "targetValue": 1000,
                "predefinedMetricSpecification": {
                    "predefinedMetricType": "ALBRequestCountPerTarget",
                    "resourceLabel": "app/x/1/targetgroup/y/2",
                },
            },
        },
    )

    def swapped(old: ResourceRecord, new: ResourceRecord) -> StackRun:
        return dataclasses.replace(
            run, resources=tuple(new if r is old else r for r in run.resources)
        )

    assert any("no-healthy-hosts" in p for p in live_traffic_problems(swapped(alarm, one_group)))
    assert any(
        "ALBRequestCountPerTarget" in p
        for p in live_traffic_problems(swapped(requests, per_target))
    )


def test_prod_and_staging_both_deploy_by_canary_with_a_bake_time() -> None:
    """Staging rehearses the strategy prod runs (issue 24 item 5), with shorter bakes."""
    for stack, expected in (("prod", "canary"), ("staging", "canary")):
        config, _ = stack_config(stack)
        service = settings_from_config("perfcheck", stack, config).service
        assert service.deployment_strategy == expected
        assert service.bake_minutes > 0


def test_pulumi_waits_long_enough_for_the_bake_times() -> None:
    def service(**changes: Any) -> Any:
        return settings_from_config("perfcheck", "prod", prod_config(**changes)).service

    canary = service(deploymentStrategy="canary", bakeTimeMinutes=15, canaryBakeMinutes=10)
    assert traffic_shift_minutes(canary) == 25 and deploy_timeout(canary) == "55m"
    linear = service(deploymentStrategy="linear", linearStepPercent=30, linearStepBakeMinutes=4)
    assert traffic_shift_minutes(linear) == 4 * 4 + 10  # 4 steps of 30 % (the last one 10 %)
    assert traffic_shift_minutes(service(deploymentStrategy="rolling")) == 0


# --- wrong combinations: refused in settings, naming the key, nothing registered --------------


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        (
            {"deploymentStrategy": "rolling", "canaryPercent": 10},
            ["perfcheck:service", "canaryPercent (10", "'canary'"],
        ),
        (
            {"deploymentStrategy": "rolling", "bakeTimeMinutes": 10},
            ["perfcheck:service", "bakeTimeMinutes (10)", "'rolling'"],
        ),
        (
            {"deploymentStrategy": "canary", "linearStepPercent": 10},
            ["perfcheck:service", "linearStepPercent (10", "'linear'"],
        ),
        (
            {"deploymentStrategy": "canary", "bakeTimeMinutes": 1441},
            ["service.bakeTimeMinutes", "1441"],
        ),
        (
            {"deploymentStrategy": "canary", "canaryPercent": 0.05},
            ["service.canaryPercent", "0.05"],
        ),
        (
            {"deploymentStrategy": "linear", "linearStepPercent": 2},
            ["service.linearStepPercent", "2"],
        ),
        ({"deploymentStrategy": "canary-ish"}, ["service.deploymentStrategy", "canary-ish"]),
    ],
)
def test_wrong_combinations_are_refused_naming_the_key(
    changes: dict[str, Any], fragments: list[str]
) -> None:
    config = prod_config(**changes)
    with pytest.raises(SettingsError) as refused:
        settings_from_config("perfcheck", "prod", config)
    message = refused.value.render()
    for fragment in fragments:
        assert fragment in message, message
    with pytest.raises(ProgramFailed) as failed:
        run_stack("prod", config=config)
    assert list(failed.value.resources) == []  # refused before anything was registered
    assert "Traceback" not in failed.value.message


def test_neither_stack_has_a_public_origin_or_an_origin_secret(each_stack: StackRun) -> None:
    assert all(lb.inputs["internal"] is True for lb in each_stack.by_type(ALB))
    secrets = each_stack.by_type("aws:secretsmanager/secret:Secret")
    assert not [s for s in secrets if "origin" in s.inputs.get("namePrefix", "")]
    (distribution,) = each_stack.by_type("aws:cloudfront/distribution:Distribution")
    for origin in distribution.inputs["origins"]:
        assert "vpcOriginConfig" in origin and not origin.get("customHeaders")
    serving = [
        listener
        for listener in each_stack.by_type("aws:lb/listener:Listener")
        if listener.inputs["protocol"] == "HTTP"
    ]
    # Without a certificate the one listener is HTTP, and only on the internal ALB.
    assert len(serving) <= 1


def test_a_zero_bake_is_a_setting_not_an_unset_one() -> None:
    """0 minutes is a bake the stack file chose (the guardrails then report it), not "unset":
    it is deployed as 0, never replaced by the default or by bakeTimeMinutes."""

    def service(**changes: Any) -> Any:
        return settings_from_config("perfcheck", "prod", prod_config(**changes)).service

    canary = service(deploymentStrategy="canary", bakeTimeMinutes=0, canaryBakeMinutes=0)
    assert canary.bake_minutes == 0 and canary.canary_step == (10.0, 0)
    linear = service(deploymentStrategy="linear", bakeTimeMinutes=7, linearStepBakeMinutes=0)
    assert linear.bake_minutes == 7 and linear.linear_step == (25.0, 0)
    unset = service(deploymentStrategy="canary")
    assert unset.bake_minutes == 10 and unset.canary_step == (10.0, 10)
