"""The web service: ECS cluster, images, task (nextjs + hono + otel), roles, service, scaling,
tracing (X-Ray sampling rules and group) and the log groups of all of it.

Deploy safety, always on, in every strategy (`service.deploymentStrategy`): the deployment
circuit breaker with rollback (tasks that never get healthy) and alarm-based rollback on the
alarms the observability component creates (healthy tasks that serve a bad release). Rolling
deploys never drop below the desired count (minimum 100 %, maximum 200 %). Blue-green, canary
and linear are ECS native deployments: the new tasks register in the idle target group, ECS
shifts the production listener rule's weights (all at once, canary then the rest, or in linear
steps), waits the bake time with the old tasks still ready, and moves traffic back if a rollback
alarm fires (ECS developer guide, "Amazon ECS blue/green deployments").

Scaling follows live traffic, wherever it is: requests per task are the load balancer's request
count (every target group) over the service's running tasks, not ALBRequestCountPerTarget of
one target group, which reads zero once a deploy has moved traffic to the other group.

`wait_for_steady_state` is on, so `pulumi up` returns only when the deploy has finished or been
rolled back. With the ECS deployment controller the provider waits on the service deployment's
own status and returns an error for ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED and STOPPED
(hashicorp/terraform-provider-aws internal/service/ecs/service.go, `findDeploymentStatus`, read
at commit 8a0b630a; not verified to be the release pulumi-aws 7.51.1 bridges, where
pulumi/pulumi-aws#4487 reported success after a rollback). So a CI step after `up` still compares
the service's running task definition with `taskDefinitionArn` before it calls a deploy good.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, NotRequired

import pulumi
import pulumi_aws as aws

from components.container_definitions import (
    AppContainer,
    TaskContainers,
    app_environment,
    app_secrets,
    container_definitions,
    task_volumes,
    value_from,
)
from components.contracts import (
    AppSecrets,
    CacheConnection,
    ComponentArgs,
    DatabaseConnection,
    Distribution,
    LoadBalancerOrigin,
    SecretRef,
)
from components.encryption import ServiceGrant, create_kms_key
from components.otel_config import collector_config_yaml, metrics_namespace
from components.trust import role_with_policy
from components.web_iam import ecs_tasks_trust, execution_role_statements, task_role_statements
from foundation.app_contract import HONO, NEXTJS, OTEL
from foundation.aws_limits import ecs_exec_problem
from foundation.images import ImageReference, parse_image_reference
from settings.schema import (
    DEPLOY_MAXIMUM_PERCENT,
    DEPLOY_MINIMUM_HEALTHY_PERCENT,
    ServiceSettings,
)

APPS = (NEXTJS, HONO)
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+?)(:[\w.-]+|@sha256:[0-9a-f]{64})?$"
)
PREVIOUS_STAGE = "AWSPREVIOUS"
"""The Secrets Manager staging label of the version before the last rotation."""
XRAY_NAME_LIMIT = 32
SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300
"""Scale in slowly: Next.js tasks warm their caches, and a flapping fleet costs latency."""
KEEP_IMAGES = 50
UNTAGGED_IMAGE_DAYS = 7


SWAPPED_TARGET_GROUP_PATHS = (
    "loadBalancers[*].targetGroupArn",
    "loadBalancers[*].advancedConfiguration.alternateTargetGroupArn",
)
"""Where ECS writes the target-group pair after each blue/green, canary or linear deploy: the
group that now serves becomes the primary (ECS developer guide, "Amazon ECS blue/green
deployments"). Re-sending `blue, green` after an odd number of deploys would skip the canary
stage and point a rollback at the empty group (hashicorp/terraform-provider-aws#45678)."""


def aws_owned_service_paths(service: ServiceSettings) -> list[str]:
    """The service's input paths AWS owns after creation, which an `up` must never re-send:
    the desired count (Application Auto Scaling) and, with a traffic-shifting strategy, the
    target-group pair (ECS). A rolling service keeps its one group, so nothing swaps it."""
    paths = ["desiredCount"]
    if service.shifts_traffic:
        paths += SWAPPED_TARGET_GROUP_PATHS
    return paths


class WebServiceArgs(ComponentArgs):
    project: str
    stack: str
    environment: str
    """staging or prod (an OTel resource attribute)."""
    region: str
    service: ServiceSettings
    """The stack's `service` settings (sizes, images, ports, toggles)."""
    private_subnet_ids: pulumi.Input[list[str]]
    security_group_id: pulumi.Input[str]
    """The Network's service group."""
    cluster_name: str
    """From components/naming.py, so alarms can name it before it exists."""
    service_name: str
    """From components/naming.py."""
    origin: LoadBalancerOrigin
    database: DatabaseConnection
    cache: CacheConnection
    secrets: AppSecrets
    distribution: Distribution
    rollback_alarm_names: list[str]
    """Alarms whose ALARM state during a deploy rolls it back (created by observability)."""
    rollback_alarms_owner: NotRequired[pulumi.Resource]
    before_service: NotRequired[Callable[[aws.ecs.Cluster], Sequence[pulumi.Resource]]]
    """What must have happened in the cluster before the service is created and must get
    healthy (the first deploy's database bootstrap): called with the cluster."""
    """The resource (e.g. the observability component) that creates those alarms: the ECS
    service waits for it, since it names the alarms only by string."""
    log_retention_days: int
    xray_insights: bool
    """X-Ray Insights on the app's group (anomaly detection; billed per trace)."""
    protect: bool
    """Pulumi protect on the repositories and keys."""


def ecr_repository_arn(image_uri: str) -> str | None:
    """The ECR repository an image URI points at (its pull permission), or None if not ECR."""
    match = ECR_IMAGE.match(image_uri)
    if not match:
        return None
    partition = "aws-cn" if ".amazonaws.com.cn/" in image_uri else "aws"
    return (
        f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"
    )


def ecr_lifecycle_policy() -> str:
    """Untagged layers go after a week; beyond the last 50 images, the oldest go."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images after {UNTAGGED_IMAGE_DAYS} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": UNTAGGED_IMAGE_DAYS,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the {KEEP_IMAGES} most recent images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": KEEP_IMAGES,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
    )


def xray_name(name_prefix: str, slug: str) -> str:
    """An X-Ray rule or group name (at most 32 characters), ending in `slug`."""
    room = XRAY_NAME_LIMIT - len(slug) - 1
    return f"{name_prefix[:room].rstrip('-')}-{slug}"


def log_group_name(name_prefix: str, purpose: str) -> str:
    return f"/perfcheck/{name_prefix}/{purpose}"


ECS_STRATEGY = {
    "rolling": "ROLLING",
    "blue-green": "BLUE_GREEN",
    "canary": "CANARY",
    "linear": "LINEAR",
}
DEPLOY_WAIT_MARGIN_MINUTES = 30
"""Beyond the configured bake times: pulling images, starting and health-checking a full set of
tasks, draining the old ones (the provider's default wait is 20 minutes in all)."""


def deployment_problems(service: ServiceSettings, rollback_alarm_names: list[str]) -> list[str]:
    """What stops the service from being deployed safely, one line each."""
    problems = []
    if not rollback_alarm_names:
        problems.append("the web service needs at least one deploy-rollback alarm; got none")
    exec_problem = ecs_exec_problem(service.exec_enabled, service.readonly_root_filesystem)
    if exec_problem:  # the settings refuse it first; a copy made past them stops here
        problems.append(f"service.execEnabled true: {exec_problem}")
    return problems


def traffic_shift_minutes(service: ServiceSettings) -> int:
    """Minutes a successful deploy spends shifting and baking once the new tasks are healthy."""
    if service.deployment_strategy == "canary":
        return service.canary_step[1] + service.bake_minutes
    if service.deployment_strategy == "linear":
        percent, minutes = service.linear_step
        return math.ceil(100 / percent) * minutes + service.bake_minutes
    if service.deployment_strategy == "blue-green":
        return service.bake_minutes
    return 0


def deploy_timeout(service: ServiceSettings) -> str:
    """How long `pulumi up` waits for the service (wait_for_steady_state) before giving up: a
    canary that bakes 25 minutes must not be reported as a timeout after 20."""
    return f"{traffic_shift_minutes(service) + DEPLOY_WAIT_MARGIN_MINUTES}m"


def deployment_summary(service: ServiceSettings) -> dict[str, object]:
    """What a deploy does, for the stack outputs (the preview prints it)."""
    summary: dict[str, object] = {
        "strategy": ECS_STRATEGY[service.deployment_strategy],
        "circuitBreakerRollback": True,
        "alarmRollback": True,
    }
    if service.deployment_strategy == "canary":
        percent, minutes = service.canary_step
        summary["canary"] = f"{percent:g} % for {minutes} min, then 100 %"
    elif service.deployment_strategy == "linear":
        percent, minutes = service.linear_step
        summary["linear"] = f"{percent:g} % every {minutes} min"
    if service.shifts_traffic:
        summary["bakeTimeMinutes"] = service.bake_minutes
    return summary


def deployment_configuration(
    service: ServiceSettings,
) -> aws.ecs.ServiceDeploymentConfigurationArgs:
    """The ECS deployment configuration of the configured strategy (bake times are strings in
    pulumi-aws 7's schema)."""
    strategy = ECS_STRATEGY[service.deployment_strategy]
    if not service.shifts_traffic:
        return aws.ecs.ServiceDeploymentConfigurationArgs(strategy=strategy)
    canary = linear = None
    if service.deployment_strategy == "canary":
        percent, minutes = service.canary_step
        canary = aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
            canary_percent=percent, canary_bake_time_in_minutes=str(minutes)
        )
    elif service.deployment_strategy == "linear":
        percent, minutes = service.linear_step
        linear = aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
            step_percent=percent, step_bake_time_in_minutes=str(minutes)
        )
    return aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy=strategy,
        bake_time_in_minutes=str(service.bake_minutes),
        canary_configuration=canary,
        linear_configuration=linear,
    )


def _metric(
    metric_id: str, label: str, stat: str, namespace: str, name: str, **dimensions: Any
) -> dict[str, Any]:
    """One input of a target-tracking metric-math expression (not returned on its own)."""
    return {
        "id": metric_id,
        "label": label,
        "return_data": False,
        "metric_stat": {
            "stat": stat,
            "metric": {
                "namespace": namespace,
                "metric_name": name,
                "dimensions": [{"name": k, "value": v} for k, v in dimensions.items()],
            },
        },
    }


def requests_per_task_metric(
    load_balancer_suffix: pulumi.Input[str], cluster: str, service: str
) -> dict[str, Any]:
    """Requests per running task per minute, over the whole load balancer: it follows live
    traffic into whichever target group ECS has shifted it to (metric math; Container Insights
    publishes RunningTaskCount, and the cluster has it on)."""
    return {
        "metrics": [
            _metric(
                "requests", "Requests to the load balancer (every target group)", "Sum",
                "AWS/ApplicationELB", "RequestCount", LoadBalancer=load_balancer_suffix,
            ),
            _metric(
                "tasks", "Running tasks of the service", "Average", "ECS/ContainerInsights",
                "RunningTaskCount", ClusterName=cluster, ServiceName=service,
            ),
            {
                "id": "perTask",
                "label": "Requests per running task per minute",
                "expression": "FILL(requests, 0) / IF(FILL(tasks, 0) > 0, tasks, 1)",
                "return_data": True,
            },
        ]
    }  # fmt: skip


class WebService(pulumi.ComponentResource):
    """ECS on Fargate behind the load balancer, with its images, roles, logs and tracing."""

    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    log_group_names: dict[str, pulumi.Output[str]]
    """By purpose: nextjs, hono, otel, otel-metrics (+ ecs-exec when ECS Exec is on)."""
    repository_urls: dict[str, pulumi.Output[str]]
    """Per app whose image is built into this stack's ECR (not overridden in settings)."""
    images: dict[str, pulumi.Input[str]]
    """Per app, the image reference the task definition pulls (digest-pinned when configured)."""
    metrics_namespace: str

    def __init__(
        self, name: str, args: WebServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = deployment_problems(args["service"], args["rollback_alarm_names"])
        if problems:
            raise pulumi.RunError("\n".join(problems))
        super().__init__("perfcheck:web_service:WebService", name, None, opts)
        service = args["service"]
        prefix = args["name_prefix"]
        self.metrics_namespace = metrics_namespace(args["project"], args["stack"])
        identity = aws.get_caller_identity_output()

        log_key = create_kms_key(
            f"{name}-logs-key",
            alias=f"{prefix}/web-logs",
            description=f"{prefix} web service logs",
            parent=self,
            grants=[
                ServiceGrant(
                    principal=f"logs.{args['region']}.amazonaws.com",
                    condition_key="kms:EncryptionContext:aws:logs:arn",
                    condition_values=[
                        pulumi.Output.concat(
                            f"arn:aws:logs:{args['region']}:",
                            identity.account_id,
                            f":log-group:{log_group_name(prefix, '*')}",
                        )
                    ],
                )
            ],
            protect=args["protect"],
        )
        purposes = [NEXTJS, HONO, OTEL, "otel-metrics"]
        if service.exec_enabled:
            purposes.append("ecs-exec")
        groups = {
            purpose: aws.cloudwatch.LogGroup(
                f"{name}-{purpose}-logs",
                name=log_group_name(prefix, purpose),
                retention_in_days=args["log_retention_days"],
                kms_key_id=log_key.arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for purpose in purposes
        }
        self.log_group_names = {purpose: group.name for purpose, group in groups.items()}

        images, repository_arns = self._images(name, args)
        execution_role, task_role, exec_key = self._roles(
            name, args, identity, groups, repository_arns
        )
        cluster = self._cluster(name, args, groups, exec_key)
        task_definition = self._task_definition(
            name, args, images, groups, execution_role, task_role
        )
        self._tracing(name, args)
        before = list(args["before_service"](cluster)) if "before_service" in args else []
        ecs_service = self._service(name, args, cluster, task_definition, before)
        self._autoscaling(name, args, cluster, ecs_service)

        self.cluster_name = cluster.name
        self.service_name = ecs_service.name
        self.task_definition_arn = task_definition.arn
        self.task_role_arn = task_role.arn
        self.register_outputs(
            {
                "clusterName": cluster.name,
                "serviceName": ecs_service.name,
                "taskDefinitionArn": task_definition.arn,
                "taskRoleArn": task_role.arn,
                "executionRoleArn": execution_role.arn,
                "logGroupNames": self.log_group_names,
            }
        )

    def _images(
        self, name: str, args: WebServiceArgs
    ) -> tuple[dict[str, pulumi.Input[str]], list[pulumi.Input[str]]]:
        """Each app's image URI, and the ECR repositories the execution role may pull from."""
        service = args["service"]
        images: dict[str, pulumi.Input[str]] = {}
        repository_arns: list[pulumi.Input[str]] = []
        self.repository_urls = {}
        for app in APPS:
            container = getattr(service, app)
            override = container.image
            if override:
                images[app] = parse_image_reference(override).pinned(container.image_digest)
                arn = ecr_repository_arn(override)
                if arn:
                    repository_arns.append(arn)
                continue
            repository = aws.ecr.Repository(
                f"{name}-{app}-repository",
                name=f"{args['name_prefix']}/{app}",
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=True
                ),
                # The AWS-managed ECR key: pulls need no key grant, and image layers hold no
                # credential (every secret arrives at run time).
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")
                ],
                force_delete=not args["protect"],
                opts=pulumi.ResourceOptions(parent=self, protect=args["protect"]),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{app}-lifecycle",
                repository=repository.name,
                policy=ecr_lifecycle_policy(),
                opts=pulumi.ResourceOptions(parent=repository),
            )
            images[app] = repository.repository_url.apply(
                lambda url, digest=container.image_digest: ImageReference(
                    url, service.image_tag
                ).pinned(digest)
            )
            repository_arns.append(repository.arn)
            self.repository_urls[app] = repository.repository_url
        self.images = images
        return images, repository_arns

    def _used_secrets(self, args: WebServiceArgs) -> list[SecretRef]:
        """Every SecretRef the containers read (the execution role reads these and no more).
        No database secret: the app logs in with IAM (DatabaseConnection.connect_arn)."""
        secrets = args["secrets"]
        used = [
            secrets.redis_auth_token,
            secrets.revalidate_secret,
            secrets.server_actions_key,
        ]
        if args["service"].container_auth:
            used.append(secrets.internal_token)
        return used

    def _roles(
        self,
        name: str,
        args: WebServiceArgs,
        identity: pulumi.Output,
        groups: dict[str, aws.cloudwatch.LogGroup],
        repository_arns: list[pulumi.Input[str]],
    ) -> tuple[aws.iam.Role, aws.iam.Role, aws.kms.Key | None]:
        region = args["region"]
        trust = aws.iam.get_policy_document_output(
            statements=ecs_tasks_trust(identity.account_id, region)
        )
        used = self._used_secrets(args)

        def distinct(values: list[str]) -> list[str]:
            return sorted(set(values))

        secret_arns = pulumi.Output.all(*[ref.arn for ref in used]).apply(distinct)
        key_arns = pulumi.Output.all(*[ref.kms_key_arn for ref in used]).apply(distinct)
        container_groups = [groups[purpose].arn for purpose in (NEXTJS, HONO, OTEL)]

        execution_role, _ = role_with_policy(
            f"{name}-execution-role",
            f"{name}-execution-policy",
            trust=trust.json,
            description="ECS starts the web task: pulls its images, writes its logs, reads its "
            "secrets",
            statements=execution_role_statements(
                repository_arns=repository_arns,
                log_group_arns=container_groups,
                secret_arns=secret_arns,
                secret_key_arns=key_arns,
                region=region,
            ),
            parent=self,
        )

        exec_key = None
        if args["service"].exec_enabled:
            exec_key = create_kms_key(
                f"{name}-exec-key",
                alias=f"{args['name_prefix']}/ecs-exec",
                description=f"{args['name_prefix']} ECS Exec sessions",
                parent=self,
                protect=args["protect"],
            )
        task_role, _ = role_with_policy(
            f"{name}-task-role",
            f"{name}-task-policy",
            trust=trust.json,
            description="What the nextjs, hono and otel containers may call",
            statements=task_role_statements(
                metrics_namespace=self.metrics_namespace,
                metrics_log_group_arn=groups["otel-metrics"].arn,
                distribution_arn=args["distribution"].arn,
                database_connect_arn=args["database"].connect_arn,
                exec_log_group_arn=groups["ecs-exec"].arn if exec_key else None,
                exec_key_arn=exec_key.arn if exec_key else None,
            ),
            parent=self,
        )
        return execution_role, task_role, exec_key

    def _cluster(
        self,
        name: str,
        args: WebServiceArgs,
        groups: dict[str, aws.cloudwatch.LogGroup],
        exec_key: aws.kms.Key | None,
    ) -> aws.ecs.Cluster:
        configuration = None
        if exec_key is not None:
            configuration = aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=exec_key.arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_log_group_name=groups["ecs-exec"].name,
                        cloud_watch_encryption_enabled=True,
                    ),
                )
            )
        return aws.ecs.Cluster(
            f"{name}-cluster",
            name=args["cluster_name"],
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enhanced")],
            configuration=configuration,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task_definition(
        self,
        name: str,
        args: WebServiceArgs,
        images: dict[str, pulumi.Input[str]],
        groups: dict[str, aws.cloudwatch.LogGroup],
        execution_role: aws.iam.Role,
        task_role: aws.iam.Role,
    ) -> aws.ecs.TaskDefinition:
        service = args["service"]
        secrets = args["secrets"]
        database = args["database"]
        cache = args["cache"]
        prefix = args["name_prefix"]
        otel_config = collector_config_yaml(
            region=args["region"],
            namespace=self.metrics_namespace,
            metrics_log_group=log_group_name(prefix, "otel-metrics"),
        )
        resource_attributes = (
            f"deployment.environment={args['environment']},"
            f"service.namespace={args['project']},service.version={service.image_tag}"
        )

        def ref(secret: SecretRef, stage: str | None = None) -> pulumi.Output[str]:
            return secret.arn.apply(lambda arn, key=secret.json_key: value_from(arn, key, stage))

        def pair(secret: SecretRef) -> pulumi.Output[list[str]]:
            """(AWSCURRENT, AWSPREVIOUS) of a rotated secret: the app accepts both."""
            return pulumi.Output.all(ref(secret), ref(secret, PREVIOUS_STAGE))

        values = pulumi.Output.all(
            nextjs_image=images[NEXTJS],
            hono_image=images[HONO],
            db_host=database.host,
            db_port=database.port,
            redis_host=cache.host,
            redis_port=cache.port,
            distribution_id=args["distribution"].id,
            redis_auth_token=ref(secrets.redis_auth_token),
            revalidate_secret=pair(secrets.revalidate_secret),
            server_actions_key=pair(secrets.server_actions_key),
            internal_token=pair(secrets.internal_token),
        )

        def render(v: dict) -> str:
            nextjs_env, hono_env = app_environment(
                nextjs_port=service.nextjs.port,
                hono_port=service.hono.port,
                service_name_prefix=prefix,
                resource_attributes=resource_attributes,
                db_host=v["db_host"],
                db_port=int(v["db_port"]),
                db_name=database.database_name,
                db_username=database.username,
                redis_host=v["redis_host"],
                redis_port=int(v["redis_port"]),
                distribution_id=v["distribution_id"],
            )
            nextjs_secrets, hono_secrets = app_secrets(
                redis_auth_token=v["redis_auth_token"],
                revalidate_secret=tuple(v["revalidate_secret"]),
                server_actions_key=tuple(v["server_actions_key"]),
                internal_token=tuple(v["internal_token"]) if service.container_auth else None,
            )
            spec = TaskContainers(
                region=args["region"],
                run_as_user=service.run_as_user,
                nextjs=AppContainer(
                    image=v["nextjs_image"],
                    port=service.nextjs.port,
                    health_path=service.nextjs.health_path,
                    log_group=log_group_name(prefix, NEXTJS),
                    environment=nextjs_env,
                    secrets=nextjs_secrets,
                ),
                hono=AppContainer(
                    image=v["hono_image"],
                    port=service.hono.port,
                    health_path=service.hono.health_path,
                    log_group=log_group_name(prefix, HONO),
                    environment=hono_env,
                    secrets=hono_secrets,
                ),
                otel_image=service.otel_collector_image,
                otel_config=otel_config,
                otel_log_group=log_group_name(prefix, OTEL),
                exec_enabled=service.exec_enabled,
                readonly_root_filesystem=service.readonly_root_filesystem,
            )
            return json.dumps(container_definitions(spec))

        return aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"{prefix}-web",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(service.cpu),
            memory=str(service.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                cpu_architecture=service.architecture, operating_system_family="LINUX"
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=values.apply(render),
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(name=volume["name"]) for volume in task_volumes()
            ],
            # Keep old revisions registered: a circuit-breaker or alarm rollback returns to one.
            skip_destroy=True,
            # The log groups exist before a task can write to them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(groups.values())),
        )

    def _tracing(self, name: str, args: WebServiceArgs) -> None:
        """X-Ray: a group for the app's two services, health checks never sampled, the rest at
        the configured rate (apps use the X-Ray remote sampler via the collector's awsproxy)."""
        prefix = args["name_prefix"]
        service = args["service"]
        services = [f"{prefix}-{app}" for app in APPS]
        aws.xray.Group(
            f"{name}-xray-group",
            group_name=xray_name(prefix, "web"),
            filter_expression=" OR ".join(f'service("{s}")' for s in services),
            insights_configuration=aws.xray.GroupInsightsConfigurationArgs(
                insights_enabled=args["xray_insights"], notifications_enabled=False
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        health_paths = sorted({getattr(service, app).health_path for app in APPS})
        for index, path in enumerate(health_paths):
            aws.xray.SamplingRule(
                f"{name}-xray-health-{index}",
                rule_name=xray_name(prefix, f"health{index}"),
                priority=100 + index,
                reservoir_size=0,
                fixed_rate=0,
                url_path=path,
                host="*",
                http_method="GET",
                service_name=f"{prefix}-*",
                service_type="*",
                resource_arn="*",
                version=1,
                opts=pulumi.ResourceOptions(parent=self),
            )
        aws.xray.SamplingRule(
            f"{name}-xray-requests",
            rule_name=xray_name(prefix, "requests"),
            priority=1000,
            reservoir_size=1,
            fixed_rate=service.trace_sample_rate,
            url_path="*",
            host="*",
            http_method="*",
            service_name=f"{prefix}-*",
            service_type="*",
            resource_arn="*",
            version=1,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service(
        self,
        name: str,
        args: WebServiceArgs,
        cluster: aws.ecs.Cluster,
        task_definition: aws.ecs.TaskDefinition,
        before: Sequence[pulumi.Resource] = (),
    ) -> aws.ecs.Service:
        service = args["service"]
        return aws.ecs.Service(
            f"{name}-service",
            name=args["service_name"],
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            platform_version="LATEST",  # 1.4.0: restart policies, ephemeral bind mounts
            desired_count=service.min_tasks,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args["private_subnet_ids"],
                security_groups=[args["security_group_id"]],
                assign_public_ip=False,
            ),
            load_balancers=[self._load_balancer(args)],
            health_check_grace_period_seconds=service.health_check_grace_seconds,
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type="ECS"),
            deployment_configuration=deployment_configuration(service),
            deployment_minimum_healthy_percent=DEPLOY_MINIMUM_HEALTHY_PERCENT,
            deployment_maximum_percent=DEPLOY_MAXIMUM_PERCENT,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=list(args["rollback_alarm_names"]), enable=True, rollback=True
            ),
            availability_zone_rebalancing="ENABLED",
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            enable_execute_command=service.exec_enabled,
            wait_for_steady_state=True,
            # Autoscaling owns the running count; an `up` must not reset it to the minimum.
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=aws_owned_service_paths(service),
                custom_timeouts=pulumi.CustomTimeouts(
                    create=deploy_timeout(service), update=deploy_timeout(service)
                ),
                depends_on=[
                    *([args["rollback_alarms_owner"]] if "rollback_alarms_owner" in args else []),
                    *before,
                ],
            ),
        )

    def _load_balancer(self, args: WebServiceArgs) -> aws.ecs.ServiceLoadBalancerArgs:
        """The primary target group; with a traffic-shifting strategy also the alternate group,
        the production rule ECS shifts and the role it shifts it with."""
        origin = args["origin"]
        advanced = None
        if args["service"].shifts_traffic:
            advanced = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                alternate_target_group_arn=origin.alternate.arn,
                production_listener_rule=origin.production_rule_arn,
                role_arn=origin.infrastructure_role_arn,
            )
        return aws.ecs.ServiceLoadBalancerArgs(
            target_group_arn=origin.primary.arn,
            container_name=NEXTJS,
            container_port=args["service"].nextjs.port,
            advanced_configuration=advanced,
        )

    def _autoscaling(
        self,
        name: str,
        args: WebServiceArgs,
        cluster: aws.ecs.Cluster,
        ecs_service: aws.ecs.Service,
    ) -> None:
        service = args["service"]
        origin = args["origin"]
        target = aws.appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", ecs_service.name),
            min_capacity=service.min_tasks,
            max_capacity=service.max_tasks,
            opts=pulumi.ResourceOptions(parent=self),
        )
        tracking = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
        configurations = {
            "cpu": tracking(
                target_value=float(service.cpu_target_percent),
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_out_cooldown=SCALE_OUT_COOLDOWN,
                scale_in_cooldown=SCALE_IN_COOLDOWN,
            ),
            "requests": tracking(
                target_value=float(service.requests_per_target),
                customized_metric_specification=requests_per_task_metric(
                    origin.arn_suffix, args["cluster_name"], args["service_name"]
                ),
                scale_out_cooldown=SCALE_OUT_COOLDOWN,
                scale_in_cooldown=SCALE_IN_COOLDOWN,
            ),
        }
        for slug, configuration in configurations.items():
            aws.appautoscaling.Policy(
                f"{name}-scale-on-{slug}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=configuration,
                opts=pulumi.ResourceOptions(parent=target),
            )
