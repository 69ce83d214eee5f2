"""Cost-allocation tags, applied in one place to every taggable AWS resource.

Two mechanisms, one source (`Settings.cost_tags`): the AWS provider's `default_tags` (so nothing
AWS creates escapes them, children of packaged components included) and a stack-wide resource
transform that writes the same tags into each taggable resource's `tags` input, so that policy
packs see them at preview time, before AWS has computed `tagsAll`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from functools import cache

import pulumi
import pulumi_aws  # noqa: F401  (registers the aws resource modules used below)
from pulumi.runtime.rpc import get_resource_module


@cache
def is_taggable(type_token: str) -> bool:
    """True when the pulumi-aws resource type accepts a `tags` input."""
    package, _, rest = type_token.partition(":")
    module_name, _, _class = rest.rpartition(":")
    if package != "aws" or not module_name:
        return False
    module = get_resource_module(package, module_name, "")
    mod_info = getattr(module, "mod_info", None)
    if not mod_info or type_token not in mod_info["classes"]:
        return False
    python_module = importlib.import_module(mod_info["fqn"])
    resource_class = getattr(python_module, mod_info["classes"][type_token])
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def merge_tags(existing: object, cost_tags: Mapping[str, str]) -> object:
    """Resource tags with the cost tags on top; an unknown or non-map value is left as it is."""
    if existing is None:
        return dict(cost_tags)
    if isinstance(existing, Mapping):
        return {**existing, **cost_tags}
    return existing


def cost_tag_transform(cost_tags: Mapping[str, str]) -> pulumi.ResourceTransform:
    """A stack transform that puts the cost tags into every taggable resource's inputs."""
    frozen = dict(cost_tags)

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom or not is_taggable(args.type_):
            return None
        props = dict(args.props)
        props["tags"] = merge_tags(props.get("tags"), frozen)
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform


def apply_cost_tags(cost_tags: Mapping[str, str]) -> None:
    """Register the transform for every resource the program creates from here on."""
    pulumi.runtime.register_resource_transform(cost_tag_transform(cost_tags))
