"""Production-like resources that AWS accepts produce no finding (false positives are bugs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from test_deploycheck_cases import _log_group_with_key

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import StackBuilder


def test_production_stack_has_no_findings(prod: StackBuilder) -> None:
    assert [str(f) for f in prod.findings()] == []


def test_production_stack_is_checked_at_all(prod: StackBuilder) -> None:
    """The baseline is clean because it is right, not because nothing looked at it."""
    from perfcheck_deploy.registry import CHECKS_BY_TYPE

    judged = {spec["type"] for spec in prod.records.values()} & set(CHECKS_BY_TYPE)
    assert {
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:rds/instance:Instance",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:cloudfront/distribution:Distribution",
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:lb/listener:Listener",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    } <= judged


def staging(b: StackBuilder) -> None:
    """Staging: small and single-AZ, still deployable."""
    b.set("perfcheck-prod-app", cpu="512", memory="1024")
    b.edit_containers(
        lambda c: [
            c[n].update(memoryReservation=m)
            for n, m in (("nextjs", 384), ("hono", 384), ("otel", 128))
        ]
    )
    b.set(
        "perfcheck-prod-db",
        multiAz=False,
        instanceClass="db.t4g.medium",
        performanceInsightsEnabled=False,
        performanceInsightsRetentionPeriod=None,
        monitoringInterval=0,
        monitoringRoleArn=None,
        deletionProtection=False,
        backupRetentionPeriod=1,
    )
    b.set(
        "perfcheck-prod-cache",
        numCacheClusters=1,
        automaticFailoverEnabled=False,
        multiAzEnabled=False,
        nodeType="cache.t4g.micro",
    )


VARIANTS: dict[str, Any] = {
    "staging-sizes": staging,
    "vcpu-and-gb-units": lambda b: b.set("perfcheck-prod-app", cpu="1 vCPU", memory="2 GB"),
    "largest-fargate-size": lambda b: b.set("perfcheck-prod-app", cpu="16384", memory="122880"),
    "init-container-waited-on-with-success": lambda b: (
        b.edit_containers(
            lambda c: c["otel"].update(
                dependsOn=[{"containerName": "migrate", "condition": "SUCCESS"}]
            )
        )
        or b.set(
            "perfcheck-prod-app",
            containerDefinitions=json.dumps(
                [
                    *b.containers(),
                    {
                        "name": "migrate",
                        "image": b.containers()[1]["image"],
                        "essential": False,
                        "command": ["node", "dist/migrate.js"],
                    },
                ]
            ),
        )
    ),
    "redis-engine-with-redis7-group": lambda b: b.set(
        "perfcheck-prod-cache",
        engine="redis",
        engineVersion="7.1",
        parameterGroupName="default.redis7",
    ),
    "rds-default-parameter-group": lambda b: b.set(
        "perfcheck-prod-db", parameterGroupName="default.postgres16"
    ),
    "rds-retention-two-years": lambda b: b.set(
        "perfcheck-prod-db", performanceInsightsRetentionPeriod=731
    ),
    "rds-retention-three-months": lambda b: b.set(
        "perfcheck-prod-db", performanceInsightsRetentionPeriod=93
    ),
    "windows-across-midnight": lambda b: b.set(
        "perfcheck-prod-db", backupWindow="23:45-00:15", maintenanceWindow="Sat:22:00-Sat:23:00"
    ),
    "policy-as-structured-document": lambda b: b.set(
        "perfcheck-prod-task-exec-secrets",
        policy=json.loads(b.inputs("perfcheck-prod-task-exec-secrets")["policy"]),
    ),
    "deny-with-star-resource": lambda b: b.set(
        "perfcheck-prod-task-exec-secrets",
        policy=b.policy(
            {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": b.arn("secretsmanager", "secret:x-AbCdEf"),
            },
        ),
    ),
    "action-newer-than-parliament-data": lambda b: b.set(
        "perfcheck-prod-task-exec-secrets",
        policy=b.policy(
            {
                "Effect": "Allow",
                "Action": "ecs:CreateExpressGatewayService",
                "Resource": b.arn("ecs", "service/perfcheck/*"),
            }
        ),
    ),
    "key-policy-with-star-resource": lambda b: b.add(
        "aws:kms/key:Key",
        "perfcheck-prod-key",
        {
            "description": "perfcheck data key",
            "enableKeyRotation": True,
            "policy": b.policy(
                {
                    "Sid": "AccountAdmin",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        },
    ),
    "rule-dependencies-without-recorded-ids": lambda b: (
        [
            b.records[f"perfcheck-prod-{sg}-sg"]["outputs"].pop("id")
            for sg in ("alb", "app", "db", "cache")
        ]
        and b.set("perfcheck-prod-db-from-app", referencedSecurityGroupId="sg-computed-at-deploy")
    ),
    "alb-by-subnet-mappings": lambda b: b.set(
        "perfcheck-prod-alb",
        subnets=None,
        subnetMappings=[
            {"subnetId": b.out("perfcheck-prod-public-a")},
            {"subnetId": b.out("perfcheck-prod-public-b")},
        ],
    ),
    "explicit-names-at-the-limits": lambda b: (
        b.set("perfcheck-prod-alb", name="a" * 32),
        b.set("perfcheck-prod-web", namePrefix="web-"),
        b.set("perfcheck-prod-db", identifier="perfcheck-prod-db"),
        b.set("perfcheck-prod-task", name="r" * 64),
        b.set("perfcheck-prod-cdn-logs", bucket="perfcheck-prod-cdn-logs.example"),
        b.set("perfcheck-prod-redis-auth", name="perfcheck/prod/redis-auth"),
    ),
    "network-load-balancer-single-subnet": lambda b: b.set(
        "perfcheck-prod-alb",
        loadBalancerType="network",
        subnets=[b.out("perfcheck-prod-public-a")],
    ),
    "cloudfront-default-certificate-without-aliases": lambda b: b.set(
        "perfcheck-prod-cdn",
        aliases=None,
        viewerCertificate={"cloudfrontDefaultCertificate": True},
    ),
    "unknown-origin-id-at-preview": lambda b: b.inputs("perfcheck-prod-cdn")["origins"][0].update(
        originId=UNKNOWN
    ),
    "log-group-key-that-grants-logs": lambda b: _log_group_with_key(
        b, grant_logs=True, log_group="perfcheck-prod-app-logs"
    ),
    "sg-description-with-every-allowed-symbol": lambda b: b.set(
        "perfcheck-prod-alb-sg", description="a-Z 0.9_:/()#,@[]+=&;{}!$*"
    ),
}


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_valid_variants_have_no_findings(variant: str, prod: StackBuilder) -> None:
    VARIANTS[variant](prod)
    assert [str(f) for f in prod.findings()] == []
