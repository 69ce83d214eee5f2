"""CloudFront in front of the internal ALB: Next.js-aware caching, security headers, WAF,
access logs, real-time metrics and an optional custom domain.

CloudFront reaches the ALB through a VPC origin (`aws.cloudfront.VpcOrigin`): CloudFront places
managed network interfaces in the VPC and talks to the internal ALB over AWS's network, so the
ALB has no public address and needs no shared-secret header (CloudFront developer guide,
"Restrict access with VPC origins"). HTTPS on that hop when the ALB has a certificate
(`service.certificateArn`), at an origin name the certificate covers (`service.originDomainName`,
an alias of the ALB in the stack's zone), else HTTP inside AWS's network at the ALB's own name.

Global pieces live in us-east-1 because CloudFront reads them only there: the ACM certificate,
the WAF web ACL and the v2 access-log delivery. pulumi-aws 7 resources take `region=`, so the
stack's one provider serves both regions.

Access logs use CloudFront standard logging v2 (CloudWatch Logs vended delivery) into an S3
bucket, not legacy logging: legacy logging writes through S3 ACLs, so the bucket would need ACLs
enabled (BucketOwnerPreferred plus the awslogsdelivery grant). The v2 delivery writes under a
bucket policy scoped to this account's us-east-1 delivery sources, so the bucket keeps ACLs
disabled (BucketOwnerEnforced), all public access blocked and SSE-KMS with a customer-managed key.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.cache_behaviours import (
    CACHE_TAG_HEADER,
    CACHED_METHODS,
    FORWARDED_HOST_FUNCTION_CODE,
    IMAGE_CACHE_KEY_HEADERS,
    IMAGE_QUERY_STRINGS,
    ONE_DAY,
    ONE_YEAR,
    ORIGIN_ID,
    PAGE_CACHE_KEY_HEADERS,
    REMOVED_RESPONSE_HEADERS,
    SECURITY_HEADERS,
    UNCACHED_ERROR_CODES,
    Behaviour,
    default_behaviour,
    ordered_behaviours,
)
from components.contracts import Distribution, LoadBalancerOrigin
from components.encryption import ServiceGrant, create_kms_key
from components.log_bucket import private_log_bucket
from components.waf_rules import visibility, web_acl_rules
from foundation.aws_limits import origin_certificate_problem
from settings.schema import CdnSettings

GLOBAL_REGION = "us-east-1"
"""Where CloudFront reads certificates, web ACLs and log-delivery sources from."""

VIEWER_TLS_POLICY = "TLSv1.2_2021"
"""Viewer security policy with a custom certificate: TLS 1.2+ with forward-secret ciphers only."""
DEFAULT_CERTIFICATE_TLS_POLICY = "TLSv1"
"""With the default *.cloudfront.net certificate CloudFront always applies TLSv1, whatever is
asked (any other value is a perpetual diff), so the program says so instead of pretending."""

ORIGIN_READ_TIMEOUT_SECONDS = 60
"""Longest server render or API call CloudFront waits for (60 is the maximum without a quota
increase)."""
ORIGIN_KEEPALIVE_SECONDS = 50
"""Below the ALB's 60-second idle timeout, so CloudFront never reuses a connection the ALB is
closing (which would surface as 502s)."""

VPC_ORIGIN_TIMEOUT = "45m"
"""Create, update and delete of a VPC origin: the provider's 15-minute default is known to expire
while CloudFront deploys it (terraform-aws-modules/terraform-aws-cloudfront#163), which taints
the resource; CloudFront documents no upper bound, so three times the default."""

INVALIDATION_ACTIONS = ("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation")

MANAGED_CACHING_OPTIMIZED = "Managed-CachingOptimized"
MANAGED_CACHING_DISABLED = "Managed-CachingDisabled"
MANAGED_ALL_VIEWER_EXCEPT_HOST = "Managed-AllViewerExceptHostHeader"


def invalidation_policy_statement(
    distribution_arn: pulumi.Input[str],
) -> aws.iam.GetPolicyDocumentStatementArgs:
    """The task role's permission to invalidate this distribution, and no other.

    The Next.js container calls CreateInvalidation after `revalidateTag`/`revalidatePath`
    (docs/cache-invalidation.md); GetInvalidation lets it wait for completion when it must.
    """
    return aws.iam.GetPolicyDocumentStatementArgs(
        sid="InvalidateThisDistribution",
        actions=list(INVALIDATION_ACTIONS),
        resources=[distribution_arn],
    )


def vpc_origin_name(prefix: str, protocol_policy: str, load_balancer_arn: str) -> str:
    """The VPC origin's name, derived from what a replacement changes (the protocol, the load
    balancer's id), so the new origin can exist beside the old one until the distribution has
    moved to it. At most 64 characters (CloudFront's VPC origin name limit, from memory)."""
    protocol = protocol_policy.split("-")[0]
    load_balancer_id = load_balancer_arn.rsplit("/", 1)[-1]
    suffix = f"-{protocol}-{load_balancer_id}"
    return f"{prefix[: 64 - len(suffix)]}{suffix}"


def origin_name_problem(
    origin_domain_name: str | None, protocol_policy: str, hosted_zone_id: str | None
) -> str | None:
    """Why CloudFront could not reach the ALB at this origin name, or None.

    Over HTTPS CloudFront checks the ALB's certificate against the origin domain name (Host is
    not forwarded), and no certificate on the ALB can cover its own `*.elb.amazonaws.com` name
    (foundation/aws_limits.py); the settings refuse the same (service.originDomainName)."""
    if origin_domain_name is None:
        if protocol_policy == "http-only":
            return None
        return (
            "the ALB is reached over HTTPS at its own *.elb.amazonaws.com name, which no "
            "certificate covers (every request 502): give an origin domain name the ALB's "
            "certificate covers (service.originDomainName)"
        )
    problem = origin_certificate_problem(origin_domain_name, vpc_origin=True)
    if problem:
        return f"origin domain name {origin_domain_name}: {problem}"
    if hosted_zone_id is None:
        return (
            f"origin domain name {origin_domain_name} needs the hosted zone (cdn.hostedZoneId) "
            "its alias record to the ALB is created in"
        )
    return None


class CdnArgs(TypedDict):
    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`."""
    settings: CdnSettings
    """The stack's `cdn` section: domain, WAF, price class, real-time metrics."""
    origin: LoadBalancerOrigin
    """The internal ALB: ARN and DNS name, and the protocol and port CloudFront reaches it on."""
    origin_domain_name: str | None
    """The name CloudFront reaches the ALB at, which its certificate covers (an alias record in
    the stack's zone); None: the ALB's own name, for HTTP only."""
    log_retention_days: int
    """Days access logs are kept in the log bucket."""
    protect: bool
    """Pulumi protect on the distribution, the log bucket and its key."""


class Cdn(pulumi.ComponentResource):
    """The CloudFront distribution in front of the service and everything that watches it."""

    distribution: Distribution
    public_url: pulumi.Output[str]
    """`https://<custom domain>` when one is configured, else `https://<id>.cloudfront.net`."""
    web_acl_arn: pulumi.Output[str] | None
    log_bucket_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        settings = args["settings"]
        origin = args["origin"]
        origin_domain_name = args["origin_domain_name"]
        problem = origin_name_problem(
            origin_domain_name, origin.origin_protocol_policy, settings.hosted_zone_id
        )
        if problem:  # before anything is registered
            raise ValueError(f"CloudFront origin: {problem}")
        super().__init__("perfcheck:cdn:Cdn", name, None, opts)
        self._name = name
        self._prefix = args["name_prefix"]
        child = pulumi.ResourceOptions(parent=self)

        policies = self._policies(hsts_preload=bool(settings.domain_name))
        forwarded_host = aws.cloudfront.Function(
            f"{name}-forwarded-host",
            name=f"{self._prefix}-forwarded-host",
            runtime="cloudfront-js-2.0",
            comment="Copies the viewer's Host into x-forwarded-host for Next.js",
            code=FORWARDED_HOST_FUNCTION_CODE,
            publish=True,
            opts=child,
        )
        certificate_arn = self._certificate(settings) if settings.domain_name else None
        self.web_acl_arn = self._web_acl(settings.waf_rate_limit) if settings.waf_enabled else None

        origin_record = (
            self._origin_alias(origin_domain_name, settings.hosted_zone_id, origin)
            if origin_domain_name and settings.hosted_zone_id
            else None
        )
        vpc_origin = aws.cloudfront.VpcOrigin(
            f"{name}-vpc-origin",
            vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
                name=origin.arn.apply(
                    lambda arn: vpc_origin_name(self._prefix, origin.origin_protocol_policy, arn)
                ),
                arn=origin.arn,
                http_port=80,
                https_port=443,
                origin_protocol_policy=origin.origin_protocol_policy,
                origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                    items=["TLSv1.2"], quantity=1
                ),
            ),
            tags={"Name": f"{self._prefix}-alb"},
            # CloudFront refuses (409) to update a VPC origin a distribution uses: any change of
            # its endpoint config (a certificate added, the ALB replaced) creates a new origin,
            # repoints the distribution, then deletes the old one (perfcheck_deploy/in_use.py).
            opts=pulumi.ResourceOptions(
                parent=self,
                replace_on_changes=["vpcOriginEndpointConfig"],
                delete_before_replace=False,
                custom_timeouts=pulumi.CustomTimeouts(
                    create=VPC_ORIGIN_TIMEOUT, update=VPC_ORIGIN_TIMEOUT, delete=VPC_ORIGIN_TIMEOUT
                ),
            ),
        )

        def behaviour(spec: Behaviour) -> dict[str, Any]:
            shape: dict[str, Any] = {
                "target_origin_id": ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": list(spec.methods),
                "cached_methods": list(CACHED_METHODS),
                "cache_policy_id": policies[spec.cache],
                "response_headers_policy_id": policies["security-headers"],
                "compress": spec.compress,
            }
            if spec.path_pattern is not None:
                shape["path_pattern"] = spec.path_pattern
            if spec.origin_request is not None:
                shape["origin_request_policy_id"] = policies[spec.origin_request]
            if spec.forwarded_host:
                shape["function_associations"] = [
                    {"event_type": "viewer-request", "function_arn": forwarded_host.arn}
                ]
            return shape

        distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"{self._prefix}: Next.js + Hono behind the internal ALB (VPC origin)",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=settings.price_class,
            aliases=[settings.domain_name] if settings.domain_name else None,
            origins=[
                {
                    "origin_id": ORIGIN_ID,
                    # CloudFront sends this name as SNI and checks the ALB's certificate
                    # against it; the ALB's own name only over HTTP.
                    "domain_name": origin_domain_name or origin.dns_name,
                    "vpc_origin_config": {
                        "vpc_origin_id": vpc_origin.id,
                        "origin_read_timeout": ORIGIN_READ_TIMEOUT_SECONDS,
                        "origin_keepalive_timeout": ORIGIN_KEEPALIVE_SECONDS,
                    },
                }
            ],
            default_cache_behavior=behaviour(default_behaviour()),
            ordered_cache_behaviors=[behaviour(spec) for spec in ordered_behaviours()],
            custom_error_responses=[
                {"error_code": code, "error_caching_min_ttl": 0} for code in UNCACHED_ERROR_CODES
            ],
            cache_tag_config={"header_name": CACHE_TAG_HEADER},
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=(
                {
                    "acm_certificate_arn": certificate_arn,
                    "ssl_support_method": "sni-only",
                    "minimum_protocol_version": VIEWER_TLS_POLICY,
                }
                if certificate_arn is not None
                else {
                    "cloudfront_default_certificate": True,
                    "minimum_protocol_version": DEFAULT_CERTIFICATE_TLS_POLICY,
                }
            ),
            web_acl_id=self.web_acl_arn,
            tags={"Name": f"{self._prefix}-cdn"},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args["protect"],
                depends_on=[origin_record] if origin_record else None,
            ),
        )
        self.distribution = Distribution(
            id=distribution.id, arn=distribution.arn, domain_name=distribution.domain_name
        )

        if settings.domain_name and settings.hosted_zone_id:
            self._alias_records(settings.domain_name, settings.hosted_zone_id, distribution)
            self.public_url = pulumi.Output.from_input(f"https://{settings.domain_name}")
        else:
            self.public_url = pulumi.Output.concat("https://", distribution.domain_name)

        self.log_bucket_name = self._access_logs(
            distribution, args["log_retention_days"], args["protect"]
        )
        if settings.realtime_metrics:
            aws.cloudfront.MonitoringSubscription(
                f"{name}-realtime-metrics",
                distribution_id=distribution.id,
                monitoring_subscription={
                    "realtime_metrics_subscription_config": {
                        "realtime_metrics_subscription_status": "Enabled"
                    }
                },
                opts=pulumi.ResourceOptions(parent=distribution),
            )

        self.register_outputs(
            {
                "distributionId": distribution.id,
                "distributionArn": distribution.arn,
                "domainName": distribution.domain_name,
                "publicUrl": self.public_url,
                "logBucket": self.log_bucket_name,
            }
        )

    def _origin_alias(
        self, domain: str, zone_id: str, origin: LoadBalancerOrigin
    ) -> aws.route53.Record:
        """The origin name as an alias of the internal ALB, in the stack's public zone.

        Public on purpose: whether CloudFront resolves a VPC origin's domain name at all is not
        documented (it reaches the ALB by the VPC origin's ARN), and a private zone would be
        invisible to it if it does. Nothing new is exposed: an internal ALB's own name is public
        DNS already, resolving to its private addresses (ELB guide, internal load balancers)."""
        return aws.route53.Record(
            f"{self._name}-origin-alias",
            zone_id=zone_id,
            name=domain,
            type="A",
            aliases=[
                {
                    "name": origin.dns_name,
                    "zone_id": origin.zone_id,
                    "evaluate_target_health": False,
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _policies(self, *, hsts_preload: bool) -> dict[str, pulumi.Output[str]]:
        """Cache, origin-request and response-headers policy ids, keyed by the names that
        `components/cache_behaviours.py` uses.

        `hsts_preload`: only with a custom domain. Preload asks browsers to hard-code HTTPS for
        the registrable domain; on `*.cloudfront.net` it is meaningless (the preload list takes
        the owners' domain, submitted by them: hstspreload.org requirements)."""
        invoke = pulumi.InvokeOutputOptions(parent=self)
        optimized = aws.cloudfront.get_cache_policy_output(
            name=MANAGED_CACHING_OPTIMIZED, opts=invoke
        )
        disabled = aws.cloudfront.get_cache_policy_output(
            name=MANAGED_CACHING_DISABLED, opts=invoke
        )
        all_viewer_except_host = aws.cloudfront.get_origin_request_policy_output(
            name=MANAGED_ALL_VIEWER_EXCEPT_HOST, opts=invoke
        )
        pages = aws.cloudfront.CachePolicy(
            f"{self._name}-pages-cache",
            name=f"{self._prefix}-nextjs-pages",
            comment="Next.js pages: origin Cache-Control decides; HTML and RSC payloads apart",
            min_ttl=0,
            default_ttl=0,
            max_ttl=ONE_YEAR,
            parameters_in_cache_key_and_forwarded_to_origin={
                "enable_accept_encoding_brotli": True,
                "enable_accept_encoding_gzip": True,
                "headers_config": {
                    "header_behavior": "whitelist",
                    "headers": {"items": list(PAGE_CACHE_KEY_HEADERS)},
                },
                "query_strings_config": {"query_string_behavior": "all"},
                "cookies_config": {"cookie_behavior": "none"},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        image = aws.cloudfront.CachePolicy(
            f"{self._name}-image-cache",
            name=f"{self._prefix}-nextjs-image",
            comment="Next.js image optimiser: url, w, q and Accept",
            min_ttl=0,
            default_ttl=ONE_DAY,
            max_ttl=ONE_YEAR,
            parameters_in_cache_key_and_forwarded_to_origin={
                "enable_accept_encoding_brotli": False,
                "enable_accept_encoding_gzip": False,
                "headers_config": {
                    "header_behavior": "whitelist",
                    "headers": {"items": list(IMAGE_CACHE_KEY_HEADERS)},
                },
                "query_strings_config": {
                    "query_string_behavior": "whitelist",
                    "query_strings": {"items": list(IMAGE_QUERY_STRINGS)},
                },
                "cookies_config": {"cookie_behavior": "none"},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-security-headers",
            name=f"{self._prefix}-security-headers",
            comment="HSTS, nosniff, frame DENY, referrer policy, XSS protection",
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": SECURITY_HEADERS["hsts_max_age_seconds"],
                    "include_subdomains": SECURITY_HEADERS["hsts_include_subdomains"],
                    "preload": SECURITY_HEADERS["hsts_preload"] and hsts_preload,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {
                    "frame_option": SECURITY_HEADERS["frame_option"],
                    "override": True,
                },
                "referrer_policy": {
                    "referrer_policy": SECURITY_HEADERS["referrer_policy"],
                    "override": True,
                },
                "xss_protection": {"protection": True, "mode_block": True, "override": True},
            },
            remove_headers_config={
                "items": [{"header": header} for header in REMOVED_RESPONSE_HEADERS]
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        return {
            "static": optimized.apply(lambda p: str(p.id)),
            "disabled": disabled.apply(lambda p: str(p.id)),
            "all-viewer-except-host": all_viewer_except_host.apply(lambda p: str(p.id)),
            "pages": pages.id,
            "image": image.id,
            "security-headers": headers.id,
        }

    def _certificate(self, settings: CdnSettings) -> pulumi.Output[str]:
        """A DNS-validated us-east-1 certificate for the domain; its ARN once validated."""
        assert settings.domain_name and settings.hosted_zone_id  # validated together in settings
        certificate = aws.acm.Certificate(
            f"{self._name}-certificate",
            region=GLOBAL_REGION,
            domain_name=settings.domain_name,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            tags={"Name": settings.domain_name},
            opts=pulumi.ResourceOptions(parent=self),
        )
        option = certificate.domain_validation_options.apply(lambda options: options[0])
        record = aws.route53.Record(
            f"{self._name}-certificate-validation",
            zone_id=settings.hosted_zone_id,
            name=option.apply(lambda o: o.resource_record_name),
            type=option.apply(lambda o: o.resource_record_type),
            records=[option.apply(lambda o: o.resource_record_value)],
            ttl=300,
            allow_overwrite=True,
            opts=pulumi.ResourceOptions(parent=certificate),
        )
        validation = aws.acm.CertificateValidation(
            f"{self._name}-certificate-validated",
            region=GLOBAL_REGION,
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=pulumi.ResourceOptions(parent=certificate),
        )
        return validation.certificate_arn

    def _alias_records(
        self, domain: str, zone_id: str, distribution: aws.cloudfront.Distribution
    ) -> None:
        for record_type in ("A", "AAAA"):
            aws.route53.Record(
                f"{self._name}-alias-{record_type.lower()}",
                zone_id=zone_id,
                name=domain,
                type=record_type,
                aliases=[
                    {
                        "name": distribution.domain_name,
                        "zone_id": distribution.hosted_zone_id,
                        "evaluate_target_health": False,
                    }
                ],
                opts=pulumi.ResourceOptions(parent=distribution),
            )

    def _web_acl(self, rate_limit: int) -> pulumi.Output[str]:
        acl = aws.wafv2.WebAcl(
            f"{self._name}-waf",
            name=f"{self._prefix}-cdn",
            description=f"{self._prefix} CloudFront: rate limit and AWS managed rules",
            scope="CLOUDFRONT",
            region=GLOBAL_REGION,
            default_action={"allow": {}},
            rules=web_acl_rules(self._prefix, rate_limit),
            visibility_config=visibility(self._prefix, "cdn"),
            tags={"Name": f"{self._prefix}-cdn"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        return acl.arn

    def _access_logs(
        self, distribution: aws.cloudfront.Distribution, retention_days: int, protect: bool
    ) -> pulumi.Output[str]:
        """Standard logging v2 to a private, KMS-encrypted bucket that forgets after N days."""
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account = identity.account_id
        delivery_sources = pulumi.Output.concat(
            "arn:aws:logs:", GLOBAL_REGION, ":", account, ":delivery-source:*"
        )
        key = create_kms_key(
            f"{self._name}-logs-key",
            alias=f"{self._prefix}/cdn-access-logs",
            description=f"{self._prefix} CloudFront access logs",
            parent=self,
            grants=[
                ServiceGrant(
                    principal="delivery.logs.amazonaws.com",
                    condition_key="aws:SourceArn",
                    condition_values=[delivery_sources],
                )
            ],
            protect=protect,
        )
        source_conditions = [
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="StringEquals", variable="aws:SourceAccount", values=[account]
            ),
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="ArnLike", variable="aws:SourceArn", values=[delivery_sources]
            ),
        ]
        log_delivery = [
            aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                type="Service", identifiers=["delivery.logs.amazonaws.com"]
            )
        ]

        def delivery(bucket: aws.s3.Bucket) -> list[aws.iam.GetPolicyDocumentStatementArgs]:
            return [
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="AWSLogDeliveryWrite",
                    principals=log_delivery,
                    actions=["s3:PutObject"],
                    resources=[pulumi.Output.concat(bucket.arn, "/AWSLogs/", account, "/*")],
                    conditions=[
                        *source_conditions,
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="StringEquals",
                            variable="s3:x-amz-acl",
                            values=["bucket-owner-full-control"],
                        ),
                    ],
                ),
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="AWSLogDeliveryAclCheck",
                    principals=log_delivery,
                    actions=["s3:GetBucketAcl", "s3:ListBucket"],
                    resources=[bucket.arn],
                    conditions=source_conditions,
                ),
            ]

        bucket, bucket_ready = private_log_bucket(
            f"{self._name}-logs",
            # The stack's name in the bucket's: the deploy role may manage only its own stack's
            # log buckets (deploy/deploy-role-policy.json). A stack deployed while the bucket was
            # autonamed `cdn-logs-<hex>` gets a new bucket (docs/replacements.md).
            bucket_prefix=f"{self._prefix}-cdn-logs-",
            retention_days=retention_days,
            protect=protect,
            parent=self,
            delivery=delivery,
            kms_key_arn=key.arn,
            tags={"Name": f"{self._prefix}-cdn-access-logs"},
        )

        in_global_region = pulumi.ResourceOptions(parent=distribution)
        source = aws.cloudwatch.LogDeliverySource(
            f"{self._name}-access-logs",
            name=f"{self._prefix}-cdn-access-logs",
            region=GLOBAL_REGION,
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            opts=in_global_region,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{self._name}-access-logs-bucket",
            name=f"{self._prefix}-cdn-access-logs-s3",
            region=GLOBAL_REGION,
            output_format="json",
            delivery_destination_configuration={"destination_resource_arn": bucket.arn},
            opts=in_global_region,
        )
        aws.cloudwatch.LogDelivery(
            f"{self._name}-access-logs-delivery",
            region=GLOBAL_REGION,
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=pulumi.ResourceOptions(parent=distribution, depends_on=bucket_ready),
        )
        return bucket.bucket
