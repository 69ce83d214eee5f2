"""What a stack's settings promise, held by the packs rather than by tests that name a stack.

Prod's stack file promises a NAT gateway per Availability Zone and no ECS Exec; before these
rules a prod stack file edited to one NAT gateway or to ECS Exec on previewed with exit 0, and
only tests naming "prod" noticed. Each property is a rule whose allowed values come from the
stack's policy config: prod's config leaves only the safe value and makes the rule mandatory;
staging's allows its deliberate savings (one NAT gateway, ECS Exec for debugging).
"""

from __future__ import annotations

from perfcheck_policykit import ResourceContext, ResourceRule, schema, values
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

from .type_families import EXECUTE_COMMAND

AWSX_VPC = "awsx:ec2:Vpc"
NAT_STRATEGIES = ("OnePerAz", "Single", "None")
AWSX_DEFAULT_NAT_STRATEGY = "OnePerAz"
"""awsx.ec2.Vpc's default when natGateways (or its strategy) is not given."""


def _check_nat_per_az(ctx: ResourceContext) -> None:
    allowed = config_list(ctx.config, "allowedNatStrategies")
    strategy = ctx.get("natGateways", "strategy")
    if strategy is values.UNKNOWN:
        ctx.unknown("natGateways.strategy")
        return
    if strategy is None:
        strategy = AWSX_DEFAULT_NAT_STRATEGY
    # awsx compares the enum exactly; read it the same way, but name a near miss plainly.
    if strategy not in allowed:
        ctx.violation(
            "natGateways.strategy",
            values.show(strategy),
            "one of " + ", ".join(allowed),
            "One NAT gateway is one Availability Zone: its loss cuts every private subnet's "
            "egress (image pulls, Secrets Manager, AWS APIs without an endpoint).",
        )


VPC_NAT_GATEWAY_PER_AZ = ResourceRule(
    name="vpc-nat-gateway-per-az",
    description=(
        "A VPC's NAT gateway strategy must be one the stack allows (prod: a NAT gateway per "
        "Availability Zone, so losing one zone does not cut the others' egress)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set natGateways.strategy (awsx.ec2.NatGatewayStrategy.ONE_PER_AZ), i.e. "
        "perfcheck:network.natGateways: one-per-az in the stack file."
    ),
    resource_types=[AWSX_VPC],
    check=_check_nat_per_az,
    unknowns="natGateways.strategy unknown: note (absent: awsx's default, OnePerAz).",
    config_properties={
        "allowedNatStrategies": {
            "type": "array",
            "description": "awsx NAT gateway strategies this stack may use.",
            "items": {"type": "string", "enum": list(NAT_STRATEGIES)},
            "minItems": 1,
            "uniqueItems": True,
            "default": [AWSX_DEFAULT_NAT_STRATEGY],
        }
    },
    tags=["availability", "network"],
)


def _check_exec(ctx: ResourceContext) -> None:
    if ctx.config.get("allowExecuteCommand"):
        return
    enabled = ctx.get("enableExecuteCommand")
    if enabled is values.UNKNOWN:
        ctx.unknown("enableExecuteCommand")
    elif values.as_bool(enabled) is True:
        ctx.violation(
            "enableExecuteCommand",
            "true",
            "false or not set",
            "ECS Exec opens a shell in a running task (around the image review and the "
            "read-only root filesystem); this stack's config does not allow it.",
        )


ECS_EXEC_DISABLED = ResourceRule(
    name="ecs-exec-disabled",
    description=(
        "ECS services and daemons must not enable ECS Exec unless the stack's config allows it "
        "(prod: never)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set enable_execute_command=False (perfcheck:service.execEnabled: false); debug in "
        "staging, or allow it in the stack's guardrails config with a reason."
    ),
    resource_types=EXECUTE_COMMAND,
    check=_check_exec,
    unknowns="enableExecuteCommand unknown: note.",
    config_properties={
        "allowExecuteCommand": schema.boolean("Allow ECS Exec on this stack.", False),
    },
    tags=["ecs", "access"],
)
