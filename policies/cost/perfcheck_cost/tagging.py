"""Cost-allocation tags on every taggable resource.

A resource's effective tags are its `tags` input merged over its provider's `defaultTags` (how
the AWS provider computes `tagsAll`), so a tag set once on the provider counts everywhere, and a
resource-level tag overrides it. Only types that accept `tags` are judged (the generated
`TAGGABLE_TYPES`): a rule that asked an IAM attachment for tags would only produce noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, schema, values
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

from .taggable_types import TAGGABLE_TYPES

AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
REQUIRED_KEYS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")


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
        elif key == environment_key:
            _check_environment(ctx, key, value)
    if missing:
        ctx.violation(
            "tags",
            "missing " + ", ".join(missing),
            "every cost tag (" + ", ".join(required) + ") in tags or the provider's defaultTags",
        )
    if empty:
        ctx.violation("tags", "empty " + ", ".join(empty), "a non-empty value for every cost tag")


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
    },
    tags=["cost", "tags"],
)

RULES = (REQUIRED_COST_TAGS,)
