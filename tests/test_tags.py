"""Cost tags: every taggable resource of every stack carries them in its inputs."""

from __future__ import annotations

import json

from components.tagging import cost_tag_transform, is_taggable, merge_tags
from foundation.records import StackRun, unwrap_secrets

REQUIRED = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")


def test_every_taggable_resource_has_the_cost_tags(each_stack: StackRun) -> None:
    taggable = [r for r in each_stack.resources if r.custom and is_taggable(r.type)]
    assert len(taggable) > 10
    missing = []
    for record in taggable:
        tags = unwrap_secrets(record.wire_inputs.get("tags")) or {}
        absent = [key for key in REQUIRED if not tags.get(key)]
        if absent:
            missing.append(f"{record.type} {record.name}: {absent}")
        elif tags["Environment"] != each_stack.stack or tags["Project"] != "perfcheck":
            missing.append(f"{record.type} {record.name}: wrong values {tags}")
    assert missing == []


def test_the_provider_carries_the_same_default_tags(each_stack: StackRun) -> None:
    provider = each_stack.one("pulumi:providers:aws")
    default_tags = json.loads(provider.wire_inputs["defaultTags"])["tags"]
    assert {key: default_tags[key] for key in REQUIRED} == {
        "Project": "perfcheck",
        "Environment": each_stack.stack,
        "Owner": "platform-team",
        "CostCenter": f"perfcheck-{each_stack.stack}",
        "ManagedBy": "pulumi",
    }
    aws_resources = [r for r in each_stack.resources if r.type.startswith("aws:")]
    assert all(r.provider and r.provider.urn == provider.urn for r in aws_resources)


def test_taggability_comes_from_the_resource_classes() -> None:
    assert is_taggable("aws:rds/instance:Instance")
    assert is_taggable("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert not is_taggable("aws:iam/rolePolicy:RolePolicy")
    assert not is_taggable("aws:kms/alias:Alias")
    assert not is_taggable("awsx:ec2:Vpc")
    assert not is_taggable("random:index/randomPassword:RandomPassword")


def test_cost_tags_win_over_a_resource_tag_of_the_same_key_and_keep_the_others() -> None:
    assert merge_tags({"Name": "db", "Owner": "someone"}, {"Owner": "platform"}) == {
        "Name": "db",
        "Owner": "platform",
    }
    assert merge_tags(None, {"Owner": "platform"}) == {"Owner": "platform"}
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert merge_tags(unknown, {"Owner": "platform"}) == unknown


def test_the_transform_leaves_untaggable_resources_and_components_alone() -> None:
    import pulumi

    transform = cost_tag_transform({"Owner": "platform"})

    def run(custom: bool, type_: str) -> object:
        args = pulumi.ResourceTransformArgs(
            custom, type_, "x", {"policy": "{}"}, pulumi.ResourceOptions()
        )
        return transform(args)

    assert run(True, "aws:iam/rolePolicy:RolePolicy") is None
    assert run(False, "perfcheck:network:Network") is None
    result = run(True, "aws:s3/bucket:Bucket")
    assert result is not None and result.props["tags"] == {"Owner": "platform"}
