"""Cases of `cloudfront-https-origin-name-coverable`: an origin CloudFront reaches over HTTPS is
named by a domain its certificate can cover (foundation/aws_limits.py,
`origin_certificate_problem`; CloudFront developer guide, HTTP 502: SSL/TLS negotiation failure).

Property: whatever the origin kind (custom or VPC) and whatever says HTTPS (https-only, or
match-viewer behind redirect-to-https), a name in AWS's own domains, or one computed from the
load balancer itself, is a violation; the same origin over HTTP, or at the owner's own name, is
not. The members are our own, not only the issue's ALB name: an EC2 public name, an internal
EC2 name, a China-region ELB name, a trailing-dot and upper-case spelling.

Each case is a mutation of the captured prod program (tests/policies/support.py `OnProgram`):
its distribution reaches the internal ALB through a VPC origin at the ALB's own AWS name over
HTTP, the one form of that name the rule accepts.
"""

from __future__ import annotations

from typing import Any

from foundation.records import UNKNOWN, ResourceRecord
from tests.policies.builders import replace
from tests.policies.cases import Case, R, Variant
from tests.policies.support import OnProgram

RULE = "cloudfront-https-origin-name-coverable"
CDN, VPC_ORIGIN = "cdn-distribution", "cdn-vpc-origin"
OWN_NAME = "origin.perfcheck.example.com"


def _origin(r: R, **changes: Any) -> dict[str, Any]:
    (origin,) = r[CDN].wire_inputs["origins"]
    return {**origin, **changes}


def custom_origin(domain: Any, policy: str = "https-only") -> OnProgram:
    """The distribution's origin made a custom one at `domain` under `policy` (the engine's
    dependencies of `origins`, on the load balancer among them, kept)."""

    def changes(r: R) -> dict[str, ResourceRecord | None]:
        origin = _origin(r, domainName=domain)
        origin.pop("vpcOriginConfig")
        origin["customOriginConfig"] = {
            "httpPort": 80,
            "httpsPort": 443,
            "originProtocolPolicy": policy,
            "originSslProtocols": ["TLSv1.2"],
        }
        return {CDN: replace(r[CDN], origins=[origin])}

    return OnProgram(changes)


def vpc_origin(domain: Any, policy: str, *, origin_id: Any = None) -> OnProgram:
    """The program's VPC origin under `policy`, the distribution naming it at `domain` (the ALB's
    own name: None) and by `origin_id` (its own: None)."""

    def changes(r: R) -> dict[str, ResourceRecord | None]:
        endpoint = {**r[VPC_ORIGIN].wire_inputs["vpcOriginEndpointConfig"]}
        endpoint["originProtocolPolicy"] = policy
        origin = _origin(r)
        if domain is not None:
            origin["domainName"] = domain
        if origin_id is not None:
            origin["vpcOriginConfig"] = {**origin["vpcOriginConfig"], "vpcOriginId": origin_id}
        return {
            VPC_ORIGIN: replace(r[VPC_ORIGIN], vpcOriginEndpointConfig=endpoint),
            CDN: replace(r[CDN], origins=[origin]),
        }

    return OnProgram(changes)


def _alb_name_spelt_otherwise(r: R) -> dict[str, ResourceRecord | None]:
    """The ALB's name upper-cased with a trailing dot, the VPC origin named by an id unknown at
    preview (the engine's dependency still says which)."""
    name = _origin(r)["domainName"].upper() + "."
    return vpc_origin(name, "HTTPS-ONLY", origin_id=UNKNOWN)(r)  # type: ignore[return-value]


def _case(case_id: str, changes: Any, fragment: str) -> Case:
    return Case(RULE, case_id, changes, CDN, fragment)


ORIGIN_NAME_NONCOMPLIANT = [
    _case(
        "vpc-origin-https-at-the-alb-name",
        vpc_origin(None, "https-only"),
        "origins[alb].domainName is 'internal-load-balancer-alb-",
    ),
    _case(
        "vpc-origin-match-viewer-at-the-alb-name",
        vpc_origin(None, "match-viewer"),
        "over match-viewer",
    ),
    _case(
        "vpc-origin-https-at-an-unknown-id-still-resolved-by-dependency",
        OnProgram(_alb_name_spelt_otherwise),
        "in AWS's domain 'amazonaws.com'",
    ),
    _case(
        "vpc-origin-at-an-internal-ec2-name",
        vpc_origin("ip-10-30-1-17.eu-west-1.compute.internal", "https-only"),
        "in AWS's domain 'internal'",
    ),
    _case(
        "custom-origin-at-an-ec2-public-name",
        custom_origin("ec2-203-0-113-25.eu-west-1.compute.amazonaws.com"),
        "in AWS's domain 'compute.amazonaws.com'",
    ),
    _case(
        "custom-origin-at-a-china-elb-name",
        custom_origin("web-1.cn-north-1.elb.amazonaws.com.cn"),
        "in AWS's domain 'elb.amazonaws.com.cn'",
    ),
    _case(
        "custom-origin-name-computed-from-the-load-balancer",
        custom_origin(UNKNOWN),
        "computed from load-balancer-alb (its own AWS-assigned name) over https-only",
    ),
]


ORIGIN_NAME_VARIANTS = [
    Variant(RULE, "vpc-origin-https-at-the-owners-name", vpc_origin(OWN_NAME, "https-only")),
    # The program as it is: its VPC origin reaches the ALB's own name over HTTP.
    Variant(RULE, "vpc-origin-http-at-the-alb-name", vpc_origin(None, "http-only")),
    # A custom origin AWS serves with its own certificate (API Gateway) is coverable.
    Variant(
        RULE,
        "custom-origin-at-an-aws-served-name",
        custom_origin("abc123.execute-api.eu-west-1.amazonaws.com"),
    ),
]
