"""CDN: CloudFront in front of the ALB, cached the way Next.js needs, and locked down.

Every rule is a `check_*` function of a StackRun. Here they run against the Cdn component built
under the offline mocks from the real stack files (staging, prod, and prod with a custom domain),
with a synthetic internal ALB reached through a VPC origin. Once `__main__.py` wires
the Cdn, point the same checks at the real program by making the `cdn_run` fixture return
`each_stack` (tests/conftest.py). Each check is also run against a deliberately broken copy of a
good run, so none of them can pass vacuously.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from components.cache_behaviours import (
    CACHE_TAG_HEADER,
    NEXTJS_BEHAVIOURS,
    RSC_HEADERS,
    ordered_behaviours,
)
from components.waf_rules import MANAGED_RULE_GROUPS, web_acl_rules
from foundation.records import ResourceRecord, StackRun, is_secret_wrapper
from settings import SettingsError, settings_from_config
from tools.offline.mocks import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES
from tools.offline.runner import stack_config

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
GENERATED = "random:index/randomPassword:RandomPassword"
RECORD = "aws:route53/record:Record"

MODERN_VIEWER_TLS = {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
"""Viewer security policies at least as strict as TLSv1.2_2021 (botocore's enum, newest last)."""
ONE_YEAR = 31_536_000

# What AWS's managed cache policies do (fixed by AWS; ids are in tools/offline/mocks.py).
MANAGED_CACHE_POLICY_TTLS = {
    "Managed-CachingOptimized": {"minTtl": 1, "defaultTtl": 86_400, "maxTtl": ONE_YEAR},
    "Managed-CachingDisabled": {"minTtl": 0, "defaultTtl": 0, "maxTtl": 0},
}
MANAGED_BY_ID = {v: k for k, v in MANAGED_CACHE_POLICIES.items()}

DOMAIN = "perfcheck.example.com"
ZONE = "Z0123456789ABCDEFGHIJ"
ORIGIN_NAME = f"origin.{DOMAIN}"
ALB_ZONE = "Z32O12XQLNTSW2"


# ----------------------------------------------------------------------------------- the runs


def _settings_config(stack: str, domain: bool) -> dict[str, str]:
    config, _secret = stack_config(stack)
    if domain:
        cdn = json.loads(config["perfcheck:cdn"])
        config["perfcheck:cdn"] = json.dumps({**cdn, "domainName": DOMAIN, "hostedZoneId": ZONE})
    return config


def _cdn_program(stack: str, config: Mapping[str, str], https_origin: bool) -> Callable[[], None]:
    """The Cdn with its real neighbours where they exist (settings, provider, AppSecrets) and a
    synthetic ALB origin, plus a task-role policy built with the invalidation helper."""

    def program() -> None:
        import pulumi
        import pulumi_aws as aws

        from components.cdn import Cdn, invalidation_policy_statement
        from components.contracts import LoadBalancerOrigin, TrafficTarget
        from components.tagging import apply_cost_tags

        settings = settings_from_config("perfcheck", stack, config)
        apply_cost_tags(settings.cost_tags)
        provider = aws.Provider(
            "aws",
            region=settings.region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=settings.cost_tags),
        )
        with_aws = pulumi.ResourceOptions(providers={"aws": provider})
        lb_name = f"{settings.name_prefix}-alb"
        suffix = f"app/{lb_name}/50dc6c495c0c9188"
        arn = f"arn:aws:elasticloadbalancing:{settings.region}:123456789012:loadbalancer/{suffix}"
        tg_suffix = f"targetgroup/{settings.name_prefix}-nextjs/943f017f100becff"
        origin = LoadBalancerOrigin(
            dns_name=pulumi.Output.from_input(
                f"{lb_name}-1234567890.{settings.region}.elb.amazonaws.com"
            ),
            zone_id=pulumi.Output.from_input(ALB_ZONE),
            arn=pulumi.Output.from_input(arn),
            arn_suffix=pulumi.Output.from_input(suffix),
            primary=TrafficTarget(
                arn=pulumi.Output.from_input(
                    f"arn:aws:elasticloadbalancing:{settings.region}:123456789012:{tg_suffix}"
                ),
                arn_suffix=pulumi.Output.from_input(tg_suffix),
            ),
            alternate=TrafficTarget(
                arn=pulumi.Output.from_input(
                    f"arn:aws:elasticloadbalancing:{settings.region}:123456789012:{tg_suffix}2"
                ),
                arn_suffix=pulumi.Output.from_input(f"{tg_suffix}2"),
            ),
            production_rule_arn=pulumi.Output.from_input(
                arn.replace(":loadbalancer/", ":listener-rule/") + "/f2f7dc8efc522ab2/9683b2d0"
            ),
            infrastructure_role_arn=pulumi.Output.from_input(
                "arn:aws:iam::123456789012:role/ecs-traffic"
            ),
            origin_protocol_policy="https-only" if https_origin else "http-only",
        )
        cdn = Cdn(
            "cdn",
            {
                "name_prefix": settings.name_prefix,
                "settings": settings.cdn,
                "origin": origin,
                # Over HTTPS the origin must be a name the ALB's certificate covers.
                "origin_domain_name": ORIGIN_NAME if https_origin else None,
                "log_retention_days": settings.cdn.log_retention_days,
                "protect": settings.protect,
            },
            opts=with_aws,
        )
        task_role = aws.iam.Role(
            "task-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=with_aws,
        )
        document = aws.iam.get_policy_document_output(
            statements=[invalidation_policy_statement(cdn.distribution.arn)]
        )
        aws.iam.RolePolicy(
            "task-role-invalidate", role=task_role.id, policy=document.json, opts=with_aws
        )
        pulumi.export("distributionId", cdn.distribution.id)
        pulumi.export("cdnDomainName", cdn.distribution.domain_name)
        pulumi.export("publicUrl", cdn.public_url)

    return program


RUNS = {
    # label: (stack, custom domain, HTTPS to the origin)
    "staging": ("staging", False, False),
    "prod": ("prod", False, False),
    "prod-domain": ("prod", True, True),
}


@pytest.fixture(scope="session")
def cdn_runs() -> dict[str, StackRun]:
    """One offline run per configuration, shared by every test in the session."""
    from tools.offline.runner import cached_run, run_program

    runs = {}
    for label, (stack, domain, https_origin) in RUNS.items():
        if not domain:  # the real program, as the stack file configures it
            runs[label] = cached_run(stack)
            continue
        config = _settings_config(stack, domain)
        runs[label] = run_program(_cdn_program(stack, config, https_origin), stack, config)
    return runs


@pytest.fixture(params=sorted(RUNS))
def cdn_run(request: pytest.FixtureRequest, cdn_runs: dict[str, StackRun]) -> StackRun:
    """Each run in turn: the real staging and prod programs, and prod with a custom domain."""
    return cdn_runs[request.param]


# ---------------------------------------------------------------------------------- accessors


def distribution(run: StackRun) -> ResourceRecord:
    return run.one(DISTRIBUTION)


def behaviours(run: StackRun) -> dict[str, Mapping[str, Any]]:
    """Every cache behaviour by path pattern ('default' for the default one)."""
    inputs = distribution(run).inputs
    found = {"default": inputs["defaultCacheBehavior"]}
    for behaviour in inputs.get("orderedCacheBehaviors") or []:
        found[behaviour["pathPattern"]] = behaviour
    return found


def cache_policy(run: StackRun, policy_id: str) -> Mapping[str, Any]:
    """A behaviour's cache policy: the stack's own, or what an AWS managed one does."""
    for record in run.by_type(CACHE_POLICY):
        if record.outputs.get("id") == policy_id:
            return record.inputs
    if policy_id in MANAGED_BY_ID:
        name = MANAGED_BY_ID[policy_id]
        return {"name": name, **MANAGED_CACHE_POLICY_TTLS.get(name, {})}
    raise AssertionError(f"cache policy {policy_id} is neither in the stack nor AWS-managed")


def resource_with_id(run: StackRun, type_token: str, resource_id: str) -> ResourceRecord:
    found = [r for r in run.by_type(type_token) if r.outputs.get("id") == resource_id]
    assert len(found) == 1, f"no {type_token} with id {resource_id}"
    return found[0]


def max_ttl(policy: Mapping[str, Any]) -> int:
    return int(policy.get("maxTtl") or 0)


def cdn_settings(run: StackRun) -> Mapping[str, Any]:
    """What the run's stack file says in `perfcheck:cdn` (domain from the distribution)."""
    config, _ = stack_config(run.stack)
    return json.loads(config["perfcheck:cdn"])


# ------------------------------------------------------------------------------------- checks


def check_viewers_only_reach_it_over_https(run: StackRun) -> None:
    for path, behaviour in behaviours(run).items():
        assert behaviour["viewerProtocolPolicy"] in ("redirect-to-https", "https-only"), path


def check_viewer_tls(run: StackRun) -> None:
    """TLSv1.2_2021 or newer with a certificate; the default certificate only without aliases
    (CloudFront pins *.cloudfront.net to TLSv1, so a domain is what buys the modern policy)."""
    inputs = distribution(run).inputs
    certificate = inputs["viewerCertificate"]
    if certificate.get("acmCertificateArn") or certificate.get("iamCertificateId"):
        assert certificate["minimumProtocolVersion"] in MODERN_VIEWER_TLS, certificate
        assert certificate["sslSupportMethod"] == "sni-only"
        assert ":acm:us-east-1:" in certificate["acmCertificateArn"]
    else:
        assert certificate.get("cloudfrontDefaultCertificate") is True
        assert not inputs.get("aliases"), "aliases need a certificate of their own"


def check_next_static_is_cached_a_year_and_compressed(run: StackRun) -> None:
    static = behaviours(run).get("/_next/static/*")
    assert static is not None, "no /_next/static/* behaviour"
    policy = cache_policy(run, static["cachePolicyId"])
    assert max_ttl(policy) >= ONE_YEAR and int(policy.get("defaultTtl") or 0) > 0, policy
    assert static["compress"] is True


def check_api_is_never_cached(run: StackRun) -> None:
    api = behaviours(run).get("/api/*")
    assert api is not None, "no /api/* behaviour"
    assert max_ttl(cache_policy(run, api["cachePolicyId"])) == 0
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(api["allowedMethods"])
    forwarded = {v: k for k, v in MANAGED_ORIGIN_REQUEST_POLICIES.items()}
    assert forwarded.get(api.get("originRequestPolicyId")) == "Managed-AllViewerExceptHostHeader"


def check_rsc_payloads_are_cached_apart_from_html(run: StackRun) -> None:
    default = behaviours(run)["default"]
    policy = cache_policy(run, default["cachePolicyId"])
    key = policy["parametersInCacheKeyAndForwardedToOrigin"]
    headers = key["headersConfig"]
    assert headers["headerBehavior"] == "whitelist"
    missing = {"rsc", "next-router-prefetch", "next-router-state-tree", "next-url"} - {
        h.lower() for h in headers["headers"]["items"]
    }
    assert not missing, f"RSC headers missing from the default cache key: {sorted(missing)}"
    # The origin's Cache-Control decides (ISR), nothing is cached when it says nothing.
    assert (policy["minTtl"], policy["defaultTtl"]) == (0, 0) and max_ttl(policy) >= ONE_YEAR
    assert key["queryStringsConfig"]["queryStringBehavior"] == "all"
    assert key["cookiesConfig"]["cookieBehavior"] == "none"
    assert key["enableAcceptEncodingBrotli"] and key["enableAcceptEncodingGzip"]


def check_image_optimiser_key(run: StackRun) -> None:
    image = behaviours(run).get("/_next/image*")
    assert image is not None, "no /_next/image* behaviour"
    key = cache_policy(run, image["cachePolicyId"])["parametersInCacheKeyAndForwardedToOrigin"]
    assert set(key["queryStringsConfig"]["queryStrings"]["items"]) == {"url", "w", "q"}
    assert [h.lower() for h in key["headersConfig"]["headers"]["items"]] == ["accept"]


VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"


def check_origin_is_a_vpc_origin_without_shared_secrets(run: StackRun) -> None:
    """Every origin goes through a VPC origin of this stack that points at the ALB; no origin
    carries custom headers (no shared secret travels with the requests)."""
    vpc_origins = {o.outputs["id"]: o for o in run.by_type(VPC_ORIGIN)}
    for origin in distribution(run).inputs["origins"]:
        assert "customOriginConfig" not in origin, f"{origin['originId']}: public custom origin"
        assert not origin.get("customHeaders"), f"{origin['originId']}: custom origin headers"
        vpc = origin.get("vpcOriginConfig") or {}
        assert vpc.get("vpcOriginId") in vpc_origins, f"{origin['originId']}: no VPC origin"
        endpoint = vpc_origins[vpc["vpcOriginId"]].inputs["vpcOriginEndpointConfig"]
        assert endpoint["arn"].startswith("arn:aws:elasticloadbalancing:"), endpoint
        assert endpoint["originSslProtocols"]["items"] == ["TLSv1.2"]


def check_waf_in_prod(run: StackRun) -> None:
    acl_arn = distribution(run).inputs.get("webAclId")
    if run.stack != "prod" and not acl_arn:
        return
    assert acl_arn, "prod distribution has no web ACL"
    (acl,) = [a for a in run.by_type(WEB_ACL) if a.outputs.get("arn") == acl_arn]
    inputs = acl.inputs
    assert inputs["scope"] == "CLOUDFRONT" and inputs["region"] == "us-east-1"
    groups = {
        r["statement"]["managedRuleGroupStatement"]["name"]
        for r in inputs["rules"]
        if "managedRuleGroupStatement" in r["statement"]
    }
    assert set(MANAGED_RULE_GROUPS) <= groups
    rates = [r for r in inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rates and all("block" in r["action"] for r in rates)
    assert inputs["visibilityConfig"]["cloudwatchMetricsEnabled"] is True


def check_behaviours_target_existing_origins(run: StackRun) -> None:
    inputs = distribution(run).inputs
    origin_ids = {origin["originId"] for origin in inputs["origins"]}
    for path, behaviour in behaviours(run).items():
        assert behaviour["targetOriginId"] in origin_ids, path


def check_every_behaviour_sends_hsts(run: StackRun) -> None:
    for path, behaviour in behaviours(run).items():
        policy_id = behaviour.get("responseHeadersPolicyId")
        assert policy_id, f"{path} has no response headers policy"
        policy = resource_with_id(run, RESPONSE_HEADERS_POLICY, policy_id).inputs
        hsts = policy.get("securityHeadersConfig", {}).get("strictTransportSecurity")
        assert hsts, f"{path}: no HSTS"
        assert hsts["accessControlMaxAgeSec"] >= ONE_YEAR and hsts["override"] is True


def check_only_this_distribution_can_be_invalidated(run: StackRun) -> None:
    arn = distribution(run).outputs["arn"]
    grants = 0
    for record in run.by_type(ROLE_POLICY) + run.by_type(IAM_POLICY):
        for statement in _statements(record.inputs["policy"]):
            actions = _as_list(statement.get("Action"))
            if statement.get("Effect") != "Allow" or not any(
                a in ("*", "cloudfront:*", "cloudfront:CreateInvalidation") for a in actions
            ):
                continue
            grants += 1
            assert _as_list(statement.get("Resource")) == [arn], (record.name, statement)
    assert grants, "nothing may invalidate the distribution"


def check_cache_tags_enabled(run: StackRun) -> None:
    config = distribution(run).inputs.get("cacheTagConfig")
    assert config == {"headerName": CACHE_TAG_HEADER}


def check_access_logs_private_encrypted_and_expiring(run: StackRun) -> None:
    record = distribution(run)
    (source,) = run.by_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert source.inputs["resourceArn"] == record.outputs["arn"]
    assert source.inputs["region"] == "us-east-1" and source.inputs["logType"] == "ACCESS_LOGS"
    (delivery,) = run.by_type("aws:cloudwatch/logDelivery:LogDelivery")
    (destination,) = [
        d
        for d in run.by_type("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
        if d.outputs["arn"] == delivery.inputs["deliveryDestinationArn"]
    ]
    assert delivery.inputs["deliverySourceName"] == source.outputs["name"]
    bucket_arn = destination.inputs["deliveryDestinationConfiguration"]["destinationResourceArn"]
    (bucket,) = [b for b in run.by_type("aws:s3/bucket:Bucket") if b.outputs["arn"] == bucket_arn]
    name = bucket.outputs["bucket"]

    def of_bucket(type_token: str) -> Mapping[str, Any]:
        (found,) = [r for r in run.by_type(type_token) if r.inputs["bucket"] == name]
        return found.inputs

    block = of_bucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[k]
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    ownership = of_bucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"  # ACLs off
    # Delivery starts only once the bucket admits it: its policy, encryption and ownership exist.
    for type_token in (
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    ):
        (setting,) = [r for r in run.by_type(type_token) if r.inputs["bucket"] == name]
        assert setting.urn in delivery.dependencies, type_token
    (rule,) = of_bucket(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
    (lifecycle,) = of_bucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[
        "rules"
    ]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["expiration"]["days"] == cdn_settings(run).get("logRetentionDays", 90)
    policy = _statements(of_bucket("aws:s3/bucketPolicy:BucketPolicy")["policy"])
    writes = [s for s in policy if "s3:PutObject" in _as_list(s.get("Action"))]
    assert writes and all(
        s["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
        and "aws:SourceArn" in s["Condition"]["ArnLike"]
        for s in writes
    )
    assert bucket.protect is (run.stack == "prod")


def check_realtime_metrics_follow_settings(run: StackRun) -> None:
    subscriptions = run.by_type("aws:cloudfront/monitoringSubscription:MonitoringSubscription")
    expected = cdn_settings(run).get("realtimeMetrics", True)
    assert len(subscriptions) == int(expected)
    for subscription in subscriptions:
        assert subscription.inputs["distributionId"] == distribution(run).outputs["id"]
        config = subscription.inputs["monitoringSubscription"]["realtimeMetricsSubscriptionConfig"]
        assert config["realtimeMetricsSubscriptionStatus"] == "Enabled"


def check_modern_protocols(run: StackRun) -> None:
    inputs = distribution(run).inputs
    assert inputs["httpVersion"] == "http2and3" and inputs["isIpv6Enabled"] is True
    (origin,) = inputs["origins"]
    assert origin["vpcOriginConfig"]["originKeepaliveTimeout"] < 60  # below the ALB idle timeout


CHECKS: list[Callable[[StackRun], None]] = [
    check_viewers_only_reach_it_over_https,
    check_viewer_tls,
    check_next_static_is_cached_a_year_and_compressed,
    check_api_is_never_cached,
    check_rsc_payloads_are_cached_apart_from_html,
    check_image_optimiser_key,
    check_origin_is_a_vpc_origin_without_shared_secrets,
    check_waf_in_prod,
    check_behaviours_target_existing_origins,
    check_every_behaviour_sends_hsts,
    check_only_this_distribution_can_be_invalidated,
    check_cache_tags_enabled,
    check_access_logs_private_encrypted_and_expiring,
    check_realtime_metrics_follow_settings,
    check_modern_protocols,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_cdn(check: Callable[[StackRun], None], cdn_run: StackRun) -> None:
    check(cdn_run)


# --------------------------------------------------------------- each check can fail (mutants)

Breaker = Callable[[StackRun], StackRun]


def edit_first(type_token: str, edit: Callable[[dict[str, Any]], object]) -> Breaker:
    """A breaker that edits the wire inputs of the resources of `type_token` that `edit` accepts
    (an edit returning False leaves that resource alone)."""

    def breaker(run: StackRun) -> StackRun:
        resources = list(run.resources)
        for index, record in enumerate(resources):
            if record.type != type_token:
                continue
            inputs = json.loads(json.dumps(dict(record.wire_inputs)))
            if edit(inputs) is not False:
                resources[index] = dataclasses.replace(record, wire_inputs=inputs)
                break
        else:
            raise AssertionError(f"nothing of type {type_token} to break")
        return dataclasses.replace(run, resources=tuple(resources))

    return breaker


def _ordered(inputs: dict[str, Any], path: str) -> dict[str, Any]:
    return next(b for b in inputs["orderedCacheBehaviors"] if b["pathPattern"] == path)


def _drop_rsc(inputs: dict[str, Any]) -> bool:
    headers = inputs["parametersInCacheKeyAndForwardedToOrigin"]["headersConfig"]
    items = headers.get("headers", {}).get("items", [])
    if "rsc" not in items:
        return False
    items.remove("rsc")
    return True


def _invalidate_anything(inputs: dict[str, Any]) -> bool:
    """Widen the statement that grants CreateInvalidation (False: this policy has none)."""
    document = json.loads(inputs["policy"])
    widened = False
    for statement in _statements(document):
        if "cloudfront:CreateInvalidation" in _as_list(statement.get("Action")):
            statement["Resource"] = "arn:aws:cloudfront::123456789012:distribution/*"
            widened = True
    inputs["policy"] = json.dumps(document)
    return widened


def _origins(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    origins = inputs["origins"]
    return origins["value"] if is_secret_wrapper(origins) else origins


MUTANTS: dict[str, tuple[str, Callable[[StackRun], None], Breaker]] = {
    # name: (run label, check, how to break the run)
    "plain-http-viewers": (
        "staging",
        check_viewers_only_reach_it_over_https,
        edit_first(
            DISTRIBUTION,
            lambda i: _ordered(i, "/_next/image*").update(viewerProtocolPolicy="allow-all"),
        ),
    ),
    "old-tls-with-certificate": (
        "prod-domain",
        check_viewer_tls,
        edit_first(
            DISTRIBUTION,
            lambda i: i["viewerCertificate"].update(minimumProtocolVersion="TLSv1.2_2019"),
        ),
    ),
    "alias-on-default-certificate": (
        "prod",
        check_viewer_tls,
        edit_first(DISTRIBUTION, lambda i: i.update(aliases=[DOMAIN])),
    ),
    "static-not-cached": (
        "prod",
        check_next_static_is_cached_a_year_and_compressed,
        edit_first(
            DISTRIBUTION,
            lambda i: _ordered(i, "/_next/static/*").update(
                cachePolicyId=MANAGED_CACHE_POLICIES["Managed-CachingDisabled"]
            ),
        ),
    ),
    "api-cached": (
        "prod",
        check_api_is_never_cached,
        edit_first(
            DISTRIBUTION,
            lambda i: _ordered(i, "/api/*").update(
                cachePolicyId=MANAGED_CACHE_POLICIES["Managed-CachingOptimized"]
            ),
        ),
    ),
    "rsc-header-dropped": (
        "staging",
        check_rsc_payloads_are_cached_apart_from_html,
        edit_first(CACHE_POLICY, _drop_rsc),
    ),
    "origin-custom-instead-of-vpc": (
        "prod",
        check_origin_is_a_vpc_origin_without_shared_secrets,
        edit_first(
            DISTRIBUTION,
            lambda i: _origins(i)[0].update(
                customOriginConfig={"originProtocolPolicy": "http-only"}
            ),
        ),
    ),
    "origin-secret-header": (
        "staging",
        check_origin_is_a_vpc_origin_without_shared_secrets,
        edit_first(
            DISTRIBUTION,
            lambda i: _origins(i)[0].update(customHeaders=[{"name": "X-Origin-Verify"}]),
        ),
    ),
    "prod-without-waf": (
        "prod",
        check_waf_in_prod,
        edit_first(DISTRIBUTION, lambda i: i.pop("webAclId")),
    ),
    "behaviour-to-missing-origin": (
        "staging",
        check_behaviours_target_existing_origins,
        edit_first(DISTRIBUTION, lambda i: _ordered(i, "/api/*").update(targetOriginId="hono")),
    ),
    "no-response-headers-policy": (
        "prod",
        check_every_behaviour_sends_hsts,
        edit_first(
            DISTRIBUTION, lambda i: i["defaultCacheBehavior"].pop("responseHeadersPolicyId")
        ),
    ),
    "headers-policy-without-hsts": (
        "prod",
        check_every_behaviour_sends_hsts,
        edit_first(
            RESPONSE_HEADERS_POLICY,
            lambda i: i["securityHeadersConfig"].pop("strictTransportSecurity"),
        ),
    ),
    "invalidate-any-distribution": (
        "prod",
        check_only_this_distribution_can_be_invalidated,
        edit_first(ROLE_POLICY, _invalidate_anything),
    ),
    "log-bucket-acls-on": (
        "prod",
        check_access_logs_private_encrypted_and_expiring,
        edit_first(
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            lambda i: i["rule"].update(objectOwnership="BucketOwnerPreferred"),
        ),
    ),
    "no-cache-tags": (
        "staging",
        check_cache_tags_enabled,
        edit_first(DISTRIBUTION, lambda i: i.pop("cacheTagConfig")),
    ),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_each_check_fails_on_a_broken_run(mutant: str, cdn_runs: dict[str, StackRun]) -> None:
    label, check, breaker = MUTANTS[mutant]
    good = cdn_runs[label]
    check(good)  # the unbroken run passes
    with pytest.raises(AssertionError):
        check(breaker(good))


# ------------------------------------------------------------------- specifics of these runs


def test_custom_domain_gets_a_us_east_1_certificate_aliases_and_dns(
    cdn_runs: dict[str, StackRun],
) -> None:
    run = cdn_runs["prod-domain"]
    inputs = distribution(run).inputs
    assert inputs["aliases"] == [DOMAIN]
    assert inputs["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    certificate = run.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["region"] == "us-east-1"
    assert certificate.inputs["validationMethod"] == "DNS"
    validation = run.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["region"] == "us-east-1"
    assert inputs["viewerCertificate"]["acmCertificateArn"] == validation.outputs["certificateArn"]
    records = run.by_type("aws:route53/record:Record")
    aliases = {
        r.inputs["type"]: r.inputs
        for r in records
        if r.inputs.get("aliases") and r.inputs["name"] != ORIGIN_NAME
    }
    assert set(aliases) == {"A", "AAAA"}
    for record in aliases.values():
        assert record["zoneId"] == ZONE and record["name"] == DOMAIN
        assert record["aliases"][0]["name"] == distribution(run).outputs["domainName"]
    validation_records = [r for r in records if not r.inputs.get("aliases")]
    assert [r.outputs["fqdn"] for r in validation_records] == validation.inputs[
        "validationRecordFqdns"
    ]
    assert run.outputs["publicUrl"] == f"https://{DOMAIN}"


def test_without_a_domain_the_default_certificate_is_declared_honestly(
    cdn_runs: dict[str, StackRun],
) -> None:
    run = cdn_runs["staging"]
    certificate = distribution(run).inputs["viewerCertificate"]
    assert certificate == {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"}
    assert run.by_type("aws:acm/certificate:Certificate") == []
    domain = distribution(run).outputs["domainName"]
    assert run.outputs["publicUrl"] == f"https://{domain}"


def test_https_to_the_origin_only_when_the_alb_has_a_certificate(
    cdn_runs: dict[str, StackRun],
) -> None:
    def origin(label: str) -> Mapping[str, Any]:
        (vpc_origin,) = cdn_runs[label].by_type(VPC_ORIGIN)
        return vpc_origin.inputs["vpcOriginEndpointConfig"]

    assert (origin("prod")["originProtocolPolicy"], origin("prod")["httpPort"]) == ("http-only", 80)
    assert (origin("prod-domain")["originProtocolPolicy"], origin("prod-domain")["httpsPort"]) == (
        "https-only",
        443,
    )


def test_waf_follows_the_stack_setting(cdn_runs: dict[str, StackRun]) -> None:
    assert cdn_runs["staging"].by_type(WEB_ACL) == []
    assert "webAclId" not in distribution(cdn_runs["staging"]).inputs
    (acl,) = cdn_runs["prod"].by_type(WEB_ACL)
    (rate,) = [r for r in acl.inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 2000


def test_origin_errors_are_not_cached(cdn_runs: dict[str, StackRun]) -> None:
    errors = distribution(cdn_runs["prod"]).inputs["customErrorResponses"]
    assert {e["errorCode"]: e["errorCachingMinTtl"] for e in errors} == {
        500: 0,
        502: 0,
        503: 0,
        504: 0,
    }


def test_outputs_name_the_distribution(cdn_runs: dict[str, StackRun]) -> None:
    run = cdn_runs["prod"]
    record = distribution(run)
    assert run.outputs["distributionId"] == record.outputs["id"]
    assert run.outputs["cdnDomainName"].endswith(".cloudfront.net")


# ----------------------------------------------------------------------- pure data and settings


def test_behaviours_are_ordered_specific_first_and_unique() -> None:
    paths = [b.path_pattern for b in ordered_behaviours()]
    assert len(set(paths)) == len(paths) and None not in paths
    assert sum(b.path_pattern is None for b in NEXTJS_BEHAVIOURS) == 1
    assert len(RSC_HEADERS) + 1 <= 10  # CloudFront's per-policy header limit


def test_an_https_origin_is_reached_at_its_origin_name_through_an_alias_of_the_alb(
    cdn_runs: dict[str, StackRun],
) -> None:
    """Over HTTPS the distribution names the origin name (the one the ALB's certificate
    covers), and that name is an alias of the ALB in the stack's zone, created before the
    distribution uses it; over HTTP the origin stays the ALB's own name, with no record."""
    run = cdn_runs["prod-domain"]
    (origin,) = distribution(run).inputs["origins"]
    assert origin["domainName"] == ORIGIN_NAME
    records = [r for r in run.by_type(RECORD) if r.inputs.get("name") == ORIGIN_NAME]
    (record,) = records
    assert record.inputs["zoneId"] == ZONE and record.inputs["type"] == "A"
    (alias,) = record.inputs["aliases"]
    assert alias["name"].endswith(".elb.amazonaws.com") and alias["zoneId"] == ALB_ZONE
    assert record.urn in distribution(run).dependencies
    for label in ("staging", "prod"):
        http = cdn_runs[label]
        (origin,) = distribution(http).inputs["origins"]
        assert not [r for r in http.by_type(RECORD) if r.name.endswith("origin-alias")]


@pytest.mark.parametrize(
    ("origin_name", "policy", "zone", "says"),
    [
        (None, "https-only", ZONE, "its own *.elb.amazonaws.com name"),
        (None, "match-viewer", ZONE, "its own *.elb.amazonaws.com name"),
        ("internal-x-1.eu-west-1.elb.amazonaws.com", "https-only", ZONE, "'amazonaws.com'"),
        ("ip-10-0-0-1.eu-west-1.compute.internal", "https-only", ZONE, "'internal'"),
        ("origin.example.cn.amazonaws.com.cn", "https-only", ZONE, "'amazonaws.com.cn'"),
        (ORIGIN_NAME, "https-only", None, "cdn.hostedZoneId"),
    ],
)
def test_the_component_refuses_an_origin_name_no_certificate_covers(
    origin_name: str | None, policy: str, zone: str | None, says: str
) -> None:
    from components.cdn import origin_name_problem

    problem = origin_name_problem(origin_name, policy, zone)
    assert problem and says in problem, problem


@pytest.mark.parametrize(
    ("origin_name", "policy"), [(ORIGIN_NAME, "https-only"), (None, "http-only")]
)
def test_the_component_accepts_a_coverable_name_or_plain_http(
    origin_name: str | None, policy: str
) -> None:
    from components.cdn import origin_name_problem

    assert origin_name_problem(origin_name, policy, ZONE) is None


def test_waf_rules_have_unique_priorities_and_names() -> None:
    rules = web_acl_rules("perfcheck-prod", 2000)
    assert len({r["priority"] for r in rules}) == len(rules)
    assert len({r["name"] for r in rules}) == len(rules)
    assert all(len(r["visibility_config"]["metric_name"]) <= 128 for r in rules)


@pytest.mark.parametrize("value", [0, 4000, "ninety"])
def test_log_retention_setting_is_validated(value: object) -> None:
    config = _settings_config("staging", domain=False)
    cdn = json.loads(config["perfcheck:cdn"])
    config["perfcheck:cdn"] = json.dumps({**cdn, "logRetentionDays": value})
    with pytest.raises(SettingsError) as error:
        settings_from_config("perfcheck", "staging", config)
    assert "perfcheck:cdn.logRetentionDays" in str(error.value)


# ------------------------------------------------------------------------------------ helpers


def plain_strings(value: Any) -> str:
    """Every string outside secret wrappers, joined (JSON strings opened)."""
    if is_secret_wrapper(value):
        return ""
    if isinstance(value, Mapping):
        return " ".join(plain_strings(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(plain_strings(v) for v in value)
    if isinstance(value, str):
        text = value
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                text += " " + plain_strings(json.loads(value))
        return text
    return ""


def _statements(policy: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_internal_headers_never_reach_viewers_and_preload_waits_for_a_domain(
    each_stack: StackRun,
) -> None:
    """`x-cache-tags` is CloudFront's input, not the viewer's; HSTS preload is a promise about
    the owners' domain, so a stack without one (the *.cloudfront.net name) never sends it."""
    (policy,) = each_stack.by_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    inputs = policy.inputs
    removed = {item["header"] for item in inputs["removeHeadersConfig"]["items"]}
    assert {"x-cache-tags", "x-powered-by"} <= removed
    hsts = inputs["securityHeadersConfig"]["strictTransportSecurity"]
    has_domain = "perfcheck:cdn" in each_stack.config and "domainName" in each_stack.config.get(
        "perfcheck:cdn", ""
    )
    assert hsts["preload"] is has_domain
    assert hsts["accessControlMaxAgeSec"] >= 31_536_000
