"""Network: nothing is reachable from the internet except the load balancer on 80/443.

Ingress can be written four ways in pulumi-aws: inline `ingress` blocks on a SecurityGroup or on
the VPC's adopted DefaultSecurityGroup, a separate `ec2.SecurityGroupRule`, or a
`vpc.SecurityGroupIngressRule`. A rule that reads only one of them is bypassed by the others, so
this stack policy reads all of them, and finds the load balancer's security groups by following
each load balancer's `securityGroups`.

"Public" is any CIDR not entirely inside private space (RFC 1918, CGNAT, link-local, IPv6 ULA and
link-local), not only the literal 0.0.0.0/0 and ::/0: 0.0.0.0/1 plus 128.0.0.0/1 is the internet
too.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import PolicyResource, Severity

from foundation import sgrules

PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "100.64.0.0/10",  # RFC 6598 carrier-grade NAT
        "169.254.0.0/16",  # IPv4 link-local
        "fc00::/7",  # IPv6 unique local
        "fe80::/10",  # IPv6 link-local
    )
)


def _ports_text(rule: sgrules.SgRule[PolicyResource], ports: tuple[int, int] | None) -> str:
    if rule.all_traffic:
        return "all traffic"
    if ports is None:
        return f"{rule.protocol} with ports not set"
    low, high = ports
    if low == high:
        return f"{rule.protocol} port {low}"
    return f"{rule.protocol} ports {low}-{high}"


def _allowed(
    rule: sgrules.SgRule[PolicyResource], ports: tuple[int, int] | None, allowed: set[int]
) -> bool:
    return rule.protocol == "tcp" and ports is not None and ports[0] == ports[1] in allowed


@functools.lru_cache(maxsize=1024)
def is_public_cidr(cidr: str) -> bool:
    """Whether `cidr` reaches beyond private space (host bits ignored: 1.2.3.4/0 is 0.0.0.0/0).

    A string that is not a CIDR is not judged here: AWS refuses it when the rule is created.
    """
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    return not any(
        network.version == private.version and network.subnet_of(private)
        for private in PRIVATE_NETWORKS
    )


def _prefix_list_cidrs(ctx: StackContext) -> dict[str, list[str] | None]:
    """Prefix lists defined in the stack: URN -> their public CIDRs (None: an entry unknown)."""
    result: dict[str, list[str] | None] = {}
    for plist in ctx.index.of_type(T.MANAGED_PREFIX_LIST):
        result[plist.urn] = _public_cidrs_of_entries(ctx.items(plist, "entries"))
    for entry in ctx.index.of_type(T.MANAGED_PREFIX_LIST_ENTRY):
        targets = ctx.index.references(
            entry, "prefixListId", ctx.get(entry, "prefixListId"), [T.MANAGED_PREFIX_LIST]
        )
        cidr = ctx.get(entry, "cidr")
        for target in targets or ():
            current = result.get(target.urn, [])
            if cidr is values.UNKNOWN or current is None:
                result[target.urn] = None
            elif isinstance(cidr, str) and is_public_cidr(cidr):
                result[target.urn] = [*current, cidr.strip()]
        if targets is None:
            ctx.unknown(entry, "prefixListId")
    return result


def _public_cidrs_of_entries(entries: Any) -> list[str] | None:
    if entries is values.UNKNOWN:
        return None
    found = []
    for entry in entries:
        cidr = values.get(entry, "cidr")
        if cidr is values.UNKNOWN:
            return None
        if isinstance(cidr, str) and is_public_cidr(cidr):
            found.append(cidr.strip())
    return found


def _prefix_list_findings(
    ctx: StackContext,
    rule: sgrules.SgRule[PolicyResource],
    lists: dict[str, list[str] | None],
) -> list[str] | None:
    """Public CIDRs reached through the prefix list a rule names (in-stack lists only: an
    AWS-managed list such as CloudFront's origin-facing one is not public)."""
    if not lists:
        return []
    targets = ctx.index.references(
        rule.resource, rule.dependency_prop, rule.peer, [T.MANAGED_PREFIX_LIST]
    )
    if targets is None:
        return None
    found: list[str] = []
    for target in targets:
        cidrs = lists.get(target.urn, [])
        if cidrs is None:
            return None
        found.extend(f"{cidr} (in prefix list '{target.name}')" for cidr in cidrs)
    return found


def _public_peers(
    ctx: StackContext, rule: sgrules.SgRule[PolicyResource], lists: dict[str, list[str] | None]
) -> list[str] | None:
    """The public CIDRs an ingress permission admits (None when its peer is not known; a prefix
    list id is resolved by the engine's dependencies too)."""
    if rule.peer_kind in (sgrules.IPV4, sgrules.IPV6):
        cidr = rule.peer
        if cidr is values.UNKNOWN:
            return None
        return [cidr.strip()] if isinstance(cidr, str) and is_public_cidr(cidr) else []
    if rule.peer_kind == sgrules.PREFIX_LIST:
        return _prefix_list_findings(ctx, rule, lists)
    return []  # another group, or the group itself: not the internet


def _check_public_ingress(ctx: StackContext) -> None:
    allowed_ports = {int(p) for p in config_list(ctx.config, "allowedPublicPorts")}
    prefix_lists = _prefix_list_cidrs(ctx)

    load_balancer_groups: set[str] = set()
    unresolved_balancers: list[PolicyResource] = []
    for balancer in ctx.index.of_type(*T.LOAD_BALANCERS):
        refs = ctx.index.references(
            balancer, "securityGroups", ctx.get(balancer, "securityGroups"), list(T.SECURITY_GROUPS)
        )
        if refs is None:
            unresolved_balancers.append(balancer)
            continue
        load_balancer_groups.update(group.urn for group in refs)

    findings: list[tuple[sgrules.SgRule[PolicyResource], str, list[PolicyResource] | None]] = []
    noted: set[tuple[str, str]] = set()

    def unknown(resource: PolicyResource, prop: str) -> None:
        if (resource.urn, prop) not in noted:
            noted.add((resource.urn, prop))
            ctx.unknown(resource, prop)

    for rule in sgrules.stack_rules(ctx.index):
        if rule.peer_kind == sgrules.UNREAD or rule.direction is values.UNKNOWN:
            unknown(rule.resource, rule.unknown_part() or rule.prop)
            continue
        if rule.direction != "ingress":
            continue
        cidrs = _public_peers(ctx, rule, prefix_lists)
        if cidrs is None:
            unknown(rule.resource, rule.path)
            continue
        if cidrs:
            targets = sgrules.owner_groups(ctx.index, rule)
            findings.extend((rule, cidr, targets) for cidr in cidrs)

    expected = (
        "no ingress from the internet, except to the load balancer's security group on TCP "
        + ", ".join(str(p) for p in sorted(allowed_ports))
    )
    for rule, cidr, targets in findings:
        source, ports = rule.resource, rule.ports()
        if ports is values.UNKNOWN:
            unknown(source, f"{rule.prop} protocol/ports")
            continue
        found = f"{cidr} allowed on {_ports_text(rule, ports)}"
        if not _allowed(rule, ports, allowed_ports):
            ctx.violation(source, rule.prop, found, expected)
            continue
        if targets is None or (not targets and unresolved_balancers):
            unknown(source, "securityGroupId")
            continue
        if not targets:
            ctx.violation(
                source, rule.prop, f"{found} on a security group not in this stack", expected
            )
            continue
        if unresolved_balancers and not all(t.urn in load_balancer_groups for t in targets):
            unknown(source, "the load balancer's securityGroups")
            continue
        for target in targets:
            if target.urn not in load_balancer_groups:
                where = "" if target is source else f" (security group '{target.name}')"
                ctx.violation(
                    source, rule.prop, f"{found}{where}, which no load balancer uses", expected
                )


NO_PUBLIC_INGRESS = StackRule(
    name="security-group-no-public-ingress",
    normalises=(
        "CIDRs with host bits; prefix lists of the stack expanded; rule type and protocol any case"
    ),
    description=(
        "No security group may admit a public CIDR (any range not entirely inside RFC 1918, "
        "100.64.0.0/10, link-local, fc00::/7 or fe80::/10), except the load balancer's on TCP "
        "80/443; inline ingress (SecurityGroup and DefaultSecurityGroup), SecurityGroupRule and "
        "SecurityGroupIngressRule alike, and prefix lists defined in the stack (their entries "
        "and ManagedPrefixListEntry resources) are expanded to their CIDRs."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Admit traffic from the load balancer's security group (referenced_security_group_id / "
        "source_security_group_id) or a managed prefix list (e.g. CloudFront origin-facing) "
        "or a private CIDR instead of a public one; keep 0.0.0.0/0 only on the ALB's 80/443."
    ),
    resource_types=[
        *T.SECURITY_GROUPS,
        T.SECURITY_GROUP_RULE,
        T.SECURITY_GROUP_INGRESS_RULE,
        *T.LOAD_BALANCERS,
        T.MANAGED_PREFIX_LIST,
        T.MANAGED_PREFIX_LIST_ENTRY,
    ],
    check=_check_public_ingress,
    unknowns=(
        "A public rule on any other port is a violation even when its group is unknown; on an "
        "allowed port, an unresolvable target group or load balancer list is a note; unknown "
        "CIDRs or ports are notes."
    ),
    config_properties={
        "allowedPublicPorts": {
            "type": "array",
            "description": "TCP ports the load balancer may expose to the internet.",
            "items": {"type": "integer", "minimum": 1, "maximum": 65535},
            "uniqueItems": True,
            "default": [80, 443],
        }
    },
    tags=["network"],
)
