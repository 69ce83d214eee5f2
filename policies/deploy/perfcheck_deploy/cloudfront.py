"""CloudFront distributions: behaviours target real origins, policy ids exist, and the viewer
certificate is an ACM certificate in us-east-1 (the only region CloudFront reads certificates
from).

Managed policy ids are AWS's published ones (CloudFront developer guide, "Use managed cache
policies", "Use managed origin request policies", "Use managed response headers policies").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
ORIGIN_REQUEST_POLICY = "aws:cloudfront/originRequestPolicy:OriginRequestPolicy"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
CERTIFICATE = "aws:acm/certificate:Certificate"
CERTIFICATE_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"

ORIGIN_ID = describe(
    "cloudfront-origin-ids",
    "every cache behaviour's targetOriginId names an origin or origin group of the distribution",
)
POLICY_ID = describe(
    "cloudfront-policy-ids",
    "cache, origin request and response headers policy ids are AWS managed ids of that kind or "
    "policies created in this stack",
)
CERTIFICATE_ID = describe(
    "cloudfront-certificate",
    "the viewer certificate is an ACM certificate in us-east-1 with an SSL support method, and "
    "aliases come with a custom certificate",
)
VALIDATION_REGION_ID = describe(
    "acm-validation-region",
    "a certificate validation waits in the region of the certificate it validates (ACM is "
    "regional: DescribeCertificate elsewhere finds no such certificate)",
)

CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"

MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": "CachingOptimized",
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": "CachingDisabled",
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": "CachingOptimizedForUncompressedObjects",
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": "Elemental-MediaPackage",
    "2e54312d-136d-493c-8eb9-b001f22f67d2": "Amplify",
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": "UseOriginCacheControlHeaders",
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": "UseOriginCacheControlHeaders-QueryStrings",
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": "AllViewer",
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": "AllViewerExceptHostHeader",
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": "AllViewerAndCloudFrontHeaders-2022-06",
    "59781a5b-3903-41f3-afcb-af62929ccde1": "CORS-CustomOrigin",
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": "CORS-S3Origin",
    "775133bc-15f2-49f9-abea-afb2e0bf67d2": "Elemental-MediaTailor-PersonalizedManifests",
    "acba4595-bd28-49b8-b9fe-13317c0390fa": "UserAgentRefererHeaders",
}
MANAGED_RESPONSE_HEADERS_POLICIES = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03": "SecurityHeadersPolicy",
    "60669652-455b-4ae9-85a4-c4c02393f86c": "SimpleCORS",
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": "CORS-With-Preflight",
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": "CORS-and-SecurityHeadersPolicy",
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": "CORS-with-preflight-and-SecurityHeadersPolicy",
}
# (behaviour key, policy resource type, managed ids, error code CloudFront returns)
POLICY_KINDS = (
    ("cachePolicyId", CACHE_POLICY, MANAGED_CACHE_POLICIES, "NoSuchCachePolicy"),
    (
        "originRequestPolicyId",
        ORIGIN_REQUEST_POLICY,
        MANAGED_ORIGIN_REQUEST_POLICIES,
        "NoSuchOriginRequestPolicy",
    ),
    (
        "responseHeadersPolicyId",
        RESPONSE_HEADERS_POLICY,
        MANAGED_RESPONSE_HEADERS_POLICIES,
        "NoSuchResponseHeadersPolicy",
    ),
)
ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/.+$")


def _behaviours(inputs: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(top-level property, path, behaviour) for the default and every ordered behaviour."""
    default = inputs.get("defaultCacheBehavior")
    if isinstance(default, Mapping):
        yield "defaultCacheBehavior", "defaultCacheBehavior", default
    ordered = inputs.get("orderedCacheBehaviors")
    if isinstance(ordered, list):
        for position, behaviour in enumerate(ordered):
            if isinstance(behaviour, Mapping):
                yield "orderedCacheBehaviors", f"orderedCacheBehaviors[{position}]", behaviour


@checks(DISTRIBUTION)
def check_distribution(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    yield from _origin_ids(record, inputs)
    yield from _policy_ids(record, index, inputs)
    yield from _certificate(record, index, inputs)


def _origin_ids(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    targets: set[str] = set()
    for key in ("origins", "originGroups"):
        entries = inputs.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            origin_id = entry.get("originId") if isinstance(entry, Mapping) else None
            if is_unknown(origin_id):
                return  # an origin id we cannot read: any target might be it
            if isinstance(origin_id, str):
                targets.add(origin_id)
    for _, path, behaviour in _behaviours(inputs):
        target = behaviour.get("targetOriginId")
        if not isinstance(target, str) or is_unknown(target) or target in targets:
            continue
        yield finding(
            ORIGIN_ID,
            record,
            f"{path}.targetOriginId",
            f"InvalidArgument: The parameter TargetOriginId '{target}' does not refer to an "
            f"existing origin (origins: {', '.join(sorted(targets)) or 'none'}).",
            "Use the originId of one of the distribution's origins or origin groups.",
        )


def _policy_ids(
    record: ResourceRecord, index: StackIndex, inputs: Mapping[str, Any]
) -> Iterator[Finding]:
    for prop, path, behaviour in _behaviours(inputs):
        for key, policy_type, managed, error in POLICY_KINDS:
            value = behaviour.get(key)
            if not isinstance(value, str) or not value or is_unknown(value) or value in managed:
                continue
            if index.find(value, (policy_type,)) is not None:
                continue
            from_stack = index.unrecorded_dependencies(record, prop, (policy_type,))
            if from_stack and not _other_kind(value, managed):
                continue
            other = _other_kind(value, managed)
            says = (
                f"{error}: '{value}' is the managed {other} policy, not a {_kind(key)} policy."
                if other
                else f"{error}: The {_kind(key)} policy '{value}' does not exist: it is neither an "
                "AWS managed policy id nor a policy created in this stack."
            )
            yield finding(
                POLICY_ID,
                record,
                f"{path}.{key}",
                says,
                f"Use a managed {_kind(key)} policy id or pass the .id of a "
                f"{policy_type.rsplit(':', 1)[-1]} created in this stack.",
            )


def _kind(key: str) -> str:
    return {
        "cachePolicyId": "cache",
        "originRequestPolicyId": "origin request",
        "responseHeadersPolicyId": "response headers",
    }[key]


def _other_kind(value: str, managed: Mapping[str, str]) -> str | None:
    """The name and kind of a managed policy of another kind with this id, if any."""
    for key, _, other_managed, _ in POLICY_KINDS:
        if other_managed is not managed and value in other_managed:
            return f"{_kind(key)} '{other_managed[value]}'"
    return None


def _certificate(
    record: ResourceRecord, index: StackIndex, inputs: Mapping[str, Any]
) -> Iterator[Finding]:
    viewer = inputs.get("viewerCertificate")
    if not isinstance(viewer, Mapping):
        return
    arn = viewer.get("acmCertificateArn")
    aliases = inputs.get("aliases")
    if aliases and not arn and not viewer.get("iamCertificateId"):
        yield finding(
            CERTIFICATE_ID,
            record,
            "viewerCertificate",
            "InvalidViewerCertificate: To add an alternate domain name (CNAME) to a CloudFront "
            "distribution, you must attach a trusted certificate that validates your "
            "authorization to use the domain name.",
            "Set viewerCertificate.acmCertificateArn to a us-east-1 ACM certificate covering the "
            "aliases.",
        )
    if not arn or is_unknown(arn):
        return
    if viewer.get("sslSupportMethod") is None:
        yield finding(
            CERTIFICATE_ID,
            record,
            "viewerCertificate.sslSupportMethod",
            "InvalidViewerCertificate: an ACM certificate needs an SSL support method.",
            "Set sslSupportMethod='sni-only'.",
        )
    certificate = index.resolve(record, "viewerCertificate", arn, (CERTIFICATE,))
    region: str | None = None
    source = ""
    if certificate is not None:
        region = index.region_of(certificate)
        source = f"certificate '{certificate.name}' is created in"
    else:
        match = ACM_ARN.match(arn) if isinstance(arn, str) else None
        if match:
            region, source = match[1], "the certificate ARN is in"
    if region is not None and region != CLOUDFRONT_CERTIFICATE_REGION:
        yield finding(
            CERTIFICATE_ID,
            record,
            "viewerCertificate.acmCertificateArn",
            f"InvalidViewerCertificate: The specified SSL certificate doesn't exist, isn't in "
            f"us-east-1 region, isn't valid, or doesn't include a valid certificate chain; "
            f"{source} {region}.",
            "Create the certificate with an aws.Provider for us-east-1 (or region='us-east-1').",
        )


@checks(CERTIFICATE_VALIDATION)
def check_validation_region(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    """CloudFront's certificate lives in us-east-1 (`region=`): a validation left in the
    provider's region would wait for a certificate ACM there has never heard of."""
    arn = index.inputs(record).get("certificateArn")
    certificate = index.resolve(record, "certificateArn", arn, (CERTIFICATE,))
    if certificate is not None:
        wanted, source = index.region_of(certificate), f"certificate '{certificate.name}' is in"
    else:
        match = ACM_ARN.match(arn) if isinstance(arn, str) else None
        wanted, source = (match[1], "the certificate ARN is in") if match else (None, "")
    own = index.region_of(record)
    if wanted is not None and own is not None and wanted != own:
        yield finding(
            VALIDATION_REGION_ID,
            record,
            "region",
            f"ResourceNotFoundException: the validation waits in {own} for a certificate ACM "
            f"has only in {wanted} ({source} {wanted}).",
            f"Give the validation region='{wanted}' (the certificate's region).",
        )
