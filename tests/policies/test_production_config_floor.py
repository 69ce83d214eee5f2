"""A production stack's policy config cannot switch a guardrail off through its parameters or
exemptions (perfcheck_policykit.prod_floor.parameter_errors; the levels:
tests/policies/test_prod_floor.py).

Property: in a prod stack (named prod or prod-*, or `environment: prod`), the config the engine
hands the pack is refused at Configure, before any resource is judged, when it is weaker than the
rules' own defaults and prod's floors: a rule below its own level, a minimum lowered, a maximum
raised, an allow-list widened, a list of what is judged narrowed, a check switched off, an
exemption without a reason that says why, or the exemption audit exempted. Each refusal names the
rule, the key, the value and what is allowed. Staging is not held to it; a test binds every
shipped prod exemption to its finding.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from perfcheck_policykit import prod_floor as strength
from pulumi_policy import EnforcementLevel

from tools.offline.policy_driver import (
    CONFIG_DIR,
    PACK_NAMES,
    PackSession,
    PolicyConfigError,
    load_pack,
    parse_config_file,
)

PROD = {"perfcheck:environment": "prod"}


def _raw(stack: str, pack: str) -> dict[str, Any]:
    return json.loads((CONFIG_DIR / f"{stack}.{pack}.json").read_text())


def _errors(pack: str, raw: dict[str, Any]) -> list[str]:
    """What the floor reports for a config given as its file's JSON."""
    policies = load_pack(pack).policies
    levels: dict[str, EnforcementLevel] = {}
    configs: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        if isinstance(entry, str):
            levels[name] = EnforcementLevel(entry)
            continue
        entry = dict(entry)
        if "enforcementLevel" in entry:
            levels[name] = EnforcementLevel(entry.pop("enforcementLevel"))
        configs[name] = entry

    def level_of(policy: Any) -> EnforcementLevel:
        return levels.get(policy.name, policy.enforcement_level or EnforcementLevel.MANDATORY)

    why = "it is named 'prod'"
    return strength.floor_errors(policies, level_of, why) + strength.parameter_errors(
        policies, level_of, configs.get, why
    )


def _schema_keys(pack: str) -> list[tuple[str, str, Any]]:
    return [
        (policy.name, key, schema.get("default"))
        for policy in load_pack(pack).policies
        for key, schema in (policy.config_schema.properties if policy.config_schema else {}).items()
    ]


@pytest.mark.parametrize("stack", ["prod", "prod-dr"])
@pytest.mark.parametrize("pack", PACK_NAMES)
def test_the_shipped_production_configs_meet_the_floor(stack: str, pack: str) -> None:
    assert _errors(pack, _raw(stack, pack)) == []


def test_the_engine_path_refuses_a_weakened_prod_config_before_judging() -> None:
    """Through the servicer as the engine drives it (ConfigureStack, then Configure)."""
    loaded = load_pack("guardrails")
    config = parse_config_file(CONFIG_DIR / "prod.guardrails.json")
    config["rds-multi-az"] = dataclasses.replace(
        config["rds-multi-az"], enforcement_level="advisory"
    )
    with pytest.raises(PolicyConfigError) as caught:
        PackSession(loaded, "prod-dr", config, stack_config=PROD)
    message = str(caught.value)
    assert "rds-multi-az: enforcementLevel 'advisory'" in message
    assert "allowed: mandatory" in message
    # The same config is staging's business in a staging stack.
    PackSession(loaded, "staging", config, stack_config={"perfcheck:environment": "staging"})


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_a_rule_below_its_own_level_is_refused(pack: str) -> None:
    raw = _raw("prod", pack)
    for policy in load_pack(pack).policies:
        own = policy.enforcement_level or EnforcementLevel.MANDATORY
        weaker = ["disabled"] if own == EnforcementLevel.ADVISORY else ["advisory", "disabled"]
        for level in weaker:
            edited = copy.deepcopy(raw)
            entry = edited[policy.name]
            if isinstance(entry, dict):
                entry["enforcementLevel"] = level
            else:
                edited[policy.name] = level
            errors = _errors(pack, edited)
            assert any(
                e.startswith(f"{policy.name}: enforcementLevel '{level}'") and "allowed:" in e
                for e in errors
            ), (policy.name, level, errors)


def test_every_config_key_of_every_pack_has_a_role() -> None:
    """Fail closed: a new config key must say how it can weaken its rule."""
    missing = sorted(
        {key for pack in PACK_NAMES for _, key, _ in _schema_keys(pack)} - set(strength.KEY_ROLES)
    )
    assert missing == []


def test_a_key_without_a_role_is_refused_when_it_differs_from_its_default() -> None:
    assert strength._weaker(None, 5, 7) is not None
    assert strength._weaker(None, 7, 7) is None


def _weakenings(role: str, default: Any) -> list[Any]:
    """Values that weaken a key of `role` whose default is `default` (own members, not the
    corpus's)."""
    if role == strength.AT_LEAST and isinstance(default, int | float):
        return [default - 1, 0]
    if role == strength.AT_MOST and isinstance(default, int | float):
        return [default + 1, default * 10]
    if role == strength.SUBSET and isinstance(default, list):
        widened = 22 if default and isinstance(default[0], int) else "something-else"
        return [[*default, widened]]
    if role == strength.SUPERSET and isinstance(default, list) and default:
        return [default[1:], []]
    if role == strength.STAYS_TRUE and default is True:
        return [False]
    if role == strength.STAYS_FALSE and default is False:
        return [True]
    if role == strength.SAME and isinstance(default, str):
        return [default + "X"]
    return []


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_each_config_key_refuses_a_value_that_weakens_it(pack: str) -> None:
    judged = 0
    for name, key, default in _schema_keys(pack):
        floor = strength.PRODUCTION_FLOORS.get(name, {}).get(key, default)
        for value in _weakenings(strength.KEY_ROLES[key], floor):
            errors = _errors(pack, {name: {key: value}})
            assert any(e.startswith(f"{name}: {key}: ") and "allowed" in e for e in errors), (
                name,
                key,
                value,
                errors,
            )
            judged += 1
    tunable = [k for _, k, _ in _schema_keys(pack) if strength.KEY_ROLES[k] != strength.AUDITED]
    assert judged >= len(tunable) > 0 or not tunable


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_a_stricter_value_is_accepted(pack: str) -> None:
    for name, key, default in _schema_keys(pack):
        floor = strength.PRODUCTION_FLOORS.get(name, {}).get(key, default)
        role = strength.KEY_ROLES[key]
        stricter: list[Any] = []
        if role == strength.AT_LEAST and isinstance(floor, int | float):
            stricter = [floor, floor + 1]
        elif role == strength.AT_MOST and isinstance(floor, int | float):
            stricter = [floor, floor / 2 if isinstance(floor, float) else max(floor - 1, 1)]
        elif role == strength.SUBSET and isinstance(floor, list) and floor:
            stricter = [floor[:1]]
        elif role == strength.SUPERSET and isinstance(floor, list):
            stricter = [[*floor, "more"]]
        for value in stricter:
            assert _errors(pack, {name: {key: value}}) == [], (name, key, value)


def test_prod_floors_above_the_defaults_hold() -> None:
    """Prod promises two serving tasks and a strategy with a bake (issue 22, item 7)."""
    errors = _errors("guardrails", {"ecs-service-serving-tasks": {"minimumServingTasks": 1}})
    assert errors and "allowed: 2 or more" in errors[0]
    errors = _errors(
        "guardrails",
        {"ecs-service-deploys-with-automatic-rollback": {"allowedStrategies": ["ROLLING"]}},
    )
    assert errors and '["ROLLING"]' in errors[0]


EXEMPTION = {
    "type": "aws:cloudfront/distribution:Distribution",
    "name": "cdn-distribution",
    "parent": "cdn",
    "property": "viewerCertificate.cloudfrontDefaultCertificate",
    "reason": "No custom domain yet: viewers use the default certificate until the owners set it.",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reason": "TODO"}, "does not say why"),
        ({"reason": "see ticket OPS-1"}, "does not say why"),
    ],
)
def test_an_exemption_says_why(change: dict[str, Any], expected: str) -> None:
    exemption = {k: v for k, v in {**EXEMPTION, **change}.items() if v is not None}
    errors = _errors("guardrails", {"cloudfront-viewer-tls": {"exemptions": [exemption]}})
    assert any(expected in e and "exemptions[0]" in e for e in errors), errors
    assert _errors("guardrails", {"cloudfront-viewer-tls": {"exemptions": [EXEMPTION]}}) == []


@pytest.mark.parametrize("stack", ["prod", "prod-dr"])
@pytest.mark.parametrize("pack", PACK_NAMES)
def test_every_shipped_prod_exemption_is_bound_to_its_finding(stack: str, pack: str) -> None:
    """Unbound, an exemption waves through every finding of its rule on the resource (README,
    'Exempting a resource'): a prod stack's file binds each to its `property`."""
    assert unbound_exemptions(_raw(stack, pack)) == []


def unbound_exemptions(raw: dict[str, Any]) -> list[str]:
    return [
        f"{name}: exemptions[{index}]"
        for name, entry in raw.items()
        if isinstance(entry, dict)
        for index, exemption in enumerate(entry.get("exemptions") or ())
        if not exemption.get("property")
    ]


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_the_exemption_audit_cannot_be_exempted(pack: str) -> None:
    audit = f"{load_pack(pack).name.removeprefix('perfcheck-')}-exemptions-current"
    errors = _errors(pack, {audit: {"exemptions": [EXEMPTION]}})
    assert any(e.startswith(f"{audit}: exemptions: the audit") for e in errors), errors


def test_staging_is_not_held_to_the_floor() -> None:
    """Staging leaves production-only rules advisory (its config would fail the floor)."""
    assert _errors("guardrails", _raw("staging", "guardrails"))
    loaded = load_pack("guardrails")
    staging = parse_config_file(CONFIG_DIR / "staging.guardrails.json")
    PackSession(loaded, "staging", staging, stack_config={"perfcheck:environment": "staging"})
