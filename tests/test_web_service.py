"""The web service under mocks: the task, its roles, the ECS service, scaling and deploy safety.

Every test takes a `web_run` StackRun: the real staging and prod programs, and LoadBalancer +
WebService alone with synthetic contract values on prod settings with an ALB certificate (the
HTTPS path, which neither stack file takes).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from test_container_definitions import (
    container_problems,
    register_task_definition_problems,
    secret_arn_of,
)

from components.contracts import (
    AppSecrets,
    CacheConnection,
    DatabaseConnection,
    Distribution,
    SecretRef,
)
from components.load_balancer import LoadBalancer
from components.naming import alarm_name, cluster_name, service_name
from components.web_service import (
    WebService,
    deployment_problems,
    ecr_lifecycle_policy,
    ecr_repository_arn,
    xray_name,
)
from foundation.app_contract import HONO, NEXTJS, OTEL
from foundation.images import parse_image_reference
from foundation.records import ResourceRecord, StackRun, is_secret_wrapper
from settings import settings_from_config
from settings.schema import Settings
from tools.offline.runner import cached_run, run_program, stack_config

ACCOUNT = "123456789012"
REGION = "eu-west-1"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f1e2d3c-4b5a-4697-8877-665544332211"
ROLLBACK_SLUGS = ("alb-5xx-rate", "alb-p99-latency", "service-cpu")
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def _secret(name: str, key_id: str, json_key: str | None = None) -> SecretRef:
    return SecretRef(
        arn=pulumi.Output.from_input(
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-{key_id[:6]}"
        ),
        kms_key_arn=pulumi.Output.from_input(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"),
        json_key=json_key,
    )


def synthetic_program(settings: Settings) -> None:
    """LoadBalancer + WebService with contract values shaped like the real tiers' outputs."""
    prefix = settings.name_prefix
    app_key = "6f1c2a9e-0b7d-4e3a-9c51-2d8e7f4a1b30"
    secrets = AppSecrets(
        redis_auth_token=_secret(f"{prefix}/redis-auth-token", app_key),
        revalidate_secret=_secret(f"{prefix}/revalidate-secret", app_key),
        server_actions_key=_secret(f"{prefix}/server-actions-key", app_key),
        internal_token=_secret(f"{prefix}/internal-token", app_key),
        redis_auth_token_value=pulumi.Output.secret(
            "SyntheticRedisAuthToken0123456789abcdefABCDEF"
        ),
    )
    load_balancer = LoadBalancer(
        "load-balancer",
        {
            "name_prefix": prefix,
            "vpc_id": "vpc-0a1b2c3d4e5f60718",
            "private_subnet_ids": ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"],
            "security_group_id": "sg-0123456789abcdef0",
            "app_port": settings.service.nextjs.port,
            "health_path": settings.service.nextjs.health_path,
            "deregistration_delay_seconds": settings.service.deregistration_delay_seconds,
            "certificate_arn": settings.service.certificate_arn,
            "deletion_protection": settings.is_prod,
            "log_retention_days": settings.service.log_retention_days,
            "protect": settings.protect,
        },
    )
    database = DatabaseConnection(
        host=pulumi.Output.from_input(f"{prefix}-db.cabc123xyz.{REGION}.rds.amazonaws.com"),
        port=pulumi.Output.from_input(5432),
        database_name=settings.database.database_name,
        username="perfcheck_app",
        connect_arn=pulumi.Output.from_input(
            f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:prx-0a1b2c/perfcheck_app"
        ),
        instance_identifier=pulumi.Output.from_input(f"{prefix}-db"),
    )
    cache = CacheConnection(
        host=pulumi.Output.from_input(f"master.{prefix}-cache.abc123.euw1.cache.amazonaws.com"),
        port=pulumi.Output.from_input(6379),
        replication_group_id=pulumi.Output.from_input(f"{prefix}-cache"),
    )
    distribution = Distribution(
        id=pulumi.Output.from_input("E2QWRUHEXAMPLE"),
        arn=pulumi.Output.from_input(f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHEXAMPLE"),
        domain_name=pulumi.Output.from_input("d111111abcdef8.cloudfront.net"),
    )
    # What the observability component hands over: some alarms roll deploys back, others not.
    import pulumi_aws as aws

    rollback = [alarm_name(prefix, slug) for slug in ROLLBACK_SLUGS]
    for alarm in [*rollback, alarm_name(prefix, "rds-cpu")]:
        aws.cloudwatch.MetricAlarm(
            alarm,
            name=alarm,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            metric_name="CPUUtilization",
            namespace="AWS/ECS",
            period=60,
            statistic="Average",
            threshold=80,
        )
    web = WebService(
        "web",
        {
            "name_prefix": prefix,
            "project": settings.project,
            "stack": settings.stack,
            "environment": settings.environment,
            "region": settings.region,
            "service": settings.service,
            "private_subnet_ids": ["subnet-0123aaaabbbbcccc1", "subnet-0123aaaabbbbcccc2"],
            "security_group_id": "sg-0fedcba9876543210",
            "cluster_name": cluster_name(prefix),
            "service_name": service_name(prefix),
            "origin": load_balancer.origin,
            "database": database,
            "cache": cache,
            "secrets": secrets,
            "distribution": distribution,
            "rollback_alarm_names": rollback,
            "log_retention_days": settings.service.log_retention_days,
            "xray_insights": settings.is_prod,
            "protect": settings.protect,
        },
    )
    pulumi.export("albDnsName", load_balancer.dns_name)
    pulumi.export("rollbackAlarmNames", rollback)
    pulumi.export("taskDefinitionArn", web.task_definition_arn)
    pulumi.export("clusterName", web.cluster_name)
    pulumi.export("serviceName", web.service_name)


OWN_REPOSITORY_APPS = ((NEXTJS, 3000, "/api/health"), (HONO, 8787, "/health"))


def stack_settings(stack: str, **service_changes: object) -> tuple[Settings, dict[str, str]]:
    config, _ = stack_config(stack)
    if service_changes:
        service = json.loads(config["perfcheck:service"])
        service.update(service_changes)
        config["perfcheck:service"] = json.dumps(service)
    if service_changes.get("originDomainName"):  # its alias record goes in the domain's zone
        cdn = json.loads(config["perfcheck:cdn"])
        cdn.update(domainName="perfcheck.example.com", hostedZoneId="Z0123456789ABCDEFGHIJ")
        config["perfcheck:cdn"] = json.dumps(cdn)
    return settings_from_config("perfcheck", stack, config), config


@functools.cache
def synthetic_web_run(stack: str) -> StackRun:
    """Staging as its stack file says; prod with an ALB certificate (the HTTPS path)."""
    changes = (
        {"certificateArn": CERTIFICATE, "originDomainName": "origin.perfcheck.example.com"}
        if stack == "prod"
        else {}
    )
    settings, config = stack_settings(stack, **changes)
    return run_program(lambda: synthetic_program(settings), stack=stack, config=config)


@pytest.fixture(scope="session")
def web_runs() -> Iterator[dict[str, StackRun]]:
    yield {stack: synthetic_web_run(stack) for stack in ("staging", "prod")}


@pytest.fixture(params=["staging", "prod", "prod-with-certificate"])
def web_run(request: pytest.FixtureRequest, web_runs: dict[str, StackRun]) -> StackRun:
    """The real stacks, plus the component alone on prod settings with an ALB certificate."""
    if request.param == "prod-with-certificate":
        return web_runs["prod"]
    return cached_run(request.param)


# --- helpers: read what a StackRun registered ----------------------------------------------


def task_definition(run: StackRun) -> ResourceRecord:
    return run.one(TASK_DEFINITION, "web-task")


def containers(run: StackRun) -> dict[str, dict[str, Any]]:
    definitions = json.loads(task_definition(run).inputs["containerDefinitions"])
    return {c["name"]: c for c in definitions}


def ecs_service(run: StackRun) -> ResourceRecord:
    return run.one(SERVICE)


def role_document(run: StackRun, role_arn: str) -> list[dict[str, Any]]:
    """The statements of every inline policy of the role with this ARN."""
    role = next(r for r in run.by_type(ROLE) if r.outputs["arn"] == role_arn)
    statements = []
    for policy in run.by_type(ROLE_POLICY):
        if policy.inputs["role"] == role.outputs["id"]:
            statements += json.loads(policy.inputs["policy"])["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(statements: list[dict[str, Any]], action: str) -> list[str]:
    """Resources an Allow statement grants `action` on (exact action names or `service:*`)."""
    service = action.split(":")[0]
    resources: list[str] = []
    for s in statements:
        actions = as_list(s.get("Action", []))
        if s["Effect"] == "Allow" and (
            action in actions or f"{service}:*" in actions or "*" in actions
        ):
            resources += as_list(s.get("Resource", []))
    return resources


def used_secret_arns(run: StackRun) -> set[str]:
    return {
        secret_arn_of(s["valueFrom"])
        for c in containers(run).values()
        for s in c.get("secrets", [])
    }


def environment(run: StackRun, container: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in containers(run)[container]["environment"]}


def exec_enabled(run: StackRun) -> bool:
    return bool(ecs_service(run).inputs.get("enableExecuteCommand"))


def container_auth(run: StackRun) -> bool:
    return any(
        s["name"] == "INTERNAL_API_TOKEN" for s in containers(run)[NEXTJS].get("secrets", [])
    )


# --- the task ------------------------------------------------------------------------------


def test_containers_are_non_root_read_only_health_checked_and_logged(web_run: StackRun) -> None:
    problems = container_problems(
        list(containers(web_run).values()), exec_enabled(web_run), container_auth(web_run)
    )
    assert problems == []


def test_task_definition_is_a_valid_register_task_definition_request(web_run: StackRun) -> None:
    inputs = task_definition(web_run).inputs
    request = {
        "family": inputs["family"],
        "taskRoleArn": inputs["taskRoleArn"],
        "executionRoleArn": inputs["executionRoleArn"],
        "networkMode": inputs["networkMode"],
        "requiresCompatibilities": inputs["requiresCompatibilities"],
        "cpu": inputs["cpu"],
        "memory": inputs["memory"],
        "runtimePlatform": inputs["runtimePlatform"],
        "containerDefinitions": json.loads(inputs["containerDefinitions"]),
        "volumes": inputs.get("volumes", []),
    }
    assert register_task_definition_problems(request) == []
    assert inputs["networkMode"] == "awsvpc" and inputs["requiresCompatibilities"] == ["FARGATE"]


def test_task_size_and_platform_come_from_settings(web_run: StackRun) -> None:
    settings, _ = stack_settings(web_run.stack)
    inputs = task_definition(web_run).inputs
    assert (inputs["cpu"], inputs["memory"]) == (
        str(settings.service.cpu),
        str(settings.service.memory),
    )
    assert inputs["runtimePlatform"] == {
        "cpuArchitecture": settings.service.architecture,
        "operatingSystemFamily": "LINUX",
    }
    reserved = sum(c.get("cpu", 0) for c in containers(web_run).values())
    assert reserved <= settings.service.cpu
    for container in containers(web_run).values():
        assert container["user"] in (settings.service.run_as_user, "10001:10001")


def test_no_credential_value_reaches_the_environment(web_run: StackRun) -> None:
    """Beyond names: no value the run holds as a Pulumi secret appears in any container env."""
    secret_values: list[str] = []

    def collect(value: Any, inside: bool = False) -> None:
        if is_secret_wrapper(value):
            collect(value.get("value"), True)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item, inside)
        elif isinstance(value, list):
            for item in value:
                collect(item, inside)
        elif inside and isinstance(value, str) and len(value) >= 16:
            secret_values.append(value)

    for record in web_run.resources:
        collect(dict(record.wire_inputs))
    # The real stacks hold generated passwords as secrets; the synthetic run registers none.
    assert secret_values or not web_run.by_type("random:index/randomPassword:RandomPassword")
    env_values = [v for name in containers(web_run) for v in environment(web_run, name).values()]
    assert not [v for v in env_values for s in secret_values if s in v]


def test_every_log_group_has_retention_and_a_customer_managed_key(web_run: StackRun) -> None:
    groups = {g.inputs["name"]: g for g in web_run.by_type(LOG_GROUP)}
    for container in containers(web_run).values():
        group = groups[container["logConfiguration"]["options"]["awslogs-group"]]
        assert group.inputs["retentionInDays"] > 0 and group.inputs["kmsKeyId"].startswith(
            "arn:aws:kms:"
        )
    assert all(g.inputs.get("retentionInDays") for g in groups.values())


def test_apps_reach_database_cache_and_collector_over_tls_and_loopback(web_run: StackRun) -> None:
    hono, nextjs = environment(web_run, HONO), environment(web_run, NEXTJS)
    assert hono["DB_SSLMODE"] == "require" and hono["REDIS_TLS"] == "true"
    assert hono["DB_HOST"].endswith(".rds.amazonaws.com") and hono["DB_PORT"] == "5432"
    assert nextjs["REDIS_HOST"].endswith(".cache.amazonaws.com")
    assert nextjs["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert nextjs["CLOUDFRONT_DISTRIBUTION_ID"] == hono["CLOUDFRONT_DISTRIBUTION_ID"]


# --- IAM -----------------------------------------------------------------------------------


def test_execution_role_reads_exactly_the_secrets_the_task_uses(web_run: StackRun) -> None:
    statements = role_document(web_run, task_definition(web_run).inputs["executionRoleArn"])
    readable = set(granted(statements, "secretsmanager:GetSecretValue"))
    assert readable == used_secret_arns(web_run)
    assert not any(arn.endswith("*") for arn in readable)
    decrypt = [s for s in statements if "kms:Decrypt" in as_list(s["Action"])]
    keys = [k for s in decrypt for k in as_list(s["Resource"])]
    assert keys and all(k.startswith("arn:aws:kms:") and "*" not in k for k in keys)
    assert len(keys) <= len(readable)
    assert all("kms:ViaService" in s["Condition"]["StringEquals"] for s in decrypt)


def test_execution_role_pulls_only_this_stacks_images_and_writes_only_its_logs(
    web_run: StackRun,
) -> None:
    statements = role_document(web_run, task_definition(web_run).inputs["executionRoleArn"])
    repositories = {r.outputs["arn"] for r in web_run.by_type("aws:ecr/repository:Repository")}
    # Images from the shared release repository (stack files) are pulled from there.
    repositories |= {
        ecr_repository_arn(containers(web_run)[app]["image"]) for app in (NEXTJS, HONO)
    } - {None}
    assert set(granted(statements, "ecr:BatchGetImage")) == repositories
    log_groups = {
        c["logConfiguration"]["options"]["awslogs-group"] for c in containers(web_run).values()
    }
    writable = {
        arn.split(":log-group:")[1].removesuffix(":*")
        for arn in granted(statements, "logs:PutLogEvents")
    }
    assert writable == log_groups
    wildcard = {
        a for s in statements if "*" in as_list(s["Resource"]) for a in as_list(s["Action"])
    }
    assert wildcard <= {"ecr:GetAuthorizationToken"}


def test_task_role_invalidates_only_its_own_distribution(web_run: StackRun) -> None:
    statements = role_document(web_run, task_definition(web_run).inputs["taskRoleArn"])
    distribution_id = environment(web_run, NEXTJS)["CLOUDFRONT_DISTRIBUTION_ID"]
    own = [f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}"]
    assert granted(statements, "cloudfront:CreateInvalidation") == own
    assert granted(statements, "cloudfront:GetInvalidation") == own
    cloudfront = [
        a for s in statements for a in as_list(s["Action"]) if a.startswith("cloudfront:")
    ]
    assert sorted(cloudfront) == ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]


def test_task_role_cannot_read_secrets_and_opens_exec_channels_only_with_exec(
    web_run: StackRun,
) -> None:
    statements = role_document(web_run, task_definition(web_run).inputs["taskRoleArn"])
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert not any(a.startswith(("secretsmanager:", "ecr:", "iam:", "s3:")) for a in actions)
    assert any(a.startswith("ssmmessages:") for a in actions) is exec_enabled(web_run)


def test_roles_trust_only_this_accounts_ecs_tasks(web_run: StackRun) -> None:
    inputs = task_definition(web_run).inputs
    for arn in (inputs["taskRoleArn"], inputs["executionRoleArn"]):
        role = next(r for r in web_run.by_type(ROLE) if r.outputs["arn"] == arn)
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


# --- the service and deploy safety ---------------------------------------------------------


def test_circuit_breaker_rolls_back_always(web_run: StackRun) -> None:
    assert ecs_service(web_run).inputs["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }


def test_alarm_rollback_uses_exactly_the_deploy_rollback_alarms(web_run: StackRun) -> None:
    alarms = ecs_service(web_run).inputs["alarms"]
    assert alarms["enable"] is True and alarms["rollback"] is True
    expected = web_run.outputs["rollbackAlarmNames"]
    assert sorted(alarms["alarmNames"]) == sorted(expected)
    existing = {a.inputs["name"] for a in web_run.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert set(alarms["alarmNames"]) <= existing


def test_deploys_never_drop_capacity(web_run: StackRun) -> None:
    inputs = ecs_service(web_run).inputs
    assert inputs["deploymentMinimumHealthyPercent"] == 100
    assert inputs["deploymentMaximumPercent"] == 200
    assert inputs["deploymentController"] == {"type": "ECS"}
    assert inputs["healthCheckGracePeriodSeconds"] > 0
    assert inputs["waitForSteadyState"] is True


def test_service_runs_in_private_subnets_without_public_ip_behind_the_alb(
    web_run: StackRun,
) -> None:
    service = ecs_service(web_run)
    inputs = service.inputs
    assert inputs["networkConfiguration"]["assignPublicIp"] is False
    assert inputs["launchType"] == "FARGATE"
    target_groups = {t.outputs["arn"]: t for t in web_run.by_type(TARGET_GROUP)}
    (binding,) = inputs["loadBalancers"]
    assert binding["targetGroupArn"] in target_groups
    assert binding["containerName"] == NEXTJS
    assert binding["containerPort"] == target_groups[binding["targetGroupArn"]].inputs["port"]
    rule = web_run.one("aws:lb/listenerRule:ListenerRule")
    assert rule.urn in service.dependencies  # never created before a listener forwards to it
    assert inputs["availabilityZoneRebalancing"] == "ENABLED"
    assert inputs["propagateTags"] == "SERVICE" and inputs["enableEcsManagedTags"] is True


def test_autoscaling_owns_the_task_count(web_run: StackRun) -> None:
    service = ecs_service(web_run)
    target = web_run.one("aws:appautoscaling/target:Target")
    assert "desiredCount" in service.ignore_changes
    assert service.inputs["desiredCount"] == target.inputs["minCapacity"]
    assert target.inputs["maxCapacity"] >= target.inputs["minCapacity"]
    assert target.inputs["resourceId"] == (
        f"service/{service.inputs['cluster'].rsplit('/', 1)[1]}/{service.inputs['name']}"
    )
    assert len(web_run.by_type("aws:appautoscaling/policy:Policy")) == 2


def test_cluster_has_enhanced_insights_and_logged_exec_only_where_exec_is_on(
    web_run: StackRun,
) -> None:
    cluster = web_run.one("aws:ecs/cluster:Cluster")
    assert {"name": "containerInsights", "value": "enhanced"} in cluster.inputs["settings"]
    configuration = cluster.inputs.get("configuration")
    if exec_enabled(web_run):
        exec_config = configuration["executeCommandConfiguration"]
        assert exec_config["logging"] == "OVERRIDE" and exec_config["kmsKeyId"]
        assert exec_config["logConfiguration"]["cloudWatchEncryptionEnabled"] is True
    else:
        assert not configuration
    assert web_run.stack != "prod" or not exec_enabled(web_run)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_image_repositories_scan_on_push_with_immutable_tags_and_expiry(stack: str) -> None:
    # Without the shared release repository the stack builds its own repositories.
    # (prod pins by digest: a tag is refused there unless a digest comes with it).
    pin = {"imageDigest": "sha256:" + "a" * 64} if stack == "prod" else {}
    own = {
        app: {"port": port, "healthPath": path, **pin} for app, port, path in OWN_REPOSITORY_APPS
    }
    settings, config = stack_settings(stack, **own)
    web_run = run_program(lambda: synthetic_program(settings), stack=stack, config=config)
    repositories = web_run.by_type("aws:ecr/repository:Repository")
    assert {r.inputs["name"].rsplit("/", 1)[1] for r in repositories} == {NEXTJS, HONO}
    policies = {
        p.inputs["repository"] for p in web_run.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    }
    for repository in repositories:
        assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repository.inputs["encryptionConfigurations"][0]["encryptionType"] == "KMS"
        assert repository.outputs["name"] in policies
        assert repository.protect is (web_run.stack == "prod")
    images = {containers(web_run)[app]["image"] for app in (NEXTJS, HONO)}
    urls = {r.outputs["repositoryUrl"] for r in repositories}
    assert {parse_image_reference(image).repository for image in images} == urls
    assert containers(web_run)[OTEL]["image"].startswith("public.ecr.aws/aws-observability/")


# --- pure rules and clear errors -----------------------------------------------------------


def test_image_override_pulls_only_from_its_own_repository() -> None:
    uri = f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/shared/nextjs:1.2.3"
    assert ecr_repository_arn(uri) == f"arn:aws:ecr:eu-central-1:{ACCOUNT}:repository/shared/nextjs"
    digest = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:{'a' * 64}"
    assert ecr_repository_arn(digest) == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app"
    assert ecr_repository_arn("ghcr.io/acme/nextjs:1.2.3") is None


def test_image_override_replaces_the_repository() -> None:
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/shared/hono:9.9.9"
    settings, config = stack_settings(
        "staging",
        nextjs={"port": 3000, "healthPath": "/api/health"},
        hono={"port": 8787, "healthPath": "/health", "image": image},
    )
    run = run_program(lambda: synthetic_program(settings), stack="staging", config=config)
    assert containers(run)[HONO]["image"] == image
    assert [r.inputs["name"] for r in run.by_type("aws:ecr/repository:Repository")] == [
        "perfcheck-staging/nextjs"
    ]
    statements = role_document(run, task_definition(run).inputs["executionRoleArn"])
    assert f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/shared/hono" in granted(
        statements, "ecr:BatchGetImage"
    )


def test_a_service_without_rollback_alarms_is_refused() -> None:
    settings, _ = stack_settings("staging")
    assert deployment_problems(settings.service, []) == [
        "the web service needs at least one deploy-rollback alarm; got none"
    ]


def test_lifecycle_policy_expires_untagged_first_and_keeps_recent_images() -> None:
    rules = json.loads(ecr_lifecycle_policy())["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    assert rules[-1]["rulePriority"] == max(r["rulePriority"] for r in rules)


@pytest.mark.parametrize("prefix", ["perfcheck-prod", "perfcheck-a-very-long-stack-name-x"])
def test_xray_names_fit_the_32_character_limit(prefix: str) -> None:
    name = xray_name(prefix, "requests")
    assert len(name) <= 32 and name.endswith("-requests") and name.startswith(prefix[:10])
