"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): the kit.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

import json

import pytest
from perfcheck_policykit.rules import Exemption, _parent_urn
from perfcheck_policykit.values import (
    UNKNOWN,
    InvalidJson,
    container_definitions,
    container_label,
    tag_map,
)
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions

STACK_URN = "urn:pulumi:prod::perfcheck::pulumi:pulumi:Stack::perfcheck-prod"
COMPONENT_URN = "urn:pulumi:prod::perfcheck::perfcheck:index:Database::database"
DB_TYPE = "aws:rds/instance:Instance"
ROOT_DB_URN = f"urn:pulumi:prod::perfcheck::{DB_TYPE}::db"
CHILD_DB_URN = f"urn:pulumi:prod::perfcheck::perfcheck:index:Database${DB_TYPE}::db"


def _exemption(parent: str) -> Exemption:
    return Exemption("reviewed: the owners accept it", type=DB_TYPE, name="db", parent=parent)


def test_a_root_exemption_matches_a_resource_whose_parent_is_the_stack() -> None:
    """`parent: ""` means "at the stack's root": a resource the engine reports as the Stack
    resource's child is at the root. Mutant: the URN-type parser asks for 5 `::` parts (a URN
    has 4), so no parent is ever recognised as the stack and root exemptions match nothing."""
    assert _exemption("").matches(ROOT_DB_URN, "db", DB_TYPE, STACK_URN)
    assert _exemption("").matches(ROOT_DB_URN, "db", DB_TYPE, None)


def test_a_root_exemption_does_not_match_the_same_name_under_a_component() -> None:
    """The other side: the same type and name under a component is another resource."""
    assert not _exemption("").matches(CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN)
    assert _exemption("database").matches(CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN)
    assert not _exemption("database").matches(ROOT_DB_URN, "db", DB_TYPE, STACK_URN)


def _resource(parent: PolicyResource | None, opts_parent: str | None) -> PolicyResource:
    options = PolicyResourceOptions(
        False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], opts_parent
    )
    return PolicyResource(DB_TYPE, {}, CHILD_DB_URN, "db", options, None, parent, [], {})


def test_a_finding_names_the_parent_from_the_options_when_no_parent_object_was_sent() -> None:
    """A stack rule's finding carries the resource's parent (exemptions by parent need it):
    from the parent object, else from the resource options' parent URN. Mutant: the options'
    parent dropped (`or None` -> `and None`)."""
    assert _parent_urn(_resource(None, COMPONENT_URN)) == COMPONENT_URN
    assert _parent_urn(_resource(None, None)) is None
    component = PolicyResource(
        "perfcheck:index:Database",
        {},
        COMPONENT_URN,
        "database",
        PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], STACK_URN),
        None,
        None,
        [],
        {},
    )
    assert _parent_urn(_resource(component, None)) == COMPONENT_URN


def test_a_repeated_container_key_keeps_the_last_spelling_at_its_place_in_the_document() -> None:
    """Container definitions decode like pulumi-aws's Go decoder: keys fold case, the last
    spelling wins, and the member sits where that last spelling stands in the document (what
    `decode_like_go` documents). Mutant: the earlier spelling not removed first (`pop` dropped),
    so the member keeps the first spelling's place."""
    text = json.dumps([{"Image": "first", "name": "app"}])[:-2] + ', "image": "last"}]'
    (container,) = container_definitions({"containerDefinitions": text})
    assert container["image"] == "last"
    assert list(container) == ["name", "image"]


@pytest.mark.parametrize(
    "text", ['[{"name": "app"}, "sidecar"]', '["app", {"name": "app"}]', '[{"name": "a"}, null]']
)
def test_container_definitions_with_one_non_object_element_are_invalid(text: str) -> None:
    """Every element of containerDefinitions must be an object (ECS refuses the task definition
    otherwise): one stray element makes the whole list InvalidJson, not a half-read list.
    Mutant: `all(... is an object)` -> `any(...)`."""
    with pytest.raises(InvalidJson):
        container_definitions({"containerDefinitions": text})
    with pytest.raises(InvalidJson):
        container_definitions({"containerDefinitions": json.loads(text)})


def test_a_container_without_a_usable_name_is_labelled_by_its_position() -> None:
    """A finding names a container by its name, or by its index when the name is missing or
    empty (an empty label would point at nothing). Mutant: the non-empty test dropped."""
    assert container_label({"name": "app"}, 0) == "containerDefinitions[app]"
    assert container_label({"name": ""}, 2) == "containerDefinitions[2]"
    assert container_label({}, 1) == "containerDefinitions[1]"
    assert container_label({"name": 5}, 3) == "containerDefinitions[3]"


@pytest.mark.parametrize("value", [None, UNKNOWN, {"Owner": "platform-team"}])
def test_tags_as_a_map_none_or_unknown_pass_through_unchanged(value: object) -> None:
    """Tags given as a map (most resources), absent or unknown are returned as they are.
    Mutant: `None or UNKNOWN or a mapping` -> `and`."""
    assert tag_map(value) is value


def test_tags_as_key_value_blocks_become_a_map_and_an_unknown_block_makes_them_unknown() -> None:
    """Auto Scaling groups' `tags` are {key, value} blocks: read as a map; an unknown list or an
    unknown key makes the whole set unknown (never a partial map that hides a missing tag).
    Mutant: `blocks is UNKNOWN` -> `is not`."""
    blocks = [{"key": "Owner", "value": "platform-team"}, {"key": "CostCenter", "value": "cc"}]
    assert tag_map(blocks) == {"Owner": "platform-team", "CostCenter": "cc"}
    assert tag_map([{"key": UNKNOWN, "value": "x"}]) is UNKNOWN
    assert tag_map([*blocks, UNKNOWN]) is UNKNOWN


REPLICA_URN = f"urn:pulumi:prod::perfcheck::perfcheck:index:Database${DB_TYPE}::db-replica"
DR_COMPONENT_URN = "urn:pulumi:prod::perfcheck::perfcheck:index:Database::database-dr"


@pytest.mark.parametrize(
    ("exemption", "urn", "name", "type_token", "parent"),
    [
        # by URN: another resource whose URN starts, ends or contains the bound one
        (Exemption("r", urn=CHILD_DB_URN), REPLICA_URN, "db-replica", DB_TYPE, COMPONENT_URN),
        (Exemption("r", urn=REPLICA_URN), CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN),
        # by name: a name that contains, starts or ends with the exempted one
        (_exemption("database"), REPLICA_URN, "db-replica", DB_TYPE, COMPONENT_URN),
        (_exemption("database"), CHILD_DB_URN, "primary-db", DB_TYPE, COMPONENT_URN),
        # by type: another type whose token contains the exempted one
        (_exemption("database"), CHILD_DB_URN, "db", DB_TYPE + "Replica", COMPONENT_URN),
        (_exemption("database"), CHILD_DB_URN, "db", "aws:rds/cluster:Cluster", COMPONENT_URN),
        # by parent: a component whose name or URN starts with the exempted parent's
        (_exemption("database"), CHILD_DB_URN, "db", DB_TYPE, DR_COMPONENT_URN),
        (_exemption("data"), CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN),
        (_exemption(COMPONENT_URN), CHILD_DB_URN, "db", DB_TYPE, DR_COMPONENT_URN),
        (_exemption(DR_COMPONENT_URN), CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN),
    ],
)
def test_an_exemption_matches_its_one_resource_exactly_never_by_substring(
    exemption: Exemption, urn: str, name: str, type_token: str, parent: str
) -> None:
    """An exemption is bound to one resource: its URN, or its type, logical name and parent, each
    compared whole. A resource whose URN, name, type or parent merely contains, starts or ends
    with the exempted one's (a replica, a DR copy) keeps its finding."""
    assert not exemption.matches(urn, name, type_token, parent)


def test_an_exemption_by_parent_urn_or_parent_name_matches_its_resource() -> None:
    """The positive side of the exact match: the same resource by URN, by parent URN, by parent
    name (the forms docs/policies.md gives)."""
    assert Exemption("r", urn=CHILD_DB_URN).matches(CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN)
    assert _exemption(COMPONENT_URN).matches(CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN)
    assert _exemption("database").matches(CHILD_DB_URN, "db", DB_TYPE, COMPONENT_URN)
