"""Prod's invariants live in the packs (issue 22, item 7).

Property guarded: every property the prod stack file promises (a NAT gateway per AZ, no ECS Exec,
Multi-AZ database, deletion protection, the deployment strategy, cache failover) is a rule that
is mandatory in prod's policy config, so a prod stack file edited to break one fails the
preview with the rule named; no test has to name "prod" for it to be noticed. Staging's config
allows its deliberate saving (one NAT gateway) through the same rule's settings; ECS Exec is off
there too (AWS does not support it on the read-only root filesystem both stacks keep).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from foundation.records import StackRun
from tools.offline import preview
from tools.offline.policy_driver import CONFIG_DIR, evaluate_packs, parse_config_file
from tools.offline.runner import cached_run

ROOT = Path(__file__).resolve().parents[2]

PROMISES = {
    # stack-file promise -> the rule that holds it
    "perfcheck:network.natGateways: one-per-az": "vpc-nat-gateway-per-az",
    "perfcheck:service.execEnabled: false": "ecs-exec-disabled",
    "perfcheck:database.multiAz: true": "rds-multi-az",
    "perfcheck:database.deletionProtection: true": "rds-deletion-protection",
    "perfcheck:service.deploymentStrategy: canary": "ecs-service-deploys-with-automatic-rollback",
    "perfcheck:cache.multiAz: true": "elasticache-automatic-failover",
}


def test_every_promise_of_the_prod_stack_file_is_a_mandatory_rule_in_prod() -> None:
    prod = parse_config_file(CONFIG_DIR / "prod.guardrails.json")
    for promise, rule in PROMISES.items():
        assert prod[rule].enforcement_level == "mandatory", (promise, rule)


def test_staging_allows_its_single_nat_gateway_by_config_and_no_ecs_exec() -> None:
    staging = json.loads((CONFIG_DIR / "staging.guardrails.json").read_text())
    assert "Single" in staging["vpc-nat-gateway-per-az"]["allowedNatStrategies"]
    assert staging["ecs-exec-disabled"]["allowExecuteCommand"] is False
    prod = json.loads((CONFIG_DIR / "prod.guardrails.json").read_text())
    assert prod["vpc-nat-gateway-per-az"] == prod["ecs-exec-disabled"] == "mandatory"


def _edited(run: StackRun, type_token: str, edit: Callable[[dict[str, Any]], None]) -> StackRun:
    resources = []
    for rec in run.resources:
        if rec.type == type_token:
            inputs = json.loads(json.dumps(dict(rec.wire_inputs)))
            edit(inputs)
            rec = dataclasses.replace(rec, wire_inputs=inputs)
        resources.append(rec)
    return dataclasses.replace(run, resources=tuple(resources))


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(inputs: dict[str, Any]) -> None:
        target = inputs
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("type_token", "path", "value", "rule"),
    [
        ("awsx:ec2:Vpc", ("natGateways", "strategy"), "Single", "vpc-nat-gateway-per-az"),
        ("aws:ecs/service:Service", ("enableExecuteCommand",), True, "ecs-exec-disabled"),
        ("aws:rds/instance:Instance", ("multiAz",), False, "rds-multi-az"),
        ("aws:rds/instance:Instance", ("deletionProtection",), False, "rds-deletion-protection"),
        (
            "aws:ecs/service:Service",
            ("deploymentConfiguration", "strategy"),
            "ROLLING",
            "ecs-service-deploys-with-automatic-rollback",
        ),
        (
            "aws:elasticache/replicationGroup:ReplicationGroup",
            ("automaticFailoverEnabled",),
            False,
            "elasticache-automatic-failover",
        ),
    ],
)
def test_breaking_a_promise_in_the_real_prod_stack_is_a_mandatory_finding(
    type_token: str, path: tuple[str, ...], value: Any, rule: str
) -> None:
    # The deploy pack may add what AWS itself refuses (multi-AZ without failover) to the promise:
    # its findings are not asked for, so it is not run (each pack judges on its own servicer).
    report = evaluate_packs(
        _edited(cached_run("prod"), type_token, _set(path, value)),
        "prod",
        packs=("guardrails", "cost"),
    )
    assert {v.policy for v in report.mandatory()} == {rule}


def test_the_same_edits_on_staging_are_allowed_or_advisory() -> None:
    run = _edited(
        cached_run("staging"), "awsx:ec2:Vpc", _set(("natGateways", "strategy"), "Single")
    )
    report = evaluate_packs(run, "staging")
    assert [v.policy for v in report.mandatory()] == []


def _prod_copy(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    edit(document["config"])
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    (tmp_path / "policies" / "config").mkdir(parents=True)
    for pack in ("guardrails", "cost", "deploy"):
        shutil.copy(CONFIG_DIR / f"prod.{pack}.json", tmp_path / "policies" / "config")
    return tmp_path


def test_a_prod_stack_file_with_one_nat_gateway_and_exec_on_previews_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def break_promises(config: dict[str, Any]) -> None:
        config["perfcheck:network"]["natGateways"] = "single"
        config["perfcheck:service"]["execEnabled"] = True
        config["perfcheck:service"]["readonlyRootFilesystem"] = False  # what ECS Exec needs

    directory = _prod_copy(tmp_path, break_promises)
    code = preview.main(["--stack", "prod", "--stacks-dir", str(directory)])
    out = capsys.readouterr().out
    assert code == 1, out[-2000:]
    assert "[mandatory] perfcheck-guardrails/vpc-nat-gateway-per-az:" in out
    assert "natGateways.strategy is 'Single'" in out
    assert "[mandatory] perfcheck-guardrails/ecs-exec-disabled:" in out
