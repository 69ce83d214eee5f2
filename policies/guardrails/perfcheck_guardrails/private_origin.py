"""Private origin and progressive delivery: a load balancer CloudFront reaches is internal and
reached through a VPC origin; the service's deploys can roll back on their own.

A load balancer counts as "reached by CloudFront" when a VPC origin points at it (its
`vpcOriginEndpointConfig.arn`) or a distribution's origin names it (its DNS name, or, during
preview when the name is not known yet, the engine's property dependencies of `origins`).
"""

from __future__ import annotations

from typing import Any, Final

from perfcheck_policykit import (
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import PolicyResource, Severity

from foundation.aws_limits import origin_certificate_problem

VPC_ORIGIN: Final = "aws:cloudfront/vpcOrigin:VpcOrigin"
TRAFFIC_SHIFTING: Final = ("BLUE_GREEN", "CANARY", "LINEAR")
STRATEGIES: Final = ("ROLLING", *TRAFFIC_SHIFTING)


def _vpc_origin_targets(ctx: StackContext) -> dict[str, list[PolicyResource]]:
    """Load balancers each VPC origin points at, by the VPC origin's URN (None: unknown)."""
    targets: dict[str, list[PolicyResource]] = {}
    for origin in ctx.index.of_type(VPC_ORIGIN):
        found = ctx.index.references(
            origin,
            "vpcOriginEndpointConfig",
            ctx.get(origin, "vpcOriginEndpointConfig", "arn"),
            T.LOAD_BALANCERS,
            ("arn", "id"),
        )
        targets[origin.urn] = found or []
    return targets


def reached_only_through_vpc_origin(ctx: StackContext, listener: PolicyResource) -> bool:
    """The listener's load balancer is internal and a CloudFront VPC origin points at it: the
    only path to it is CloudFront's managed interfaces in the VPC, over AWS's network."""
    balancers = ctx.index.references(
        listener, "loadBalancerArn", ctx.get(listener, "loadBalancerArn"), T.LOAD_BALANCERS
    )
    if not balancers:
        return False
    reached = {lb.urn for found in _vpc_origin_targets(ctx).values() for lb in found}
    return all(
        values.as_bool(ctx.get(lb, "internal")) is True and lb.urn in reached for lb in balancers
    )


def _balancers_by_dns(ctx: StackContext) -> dict[str, PolicyResource]:
    """The stack's load balancers by their (known) DNS name, lower case: built once per run."""
    by_dns = {}
    for lb in ctx.index.of_type(*T.LOAD_BALANCERS):
        dns = ctx.get(lb, "dnsName")
        if isinstance(dns, str) and not values.is_unknown(dns):
            by_dns[dns.lower()] = lb
    return by_dns


def _origin_balancers(
    ctx: StackContext, distribution: PolicyResource, by_dns: dict[str, PolicyResource]
) -> list[tuple[str, Any, list[PolicyResource]]]:
    """(label, origin, load balancers it names) for each origin of a distribution."""
    deps = [
        dep
        for dep in distribution.property_dependencies.get("origins", [])
        if dep.resource_type in T.LOAD_BALANCERS
    ]
    origins = ctx.items(distribution, "origins")
    if origins is values.UNKNOWN:
        return []
    found = []
    for index, origin in enumerate(origins):
        origin_id = values.get(origin, "originId")
        label = f"origins[{origin_id if isinstance(origin_id, str) else index}]"
        domain = values.get(origin, "domainName")
        if isinstance(domain, str) and not values.is_unknown(domain):
            named = [by_dns[domain.lower()]] if domain.lower() in by_dns else []
        else:
            named = deps  # not known during preview: the engine says what it came from
        if named:
            found.append((label, origin, named))
    return found


def _check_internal_behind_cloudfront(ctx: StackContext) -> None:
    by_dns = _balancers_by_dns(ctx)
    reached: dict[str, PolicyResource] = {}
    for found in _vpc_origin_targets(ctx).values():
        reached.update({lb.urn: lb for lb in found})
    for distribution in ctx.index.of_type(T.CLOUDFRONT_DISTRIBUTION):
        for label, origin, named in _origin_balancers(ctx, distribution, by_dns):
            reached.update({lb.urn: lb for lb in named})
            vpc = values.get(origin, "vpcOriginConfig")
            if vpc is values.UNKNOWN:
                ctx.unknown(distribution, f"{label}.vpcOriginConfig")
            elif vpc is None:
                ctx.violation(
                    distribution,
                    f"{label}",
                    "a public custom origin on a load balancer ("
                    + ", ".join(lb.name for lb in named)
                    + ")",
                    "a VPC origin (vpcOriginConfig) to an internal load balancer",
                )
    for lb in reached.values():
        internal = ctx.get(lb, "internal")
        if internal is values.UNKNOWN:
            ctx.unknown(lb, "internal")
        elif values.as_bool(internal) is not True:
            ctx.violation(
                lb,
                "internal",
                "false (internet-facing) although CloudFront reaches it",
                "true: an internal load balancer in private subnets behind a VPC origin",
            )


INTERNAL_BEHIND_CLOUDFRONT = StackRule(
    name="alb-behind-cloudfront-internal",
    description=(
        "A load balancer CloudFront reaches is internal and reached through a CloudFront VPC "
        "origin, never through a public custom origin."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create the ALB with internal=True in private subnets, an aws.cloudfront.VpcOrigin "
        "pointing at its ARN, and the distribution origin's vpc_origin_config={'vpc_origin_id': "
        "...} instead of custom_origin_config."
    ),
    resource_types=[*T.LOAD_BALANCERS, T.CLOUDFRONT_DISTRIBUTION, VPC_ORIGIN],
    check=_check_internal_behind_cloudfront,
    unknowns=(
        "Origins are matched to load balancers by DNS name, else by the engine's property "
        "dependencies of `origins`; an unknown `internal` or vpcOriginConfig is a note."
    ),
    tags=["network", "cloudfront", "alb"],
)


HTTPS_POLICIES: Final = ("https-only", "match-viewer")
"""Origin protocol policies under which CloudFront connects over HTTPS (match-viewer: for every
viewer on HTTPS, which redirect-to-https makes all of them)."""
OWNER_CERTIFICATE_HOSTS: Final = (*T.LOAD_BALANCERS, T.EC2_INSTANCE)
"""Origins that present the owner's certificate: a name computed from one of them is theirs."""


def _origin_protocols(
    ctx: StackContext, distribution: PolicyResource, origin: Any, label: str
) -> tuple[list[str], bool] | None:
    """(the origin's protocol policies, whether it is a VPC origin); None when not a custom or
    VPC origin (S3 and the like present AWS's own certificate) or when it cannot be told (a
    note). A VPC origin's policy lives on the VpcOrigin it names: every candidate the engine
    says the origins came from is judged, the strictest counting."""
    custom = values.get(origin, "customOriginConfig")
    vpc = values.get(origin, "vpcOriginConfig")
    if custom is values.UNKNOWN or vpc is values.UNKNOWN:
        ctx.unknown(distribution, f"{label}.customOriginConfig/vpcOriginConfig")
        return None
    if custom is not None:
        return [values.get(custom, "originProtocolPolicy")], False
    if vpc is None:
        return None
    found = ctx.index.references(
        distribution, "origins", values.get(vpc, "vpcOriginId"), (VPC_ORIGIN,), ("id",)
    )
    if not found:
        ctx.unknown(distribution, f"{label}.vpcOriginConfig.vpcOriginId")
        return None
    policies = [ctx.get(v, "vpcOriginEndpointConfig", "originProtocolPolicy") for v in found]
    return policies, True


def _check_https_origin_names(ctx: StackContext) -> None:
    for distribution in ctx.index.of_type(*T.CLOUDFRONT_DISTRIBUTIONS):
        origins = ctx.items(distribution, "origins")
        if origins is values.UNKNOWN:
            ctx.unknown(distribution, "origins")
            continue
        for index, origin in enumerate(origins):
            origin_id = values.get(origin, "originId")
            label = f"origins[{origin_id if isinstance(origin_id, str) else index}]"
            judged = _origin_protocols(ctx, distribution, origin, label)
            if judged is None:
                continue
            policies, vpc_origin = judged
            if any(p is values.UNKNOWN for p in policies):
                ctx.unknown(distribution, f"{label} origin protocol policy")
                continue
            https = [p for p in policies if values.lower(p) in HTTPS_POLICIES]
            if https:
                _judge_origin_name(ctx, distribution, origin, label, https[0], vpc_origin)


def _judge_origin_name(
    ctx: StackContext,
    distribution: PolicyResource,
    origin: Any,
    label: str,
    policy: str,
    vpc_origin: bool,
) -> None:
    expected = (
        "a name in a domain the owner controls that the origin's certificate covers (e.g. "
        "origin.example.com, an alias record of the load balancer)"
    )
    domain = values.get(origin, "domainName")
    if isinstance(domain, str) and not values.is_unknown(domain):
        problem = origin_certificate_problem(domain, vpc_origin=vpc_origin)
        if problem:
            ctx.violation(
                distribution,
                f"{label}.domainName",
                f"{values.show(domain)} over {policy}",
                expected,
                f"It is {problem}.",
            )
        return
    hosts = [
        dep.name
        for dep in distribution.property_dependencies.get("origins", [])
        if dep.resource_type in OWNER_CERTIFICATE_HOSTS
    ]
    if hosts:  # computed from the host itself: its own AWS name, known only once it exists
        ctx.violation(
            distribution,
            f"{label}.domainName",
            f"computed from {', '.join(hosts)} (its own AWS-assigned name) over {policy}",
            expected,
        )
    else:
        ctx.unknown(distribution, f"{label}.domainName")


HTTPS_ORIGIN_NAME = StackRule(
    name="cloudfront-https-origin-name-coverable",
    description=(
        "A CloudFront custom or VPC origin reached over HTTPS is named by a domain its "
        "certificate can cover, never the load balancer's or instance's own AWS name "
        "(*.elb.amazonaws.com, *.amazonaws.com): CloudFront checks the origin's certificate "
        "against the origin domain name and answers 502 to every request otherwise (CloudFront "
        "developer guide, HTTP 502: SSL/TLS negotiation failure)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Give the origin a name in your own domain that the load balancer's certificate covers "
        "(perfcheck:service.originDomainName, e.g. origin.example.com): the program publishes "
        "it as an alias record of the ALB and names it as the origin's domain_name. Or reach "
        "the origin over HTTP inside AWS's network (no certificateArn)."
    ),
    resource_types=[*T.CLOUDFRONT_DISTRIBUTIONS, VPC_ORIGIN],
    check=_check_https_origin_names,
    unknowns=(
        "A VPC origin's protocol is read from the VpcOrigin the origin names (by id, else by "
        "the engine's dependencies of `origins`; several candidates: the strictest). A domain "
        "computed from a load balancer or instance is a violation; otherwise an unknown "
        "domain, protocol or VPC origin is a note."
    ),
    tags=["encryption-in-transit", "cloudfront"],
)


def _advanced_configuration_problems(ctx: ResourceContext) -> None:
    balancers = ctx.items("loadBalancers")
    if balancers is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if not balancers:
        ctx.violation(
            "loadBalancers", "empty", "a target group the strategy can shift traffic from"
        )
        return
    for index, balancer in enumerate(balancers):
        for field in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
            value = values.get(balancer, "advancedConfiguration", field)
            if value is values.UNKNOWN:
                continue  # computed ARNs during preview: set, value not known yet
            if not value:
                ctx.violation(
                    f"loadBalancers[{index}].advancedConfiguration.{field}",
                    "not set",
                    "set (ECS shifts traffic between two target groups through the "
                    "production listener rule, assuming this role)",
                )


def _rolling_without_traffic(ctx: ResourceContext, strategy: str) -> bool:
    """A service no load balancer or Service Connect sends traffic to (a queue worker) has no
    traffic to shift: blue/green, canary and linear cannot apply, so ROLLING with the circuit
    breaker and alarm rollback (still required below) is its compliant strategy (issue 22)."""
    if strategy != "ROLLING":
        return False
    balancers = ctx.items("loadBalancers")
    connect = ctx.get("serviceConnectConfiguration", "enabled")
    if balancers is values.UNKNOWN or connect is values.UNKNOWN:
        return False
    return not balancers and values.as_bool(connect) is not True


def _check_rollback_strategy(ctx: ResourceContext) -> None:
    controller = ctx.get("deploymentController", "type")
    if controller is values.UNKNOWN:
        ctx.unknown("deploymentController.type")
        return
    if controller not in (None, "ECS"):
        return  # CODE_DEPLOY and EXTERNAL deployments roll back through their own controller
    allowed = config_list(ctx.config, "allowedStrategies")
    strategy = ctx.get("deploymentConfiguration", "strategy")
    if strategy is values.UNKNOWN:
        ctx.unknown("deploymentConfiguration.strategy")
        return
    strategy = strategy or "ROLLING"
    if strategy not in allowed and not _rolling_without_traffic(ctx, strategy):
        ctx.violation(
            "deploymentConfiguration.strategy",
            values.show(strategy),
            "one of " + ", ".join(allowed),
        )
    for field in ("enable", "rollback"):
        for block in ("alarms", "deploymentCircuitBreaker"):
            value = ctx.get(block, field)
            if value is values.UNKNOWN:
                ctx.unknown(f"{block}.{field}")
            elif values.as_bool(value) is not True:
                ctx.violation(f"{block}.{field}", values.show(value), "true")
    names = ctx.items("alarms", "alarmNames")
    if names is values.UNKNOWN:
        ctx.unknown("alarms.alarmNames")
    elif not names:
        ctx.violation("alarms.alarmNames", "empty", "at least one deploy-rollback alarm")
    if strategy in TRAFFIC_SHIFTING:
        bake = ctx.get("deploymentConfiguration", "bakeTimeInMinutes")
        if bake is None:
            ctx.violation(
                "deploymentConfiguration.bakeTimeInMinutes",
                "not set (0: the old tasks go at once)",
                "minutes the old tasks stay ready for an alarm rollback",
            )
        _advanced_configuration_problems(ctx)


PROGRESSIVE_ROLLBACK = ResourceRule(
    name="ecs-service-deploys-with-automatic-rollback",
    description=(
        "ECS services deploy with an allowed ECS-native strategy that rolls back on its own: "
        "deployment alarms and the circuit breaker with rollback, and for blue/green, canary "
        "and linear a bake time, an alternate target group, a production listener rule and "
        "the role ECS shifts traffic with."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set deployment_configuration={'strategy': 'CANARY', 'bake_time_in_minutes': '15', "
        "'canary_configuration': {...}}, alarms={'alarm_names': [...], 'enable': True, "
        "'rollback': True}, deployment_circuit_breaker={'enable': True, 'rollback': True} and "
        "load_balancers[0].advanced_configuration (alternate_target_group_arn, "
        "production_listener_rule, role_arn)."
    ),
    resource_types=[T.ECS_SERVICE],
    check=_check_rollback_strategy,
    unknowns=(
        "Unknown strategy, controller or rollback flags are notes; ARNs computed during "
        "preview count as set."
    ),
    config_properties={
        "allowedStrategies": schema.string_list(
            "ECS deployment strategies this stack may use.", STRATEGIES, min_items=1
        )
    },
    tags=["ecs", "reliability"],
)
