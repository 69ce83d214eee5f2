"""The one stack model (foundation/stackmodel.py) every judge reads through: each property named,
with members written here (not only the stacks' own resources)."""

from __future__ import annotations

import pytest

from foundation.records import ProviderRecord, ResourceRecord, StackRun, stack_index
from foundation.stackmodel import (
    ENGINE_UNKNOWNS,
    UNKNOWN,
    UNKNOWN_WIRE,
    as_bool,
    as_int,
    as_number,
    contains_unknown,
    is_unknown,
    text,
)

ROLE = "aws:iam/role:Role"
KEY = "aws:kms/key:Key"


def _record(name, type_=KEY, outputs=None, deps=None, region=None, provider=None):
    inputs = {"region": region} if region else {}
    return ResourceRecord(
        urn=f"urn:pulumi:s::p::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        wire_inputs=inputs,
        outputs=outputs or {},
        property_dependencies=deps or {},
        provider=provider,
    )


def _index(*records):
    return stack_index(StackRun("s", "p", tuple(records), {}))


@pytest.mark.parametrize("sentinel", sorted(ENGINE_UNKNOWNS))
def test_every_engine_sentinel_and_the_marker_are_unknown(sentinel):
    assert is_unknown(sentinel) and is_unknown(UNKNOWN)
    assert not is_unknown(sentinel[:-1]) and not is_unknown(None) and not is_unknown("")


@pytest.mark.parametrize(
    "value",
    [
        f"arn:aws:kms:eu-west-1:1:key/{UNKNOWN_WIRE}",  # interpolated into a string
        {"a": [1, {"b": UNKNOWN_WIRE}]},
        [UNKNOWN],
        ("x", UNKNOWN_WIRE),
    ],
)
def test_a_value_with_anything_unknown_inside_is_unknown(value):
    assert contains_unknown(value)
    assert text(value) is None


@pytest.mark.parametrize("value", ["arn:aws:kms:eu-west-1:1:key/abc", {"a": [1, "b"]}, [], 0])
def test_a_known_value_is_not_unknown(value):
    assert not contains_unknown(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8, 8), (8.0, 8), ("8", 8), (" -3 ", -3), (8.5, None), ("8.0", None), ("1e3", None),
     (True, None), ("eight", None), (None, None)],
)  # fmt: skip
def test_as_int_accepts_whole_numbers_only(value, expected):
    assert as_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), (" True ", True),
     ("yes", None), (1, None), (None, None)],
)  # fmt: skip
def test_as_bool_reads_booleans_and_their_strings(value, expected):
    assert as_bool(value) is expected


def test_as_number_refuses_booleans():
    assert as_number(True) is None and as_number("2.5") == 2.5


def test_references_disambiguate_a_shared_value_by_property_dependency():
    """Two keys with the same name (two regions): the dependency graph says which one."""
    one = _record("key-eu", outputs={"name": "shared"})
    two = _record("key-us", outputs={"name": "shared"})
    role = _record("role", ROLE, deps={"kmsKey": (two.urn,)})
    index = _index(one, two, role)
    assert index.references(role, "kmsKey", "shared", [KEY]) == [two]
    assert index.references(role, "other", "shared", [KEY]) == [one, two]


def test_references_of_an_unknown_value_fall_back_to_dependencies_or_say_cannot_tell():
    key = _record("key", outputs={"arn": "arn:k"})
    with_dep = _record("r1", ROLE, deps={"kmsKey": (key.urn,)})
    without = _record("r2", ROLE)
    index = _index(key, with_dep, without)
    assert index.references(with_dep, "kmsKey", UNKNOWN_WIRE, [KEY]) == [key]
    assert index.references(without, "kmsKey", UNKNOWN_WIRE, [KEY]) is None
    assert index.references(without, "kmsKey", "arn:other", [KEY]) == []


def test_resolve_falls_back_only_to_one_unrecorded_dependency():
    recorded = _record("recorded", outputs={"id": "k-1"})
    unrecorded = _record("unrecorded")
    other = _record("other")
    role = _record("role", ROLE, deps={"p": (recorded.urn, unrecorded.urn)})
    two = _record("role2", ROLE, deps={"p": (unrecorded.urn, other.urn)})
    index = _index(recorded, unrecorded, other, role, two)
    assert index.resolve(role, "p", "k-1", [KEY]) is recorded
    assert index.resolve(role, "p", "k-9", [KEY]) is unrecorded  # the recorded one differs
    assert index.resolve(two, "p", "k-9", [KEY]) is None  # two candidates: cannot tell


def test_region_is_the_resources_own_else_its_providers():
    provider = ProviderRecord("urn:prov", "pulumi:providers:aws", "us", {"region": "us-east-1"})
    own = _record("own", region="eu-west-1", provider=provider)
    inherited = _record("inherited", provider=provider)
    unknown = _record("unknown", region=UNKNOWN_WIRE)
    index = _index(own, inherited, unknown)
    assert index.region_of(own) == "eu-west-1"
    assert index.region_of(inherited) == "us-east-1"
    assert index.region_of(unknown) is None


def test_get_reads_plain_data_and_says_unknown_for_an_unknown_value_or_parent():
    from foundation.stackmodel import get

    data = {"a": [{"b": 1}, UNKNOWN_WIRE], "c": UNKNOWN_WIRE}
    assert get(data, "a", 0, "b") == 1
    assert get(data, "a", 1, "b") is UNKNOWN  # the parent is unknown
    assert get(data, "c") is UNKNOWN and get(data, "c", "d") is UNKNOWN
    assert get(data, "a", 5) is None and get(data, "missing", "x") is None
    assert get(data, "a", "b") is None  # a key into a list: absent, not an error


def test_items_reads_one_value_as_a_list_of_one_and_marks_unknown_elements():
    from foundation.stackmodel import items

    assert items({"x": "one"}, "x") == ["one"]
    assert items({}, "x") == []
    assert items({"x": UNKNOWN_WIRE}, "x") is UNKNOWN
    assert items({"x": ["a", UNKNOWN_WIRE]}, "x") == ["a", UNKNOWN]
