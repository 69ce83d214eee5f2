"""The stacks the deploy checks judge, and builders to break one property at a time.

`program` is the real prod program run under the project's mocks, captured once per session
(tests/conftest.py): the cases are mutations of what the program really registers, so a check
and a component cannot drift apart unnoticed. `prod` is an older hand-built production-like
stack (synthetic pulumi-aws 7 wire inputs) that the cases not yet moved still edit; its shapes
(an HTTPS listener with a regional certificate, explicit subnets) are ones the program does not
register today.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from perfcheck_deploy import Finding
from through_pack import pack_findings as run_deploy_checks

from foundation.records import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    ProviderRecord,
    ResourceRecord,
    StackRun,
)
from tools.offline.runner import cached_run

STACK, PROJECT = "prod", "perfcheck"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
TAGS = {
    "Project": "perfcheck",
    "Environment": "prod",
    "Owner": "platform-team",
    "CostCenter": "cc-1234",
    "ManagedBy": "pulumi",
}
DEFAULT_PROVIDER = ProviderRecord(
    urn=f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1",
    type="pulumi:providers:aws",
    name="default_7_51_1",
    inputs={"region": REGION, "defaultTags": json.dumps({"tags": TAGS}), "version": "7.51.1"},
)
US_EAST_1_PROVIDER = ProviderRecord(
    urn=f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::us-east-1",
    type="pulumi:providers:aws",
    name="us-east-1",
    inputs={"region": "us-east-1", "defaultTags": json.dumps({"tags": TAGS})},
)

# Allowed ElastiCache AUTH characters; the synthetic token is generated, never written down.
AUTH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!&#$^<>-"


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def synthetic_token(length: int = 64, extra: str = "") -> str:
    chars = random.Random(length).choices(AUTH_ALPHABET, k=length - len(extra))
    return "".join(chars) + extra


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


class CaseHelpers:
    """What every case builder offers its cases: its findings and the value helpers."""

    def run(self) -> StackRun:
        raise NotImplementedError

    def findings(self) -> list[Finding]:
        return run_deploy_checks(self.run())

    @staticmethod
    def arn(service: str, resource: str, region: str = REGION) -> str:
        return arn(service, resource, region)

    @staticmethod
    def policy(*statements: dict[str, Any]) -> str:
        return policy(*statements)

    @staticmethod
    def secret(value: Any) -> dict[str, Any]:
        return secret(value)

    @staticmethod
    def token(length: int = 64, extra: str = "") -> str:
        return synthetic_token(length, extra)


class StackBuilder(CaseHelpers):
    """Synthetic records by logical name; edit one, then run the deploy checks.

    Test modules reach the helpers through the builder (`b.arn(...)`, `b.secret(...)`) rather
    than importing this conftest, which pytest does not support.
    """

    ACCOUNT = ACCOUNT
    REGION = REGION

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def add(
        self,
        type_token: str,
        name: str,
        inputs: dict[str, Any],
        *,
        outputs: dict[str, Any] | None = None,
        deps: dict[str, list[str]] | None = None,
        provider: ProviderRecord = DEFAULT_PROVIDER,
    ) -> dict[str, Any]:
        self.records[name] = {
            "type": type_token,
            "inputs": inputs,
            "outputs": {**_unwrap(inputs), **(outputs or {})},
            "deps": {prop: [self.urn_of(n) for n in names] for prop, names in (deps or {}).items()},
            "provider": provider,
        }
        return self.records[name]

    def urn_of(self, name: str) -> str:
        return urn(self.records[name]["type"], name)

    def out(self, name: str, key: str = "id") -> Any:
        return self.records[name]["outputs"][key]

    def inputs(self, name: str) -> dict[str, Any]:
        """The live inputs of a record: edit them in place to break the resource."""
        return self.records[name]["inputs"]

    def set(self, resource: str, /, **changes: Any) -> None:
        """Set (or, with None, remove) top-level inputs of one resource."""
        for key, value in changes.items():
            if value is None:
                self.inputs(resource).pop(key, None)
            else:
                self.inputs(resource)[key] = value

    def containers(self, name: str = "perfcheck-prod-app") -> list[dict[str, Any]]:
        return json.loads(self.inputs(name)["containerDefinitions"])

    def edit_containers(
        self, edit: Callable[[dict[str, dict[str, Any]]], None], name: str = "perfcheck-prod-app"
    ) -> None:
        """Edit the task's containers by container name; they are re-serialised afterwards."""
        containers = self.containers(name)
        edit({c["name"]: c for c in containers})
        self.set(name, containerDefinitions=json.dumps(containers))

    def rename(self, old: str, new: str) -> None:
        """Give a resource another logical name (what Pulumi auto-names from)."""
        self.records[new] = self.records.pop(old)

    def run(self) -> StackRun:
        resources = tuple(
            ResourceRecord(
                urn=urn(spec["type"], name),
                type=spec["type"],
                name=name,
                custom=True,
                wire_inputs=copy.deepcopy(spec["inputs"]),
                outputs=copy.deepcopy(spec["outputs"]),
                property_dependencies={k: tuple(v) for k, v in spec["deps"].items()},
                dependencies=tuple(sorted({u for v in spec["deps"].values() for u in v})),
                provider=spec["provider"],
            )
            for name, spec in self.records.items()
        )
        return StackRun(stack=STACK, project=PROJECT, resources=resources, outputs={})


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        return _unwrap(value["value"])
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(service: str) -> str:
    return policy(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    )


def _containers(b: StackBuilder) -> list[dict[str, Any]]:
    log_group = "/ecs/perfcheck-prod/app"

    def logs(prefix: str) -> dict[str, Any]:
        return {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": REGION,
                "awslogs-stream-prefix": prefix,
            },
        }

    otel_env = [
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://localhost:4317"},
        {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": "deployment.environment=prod"},
    ]
    redis_host = b.out("perfcheck-prod-cache", "primaryEndpointAddress")
    return [
        {
            "name": "nextjs",
            "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/perfcheck/nextjs:1.4.2",
            "essential": True,
            "user": "1001:1001",
            "readonlyRootFilesystem": True,
            "memoryReservation": 768,
            "portMappings": [
                {
                    "name": "nextjs-http",
                    "containerPort": 3000,
                    "protocol": "tcp",
                    "appProtocol": "http",
                }
            ],
            "environment": [
                {"name": "PORT", "value": "3000"},
                {"name": "HOSTNAME", "value": "0.0.0.0"},
                {"name": "NODE_ENV", "value": "production"},
                {"name": "API_URL", "value": "http://localhost:8787"},
                {"name": "REDIS_HOST", "value": redis_host},
                {"name": "REDIS_PORT", "value": "6379"},
                {"name": "REDIS_TLS", "value": "true"},
                {"name": "OTEL_SERVICE_NAME", "value": "nextjs"},
                *otel_env,
            ],
            "secrets": [
                {
                    "name": "REDIS_AUTH_TOKEN",
                    "valueFrom": b.out("perfcheck-prod-redis-auth", "arn"),
                },
                {
                    "name": "REVALIDATE_SECRET",
                    "valueFrom": b.out("perfcheck-prod-revalidate", "arn"),
                },
            ],
            "healthCheck": {
                "command": ["CMD-SHELL", "wget -qO- http://localhost:3000/api/health || exit 1"],
                "interval": 15,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 30,
            },
            "dependsOn": [{"containerName": "hono", "condition": "HEALTHY"}],
            "mountPoints": [{"sourceVolume": "nextjs-cache", "containerPath": "/app/.next/cache"}],
            "linuxParameters": {"initProcessEnabled": True},
            "stopTimeout": 30,
            "logConfiguration": logs("nextjs"),
        },
        {
            "name": "hono",
            "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/perfcheck/hono:1.4.2",
            "essential": True,
            "user": "1001:1001",
            "readonlyRootFilesystem": True,
            "memoryReservation": 768,
            "portMappings": [
                {
                    "name": "hono-http",
                    "containerPort": 8787,
                    "protocol": "tcp",
                    "appProtocol": "http",
                }
            ],
            "environment": [
                {"name": "PORT", "value": "8787"},
                {"name": "NODE_ENV", "value": "production"},
                {"name": "DB_HOST", "value": b.out("perfcheck-prod-db", "address")},
                {"name": "DB_PORT", "value": "5432"},
                {"name": "DB_NAME", "value": "perfcheck"},
                {"name": "DB_SSLMODE", "value": "verify-full"},
                {"name": "OTEL_SERVICE_NAME", "value": "hono"},
                *otel_env,
            ],
            "secrets": [
                {
                    "name": "DB_USERNAME",
                    "valueFrom": b.out("perfcheck-prod-db", "masterUserSecretArn") + ":username::",
                },
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": b.out("perfcheck-prod-db", "masterUserSecretArn") + ":password::",
                },
                {
                    "name": "REDIS_AUTH_TOKEN",
                    "valueFrom": b.out("perfcheck-prod-redis-auth", "arn"),
                },
            ],
            "healthCheck": {
                "command": ["CMD-SHELL", "wget -qO- http://localhost:8787/health || exit 1"],
                "interval": 15,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 20,
            },
            "dependsOn": [{"containerName": "otel", "condition": "HEALTHY"}],
            "linuxParameters": {"initProcessEnabled": True},
            "stopTimeout": 30,
            "logConfiguration": logs("hono"),
        },
        {
            "name": "otel",
            "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1",
            "essential": True,
            "readonlyRootFilesystem": True,
            "memoryReservation": 256,
            "command": ["--config=/etc/ecs/ecs-default-config.yaml"],
            "portMappings": [
                {
                    "name": "otlp-grpc",
                    "containerPort": 4317,
                    "protocol": "tcp",
                    "appProtocol": "grpc",
                },
                {"name": "otlp-http", "containerPort": 4318, "protocol": "tcp"},
            ],
            "healthCheck": {"command": ["CMD", "/healthcheck"], "interval": 10, "retries": 3},
            "logConfiguration": logs("otel"),
        },
    ]


def build_production_stack() -> StackBuilder:
    b = StackBuilder()
    vpc_id = "vpc-0a1b2c3d4e5f60789"
    # Network: two AZs, public / private / isolated subnets.
    for tier, base in (("public", 0), ("private", 10), ("isolated", 20)):
        for zone_index, zone in enumerate(("a", "b")):
            name = f"perfcheck-prod-{tier}-{zone}"
            b.add(
                "aws:ec2/subnet:Subnet",
                name,
                {
                    "vpcId": vpc_id,
                    "cidrBlock": f"10.40.{base + zone_index}.0/24",
                    "availabilityZone": f"{REGION}{zone}",
                    "mapPublicIpOnLaunch": False,
                    "tags": {**TAGS, "Name": name},
                },
                outputs={
                    "id": f"subnet-0{tier}{zone}000000001",
                    "arn": arn("ec2", f"subnet/{name}"),
                },
            )
    for sg in ("alb", "app", "db", "cache"):
        b.add(
            "aws:ec2/securityGroup:SecurityGroup",
            f"perfcheck-prod-{sg}-sg",
            {"vpcId": vpc_id, "description": f"perfcheck {sg}", "tags": TAGS},
            outputs={"id": f"sg-0{sg}0000000000001"[:20]},
        )
    b.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "perfcheck-prod-alb-from-cloudfront",
        {
            "securityGroupId": b.out("perfcheck-prod-alb-sg"),
            "prefixListId": "pl-4fa04526",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
        deps={"securityGroupId": ["perfcheck-prod-alb-sg"]},
    )
    for rule, target, source, port in (
        ("app-from-alb", "app", "alb", 3000),
        ("db-from-app", "db", "app", 5432),
        ("cache-from-app", "cache", "app", 6379),
    ):
        b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"perfcheck-prod-{rule}",
            {
                "securityGroupId": b.out(f"perfcheck-prod-{target}-sg"),
                "referencedSecurityGroupId": b.out(f"perfcheck-prod-{source}-sg"),
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
            },
            deps={
                "securityGroupId": [f"perfcheck-prod-{target}-sg"],
                "referencedSecurityGroupId": [f"perfcheck-prod-{source}-sg"],
            },
        )
    # Certificates: one regional for the ALB, one in us-east-1 for CloudFront.
    b.add(
        "aws:acm/certificate:Certificate",
        "perfcheck-prod-alb-cert",
        {"domainName": "origin.perfcheck.example.com", "validationMethod": "DNS", "tags": TAGS},
        outputs={"arn": arn("acm", "certificate/0f0e0d0c-alb")},
    )
    b.add(
        "aws:acm/certificate:Certificate",
        "perfcheck-prod-cdn-cert",
        {"domainName": "perfcheck.example.com", "validationMethod": "DNS", "tags": TAGS},
        outputs={"arn": arn("acm", "certificate/0f0e0d0c-cdn", "us-east-1")},
        provider=US_EAST_1_PROVIDER,
    )
    # Secrets.
    b.add(
        "aws:secretsmanager/secret:Secret",
        "perfcheck-prod-redis-auth",
        {"description": "Valkey AUTH token", "kmsKeyId": arn("kms", "key/perfcheck"), "tags": TAGS},
        outputs={"arn": arn("secretsmanager", "secret:perfcheck-prod-redis-auth-AbCdEf")},
    )
    b.add(
        "aws:secretsmanager/secret:Secret",
        "perfcheck-prod-revalidate",
        {"name": "perfcheck/prod/revalidate-secret", "recoveryWindowInDays": 7, "tags": TAGS},
        outputs={"arn": arn("secretsmanager", "secret:perfcheck/prod/revalidate-secret-GhIjKl")},
    )
    # Data tier.
    b.add(
        "aws:rds/parameterGroup:ParameterGroup",
        "perfcheck-prod-pg16",
        {
            "family": "postgres16",
            "description": "perfcheck PostgreSQL 16",
            "parameters": [
                {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
                {"name": "log_min_duration_statement", "value": "500"},
            ],
            "tags": TAGS,
        },
        outputs={"id": "perfcheck-prod-pg16-3f2a1b0", "name": "perfcheck-prod-pg16-3f2a1b0"},
    )
    b.add(
        "aws:iam/role:Role",
        "perfcheck-prod-rds-monitoring",
        {
            "assumeRolePolicy": trust("monitoring.rds.amazonaws.com"),
            "managedPolicyArns": [
                "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ],
            "tags": TAGS,
        },
        outputs={"arn": arn("iam", "role/perfcheck-prod-rds-monitoring-7c1d2e3", "")},
    )
    b.add(
        "aws:rds/instance:Instance",
        "perfcheck-prod-db",
        {
            "engine": "postgres",
            "engineVersion": "16.4",
            "allowMajorVersionUpgrade": True,
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 100,
            "maxAllocatedStorage": 500,
            "storageType": "gp3",
            "storageEncrypted": True,
            "multiAz": True,
            "dbName": "perfcheck",
            "username": "perfcheck_admin",
            "manageMasterUserPassword": True,
            "dbSubnetGroupName": "perfcheck-prod-db-subnets",
            "vpcSecurityGroupIds": [b.out("perfcheck-prod-db-sg")],
            "parameterGroupName": b.out("perfcheck-prod-pg16", "name"),
            "backupRetentionPeriod": 14,
            "backupWindow": "02:00-02:30",
            "maintenanceWindow": "sun:03:00-sun:04:00",
            "performanceInsightsEnabled": True,
            "performanceInsightsRetentionPeriod": 7,
            "monitoringInterval": 60,
            "monitoringRoleArn": b.out("perfcheck-prod-rds-monitoring", "arn"),
            "deletionProtection": True,
            "copyTagsToSnapshot": True,
            "skipFinalSnapshot": False,
            "finalSnapshotIdentifier": "perfcheck-prod-db-final",
            "caCertIdentifier": "rds-ca-rsa2048-g1",
            "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
            "iamDatabaseAuthenticationEnabled": True,
            "publiclyAccessible": False,
            "tags": TAGS,
        },
        outputs={
            "address": "perfcheck-prod-db-5e6f7a8.abc.eu-west-1.rds.amazonaws.com",
            "masterUserSecretArn": arn("secretsmanager", "secret:rds!db-1234-MnOpQr"),
        },
        deps={
            "parameterGroupName": ["perfcheck-prod-pg16"],
            "vpcSecurityGroupIds": ["perfcheck-prod-db-sg"],
            "monitoringRoleArn": ["perfcheck-prod-rds-monitoring"],
        },
    )
    b.add(
        "aws:elasticache/parameterGroup:ParameterGroup",
        "perfcheck-prod-valkey8",
        {"family": "valkey8", "description": "perfcheck Valkey 8", "tags": TAGS},
        outputs={"id": "perfcheck-prod-valkey8-9a8b7c6", "name": "perfcheck-prod-valkey8-9a8b7c6"},
    )
    b.add(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "perfcheck-prod-cache",
        {
            "description": "perfcheck shared ISR cache",
            "engine": "valkey",
            "engineVersion": "8.0",
            "nodeType": "cache.t4g.small",
            "numCacheClusters": 2,
            "automaticFailoverEnabled": True,
            "multiAzEnabled": True,
            "transitEncryptionEnabled": True,
            "transitEncryptionMode": "required",
            "atRestEncryptionEnabled": True,
            "authToken": secret(synthetic_token()),
            "parameterGroupName": b.out("perfcheck-prod-valkey8", "name"),
            "subnetGroupName": "perfcheck-prod-cache-subnets",
            "securityGroupIds": [b.out("perfcheck-prod-cache-sg")],
            "snapshotRetentionLimit": 7,
            "snapshotWindow": "04:00-05:00",
            "maintenanceWindow": "sun:05:30-sun:06:30",
            "port": 6379,
            "tags": TAGS,
        },
        outputs={
            "primaryEndpointAddress": "master.perfcheck-prod-cache-1a2b3c4.cache.amazonaws.com"
        },
        deps={
            "parameterGroupName": ["perfcheck-prod-valkey8"],
            "securityGroupIds": ["perfcheck-prod-cache-sg"],
        },
    )
    # Logs and IAM for the task.
    b.add(
        "aws:cloudwatch/logGroup:LogGroup",
        "perfcheck-prod-app-logs",
        {"name": "/ecs/perfcheck-prod/app", "retentionInDays": 30, "tags": TAGS},
        outputs={"arn": arn("logs", "log-group:/ecs/perfcheck-prod/app")},
    )
    b.add(
        "aws:iam/role:Role",
        "perfcheck-prod-task-exec",
        {
            "assumeRolePolicy": trust("ecs-tasks.amazonaws.com"),
            "managedPolicyArns": [
                "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
            ],
            "tags": TAGS,
        },
        outputs={
            "arn": arn("iam", "role/perfcheck-prod-task-exec-1a2b3c4", ""),
            "name": "perfcheck-prod-task-exec-1a2b3c4",
        },
    )
    b.add(
        "aws:iam/rolePolicy:RolePolicy",
        "perfcheck-prod-task-exec-secrets",
        {
            "role": b.out("perfcheck-prod-task-exec", "name"),
            "policy": policy(
                {
                    "Sid": "ReadAppSecrets",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [
                        b.out("perfcheck-prod-redis-auth", "arn"),
                        b.out("perfcheck-prod-revalidate", "arn"),
                        b.out("perfcheck-prod-db", "masterUserSecretArn"),
                    ],
                },
                {
                    "Sid": "DecryptAppSecrets",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": arn("kms", "key/perfcheck"),
                },
            ),
        },
        deps={"role": ["perfcheck-prod-task-exec"]},
    )
    b.add(
        "aws:iam/role:Role",
        "perfcheck-prod-task",
        {
            "assumeRolePolicy": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ),
            "inlinePolicies": [
                {
                    "name": "telemetry",
                    "policy": policy(
                        {
                            "Effect": "Allow",
                            "Action": [
                                "xray:PutTraceSegments",
                                "xray:PutTelemetryRecords",
                                "xray:GetSamplingRules",
                                "xray:GetSamplingTargets",
                            ],
                            "Resource": "*",
                        },
                        {
                            "Effect": "Allow",
                            "Action": "cloudwatch:PutMetricData",
                            "Resource": "*",
                            "Condition": {"StringEquals": {"cloudwatch:namespace": "perfcheck"}},
                        },
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": f"{b.out('perfcheck-prod-app-logs', 'arn')}:*",
                        },
                    ),
                },
                {
                    "name": "cache-invalidation",
                    "policy": policy(
                        {
                            "Effect": "Allow",
                            "Action": "cloudfront:CreateInvalidation",
                            "Resource": arn("cloudfront", "distribution/E2PERFCHECK", ""),
                        }
                    ),
                },
            ],
            "tags": TAGS,
        },
        outputs={"arn": arn("iam", "role/perfcheck-prod-task-4d5e6f7", "")},
    )
    # Load balancer.
    b.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "perfcheck-prod-alb",
        {
            "loadBalancerType": "application",
            "internal": False,
            "securityGroups": [b.out("perfcheck-prod-alb-sg")],
            "subnets": [b.out("perfcheck-prod-public-a"), b.out("perfcheck-prod-public-b")],
            "dropInvalidHeaderFields": True,
            "enableDeletionProtection": True,
            "idleTimeout": 60,
            "tags": TAGS,
        },
        outputs={
            "arn": arn(
                "elasticloadbalancing", "loadbalancer/app/perfcheck-prod-alb/50dc6c495c0c9188"
            ),
            "dnsName": "perfcheck-prod-alb-1234567890.eu-west-1.elb.amazonaws.com",
        },
        deps={
            "subnets": ["perfcheck-prod-public-a", "perfcheck-prod-public-b"],
            "securityGroups": ["perfcheck-prod-alb-sg"],
        },
    )
    b.add(
        "aws:lb/targetGroup:TargetGroup",
        "perfcheck-prod-web",
        {
            "port": 3000,
            "protocol": "HTTP",
            "targetType": "ip",
            "vpcId": vpc_id,
            "deregistrationDelay": 30,
            "healthCheck": {
                "path": "/api/health",
                "matcher": "200",
                "interval": 15,
                "healthyThreshold": 2,
                "unhealthyThreshold": 3,
            },
            "tags": TAGS,
        },
        outputs={
            "arn": arn("elasticloadbalancing", "targetgroup/perfcheck-prod-web/943f017f100becff")
        },
    )
    b.add(
        "aws:lb/listener:Listener",
        "perfcheck-prod-https",
        {
            "loadBalancerArn": b.out("perfcheck-prod-alb", "arn"),
            "port": 443,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
            "certificateArn": b.out("perfcheck-prod-alb-cert", "arn"),
            "defaultActions": [
                {"type": "forward", "targetGroupArn": b.out("perfcheck-prod-web", "arn")}
            ],
            "tags": TAGS,
        },
        deps={"certificateArn": ["perfcheck-prod-alb-cert"]},
    )
    b.add(
        "aws:lb/listener:Listener",
        "perfcheck-prod-http",
        {
            "loadBalancerArn": b.out("perfcheck-prod-alb", "arn"),
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [
                {
                    "type": "redirect",
                    "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"},
                }
            ],
            "tags": TAGS,
        },
    )
    # The task definition.
    b.add(
        "aws:ecs/taskDefinition:TaskDefinition",
        "perfcheck-prod-app",
        {
            "family": "perfcheck-prod-app",
            "cpu": "1024",
            "memory": "2048",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
            "executionRoleArn": b.out("perfcheck-prod-task-exec", "arn"),
            "taskRoleArn": b.out("perfcheck-prod-task", "arn"),
            "volumes": [{"name": "nextjs-cache"}],
            "containerDefinitions": json.dumps(_containers(b)),
            "tags": TAGS,
        },
    )
    # CDN.
    b.add(
        "aws:cloudfront/cachePolicy:CachePolicy",
        "perfcheck-prod-next-ssr",
        {
            "comment": "Next.js SSR: RSC headers in the key",
            "defaultTtl": 0,
            "minTtl": 0,
            "maxTtl": 31536000,
            "parametersInCacheKeyAndForwardedToOrigin": {
                "enableAcceptEncodingBrotli": True,
                "enableAcceptEncodingGzip": True,
                "cookiesConfig": {"cookieBehavior": "none"},
                "headersConfig": {
                    "headerBehavior": "whitelist",
                    "headers": {"items": ["rsc", "next-router-prefetch", "next-router-state-tree"]},
                },
                "queryStringsConfig": {"queryStringBehavior": "all"},
            },
        },
        outputs={"id": "7f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"},
    )
    b.add(
        "aws:s3/bucket:Bucket",
        "perfcheck-prod-cdn-logs",
        {"forceDestroy": False, "tags": TAGS},
        outputs={"bucketDomainName": "perfcheck-prod-cdn-logs-8b9c0d1.s3.amazonaws.com"},
    )
    behaviour = {
        "targetOriginId": "alb",
        "viewerProtocolPolicy": "redirect-to-https",
        "allowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        "cachedMethods": ["GET", "HEAD"],
        "compress": True,
    }
    b.add(
        "aws:cloudfront/distribution:Distribution",
        "perfcheck-prod-cdn",
        {
            "enabled": True,
            "isIpv6Enabled": True,
            "httpVersion": "http2and3",
            "priceClass": "PriceClass_100",
            "aliases": ["perfcheck.example.com"],
            "origins": [
                {
                    "originId": "alb",
                    "domainName": "origin.perfcheck.example.com",
                    "customOriginConfig": {
                        "httpPort": 80,
                        "httpsPort": 443,
                        "originProtocolPolicy": "https-only",
                        "originSslProtocols": ["TLSv1.2"],
                        "originReadTimeout": 30,
                    },
                    "customHeaders": [{"name": "X-Origin-Verify", "value": secret("x" * 32)}],
                }
            ],
            "defaultCacheBehavior": {
                **behaviour,
                "cachePolicyId": b.out("perfcheck-prod-next-ssr"),
                "originRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
                "responseHeadersPolicyId": "67f7725c-6f97-4210-82d7-5512b31e9d03",
            },
            "orderedCacheBehaviors": [
                {
                    **behaviour,
                    "pathPattern": "/_next/static/*",
                    "allowedMethods": ["GET", "HEAD"],
                    "cachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                },
                {
                    **behaviour,
                    "pathPattern": "/api/*",
                    "cachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                    "originRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
                },
            ],
            "viewerCertificate": {
                "acmCertificateArn": b.out("perfcheck-prod-cdn-cert", "arn"),
                "sslSupportMethod": "sni-only",
                "minimumProtocolVersion": "TLSv1.2_2021",
            },
            "restrictions": {"geoRestriction": {"restrictionType": "none"}},
            "loggingConfig": {
                "bucket": b.out("perfcheck-prod-cdn-logs", "bucketDomainName"),
                "prefix": "cdn/",
            },
            "tags": TAGS,
        },
        deps={
            "viewerCertificate": ["perfcheck-prod-cdn-cert"],
            "defaultCacheBehavior": ["perfcheck-prod-next-ssr"],
            "loggingConfig": ["perfcheck-prod-cdn-logs"],
        },
    )
    return b


class ProgramStack(CaseHelpers):
    """The captured prod program's records by logical name; edit some, then run the checks.

    Copy on write: a record is copied only when a test edits it, so a fresh stack costs nothing
    and the captured run is never changed. The same helpers as StackBuilder (`inputs`, `set`,
    `containers`, `edit_containers`, `out`, `findings`) so a case reads the same on either.
    """

    ACCOUNT = ACCOUNT
    REGION = REGION
    TASK = "web-task"

    def __init__(self, run: StackRun) -> None:
        self.base = run
        self._records = {record.name: record for record in run.resources}
        if len(self._records) != len(run.resources):
            raise AssertionError("the captured program has two resources with one logical name")
        self._inputs: dict[str, dict[str, Any]] = {}
        self.touched: set[str] = set()
        """Logical names of the records this stack's edits changed, added or removed."""

    def names(self, type_token: str) -> list[str]:
        return [name for name, record in self._records.items() if record.type == type_token]

    def record(self, name: str) -> ResourceRecord:
        if name not in self._records:
            raise KeyError(f"the prod program registers no resource named {name!r}")
        return self._records[name]

    def inputs(self, name: str) -> dict[str, Any]:
        """The record's inputs, copied on first use: edit them in place to break the resource."""
        if name not in self._inputs:
            self._inputs[name] = copy.deepcopy(dict(self.record(name).wire_inputs))
        self.touched.add(name)
        return self._inputs[name]

    def set(self, resource: str, /, **changes: Any) -> None:
        """Set (or, with None, remove) top-level inputs of one resource."""
        inputs = self.inputs(resource)
        for key, value in changes.items():
            if value is None:
                inputs.pop(key, None)
            else:
                inputs[key] = value

    def containers(self, name: str = TASK) -> list[dict[str, Any]]:
        return json.loads(self.inputs(name)["containerDefinitions"])

    def edit_containers(
        self, edit: Callable[[dict[str, dict[str, Any]]], None], name: str = TASK
    ) -> None:
        """Edit the task's containers by container name; they are re-serialised afterwards."""
        containers = self.containers(name)
        edit({c["name"]: c for c in containers})
        self.set(name, containerDefinitions=json.dumps(containers))

    def out(self, name: str, key: str = "id") -> Any:
        return self.record(name).outputs[key]

    def rename(self, old: str, new: str) -> None:
        """Give a resource another logical name (what Pulumi auto-names from)."""
        record = self.record(old)
        inputs = self.inputs(old)
        prefix = record.urn[: -len(old)]
        self._records = {
            (new if name == old else name): (
                dataclasses.replace(record, name=new, urn=prefix + new) if name == old else r
            )
            for name, r in self._records.items()
        }
        del self._inputs[old]
        self._inputs[new] = inputs
        self.touched |= {old, new}

    def remove(self, name: str) -> None:
        self.record(name)
        del self._records[name]
        self._inputs.pop(name, None)
        self.touched.add(name)

    def add(
        self,
        type_token: str,
        name: str,
        inputs: dict[str, Any],
        *,
        outputs: dict[str, Any] | None = None,
        parent: str | None = None,
    ) -> ResourceRecord:
        """A record the program does not register (a resource a mistake would add)."""
        stack, project = self.base.stack, self.base.project
        provider = next(
            (r.provider for r in self.base.resources if r.provider and r.type.startswith("aws:")),
            None,
        )
        record = ResourceRecord(
            urn=f"urn:pulumi:{stack}::{project}::{type_token}::{name}",
            type=type_token,
            name=name,
            custom=True,
            wire_inputs={},
            outputs={**_unwrap(inputs), **(outputs or {})},
            parent=parent,
            provider=provider,
        )
        self._records[name] = record
        self._inputs[name] = inputs
        self.touched.add(name)
        return record

    def run(self) -> StackRun:
        resources = []
        for name, record in self._records.items():
            if name in self._inputs:
                inputs = copy.deepcopy(self._inputs[name])
                kept = {k: v for k, v in record.outputs.items() if k not in record.wire_inputs}
                record = dataclasses.replace(
                    record, wire_inputs=inputs, outputs={**kept, **_unwrap(inputs)}
                )
            resources.append(record)
        return dataclasses.replace(self.base, resources=tuple(resources))


@pytest.fixture
def program() -> Iterator[ProgramStack]:
    """A fresh copy-on-write view of the real prod program (run once per session)."""
    yield ProgramStack(cached_run("prod"))  # a missing Pulumi.prod.yaml skips (tests/conftest.py)


@pytest.fixture
def prod() -> StackBuilder:
    """A fresh production-like stack (cheap to build: no model loading happens here)."""
    return build_production_stack()
