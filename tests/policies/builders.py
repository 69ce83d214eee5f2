"""Synthetic resource records shaped like what the perfcheck program registers (pulumi-aws 7).

Inputs are in the engine's wire form: camelCase keys, secrets wrapped in Pulumi's signature,
values unknown at preview as the sentinel. `compliant_stack()` is one of everything, all passing
both packs under the prod config; tests break one property at a time with `replace`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from foundation.records import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    UNKNOWN,
    ProviderRecord,
    ResourceRecord,
    StackRun,
    unwrap_secrets,
)

PROJECT = "perfcheck"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
SECRET_TOKEN = "s3cr3t-auth-token-value"  # must never appear in a message


TASK_TRUST_POLICY = json.dumps(
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
)
"""A trust policy AWS accepts (the deploy pack refuses an empty one, as IAM does)."""


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def cost_tags(stack: str) -> dict[str, str]:
    return {
        "Project": PROJECT,
        "Environment": stack,
        "Owner": "platform-team",
        "CostCenter": "cc-1234",
        "ManagedBy": "pulumi",
    }


def provider(stack: str, default_tags: Mapping[str, str] | None = None) -> ProviderRecord:
    tags = cost_tags(stack) if default_tags is None else dict(default_tags)
    name = "default_7_51_1"
    return ProviderRecord(
        urn=f"urn:pulumi:{stack}::{PROJECT}::pulumi:providers:aws::{name}",
        type="pulumi:providers:aws",
        name=name,
        inputs={
            "region": REGION,
            "defaultTags": json.dumps({"tags": tags}),
            "skipCredentialsValidation": "false",
            "version": "7.51.1",
        },
    )


def urn_of(stack: str, type_token: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def record(
    stack: str,
    type_token: str,
    name: str,
    inputs: Mapping[str, Any],
    *,
    computed: Mapping[str, Any] | None = None,
    property_dependencies: Mapping[str, Sequence[str]] | None = None,
    protect: bool = False,
    provider_record: ProviderRecord | None = None,
    custom: bool = True,
) -> ResourceRecord:
    """A record whose outputs are its inputs plus `computed` (id, arn, ...), as a mock returns."""
    outputs = {**unwrap_secrets(dict(inputs)), **dict(computed or {})}
    deps = {k: tuple(v) for k, v in (property_dependencies or {}).items()}
    all_deps = tuple(dict.fromkeys(u for urns in deps.values() for u in urns))
    return ResourceRecord(
        urn=urn_of(stack, type_token, name),
        type=type_token,
        name=name,
        custom=custom,
        wire_inputs=dict(inputs),
        outputs=outputs,
        dependencies=all_deps,
        property_dependencies=deps,
        provider=provider_record if provider_record is not None else provider(stack),
        protect=protect,
    )


def replace(rec: ResourceRecord, *, drop: Sequence[str] = (), **changes: Any) -> ResourceRecord:
    """The record with some inputs changed (and the outputs following them)."""
    inputs = {k: v for k, v in rec.wire_inputs.items() if k not in drop}
    inputs.update(changes)
    outputs = {k: v for k, v in rec.outputs.items() if k not in drop}
    outputs.update(unwrap_secrets(changes))
    return ResourceRecord(
        urn=rec.urn,
        type=rec.type,
        name=rec.name,
        custom=rec.custom,
        wire_inputs=inputs,
        outputs=outputs,
        parent=rec.parent,
        dependencies=rec.dependencies,
        property_dependencies=rec.property_dependencies,
        provider=rec.provider,
        protect=rec.protect,
    )


def with_options(rec: ResourceRecord, **options: Any) -> ResourceRecord:
    fields = {
        "urn": rec.urn,
        "type": rec.type,
        "name": rec.name,
        "custom": rec.custom,
        "wire_inputs": rec.wire_inputs,
        "outputs": rec.outputs,
        "parent": rec.parent,
        "dependencies": rec.dependencies,
        "property_dependencies": rec.property_dependencies,
        "provider": rec.provider,
        "protect": rec.protect,
    }
    fields.update(options)
    return ResourceRecord(**fields)


# -- containers -------------------------------------------------------------------------------


PINNED = "@sha256:" + "5" * 64
"""The digest every builder image carries (ecs-task-images-pinned-by-digest): a case about a
tag-only image sets `image` after building the container."""


def container(name: str, image: str, port: int | None, **overrides: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": name,
        "image": image if "@sha256:" in image else image + PINNED,
        "essential": True,
        "user": "1001:1001",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "environment": [{"name": "NODE_ENV", "value": "production"}],
        "secrets": [],
        "healthCheck": {
            "command": ["CMD-SHELL", f"wget -qO- http://localhost:{port or 13133}/ || exit 1"],
            "interval": 15,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/perfcheck",
                "awslogs-region": REGION,
                "awslogs-stream-prefix": name,
            },
        },
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
    }
    if port is not None:
        definition["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
    definition.update(overrides)
    return definition


def app_containers() -> list[dict[str, Any]]:
    secret_arn = arn("secretsmanager", "secret:perfcheck/db-AbCdEf")
    return [
        container(
            "nextjs",
            f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/perfcheck-nextjs:1.4.2",
            3000,
            environment=[
                {"name": "PORT", "value": "3000"},
                {"name": "API_URL", "value": "http://localhost:8787"},
                {"name": "REDIS_TLS", "value": "true"},
            ],
            secrets=[{"name": "REDIS_AUTH_TOKEN", "valueFrom": secret_arn}],
            dependsOn=[{"containerName": "hono", "condition": "HEALTHY"}],
        ),
        container(
            "hono",
            f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/perfcheck-hono:1.4.2",
            8787,
            environment=[
                {"name": "DB_HOST", "value": "perfcheck-db.abc.eu-west-1.rds.amazonaws.com"},
                {"name": "DB_SSLMODE", "value": "verify-full"},
            ],
            secrets=[
                {"name": "DB_USERNAME", "valueFrom": f"{secret_arn}:username::"},
                {"name": "DB_PASSWORD", "valueFrom": f"{secret_arn}:password::"},
            ],
            dependsOn=[{"containerName": "otel", "condition": "START"}],
        ),
        container(
            "otel",
            "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1",
            None,
            essential=False,
        ),
    ]


# -- the compliant stack ----------------------------------------------------------------------


def compliant_resources(stack: str = "prod") -> dict[str, ResourceRecord]:
    """One resource of every judged kind, keyed by a short role name; all compliant."""
    tags = cost_tags(stack)
    r: dict[str, ResourceRecord] = {}

    r["key"] = record(
        stack,
        "aws:kms/key:Key",
        "data-key",
        {"description": "perfcheck data", "enableKeyRotation": True, "tags": tags},
        computed={"id": "key-1", "arn": arn("kms", "key/key-1")},
    )
    key_arn = UNKNOWN  # computed at preview
    key_deps = [r["key"].urn]

    r["db_params"] = record(
        stack,
        "aws:rds/parameterGroup:ParameterGroup",
        "db-params",
        {
            "family": "postgres16",
            "parameters": [
                {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
                {"name": "log_min_duration_statement", "value": "500"},
            ],
            "tags": tags,
        },
        computed={"id": "db-params-7f3a", "name": "db-params-7f3a"},
    )
    r["db"] = record(
        stack,
        "aws:rds/instance:Instance",
        "db",
        {
            "allocatedStorage": 50,
            "maxAllocatedStorage": 200,
            "backupRetentionPeriod": 7,
            "copyTagsToSnapshot": True,
            "deletionProtection": True,
            "engine": "postgres",
            "engineVersion": "16.4",
            "finalSnapshotIdentifier": "perfcheck-db-final",
            "instanceClass": "db.t4g.medium",
            "kmsKeyId": key_arn,
            "manageMasterUserPassword": True,
            "multiAz": True,
            "parameterGroupName": UNKNOWN,
            "performanceInsightsEnabled": True,
            "performanceInsightsKmsKeyId": key_arn,
            "publiclyAccessible": False,
            "skipFinalSnapshot": False,
            "storageEncrypted": True,
            "storageType": "gp3",
            "username": "perfcheck",
            "tags": tags,
        },
        computed={
            "id": "db-1",
            "arn": arn("rds", "db:db-1"),
            "parameterGroupName": "db-params-7f3a",
        },
        property_dependencies={
            "parameterGroupName": [r["db_params"].urn],
            "kmsKeyId": key_deps,
            "performanceInsightsKmsKeyId": key_deps,
        },
        protect=True,
    )
    r["cache"] = record(
        stack,
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        {
            "description": "perfcheck shared cache",
            "engine": "valkey",
            "engineVersion": "8.0",
            "nodeType": "cache.t4g.small",
            "numCacheClusters": 2,
            "automaticFailoverEnabled": True,
            "multiAzEnabled": True,
            "atRestEncryptionEnabled": True,
            "kmsKeyId": key_arn,
            "transitEncryptionEnabled": True,
            "transitEncryptionMode": "required",
            "authToken": secret(SECRET_TOKEN),
            "snapshotRetentionLimit": 7,
            "snapshotWindow": "03:00-04:00",
            "tags": tags,
        },
        computed={"id": "cache-1", "arn": arn("elasticache", "replicationgroup:cache-1")},
        property_dependencies={"kmsKeyId": key_deps},
        protect=True,
    )
    r["secret"] = record(
        stack,
        "aws:secretsmanager/secret:Secret",
        "redis-auth",
        {"description": "Redis AUTH token", "kmsKeyId": key_arn, "tags": tags},
        computed={"id": "secret-1", "arn": arn("secretsmanager", "secret:redis-auth-1")},
        property_dependencies={"kmsKeyId": key_deps},
    )
    r["topic"] = record(
        stack,
        "aws:sns/topic:Topic",
        "alarms",
        {"kmsMasterKeyId": key_arn, "tags": tags},
        computed={"id": arn("sns", "alarms"), "arn": arn("sns", "alarms")},
        property_dependencies={"kmsMasterKeyId": key_deps},
    )
    r["log_group"] = record(
        stack,
        "aws:cloudwatch/logGroup:LogGroup",
        "app-logs",
        {"name": "/ecs/perfcheck", "retentionInDays": 90, "kmsKeyId": key_arn, "tags": tags},
        computed={"id": "/ecs/perfcheck", "arn": arn("logs", "log-group:/ecs/perfcheck")},
        property_dependencies={"kmsKeyId": key_deps},
    )
    r["bucket"] = record(
        stack,
        "aws:s3/bucket:Bucket",
        "cdn-logs",
        {"forceDestroy": False, "tags": tags},
        computed={
            "id": "cdn-logs-1a2b",
            "bucket": "cdn-logs-1a2b",
            "arn": "arn:aws:s3:::cdn-logs-1a2b",
        },
    )
    r["bucket_sse"] = record(
        stack,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "cdn-logs-sse",
        {
            "bucket": UNKNOWN,
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
        },
        computed={"id": "cdn-logs-1a2b", "bucket": "cdn-logs-1a2b"},
        property_dependencies={"bucket": [r["bucket"].urn]},
    )

    r["execution_role"] = record(
        stack,
        "aws:iam/role:Role",
        "task-execution",
        {"assumeRolePolicy": TASK_TRUST_POLICY, "tags": tags},
        computed={"id": "task-execution", "arn": arn("iam", "role/task-execution")},
    )
    r["task_role"] = record(
        stack,
        "aws:iam/role:Role",
        "task",
        {"assumeRolePolicy": TASK_TRUST_POLICY, "tags": tags},
        computed={"id": "task", "arn": arn("iam", "role/task")},
    )
    r["attachment"] = record(
        stack,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "task-execution-policy",
        {
            "role": UNKNOWN,
            "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        },
        property_dependencies={"role": [r["execution_role"].urn]},
    )
    r["task"] = record(
        stack,
        "aws:ecs/taskDefinition:TaskDefinition",
        "app",
        {
            "family": "perfcheck-app",
            "cpu": "1024",
            "memory": "2048",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
            "executionRoleArn": UNKNOWN,
            "taskRoleArn": UNKNOWN,
            "containerDefinitions": json.dumps(app_containers()),
            "volumes": [{"name": "tmp"}],
            "tags": tags,
        },
        computed={"id": "perfcheck-app", "arn": arn("ecs", "task-definition/perfcheck-app:1")},
        property_dependencies={
            "executionRoleArn": [r["execution_role"].urn],
            "taskRoleArn": [r["task_role"].urn],
        },
    )
    r["cluster"] = record(
        stack,
        "aws:ecs/cluster:Cluster",
        "cluster",
        {"settings": [{"name": "containerInsights", "value": "enhanced"}], "tags": tags},
        computed={"id": arn("ecs", "cluster/perfcheck"), "arn": arn("ecs", "cluster/perfcheck")},
    )

    r["alb_sg"] = record(
        stack,
        "aws:ec2/securityGroup:SecurityGroup",
        "alb",
        {"description": "ALB", "vpcId": UNKNOWN, "tags": tags},
        computed={"id": "sg-alb", "arn": arn("ec2", "security-group/sg-alb")},
    )
    r["alb_ingress"] = record(
        stack,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "alb-https-in",
        {
            "securityGroupId": UNKNOWN,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "description": "HTTPS from viewers",
            "tags": tags,
        },
        property_dependencies={"securityGroupId": [r["alb_sg"].urn]},
    )
    r["alb_http_in"] = record(
        stack,
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "alb-http-in",
        {
            "type": "ingress",
            "securityGroupId": "sg-alb",
            "cidrBlocks": ["0.0.0.0/0"],
            "ipv6CidrBlocks": ["::/0"],
            "protocol": "tcp",
            "fromPort": 80,
            "toPort": 80,
        },
        property_dependencies={"securityGroupId": [r["alb_sg"].urn]},
    )
    r["app_sg"] = record(
        stack,
        "aws:ec2/securityGroup:SecurityGroup",
        "app",
        {
            "description": "app tasks",
            "vpcId": UNKNOWN,
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 3000,
                    "toPort": 3000,
                    "securityGroups": ["sg-alb"],
                    "cidrBlocks": [],
                    "ipv6CidrBlocks": [],
                }
            ],
            "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
            "tags": tags,
        },
        computed={"id": "sg-app"},
    )
    r["alb"] = record(
        stack,
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        {
            "loadBalancerType": "application",
            "internal": True,  # one front door (CloudFront): the load balancer is internal
            "securityGroups": [UNKNOWN],
            "subnets": [UNKNOWN, UNKNOWN],
            "dropInvalidHeaderFields": True,
            "enableDeletionProtection": True,
            "accessLogs": {
                "enabled": True,
                "bucket": f"perfcheck-{stack}-alb-logs",
                "prefix": "alb",
            },
            "tags": tags,
        },
        computed={
            "id": arn("elasticloadbalancing", "loadbalancer/app/alb/1"),
            "securityGroups": ["sg-alb"],
        },
        property_dependencies={"securityGroups": [r["alb_sg"].urn]},
    )
    r["http_listener"] = record(
        stack,
        "aws:lb/listener:Listener",
        "http",
        {
            "loadBalancerArn": UNKNOWN,
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [
                {
                    "type": "redirect",
                    "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                }
            ],
            "tags": tags,
        },
        property_dependencies={"loadBalancerArn": [r["alb"].urn]},
    )
    r["https_listener"] = record(
        stack,
        "aws:lb/listener:Listener",
        "https",
        {
            "loadBalancerArn": UNKNOWN,
            "port": 443,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificateArn": UNKNOWN,
            "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
            "tags": tags,
        },
        property_dependencies={"loadBalancerArn": [r["alb"].urn]},
    )
    r["api_rule"] = record(
        stack,
        "aws:lb/listenerRule:ListenerRule",
        "api",
        {
            "listenerArn": UNKNOWN,
            "priority": 10,
            "actions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
            "conditions": [{"pathPattern": {"values": ["/api/*"]}}],
            "tags": tags,
        },
        property_dependencies={"listenerArn": [r["https_listener"].urn]},
    )
    r["service"] = record(
        stack,
        "aws:ecs/service:Service",
        "app",
        {
            "cluster": UNKNOWN,
            "taskDefinition": UNKNOWN,
            "desiredCount": 2,
            "launchType": "FARGATE",
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {
                "strategy": "CANARY",
                "bakeTimeInMinutes": "15",
                "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "10"},
            },
            "alarms": {"alarmNames": ["app-5xx"], "enable": True, "rollback": True},
            "loadBalancers": [
                {
                    "targetGroupArn": UNKNOWN,
                    "containerName": "nextjs",
                    "containerPort": 3000,
                    "advancedConfiguration": {
                        "alternateTargetGroupArn": UNKNOWN,
                        "productionListenerRule": UNKNOWN,
                        "roleArn": UNKNOWN,
                    },
                }
            ],
            "deploymentMinimumHealthyPercent": 100,
            "deploymentMaximumPercent": 200,
            "networkConfiguration": {
                "subnets": [UNKNOWN, UNKNOWN],
                "securityGroups": [UNKNOWN],
                "assignPublicIp": False,
            },
            "propagateTags": "SERVICE",
            "tags": tags,
        },
        property_dependencies={
            "cluster": [r["cluster"].urn],
            "taskDefinition": [r["task"].urn],
        },
    )
    r["cdn"] = record(
        stack,
        "aws:cloudfront/distribution:Distribution",
        "cdn",
        {
            "enabled": True,
            "httpVersion": "http2and3",
            "origins": [
                {
                    "originId": "alb",
                    "domainName": "origin.perfcheck.example.com",
                    "customOriginConfig": {
                        "httpPort": 80,
                        "httpsPort": 443,
                        "originProtocolPolicy": "https-only",
                        "originSslProtocols": ["TLSv1.2"],
                    },
                    "customHeaders": [{"name": "X-Origin-Verify", "value": secret("hdr-secret")}],
                }
            ],
            "defaultCacheBehavior": {
                "targetOriginId": "alb",
                "viewerProtocolPolicy": "redirect-to-https",
                "allowedMethods": ["GET", "HEAD", "OPTIONS"],
                "cachedMethods": ["GET", "HEAD"],
            },
            "orderedCacheBehaviors": [
                {
                    "pathPattern": "/_next/static/*",
                    "targetOriginId": "alb",
                    "viewerProtocolPolicy": "https-only",
                    "allowedMethods": ["GET", "HEAD"],
                    "cachedMethods": ["GET", "HEAD"],
                }
            ],
            "restrictions": {"geoRestriction": {"restrictionType": "none"}},
            "webAclId": UNKNOWN,
            "viewerCertificate": {
                "acmCertificateArn": UNKNOWN,
                "sslSupportMethod": "sni-only",
                "minimumProtocolVersion": "TLSv1.2_2021",
            },
            "tags": tags,
        },
    )
    r["budget"] = record(
        stack,
        "aws:budgets/budget:Budget",
        "monthly",
        {
            "budgetType": "COST",
            "timeUnit": "MONTHLY",
            "limitAmount": "400",
            "limitUnit": "USD",
            "costFilters": [
                {"name": "TagKeyValue", "values": [f"user:CostCenter${tags['CostCenter']}"]}
            ],
            "notifications": [
                {
                    "comparisonOperator": "GREATER_THAN",
                    "threshold": 80,
                    "thresholdType": "PERCENTAGE",
                    "notificationType": "ACTUAL",
                    "subscriberEmailAddresses": ["platform-team@example.com"],
                }
            ],
            "tags": tags,
        },
    )
    # No filter: the spend no tag carries (budget-sees-untagged-spend).
    r["account_budget"] = record(
        stack,
        "aws:budgets/budget:Budget",
        "account",
        {
            "budgetType": "COST",
            "timeUnit": "MONTHLY",
            "limitAmount": "450",
            "limitUnit": "USD",
            "notifications": [
                {
                    "comparisonOperator": "GREATER_THAN",
                    "threshold": 100,
                    "thresholdType": "PERCENTAGE",
                    "notificationType": "ACTUAL",
                    "subscriberEmailAddresses": ["platform-team@example.com"],
                }
            ],
            "tags": tags,
        },
    )
    return r


def stack_run(
    resources: Mapping[str, ResourceRecord] | Sequence[ResourceRecord], stack: str = "prod"
) -> StackRun:
    items = list(resources.values()) if isinstance(resources, Mapping) else list(resources)
    return StackRun(stack=stack, project=PROJECT, resources=tuple(items), outputs={})


def compliant_stack(stack: str = "prod", **changes: ResourceRecord | None) -> StackRun:
    """The compliant stack with some roles replaced (a record) or removed (None)."""
    resources = compliant_resources(stack)
    for role, value in changes.items():
        if role not in resources and value is None:
            raise KeyError(role)
        if value is None:
            resources.pop(role)
        else:
            resources[role] = value
    return stack_run(resources, stack)


def _copy(rec: ResourceRecord, suffix: str) -> ResourceRecord:
    def renamed(urn: str) -> str:
        return f"{urn}-{suffix}"

    return ResourceRecord(
        urn=renamed(rec.urn),
        type=rec.type,
        name=f"{rec.name}-{suffix}",
        custom=rec.custom,
        wire_inputs=rec.wire_inputs,
        outputs=rec.outputs,
        parent=renamed(rec.parent) if rec.parent else None,
        dependencies=tuple(renamed(u) for u in rec.dependencies),
        property_dependencies={
            k: tuple(renamed(u) for u in v) for k, v in rec.property_dependencies.items()
        },
        provider=rec.provider,
        protect=rec.protect,
    )


def broken_resources(stack: str = "prod") -> dict[str, ResourceRecord]:
    """The compliant resources with a typical set of mistakes (one per concern)."""
    r = compliant_resources(stack)
    containers = app_containers()
    containers[0]["user"] = "root"
    containers[1]["environment"].append({"name": "DB_PASSWORD", "value": "not-a-real-secret"})
    containers[2].pop("logConfiguration")
    return {
        **r,
        "db": replace(r["db"], storageEncrypted=False, multiAz=False, storageType="gp2"),
        "cache": replace(r["cache"], transitEncryptionEnabled=False, drop=["authToken"]),
        "task": replace(r["task"], containerDefinitions=json.dumps(containers)),
        "topic": replace(r["topic"], drop=["kmsMasterKeyId"], tags={"Environment": "dev"}),
        "alb_ingress": replace(r["alb_ingress"], fromPort=0, toPort=65535),
        "service": replace(
            r["service"], deploymentCircuitBreaker={"enable": True, "rollback": False}
        ),
    }


def synthetic_stack(size: int, stack: str = "prod", broken_every: int = 10) -> StackRun:
    """`size` resources: copies of the compliant set, every `broken_every`-th copy broken.

    For throughput measurements of the packs (issue 10) and scale tests: realistic pulumi-aws
    inputs, the resource types the packs judge, a share of them non-compliant, each copy's
    references wired through its own property dependencies.
    """
    compliant = list(compliant_resources(stack).values())
    broken = list(broken_resources(stack).values())
    resources: list[ResourceRecord] = []
    copy = 0
    while len(resources) < size:
        source = broken if broken_every and copy % broken_every == broken_every - 1 else compliant
        for rec in source[: size - len(resources)]:
            resources.append(_copy(rec, str(copy)))
        copy += 1
    return StackRun(stack=stack, project=PROJECT, resources=tuple(resources), outputs={})
