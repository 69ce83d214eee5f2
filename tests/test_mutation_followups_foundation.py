"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): foundation.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

import json
from typing import Any

import pytest

from foundation import iampolicy, sgrules
from foundation.aws_limits import (
    CACHE_HIT_RATE_METRICS_PER_NODE,
    CLOUDWATCH_MAX_METRICS_PER_ALARM,
    ELASTICACHE_MAX_CACHE_CLUSTERS,
    MAX_CACHE_NODES,
    cache_nodes_problem,
)
from foundation.records import ResourceRecord, StackRun, stack_index
from foundation.stackmodel import UNKNOWN, contains_unknown
from foundation.windows import (
    ELASTICACHE_MIN_SNAPSHOT_MINUTES,
    RDS_MIN_WINDOW_MINUTES,
    parse_daily,
    window_problem,
)
from settings import SettingsError, settings_from_config
from tools.offline.runner import stack_config


@pytest.mark.parametrize(
    ("text", "minutes"), [("23:45-00:15", 30), ("23:00-01:00", 120), ("00:00-23:59", 1439)]
)
def test_a_daily_window_lasts_its_minutes_also_across_midnight(text: str, minutes: int) -> None:
    """A daily window's length is counted on a 24-hour clock, wrapping at midnight. Mutant:
    MINUTES_PER_DAY = 24 * 61 (a window crossing midnight grows by the extra minutes)."""
    window = parse_daily(text)
    assert window is not None and window.length == minutes


@pytest.mark.parametrize(
    ("text", "minimum", "refused"),
    [
        ("23:45-00:14", RDS_MIN_WINDOW_MINUTES, True),
        ("23:45-00:15", RDS_MIN_WINDOW_MINUTES, False),
        ("23:30-00:29", ELASTICACHE_MIN_SNAPSHOT_MINUTES, True),
        ("23:30-00:30", ELASTICACHE_MIN_SNAPSHOT_MINUTES, False),
    ],
)
def test_the_minimum_length_holds_for_a_window_across_midnight(
    text: str, minimum: int, refused: bool
) -> None:
    """AWS's minimum window length (RDS 30, ElastiCache 60 minutes) is a boundary: one minute
    short across midnight is refused, the minimum itself taken."""
    assert (window_problem(text, weekly=False, minimum_minutes=minimum) is not None) is refused


ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"


def _record(
    name: str, type_: str, deps: dict[str, tuple[str, ...]] | None = None
) -> ResourceRecord:
    return ResourceRecord(
        urn=f"urn:pulumi:s::p::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        wire_inputs={},
        outputs={},
        property_dependencies=deps or {},
    )


def test_dependencies_are_only_those_of_the_asked_types_and_in_the_stack() -> None:
    """`dependencies(resource, prop, types)` is the resources of those types the input was
    computed from: a dependency of another type, or one the stack does not hold, is not one.
    Mutant: `dep is not None and type in wanted` -> `or` (every dependency counts)."""
    key, role = _record("key", KEY), _record("role", ROLE)
    gone = "urn:pulumi:s::p::aws:kms/key:Key::removed"
    user = _record("log", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": (role.urn, key.urn)})
    index = stack_index(StackRun("s", "p", (key, role, user), {}))
    assert index.dependencies(user, "kmsKeyId", [KEY]) == [key]
    assert index.dependencies(user, "kmsKeyId", [ROLE]) == [role]
    assert index.dependencies(user, "kmsKeyId", ["aws:s3/bucket:Bucket"]) == []
    orphan = _record("orphan", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": (gone,)})
    index = stack_index(StackRun("s", "p", (key, orphan), {}))
    assert index.dependencies(orphan, "kmsKeyId", [KEY]) == []


def test_stack_run_one_finds_the_single_resource_of_a_type_and_name() -> None:
    """`StackRun.one(type, name)` is the one resource of that type with that name (any name when
    none is given), else an AssertionError listing the names there are. The tests lean on it to
    pick resources. Mutants: `name is None or r.name == name` -> `and`, and `==` -> `!=`."""
    first, second, role = _record("a", KEY), _record("b", KEY), _record("a", ROLE)
    run = StackRun("s", "p", (first, second, role), {})
    assert run.one(KEY, "b") is second
    assert run.one(KEY, "a") is first
    assert run.one(ROLE) is role
    with pytest.raises(AssertionError, match=r"\['a', 'b'\]"):
        run.one(KEY)
    with pytest.raises(AssertionError):
        run.one(KEY, "c")


def _prod_database(**changes: object) -> dict[str, str]:
    config, _ = stack_config("prod")
    database = json.loads(config["perfcheck:database"])
    database.update(changes)
    config["perfcheck:database"] = json.dumps(database)
    return config


@pytest.mark.parametrize(
    ("days", "taken"),
    [
        *((days, True) for days in (7, 31, 62, 713, 731)),
        *((days, False) for days in (0, 6, 8, 30, 63, 714, 732, 744)),
    ],
)
def test_settings_take_exactly_the_performance_insights_retentions_rds_takes(
    days: int, taken: bool
) -> None:
    """PerformanceInsightsRetentionPeriod is 7, 31 * month for month 1-23, or 731 (RDS API
    reference): the settings take those and refuse the rest, 0 and 744 (month 0 and 24)
    included. Mutant: the month range starting at 0 (0 days taken)."""
    config = _prod_database(performanceInsightsRetentionDays=days)
    if taken:
        assert settings_from_config("perfcheck", "prod", config).database
        return
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (line,) = caught.value.problems
    assert line.startswith("perfcheck:database.performanceInsightsRetentionDays: got "), line


@pytest.mark.parametrize(
    "value",
    [{"a": UNKNOWN, "b": "known"}, {"a": "known", "b": [1, {"c": UNKNOWN}]}, ["x", UNKNOWN]],
)
def test_a_value_with_one_unknown_part_contains_an_unknown(value: object) -> None:
    """One unknown anywhere inside a map or list makes the whole value not known until
    deployment. Mutant: `any` -> `all` over a map's values."""
    assert contains_unknown(value)
    assert not contains_unknown({"a": "known", "b": ["x", {"c": 1}]})


# --- foundation/sgrules.py (post-merge sample) -------------------------------------------------

SG = "aws:ec2/securityGroup:SecurityGroup"


def _group(name: str, **inputs: Any) -> ResourceRecord:
    return ResourceRecord(
        urn=f"urn:pulumi:s::p::{SG}::{name}",
        type=SG,
        name=name,
        custom=True,
        wire_inputs=inputs,
        outputs={"id": f"sg-{name}"},
    )


def _inline_rules(*ingress: dict[str, Any]) -> list[sgrules.SgRule[ResourceRecord]]:
    group = _group("app", ingress=list(ingress))
    return sgrules.stack_rules(stack_index(StackRun("s", "p", (group,), {})))


@pytest.mark.parametrize("written", [["tcp"], {"name": "tcp"}, (6,)])
def test_a_protocol_that_is_not_text_or_a_number_is_not_read(written: Any) -> None:
    """A protocol written as a list or a map is no protocol: None (the provider refuses it),
    never a crash of every judge that reads it. Mutant: the `isinstance(value, str)` clause
    dropped."""
    assert sgrules.protocol(written) is None


def test_an_inline_rule_names_its_block_and_its_dependencies_under_the_top_property() -> None:
    """An inline permission's finding names its block ('ingress[1]') and its dependencies are
    looked up under the top-level property the engine records ('ingress'). Mutant: the part
    after '[' taken."""
    rules = _inline_rules(
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
    )
    second = [r for r in rules if r.peer == "0.0.0.0/0"]
    assert [(r.block, r.dependency_prop) for r in second] == [("ingress[1]", "ingress")]


@pytest.mark.parametrize(("from_port", "to_port"), [(443, None), (None, 443)])
def test_a_permission_with_one_port_written_has_no_range_and_carries_nothing(
    from_port: Any, to_port: Any
) -> None:
    """A TCP permission needs both ports: with one missing there is no range (None) and it
    carries no port, never a comparison with a missing bound. Mutant: `from is None or to is
    None` -> `and`."""
    block: dict[str, Any] = {"protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}
    block |= {k: v for k, v in (("fromPort", from_port), ("toPort", to_port)) if v is not None}
    (rule,) = _inline_rules(block)
    assert rule.ports() is None
    assert rule.carries("tcp", 443) is False


@pytest.mark.parametrize(
    ("written", "kind", "ids"),
    [
        ("aws", "AWS", "arn:aws:iam::123456789012:root"),
        ("SERVICE", "Service", "ecs-tasks.amazonaws.com"),
        ("federated", "Federated", "cognito-identity.amazonaws.com"),
        ("canonicaluser", "CanonicalUser", "79a59df900b949e55d96a1e698fbaced"),
    ],
)
def test_every_principal_kind_is_read_whatever_its_case(written: str, kind: str, ids: str) -> None:
    """IAM reads principal kinds case-insensitively, so the document reader gives every kind
    (AWS, Service, Federated, CanonicalUser) under its one spelling. Mutant: 'Federated'
    dropped from the kinds (a lower-case 'federated' principal then reads as no principal)."""
    statement = {"Effect": "Allow", "Principal": {written: ids}, "Action": "sts:AssumeRole"}
    document = iampolicy.parse_policy({"Version": "2012-10-17", "Statement": [statement]})
    assert isinstance(document, iampolicy.PolicyDocument)
    (read,) = document.statements
    assert read.principals(kind) == (ids,)


def test_each_cache_node_limit_refuses_from_its_own_boundary_with_its_own_reason() -> None:
    """ElastiCache's limit (6 nodes without sharding) refuses from 7; the hit-rate alarm's metric
    count (2 per node, 10 per alarm) refuses from 6; 5 passes. The reason names the limit that
    really refuses, so an operator is not told ElastiCache would refuse a size it builds.
    Mutant: `nodes > ELASTICACHE_MAX_CACHE_CLUSTERS` -> `>=`."""
    assert ELASTICACHE_MAX_CACHE_CLUSTERS == 6 and MAX_CACHE_NODES == 5
    assert CLOUDWATCH_MAX_METRICS_PER_ALARM // CACHE_HIT_RATE_METRICS_PER_NODE == 5
    assert cache_nodes_problem(MAX_CACHE_NODES) is None
    at_elasticache_limit = cache_nodes_problem(ELASTICACHE_MAX_CACHE_CLUSTERS)
    assert at_elasticache_limit and "metrics per alarm" in at_elasticache_limit
    past = cache_nodes_problem(ELASTICACHE_MAX_CACHE_CLUSTERS + 1)
    assert past and past.startswith("ElastiCache allows at most 6")
    assert cache_nodes_problem(0) and cache_nodes_problem(1) is None
