"""Cost-allocation tags on every taggable resource.

A resource's effective tags are its `tags` input merged over its provider's `defaultTags` (how
the AWS provider computes `tagsAll`), so a tag set once on the provider counts everywhere, and a
resource-level tag overrides it. Only types that accept `tags` are judged (the generated
`TAGGABLE_TYPES`): a rule that asked an IAM attachment for tags would only produce noise.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, schema, values
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

from .taggable_types import TAGGABLE_TYPES

AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
REQUIRED_KEYS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")
AWS_PROVIDER = "pulumi:providers:aws"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_DAEMON = "aws:ecs/daemon:Daemon"

PLACEHOLDER = re.compile(
    r"^(tbd|tbc|tba|todo|fixme|changeme|change[-_ ]?me|replace[-_ ]?me|fill[-_ ]?me|"
    r"placeholder|n/?a|none|null|nil|undefined|unknown|default|dummy|sample|example|"
    r"x+|-+|_+|\.+|\?+|\*+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\})$",
    re.IGNORECASE,
)
"""Values that fill a tag without saying anything (a cost report cannot allocate 'TBD')."""


@functools.lru_cache(maxsize=4096)
def is_placeholder(value: str) -> bool:
    """Empty, whitespace, or a placeholder word / filler (any case, surrounding space)."""
    return not value.strip() or bool(PLACEHOLDER.match(value.strip()))


def project_of(urn: str) -> str | None:
    """The Pulumi project a URN names (urn:pulumi:<stack>::<project>::...)."""
    parts = urn.split("::")
    return parts[1] if len(parts) > 2 else None


def provider_default_tags(ctx: ResourceContext) -> Mapping[str, Any] | Any:
    """The provider's defaultTags.tags: {} when none, UNKNOWN when not known yet.

    Provider inputs reach the engine as strings: `defaultTags` is a JSON string '{"tags": {...}}'
    (an object is accepted too).
    """
    provider = ctx.args.provider
    if provider is None:
        return {}
    raw = values.get(provider.props, "defaultTags")
    if raw is None:
        return {}
    if raw is values.UNKNOWN:
        return values.UNKNOWN
    if isinstance(raw, str):
        try:
            raw = values.parse_json_property(raw) if raw.strip() else {}  # parsed once per text
        except values.InvalidJson:
            return {}
    tags = values.get(raw, "tags")
    if tags is values.UNKNOWN:
        return values.UNKNOWN
    return tags if isinstance(tags, Mapping) else {}


def _check_tags(ctx: ResourceContext) -> None:
    required = config_list(ctx.config, "requiredKeys")
    environment_key = ctx.config.get("environmentKey", "Environment")
    own = values.tag_map(ctx.get("tags"))
    # The AWS provider applies default_tags to every taggable resource except Auto Scaling
    # groups, which take their tags as a list of blocks (key, value, propagateAtLaunch).
    defaults = {} if ctx.type == AUTOSCALING_GROUP else provider_default_tags(ctx)
    if own is values.UNKNOWN and defaults is values.UNKNOWN:
        ctx.unknown("tags")
        return
    missing: list[str] = []
    empty: list[str] = []
    placeholders: list[str] = []
    project_key = ctx.config.get("projectKey", "Project")
    for key in required:
        # A resource tag overrides the provider's; an unknown resource tag set hides both.
        value = values.UNKNOWN if own is values.UNKNOWN else values.get(own, key)
        if value is values.UNKNOWN:
            ctx.unknown(f"tags.{key}")
            continue
        if value is None:
            if defaults is values.UNKNOWN:
                ctx.unknown(f"provider defaultTags.{key}")
                continue
            value = values.get(defaults, key)
            if value is values.UNKNOWN:
                ctx.unknown(f"provider defaultTags.{key}")
                continue
        if value is None:
            missing.append(key)
        elif not isinstance(value, str) or not value.strip():
            empty.append(key)
        elif is_placeholder(value):
            placeholders.append(f"{key}={values.show(value)}")
        elif key == environment_key:
            _check_environment(ctx, key, value)
        elif key == project_key and ctx.config.get("projectMustMatchProject", True):
            project = project_of(ctx.urn)
            if project is not None and value != project:
                ctx.violation(f"tags.{key}", values.show(value), f"'{project}' (the project)")
    if missing:
        ctx.violation(
            "tags",
            "missing " + ", ".join(missing),
            "every cost tag (" + ", ".join(required) + ") in tags or the provider's defaultTags",
        )
    if empty:
        ctx.violation("tags", "empty " + ", ".join(empty), "a non-empty value for every cost tag")
    if placeholders:
        ctx.violation(
            "tags",
            "a placeholder: " + ", ".join(placeholders),
            "a real value for every cost tag (a cost report cannot allocate TBD or n/a)",
        )


def _check_environment(ctx: ResourceContext, key: str, value: str) -> None:
    if not ctx.config.get("environmentMustMatchStack", True):
        return
    expected = ctx.config.get("expectedEnvironment") or ctx.stack_name()
    if expected is None:
        ctx.unknown(f"the stack name (to compare tags.{key})")
        return
    if value != expected:
        ctx.violation(f"tags.{key}", values.show(value), f"'{expected}' (the stack)")


REQUIRED_COST_TAGS = ResourceRule(
    name="required-cost-tags",
    normalises=(
        "tags as a map or an Auto Scaling group's key/value list; provider defaultTags merged"
        " (not for Auto Scaling groups)"
    ),
    description=(
        "Every taggable resource must carry the cost-allocation tags with non-empty values "
        "(resource tags merged over the provider's defaultTags), and the environment tag must "
        "name the stack."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set the tags once on the AWS provider: aws.Provider(default_tags={'tags': {...}}) (or "
        "the stack config aws:defaultTags), and activate them as cost-allocation tags in Billing."
    ),
    resource_types=TAGGABLE_TYPES,
    check=_check_tags,
    unknowns=(
        "tags and provider defaultTags both unknown: note. A required key absent from known "
        "tags with unknown defaultTags, or an unknown value: note per key. Known keys are judged."
    ),
    config_properties={
        "requiredKeys": schema.string_list(
            "Tag keys every taggable resource must carry.", REQUIRED_KEYS, min_items=1
        ),
        "environmentKey": {
            "type": "string",
            "minLength": 1,
            "description": "The tag whose value must equal the stack name.",
            "default": "Environment",
        },
        "environmentMustMatchStack": schema.boolean(
            "Require the environment tag to equal the stack name (or expectedEnvironment).", True
        ),
        "expectedEnvironment": schema.string(
            "Value the environment tag must have, when it differs from the stack name."
        ),
        "projectKey": {
            "type": "string",
            "minLength": 1,
            "description": "The tag whose value must equal the Pulumi project's name.",
            "default": "Project",
        },
        "projectMustMatchProject": schema.boolean(
            "Require the project tag to equal the Pulumi project (a copied provider or tag set "
            "of another project is refused).",
            True,
        ),
    },
    tags=["cost", "tags"],
)


def _check_provider_tags(ctx: ResourceContext) -> None:
    raw = ctx.get("defaultTags")
    if raw is values.UNKNOWN:
        ctx.unknown("defaultTags")
        return
    if isinstance(raw, str):
        try:
            raw = values.parse_json_property(raw) if raw.strip() else {}
        except values.InvalidJson:
            ctx.violation("defaultTags", "not valid JSON", "{'tags': {...}}")
            return
    tags = values.get(raw, "tags") if raw is not None else None
    if tags is values.UNKNOWN:
        ctx.unknown("defaultTags.tags")
        return
    if not isinstance(tags, Mapping):
        return  # no default tags: each resource's own tags are judged by required-cost-tags
    expected = {
        ctx.config.get("projectKey", "Project"): project_of(ctx.urn),
        ctx.config.get("environmentKey", "Environment"): ctx.config.get("expectedEnvironment")
        or ctx.stack_name(),
    }
    for key, want in expected.items():
        value = values.get(tags, key)
        if value is values.UNKNOWN:
            ctx.unknown(f"defaultTags.tags.{key}")
        elif want is not None and value is not None and value != want:
            ctx.violation(
                f"defaultTags.tags.{key}",
                values.show(value),
                f"'{want}' (this stack's)",
                "A provider copied from another project or stack tags every resource it makes "
                "as someone else's.",
            )
    for key in tags:
        value = values.get(tags, key)
        if isinstance(value, str) and is_placeholder(value) and not values.is_unknown(value):
            ctx.violation(
                f"defaultTags.tags.{key}",
                values.show(value),
                "a real value (a placeholder on the provider tags every resource it makes)",
            )


PROVIDER_TAGS_THIS_STACK = ResourceRule(
    name="provider-default-tags-this-stack",
    description=(
        "An AWS provider's defaultTags must name this project and stack, with no placeholder "
        "value: a provider copied from another program would tag every resource it creates as "
        "someone else's."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Build the provider's default_tags from the stack (pulumi.get_project(), "
        "pulumi.get_stack()), not from a copied literal."
    ),
    resource_types=[AWS_PROVIDER],
    check=_check_provider_tags,
    unknowns="defaultTags or one of its keys unknown: note.",
    config_properties={
        "projectKey": {
            "type": "string",
            "minLength": 1,
            "description": "The tag that names the project.",
            "default": "Project",
        },
        "environmentKey": {
            "type": "string",
            "minLength": 1,
            "description": "The tag that names the stack.",
            "default": "Environment",
        },
        "expectedEnvironment": schema.string(
            "Value the environment tag must have, when it differs from the stack name."
        ),
    },
    tags=["cost", "tags"],
)

_PROPAGATING = {"SERVICE", "TASK_DEFINITION"}


def _check_propagate_tags(ctx: ResourceContext) -> None:
    value = ctx.get("propagateTags")
    if value is values.UNKNOWN:
        ctx.unknown("propagateTags")
    elif values.enum(value) not in _PROPAGATING:
        ctx.violation(
            "propagateTags",
            "not set (NONE)" if value is None else values.show(value),
            "'SERVICE' or 'TASK_DEFINITION'",
            "The tasks ECS starts carry no cost tags otherwise (Fargate is billed per task).",
        )


ECS_TASKS_CARRY_TAGS = ResourceRule(
    name="ecs-tasks-carry-tags",
    normalises="propagateTags any case",
    description=(
        "ECS services and daemons must propagate tags to the tasks they start (propagateTags "
        "SERVICE or TASK_DEFINITION): the tasks are created at run time and are billed, but "
        "carry no tags of their own."
    ),
    severity=Severity.LOW,
    remediation_steps="Set propagate_tags='SERVICE' (and enable_ecs_managed_tags=True).",
    resource_types=[ECS_SERVICE, ECS_DAEMON],
    check=_check_propagate_tags,
    unknowns="propagateTags unknown: note.",
    tags=["cost", "tags", "run-time-resources"],
)
