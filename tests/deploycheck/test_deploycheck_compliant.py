"""Resources that AWS accepts produce no finding (false positives are bugs).

VARIANTS are valid edits of the real prod program (captured once per session, clean as
registered: test_deploycheck_delivery.py::test_the_stacks_are_clean), judged in groups of edits
to disjoint records, one evaluation of the pack per group. SYNTHETIC_VARIANTS edit the
hand-built stack (conftest.py `prod`) for shapes the program does not register (explicit
subnets, a network load balancer, a default parameter group by name).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from test_deploycheck_cases import _log_group_with_key

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import ProgramStack, StackBuilder


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


def staging(b: ProgramStack) -> None:
    """Staging: small and single-AZ, still deployable."""
    b.set("web-task", cpu="512", memory="1024")
    b.edit_containers(
        lambda c: [
            c[n].update(memoryReservation=m)
            for n, m in (("nextjs", 384), ("hono", 384), ("otel", 128))
        ]
    )
    b.set(
        "database-instance",
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
        "cache-group",
        numCacheClusters=1,
        automaticFailoverEnabled=False,
        multiAzEnabled=False,
        nodeType="cache.t4g.micro",
    )


VARIANTS: dict[str, Any] = {
    "staging-sizes": staging,
    "vcpu-and-gb-units": lambda b: b.set("web-task", cpu="1 vCPU", memory="2 GB"),
    "largest-fargate-size": lambda b: b.set("web-task", cpu="16384", memory="122880"),
    "init-container-waited-on-with-success": lambda b: (
        b.edit_containers(
            lambda c: c["otel"].update(
                dependsOn=[{"containerName": "migrate", "condition": "SUCCESS"}]
            )
        )
        or b.set(
            "web-task",
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
        "cache-group",
        engine="redis",
        engineVersion="7.1",
        parameterGroupName="default.redis7",
    ),
    "rds-retention-two-years": lambda b: b.set(
        "database-instance", performanceInsightsRetentionPeriod=731
    ),
    "rds-retention-three-months": lambda b: b.set(
        "database-instance", performanceInsightsRetentionPeriod=93
    ),
    "windows-across-midnight": lambda b: b.set(
        "database-instance", backupWindow="23:45-00:15", maintenanceWindow="Sat:22:00-Sat:23:00"
    ),
    "policy-as-structured-document": lambda b: b.set(
        "web-execution-policy",
        policy=json.loads(b.inputs("web-execution-policy")["policy"]),
    ),
    "deny-with-star-resource": lambda b: b.set(
        "web-execution-policy",
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
        "web-execution-policy",
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
    "explicit-names-at-the-limits": lambda b: (
        b.set("load-balancer-alb", name="a" * 32),
        b.set("load-balancer-tg-blue", namePrefix="web-"),
        b.set("database-instance", identifier="database-instance"),
        b.set("web-task-role", name="r" * 64),
        b.set("cdn-logs", bucket="perfcheck-prod-cdn-logs.example"),
        b.set("app-secrets-redis-auth-token", name="perfcheck/prod/redis-auth"),
    ),
    "cloudfront-default-certificate-without-aliases": lambda b: b.set(
        "cdn-distribution",
        aliases=None,
        viewerCertificate={"cloudfrontDefaultCertificate": True},
    ),
    "unknown-origin-id-at-preview": lambda b: b.inputs("cdn-distribution")["origins"][0].update(
        originId=UNKNOWN
    ),
    "log-group-key-that-grants-logs": lambda b: _log_group_with_key(
        b, grant_logs=True, log_group="web-nextjs-logs"
    ),
    "sg-description-with-every-allowed-symbol": lambda b: b.set(
        "network-lb-sg", description="a-Z 0.9_:/()#,@[]+=&;{}!$*"
    ),
}


SYNTHETIC_VARIANTS: dict[str, Any] = {
    "rds-default-parameter-group": lambda b: b.set(
        "perfcheck-prod-db", parameterGroupName="default.postgres16"
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
    "network-load-balancer-single-subnet": lambda b: b.set(
        "perfcheck-prod-alb",
        loadBalancerType="network",
        subnets=[b.out("perfcheck-prod-public-a")],
    ),
}


def _groups(program: ProgramStack) -> list[list[str]]:
    """VARIANTS grouped so that no two of a group edit the same record (one evaluation each)."""
    groups: list[tuple[set[str], list[str]]] = []
    for name, edit in VARIANTS.items():
        alone = type(program)(program.base)
        edit(alone)
        group = next((g for g in groups if not g[0] & alone.touched), None)
        if group is None:
            groups.append((set(alone.touched), [name]))
        else:
            group[0].update(alone.touched)
            group[1].append(name)
    return [names for _, names in groups]


def test_the_program_is_checked_at_all(program: ProgramStack) -> None:
    """The program is clean because it is right, not because nothing looked at it."""
    from perfcheck_deploy.registry import CHECKS_BY_TYPE

    judged = {record.type for record in program.base.resources} & set(CHECKS_BY_TYPE)
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


def test_valid_variants_of_the_program_have_no_findings(program: ProgramStack) -> None:
    """Property: no check reports a value AWS accepts (each group of VARIANTS judged once)."""
    found = []
    for names in _groups(program):
        stack = type(program)(program.base)
        for name in names:
            VARIANTS[name](stack)
            assert stack.touched, f"variant {name} edits nothing"
        found += [f"{names}: {f}" for f in stack.findings()]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("variant", SYNTHETIC_VARIANTS, ids=list(SYNTHETIC_VARIANTS))
def test_valid_variants_have_no_findings(variant: str, prod: StackBuilder) -> None:
    SYNTHETIC_VARIANTS[variant](prod)
    assert [str(f) for f in prod.findings()] == []
