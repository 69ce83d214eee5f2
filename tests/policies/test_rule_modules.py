"""A rule a pack's module defines is a rule the pack runs: POLICIES is built from the rule
modules themselves, so the property to guard is that no module holding rules is left out of
`RULE_MODULES` (its rules would silently never run) and that each rule runs once."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from perfcheck_policykit import Rule

from tools.offline.policy_driver import load_pack

PACKAGES = {"guardrails": "perfcheck_guardrails", "cost": "perfcheck_cost"}


def _rules_defined(package_name: str) -> dict[str, list[Rule]]:
    package = importlib.import_module(package_name)
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package_name}.{info.name}")
        rules = [value for value in vars(module).values() if isinstance(value, Rule)]
        if rules:
            found[info.name] = rules
    return found


@pytest.mark.parametrize("pack", sorted(PACKAGES))
def test_every_module_that_defines_rules_is_run(pack: str) -> None:
    load_pack(pack)  # puts the kit and the pack on sys.path
    package = importlib.import_module(PACKAGES[pack])
    listed = {module.__name__.rsplit(".", 1)[-1] for module in package.RULE_MODULES}
    defined = _rules_defined(PACKAGES[pack])
    assert set(defined) <= listed, f"modules with rules left out: {set(defined) - listed}"
    running = [policy.name for policy in package.POLICIES]
    for rules in defined.values():
        for rule in rules:
            assert running.count(rule.name) == 1, rule.name
