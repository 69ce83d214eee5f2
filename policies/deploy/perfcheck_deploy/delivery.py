"""How traffic reaches the service and moves between its deploys: what AWS refuses for a
CloudFront VPC origin and for ECS blue/green, canary and linear deployments.

VPC origin (CloudFront developer guide, "Restrict access with VPC origins", prerequisites): the
origin is an internal Application or Network Load Balancer (or an EC2 instance), in a VPC that
has an internet gateway attached (CloudFront uses it to mark the VPC as able to receive
internet traffic, not to route).

ECS native traffic shifting (ECS developer guide, "Application Load Balancer resources for
blue/green, linear, and canary deployments"; CreateService `DeploymentConfiguration`): the
service names an alternate target group, the production listener rule and the role ECS assumes;
the production rule forwards (ECS cannot shift a listener whose rules mix forward with
fixed-response, redirect or authenticate actions) to the primary group; CANARY needs a canary
configuration and LINEAR a linear one. Ranges, from the same API reference (botocore's model
has the types but not the ranges): bake times 0-1440 minutes, canaryPercent 0.1-100,
stepPercent 3-100.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from foundation.aws_limits import ECS_BAKE_MINUTES, ECS_CANARY_PERCENT, ECS_LINEAR_STEP_PERCENT
from foundation.records import ResourceRecord
from foundation.stackmodel import as_number
from perfcheck_deploy.awsmodels import enum_values, service_model
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, as_bool, as_int, is_unknown

VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
ECS_SERVICE = "aws:ecs/service:Service"
AWSX_VPC = "awsx:ec2:Vpc"
EC2_VPC = "aws:ec2/vpc:Vpc"
EC2_SUBNET = "aws:ec2/subnet:Subnet"
INTERNET_GATEWAYS = (
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
)
TRAFFIC_SHIFTING = ("BLUE_GREEN", "CANARY", "LINEAR")
BAKE_MINUTES = ECS_BAKE_MINUTES
CANARY_PERCENT = ECS_CANARY_PERCENT
STEP_PERCENT = ECS_LINEAR_STEP_PERCENT

VPC_ORIGIN_ID = describe(
    "cloudfront-vpc-origin-target",
    "a VPC origin points at an internal load balancer whose subnets are in a VPC with an "
    "internet gateway attached",
)
SHIFTING_ID = describe(
    "ecs-traffic-shifting-resources",
    "blue/green, canary and linear services name an alternate target group, a forwarding "
    "production listener rule that reaches the primary group, and a role; the listener mixes "
    "no other action types",
)
RANGES_ID = describe(
    "ecs-deployment-ranges",
    "deployment strategy is an ECS strategy with its configuration; bake times 0-1440 minutes, "
    "canaryPercent 0.1-100, stepPercent 3-100",
)


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


# --- VPC origin -------------------------------------------------------------------------------


@checks(VPC_ORIGIN)
def check_vpc_origin(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    endpoint = index.inputs(record).get("vpcOriginEndpointConfig") or {}
    arn = endpoint.get("arn")
    target = index.resolve(record, "vpcOriginEndpointConfig", arn, LOAD_BALANCERS)
    if target is None:
        return  # an EC2 instance, another stack's load balancer, or not known yet
    inputs = index.inputs(target)
    if as_bool(inputs.get("internal")) is not True and not is_unknown(inputs.get("internal")):
        yield finding(
            VPC_ORIGIN_ID,
            record,
            "vpcOriginEndpointConfig.arn",
            f"InvalidArgument: load balancer '{target.name}' is internet-facing; a VPC origin "
            "must be an internal load balancer in private subnets.",
            "Create the load balancer with internal=True in private subnets.",
        )
    has_gateway = _vpc_has_internet_gateway(target, index)
    if has_gateway is False:
        yield finding(
            VPC_ORIGIN_ID,
            record,
            "vpcOriginEndpointConfig.arn",
            f"InvalidArgument: the VPC of load balancer '{target.name}' has no internet gateway; "
            "CloudFront VPC origins need one attached to the VPC (it is not used for routing).",
            "Attach an internet gateway to the VPC (awsx: keep a public subnet tier); the "
            "load balancer's own subnets need no route to it.",
        )


def _vpc_has_internet_gateway(target: ResourceRecord, index: StackIndex) -> bool | None:
    """Whether the load balancer's VPC has an internet gateway; None when it cannot be told."""
    for vpc in index.dependencies(target, "subnets", (AWSX_VPC,)):
        specs = index.inputs(vpc).get("subnetSpecs")
        if not isinstance(specs, list) or any(is_unknown(s) for s in specs):
            return None
        # awsx creates and attaches the internet gateway with the public subnet tier.
        return any(isinstance(s, Mapping) and s.get("type") == "Public" for s in specs)
    subnets = index.dependencies(target, "subnets", (EC2_SUBNET,))
    vpcs = {
        vpc.urn: vpc
        for subnet in subnets
        if (vpc := index.resolve(subnet, "vpcId", index.inputs(subnet).get("vpcId"), (EC2_VPC,)))
    }
    if not vpcs:
        return None
    for vpc in vpcs.values():
        gateways = [
            gateway
            for gateway in index.of_type(*INTERNET_GATEWAYS)
            if index.resolve(gateway, "vpcId", index.inputs(gateway).get("vpcId"), (EC2_VPC,))
            is vpc
        ]
        if not gateways:
            return False
    return True


# --- ECS traffic shifting -------------------------------------------------------------------


@checks(ECS_SERVICE)
def check_deployment_ranges(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    configuration = index.inputs(record).get("deploymentConfiguration") or {}
    if not isinstance(configuration, Mapping):
        return
    strategy = configuration.get("strategy")
    if not _known(strategy):
        return
    allowed = enum_values(service_model("ecs").shape_for("DeploymentStrategy"))
    if strategy not in allowed:
        yield finding(
            RANGES_ID,
            record,
            "deploymentConfiguration.strategy",
            f"InvalidParameterException: strategy '{strategy}' is not one of {', '.join(allowed)}.",
            "Use ROLLING, BLUE_GREEN, CANARY or LINEAR.",
        )
        return
    needed = {"CANARY": "canaryConfiguration", "LINEAR": "linearConfiguration"}.get(strategy)
    if needed and not configuration.get(needed):
        yield finding(
            RANGES_ID,
            record,
            f"deploymentConfiguration.{needed}",
            f"InvalidParameterException: strategy {strategy} requires {needed}.",
            f"Set deployment_configuration.{needed}.",
        )
    ranges = [
        ("bakeTimeInMinutes", configuration.get("bakeTimeInMinutes"), BAKE_MINUTES, True),
    ]
    canary = configuration.get("canaryConfiguration") or {}
    linear = configuration.get("linearConfiguration") or {}
    if isinstance(canary, Mapping):
        ranges += [
            (
                "canaryConfiguration.canaryBakeTimeInMinutes",
                canary.get("canaryBakeTimeInMinutes"),
                BAKE_MINUTES,
                True,
            ),
            (
                "canaryConfiguration.canaryPercent",
                canary.get("canaryPercent"),
                CANARY_PERCENT,
                False,
            ),
        ]
    if isinstance(linear, Mapping):
        ranges += [
            (
                "linearConfiguration.stepBakeTimeInMinutes",
                linear.get("stepBakeTimeInMinutes"),
                BAKE_MINUTES,
                True,
            ),
            ("linearConfiguration.stepPercent", linear.get("stepPercent"), STEP_PERCENT, False),
        ]
    for path, value, (low, high), whole in ranges:
        if not _known(value):
            continue
        # pulumi-aws 7 sends bake times as strings: read them as foundation reads numbers.
        number = as_int(value) if whole else as_number(value)
        if number is None or not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            yield finding(
                RANGES_ID,
                record,
                f"deploymentConfiguration.{path}",
                f"InvalidParameterException: {path} {value!r} must be {kind} from {low} to {high}.",
                f"Use a value from {low} to {high}.",
            )


@checks(ECS_SERVICE)
def check_traffic_shifting(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    strategy = (inputs.get("deploymentConfiguration") or {}).get("strategy")
    if strategy not in TRAFFIC_SHIFTING:
        return
    balancers = inputs.get("loadBalancers")
    if not isinstance(balancers, list):
        return
    if not balancers:
        yield finding(
            SHIFTING_ID,
            record,
            "loadBalancers",
            f"InvalidParameterException: a {strategy} deployment needs a load balancer with an "
            "alternate target group.",
            "Bind the service to the primary target group with advanced_configuration.",
        )
    for position, binding in enumerate(balancers):
        if not isinstance(binding, Mapping):
            continue
        yield from _binding_problems(record, index, strategy, position, binding)


def _binding_problems(
    record: ResourceRecord,
    index: StackIndex,
    strategy: str,
    position: int,
    binding: Mapping[str, Any],
) -> Iterator[Finding]:
    path = f"loadBalancers[{position}].advancedConfiguration"
    advanced = binding.get("advancedConfiguration")
    if not isinstance(advanced, Mapping):
        yield finding(
            SHIFTING_ID,
            record,
            path,
            f"InvalidParameterException: {strategy} needs advancedConfiguration "
            "(alternateTargetGroupArn, productionListenerRule, roleArn).",
            "Add a second target group, the production listener rule and the ECS "
            "infrastructure role (AmazonECSInfrastructureRolePolicyForLoadBalancers).",
        )
        return
    for field in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
        if advanced.get(field) in (None, ""):
            yield finding(
                SHIFTING_ID,
                record,
                f"{path}.{field}",
                f"InvalidParameterException: {strategy} needs {field}.",
                f"Set {path}.{field}.",
            )
    primary, alternate = binding.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")
    if _known(primary) and _known(alternate) and primary == alternate:
        yield finding(
            SHIFTING_ID,
            record,
            f"{path}.alternateTargetGroupArn",
            "InvalidParameterException: the alternate target group must differ from the "
            "primary one.",
            "Create a second target group with the same port and health check.",
        )
    rule = index.resolve(
        record, "loadBalancers", advanced.get("productionListenerRule"), LISTENER_RULES
    )
    if rule is None:
        return
    yield from _rule_problems(record, index, rule, path, primary)


def _rule_problems(
    record: ResourceRecord,
    index: StackIndex,
    rule: ResourceRecord,
    path: str,
    primary: Any,
) -> Iterator[Finding]:
    actions = index.inputs(rule).get("actions")
    if isinstance(actions, list):
        kinds = [a.get("type") for a in actions if isinstance(a, Mapping)]
        if any(_known(kind) and kind != "forward" for kind in kinds):
            yield finding(
                SHIFTING_ID,
                record,
                f"{path}.productionListenerRule",
                f"InvalidParameterException: production listener rule '{rule.name}' has "
                f"{', '.join(str(k) for k in kinds)} actions; ECS shifts only forward actions.",
                "Give the production rule one forward action over both target groups.",
            )
        forwarded = _forwarded_groups(actions)
        if _known(primary) and forwarded is not None and primary not in forwarded:
            yield finding(
                SHIFTING_ID,
                record,
                f"{path}.productionListenerRule",
                f"InvalidParameterException: production listener rule '{rule.name}' does not "
                "forward to the service's target group.",
                "Forward to the primary group (weight 100) and the alternate one (weight 0).",
            )
    listener = index.resolve(rule, "listenerArn", index.inputs(rule).get("listenerArn"), LISTENERS)
    if listener is None:
        return
    mixed = [
        str(action.get("type"))
        for action in index.inputs(listener).get("defaultActions") or []
        if isinstance(action, Mapping) and _known(action.get("type"))
        if action.get("type") != "forward"
    ]
    if mixed:
        yield finding(
            SHIFTING_ID,
            record,
            f"{path}.productionListenerRule",
            f"InvalidParameterException: listener '{listener.name}' mixes forward with "
            f"{', '.join(mixed)} actions; ECS blue/green, canary and linear deployments fail "
            "on such listeners.",
            "Make every action on the production listener a forward (lock the origin with a "
            "VPC origin and security groups instead of a fixed-response default).",
        )


def _forwarded_groups(actions: list[Any]) -> set[str] | None:
    """Target group ARNs the forward actions reach; None if any is unknown."""
    groups: set[str] = set()
    for action in actions:
        if not isinstance(action, Mapping) or action.get("type") != "forward":
            continue
        candidates = [action.get("targetGroupArn")]
        forward = action.get("forward")
        if isinstance(forward, Mapping):
            candidates += [
                group.get("arn")
                for group in forward.get("targetGroups") or []
                if isinstance(group, Mapping)
            ]
        for candidate in candidates:
            if candidate is None:
                continue
            if is_unknown(candidate):
                return None
            groups.add(candidate)
    return groups
