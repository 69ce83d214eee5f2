"""One deliberately wrong resource per case, each producing the finding AWS would give.

Every case in CASES starts from the real prod program as registered under the project's mocks
(captured once per session; clean, see test_deploycheck_delivery.py::test_the_stacks_are_clean),
breaks one thing, and expects exactly the listed check ids, read back through the deploy pack.
On the real program a mistake shows what it really sets off: a task whose containers cannot be
read leaves the image and telemetry endpoints without a caller, for instance.

A shape the program does not register (an ACM certificate, an HTTPS listener, plain subnets, a
proxy reading an auth secret) is a mutation that adds it: every case still starts from the
program.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import ProgramStack
from perfcheck_deploy import CHECK_IDS, Finding

Stack = ProgramStack

TASK = "web-task"
"""The program's application task definition (nextjs, hono and the collector)."""


@dataclass(frozen=True)
class Case:
    id: str
    check_id: str
    resource: str
    path: str
    """A fragment the finding's property path must contain."""
    mutate: Callable[[Stack], None]
    also: frozenset[str] = field(default_factory=frozenset)
    """Other check ids the same mistake legitimately triggers."""
    says: str = ""
    """A fragment the finding's AWS message must contain."""
    alone: bool = False
    """Its mistake sets off `also` findings on records it does not edit: judged on its own."""


def _arn(service: str, resource: str, region: str = "eu-west-1") -> str:
    return f"arn:aws:{service}:{region}:123456789012:{resource}"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(**statement: Any) -> str:
    """A trust policy for ECS tasks with these statement elements."""
    return _policy(
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, **statement}
    )


def _arns(service: str, prefix: str, count: int) -> list[str]:
    """`count` distinct ARNs of one service (a document that grows past an IAM quota)."""
    return [_arn(service, f"{prefix}{n:04d}-{'x' * 40}") for n in range(count)]


def containers(edit: Callable[[dict], None]) -> Callable[[Stack], None]:
    return lambda b: b.edit_containers(edit)


def role_policy(document: str) -> Callable[[Stack], None]:
    return lambda b: b.set("web-execution-policy", policy=document)


def rename(old: str, new: str) -> Callable[[Stack], None]:
    """Give a resource another logical name (what Pulumi auto-names from)."""

    def apply(b: Stack) -> None:
        b.rename(old, new)

    return apply


def behaviour(key: str, value: str, which: str = "default") -> Callable[[Stack], None]:
    def apply(b: Stack) -> None:
        inputs = b.inputs("cdn-distribution")
        target = (
            inputs["defaultCacheBehavior"]
            if which == "default"
            else inputs["orderedCacheBehaviors"][int(which)]
        )
        target[key] = value

    return apply


def _log_group_with_key(b: Stack, grant_logs: bool, log_group: str = "web-nextjs-logs") -> None:
    """Encrypt the app's log group with a key of this stack, with or without the logs grant."""
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    statements = [{**root, "Action": "kms:*", "Resource": "*"}]
    if grant_logs:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
    key_arn = _arn("kms", "key/0b7e5f5e-1111-4222-8333-444455556666")
    b.add(
        "aws:kms/key:Key",
        "perfcheck-prod-logs-key",
        {"policy": _policy(*statements)},
        outputs={"arn": key_arn},
    )
    b.set(log_group, kmsKeyId=key_arn)


def _pop(mapping: dict, key: str) -> None:
    mapping.pop(key)


def _network_then(*drop: str) -> Callable[[Stack], None]:
    """The proxy reading its auth secret (test_reachability.net), then some records removed."""

    def apply(b: Stack) -> None:
        from test_reachability import proxy_reads_its_secret

        proxy_reads_its_secret(b)
        for name in drop:
            b.remove(name)

    return apply


def _certificate(b: Stack, region: str | None) -> str:
    """An ACM certificate for the site's name, in `region` (None: the provider's); its ARN."""
    name = f"site-certificate-{region or 'provider'}"
    certificate_arn = b.arn("acm", f"certificate/{name}", region or b.REGION)
    inputs = {"domainName": "perfcheck.example.com", "validationMethod": "DNS"}
    b.add(
        "aws:acm/certificate:Certificate",
        name,
        {**inputs, **({"region": region} if region else {})},
        outputs={"arn": certificate_arn},
    )
    return certificate_arn


def _viewer_certificate(region: str | None, **viewer: Any) -> Callable[[Stack], None]:
    """CloudFront serves the site's name with an ACM certificate made in `region`."""

    def apply(b: Stack) -> None:
        certificate_arn = _certificate(b, region)
        b.set(
            "cdn-distribution",
            aliases=["perfcheck.example.com"],
            viewerCertificate={
                "acmCertificateArn": certificate_arn,
                "minimumProtocolVersion": "TLSv1.2_2021",
                **viewer,
            },
        )

    return apply


def _https_listener(b: Stack, **changes: Any) -> None:
    """The program's listener turned into an HTTPS one on 443 (with a regional certificate)."""
    b.set(
        "load-balancer-http",
        protocol="HTTPS",
        port=443,
        sslPolicy="ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        certificateArn=_certificate(b, None),
    )
    b.set("load-balancer-http", **changes)


def _task_policy_with(statement: dict[str, Any]) -> Callable[[Stack], None]:
    """One more statement in the task role's policy (the rest keeps the role's calls)."""

    def apply(b: Stack) -> None:
        document = json.loads(b.inputs("web-task-policy")["policy"])
        document["Statement"].append(statement)
        b.set("web-task-policy", policy=json.dumps(document))

    return apply


def _alb_in_one_zone(b: Stack) -> None:
    """The load balancer moved to two plain subnets, both in eu-west-1a."""
    vpc = b.out("network-vpc", "vpcId")
    ids = []
    for n in (1, 2):
        ids.append(f"subnet-0samezone00000000{n}")
        b.add(
            "aws:ec2/subnet:Subnet",
            f"same-zone-{n}",
            {"vpcId": vpc, "cidrBlock": f"10.30.{210 + n}.0/24", "availabilityZone": "eu-west-1a"},
            outputs={"id": ids[-1]},
        )
    b.set("load-balancer-alb", subnets=ids)


CASES = [
    Case(
        "sg-description-apostrophe",
        "ec2-description-characters",
        "network-lb-sg",
        "description",
        lambda b: b.set("network-lb-sg", description="Load balancer: CloudFront's only"),
        says="Invalid security group description",
    ),
    Case(
        "log-group-key-without-logs-grant",
        "kms-key-grants-logs",
        "web-nextjs-logs",
        "kmsKeyId",
        lambda b: _log_group_with_key(b, grant_logs=False),
        says="not allowed to be used",
    ),
    # --- ECS task definition -------------------------------------------------------------
    Case(
        "cpu-as-string",
        "ecs-container-definition-shape",
        TASK,
        "containerDefinitions[0].cpu",
        containers(lambda c: c["nextjs"].update(cpu="256")),
        says="must be an integer",
    ),
    Case(
        "misspelt-key",
        "ecs-container-definition-shape",
        TASK,
        "containerDefinitions[1].readonlyRootFs",
        containers(
            lambda c: c["hono"].update(readonlyRootFs=c["hono"].pop("readonlyRootFilesystem"))
        ),
        says="drops keys",
        # The hardening rule's finding is noted by the guardrails pack, not this one.
    ),
    Case(
        "protocol-enum",
        "ecs-container-definition-shape",
        TASK,
        "portMappings[0].protocol",
        containers(lambda c: c["nextjs"]["portMappings"][0].update(protocol="TCP")),
        says="tcp, udp",
    ),
    Case(
        "health-check-without-command",
        "ecs-container-definition-shape",
        TASK,
        "containerDefinitions[2].healthCheck.command",
        containers(lambda c: _pop(c["otel"]["healthCheck"], "command")),
        says="is required",
    ),
    Case(
        "essential-as-string",
        "ecs-container-definition-shape",
        TASK,
        "essential",
        containers(lambda c: c["otel"].update(essential="true")),
    ),
    Case(
        "compatibility-enum",
        "ecs-task-definition-shape",
        TASK,
        "requiresCompatibilities[1]",
        lambda b: b.set(TASK, requiresCompatibilities=["FARGATE", "LAMBDA"]),
    ),
    Case(
        "architecture-enum",
        "ecs-task-definition-shape",
        TASK,
        "runtimePlatform.cpuArchitecture",
        lambda b: b.set(
            TASK, runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "AARCH64"}
        ),
    ),
    Case(
        "health-check-interval",
        "ecs-container-rules",
        TASK,
        "healthCheck.interval",
        containers(lambda c: c["hono"]["healthCheck"].update(interval=1)),
        says="outside 5-300",
    ),
    Case(
        "health-check-without-cmd",
        "ecs-container-rules",
        TASK,
        "healthCheck.command[0]",
        containers(
            lambda c: c["nextjs"]["healthCheck"].update(
                command=["curl", "-f", "http://localhost:3000/api/health"]
            )
        ),
    ),
    Case(
        "duplicate-container-name",
        "ecs-container-rules",
        TASK,
        "containerDefinitions[2].name",
        containers(lambda c: c["otel"].update(name="hono")),
        also=frozenset({"ecs-depends-on"}),
    ),
    Case(
        "missing-image",
        "ecs-container-rules",
        TASK,
        "containerDefinitions[1].image",
        containers(lambda c: _pop(c["hono"], "image")),
    ),
    Case(
        "no-essential-container",
        "ecs-container-rules",
        TASK,
        "containerDefinitions",
        containers(lambda c: [x.update(essential=False) for x in c.values()]),
    ),
    Case(
        "fargate-pair",
        "ecs-fargate-size",
        TASK,
        "cpu/memory",
        lambda b: b.set(TASK, cpu="1024", memory="1024"),
        says="memory 1024 MiB does not fit cpu 1024",
        also=frozenset(),
    ),
    Case(
        "fargate-missing-memory",
        "ecs-fargate-size",
        TASK,
        "memory",
        lambda b: b.set(TASK, memory=None),
    ),
    Case(
        "fargate-bridge",
        "ecs-fargate-compatibility",
        TASK,
        "networkMode",
        lambda b: b.set(TASK, networkMode="bridge"),
    ),
    Case(
        "fargate-host-port",
        "ecs-fargate-compatibility",
        TASK,
        "portMappings[0].hostPort",
        containers(lambda c: c["nextjs"]["portMappings"][0].update(hostPort=80)),
    ),
    Case(
        "fargate-privileged",
        "ecs-fargate-compatibility",
        TASK,
        "privileged",
        containers(lambda c: c["otel"].update(privileged=True)),
    ),
    Case(
        "fargate-log-driver",
        "ecs-fargate-compatibility",
        TASK,
        "logConfiguration.logDriver",
        containers(lambda c: c["hono"]["logConfiguration"].update(logDriver="json-file")),
    ),
    Case(
        "fargate-stop-timeout",
        "ecs-fargate-compatibility",
        TASK,
        "stopTimeout",
        containers(lambda c: c["nextjs"].update(stopTimeout=300)),
    ),
    Case(
        "depends-on-missing",
        "ecs-depends-on",
        TASK,
        "dependsOn[0].containerName",
        containers(lambda c: c["nextjs"]["dependsOn"][0].update(containerName="api")),
    ),
    Case(
        "depends-on-cycle",
        "ecs-depends-on",
        TASK,
        "dependsOn",
        containers(
            lambda c: c["otel"].update(
                dependsOn=[{"containerName": "nextjs", "condition": "START"}]
            )
        ),
        says="hono -> otel -> nextjs -> hono",
    ),
    Case(
        "complete-on-essential",
        "ecs-depends-on",
        TASK,
        "dependsOn[0].condition",
        containers(lambda c: c["hono"]["dependsOn"][0].update(condition="SUCCESS")),
        says="essential",
    ),
    Case(
        "port-name-uppercase",
        "ecs-port-mappings",
        TASK,
        "portMappings[0].name",
        containers(lambda c: c["nextjs"]["portMappings"][0].update(name="Nextjs-HTTP")),
    ),
    # --- Names after auto-naming ---------------------------------------------------------
    Case(
        "alb-autoname-too-long",
        "name-load-balancer",
        "perfcheck-production-public-alb",
        "name",
        rename("load-balancer-alb", "perfcheck-production-public-alb"),
        says="maximum is 32",
    ),
    Case(
        "alb-internal-prefix",
        "name-load-balancer",
        "load-balancer-alb",
        "name",
        lambda b: b.set("load-balancer-alb", name="internal-perfcheck"),
        says="internal-",
    ),
    Case(
        "target-group-prefix",
        "name-target-group",
        "load-balancer-tg-blue",
        "namePrefix",
        lambda b: b.set("load-balancer-tg-blue", namePrefix="perfweb"),
    ),
    Case(
        "target-group-underscore",
        "name-target-group",
        "load-balancer-tg-blue",
        "name",
        lambda b: b.set("load-balancer-tg-blue", name="perfcheck_prod_web"),
        also=frozenset({"in-use-name"}),  # any fixed name blocks create-before-delete
    ),
    Case(
        "rds-double-hyphen",
        "name-rds-identifier",
        "database-instance",
        "identifier",
        lambda b: b.set("database-instance", identifier="perfcheck--prod-db"),
    ),
    Case(
        "iam-role-name-space",
        "name-iam-role",
        "web-task-role",
        "name",
        lambda b: b.set("web-task-role", name="perfcheck prod task"),
    ),
    Case(
        "iam-role-prefix-too-long",
        "name-iam-role",
        "web-task-role",
        "namePrefix",
        lambda b: b.set("web-task-role", namePrefix="perfcheck-" * 4),
    ),
    Case(
        "bucket-uppercase",
        "name-s3-bucket",
        "cdn-logs",
        "bucket",
        lambda b: b.set("cdn-logs", bucket="Perfcheck_CDN_Logs"),
    ),
    Case(
        # The CDN log bucket is named by a prefix with the stack's name (components/cdn.py): a
        # 20-character stack name makes it 40 of the 37 characters a prefix may have.
        "bucket-prefix-too-long",
        "name-s3-bucket",
        "cdn-logs",
        "bucketPrefix",
        lambda b: b.set("cdn-logs", bucketPrefix="perfcheck-a-twenty-char-stack-cdn-logs-"),
    ),
    Case(
        "log-group-space",
        "name-log-group",
        "web-nextjs-logs",
        "name",
        lambda b: b.set("web-nextjs-logs", name="/ecs/perfcheck prod/app"),
    ),
    Case(
        "log-group-reserved",
        "name-log-group",
        "web-nextjs-logs",
        "name",
        lambda b: b.set("web-nextjs-logs", name="aws/ecs/perfcheck"),
    ),
    Case(
        "secret-name-chars",
        "name-secret",
        "app-secrets-revalidate-secret",
        "name",
        lambda b: b.set("app-secrets-revalidate-secret", name="perfcheck/prod/revalidate#1"),
    ),
    # --- RDS -----------------------------------------------------------------------------
    Case(
        "rds-graviton-old-postgres",
        "rds-instance-class",
        "database-instance",
        "instanceClass",
        lambda b: b.set("database-instance", engineVersion="11.22"),
        also=frozenset({"rds-parameter-group-family"}),
    ),
    Case(
        "rds-malformed-class",
        "rds-instance-class",
        "database-instance",
        "instanceClass",
        lambda b: b.set("database-instance", instanceClass="r7g.large"),
    ),
    Case(
        "rds-retired-class",
        "rds-instance-class",
        "database-instance",
        "instanceClass",
        lambda b: b.set("database-instance", instanceClass="db.m1.small"),
    ),
    Case(
        "mysql-micro-performance-insights",
        "rds-instance-class",
        "database-instance",
        "performanceInsightsEnabled",
        lambda b: b.set(
            "database-instance",
            engine="mysql",
            engineVersion="8.0.39",
            instanceClass="db.t3.micro",
            parameterGroupName=None,
        ),
    ),
    Case(
        "rds-pi-retention",
        "rds-performance-insights-retention",
        "database-instance",
        "performanceInsightsRetentionPeriod",
        lambda b: b.set("database-instance", performanceInsightsRetentionPeriod=30),
    ),
    Case(
        "rds-windows-overlap",
        "rds-windows",
        "database-instance",
        "backupWindow/maintenanceWindow",
        lambda b: b.set("database-instance", backupWindow="03:30-04:15"),
    ),
    Case(
        "rds-maintenance-format",
        "rds-windows",
        "database-instance",
        "maintenanceWindow",
        lambda b: b.set("database-instance", maintenanceWindow="sunday:03:00-sunday:04:00"),
    ),
    Case(
        "rds-backup-too-short",
        "rds-windows",
        "database-instance",
        "backupWindow",
        lambda b: b.set("database-instance", backupWindow="02:00-02:15"),
    ),
    Case(
        "rds-monitoring-without-role",
        "rds-monitoring",
        "database-instance",
        "monitoringRoleArn",
        lambda b: b.set("database-instance", monitoringRoleArn=None),
    ),
    Case(
        "rds-monitoring-interval",
        "rds-monitoring",
        "database-instance",
        "monitoringInterval",
        lambda b: b.set("database-instance", monitoringInterval=45),
    ),
    Case(
        "rds-role-without-interval",
        "rds-monitoring",
        "database-instance",
        "monitoringInterval",
        lambda b: b.set("database-instance", monitoringInterval=0),
    ),
    # --- ElastiCache ---------------------------------------------------------------------
    Case(
        "failover-one-node",
        "elasticache-failover",
        "cache-group",
        "numCacheClusters",
        lambda b: b.set("cache-group", numCacheClusters=1),
    ),
    Case(
        "failover-default-one-node",
        "elasticache-failover",
        "cache-group",
        "numCacheClusters",
        lambda b: b.set("cache-group", numCacheClusters=None),
    ),
    Case(
        "multi-az-without-failover",
        "elasticache-failover",
        "cache-group",
        "multiAzEnabled",
        lambda b: b.set("cache-group", automaticFailoverEnabled=False),
    ),
    Case(
        "auth-without-tls",
        "elasticache-auth-token",
        "cache-group",
        "transitEncryptionEnabled",
        lambda b: b.set("cache-group", transitEncryptionEnabled=False, transitEncryptionMode=None),
    ),
    Case(
        "auth-token-short",
        "elasticache-auth-token",
        "cache-group",
        "authToken",
        lambda b: b.set("cache-group", authToken=b.secret(b.token(12))),
        says="it has 12",
    ),
    Case(
        "auth-token-forbidden-chars",
        "elasticache-auth-token",
        "cache-group",
        "authToken",
        lambda b: b.set("cache-group", authToken=b.secret(b.token(40, "@/"))),
        says="'/', '@'",
    ),
    Case(
        "valkey-previous-generation",
        "elasticache-node-type",
        "cache-group",
        "nodeType",
        lambda b: b.set("cache-group", nodeType="cache.m4.large"),
    ),
    Case(
        "r6gd-without-tiering",
        "elasticache-node-type",
        "cache-group",
        "dataTieringEnabled",
        lambda b: b.set("cache-group", nodeType="cache.r6gd.xlarge"),
    ),
    Case(
        "old-redis-on-graviton",
        "elasticache-node-type",
        "cache-group",
        "nodeType",
        lambda b: b.set(
            "cache-group",
            engine="redis",
            engineVersion="5.0.0",
            parameterGroupName="default.redis5.0",
        ),
    ),
    Case(
        "cache-family-mismatch",
        "elasticache-parameter-group-family",
        "cache-group",
        "parameterGroupName",
        lambda b: b.set("cache-params", family="redis7"),
        says="valkey8",
    ),
    Case(  # an AWS default group is read by its name, cluster-mode suffix apart
        "cache-default-group-family-mismatch",
        "elasticache-parameter-group-family",
        "cache-group",
        "parameterGroupName",
        lambda b: b.set("cache-group", parameterGroupName="default.redis7.cluster.on"),
        says="(family redis7)",
    ),
    Case(
        "cache-maintenance-short",
        "elasticache-windows",
        "cache-group",
        "maintenanceWindow",
        lambda b: b.set("cache-group", maintenanceWindow="sun:05:30-sun:06:00"),
    ),
    Case(
        "cache-windows-overlap",
        "elasticache-windows",
        "cache-group",
        "snapshotWindow/maintenanceWindow",
        lambda b: b.set("cache-group", snapshotWindow="05:00-06:00"),
    ),
    # --- CloudFront ----------------------------------------------------------------------
    Case(
        "target-origin-missing",
        "cloudfront-origin-ids",
        "cdn-distribution",
        "orderedCacheBehaviors[0].targetOriginId",
        behaviour("targetOriginId", "static-assets", "0"),
    ),
    Case(
        "cache-policy-unknown",
        "cloudfront-policy-ids",
        "cdn-distribution",
        "orderedCacheBehaviors[1].cachePolicyId",
        behaviour("cachePolicyId", "11111111-2222-4333-8444-555555555555", "1"),
    ),
    Case(
        "origin-request-policy-wrong-kind",
        "cloudfront-policy-ids",
        "cdn-distribution",
        "defaultCacheBehavior.originRequestPolicyId",
        behaviour("originRequestPolicyId", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
        says="CachingDisabled",
    ),
    Case(
        "cdn-cert-literal-arn-region",
        "cloudfront-certificate",
        "cdn-distribution",
        "viewerCertificate.acmCertificateArn",
        lambda b: b.inputs("cdn-distribution")["viewerCertificate"].update(
            acmCertificateArn=b.arn("acm", "certificate/aaaa-bbbb", "eu-central-1")
        ),
        says="eu-central-1",
    ),
    Case(
        "listener-protocol",
        "alb-listener",
        "load-balancer-http",
        "protocol",
        lambda b: b.set("load-balancer-http", protocol="HTTP2"),
    ),
    # --- IAM -----------------------------------------------------------------------------
    Case(
        "policy-not-json",
        "iam-policy-document",
        "web-execution-policy",
        "policy",
        role_policy('{"Version": "2012-10-17", "Statement": [}'),
    ),
    Case(
        "policy-bad-version",
        "iam-policy-document",
        "web-execution-policy",
        "policy",
        role_policy(
            json.dumps(
                {
                    "Version": "2012-10-18",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "kms:Decrypt",
                            "Resource": _arn("kms", "key/x"),
                        }
                    ],
                }
            )
        ),
    ),
    Case(
        "policy-unknown-action",
        "iam-policy-actions",
        "web-execution-policy",
        "policy",
        role_policy(
            _policy(
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValues",
                    "Resource": _arn("secretsmanager", "secret:x-AbCdEf"),
                }
            )
        ),
        says="secretsmanager:GetSecretValues",
    ),
    Case(
        "policy-unknown-service",
        "iam-policy-actions",
        "web-execution-policy",
        "policy",
        role_policy(
            _policy(
                {
                    "Effect": "Allow",
                    "Action": "secretmanager:GetSecretValue",
                    "Resource": _arn("secretsmanager", "secret:x-AbCdEf"),
                }
            )
        ),
    ),
    Case(
        "trust-with-resource",
        "iam-trust-policy",
        "web-execution-role",
        "Resource",
        lambda b: b.set(
            "web-execution-role",
            assumeRolePolicy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                }
            ),
        ),
    ),
    Case(
        "trust-with-not-resource",
        "iam-trust-policy",
        "web-execution-role",
        "Resource",
        lambda b: b.set(
            "web-execution-role",
            assumeRolePolicy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "NotResource": "arn:aws:iam::123456789012:role/other",
                }
            ),
        ),
    ),
    Case(
        "trust-without-principal",
        "iam-trust-policy",
        "web-execution-role",
        "Principal",
        lambda b: b.set(
            "web-execution-role",
            assumeRolePolicy=_policy({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        ),
    ),
    Case(
        "trust-action-star",
        "iam-trust-policy",
        "web-execution-role",
        "Action",
        lambda b: b.set("web-execution-role", assumeRolePolicy=_trust(Action="*")),
        says="every matching STS action",
    ),
    Case(
        "trust-action-sts-wildcard",
        "iam-trust-policy",
        "web-task-role",
        "Action",
        lambda b: b.set("web-task-role", assumeRolePolicy=_trust(Action="sts:Assume*")),
        says="every matching STS action",
    ),
    Case(
        "trust-not-action",
        "iam-trust-policy",
        "database-roles-task-role",
        "NotAction",
        lambda b: b.set("database-roles-task-role", assumeRolePolicy=_trust(NotAction="iam:*")),
    ),
    Case(
        "trust-over-iam-quota",
        "iam-policy-size",
        "database-roles-execution-role",
        "assumeRolePolicy",
        lambda b: b.set(
            "database-roles-execution-role",
            assumeRolePolicy=_trust(
                Action="sts:AssumeRole",
                Condition={"ArnLike": {"aws:SourceArn": _arns("ecs", "task/perfcheck/", 40)}},
            ),
        ),
        says="IAM allows 2048",
    ),
    Case(
        "inline-policies-of-a-role-over-iam-quota-together",
        "iam-policy-size",
        "web-execution-role",
        "inlinePolicies",
        role_policy(
            _policy(
                {
                    "Effect": "Allow",
                    "Action": "logs:PutLogEvents",
                    "Resource": _arns("logs", "log-group:perfcheck-prod-", 160),
                }
            )
        ),
        says="IAM allows 10240",
    ),
    Case(
        "managed-policy-over-iam-quota",
        "iam-policy-size",
        "oversized-managed-policy",
        "policy",
        lambda b: b.add(
            "aws:iam/policy:Policy",
            "oversized-managed-policy",
            {
                "policy": _policy(
                    {
                        "Effect": "Allow",
                        "Action": "logs:PutLogEvents",
                        "Resource": _arns("logs", "log-group:perfcheck-prod-", 100),
                    }
                )
            },
        ),
        says="IAM allows 6144",
    ),
    Case(
        "trust-non-sts-action",
        "iam-trust-policy",
        "web-execution-role",
        "Action",
        lambda b: b.set(
            "web-execution-role",
            assumeRolePolicy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "ecs:RunTask",
                }
            ),
        ),
    ),
    Case(
        "trust-misspelt-action",
        "iam-policy-actions",
        "web-execution-role",
        "Action",
        lambda b: b.set(
            "web-execution-role",
            assumeRolePolicy=_policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRol",
                }
            ),
        ),
    ),
    Case(
        "trust-not-json",
        "iam-policy-document",
        "web-execution-role",
        "assumeRolePolicy",
        lambda b: b.set("web-execution-role", assumeRolePolicy="{'Version': '2012-10-17'}"),
    ),
    # --- Security group references -------------------------------------------------------
    Case(
        "inline-rule-foreign-group",
        "sg-reference",
        "network-database-sg",
        "ingress[0].securityGroups[0]",
        lambda b: b.set(
            "network-database-sg",
            ingress=[
                {
                    "protocol": "tcp",
                    "fromPort": 5432,
                    "toPort": 5432,
                    "securityGroups": ["sg-0fedcba9876543210"],
                }
            ],
        ),
    ),
    Case(
        "json-broken",
        "ecs-container-definitions-json",
        TASK,
        "containerDefinitions",
        lambda b: b.set(TASK, containerDefinitions='[{"name": "nextjs",'),
        also=frozenset({"endpoint-without-caller"}),  # no container: the endpoints lose callers
        alone=True,
    ),
    Case(
        "json-not-a-list",
        "ecs-container-definitions-json",
        TASK,
        "containerDefinitions",
        lambda b: b.set(TASK, containerDefinitions=json.dumps({"name": "nextjs"})),
        also=frozenset({"endpoint-without-caller"}),
        alone=True,
    ),
    Case(
        "duplicate-port",
        "ecs-port-mappings",
        TASK,
        "containerDefinitions[1].portMappings[0]",
        containers(
            lambda c: c["hono"]["portMappings"][0].update(containerPort=3000, hostPort=3000)
        ),
    ),
    Case(
        "rds-family-mismatch",
        "rds-parameter-group-family",
        "database-instance",
        "parameterGroupName",
        lambda b: b.set("database-params", family="postgres15"),
        says="DBParameterGroupFamily postgres15",
    ),
]


def _validation(region: str | None) -> Callable[[Stack], None]:
    """A validation of CloudFront's us-east-1 certificate left in the provider's region
    (eu-west-1, found by the engine's dependency), or given another `region` (found by ARN)."""

    def apply(b: Stack) -> None:
        inputs = {"certificateArn": _certificate(b, "us-east-1")}
        if region is not None:
            inputs["region"] = region
        b.add(
            "aws:acm/certificateValidation:CertificateValidation",
            "site-certificate-validation",
            inputs,
            deps={} if region else {"certificateArn": ["site-certificate-us-east-1"]},
        )

    return apply


CASES += [
    Case(
        "certificate-validated-in-the-providers-region",
        "acm-validation-region",
        "site-certificate-validation",
        "region",
        _validation(None),
        says="waits in eu-west-1 for a certificate ACM has only in us-east-1",
    ),
    Case(
        "certificate-validated-in-a-third-region-by-arn",
        "acm-validation-region",
        "site-certificate-validation",
        "region",
        _validation("eu-central-1"),
        says="waits in eu-central-1 for a certificate ACM has only in us-east-1",
    ),
    Case(
        "proxy-in-isolated-subnets-without-endpoint",
        "reachability-no-path",
        "database-proxy",
        "vpcSubnetIds",
        _network_then("network-endpoint-secretsmanager"),
        says="no NAT route",
    ),
    Case(
        "endpoint-group-does-not-admit-the-proxy",
        "reachability-endpoint-sg",
        "database-proxy",
        "vpcSubnetIds",
        _network_then("kms-from-proxy"),
        says="do not admit",
    ),
    Case(
        "private-dns-endpoint-in-a-vpc-without-dns-hostnames",
        "vpc-endpoint-private-dns",
        "network-endpoint-secretsmanager",
        "privateDnsEnabled",
        lambda b: b.set("network-vpc", enableDnsHostnames=False),
        says="enableDnsHostnames off",
        alone=True,  # every endpoint of the VPC is refused, not only the one named here
        also=frozenset({"vpc-endpoint-private-dns"}),
    ),
    Case(
        "containers-exceed-task",
        "ecs-fargate-size",
        TASK,
        "containerDefinitions[*].memory",
        containers(lambda c: c["otel"].update(memoryReservation=4096)),
    ),
    Case(
        "healthy-without-health-check",
        "ecs-depends-on",
        TASK,
        "dependsOn[0].condition",
        containers(lambda c: _pop(c["hono"], "healthCheck")),
    ),
    Case(
        "duplicate-port-name",
        "ecs-port-mappings",
        TASK,
        "portMappings[1].name",
        containers(
            lambda c: c["nextjs"]["portMappings"].append(
                {"name": "nextjs-http", "containerPort": 3001, "hostPort": 3001, "protocol": "tcp"}
            )
        ),
    ),
    Case(
        "rds-uppercase-logical-name",
        "name-rds-identifier",
        "database-Instance",
        "identifier",
        lambda b: (
            b.set("database-instance", identifier=None),
            b.rename("database-instance", "database-Instance"),
        ),
        says="lowercase",
    ),
    Case(
        "cache-autoname-too-long",
        "name-elasticache-replication-group",
        "perfcheck-production-session-cache-valkey",
        "replicationGroupId",
        lambda b: (
            b.set("cache-group", replicationGroupId=None),
            b.rename("cache-group", "perfcheck-production-session-cache-valkey"),
        ),
        says="maximum is 40",
    ),
    Case(
        "rds-default-group-mismatch",
        "rds-parameter-group-family",
        "database-instance",
        "parameterGroupName",
        lambda b: b.set("database-instance", parameterGroupName="default.postgres16"),
    ),
    Case(
        "cdn-cert-wrong-region",
        "cloudfront-certificate",
        "cdn-distribution",
        "viewerCertificate.acmCertificateArn",
        _viewer_certificate(None, sslSupportMethod="sni-only"),
        says="eu-west-1",
    ),
    Case(
        "cdn-cert-without-ssl-method",
        "cloudfront-certificate",
        "cdn-distribution",
        "viewerCertificate.sslSupportMethod",
        _viewer_certificate("us-east-1"),
    ),
    Case(
        "aliases-with-default-cert",
        "cloudfront-certificate",
        "cdn-distribution",
        "viewerCertificate",
        lambda b: b.set("cdn-distribution", aliases=["perfcheck.example.com"]),
    ),
    Case(
        "alb-one-subnet",
        "alb-subnets",
        "load-balancer-alb",
        "subnets",
        lambda b: b.set("load-balancer-alb", subnets=b.out("network-vpc", "privateSubnetIds")[:1]),
    ),
    Case(
        "alb-same-az",
        "alb-subnets",
        "load-balancer-alb",
        "subnets",
        _alb_in_one_zone,
        says="eu-west-1a",
    ),
    Case(
        "https-without-certificate",
        "alb-listener",
        "load-balancer-http",
        "certificateArn",
        lambda b: _https_listener(b, certificateArn=None),
    ),
    Case(
        "unknown-ssl-policy",
        "alb-listener",
        "load-balancer-http",
        "sslPolicy",
        lambda b: _https_listener(b, sslPolicy="ELBSecurityPolicy-TLS13-1-2-2026-01"),
    ),
    Case(
        "policy-unknown-operator",
        "iam-policy-document",
        "web-task-policy",
        "policy",
        _task_policy_with(
            {
                "Effect": "Allow",
                "Action": "cloudfront:CreateInvalidation",
                "Resource": _arn("cloudfront", "distribution/E2PERFCHECK", ""),
                "Condition": {"StringEqualz": {"aws:SourceAccount": "123456789012"}},
            }
        ),
    ),
    Case(
        "policy-resource-star",
        "iam-policy-resource-star",
        "web-task-policy",
        "policy",
        _task_policy_with(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ),
        says="logs:PutLogEvents",
    ),
    Case(
        "rule-literal-group",
        "sg-reference",
        "network-database-from-proxy",
        "referencedSecurityGroupId",
        lambda b: (
            b.forget_dependencies("network-database-from-proxy", "referencedSecurityGroupId"),
            b.set("network-database-from-proxy", referencedSecurityGroupId="sg-0123456789abcdef0"),
        ),
        says="sg-0123456789abcdef0",
    ),
]


def _problems(case: Case, findings: list[Finding], touched: set[str] | None = None) -> list[str]:
    """What is wrong with `findings` for `case`: its finding missing, another check firing.

    `touched`: the records the case changed and the one it expects the finding on, when other
    cases' edits share the evaluation; only findings on those records are the case's own.
    """
    own = [f for f in findings if touched is None or f.resource_name in touched]
    matching = [
        f
        for f in own
        if f.check_id == case.check_id
        and f.resource_name == case.resource
        and case.path in f.property_path
        and case.says in f.aws_says
    ]
    problems = []
    if not matching:
        problems.append(f"{case.id}: no {case.check_id} finding on {case.resource!r}")
    unexpected = {f.check_id for f in own} - {case.check_id} - case.also
    if unexpected:
        problems.append(f"{case.id}: other checks fired too: {sorted(unexpected)}")
    for item in matching:
        if not (item.fix and item.aws_says) or "\n" in str(item):
            problems.append(f"{case.id}: the finding lacks a fix or is not one line: {item}")
    return problems


def batches(program: ProgramStack) -> list[list[Case]]:
    """CASES grouped so that no two cases of a group edit, or expect a finding on, one record.

    Each group is judged in one evaluation of the pack (the program has 236 resources: one
    evaluation per case would cost several times the whole file). A case's findings are those
    on the records it changed; a finding on no case's record means two edits interact, and
    fails the group, naming it.
    """
    groups: list[tuple[set[str], list[Case]]] = []
    for case in CASES:
        alone = type(program)(program.base)
        case.mutate(alone)
        touched = alone.touched | {case.resource}
        shared = (g for g in groups if not g[0] & touched and not any(c.alone for c in g[1]))
        group = None if case.alone else next(shared, None)
        if group is None:
            groups.append((set(touched), [case]))
        else:
            group[0].update(touched)
            group[1].append(case)
    return [cases for _, cases in groups]


def test_wrong_resource_is_reported(program: ProgramStack) -> None:
    """Property: each mistake on the real program is found by its check, on the resource it
    breaks, and no other check fires on the records it changed (CASES, judged in groups)."""
    problems = []
    for group in batches(program):
        stack = type(program)(program.base)
        touched = {}
        for case in group:
            before = set(stack.touched)
            case.mutate(stack)
            touched[case.id] = (stack.touched - before) | {case.resource}
        findings = stack.findings()
        for case in group:
            problems += _problems(case, findings, touched[case.id])
        everyone = set().union(*touched.values())
        allowed = group[0].also if group[0].alone else frozenset()
        strays = [
            f for f in findings if f.resource_name not in everyone and f.check_id not in allowed
        ]
        problems += [f"cases {[c.id for c in group]} interact: {f}" for f in strays]
    assert problems == [], "\n".join(problems)


def test_every_check_has_a_wrong_case() -> None:
    from test_deploycheck_delivery import COVERED_CHECK_IDS
    from test_in_use import COVERED_CHECK_IDS as IN_USE_CHECK_IDS
    from test_reachability_procedures import COVERED_CHECK_IDS as PROCEDURE_CHECK_IDS

    covered = (
        {case.check_id for case in CASES}
        | COVERED_CHECK_IDS
        | IN_USE_CHECK_IDS
        | PROCEDURE_CHECK_IDS
    )
    missing = set(CHECK_IDS) - covered - {"deploycheck-internal-error"}
    assert not missing, f"checks without a deliberately wrong case: {sorted(missing)}"


def test_a_key_in_another_case_reaches_its_member_and_is_not_reported(
    program: ProgramStack,
) -> None:
    """pulumi-aws decodes containerDefinitions with Go's encoding/json, which matches keys to
    members case-insensitively (foundation.containers, the one normaliser every pack reads):
    'ReadOnlyRootFileSystem' sets readonlyRootFilesystem, so the deploy pack must not call it
    dropped, while a key that reaches no member is."""
    program.edit_containers(
        lambda c: c["hono"].update(
            ReadOnlyRootFileSystem=c["hono"].pop("readonlyRootFilesystem"), readOnlyRoot=True
        )
    )
    paths = [f.property_path for f in program.findings()]
    assert any(path.endswith("containerDefinitions[1].readOnlyRoot") for path in paths), paths
    assert not any("ReadOnlyRootFileSystem" in path for path in paths), paths
