"""One security-group rule model: every way pulumi-aws writes a permission, read as EC2 reads it.

EC2 keeps one list of permissions per group and direction; pulumi-aws lets a program write them
five ways: inline `ingress`/`egress` blocks on a SecurityGroup or on the VPC's adopted
DefaultSecurityGroup, an `ec2.SecurityGroupRule` (type ingress/egress), and
`vpc.SecurityGroupIngressRule` / `SecurityGroupEgressRule`. A judge that reads one of them is
bypassed by the others, so every judge reads `rules_of`: one `SgRule` per permission and peer
(a CIDR, a prefix list, another group or the group itself), with

- the protocol as EC2 reads IpProtocol: "-1" for all traffic (written "-1", "all" or -1), the
  names tcp/udp/icmp/icmpv6 whether written as a name or as their number (6/17/1/58), any other
  protocol as written (a number without leading zeros); case and spaces ignored. This is
  terraform-provider-aws's `ProtocolForValue` (lower-cased; "-1"/"all" -> "-1"; a number -> its
  IANA name) for the four protocols a judge compares; it names the others from the full IANA
  table, which is not copied here;
- ports as integers; with all traffic, EC2 ignores the ports (the range is every port);
- anything not known during preview as UNKNOWN (never a guess), so a judge fails closed on it.

Resolving the group a rule belongs to and the peer group it names is the judge's business (by
the stack index: `owner_groups`, `peer_groups`); the model keeps the values and properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from foundation.stackmodel import UNKNOWN, StackIndex, Unknown, as_int, is_unknown

SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE: Final = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUPS: Final = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
RULE_TYPES: Final = (SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE)
ALL_TYPES: Final = (*SECURITY_GROUPS, *RULE_TYPES)

ALL_TRAFFIC: Final = "-1"
ALL_PORTS: Final = (0, 65535)
_PROTOCOL_NAMES: Final = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}

# Peer kinds.
IPV4: Final = "ipv4"
IPV6: Final = "ipv6"
PREFIX_LIST: Final = "prefix-list"
GROUP: Final = "group"
SELF: Final = "self"
UNREAD: Final = "unknown"
"""The block (or the whole list of blocks) is not known: nothing of it can be read."""

# Where each kind of peer is written: (key, kind, a list?) per resource shape.
_INLINE_PEERS: Final = (
    ("cidrBlocks", IPV4, True),
    ("ipv6CidrBlocks", IPV6, True),
    ("prefixListIds", PREFIX_LIST, True),
    ("securityGroups", GROUP, True),
)
_EC2_RULE_PEERS: Final = (
    ("cidrBlocks", IPV4, True),
    ("ipv6CidrBlocks", IPV6, True),
    ("prefixListIds", PREFIX_LIST, True),
    ("sourceSecurityGroupId", GROUP, False),
)
_VPC_RULE_PEERS: Final = (
    ("cidrIpv4", IPV4, False),
    ("cidrIpv6", IPV6, False),
    ("prefixListId", PREFIX_LIST, False),
    ("referencedSecurityGroupId", GROUP, False),
)

R = TypeVar("R")


def protocol(value: Any) -> str | Unknown | None:
    """IpProtocol as EC2 reads it ("-1" for all, tcp/udp/icmp/icmpv6 by name, other numbers as
    numbers); None when absent or not a protocol at all."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if not float(value).is_integer():
            return None
        value = str(int(value))
    if not isinstance(value, str) or not value.strip():
        return None
    written = value.strip().lower()
    if written in ("-1", "all"):
        return ALL_TRAFFIC
    if written.isdigit():
        number = str(int(written))
        return _PROTOCOL_NAMES.get(number, number)
    return written


def port(value: Any) -> int | Unknown | None:
    """A port (or ICMP type/code) as an integer; None when absent or not a whole number."""
    if is_unknown(value):
        return UNKNOWN
    return as_int(value)


@dataclass(frozen=True)
class SgRule(Generic[R]):
    """One permission for one peer, wherever the program wrote it."""

    resource: R
    """The resource the permission is written on (a group with inline blocks, or a rule)."""
    block: str
    """The inline block ("ingress[1]"); "" for a rule resource (the whole resource is one)."""
    direction: str | Unknown
    """"ingress" or "egress" (UNKNOWN when an ec2 rule's type is not known)."""
    protocol: str | Unknown | None
    from_port: int | Unknown | None
    to_port: int | Unknown | None
    peer_kind: str
    peer: Any
    """The CIDR, prefix list id or group id (UNKNOWN when not known; None for self)."""
    peer_key: str
    """The key the peer is written under ("cidrBlocks", "cidrIpv4", "self", ...)."""
    peer_position: int | None = None
    owner_prop: str | None = None
    """The property naming the group the rule belongs to (None: `resource` is that group)."""
    owner_value: Any = None

    @property
    def prop(self) -> str:
        """The property a finding names: the inline block, else the peer's key."""
        return self.block or self.peer_key or "ingress"

    @property
    def path(self) -> str:
        """The exact path of the peer within the resource."""
        where = ".".join(part for part in (self.block, self.peer_key) if part)
        return f"{where}[{self.peer_position}]" if self.peer_position is not None else where

    @property
    def dependency_prop(self) -> str:
        """The top-level property the engine records the peer's dependencies under."""
        return self.block.split("[")[0] if self.block else self.peer_key

    @property
    def all_traffic(self) -> bool:
        return self.protocol == ALL_TRAFFIC

    def ports(self) -> tuple[int, int] | Unknown | None:
        """The port range (low, high): every port for all traffic (EC2 ignores the ports);
        UNKNOWN when the protocol or a port is not known; None when not both written."""
        if self.protocol is UNKNOWN:
            return UNKNOWN
        if self.all_traffic:
            return ALL_PORTS
        if self.from_port is UNKNOWN or self.to_port is UNKNOWN:
            return UNKNOWN
        if self.from_port is None or self.to_port is None:
            return None
        return (self.from_port, self.to_port)

    def carries(self, wanted_protocol: str, wanted_port: int) -> bool | Unknown:
        """Whether this permission admits `wanted_protocol` traffic on `wanted_port`."""
        if self.protocol is UNKNOWN:
            return UNKNOWN
        if not self.all_traffic and self.protocol != protocol(wanted_protocol):
            return False
        ports = self.ports()
        if ports is UNKNOWN or ports is None:
            return UNKNOWN if ports is UNKNOWN else False
        return ports[0] <= wanted_port <= ports[1]

    def unknown_part(self) -> str | None:
        """The path of the first part not known during preview (None when all are known)."""
        if self.peer_kind == UNREAD:
            return self.prop
        if self.direction is UNKNOWN:
            return "type"
        if self.peer is UNKNOWN:
            return self.path
        if UNKNOWN in (self.protocol, self.from_port, self.to_port):
            return f"{self.prop} protocol/ports"
        return None


def _peers(
    index: StackIndex[R], container: Any, shape: tuple[tuple[str, str, bool], ...]
) -> Iterator[tuple[str, str, Any, int | None]]:
    """(kind, key, value, position) for each peer written in a block or a rule resource."""
    get, items = index.view.get, index.view.items
    for key, kind, is_list in shape:
        if not is_list:
            value = get(container, key)
            if value is not None and value != "":
                yield kind, key, value, None
            continue
        values = items(container, key)
        if values is UNKNOWN:
            yield kind, key, UNKNOWN, None
            continue
        for position, value in enumerate(values):
            if value is not None and value != "":
                yield kind, key, value, position


def _inline(index: StackIndex[R], group: R) -> Iterator[SgRule[R]]:
    inputs = index.inputs(group)
    get, items = index.view.get, index.view.items
    for direction in ("ingress", "egress"):
        blocks = items(inputs, direction)
        if blocks is UNKNOWN:
            yield SgRule(
                group, direction, direction, UNKNOWN, UNKNOWN, UNKNOWN, UNREAD, UNKNOWN, ""
            )
            continue
        for position, block in enumerate(blocks):
            name = f"{direction}[{position}]"
            if block is UNKNOWN:
                yield SgRule(group, name, direction, UNKNOWN, UNKNOWN, UNKNOWN, UNREAD, UNKNOWN, "")
                continue
            common = (
                protocol(get(block, "protocol")),
                port(get(block, "fromPort")),
                port(get(block, "toPort")),
            )
            for kind, key, value, at in _peers(index, block, _INLINE_PEERS):
                yield SgRule(group, name, direction, *common, kind, value, key, at)
            is_self = get(block, "self")
            if is_self is UNKNOWN or is_self is True:
                yield SgRule(group, name, direction, *common, SELF, is_self, "self")


def _rule_resource(index: StackIndex[R], rule: R, kind: str) -> Iterator[SgRule[R]]:
    inputs = index.inputs(rule)
    get = index.view.get
    if kind == SECURITY_GROUP_RULE:
        written = get(inputs, "type")
        direction: str | Unknown = (
            UNKNOWN if written is UNKNOWN else str(written or "").strip().lower()
        )
        shape, protocol_key = _EC2_RULE_PEERS, "protocol"
    else:
        direction = "ingress" if kind == INGRESS_RULE else "egress"
        shape, protocol_key = _VPC_RULE_PEERS, "ipProtocol"
    common = (
        protocol(get(inputs, protocol_key)),
        port(get(inputs, "fromPort")),
        port(get(inputs, "toPort")),
    )
    owner = get(inputs, "securityGroupId")
    for peer_kind, key, value, at in _peers(index, inputs, shape):
        yield SgRule(
            rule, "", direction, *common, peer_kind, value, key, at, "securityGroupId", owner
        )
    if kind == SECURITY_GROUP_RULE:
        is_self = get(inputs, "self")
        if is_self is UNKNOWN or is_self is True:
            yield SgRule(
                rule, "", direction, *common, SELF, is_self, "self", None, "securityGroupId", owner
            )


def rules_of(index: StackIndex[R], resource: R) -> list[SgRule[R]]:
    """Every permission one resource writes (none for a type that writes none)."""
    kind = index.view.type(resource)
    if kind in SECURITY_GROUPS:
        return list(_inline(index, resource))
    if kind in RULE_TYPES:
        return list(_rule_resource(index, resource, kind))
    return []


def stack_rules(index: StackIndex[R]) -> list[SgRule[R]]:
    """Every permission in the stack, whichever way it is written (built once per index)."""
    cached = getattr(index, "_security_group_rules", None)
    if cached is None:
        cached = [rule for r in index.of_type(*ALL_TYPES) for rule in rules_of(index, r)]
        index._security_group_rules = cached  # type: ignore[attr-defined]
    return cached


def owner_groups(index: StackIndex[R], rule: SgRule[R]) -> list[R] | None:
    """The stack's groups the permission belongs to (None when it cannot be told)."""
    if rule.owner_prop is None:
        return [rule.resource]
    return index.references(rule.resource, rule.owner_prop, rule.owner_value, SECURITY_GROUPS)


def peer_groups(index: StackIndex[R], rule: SgRule[R]) -> list[R] | None:
    """The stack's groups a group or self peer names (None when it cannot be told)."""
    if rule.peer_kind == SELF:
        return owner_groups(index, rule)
    if rule.peer_kind != GROUP:
        return []
    return index.references(rule.resource, rule.dependency_prop, rule.peer, SECURITY_GROUPS)
