"""A prod stack runs every rule at least at the rule's own level: its config may not lower one.

Each rule declares its level (mandatory for all but the few advisory by design); staging's config
lowers the production-only rules to advisory. A prod stack's config that does the same (a level
lowered or disabled, a rule left out under `"all": "advisory"`, a duplicate key whose last value
wins) would pass what prod promises. So in a prod stack, a level below the rule's own is a config
error: the run stops before any resource is judged. A stack is prod by its name (`prod`,
`prod-*`) or by its own config (`<project>:environment: prod`), whatever its policy config says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from pulumi_policy import EnforcementLevel, Policy

_RANK = {
    EnforcementLevel.DISABLED: 0,
    EnforcementLevel.ADVISORY: 1,
    EnforcementLevel.MANDATORY: 2,
    EnforcementLevel.REMEDIATE: 2,
}
_PROD_NAME = re.compile(r"prod(?:[-_.].*)?", re.IGNORECASE)


def prod_reason(stack: str | None, project: str | None, config: Mapping[str, str]) -> str | None:
    """Why the stack is prod (its name or its environment setting), or None."""
    environment = config.get(f"{project}:environment", "") if project else ""
    if environment.strip().casefold() == "prod":
        return f"its config sets {project}:environment: {environment.strip()}"
    if stack and _PROD_NAME.fullmatch(stack.strip()):
        return f"it is named '{stack}'"
    return None


def floor_errors(
    policies: Sequence[Policy],
    level_of: Callable[[Policy], EnforcementLevel],
    why_prod: str,
) -> list[str]:
    """A config error for each rule whose configured level is below its own. A pack with every
    rule disabled is a pack not run (like leaving out its --policy-pack), which no pack can see:
    that is the caller's to refuse, not a lowered rule."""
    levels = {policy.name: level_of(policy) for policy in policies}
    if all(level == EnforcementLevel.DISABLED for level in levels.values()):
        return []
    errors = []
    for policy in policies:
        own = policy.enforcement_level or EnforcementLevel.MANDATORY
        given = levels[policy.name]
        if _RANK[given] < _RANK[own]:
            allowed = sorted(level.value for level, rank in _RANK.items() if rank >= _RANK[own])
            errors.append(
                f"{policy.name}: enforcementLevel '{given.value}' is below the rule's own level "
                f"'{own.value}', which a prod stack keeps ({why_prod}); allowed: "
                f"{', '.join(allowed)}"
            )
    return errors
