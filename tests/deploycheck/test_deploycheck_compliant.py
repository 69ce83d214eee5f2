"""Resources that AWS accepts produce no finding (false positives are bugs).

VARIANTS are valid edits of the real prod program (captured once per session, clean as
registered: test_deploycheck_delivery.py::test_the_stacks_are_clean), judged in groups of edits
to disjoint records, one evaluation of the pack per group.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from conftest import findings_of_groups
from test_deploycheck_cases import _log_group_with_key

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import ProgramStack


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
    "rds-default-parameter-group": lambda b: b.set(
        "database-instance", parameterGroupName="default.postgres17"
    ),
    # A group made outside the stack: its family is not known here, so it is not judged.
    "cache-parameter-group-made-elsewhere": lambda b: b.set(
        "cache-group", parameterGroupName="shared-redis7-params"
    ),
    # A first deploy: the groups' ids are computed, and a rule names one by a value the engine
    # resolves only then; the rule's dependency still ties it to a group of the stack.
    "rule-dependencies-without-recorded-ids": lambda b: (
        [
            b.drop_outputs(name, "id", "arn", "name")
            for name in ("network-database-sg", "network-db-proxy-sg")
        ],
        b.set("network-database-from-proxy", referencedSecurityGroupId="sg-computed-at-deploy"),
    ),
    "alb-by-subnet-mappings": lambda b: b.set(
        "load-balancer-alb",
        subnets=None,
        subnetMappings=[{"subnetId": s} for s in b.out("network-vpc", "privateSubnetIds")],
    ),
}


def _network_load_balancer_in_one_subnet(b: ProgramStack) -> None:
    b.set(
        "load-balancer-alb",
        loadBalancerType="network",
        subnets=b.out("network-vpc", "privateSubnetIds")[:1],
        dropInvalidHeaderFields=None,
        desyncMitigationMode=None,
        xffHeaderProcessingMode=None,
        enableHttp2=None,
    )
    b.set("load-balancer-http", protocol="TCP")


VARIANTS["network-load-balancer-single-subnet"] = _network_load_balancer_in_one_subnet


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
    found = findings_of_groups(program, VARIANTS)
    assert found == [], "\n".join(found)
