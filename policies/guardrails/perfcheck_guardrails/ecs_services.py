"""ECS services, clusters and task roles: deployment safety, visibility, least privilege."""

from __future__ import annotations

from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

from .type_families import TASK_DEFINITIONS, TASK_NETWORKED


def _check_public_ip(ctx: ResourceContext) -> None:
    value = ctx.get("networkConfiguration", "assignPublicIp")
    if value is values.UNKNOWN:
        ctx.unknown("networkConfiguration.assignPublicIp")
    elif values.as_bool(value) is True:
        ctx.violation(
            "networkConfiguration.assignPublicIp",
            "true",
            "false (tasks in private subnets, reached through the load balancer)",
        )


SERVICE_NO_PUBLIC_IP = ResourceRule(
    name="ecs-service-no-public-ip",
    description="ECS services and task sets must not give tasks public IP addresses.",
    severity=Severity.HIGH,
    remediation_steps=(
        "Set network_configuration.assign_public_ip=False and run tasks in private subnets with "
        "a NAT gateway or VPC endpoints for egress."
    ),
    resource_types=TASK_NETWORKED,
    check=_check_public_ip,
    unknowns="assignPublicIp unknown: note.",
    tags=["ecs", "network"],
)


def _check_circuit_breaker(ctx: ResourceContext) -> None:
    controller = ctx.get("deploymentController", "type")
    if controller is values.UNKNOWN:
        ctx.unknown("deploymentController.type")
        return
    if values.enum(controller) not in (None, "ECS"):
        return  # CODE_DEPLOY and EXTERNAL deployments roll back through their own controller
    for field in ("enable", "rollback"):
        value = ctx.get("deploymentCircuitBreaker", field)
        if value is values.UNKNOWN:
            ctx.unknown(f"deploymentCircuitBreaker.{field}")
        elif values.as_bool(value) is not True:
            ctx.violation(
                f"deploymentCircuitBreaker.{field}",
                "not set" if value is None else values.show(value),
                "true",
                "A failing deployment must stop and roll back on its own.",
            )


SERVICE_CIRCUIT_BREAKER = ResourceRule(
    name="ecs-service-circuit-breaker-rollback",
    normalises="deployment controller any case",
    description=(
        "ECS services (ECS deployment controller) must enable the deployment circuit breaker "
        "with automatic rollback."
    ),
    severity=Severity.MEDIUM,
    remediation_steps="Set deployment_circuit_breaker={'enable': True, 'rollback': True}.",
    resource_types=[T.ECS_SERVICE],
    check=_check_circuit_breaker,
    unknowns="deploymentController.type or the breaker fields unknown: note.",
    tags=["ecs", "reliability"],
)


def _check_container_insights(ctx: ResourceContext) -> None:
    settings = ctx.items("settings")
    if settings is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    for setting in settings:
        if values.get(setting, "name") == "containerInsights":  # AWS: exact name
            value = values.get(setting, "value")
            if value is values.UNKNOWN:
                ctx.unknown("settings[containerInsights].value")
            elif values.lower(value) not in ("enabled", "enhanced"):
                ctx.violation(
                    "settings[containerInsights]", values.show(value), "'enhanced' or 'enabled'"
                )
            return
    ctx.violation("settings[containerInsights]", "not set (off)", "'enhanced' or 'enabled'")


CLUSTER_CONTAINER_INSIGHTS = ResourceRule(
    name="ecs-cluster-container-insights",
    normalises="setting value any case",
    description="ECS clusters must have CloudWatch Container Insights on.",
    severity=Severity.LOW,
    remediation_steps="Set settings=[{'name': 'containerInsights', 'value': 'enhanced'}].",
    resource_types=[T.ECS_CLUSTER],
    check=_check_container_insights,
    unknowns="settings unknown: note.",
    tags=["ecs", "observability"],
)


IAM_ROLE = "aws:iam/role:Role"


def _roles(task: Any, prop: str, value: Any) -> set[str]:
    """The IAM roles (URNs) an ARN property names: its role dependencies, or the role itself."""
    roles = {d.urn for d in task.property_dependencies.get(prop, []) if d.resource_type == IAM_ROLE}
    if value is not values.UNKNOWN and isinstance(value, str):
        roles.add(value)  # a known ARN stands for itself (compared with the other ARN)
    return roles


def _check_task_roles(ctx: StackContext) -> None:
    for task in ctx.index.of_type(*TASK_DEFINITIONS):
        task_role = ctx.get(task, "taskRoleArn")
        execution_role = ctx.get(task, "executionRoleArn")
        if task_role is None or execution_role is None:
            continue  # no task role: the containers get no AWS credentials at all
        if task_role is not values.UNKNOWN and execution_role is not values.UNKNOWN:
            if task_role == execution_role:
                ctx.violation(
                    task,
                    "taskRoleArn",
                    "the same role as executionRoleArn",
                    "a separate task role",
                    "The execution role can read every secret of the task; the app must not.",
                )
            continue
        # During preview the ARNs are computed: compare the roles they come from instead. Only
        # the IAM roles among the dependencies count (an ARN built with an apply over a role and
        # something else has more dependencies, yet names the same role).
        task_roles = _roles(task, "taskRoleArn", task_role)
        exec_roles = _roles(task, "executionRoleArn", execution_role)
        if task_roles & exec_roles:
            ctx.violation(
                task,
                "taskRoleArn",
                "derived from the same role as executionRoleArn",
                "a separate task role",
            )
        elif len(task_roles) == 1 and len(exec_roles) == 1:
            continue  # two different roles
        else:
            ctx.unknown(task, "taskRoleArn" if task_role is values.UNKNOWN else "executionRoleArn")


TASK_ROLE_DISTINCT = StackRule(
    name="ecs-task-role-distinct-from-execution-role",
    description=(
        "A task definition's task role (the app's permissions) must differ from its execution "
        "role (the agent's: image pull, logs, secrets)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create two aws.iam.Role resources: an execution role with "
        "AmazonECSTaskExecutionRolePolicy and secret read, and a task role with only what the "
        "app calls (e.g. X-Ray, CloudFront invalidation)."
    ),
    resource_types=TASK_DEFINITIONS,
    check=_check_task_roles,
    unknowns=(
        "ARNs compared by value when known; during preview by the roles they depend on "
        "(property dependencies); a note when neither tells."
    ),
    tags=["ecs", "iam"],
)
