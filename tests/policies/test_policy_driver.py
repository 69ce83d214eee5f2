"""The offline driver's own contract: requests as the engine builds them, and the report."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from tests.policies.builders import SECRET_TOKEN, compliant_resources, replace, stack_run
from tests.policies.support import synthetic_config_dir
from tools.offline.policy_driver import (
    PACK_NAMES,
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
