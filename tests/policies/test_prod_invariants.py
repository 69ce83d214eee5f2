"""Prod's invariants live in the packs (issue 22, item 7).

Property guarded: every property the prod stack file promises (a NAT gateway per AZ, no ECS Exec,
Multi-AZ database, deletion protection, the deployment strategy, cache failover) is a rule that
is mandatory in prod's policy config, so a prod stack file edited to break one fails the
preview with the rule named; no test has to name "prod" for it to be noticed. Staging's config
allows its deliberate saving (one NAT gateway) through the same rule's settings; ECS Exec is off
there too (AWS does not support it on the read-only root filesystem both stacks keep).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import shutil
import tempfile
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


BROKEN_PROMISES: dict[str, tuple[tuple[str, str, Any], str, str]] = {
    # invariant: ((settings section, key, the broken value), its rule, what the finding names)
    "nat-per-az": (
        ("perfcheck:network", "natGateways", "single"),
        "vpc-nat-gateway-per-az",
        "natGateways.strategy is 'Single'",
    ),
    "no-exec": (
        ("perfcheck:service", "execEnabled", True),
        "ecs-exec-disabled",
        "enableExecuteCommand is true",
    ),
    "multi-az-database": (
        ("perfcheck:database", "multiAz", False),
        "rds-multi-az",
        "multiAz is false",
    ),
    "deletion-protection": (
        ("perfcheck:database", "deletionProtection", False),
        "rds-deletion-protection",
        "deletionProtection is false",
    ),
    "deployment-strategy": (
        ("perfcheck:service", "deploymentStrategy", "rolling"),
        "ecs-service-deploys-with-automatic-rollback",
        "deploymentConfiguration.strategy is 'ROLLING'",
    ),
    "cache-failover": (
        ("perfcheck:cache", "multiAz", False),
        "elasticache-automatic-failover",
        "multiAzEnabled is false",
    ),
}


def _break_every_promise(config: dict[str, Any]) -> None:
    for (section, key, value), _, _ in BROKEN_PROMISES.values():
        config[section][key] = value
    service = config["perfcheck:service"]
    service["readonlyRootFilesystem"] = False  # what ECS Exec needs
    for key in ("bakeTimeMinutes", "canaryPercent", "canaryBakeMinutes"):
        service.pop(key, None)  # the settings refuse them with a rolling deployment


def _copy(directory: Path, stack: str) -> Path:
    """Prod's stack file with every promise broken and prod's policy configs, as `stack`."""
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    _break_every_promise(document["config"])
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    (directory / "policies" / "config").mkdir(parents=True)
    for pack in ("guardrails", "cost", "deploy"):
        target = directory / "policies" / "config" / f"{stack}.{pack}.json"
        shutil.copy(CONFIG_DIR / f"prod.{pack}.json", target)
    return directory


def _previewed(stack: str) -> tuple[int, str]:
    """(exit code, output) of `make preview` on prod's broken copy named `stack`."""
    with tempfile.TemporaryDirectory(prefix="perfcheck-promises-") as directory:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = preview.main(
                ["--stack", stack, "--stacks-dir", str(_copy(Path(directory), stack))]
            )
    return code, out.getvalue()


@pytest.mark.parametrize("stack", ["prod", "live"])
def test_a_prod_stack_file_breaking_each_invariant_previews_with_its_blocking_finding(
    stack: str,
) -> None:
    """One preview per stack name (each costs a program run), judged invariant by invariant:
    every broken promise is a blocking finding of its rule naming the setting. Under another
    name ("live", with prod's policy configs) the same: the rules read the stack's config and
    resources, never its name."""
    code, out = _previewed(stack)
    assert code == 1, out[-2000:]
    text = " ".join(out.split())
    missing = {
        invariant: rule
        for invariant, (_, rule, named) in BROKEN_PROMISES.items()
        if f"[mandatory] perfcheck-guardrails/{rule}:" not in text or named not in text
    }
    assert not missing, (missing, out[-3000:])
