"""Synthetic stacks of any size, made of the resource types the packs judge.

Each resource is realistic (the wire inputs a pulumi-aws 7 program sends) and a fixed share is
non-compliant, so the packs do real work: parse task definitions, follow RDS instances to their
parameter groups, merge tags with the provider's default tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tools.offline.records import ProviderRecord, ResourceRecord, StackRun

PROJECT = "perfcheck"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-4333-8444-555555555555"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
COST_TAGS = {
    "Project": PROJECT,
    "Environment": "prod",
    "Owner": "platform-team",
    "CostCenter": "perfcheck-prod",
    "ManagedBy": "pulumi",
}


def _provider(stack: str) -> ProviderRecord:
    return ProviderRecord(
        urn=f"urn:pulumi:{stack}::{PROJECT}::pulumi:providers:aws::aws",
        type="pulumi:providers:aws",
        name="aws",
        inputs={"region": "eu-west-1", "defaultTags": json.dumps({"tags": COST_TAGS})},
    )


def _container(name: str, bad: bool) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}:v1",
        "essential": True,
        "user": "0" if bad else "1001:1001",
        "readonlyRootFilesystem": not bad,
        "portMappings": [{"containerPort": 3000, "protocol": "tcp"}],
        "environment": [
            {"name": "PORT", "value": "3000"},
            {"name": "NODE_ENV", "value": "production"},
        ],
        "secrets": [
            {
                "name": "DB_PASSWORD",
                "valueFrom": f"{SECRET_ARN}:password::",
            }
        ],
        "healthCheck": {
            "command": ["CMD", "node", "-e", "fetch('http://localhost:3000/api/health')"],
            "interval": 10,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/perfcheck/{name}",
                "awslogs-region": "eu-west-1",
                "awslogs-stream-prefix": name,
            },
        },
    }
    return container


def _task_definition(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    containers = [_container("nextjs", bad), _container("hono", False)]
    containers[0]["dependsOn"] = [{"containerName": "hono", "condition": "HEALTHY"}]
    return "aws:ecs/taskDefinition:TaskDefinition", {
        "family": f"app-{i}",
        "cpu": "1024",
        "memory": "2048",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "executionRoleArn": f"arn:aws:iam::123456789012:role/exec-{i}",
        "taskRoleArn": f"arn:aws:iam::123456789012:role/task-{i}",
        "containerDefinitions": json.dumps(containers),
    }


def _db_instance(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:rds/instance:Instance", {
        "identifier": f"db-{i}",
        "engine": "postgres",
        "engineVersion": "17.6",
        "instanceClass": "db.r7g.large",
        "allocatedStorage": 100,
        "storageType": "gp2" if bad else "gp3",
        "storageEncrypted": not bad,
        "kmsKeyId": KEY_ARN,
        "multiAz": not bad,
        "publiclyAccessible": bad,
        "deletionProtection": True,
        "backupRetentionPeriod": 14,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": f"db-{i}-final",
        "parameterGroupName": f"pg-{i}",
        "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": KEY_ARN,
        "manageMasterUserPassword": True,
        "iamDatabaseAuthenticationEnabled": True,
        "copyTagsToSnapshot": True,
        "tags": {"Name": f"db-{i}"},
    }


def _parameter_group(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:rds/parameterGroup:ParameterGroup", {
        "name": f"pg-{i}",
        "family": "postgres17",
        "parameters": [
            {
                "name": "rds.force_ssl",
                "value": "0" if bad else "1",
                "applyMethod": "pending-reboot",
            },
            {"name": "log_min_duration_statement", "value": "500", "applyMethod": "immediate"},
        ],
    }


def _security_group(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:ec2/securityGroup:SecurityGroup", {
        "description": f"group {i}",
        "vpcId": "vpc-0123456789abcdef0",
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrBlocks": ["0.0.0.0/0" if bad else "10.0.0.0/16"],
                "description": "postgres",
            }
        ],
    }


def _ingress_rule(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        "securityGroupId": f"sg-{i:017x}",
        "ipProtocol": "tcp",
        "fromPort": 22 if bad else 6379,
        "toPort": 22 if bad else 6379,
        "cidrIpv4": "0.0.0.0/0" if bad else None,
        "referencedSecurityGroupId": None if bad else f"sg-{i + 1:017x}",
        "description": "rule",
    }


def _bucket(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    inputs: dict[str, Any] = {"bucket": f"logs-{i}", "forceDestroy": False}
    if not bad:
        inputs["serverSideEncryptionConfiguration"] = {
            "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}
        }
    return "aws:s3/bucketV2:BucketV2", inputs


def _log_group(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    inputs: dict[str, Any] = {"name": f"/perfcheck/group-{i}", "retentionInDays": 30}
    if bad:
        inputs.pop("retentionInDays")
    else:
        inputs["kmsKeyId"] = KEY_ARN
    return "aws:cloudwatch/logGroup:LogGroup", inputs


def _replication_group(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:elasticache/replicationGroup:ReplicationGroup", {
        "description": "cache",
        "engine": "valkey",
        "engineVersion": "8.0",
        "nodeType": "cache.r7g.large",
        "numCacheClusters": 1 if bad else 2,
        "automaticFailoverEnabled": not bad,
        "multiAzEnabled": not bad,
        "transitEncryptionEnabled": not bad,
        "atRestEncryptionEnabled": True,
        "kmsKeyId": KEY_ARN,
        "authToken": {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            "value": "x" * 32,
        },
        "snapshotRetentionLimit": 0 if bad else 7,
    }


def _service(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:ecs/service:Service", {
        "name": f"svc-{i}",
        "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/c",
        "launchType": "FARGATE",
        "networkConfiguration": {
            "assignPublicIp": bad,
            "subnets": ["subnet-1"],
            "securityGroups": ["sg-1"],
        },
        "deploymentCircuitBreaker": {"enable": True, "rollback": not bad},
        "deploymentMinimumHealthyPercent": 100,
        "deploymentMaximumPercent": 200,
    }


def _kms_key(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    return "aws:kms/key:Key", {"description": f"key {i}", "enableKeyRotation": not bad}


def _secret(i: int, bad: bool) -> tuple[str, dict[str, Any]]:
    inputs: dict[str, Any] = {"namePrefix": f"app/secret-{i}-"}
    if not bad:
        inputs["kmsKeyId"] = KEY_ARN
    return "aws:secretsmanager/secret:Secret", inputs


MAKERS: tuple[Callable[[int, bool], tuple[str, dict[str, Any]]], ...] = (
    _task_definition,
    _db_instance,
    _parameter_group,
    _security_group,
    _ingress_rule,
    _bucket,
    _log_group,
    _replication_group,
    _service,
    _kms_key,
    _secret,
)


def synthetic_stack(size: int, bad_share: float = 0.1, stack: str = "prod") -> StackRun:
    """`size` resources cycling through MAKERS; every 1/bad_share-th one is non-compliant."""
    provider = _provider(stack)
    every = max(1, round(1 / bad_share)) if bad_share > 0 else 0
    resources = []
    for index in range(size):
        maker = MAKERS[index % len(MAKERS)]
        bad = bool(every) and index % every == every - 1
        type_token, inputs = maker(index // len(MAKERS), bad)
        inputs = {k: v for k, v in inputs.items() if v is not None}
        # Every type here is taggable; a third of the non-compliant ones also miss the cost tags.
        tags = dict(inputs.get("tags") or {})
        if not (bad and index % 3 == 0):
            tags.update(COST_TAGS)
        inputs["tags"] = tags
        name = f"r{index}-{type_token.rsplit(':', 1)[-1].lower()}"
        urn = f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"
        resources.append(
            ResourceRecord(
                urn=urn,
                type=type_token,
                name=name,
                custom=True,
                wire_inputs=inputs,
                outputs={"id": f"id-{index}", **inputs},
                provider=provider,
                protect=not bad,
            )
        )
    return StackRun(stack=stack, project=PROJECT, resources=tuple(resources), outputs={})
