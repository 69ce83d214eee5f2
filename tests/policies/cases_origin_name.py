"""Cases of `cloudfront-https-origin-name-coverable`: an origin CloudFront reaches over HTTPS is
named by a domain its certificate can cover (foundation/aws_limits.py,
`origin_certificate_problem`; CloudFront developer guide, HTTP 502: SSL/TLS negotiation failure).

Property: whatever the origin kind (custom or VPC) and whatever says HTTPS (https-only, or
match-viewer behind redirect-to-https), a name in AWS's own domains, or one computed from the
load balancer itself, is a violation; the same origin over HTTP, or at the owner's own name, is
not. The members are our own, not only the issue's ALB name: an EC2 public name, an internal
EC2 name, a China-region ELB name, a trailing-dot and upper-case spelling.
"""

from __future__ import annotations

from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import UNKNOWN, record, replace
from tests.policies.cases import Case, R, Variant

RULE = "cloudfront-https-origin-name-coverable"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
ALB_NAME = "internal-perfcheck-prod-alb-1234567890.eu-west-1.elb.amazonaws.com"
OWN_NAME = "origin.perfcheck.example.com"


def _origin(r: R, **changes: Any) -> dict[str, Any]:
    (origin,) = r["cdn"].wire_inputs["origins"]
    return {**origin, **changes}


def custom_origin(
    r: R, domain: Any, policy: str = "https-only", **deps: list[str]
) -> dict[str, ResourceRecord | None]:
    """The compliant distribution's custom origin at `domain` under `policy`."""
    custom = {**_origin(r)["customOriginConfig"], "originProtocolPolicy": policy}
    cdn = replace(r["cdn"], origins=[_origin(r, domainName=domain, customOriginConfig=custom)])
    if deps:
        cdn = _with_dependencies(cdn, deps)
    return {"cdn": cdn}


def vpc_origin(
    r: R, domain: Any, policy: str, *, origin_id: Any = "vo-1"
) -> dict[str, ResourceRecord | None]:
    """The distribution reaches the internal ALB through a VPC origin under `policy`."""
    origin = record(
        "prod",
        VPC_ORIGIN,
        "vpc-origin",
        {
            "vpcOriginEndpointConfig": {
                "name": "alb",
                "arn": "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/alb/1",
                "httpPort": 80,
                "httpsPort": 443,
                "originProtocolPolicy": policy,
                "originSslProtocols": {"items": ["TLSv1.2"], "quantity": 1},
            },
            "tags": r["alb"].wire_inputs["tags"],
        },
        computed={"id": "vo-1"},
        property_dependencies={"vpcOriginEndpointConfig": [r["alb"].urn]},
    )
    shaped = _origin(r, domainName=domain, vpcOriginConfig={"vpcOriginId": origin_id})
    shaped.pop("customOriginConfig")
    shaped.pop("customHeaders", None)
    cdn = _with_dependencies(replace(r["cdn"], origins=[shaped]), {"origins": [origin.urn]})
    return {"cdn": cdn, "vpc_origin": origin}


def _with_dependencies(rec: ResourceRecord, deps: dict[str, list[str]]) -> ResourceRecord:
    merged = {**rec.property_dependencies, **{k: tuple(v) for k, v in deps.items()}}
    return ResourceRecord(
        **{
            **{f: getattr(rec, f) for f in rec.__dataclass_fields__},
            "property_dependencies": merged,
            "dependencies": tuple(dict.fromkeys(u for urns in merged.values() for u in urns)),
        }
    )


def _case(case_id: str, changes: Any, fragment: str) -> Case:
    return Case(RULE, case_id, changes, "cdn", fragment)


ORIGIN_NAME_NONCOMPLIANT = [
    _case(
        "vpc-origin-https-at-the-alb-name",
        lambda r: vpc_origin(r, ALB_NAME, "https-only"),
        f"origins[alb].domainName is '{ALB_NAME}' over https-only",
    ),
    _case(
        "vpc-origin-match-viewer-at-the-alb-name",
        lambda r: vpc_origin(r, ALB_NAME, "match-viewer"),
        "over match-viewer",
    ),
    _case(
        "vpc-origin-https-at-an-unknown-id-still-resolved-by-dependency",
        lambda r: vpc_origin(r, ALB_NAME.upper() + ".", "HTTPS-ONLY", origin_id=UNKNOWN),
        "in AWS's domain 'amazonaws.com'",
    ),
    _case(
        "vpc-origin-at-an-internal-ec2-name",
        lambda r: vpc_origin(r, "ip-10-30-1-17.eu-west-1.compute.internal", "https-only"),
        "in AWS's domain 'internal'",
    ),
    _case(
        "custom-origin-at-an-ec2-public-name",
        lambda r: custom_origin(r, "ec2-203-0-113-25.eu-west-1.compute.amazonaws.com"),
        "in AWS's domain 'compute.amazonaws.com'",
    ),
    _case(
        "custom-origin-at-a-china-elb-name",
        lambda r: custom_origin(r, "web-1.cn-north-1.elb.amazonaws.com.cn"),
        "in AWS's domain 'elb.amazonaws.com.cn'",
    ),
    _case(
        "custom-origin-name-computed-from-the-load-balancer",
        lambda r: custom_origin(r, UNKNOWN, origins=[r["alb"].urn]),
        "computed from alb (its own AWS-assigned name) over https-only",
    ),
]


ORIGIN_NAME_VARIANTS = [
    Variant(
        RULE, "vpc-origin-https-at-the-owners-name", lambda r: vpc_origin(r, OWN_NAME, "https-only")
    ),
    Variant(
        RULE, "vpc-origin-http-at-the-alb-name", lambda r: vpc_origin(r, ALB_NAME, "http-only")
    ),
    # A custom origin AWS serves with its own certificate (API Gateway) is coverable.
    Variant(
        RULE,
        "custom-origin-at-an-aws-served-name",
        lambda r: custom_origin(r, "abc123.execute-api.eu-west-1.amazonaws.com"),
    ),
]
