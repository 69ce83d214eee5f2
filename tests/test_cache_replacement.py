"""A replaced cache can be created: a replication group with a fixed id is replaced delete-first.

ElastiCache refuses a second replication group with an id in use (CreateReplicationGroup:
ReplicationGroupAlreadyExists, Amazon ElastiCache API Reference). The group's id is fixed
(`<prefix>-cache`, named by alarms, logs and snapshots), and several of its inputs are ForceNew
in the provider (subnet group, KMS key, port, at-rest encryption): Pulumi's default
create-before-delete would ask for the new group while the old one still holds the id.
(review21 F6.)
"""

from __future__ import annotations

from foundation.records import StackRun

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def test_a_group_with_a_fixed_id_is_replaced_delete_first(each_stack: StackRun) -> None:
    groups = each_stack.by_type(GROUP)
    assert groups
    for group in groups:
        if group.inputs.get("replicationGroupId"):  # a fixed id: no second group beside it
            assert group.delete_before_replace, group.name


def test_the_group_id_is_fixed_so_the_rule_applies(each_stack: StackRun) -> None:
    """If the id ever becomes autonamed, delete-first is no longer needed: this says when."""
    (group,) = each_stack.by_type(GROUP)
    assert group.inputs["replicationGroupId"] == f"perfcheck-{each_stack.stack}-cache"
