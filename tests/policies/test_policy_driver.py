"""The offline driver's own contract: requests as the engine builds them, and the report."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from foundation.records import StackRun
from tests.policies.builders import (
    SECRET_TOKEN,
    broken_resources,
    compliant_resources,
    replace,
    stack_run,
)
from tests.policies.support import (
    program_records,
    run_case,
    synthetic_config_dir,
)
from tests.policies.test_policy_exemptions import DB_URN, REASON
from tests.policies.test_policy_exemptions import _config_dir as exemption_config_dir
from tools.offline import policy_driver as driver
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PACK_NAMES,
    MessageCache,
    analyze_request,
    analyzer_resource,
    empty_pack,
    evaluate_packs,
    load_pack,
)


def test_load_pack_returns_importable_policies_without_serving() -> None:
    for name in PACK_NAMES:
        pack = load_pack(name)
        assert pack.policies and pack.name.startswith("perfcheck-")
        assert pack.version == "0.1.0"  # from PulumiPolicy.yaml, as the engine reports it
    with pytest.raises(ValueError, match="unknown policy pack 'guardrail'; known packs"):
        load_pack("guardrail")


def test_analyze_request_carries_inputs_options_and_provider() -> None:
    db = compliant_resources("prod")["db"]
    request = analyze_request(db)
    assert request.type == "aws:rds/instance:Instance" and request.name == "db"
    assert request.urn == db.urn
    assert request.options.protect is True
    assert request.properties["storageEncrypted"] is True
    assert request.provider.type == "pulumi:providers:aws"
    assert json.loads(request.provider.properties["defaultTags"])["tags"]["Environment"] == "prod"
    cache = analyze_request(compliant_resources("prod")["cache"])
    wrapped = cache.properties["authToken"]  # secrets travel wrapped, as the engine sends them
    assert wrapped["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"


def test_every_resource_option_reaches_both_messages() -> None:
    """The options the engine sends (protect, ignoreChanges, delete-before-replace, custom
    timeouts as seconds, parent) are set on the AnalyzeRequest and the AnalyzerResource alike."""
    db = dataclasses.replace(
        compliant_resources("prod")["db"],
        ignore_changes=("tags", "password"),
        delete_before_replace=True,
        custom_timeouts={"create": "1h30m", "delete": "45s"},
        parent="urn:pulumi:prod::perfcheck::perfcheck:index:Database::database",
    )
    for options in (analyze_request(db).options, analyzer_resource(db).options):
        assert options.protect is True
        assert list(options.ignoreChanges) == ["tags", "password"]
        assert options.deleteBeforeReplace and options.deleteBeforeReplaceDefined
        assert (options.customTimeouts.create, options.customTimeouts.update) == (5400.0, 0.0)
        assert options.customTimeouts.delete == 45.0
        assert options.parent == db.parent


def test_analyzer_resource_carries_outputs_and_the_dependency_graph() -> None:
    r = compliant_resources("prod")
    message = analyzer_resource(r["task"])
    assert message.properties["arn"].endswith("task-definition/perfcheck-app:1")
    assert list(message.propertyDependencies["taskRoleArn"].urns) == [r["task_role"].urn]
    assert set(message.dependencies) == {r["task_role"].urn, r["execution_role"].urn}


def test_records_with_tuples_and_read_only_mappings_are_accepted() -> None:
    r = compliant_resources("prod")
    tags = MappingProxyType(dict(r["db"].wire_inputs["tags"]))
    r["db"] = replace(r["db"], vpcSecurityGroupIds=("sg-1", "sg-2"), tags=tags, multiAz=False)
    report = evaluate_packs(stack_run(r), "prod", synthetic_config_dir())
    assert [v.policy for v in report.violations] == ["rds-multi-az"]


def test_report_splits_levels_and_serializes() -> None:
    r = compliant_resources("staging")
    r["db"] = replace(r["db"], multiAz=False, storageEncrypted=False)
    r["cache"] = replace(r["cache"], transitEncryptionEnabled=False)
    report = evaluate_packs(stack_run(r, "staging"), "staging", synthetic_config_dir())
    assert {v.policy for v in report.mandatory()} == {
        "rds-storage-encrypted",
        "elasticache-in-transit-encryption",
    }
    assert [v.policy for v in report.advisory()] == ["rds-multi-az"]
    assert report.summary() == (
        "staging: 2 mandatory, 1 advisory, 0 exempted, 0 not judged during preview"
    )
    data = json.loads(json.dumps(report.as_dict()))
    assert data["violations"][0]["urn"].startswith("urn:pulumi:staging::perfcheck::")
    assert data["exemptionUses"] == []
    assert data["configFiles"]["cost"].endswith("staging.cost.json")
    assert SECRET_TOKEN not in json.dumps(data)
    assert str(report.mandatory()[0]).startswith("[mandatory] perfcheck-guardrails/")


def test_empty_pack_reports_nothing_with_either_servicer() -> None:
    from tests.policies.builders import broken_resources

    run = stack_run(broken_resources("prod"))
    for stock in (False, True):
        report = evaluate_packs(
            run, "prod", synthetic_config_dir(), packs=[empty_pack(stock_servicer=stock)]
        )
        assert report.violations == () and report.diagnostics == ()
    assert evaluate_packs(
        run, "prod", synthetic_config_dir()
    ).mandatory()  # the same stack does fail the real packs


def _exemption_dir(tmp_path: Path) -> Path:
    """An exemption for the db's single AZ, and the deploy pack as shipped for prod (its stack
    rules read the inputs Analyze kept)."""
    directory = exemption_config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{"urn": DB_URN, "reason": REASON}]
    )
    shutil.copy(CONFIG_DIR / "prod.deploy.json", directory / "prod.deploy.json")
    return directory


def _single_az() -> StackRun:
    r = compliant_resources("prod")
    r["db"] = replace(r["db"], multiAz=False)
    r["extra_topic"] = replace(r["topic"], tags={})  # one more resource than the compliant stack
    return stack_run(r)


def test_a_reused_session_carries_nothing_from_one_run_to_the_next(tmp_path: Path) -> None:
    """Configured sessions are reused by later runs with the same configuration: an exemption
    used, a finding or an input kept in one run must not reach the next."""
    config_dir = _exemption_dir(tmp_path)
    first = evaluate_packs(_single_az(), "prod", config_dir)
    assert [u.covered for u in first.exemption_uses if u.policy == "rds-multi-az"] == [(DB_URN,)]
    pooled = set(map(id, driver._SESSIONS.values()))
    compliant = stack_run(compliant_resources("prod"))
    second = evaluate_packs(compliant, "prod", config_dir)
    assert pooled <= set(map(id, driver._SESSIONS.values()))  # the same servicers ran it
    driver._SESSIONS.clear()
    assert second == evaluate_packs(compliant, "prod", config_dir)  # as on fresh servicers
    assert [u.stale for u in second.exemption_uses if u.policy == "rds-multi-az"] == [True]


def test_a_run_that_fails_returns_no_session_to_reuse(tmp_path: Path) -> None:
    config_dir = synthetic_config_dir()
    broken = stack_run({"db": replace(compliant_resources("prod")["db"], tags=object())})
    driver._SESSIONS.clear()
    with pytest.raises(Exception):  # noqa: B017 - whatever the request builder raises
        evaluate_packs(broken, "prod", config_dir)
    assert driver._SESSIONS == {}


def test_a_message_cache_changes_no_report(tmp_path: Path) -> None:
    """Requests are reused per record and Analyze responses per request only where Analyze is a
    function of the request: not with an exemption (its use feeds the stack's audit) or a rule
    that judges the inputs Analyze saw (the deploy pack)."""
    runs = [stack_run(compliant_resources("prod")), _single_az(), stack_run(broken_resources())]
    for config_dir in (synthetic_config_dir(), _exemption_dir(tmp_path)):
        cache = MessageCache()
        for run in [*runs, *runs]:
            cached = evaluate_packs(run, "prod", config_dir, cache=cache)
            assert cached == evaluate_packs(run, "prod", config_dir)


def test_a_case_that_changes_a_shared_program_record_in_place_is_refused() -> None:
    database = program_records()["database-instance"]
    assert database.wire_inputs["multiAz"] is True

    def in_place(r):  # type: ignore[no-untyped-def]
        r["db"].wire_inputs["multiAz"] = False  # type: ignore[index]
        return {}

    try:
        with pytest.raises(AssertionError, match="changed a program record in place"):
            run_case(in_place)
    finally:
        database.wire_inputs["multiAz"] = True  # the shared run as the program made it
    assert run_case(lambda r: {}).violations == ()


def test_a_session_is_reused_only_for_its_own_stack(tmp_path: Path) -> None:
    """Two stacks with the same config text: the second is judged as itself (its name reaches
    the rules through ConfigureStack), not by the first one's servicer."""
    for stack in ("prod", "staging"):
        for pack in PACK_NAMES:
            source = synthetic_config_dir() / f"prod.{pack}.json"
            shutil.copy(source, tmp_path / f"{stack}.{pack}.json")
    run = stack_run(compliant_resources("prod"))
    assert evaluate_packs(run, "prod", tmp_path).violations == ()
    as_staging = evaluate_packs(run, "staging", tmp_path)
    assert as_staging.violations  # its resources' Environment tags name prod
    driver._SESSIONS.clear()
    assert as_staging == evaluate_packs(run, "staging", tmp_path)


def test_an_evaluation_pauses_the_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector is off while the packs judge and back to its previous state after, also
    after a failed evaluation, and left off when it was off."""
    import gc

    seen: list[bool] = []
    real = driver._evaluate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(driver, "_evaluate", spy)
    run = stack_run(compliant_resources("prod"))
    assert gc.isenabled()
    evaluate_packs(run, "prod", synthetic_config_dir())
    assert seen == [False] and gc.isenabled()
    broken = stack_run({"db": replace(compliant_resources("prod")["db"], tags=object())})
    with pytest.raises(Exception):  # noqa: B017 - whatever the request builder raises
        evaluate_packs(broken, "prod", synthetic_config_dir())
    assert gc.isenabled()
    gc.disable()
    try:
        evaluate_packs(run, "prod", synthetic_config_dir())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_stacks_judged_in_turn_in_one_process_each_get_their_own_answers(tmp_path: Path) -> None:
    """Per-stack caches (the estimate's view of the resources, the deploy pack's findings, the
    stack index's lookups) are keyed per stack run: stacks judged in turn in one process get
    exactly the report each gets when judged alone, by every pack."""
    for source in synthetic_config_dir().iterdir():
        shutil.copy(source, tmp_path / source.name)
    shutil.copy(CONFIG_DIR / "prod.deploy.json", tmp_path / "prod.deploy.json")  # enabled
    config_dir = tmp_path
    refused = compliant_resources("prod")  # a deploy finding (AWS refuses an 8-day retention)
    refused["db"] = replace(refused["db"], performanceInsightsRetentionPeriod=8)
    stacks = [stack_run(compliant_resources("prod")), stack_run(refused), _single_az()]
    alone = []
    for run in stacks:
        driver._SESSIONS.clear()
        alone.append(evaluate_packs(run, "prod", config_dir))
    packs = [{v.pack for v in report.violations} for report in alone]
    assert packs == [set(), {"perfcheck-deploy"}, {"perfcheck-guardrails"}]
    in_turn = list(zip(stacks, alone, strict=True))
    for run, expected in [*in_turn, *in_turn[::-1]]:
        assert evaluate_packs(run, "prod", config_dir) == expected


class _Text(str):
    """A str subclass (e.g. a str enum): not an exact JSON kind."""


@pytest.mark.parametrize(
    "values",
    [
        {"s": "x", "t": True, "f": False, "i": 3, "x": 2.5, "n": None, "big": 2**53},
        {"empty_list": [], "empty_dict": {}, "empty_tuple": ()},
        {"nested": {"a": [{"b": [1, "2", None, {"c": {}}]}, []], "d": ({"e": True},)}},
        {"enum": _Text("GP3"), "inner": {"enum": [_Text("x")]}},  # other kinds: protobuf's way
        {"proxy": MappingProxyType({"a": 1})},  # not JSON: made plain first
        {"name": "x", "keys": {1: "one"}},  # a key that is not a string: made plain first
        {},
    ],
)
def test_the_request_fill_sets_what_protobufs_update_sets(values: dict) -> None:
    """Property: the analyzer request carries exactly the Struct protobuf's own update (or the
    plain-data fallback) builds, empty lists and dicts included, whatever kinds the inputs hold."""
    from google.protobuf import struct_pb2

    expected = struct_pb2.Struct()
    try:
        expected.update(dict(values))
    except (TypeError, ValueError):
        expected.Clear()
        expected.update(driver._plain(values))
    filled = struct_pb2.Struct()
    driver._fill(filled, values)
    assert filled == expected
    assert filled.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )
