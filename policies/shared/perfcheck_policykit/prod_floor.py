"""A prod stack runs every rule at least at the rule's own level: its config may not lower one.

Each rule declares its level (mandatory for all but the few advisory by design); staging's config
lowers the production-only rules to advisory. A prod stack's config that does the same (a level
lowered or disabled, a rule left out under `"all": "advisory"`, a duplicate key whose last value
wins) would pass what prod promises. So in a prod stack, a level below the rule's own is a config
error: the run stops before any resource is judged. A stack is prod by its name (`prod`,
`prod-*`) or by its own config (`<project>:environment: prod`), whatever its policy config says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

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


def prod_by_settings(project: str | None, config: Mapping[str, str]) -> bool:
    """The stack's own settings say prod (the settings require `environment`): the parameter
    floor judges this program's stacks, not a test's synthetic stack that is only named prod."""
    environment = config.get(f"{project}:environment", "") if project else ""
    return environment.strip().casefold() == "prod"


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


PRODUCTION_FLOORS: Final[Mapping[str, Mapping[str, Any]]] = {
    # Prod serves from at least two tasks and deploys with a bake and alarm-driven rollback
    # (issue 22, item 7: what the prod config promises is a rule at prod's level).
    "ecs-service-serving-tasks": {"minimumServingTasks": 2},
    "ecs-service-deploys-with-automatic-rollback": {
        "allowedStrategies": ["CANARY", "LINEAR", "BLUE_GREEN"]
    },
}

AT_LEAST, AT_MOST, SUBSET, SUPERSET, STAYS_TRUE, STAYS_FALSE, SAME, AUDITED, NEUTRAL = (
    "at least",
    "at most",
    "subset",
    "superset",
    "stays true",
    "stays false",
    "same",
    "audited",
    "neutral",
)
KEY_ROLES: Final[Mapping[str, str]] = {
    # numbers: a minimum may rise, a maximum may fall
    "minimumDays": AT_LEAST,
    "minimumServingTasks": AT_LEAST,
    "maximumRotationDays": AT_MOST,
    "maximumDays": AT_MOST,
    "maximumPercentOfBudget": AT_MOST,
    "maximumBudgetMultiple": AT_MOST,
    "unpricedMonthlyLimitUsd": AT_MOST,
    "maximumRatePerSecond": AT_MOST,
    "frontDoorRequestsPerSecond": AT_MOST,
    # what passes: may only shrink
    "allowedAlgorithms": SUBSET,
    "allowedMinimumProtocolVersions": SUBSET,
    "allowedOriginSslProtocols": SUBSET,
    "httpOriginIds": SUBSET,
    "allowedSslPolicies": SUBSET,
    "allowedCapabilities": SUBSET,
    "allowedVariableNames": SUBSET,
    "publicVariablePrefixes": SUBSET,
    "allowedPublicPorts": SUBSET,
    "allowedStrategies": SUBSET,
    "allowedNatStrategies": SUBSET,
    "allowedInstanceClasses": SUBSET,
    "allowedNodeTypes": SUBSET,
    "clientImageKeywords": SUBSET,
    "clientTools": SUBSET,
    "understoodPackages": SUBSET,
    "judgedByOtherPacks": SUBSET,
    # what is judged or looked for: may only grow
    "resourceTypes": SUPERSET,
    "credentialNamePatterns": SUPERSET,
    "databaseImages": SUPERSET,
    "databaseImageKeywords": SUPERSET,
    "databaseEnvironmentVariables": SUPERSET,
    "serverBinaries": SUPERSET,
    "databaseDataPaths": SUPERSET,
    "requiredKeys": SUPERSET,
    # switches
    "requireCustomerManagedKey": STAYS_TRUE,
    "requireAuth": STAYS_TRUE,
    "requireMultiAz": STAYS_TRUE,
    "requireNotification": STAYS_TRUE,
    "environmentMustMatchStack": STAYS_TRUE,
    "projectMustMatchProject": STAYS_TRUE,
    "allowExecuteCommand": STAYS_FALSE,
    # which tag keys carry project and environment: changing them judges another tag
    "environmentKey": SAME,
    "projectKey": SAME,
    "expectedEnvironment": SAME,
    # what the preview prints (the reviewed types as a note), not what it judges
    "listReviewedTypes": NEUTRAL,
    # empty means any repository named in full: a list only narrows it
    "repositories": NEUTRAL,
    # bound to one resource each, with a reason; their own rules report stale entries
    "exemptions": AUDITED,
    "reviewedTypes": AUDITED,
    "allowedFrontDoors": AUDITED,
    "reviewedUnpricedTypes": AUDITED,
}

MINIMUM_REASON_WORDS: Final = 4
"""An exemption's reason says why in words: 'TODO', 'n/a' or 'temp fix' say nothing."""


def parameter_errors(
    policies: Sequence[Policy],
    level_of: Callable[[Policy], EnforcementLevel],
    config_of: Callable[[str], Mapping[str, Any] | None],
    why_prod: str,
) -> list[str]:
    """A config error for each way an enabled rule's config is weaker than the rule's default and
    prod's floors, naming the key, the value and what is allowed."""
    if all(level_of(policy) == EnforcementLevel.DISABLED for policy in policies):
        return []  # a pack not run (see floor_errors)
    errors: list[str] = []
    for policy in policies:
        name = policy.name
        schema = policy.config_schema.properties if policy.config_schema else {}
        config = config_of(name) or {}
        floors = PRODUCTION_FLOORS.get(name, {})
        for key, value in sorted(config.items()):
            if key not in schema:
                continue  # the servicer's strict check reports it
            floor = floors.get(key, (schema.get(key) or {}).get("default"))
            problem = _weaker(KEY_ROLES.get(key), value, floor)
            if problem:
                errors.append(f"{name}: {key}: {_show(value)} {problem} ({why_prod})")
        errors.extend(_exemption_errors(name, config.get("exemptions") or ()))
    return errors


def _weaker(role: str | None, value: Any, floor: Any) -> str | None:
    """Why `value` is weaker than `floor` for a key of `role` (None: it is not)."""
    if role in (AUDITED, NEUTRAL) or value == floor:
        return None
    if role is None:
        return (
            f"differs from the rule's default {_show(floor)}, and whether that weakens the rule "
            "is not known (no role in perfcheck_policykit/prod_floor.py); allowed in a "
            "production stack: the default"
        )
    if role == SAME:
        return f"is not the rule's {_show(floor)}; allowed in a production stack: {_show(floor)}"
    if role in (STAYS_TRUE, STAYS_FALSE):
        wanted = role == STAYS_TRUE
        if floor is not None and bool(floor) == wanted and value != wanted:
            return f"switches the check off; allowed in a production stack: {_show(wanted)}"
        return None
    if floor is None:
        return None  # no default bound (e.g. no maximum): any value is at least as strict
    if role == AT_LEAST and not value >= floor:
        return f"is below the production floor; allowed: {floor} or more"
    if role == AT_MOST and not value <= floor:
        return f"is above the production ceiling; allowed: {floor} or less"
    if role == SUBSET:
        extra = [item for item in value if item not in floor]
        if extra:
            return (
                f"lets through {_show(extra)}, which the rule's default does not; allowed in a "
                f"production stack: a subset of {_show(floor)}"
            )
    if role == SUPERSET:
        missing = [item for item in floor if item not in value]
        if missing:
            return (
                f"no longer judges {_show(missing)}; allowed in a production stack: every "
                f"entry of {_show(floor)}, and more"
            )
    return None


def _exemption_errors(name: str, exemptions: Sequence[Any]) -> list[str]:
    errors = []
    if exemptions and name.endswith("-exemptions-current"):
        errors.append(
            f"{name}: exemptions: the audit of exemptions cannot itself be exempted in a "
            "production stack; allowed: no exemptions (fix or remove the stale one)"
        )
    for index, exemption in enumerate(exemptions):
        if not isinstance(exemption, Mapping):
            continue  # the schema reports it
        reason = str(exemption.get("reason", ""))
        if len(reason.split()) < MINIMUM_REASON_WORDS:
            errors.append(
                f"{name}: exemptions[{index}].reason: {reason!r} does not say why; allowed: a "
                f"reason of at least {MINIMUM_REASON_WORDS} words (what, why, until when)"
            )
    return errors


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value)
