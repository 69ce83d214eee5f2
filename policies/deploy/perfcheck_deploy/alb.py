"""Application Load Balancers: subnets in two Availability Zones, HTTPS listeners with a
certificate and an existing security policy.

Protocols and load balancer types come from botocore's `elbv2` model (ProtocolEnum,
LoadBalancerTypeEnum). ELB publishes its predefined security policies only in the guides, so
`SSL_POLICIES` lists them from "Security policies for your Application Load Balancer" and
"Security policies for your Network Load Balancer" (Elastic Load Balancing user guides).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from foundation.records import ResourceRecord
from perfcheck_deploy.awsmodels import enum_values, input_member
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
SUBNET = "aws:ec2/subnet:Subnet"

SUBNETS_ID = describe(
    "alb-subnets", "an Application Load Balancer has at least two subnets in different AZs"
)
LISTENER_ID = describe(
    "alb-listener",
    "listener protocol is an ELB protocol; HTTPS/TLS listeners have a certificate and an "
    "existing security policy",
)

SECURE_PROTOCOLS = ("HTTPS", "TLS")
_TLS13 = "ELBSecurityPolicy-TLS13"
SSL_POLICIES = frozenset(
    [
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        *(
            f"{_TLS13}-{variant}-2021-06"
            for variant in ("1-0", "1-1", "1-2", "1-2-Res", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        *(
            f"{_TLS13}-{variant}-FIPS-2023-04"
            for variant in (
                "1-0",
                "1-1",
                "1-2",
                "1-2-Res",
                "1-2-Ext0",
                "1-2-Ext1",
                "1-2-Ext2",
                "1-3",
            )
        ),
        *(
            f"{_TLS13}-{variant}-PQ-2025-09"
            for variant in ("1-0", "1-2", "1-2-Res", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        *(
            f"{_TLS13}-{variant}-FIPS-PQ-2025-09"
            for variant in (
                "1-0",
                "1-2",
                "1-2-Res",
                "1-2-Ext0",
                "1-2-Ext1",
                "1-2-Ext2",
                "1-3",
            )
        ),
        *(
            f"{_TLS13}-{variant}-FIPS-2023-07"
            for variant in (
                "1-2-RFC9151",
                "1-2-Ext0-RFC9151",
                "1-3-RFC9151",
                "1-2-RFC9151-INTEROP1",
                "1-2-RFC9151-INTEROP2",
                "1-2-RFC9151-INTEROP3",
                "1-2-RFC9151-INTEROP4",
            )
        ),
    ]
)
RECOMMENDED_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


@checks(*LOAD_BALANCERS)
def check_load_balancer(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    lb_type = inputs.get("loadBalancerType", "application")
    if lb_type != "application":
        return
    prop, subnets = _subnet_ids(inputs)
    if subnets is None:
        return
    if len(subnets) < 2:
        yield finding(
            SUBNETS_ID,
            record,
            prop,
            "ValidationError: At least two subnets in two different Availability Zones must be "
            f"specified (got {len(subnets)}).",
            "Pass one public subnet in each of at least two Availability Zones.",
        )
        return
    zones = _zones(record, index, prop, subnets)
    if zones is not None and len(set(zones)) < 2:
        yield finding(
            SUBNETS_ID,
            record,
            prop,
            "ValidationError: At least two subnets in two different Availability Zones must be "
            f"specified (all {len(subnets)} subnets are in {zones[0]}).",
            "Use subnets from at least two different Availability Zones.",
        )


def _subnet_ids(inputs: Mapping[str, Any]) -> tuple[str, list[Any] | None]:
    subnets = inputs.get("subnets")
    if isinstance(subnets, list):
        return "subnets", subnets
    mappings = inputs.get("subnetMappings")
    if isinstance(mappings, list):
        return "subnetMappings", [m.get("subnetId") for m in mappings if isinstance(m, Mapping)]
    return "subnets", None


def _zones(
    record: ResourceRecord, index: StackIndex, prop: str, subnets: list[Any]
) -> list[str] | None:
    """The AZ of every subnet, when all are known (by id or through the dependencies)."""
    resolved = [index.find(s, (SUBNET,)) for s in subnets]
    if any(r is None for r in resolved):
        deps = index.dependencies(record, prop, (SUBNET,))
        if len(deps) != len(subnets):
            return None
        resolved = deps
    zones = []
    for subnet in resolved:
        assert subnet is not None
        inputs = index.inputs(subnet)
        zone = inputs.get("availabilityZone") or inputs.get("availabilityZoneId")
        if not isinstance(zone, str) or is_unknown(zone):
            return None
        zones.append(zone)
    return zones


@checks(*LISTENERS)
def check_listener(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    protocol = inputs.get("protocol")
    if isinstance(protocol, str) and not is_unknown(protocol):
        allowed = enum_values(input_member("elbv2", "CreateListener", "Protocol"))
        if protocol not in allowed:
            yield finding(
                LISTENER_ID,
                record,
                "protocol",
                f"ValidationError: Protocol '{protocol}' is not one of {', '.join(allowed)}.",
                "Use HTTPS for viewer-facing listeners (HTTP only to redirect).",
            )
    if protocol not in SECURE_PROTOCOLS:
        return
    certificate = inputs.get("certificateArn")
    if certificate is None or certificate == "":
        yield finding(
            LISTENER_ID,
            record,
            "certificateArn",
            f"CertificateNotFound / ValidationError: A certificate must be specified for "
            f"{protocol} listeners.",
            "Set certificateArn to an issued ACM certificate in the load balancer's region.",
        )
    policy = inputs.get("sslPolicy")
    if isinstance(policy, str) and not is_unknown(policy) and policy not in SSL_POLICIES:
        yield finding(
            LISTENER_ID,
            record,
            "sslPolicy",
            f"SSLPolicyNotFound: SSL policy '{policy}' not found.",
            f"Use a predefined ELB security policy, e.g. {RECOMMENDED_SSL_POLICY}.",
        )
