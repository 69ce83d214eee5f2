"""The one security-group rule model (foundation/sgrules.py): each property it promises, on
resources written here (not only the stacks' own)."""

from __future__ import annotations

import pytest

from foundation import sgrules
from foundation.records import ResourceRecord, StackRun, stack_index
from foundation.stackmodel import UNKNOWN, UNKNOWN_WIRE


def _record(name, type_, inputs, outputs=None, deps=None):
    return ResourceRecord(
        urn=f"urn:pulumi:s::p::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        wire_inputs=inputs,
        outputs=outputs if outputs is not None else {"id": f"sg-{name}"},
        property_dependencies=deps or {},
    )


def _index(*records):
    return stack_index(StackRun("s", "p", tuple(records), {}))


def _rules(*records):
    index = _index(*records)
    return index, sgrules.stack_rules(index)


TCP_443 = {"protocol": "tcp", "fromPort": 443, "toPort": 443}


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("-1", "-1"),
        ("all", "-1"),
        ("ALL", "-1"),
        (-1.0, "-1"),
        ("tcp", "tcp"),
        (" TCP ", "tcp"),
        ("6", "tcp"),
        (6.0, "tcp"),
        ("17", "udp"),
        ("1", "icmp"),
        ("58", "icmpv6"),
        ("50", "50"),
        ("050", "50"),
        (None, None),
        ("", None),
        (True, None),
        (6.5, None),
        (UNKNOWN_WIRE, UNKNOWN),
    ],
)
def test_protocol_is_read_as_ec2_reads_ip_protocol(written, read):
    assert (
        sgrules.protocol(written) == read
        if read is not UNKNOWN
        else (sgrules.protocol(written) is UNKNOWN)
    )


def test_every_way_of_writing_a_permission_is_one_rule_with_its_direction():
    group = _record(
        "web",
        sgrules.SECURITY_GROUP,
        {
            "ingress": [{**TCP_443, "cidrBlocks": ["0.0.0.0/0"]}],
            "egress": [
                {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]}
            ],
        },
    )
    default = _record(
        "default", sgrules.DEFAULT_SECURITY_GROUP, {"ingress": [{**TCP_443, "self": True}]}
    )
    legacy = _record(
        "legacy",
        sgrules.SECURITY_GROUP_RULE,
        {"type": "Ingress", "securityGroupId": "sg-web", **TCP_443, "ipv6CidrBlocks": ["::/0"]},
    )
    vpc_in = _record(
        "in",
        sgrules.INGRESS_RULE,
        {
            "securityGroupId": "sg-web",
            "ipProtocol": "6",
            "fromPort": 443,
            "toPort": 443,
            "prefixListId": "pl-1",
        },
    )
    vpc_out = _record(
        "out",
        sgrules.EGRESS_RULE,
        {
            "securityGroupId": "sg-web",
            "ipProtocol": "all",
            "referencedSecurityGroupId": "sg-default",
        },
    )
    _, rules = _rules(group, default, legacy, vpc_in, vpc_out)
    seen = {(r.resource.name, r.direction, r.peer_kind, r.peer, r.path) for r in rules}
    assert seen == {
        ("web", "ingress", sgrules.IPV4, "0.0.0.0/0", "ingress[0].cidrBlocks[0]"),
        ("web", "egress", sgrules.IPV4, "10.0.0.0/8", "egress[0].cidrBlocks[0]"),
        ("default", "ingress", sgrules.SELF, True, "ingress[0].self"),
        ("legacy", "ingress", sgrules.IPV6, "::/0", "ipv6CidrBlocks[0]"),
        ("in", "ingress", sgrules.PREFIX_LIST, "pl-1", "prefixListId"),
        ("out", "egress", sgrules.GROUP, "sg-default", "referencedSecurityGroupId"),
    }
    assert all(r.protocol in ("tcp", "-1") for r in rules)


def test_each_peer_of_a_block_is_its_own_permission():
    group = _record(
        "app",
        sgrules.SECURITY_GROUP,
        {
            "ingress": [
                {
                    **TCP_443,
                    "cidrBlocks": ["10.0.0.0/8", "192.168.0.0/16"],
                    "securityGroups": ["sg-x"],
                    "prefixListIds": ["pl-1"],
                }
            ]
        },
    )
    _, rules = _rules(group)
    assert [(r.peer_kind, r.peer) for r in rules] == [
        (sgrules.IPV4, "10.0.0.0/8"),
        (sgrules.IPV4, "192.168.0.0/16"),
        (sgrules.PREFIX_LIST, "pl-1"),
        (sgrules.GROUP, "sg-x"),
    ]
    assert {r.prop for r in rules} == {"ingress[0]"}


@pytest.mark.parametrize(("from_port", "to_port"), [(0, 0), (-1, -1), (None, None), (22, 22)])
def test_all_traffic_admits_every_port_whatever_ports_are_written(from_port, to_port):
    block = {"protocol": "-1", "cidrBlocks": ["10.0.0.0/8"]}
    block |= {k: v for k, v in (("fromPort", from_port), ("toPort", to_port)) if v is not None}
    (rule,) = _rules(_record("g", sgrules.SECURITY_GROUP, {"ingress": [block]}))[1]
    assert rule.all_traffic and rule.ports() == (0, 65535)
    assert rule.carries("tcp", 443) is True and rule.carries("udp", 53) is True


@pytest.mark.parametrize(
    ("protocol", "low", "high", "carries_443"),
    [
        ("tcp", 440, 450, True),
        ("tcp", 443, 443, True),
        ("tcp", 444, 450, False),
        ("tcp", 400, 442, False),
        ("6", 443, 443, True),
        ("udp", 443, 443, False),
        ("icmp", -1, -1, False),
    ],
)
def test_a_port_range_carries_a_port_only_inside_it_and_for_its_protocol(
    protocol, low, high, carries_443
):
    block = {"protocol": protocol, "fromPort": low, "toPort": high, "cidrBlocks": ["10.0.0.0/8"]}
    (rule,) = _rules(_record("g", sgrules.SECURITY_GROUP, {"ingress": [block]}))[1]
    assert rule.carries("tcp", 443) is carries_443


def test_a_tcp_rule_without_ports_carries_nothing():
    rule = _rules(
        _record("r", sgrules.INGRESS_RULE, {"ipProtocol": "tcp", "cidrIpv4": "10.0.0.0/8"})
    )[1][0]
    assert rule.ports() is None and rule.carries("tcp", 443) is False


def test_what_is_unknown_stays_unknown_and_names_its_path():
    unknown_list = _record("a", sgrules.SECURITY_GROUP, {"ingress": UNKNOWN_WIRE})
    unknown_block = _record("b", sgrules.SECURITY_GROUP, {"egress": [UNKNOWN_WIRE]})
    unknown_cidrs = _record(
        "c", sgrules.SECURITY_GROUP, {"ingress": [{**TCP_443, "cidrBlocks": UNKNOWN_WIRE}]}
    )
    unknown_type = _record(
        "d",
        sgrules.SECURITY_GROUP_RULE,
        {"type": UNKNOWN_WIRE, **TCP_443, "cidrBlocks": ["1.0.0.0/8"]},
    )
    unknown_port = _record(
        "e",
        sgrules.INGRESS_RULE,
        {"ipProtocol": "tcp", "fromPort": UNKNOWN_WIRE, "toPort": 443, "cidrIpv4": "0.0.0.0/0"},
    )
    unknown_to_port = _record(
        "g",
        sgrules.INGRESS_RULE,
        {"ipProtocol": "tcp", "fromPort": 443, "toPort": UNKNOWN_WIRE, "cidrIpv6": "::/0"},
    )
    unknown_self = _record(
        "f", sgrules.SECURITY_GROUP, {"ingress": [{**TCP_443, "self": UNKNOWN_WIRE}]}
    )
    _, rules = _rules(
        unknown_list,
        unknown_block,
        unknown_cidrs,
        unknown_type,
        unknown_port,
        unknown_to_port,
        unknown_self,
    )
    parts = {r.resource.name: r.unknown_part() for r in rules}
    assert parts == {
        "a": "ingress",
        "b": "egress[0]",
        "c": "ingress[0].cidrBlocks",
        "d": "type",
        "e": "cidrIpv4 protocol/ports",
        "f": "ingress[0].self",
        "g": "cidrIpv6 protocol/ports",
    }
    for name in ("e", "g"):  # the low port, then the high port, not known
        port_rule = next(r for r in rules if r.resource.name == name)
        assert port_rule.ports() is UNKNOWN and port_rule.carries("tcp", 443) is UNKNOWN


def test_owner_and_peer_groups_resolve_through_the_stack_index():
    web = _record("web", sgrules.SECURITY_GROUP, {"ingress": [{**TCP_443, "self": True}]})
    db = _record("db", sgrules.SECURITY_GROUP, {})
    rule = _record(
        "db-from-web",
        sgrules.INGRESS_RULE,
        {"securityGroupId": "sg-db", "referencedSecurityGroupId": "sg-web", **TCP_443},
    )
    computed = _record(
        "computed",
        sgrules.SECURITY_GROUP_RULE,
        {"type": "ingress", "securityGroupId": UNKNOWN_WIRE, "self": True, **TCP_443},
        deps={"securityGroupId": (db.urn,)},
    )
    index, rules = _rules(web, db, rule, computed)
    by_name = {r.resource.name: r for r in rules}
    assert sgrules.owner_groups(index, by_name["web"]) == [web]
    assert sgrules.peer_groups(index, by_name["web"]) == [web]  # self: the group itself
    assert sgrules.owner_groups(index, by_name["db-from-web"]) == [db]
    assert sgrules.peer_groups(index, by_name["db-from-web"]) == [web]
    # An unknown group id is resolved by the engine's property dependency.
    assert sgrules.owner_groups(index, by_name["computed"]) == [db]
    assert sgrules.peer_groups(index, by_name["computed"]) == [db]
