"""A prod stack's config may not lower a rule below the rule's own level (perfcheck_policykit.
prod_floor): staging's levels, a disabled rule, a rule dropped under `"all": "advisory"`, a
duplicate key whose last value wins; a stack is prod by its name or by its environment setting,
not by which config file it was given. Each case fails with the property removed (the run would
go on, with the finding advisory or absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from foundation.records import StackRun
from tests.policies.builders import compliant_resources
from tests.policies.support import synthetic_config
from tools.offline.policy_driver import PolicyConfigError, evaluate_packs

RULE_PACKS = ("guardrails", "cost")


def _run(
    tmp_path: Path,
    stack: str,
    guardrails: dict[str, Any] | str,
    *,
    source: str = "prod",
    environment: str | None = None,
) -> None:
    for pack in RULE_PACKS:
        config = guardrails if pack == "guardrails" else synthetic_config(source, pack)
        text = config if isinstance(config, str) else json.dumps(config)
        (tmp_path / f"{stack}.{pack}.json").write_text(text)
    settings = {} if environment is None else {"perfcheck:environment": environment}
    run = StackRun(
        stack=stack,
        project="perfcheck",
        resources=tuple(compliant_resources(stack).values()),
        outputs={},
        config=settings,
    )
    evaluate_packs(run, stack, tmp_path, packs=RULE_PACKS)


def _refused(tmp_path: Path, stack: str, guardrails: dict[str, Any] | str, **kw: Any) -> str:
    with pytest.raises(PolicyConfigError) as caught:
        _run(tmp_path, stack, guardrails, **kw)
    return str(caught.value)


def _prod_with(**levels: Any) -> dict[str, Any]:
    config = synthetic_config("prod", "guardrails")
    config.update(levels)
    return config


@pytest.mark.parametrize(
    ("rule", "level"),
    [
        ("rds-multi-az", "advisory"),
        ("stateful-resources-protected", "disabled"),
        ("resource-type-judged", "advisory"),
        ("guardrails-exemptions-current", "disabled"),
        ("ecs-exec-disabled", {"enforcementLevel": "advisory"}),
    ],
)
def test_a_prod_stack_refuses_a_rule_below_its_own_level(
    tmp_path: Path, rule: str, level: Any
) -> None:
    message = _refused(tmp_path, "prod", _prod_with(**{rule: level}))
    assert f"{rule}: enforcementLevel '" in message
    assert "below the rule's own level 'mandatory'" in message and "named 'prod'" in message


def test_a_rule_left_out_under_all_advisory_is_refused(tmp_path: Path) -> None:
    config = {"all": "advisory", **_prod_with()}
    config.pop("rds-deletion-protection")
    message = _refused(tmp_path, "prod", config)
    assert "rds-deletion-protection: enforcementLevel 'advisory'" in message
    assert "rds-multi-az:" not in message  # listed as mandatory: kept


def test_a_duplicate_key_whose_last_value_lowers_is_refused(tmp_path: Path) -> None:
    text = json.dumps(_prod_with())[:-1] + ', "rds-multi-az": "advisory"}'
    assert "rds-multi-az: enforcementLevel 'advisory'" in _refused(tmp_path, "prod", text)


@pytest.mark.parametrize("stack", ["production", "Prod", "eu-main", "prod-eu"])
def test_a_stack_whose_environment_is_prod_is_prod_whatever_its_name(
    tmp_path: Path, stack: str
) -> None:
    """A stack created from staging's configs (make new-stack's default) but set up as prod."""
    staging = synthetic_config("staging", "guardrails")
    message = _refused(tmp_path, stack, staging, source="staging", environment="prod")
    assert "rds-multi-az: enforcementLevel 'advisory'" in message
    assert "perfcheck:environment: prod" in message


@pytest.mark.parametrize("stack", ["Prod", "prod-eu", "prod_eu"])
def test_a_stack_named_prod_is_prod_without_its_environment(tmp_path: Path, stack: str) -> None:
    staging = synthetic_config("staging", "guardrails")
    assert "named" in _refused(tmp_path, stack, staging, source="staging")


def test_staging_may_lower_and_prod_may_raise_or_keep(tmp_path: Path) -> None:
    _run(tmp_path / "s", "staging", synthetic_config("staging", "guardrails"), source="staging")
    raised = _prod_with(**{"cloudwatch-log-group-encrypted": "mandatory"})
    _run(tmp_path / "p", "prod", raised)
    _run(tmp_path / "d", "dev", _prod_with(**{"rds-multi-az": "advisory"}), source="staging")
    _run(tmp_path / "x", "production", synthetic_config("staging", "guardrails"), source="staging")


def test_a_pack_switched_off_whole_is_a_pack_not_run(tmp_path: Path) -> None:
    """Every rule disabled is what leaving out --policy-pack does, which no pack can see: not a
    lowered rule (the preview's own check requires each pack's config file)."""
    _run(tmp_path, "prod", {"all": "disabled"})


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    for sub in ("s", "p", "d", "x"):
        (tmp_path / sub).mkdir()
