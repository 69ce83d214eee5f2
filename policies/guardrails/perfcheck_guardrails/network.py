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
from dataclasses import dataclass
from typing import Any

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import PolicyResource, Severity

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
_ALL_PROTOCOLS = {"-1", "all"}
_TCP = {"tcp", "6"}


@dataclass(frozen=True)
class _Ingress:
    """One public ingress permission, wherever it was written."""

    source: PolicyResource
    prop: str
    cidr: str
    protocol: Any
    from_port: Any
    to_port: Any


def _port(value: Any) -> int | None:
    number = values.as_number(value)
    return int(number) if number is not None else None


def _ports_text(protocol: Any, from_port: Any, to_port: Any) -> str:
    if str(protocol).lower() in _ALL_PROTOCOLS:
        return "all traffic"
    low, high = _port(from_port), _port(to_port)
    if low == high:
        return f"{protocol} port {low}"
    return f"{protocol} ports {low}-{high}"


def _allowed(ingress: _Ingress, allowed_ports: set[int]) -> bool:
    if str(ingress.protocol).lower() not in _TCP:
        return False
    low, high = _port(ingress.from_port), _port(ingress.to_port)
    return low is not None and low == high and low in allowed_ports


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


def _public_cidrs(container: Any, *keys: str) -> list[str] | None:
    """Public CIDRs listed under `keys` (None when one of the lists is unknown)."""
    found: list[str] = []
    for key in keys:
        cidrs = values.items(container, key)
        if cidrs is values.UNKNOWN:
            return None
        for cidr in cidrs:
            if cidr is values.UNKNOWN:
                return None
            if isinstance(cidr, str) and is_public_cidr(cidr):
                found.append(cidr.strip())
    return found


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
    source: PolicyResource,
    prop: str,
    ids: Any,
    lists: dict[str, list[str] | None],
) -> list[str] | None:
    """Public CIDRs reached through the prefix lists `ids` names (in-stack lists only: an
    AWS-managed list such as CloudFront's origin-facing one is not public)."""
    if not lists:
        return []
    targets = ctx.index.references(source, prop, ids, [T.MANAGED_PREFIX_LIST])
    if targets is None:
        return None
    found: list[str] = []
    for target in targets:
        cidrs = lists.get(target.urn, [])
        if cidrs is None:
            return None
        found.extend(f"{cidr} (in prefix list '{target.name}')" for cidr in cidrs)
    return found


def _check_public_ingress(ctx: StackContext) -> None:
    allowed_ports = {int(p) for p in config_list(ctx.config, "allowedPublicPorts")}
    groups = ctx.index.of_type(*T.SECURITY_GROUPS)
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

    findings: list[tuple[_Ingress, list[PolicyResource] | None]] = []
    for group in groups:
        rules = ctx.items(group, "ingress")
        if rules is values.UNKNOWN:
            ctx.unknown(group, "ingress")
            continue
        for index, rule in enumerate(rules):
            cidrs = _public_cidrs(rule, "cidrBlocks", "ipv6CidrBlocks")
            if cidrs is None:
                ctx.unknown(group, f"ingress[{index}].cidrBlocks")
                continue
            listed = _prefix_list_findings(
                ctx, group, "ingress", values.get(rule, "prefixListIds"), prefix_lists
            )
            if listed is None:
                ctx.unknown(group, f"ingress[{index}].prefixListIds")
            else:
                cidrs = [*cidrs, *listed]
            for cidr in cidrs:
                ingress = _Ingress(
                    group,
                    f"ingress[{index}]",
                    cidr,
                    values.get(rule, "protocol"),
                    values.get(rule, "fromPort"),
                    values.get(rule, "toPort"),
                )
                findings.append((ingress, [group]))

    for rule in ctx.index.of_type(T.SECURITY_GROUP_RULE):
        kind = ctx.get(rule, "type")
        if kind is values.UNKNOWN:
            ctx.unknown(rule, "type")
            continue
        if values.lower(kind) != "ingress":
            continue
        cidrs = _public_cidrs(rule.props, "cidrBlocks", "ipv6CidrBlocks")
        if cidrs is None:
            ctx.unknown(rule, "cidrBlocks")
            continue
        listed = _prefix_list_findings(
            ctx, rule, "prefixListIds", ctx.get(rule, "prefixListIds"), prefix_lists
        )
        if listed is None:
            ctx.unknown(rule, "prefixListIds")
        else:
            cidrs = [*cidrs, *listed]
        for cidr in cidrs:
            ingress = _Ingress(
                rule,
                "cidrBlocks",
                cidr,
                ctx.get(rule, "protocol"),
                ctx.get(rule, "fromPort"),
                ctx.get(rule, "toPort"),
            )
            targets = ctx.index.references(
                rule, "securityGroupId", ctx.get(rule, "securityGroupId"), list(T.SECURITY_GROUPS)
            )
            findings.append((ingress, targets))

    for rule in ctx.index.of_type(T.SECURITY_GROUP_INGRESS_RULE):
        listed = _prefix_list_findings(
            ctx, rule, "prefixListId", ctx.get(rule, "prefixListId"), prefix_lists
        )
        if listed is None:
            ctx.unknown(rule, "prefixListId")
        for cidr_text in listed or ():
            findings.append(
                (
                    _Ingress(
                        rule,
                        "prefixListId",
                        cidr_text,
                        ctx.get(rule, "ipProtocol"),
                        ctx.get(rule, "fromPort"),
                        ctx.get(rule, "toPort"),
                    ),
                    ctx.index.references(
                        rule,
                        "securityGroupId",
                        ctx.get(rule, "securityGroupId"),
                        list(T.SECURITY_GROUPS),
                    ),
                )
            )
        for key in ("cidrIpv4", "cidrIpv6"):
            cidr = ctx.get(rule, key)
            if cidr is values.UNKNOWN:
                ctx.unknown(rule, key)
                continue
            if not (isinstance(cidr, str) and is_public_cidr(cidr)):
                continue
            ingress = _Ingress(
                rule,
                key,
                cidr.strip(),
                ctx.get(rule, "ipProtocol"),
                ctx.get(rule, "fromPort"),
                ctx.get(rule, "toPort"),
            )
            targets = ctx.index.references(
                rule, "securityGroupId", ctx.get(rule, "securityGroupId"), list(T.SECURITY_GROUPS)
            )
            findings.append((ingress, targets))

    expected = (
        "no ingress from the internet, except to the load balancer's security group on TCP "
        + ", ".join(str(p) for p in sorted(allowed_ports))
    )
    for ingress, targets in findings:
        if values.UNKNOWN in (ingress.protocol, ingress.from_port, ingress.to_port):
            ctx.unknown(ingress.source, f"{ingress.prop} protocol/ports")
            continue
        ports = _ports_text(ingress.protocol, ingress.from_port, ingress.to_port)
        found = f"{ingress.cidr} allowed on {ports}"
        if not _allowed(ingress, allowed_ports):
            ctx.violation(ingress.source, ingress.prop, found, expected)
            continue
        if targets is None or (not targets and unresolved_balancers):
            ctx.unknown(ingress.source, "securityGroupId")
            continue
        if not targets:
            ctx.violation(
                ingress.source,
                ingress.prop,
                f"{found} on a security group not in this stack",
                expected,
            )
            continue
        if unresolved_balancers and not all(t.urn in load_balancer_groups for t in targets):
            ctx.unknown(ingress.source, "the load balancer's securityGroups")
            continue
        for target in targets:
            if target.urn not in load_balancer_groups:
                where = "" if target is ingress.source else f" (security group '{target.name}')"
                ctx.violation(
                    ingress.source,
                    ingress.prop,
                    f"{found}{where}, which no load balancer uses",
                    expected,
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

RULES = (NO_PUBLIC_INGRESS,)
