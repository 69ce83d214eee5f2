"""Per-stack policy config: the shipped files, the engine's reconciliation, and every error.

A config is reconciled as the engine does (schema defaults, then the pack's initial config, then
the --policy-pack-config file), validated against each rule's JSON schema (the engine uses
gojsonschema; the driver jsonschema), then handed to the pack's Configure, which also rejects
policy names and keys the pack does not declare (the engine's schema check cannot see those).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from tests.policies.builders import compliant_resources, compliant_stack, record, replace
from tests.policies.support import judge_compliant, synthetic_config, violations
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PACK_NAMES,
    PackSession,
    PolicyConfigError,
    evaluate_packs,
    load_pack,
    parse_config_file,
    parse_config_text,
)

PRODUCTION_ONLY = {
    "rds-multi-az",
    "rds-deletion-protection",
    "rds-backup-retention",
    "rds-final-snapshot",
    "elasticache-automatic-failover",
    "elasticache-snapshot-retention",
    "stateful-resources-protected",
    "ecs-cluster-container-insights",
    "ecs-service-deploys-with-automatic-rollback",
    "guardrails-exemptions-current",
    "cloudfront-web-acl",
    # Prod's stack-file promises (issue 22): staging allows its single NAT gateway and ECS Exec.
    "vpc-nat-gateway-per-az",
    "ecs-exec-disabled",
    "resource-type-judged",
    # Staging deploys a build by tag before prod receives it by digest (issue 24).
    "ecs-task-images-pinned-by-digest",
}


def _write_configs(tmp_path: Path, stack: str, pack: str, overrides: dict[str, Any]) -> Path:
    config = synthetic_config(stack, pack)
    config.update(overrides)
    (tmp_path / f"{stack}.{pack}.json").write_text(json.dumps(config))
    other = "cost" if pack == "guardrails" else "guardrails"
    (tmp_path / f"{stack}.{other}.json").write_text(json.dumps(synthetic_config(stack, other)))
    return tmp_path


def _errors(tmp_path: Path, overrides: dict[str, Any], pack: str = "guardrails") -> str:
    config_dir = _write_configs(tmp_path, "prod", pack, overrides)
    with pytest.raises(PolicyConfigError) as caught:
        evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    return str(caught.value)


# -- the shipped files --------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["staging", "prod"])
@pytest.mark.parametrize("pack", PACK_NAMES)
def test_every_policy_has_a_decision_in_every_config_file(stack: str, pack: str) -> None:
    config = parse_config_file(CONFIG_DIR / f"{stack}.{pack}.json")
    names = {p.name for p in load_pack(pack).policies}
    assert set(config) == names
    assert all(entry.enforcement_level in ("advisory", "mandatory") for entry in config.values())


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_configs_are_valid_for_the_packs(stack: str) -> None:
    for pack in PACK_NAMES:
        config = parse_config_file(CONFIG_DIR / f"{stack}.{pack}.json")
        session = PackSession(load_pack(pack), stack, config)
        assert session.config  # reconciled without error


def test_staging_leaves_production_only_rules_advisory_and_prod_makes_them_mandatory() -> None:
    staging = parse_config_file(CONFIG_DIR / "staging.guardrails.json")
    prod = parse_config_file(CONFIG_DIR / "prod.guardrails.json")
    for name in PRODUCTION_ONLY:
        assert staging[name].enforcement_level == "advisory", name
        assert prod[name].enforcement_level == "mandatory", name
    for name, entry in staging.items():
        if name not in PRODUCTION_ONLY and name != "cloudwatch-log-group-encrypted":
            assert entry.enforcement_level == prod[name].enforcement_level == "mandatory", name


def test_production_only_finding_is_advisory_on_staging_and_mandatory_on_prod() -> None:
    def single_az(r):
        return {"db": replace(r["db"], multiAz=False)}

    (staging,) = violations(judge_compliant(single_az, stack="staging"), "rds-multi-az")
    (prod,) = violations(judge_compliant(single_az, stack="prod"), "rds-multi-az")
    assert (staging.enforcement_level, prod.enforcement_level) == ("advisory", "mandatory")


def test_per_stack_properties_apply() -> None:
    def short_backups(r):
        return {"db": replace(r["db"], backupRetentionPeriod=3)}

    assert violations(judge_compliant(short_backups, stack="staging"), "rds-backup-retention") == []
    assert violations(judge_compliant(short_backups, stack="prod"), "rds-backup-retention")


def test_missing_config_file_means_pack_defaults(tmp_path: Path) -> None:
    group = record("prod", "aws:xray/group:Group", "traces", {"filterExpression": "ok"})
    report = evaluate_packs(compliant_stack("prod", traces=group), "prod", tmp_path)
    assert report.config_files == dict.fromkeys(PACK_NAMES)
    # Fail closed: without a config no type is reviewed, so the types no rule judges are found.
    assert {v.policy for v in report.mandatory()} == {"resource-type-judged"}
    assert {v.type for v in report.mandatory()} == {"aws:xray/group:Group"}


# -- the engine's reconciliation -------------------------------------------------------------


def test_reconciliation_order_defaults_then_initial_config_then_file() -> None:
    base = load_pack("guardrails")
    pack = dataclasses.replace(
        base,
        initial_config={
            "rds-backup-retention": {
                "enforcementLevel": EnforcementLevel.ADVISORY,
                "minimumDays": 14,
            },
            "kms-key-rotation-enabled": {"maximumRotationDays": 180},
        },
    )
    given = parse_config_text(json.dumps({"rds-backup-retention": {"minimumDays": 10}}))
    config = PackSession(pack, "staging", given).config  # prod keeps every rule's own level
    assert config["rds-backup-retention"].enforcement_level == "advisory"  # initial config
    assert config["rds-backup-retention"].properties["minimumDays"] == 10  # file wins
    assert config["kms-key-rotation-enabled"].properties["maximumRotationDays"] == 180
    assert config["rds-multi-az"].properties == {"exemptions": []}  # schema default
    assert config["rds-multi-az"].enforcement_level == "mandatory"  # the rule's own level


def test_all_sets_every_level_then_policy_entries_override() -> None:
    given = parse_config_text(json.dumps({"all": "advisory", "rds-multi-az": "mandatory"}))
    config = PackSession(load_pack("guardrails"), "staging", given).config
    assert config["rds-multi-az"].enforcement_level == "mandatory"
    assert config["rds-storage-encrypted"].enforcement_level == "advisory"


def test_disabled_rule_does_not_run(tmp_path: Path) -> None:
    config_dir = _write_configs(tmp_path, "staging", "guardrails", {"rds-multi-az": "disabled"})
    report = judge_compliant(
        lambda r: {"db": replace(r["db"], multiAz=False)}, "staging", config_dir=config_dir
    )
    assert violations(report, "rds-multi-az") == []


# -- errors: each names the policy, the key and what is allowed --------------------------------


def test_typo_in_a_config_key_is_an_error(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"rds-backup-retention": {"minimumDay": 7}})
    assert "rds-backup-retention: 'minimumDay' is not a config key of this policy" in message
    assert "did you mean 'minimumDays'?" in message
    assert "allowed: enforcementLevel, exemptions, minimumDays" in message


def test_typo_in_a_policy_name_is_an_error(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"rds-multi-azz": "mandatory"})
    assert "'rds-multi-azz' is not a policy of this pack (did you mean 'rds-multi-az'?)" in message


def test_wrong_type_is_an_error_naming_policy_key_and_value(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"rds-backup-retention": {"minimumDays": "seven"}})
    assert "rds-backup-retention: minimumDays: 'seven' is not of type 'integer'" in message


def test_out_of_range_is_an_error(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"rds-backup-retention": {"minimumDays": 90}})
    assert "rds-backup-retention: minimumDays: 90 is greater than the maximum of 35" in message


def test_bad_enforcement_level_is_an_error(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"rds-multi-az": "mandatroy"})
    assert "rds-multi-az: 'mandatroy' is not an enforcement level" in message
    assert "advisory, mandatory, remediate, disabled" in message


def test_invalid_regex_is_an_error(tmp_path: Path) -> None:
    message = _errors(
        tmp_path, {"ecs-no-credentials-in-environment": {"credentialNamePatterns": ["PASS("]}}
    )
    assert "ecs-no-credentials-in-environment: credentialNamePatterns.0:" in message
    assert "is not a 'regex'" in message


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("(?<!NEXT_)KEY$", "lookbehind"),
        ("(?<=DB_)PASS", "lookbehind"),
        ("KEY(?!_PREFIX)", "lookahead"),
    ],
)
def test_lookaround_pattern_is_an_error(tmp_path: Path, pattern: str, kind: str) -> None:
    """Python's re accepts lookaround; RE2 (the engine) does not: refuse it with a clear message."""
    message = _errors(
        tmp_path,
        {"ecs-no-credentials-in-environment": {"credentialNamePatterns": ["SECRET", pattern]}},
    )
    assert (
        f"ecs-no-credentials-in-environment: credentialNamePatterns[1]: {pattern!r} uses a {kind}"
        in message
    )
    assert "RE2" in message
    assert "'SECRET'" not in message


def test_escaped_or_bracketed_lookaround_text_is_accepted(tmp_path: Path) -> None:
    patterns = [r"X\(?=", "[(?=]Y", r"(^|_)KEY$"]
    config_dir = _write_configs(
        tmp_path,
        "prod",
        "guardrails",
        {"ecs-no-credentials-in-environment": {"credentialNamePatterns": patterns}},
    )
    report = evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    assert report.mandatory() == []


def test_unknown_stateful_type_is_an_error(tmp_path: Path) -> None:
    message = _errors(
        tmp_path, {"stateful-resources-protected": {"resourceTypes": ["aws:rds/instanse:Instance"]}}
    )
    assert (
        "stateful-resources-protected: resourceTypes.0: 'aws:rds/instanse:Instance' is not one of"
        in message
    )


def test_cost_config_errors_too(tmp_path: Path) -> None:
    message = _errors(
        tmp_path,
        {"rds-instance-class-allowed": {"allowedInstanceClasses": ["t4g.medium"]}},
        pack="cost",
    )
    assert (
        "rds-instance-class-allowed: allowedInstanceClasses.0: 't4g.medium' does not match"
        in message
    )


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    message = _errors(
        tmp_path,
        {
            "rds-backup-retention": {"minimumDays": 0},
            "elasticache-snapshot-retention": {"minimumDays": "x"},
        },
    )
    assert "rds-backup-retention: minimumDays" in message
    assert "elasticache-snapshot-retention: minimumDays" in message


def test_not_json_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "prod.guardrails.json"
    path.write_text("{ not json")
    with pytest.raises(PolicyConfigError, match="not valid JSON"):
        evaluate_packs(compliant_stack("prod"), "prod", tmp_path)


def test_config_values_reach_the_rules(tmp_path: Path) -> None:
    config_dir = _write_configs(
        tmp_path,
        "prod",
        "cost",
        {"required-cost-tags": {"enforcementLevel": "mandatory", "requiredKeys": ["Team"]}},
    )
    report = evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    found = violations(report, "required-cost-tags")
    assert found and all("tags is missing Team" in v.message for v in found)
    taggable = {r.name for r in compliant_resources("prod").values() if "tags" in r.wire_inputs}
    assert {v.name for v in found} >= taggable - {"cdn-logs-sse"}
