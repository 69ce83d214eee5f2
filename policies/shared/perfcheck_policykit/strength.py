"""What a production stack's policy config may not do: switch a guardrail off.

A config file is data anyone can change in a pull request. In prod, a rule left advisory or
disabled, a minimum lowered, a maximum raised, an allow-list widened, a list of what is judged
narrowed, or an exemption that covers more than its finding passes every preview while the
guardrail is off. Configure refuses such a config (the engine prints the message and stops),
so prod's floor is held by the packs themselves, not by a test that names a stack.

The floor of each config key is the rule's own default (its schema's `default`), raised where
prod promises more (`PRODUCTION_FLOORS`). How a value can weaken a rule depends on the key's
role (`KEY_ROLES`); a key with no role is refused when it differs from its default (fail closed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import EnforcementLevel, Policy

PRODUCTION_ENVIRONMENTS: Final = frozenset({"prod", "production"})
ENVIRONMENT_KEY: Final = "perfcheck:environment"

_LEVEL_RANK: Final = {
    EnforcementLevel.DISABLED: 0,
    EnforcementLevel.ADVISORY: 1,
    EnforcementLevel.MANDATORY: 2,
    EnforcementLevel.REMEDIATE: 2,
}

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
    "reviewedUnpricedTypes": SUBSET,
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
    # bound to one resource each, with a reason; their own rules report stale entries
    "exemptions": AUDITED,
    "reviewedTypes": AUDITED,
    "allowedFrontDoors": AUDITED,
}

MINIMUM_REASON_WORDS: Final = 4
"""An exemption's reason says why in words: 'TODO', 'n/a' or 'temp fix' say nothing."""


def is_production(stack: str | None, stack_config: Mapping[str, str]) -> bool:
    """A stack of this program is production when its settings say so or its name does ('prod',
    'prod-dr': a prod stack file switched to `environment: staging` stays prod here). The
    settings require `environment`, so a stack config without it is not this program's stack
    (a test's synthetic stack) and is not judged."""
    environment = stack_config.get(ENVIRONMENT_KEY)
    if environment is None:
        return False
    named = str(stack or "").split("-")[0].lower()
    return (
        environment.strip().strip('"').lower() in PRODUCTION_ENVIRONMENTS
        or named in PRODUCTION_ENVIRONMENTS
    )


def production_errors(
    policies: Sequence[Policy],
    levels: Mapping[str, EnforcementLevel],
    configs: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    """Each way the effective config (`levels` and `configs` by policy name) is weaker than the
    rules' own defaults and prod's floors, one line each naming the key, the value and what is
    allowed."""
    errors: list[str] = []
    for policy in policies:
        name = policy.name
        own = policy.enforcement_level or EnforcementLevel.MANDATORY
        level = levels.get(name, own)
        if _LEVEL_RANK[level] < _LEVEL_RANK[own]:
            errors.append(
                f"{name}: enforcementLevel '{level.value}' switches this guardrail off in a "
                f"production stack; allowed: {own.value} (the rule's own level) or stricter"
            )
        schema = policy.config_schema.properties if policy.config_schema else {}
        config = configs.get(name) or {}
        floors = PRODUCTION_FLOORS.get(name, {})
        for key, value in sorted(config.items()):
            floor = floors.get(key, (schema.get(key) or {}).get("default"))
            problem = _weaker(KEY_ROLES.get(key), value, floor)
            if problem:
                errors.append(f"{name}: {key}: {_show(value)} {problem}")
        errors.extend(_exemption_errors(name, config.get("exemptions") or ()))
    return errors


def _weaker(role: str | None, value: Any, floor: Any) -> str | None:
    """Why `value` is weaker than `floor` for a key of `role` (None: it is not)."""
    if role in (AUDITED, NEUTRAL) or value == floor:
        return None
    if role is None:
        return (
            f"differs from the rule's default {_show(floor)}, and whether that weakens the rule "
            "is not known (no role in perfcheck_policykit/strength.py); allowed in a "
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
        if not exemption.get("property"):
            errors.append(
                f"{name}: exemptions[{index}]: names no 'property', so it waves through every "
                "finding of the rule on the resource; allowed in a production stack: an "
                "exemption bound to the finding it was written for ('property', optionally "
                "'found')"
            )
        reason = str(exemption.get("reason", ""))
        if len(reason.split()) < MINIMUM_REASON_WORDS:
            errors.append(
                f"{name}: exemptions[{index}].reason: {reason!r} does not say why; allowed: a "
                f"reason of at least {MINIMUM_REASON_WORDS} words (what, why, until when)"
            )
    return errors


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value)
