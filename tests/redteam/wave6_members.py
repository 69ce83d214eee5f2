"""Wave 6 members: real Pulumi programs (pulumi-aws 7) written blind, as a red team would.

Each member is a function that registers resources through pulumi_aws; `corpus_wave6` runs them
all as one program under the project's mocks. A member's resources are named `<member>--<part>`.
Bad members each hide one way past a guardrail on the types today's stacks use (folded values,
split controls, hollow controls, new credential shapes, other front doors, other services);
good members are compliant, several of them on purpose close to a bad one.

Fake credentials are derived at run time (`token`), so no secret-shaped literal sits in source.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from tests.policies.builders import ACCOUNT, REGION, arn, container
from tests.redteam.programs import ECR, TAGS

Name = Callable[[str], str]


@dataclass(frozen=True)
class Member:
    name: str
    klass: str
    bad: bool
    program: Callable[[Name], None]
    why: str


MEMBERS: list[Member] = []


def member(name: str, klass: str, bad: bool) -> Callable[[Callable[[Name], None]], Any]:
    def register(fn: Callable[[Name], None]) -> Callable[[Name], None]:
        MEMBERS.append(Member(name, klass, bad, fn, (fn.__doc__ or "").strip()))
        return fn

    return register


def bad(name: str, klass: str) -> Callable[[Callable[[Name], None]], Any]:
    return member(name, klass, True)


def good(name: str, klass: str = "good") -> Callable[[Callable[[Name], None]], Any]:
    return member(name, klass, False)


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def token(seed: str, length: int, alphabet: str = _B62) -> str:
    """A high-entropy string, the same on every run (a fake credential's body)."""
    digest = hashlib.sha512(seed.encode()).digest() * 4
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


HEX = "0123456789abcdef"
BASE32 = _B62[10:36] + "234567"
KEY_ARN = arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
SECRET_ARN = arn("secretsmanager", "secret:perfcheck/prod/app-AbCdEf")
TOPIC_ARN = arn("sns", "perfcheck-prod-alarms")
ROLE_ARN = arn("iam", "role/perfcheck/prod/worker").replace(f":{REGION}:", "::")
EXECUTION_ROLE_ARN = ROLE_ARN.replace("/worker", "/worker-execution")
PROTECTED = pulumi.ResourceOptions(protect=True)
VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"]
ALB_ARN = arn("elasticloadbalancing", "loadbalancer/app/perfcheck-prod-alb/50dc6c495c0c9188")
TG_ARN = arn("elasticloadbalancing", "targetgroup/perfcheck-prod-blue/73e2d6bc24d8a067")
LISTENER_RULE_ARN = arn(
    "elasticloadbalancing",
    "listener-rule/app/perfcheck-prod-alb/50dc6c495c0c9188/f2f7dc8efc/" + "9683b2d0",
)
CERT_ARN = arn("acm", "certificate/8f0f5a3e-1b2c-4d5e-9f60-7a8b9c0d1e2f")


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(service: str) -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )


def ctr(
    name: str = "worker", port: int | None = 8080, image: str = "", **overrides: Any
) -> dict[str, Any]:
    """A compliant container (non-root, read-only root, logs, health check), then `overrides`."""
    return container(name, image or f"{ECR}/perfcheck-{name}:2.3.1", port, **overrides)


def env(**values: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def task(
    n: Name,
    containers: list[dict[str, Any]] | pulumi.Output[str],
    volumes: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> aws.ecs.TaskDefinition:
    definitions = containers if isinstance(containers, pulumi.Output) else json.dumps(containers)
    args: dict[str, Any] = {
        "family": n("family"),
        "cpu": "512",
        "memory": "1024",
        "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"],
        "runtime_platform": {"cpu_architecture": "ARM64", "operating_system_family": "LINUX"},
        "execution_role_arn": EXECUTION_ROLE_ARN,
        "task_role_arn": ROLE_ARN,
        "container_definitions": definitions,
        "volumes": volumes if volumes is not None else [{"name": "tmp"}],
        "tags": TAGS,
    }
    args.update(extra)
    return aws.ecs.TaskDefinition(n("task"), **args)


def efs(name: str = "data", root: str = "/") -> dict[str, Any]:
    return {
        "name": name,
        "efs_volume_configuration": {
            "file_system_id": "fs-0123456789abcdef0",
            "root_directory": root,
            "transit_encryption": "ENABLED",
            "authorization_config": {"iam": "ENABLED"},
        },
    }


def mounts(path: str, volume: str = "data") -> list[dict[str, Any]]:
    return [
        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
        {"sourceVolume": volume, "containerPath": path, "readOnly": False},
    ]


def service(n: Name, **overrides: Any) -> aws.ecs.Service:
    """A service like today's: canary with bake, circuit breaker and alarm rollback, private."""
    args: dict[str, Any] = {
        "cluster": arn("ecs", "cluster/perfcheck-prod"),
        "task_definition": arn("ecs", "task-definition/perfcheck-prod-app:42"),
        "desired_count": 3,
        "launch_type": "FARGATE",
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
        "deployment_controller": {"type": "ECS"},
        "deployment_configuration": {
            "strategy": "CANARY",
            "bake_time_in_minutes": "15",
            "canary_configuration": {"canary_percent": 10, "canary_bake_time_in_minutes": "10"},
        },
        "alarms": {"alarm_names": ["perfcheck-prod-5xx"], "enable": True, "rollback": True},
        "deployment_minimum_healthy_percent": 100,
        "deployment_maximum_percent": 200,
        "network_configuration": {
            "subnets": SUBNETS,
            "security_groups": ["sg-0123456789abcdef0"],
            "assign_public_ip": False,
        },
        "load_balancers": [
            {
                "target_group_arn": TG_ARN,
                "container_name": "nextjs",
                "container_port": 3000,
                "advanced_configuration": {
                    "alternate_target_group_arn": TG_ARN.replace("blue", "green"),
                    "production_listener_rule": LISTENER_RULE_ARN,
                    "role_arn": ROLE_ARN.replace("/worker", "/ecs-infrastructure"),
                },
            }
        ],
        "propagate_tags": "SERVICE",
        "enable_execute_command": False,
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.ecs.Service(n("service"), **args)


def db(n: Name, **overrides: Any) -> aws.rds.Instance:
    """A PostgreSQL instance like today's prod one (protected, its log groups managed)."""
    identifier = n("db")
    for log in ("postgresql", "upgrade"):
        log_group(lambda part, log=log: n(f"{part}-{log}"), f"/aws/rds/instance/{identifier}/{log}")
    args: dict[str, Any] = {
        "identifier": identifier,
        "engine": "postgres",
        "engine_version": "17.6",
        "instance_class": "db.t4g.medium",
        "allocated_storage": 100,
        "max_allocated_storage": 500,
        "storage_type": "gp3",
        "storage_encrypted": True,
        "kms_key_id": KEY_ARN,
        "multi_az": True,
        "backup_retention_period": 14,
        "copy_tags_to_snapshot": True,
        "deletion_protection": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": n("final"),
        "manage_master_user_password": True,
        "master_user_secret_kms_key_id": KEY_ARN,
        "username": "perfcheck",
        "publicly_accessible": False,
        "iam_database_authentication_enabled": True,
        "performance_insights_enabled": True,
        "performance_insights_kms_key_id": KEY_ARN,
        "enabled_cloudwatch_logs_exports": ["postgresql", "upgrade"],
        "db_subnet_group_name": "perfcheck-prod-db",
        "vpc_security_group_ids": ["sg-0db0db0db0db0db00"],
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.rds.Instance(n("db"), **args, opts=PROTECTED)


def cache(n: Name, **overrides: Any) -> aws.elasticache.ReplicationGroup:
    args: dict[str, Any] = {
        "description": "perfcheck shared cache",
        "engine": "valkey",
        "engine_version": "8.0",
        "node_type": "cache.t4g.medium",
        "num_cache_clusters": 2,
        "automatic_failover_enabled": True,
        "multi_az_enabled": True,
        "at_rest_encryption_enabled": True,
        "kms_key_id": KEY_ARN,
        "transit_encryption_enabled": True,
        "transit_encryption_mode": "required",
        "auth_token": pulumi.Output.secret(token("cache-auth", 40)),
        "snapshot_retention_limit": 7,
        "subnet_group_name": "perfcheck-prod-cache",
        "security_group_ids": ["sg-0cac0cac0cac0cac0"],
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.elasticache.ReplicationGroup(n("cache"), **args, opts=PROTECTED)


def distribution(n: Name, **overrides: Any) -> aws.cloudfront.Distribution:
    """A distribution like today's: HTTPS to viewers, HTTPS to the origin, WAF, TLSv1.2_2021."""
    args: dict[str, Any] = {
        "enabled": True,
        "http_version": "http2and3",
        "price_class": "PriceClass_100",
        "origins": [
            {
                "origin_id": "app",
                "domain_name": "origin.perfcheck.example.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                },
            }
        ],
        "default_cache_behavior": {
            "target_origin_id": "app",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD", "OPTIONS"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        "restrictions": {"geo_restriction": {"restriction_type": "none"}},
        "web_acl_id": arn("wafv2", "global/webacl/perfcheck-prod/a1b2c3d4").replace(
            REGION, "us-east-1"
        ),
        "viewer_certificate": {
            "acm_certificate_arn": CERT_ARN.replace(REGION, "us-east-1"),
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
        "aliases": ["perfcheck.example.com"],
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.cloudfront.Distribution(n("cdn"), **args)


def visibility(name: str) -> dict[str, Any]:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": name,
        "sampled_requests_enabled": True,
    }


def managed_rule(name: str, priority: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "priority": priority,
        "override_action": extra.pop("override_action", {"none": {}}),
        "statement": {
            "managed_rule_group_statement": {"vendor_name": "AWS", "name": name, **extra}
        },
        "visibility_config": visibility(name),
    }


def web_acl(n: Name, rules: list[dict[str, Any]] | None, **overrides: Any) -> aws.wafv2.WebAcl:
    args: dict[str, Any] = {
        "scope": "CLOUDFRONT",
        "default_action": {"allow": {}},
        "rules": rules,
        "visibility_config": visibility("acl"),
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.wafv2.WebAcl(n("waf"), **args)


def key(n: Name, **overrides: Any) -> aws.kms.Key:
    args: dict[str, Any] = {
        "description": "perfcheck data",
        "enable_key_rotation": True,
        "deletion_window_in_days": 30,
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.kms.Key(n("key"), **args)


def root_statement() -> dict[str, Any]:
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def bucket(n: Name) -> aws.s3.Bucket:
    b = aws.s3.Bucket(n("bucket"), force_destroy=False, tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        n("pab"),
        bucket=b.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        n("sse"),
        bucket=b.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": KEY_ARN,
                },
                "bucket_key_enabled": True,
            }
        ],
    )
    return b


def security_group(n: Name, description: str = "worker tasks") -> aws.ec2.SecurityGroup:
    return aws.ec2.SecurityGroup(n("sg"), description=description, vpc_id=VPC, tags=TAGS)


def log_group(n: Name, name: str, **overrides: Any) -> aws.cloudwatch.LogGroup:
    args: dict[str, Any] = {
        "name": name,
        "retention_in_days": 90,
        "kms_key_id": KEY_ARN,
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.cloudwatch.LogGroup(n("logs"), **args)


def alarm(n: Name, **overrides: Any) -> aws.cloudwatch.MetricAlarm:
    args: dict[str, Any] = {
        "namespace": "AWS/ApplicationELB",
        "metric_name": "HTTPCode_Target_5XX_Count",
        "statistic": "Sum",
        "period": 60,
        "evaluation_periods": 5,
        "threshold": 10,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
        "dimensions": {"LoadBalancer": "app/perfcheck-prod-alb/50dc6c495c0c9188"},
        "alarm_actions": [TOPIC_ARN],
        "ok_actions": [TOPIC_ARN],
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.cloudwatch.MetricAlarm(n("alarm"), **args)


def budget(n: Name, **overrides: Any) -> aws.budgets.Budget:
    args: dict[str, Any] = {
        "budget_type": "COST",
        "time_unit": "MONTHLY",
        "limit_amount": "1000",
        "limit_unit": "USD",
        "cost_filters": [{"name": "TagKeyValue", "values": ["user:Project$perfcheck"]}],
        "notifications": [
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": 80,
                "threshold_type": "PERCENTAGE",
                "notification_type": "FORECASTED",
                "subscriber_sns_topic_arns": [TOPIC_ARN],
            }
        ],
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.budgets.Budget(n("budget"), **args)


# == ECS task definitions ========================================================================


@bad("w6-ecs-root-by-uid-group", "ecs-task")
def _(n: Name) -> None:
    """uid 0 with a non-root group: still root in the container."""
    task(n, [ctr(user="0:1001")])


@bad("w6-ecs-user-root-name", "ecs-task")
def _(n: Name) -> None:
    """`root` by name with a group."""
    task(n, [ctr(user="root:nogroup")])


@bad("w6-ecs-no-user-sidecar", "ecs-task")
def _(n: Name) -> None:
    """The app container is fine; the log-router sidecar has no `user` (the image's root)."""
    router = ctr("log-router", None, essential=False)
    del router["user"]
    task(n, [ctr(), router])


@bad("w6-ecs-privileged-output", "folded")
def _(n: Name) -> None:
    """containerDefinitions built as an Output (json_dumps over an Output value): privileged."""
    image = pulumi.Output.from_input(f"{ECR}/perfcheck-worker:2.3.1")
    definition = {**ctr(), "privileged": True, "image": image}
    task(n, pulumi.Output.json_dumps([definition]))


@bad("w6-ecs-secret-inside-output-secret", "credential")
def _(n: Name) -> None:
    """A GitHub token in plain `environment`, the whole definition wrapped as a Pulumi secret."""
    value = pulumi.Output.secret("ghp_" + token("gh", 36))
    definition = {**ctr(), "environment": [{"name": "GITHUB_TOKEN", "value": value}]}
    task(n, pulumi.Output.json_dumps([definition]))


@bad("w6-ecs-writable-root-sidecar", "ecs-task")
def _(n: Name) -> None:
    """The second container leaves the root filesystem writable."""
    task(n, [ctr(), ctr("metrics", 9102, readonlyRootFilesystem=False, essential=False)])


@bad("w6-ecs-sidecar-no-logs", "ecs-task")
def _(n: Name) -> None:
    """A non-essential sidecar without logConfiguration: its output goes nowhere."""
    sidecar = ctr("envoy", 9901, essential=False)
    del sidecar["logConfiguration"]
    task(n, [ctr(), sidecar])


@bad("w6-ecs-bearer-header-env", "credential")
def _(n: Name) -> None:
    """A header line with a bearer JWT in an env value named for headers."""
    jwt = ".".join(
        base64.urlsafe_b64encode(part.encode()).decode().rstrip("=")
        for part in ('{"alg":"HS256","typ":"JWT"}', '{"sub":"svc-worker","role":"admin"}')
    )
    value = f"Authorization: Bearer {jwt}.{token('jwtsig', 43)}"
    task(n, [ctr(environment=env(UPSTREAM_EXTRA_HEADERS=value))])


@bad("w6-ecs-amqps-url", "credential")
def _(n: Name) -> None:
    """A RabbitMQ (Amazon MQ) URL with its password, under a neutral name."""
    url = f"amqps://worker:{token('mq', 24)}@b-4f1c.mq.eu-west-1.amazonaws.com:5671/jobs"
    task(n, [ctr(environment=env(BROKER=url))])


@bad("w6-ecs-password-in-command", "credential")
def _(n: Name) -> None:
    """The password as a command-line flag of the entrypoint."""
    command = ["node", "worker.js", "--redis-password", token("redispw", 32), "--queue", "jobs"]
    task(n, [ctr(command=command)])


@bad("w6-ecs-stripe-key-label", "credential")
def _(n: Name) -> None:
    """A Stripe secret key in a docker label."""
    labels = {"com.perfcheck.billing.key": "sk_live_" + token("stripe", 32)}
    task(n, [ctr(dockerLabels=labels)])


@bad("w6-ecs-basic-auth-b64", "credential")
def _(n: Name) -> None:
    """Proxy-Authorization: Basic base64(user:password)."""
    pair = base64.b64encode(f"scraper:{token('basic', 20)}".encode()).decode()
    task(n, [ctr(environment=env(PROXY_AUTHORIZATION=f"Basic {pair}"))])


@bad("w6-ecs-passwd-abbrev", "credential")
def _(n: Name) -> None:
    """A credential under an abbreviation (`SMTP_PASSWD`)."""
    task(n, [ctr(environment=env(SMTP_PASSWD=token("smtp", 18)))])


@bad("w6-ecs-etcd-on-efs", "efs-db")
def _(n: Name) -> None:
    """etcd (a consensus store with its own data dir) on EFS, started from a generic image."""
    command = ["etcd", "--data-dir", "/srv/etcd", "--listen-client-urls", "http://0.0.0.0:2379"]
    definition = ctr(
        image="quay.io/coreos/etcd:v3.5.17", command=command, mountPoints=mounts("/srv")
    )
    task(n, [definition], [{"name": "tmp"}, efs()])


@bad("w6-ecs-clickhouse-on-efs", "efs-db")
def _(n: Name) -> None:
    """ClickHouse under a company registry name, data path on EFS."""
    definition = ctr(
        image=f"{ECR}/analytics-store:24.8",
        entryPoint=["/usr/bin/clickhouse-server", "--config-file=/etc/ch/config.xml"],
        environment=env(CLICKHOUSE_DATA_DIR="/var/lib/clickhouse/"),
        mountPoints=mounts("/var/lib/clickhouse"),
    )
    task(n, [definition], [{"name": "tmp"}, efs()])


@bad("w6-ecs-sqlite-on-efs", "efs-db")
def _(n: Name) -> None:
    """An app whose SQLite file lives on EFS (DATABASE_URL=file:/data/app.db)."""
    definition = ctr(
        environment=env(DATABASE_URL="file:/mnt/state/app.db?mode=rwc"),
        mountPoints=mounts("/mnt/state"),
    )
    task(n, [definition], [{"name": "tmp"}, efs()])


@bad("w6-ecs-efs-transit-off", "ecs-task")
def _(n: Name) -> None:
    """An EFS volume (uploads, not a database) with transit encryption off."""
    volume = efs("uploads")
    volume["efs_volume_configuration"]["transit_encryption"] = "DISABLED"
    volume["efs_volume_configuration"].pop("authorization_config")
    task(n, [ctr(mountPoints=mounts("/srv/uploads", "uploads"))], [{"name": "tmp"}, volume])


@bad("w6-ecs-pg-via-shell", "efs-db")
def _(n: Name) -> None:
    """postgres started by `sh -c` on a Debian image, PGDATA under an EFS mount of /var/lib."""
    definition = ctr(
        image="public.ecr.aws/docker/library/debian:12-slim",
        command=["sh", "-c", "exec /usr/lib/postgresql/17/bin/postgres -D $PGDATA"],
        environment=env(PGDATA="/var/lib/postgresql/17/main"),
        mountPoints=mounts("/var/lib"),
    )
    task(n, [definition], [{"name": "tmp"}, efs()])


# == ECS services ================================================================================


@bad("w6-svc-breaker-no-rollback", "hollow")
def _(n: Name) -> None:
    """The circuit breaker detects and stops, but rolls nothing back."""
    service(n, deployment_circuit_breaker={"enable": True, "rollback": False})


@bad("w6-svc-alarms-no-rollback", "hollow")
def _(n: Name) -> None:
    """Alarm-based rollback configured with rollback off."""
    service(n, alarms={"alarm_names": ["perfcheck-prod-5xx"], "enable": True, "rollback": False})


@bad("w6-svc-bake-zero-string", "folded")
def _(n: Name) -> None:
    """Blue/green with a bake time of "0" minutes (a string, as the schema types it)."""
    service(n, deployment_configuration={"strategy": "BLUE_GREEN", "bake_time_in_minutes": "0"})


@bad("w6-svc-public-ip", "ecs-service")
def _(n: Name) -> None:
    """A second service whose tasks get public addresses."""
    service(
        n,
        network_configuration={
            "subnets": SUBNETS,
            "security_groups": ["sg-0123456789abcdef0"],
            "assign_public_ip": True,
        },
    )


@bad("w6-svc-exec-on", "ecs-service")
def _(n: Name) -> None:
    """ECS Exec on a prod service (prod promises no exec)."""
    service(n, enable_execute_command=True)


@bad("w6-svc-min-healthy-zero", "hollow")
def _(n: Name) -> None:
    """Rolling updates allowed to stop every task first (minimum healthy 0 %)."""
    service(
        n,
        deployment_configuration={"strategy": "ROLLING"},
        deployment_minimum_healthy_percent=0,
        deployment_maximum_percent=100,
    )


@bad("w6-svc-external-controller", "hollow")
def _(n: Name) -> None:
    """An EXTERNAL deployment controller: ECS's breaker and alarms do not apply to task sets."""
    service(
        n,
        deployment_controller={"type": "EXTERNAL"},
        deployment_configuration=None,
        deployment_circuit_breaker=None,
        alarms=None,
        launch_type=None,
        network_configuration=None,
    )


@bad("w6-svc-managed-ebs-unencrypted", "ecs-service")
def _(n: Name) -> None:
    """A managed EBS volume the service attaches to each task, encryption left to defaults."""
    service(
        n,
        volume_configuration={
            "name": "scratch",
            "managed_ebs_volume": {
                "role_arn": ROLE_ARN,
                "size_in_gb": 100,
                "volume_type": "gp3",
                "file_system_type": "ext4",
            },
        },
    )


@bad("w6-svc-single-task-prod", "ecs-service")
def _(n: Name) -> None:
    """A prod web service of one task: one AZ, no redundancy."""
    service(n, desired_count=1)


# == Load balancers ==============================================================================


@bad("w6-alb-internal-omitted", "exposure")
def _(n: Name) -> None:
    """A second ALB with `internal` left out: AWS's default is internet-facing."""
    aws.lb.LoadBalancer(
        n("alb"),
        load_balancer_type="application",
        security_groups=["sg-0a1b2c3d4e5f60718"],
        subnets=SUBNETS,
        drop_invalid_header_fields=True,
        enable_deletion_protection=True,
        access_logs={"enabled": True, "bucket": "perfcheck-prod-alb-logs", "prefix": "admin"},
        tags=TAGS,
    )


@bad("w6-alb-listener-fs-2018", "tls")
def _(n: Name) -> None:
    """An HTTPS listener with ELBSecurityPolicy-FS-2018-06 (TLS 1.0 allowed)."""
    aws.lb.Listener(
        n("listener"),
        load_balancer_arn=ALB_ARN,
        port=8443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-FS-2018-06",
        certificate_arn=CERT_ARN,
        default_actions=[{"type": "forward", "target_group_arn": TG_ARN}],
        tags=TAGS,
    )


@bad("w6-alb-second-forwarding-http", "exposure")
def _(n: Name) -> None:
    """A second plain-HTTP listener (8080) forwarding to the app (one listener is promised)."""
    aws.lb.Listener(
        n("listener"),
        load_balancer_arn=ALB_ARN,
        port=8080,
        protocol="HTTP",
        default_actions=[{"type": "forward", "target_group_arn": TG_ARN}],
        tags=TAGS,
    )


@bad("w6-tg-health-check-off", "hollow")
def _(n: Name) -> None:
    """A target group with its health check disabled (every target counts as healthy)."""
    aws.lb.TargetGroup(
        n("tg"),
        port=3000,
        protocol="HTTP",
        target_type="ip",
        vpc_id=VPC,
        health_check={"enabled": False},
        tags=TAGS,
    )


@bad("w6-tg-health-matcher-any", "hollow")
def _(n: Name) -> None:
    """A health check that accepts 200-499: a crashing app's 404 still passes."""
    aws.lb.TargetGroup(
        n("tg"),
        port=3000,
        protocol="HTTP",
        target_type="ip",
        vpc_id=VPC,
        health_check={"enabled": True, "path": "/", "matcher": "200-499"},
        tags=TAGS,
    )


@bad("w6-alb-desync-monitor", "hollow")
def _(n: Name) -> None:
    """An internal ALB that keeps invalid headers and only monitors desync."""
    aws.lb.LoadBalancer(
        n("alb"),
        load_balancer_type="application",
        internal=True,
        security_groups=["sg-0a1b2c3d4e5f60718"],
        subnets=SUBNETS,
        drop_invalid_header_fields=False,
        desync_mitigation_mode="monitor",
        enable_deletion_protection=True,
        access_logs={"enabled": True, "bucket": "perfcheck-prod-alb-logs", "prefix": "x"},
        tags=TAGS,
    )


@bad("w6-alb-logs-hollow", "hollow")
def _(n: Name) -> None:
    """Access logs named with a bucket but `enabled: false`."""
    aws.lb.LoadBalancer(
        n("alb"),
        load_balancer_type="application",
        internal=True,
        security_groups=["sg-0a1b2c3d4e5f60718"],
        subnets=SUBNETS,
        drop_invalid_header_fields=True,
        enable_deletion_protection=True,
        access_logs={"enabled": False, "bucket": "perfcheck-prod-alb-logs", "prefix": "x"},
        tags=TAGS,
    )


@bad("w6-nlb-public-tls10", "exposure")
def _(n: Name) -> None:
    """An internet-facing NLB with a TLS listener on the old policy."""
    nlb = aws.lb.LoadBalancer(
        n("nlb"),
        load_balancer_type="network",
        internal=False,
        subnets=SUBNETS,
        enable_deletion_protection=True,
        tags=TAGS,
    )
    aws.lb.Listener(
        n("listener"),
        load_balancer_arn=nlb.arn,
        port=443,
        protocol="TLS",
        ssl_policy="ELBSecurityPolicy-2016-08",
        certificate_arn=CERT_ARN,
        default_actions=[{"type": "forward", "target_group_arn": TG_ARN}],
        tags=TAGS,
    )


# == RDS =========================================================================================


@bad("w6-rds-backup-zero-string", "folded")
def _(n: Name) -> None:
    """Backups off, given as the string "0"."""
    db(n, backup_retention_period="0")


@bad("w6-rds-old-ca", "tls")
def _(n: Name) -> None:
    """A prod instance pinned to the retired rds-ca-2019 certificate authority."""
    db(n, ca_cert_identifier="rds-ca-2019")


@bad("w6-rds-password-not-managed", "credential")
def _(n: Name) -> None:
    """A master password passed in (from encrypted config) instead of RDS-managed."""
    db(
        n,
        manage_master_user_password=None,
        master_user_secret_kms_key_id=None,
        password=pulumi.Output.secret(token("masterpw", 28)),
    )


@bad("w6-rds-single-az-skip-final", "stateful")
def _(n: Name) -> None:
    """A second prod database: single AZ, no deletion protection, no final snapshot."""
    db(n, multi_az=False, deletion_protection=False, skip_final_snapshot=True)


@bad("w6-rds-force-ssl-off", "tls")
def _(n: Name) -> None:
    """A parameter group that turns rds.force_ssl off, attached to the instance."""
    group = aws.rds.ParameterGroup(
        n("params"),
        family="postgres17",
        parameters=[{"name": "rds.force_ssl", "value": "0", "apply_method": "pending-reboot"}],
        tags=TAGS,
    )
    db(n, parameter_group_name=group.name)


@bad("w6-rds-ssl-min-tls10", "tls")
def _(n: Name) -> None:
    """force_ssl on, but ssl_min_protocol_version TLSv1."""
    group = aws.rds.ParameterGroup(
        n("params"),
        family="postgres17",
        parameters=[
            {"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1", "apply_method": "immediate"},
        ],
        tags=TAGS,
    )
    db(n, parameter_group_name=group.name)


@bad("w6-rds-proxy-tls-optional", "tls")
def _(n: Name) -> None:
    """An RDS Proxy that does not require TLS from clients."""
    aws.rds.Proxy(
        n("proxy"),
        engine_family="POSTGRESQL",
        role_arn=ROLE_ARN,
        vpc_subnet_ids=SUBNETS,
        vpc_security_group_ids=["sg-0db0db0db0db0db00"],
        require_tls=False,
        auths=[{"auth_scheme": "SECRETS", "iam_auth": "REQUIRED", "secret_arn": SECRET_ARN}],
        tags=TAGS,
    )


@bad("w6-rds-public-string-true", "folded")
def _(n: Name) -> None:
    """publicly_accessible given as the string "true"."""
    db(n, publicly_accessible="true")


@bad("w6-rds-unencrypted-string", "folded")
def _(n: Name) -> None:
    """storage_encrypted as "False" (the provider parses it to false) with no key."""
    db(n, storage_encrypted="False", kms_key_id=None)


# == ElastiCache =================================================================================


@bad("w6-cache-transit-preferred", "hollow")
def _(n: Name) -> None:
    """Transit encryption on, mode `preferred`: plaintext clients still connect."""
    cache(n, transit_encryption_mode="preferred")


@bad("w6-cache-no-failover-prod", "stateful")
def _(n: Name) -> None:
    """A prod cache of one node: no replica, no failover."""
    cache(n, num_cache_clusters=1, automatic_failover_enabled=False, multi_az_enabled=False)


@bad("w6-cache-user-nopass-in-access-string", "hollow")
def _(n: Name) -> None:
    """A user whose password is set, but whose access string says `nopass` (any password works)."""
    aws.elasticache.User(
        n("user"),
        user_id=n("user"),
        user_name="reporting",
        engine="valkey",
        access_string="on nopass ~* +@all",
        authentication_mode={
            "type": "password",
            "passwords": [pulumi.Output.secret(token("ecuser", 32))],
        },
        tags=TAGS,
    )


@bad("w6-cache-at-rest-string-false", "folded")
def _(n: Name) -> None:
    """at_rest_encryption_enabled as "false"."""
    cache(n, at_rest_encryption_enabled="false", kms_key_id=None)


@bad("w6-cache-snapshots-zero", "stateful")
def _(n: Name) -> None:
    """A prod cache with no snapshots (retention 0)."""
    cache(n, snapshot_retention_limit=0)


# == CloudFront ==================================================================================


@bad("w6-cf-tls10-viewer", "tls")
def _(n: Name) -> None:
    """A second distribution for an alias with TLSv1_2016 for viewers."""
    distribution(
        n,
        aliases=["legacy.perfcheck.example.com"],
        viewer_certificate={
            "acm_certificate_arn": CERT_ARN.replace(REGION, "us-east-1"),
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1_2016",
        },
    )


@bad("w6-cf-ordered-allow-all", "tls")
def _(n: Name) -> None:
    """An ordered behaviour for /api/* that accepts plain HTTP."""
    distribution(
        n,
        ordered_cache_behaviors=[
            {
                "path_pattern": "/api/*",
                "target_origin_id": "app",
                "viewer_protocol_policy": "allow-all",
                "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            }
        ],
    )


@bad("w6-cf-waf-empty-string", "hollow")
def _(n: Name) -> None:
    """web_acl_id set to the empty string: no WAF."""
    distribution(n, web_acl_id="")


@bad("w6-cf-origin-tls10", "tls")
def _(n: Name) -> None:
    """HTTPS to the origin, TLSv1 allowed."""
    distribution(
        n,
        origins=[
            {
                "origin_id": "app",
                "domain_name": "origin.perfcheck.example.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1", "TLSv1.2"],
                },
            }
        ],
    )


@bad("w6-cf-vpc-origin-tls10", "tls")
def _(n: Name) -> None:
    """A VPC origin reaching the ALB over HTTPS with TLSv1 allowed."""
    aws.cloudfront.VpcOrigin(
        n("vpc-origin"),
        vpc_origin_endpoint_config={
            "name": n("vpc-origin"),
            "arn": ALB_ARN,
            "http_port": 80,
            "https_port": 443,
            "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": {"items": ["TLSv1", "TLSv1.2"], "quantity": 2},
        },
        tags=TAGS,
    )


@bad("w6-cf-function-api-key", "credential")
def _(n: Name) -> None:
    """A CloudFront Function that adds an API key to every request, the key in its code."""
    code = (
        "function handler(event) {\n"
        "  var request = event.request;\n"
        f"  request.headers['x-api-key'] = {{value: '{token('cffn', 40)}'}};\n"
        "  return request;\n"
        "}\n"
    )
    aws.cloudfront.Function(
        n("fn"), runtime="cloudfront-js-2.0", code=code, publish=True, tags=TAGS
    )


@bad("w6-cf-origin-header-plain", "credential")
def _(n: Name) -> None:
    """The origin-verify header as a literal in the origin's custom headers."""
    distribution(
        n,
        origins=[
            {
                "origin_id": "app",
                "domain_name": "origin.perfcheck.example.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                },
                "custom_headers": [{"name": "X-Api-Key", "value": token("cfhdr", 40, HEX)}],
            }
        ],
    )


@bad("w6-cf-kvs-secret", "credential")
def _(n: Name) -> None:
    """A signing secret stored in a CloudFront KeyValueStore key (readable by every function)."""
    store = aws.cloudfront.KeyValueStore(n("kvs"), comment="edge config")
    aws.cloudfront.KeyvaluestoreKey(
        n("kvs-key"),
        key_value_store_arn=store.arn,
        key="jwt_signing_secret",
        value=token("kvs", 48),
    )


@bad("w6-cf-multitenant-no-waf", "exposure")
def _(n: Name) -> None:
    """A multi-tenant distribution (another CloudFront type) to the same origin, no WAF."""
    aws.cloudfront.MultitenantDistribution(
        n("mt"),
        comment="tenant sites",
        tenant_config={"parameter_definitions": [{"name": "tenant"}]},
        enabled=True,
        origins=[
            {
                "id": "app",
                "domain_name": "origin.perfcheck.example.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "http-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                },
            }
        ],
        default_cache_behavior={
            "target_origin_id": "app",
            "viewer_protocol_policy": "allow-all",
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            "allowed_methods": {"items": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]},
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        tags=TAGS,
    )


# == WAF =========================================================================================


@bad("w6-waf-all-groups-count", "hollow")
def _(n: Name) -> None:
    """Every managed group overridden to count: the ACL blocks nothing."""
    web_acl(
        n,
        [
            managed_rule("AWSManagedRulesCommonRuleSet", 1, override_action={"count": {}}),
            managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2, override_action={"count": {}}),
        ],
    )


@bad("w6-waf-rate-only-max", "hollow")
def _(n: Name) -> None:
    """The only rule is a rate limit at 2,000,000,000 requests per 5 minutes."""
    rule = {
        "name": "rate",
        "priority": 1,
        "action": {"block": {}},
        "statement": {"rate_based_statement": {"limit": 2000000000, "aggregate_key_type": "IP"}},
        "visibility_config": visibility("rate"),
    }
    web_acl(n, [rule])


@bad("w6-waf-scope-down-never", "hollow")
def _(n: Name) -> None:
    """The common rule set scoped down to requests with a header nobody sends."""
    scope = {
        "byte_match_statement": {
            "search_string": "never-sent-7f3a",
            "positional_constraint": "EXACTLY",
            "field_to_match": {"single_header": {"name": "x-waf-inspect"}},
            "text_transformations": [{"priority": 0, "type": "NONE"}],
        }
    }
    web_acl(n, [managed_rule("AWSManagedRulesCommonRuleSet", 1, scope_down_statement=scope)])


@bad("w6-waf-rule-json-count", "folded")
def _(n: Name) -> None:
    """Rules given as rule_json (a JSON string), each managed group set to Count."""
    rules = [
        {
            "Name": name,
            "Priority": i,
            "OverrideAction": {"Count": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
            "VisibilityConfig": {
                "CloudWatchMetricsEnabled": True,
                "MetricName": name,
                "SampledRequestsEnabled": True,
            },
        }
        for i, name in enumerate(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"])
    ]
    web_acl(n, None, rule_json=json.dumps(rules))


@bad("w6-waf-default-allow-no-rules", "hollow")
def _(n: Name) -> None:
    """An ACL with default allow and no rules at all."""
    web_acl(n, [])


# == KMS =========================================================================================


@bad("w6-kms-rotation-string-false", "folded")
def _(n: Name) -> None:
    """enable_key_rotation as "False"."""
    key(n, enable_key_rotation="False")


@bad("w6-kms-policy-anyone-decrypt", "iam")
def _(n: Name) -> None:
    """A key policy that lets any principal decrypt, no condition."""
    key(
        n,
        policy=policy(
            root_statement(),
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ),
    )


@bad("w6-kms-keypolicy-split", "split")
def _(n: Name) -> None:
    """A compliant key whose policy is replaced by a separate KeyPolicy granting `*`."""
    k = key(n)
    aws.kms.KeyPolicy(
        n("policy"),
        key_id=k.id,
        policy=policy(
            root_statement(),
            {"Effect": "Allow", "Principal": "*", "Action": ["kms:*"], "Resource": "*"},
        ),
    )


@bad("w6-kms-grant-foreign-account", "iam")
def _(n: Name) -> None:
    """A grant letting another account's root decrypt with the data key."""
    k = key(n)
    aws.kms.Grant(
        n("grant"),
        key_id=k.key_id,
        grantee_principal="arn:aws:iam::999988887777:root",
        operations=["Decrypt", "GenerateDataKey"],
    )


@bad("w6-kms-principal-star-notprincipal", "iam")
def _(n: Name) -> None:
    """Allow everyone except one role (NotPrincipal with Allow)."""
    key(
        n,
        policy=policy(
            root_statement(),
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": ROLE_ARN},
                "Action": ["kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
            },
        ),
    )


# == Secrets Manager =============================================================================


@bad("w6-secret-rotation-disabled", "hollow")
def _(n: Name) -> None:
    """A rotation resource that exists with rotation_enabled false."""
    s = aws.secretsmanager.Secret(n("secret"), kms_key_id=KEY_ARN, tags=TAGS)
    aws.secretsmanager.SecretRotation(
        n("rotation"),
        secret_id=s.id,
        rotation_enabled=False,
        rotation_lambda_arn=arn("lambda", "function:perfcheck-prod-rotate"),
        rotation_rules={"automatically_after_days": 30},
    )


@bad("w6-secret-rotation-never-cron", "hollow")
def _(n: Name) -> None:
    """Rotation on a schedule that fires once, in 2099."""
    s = aws.secretsmanager.Secret(n("secret"), kms_key_id=KEY_ARN, tags=TAGS)
    aws.secretsmanager.SecretRotation(
        n("rotation"),
        secret_id=s.id,
        rotation_lambda_arn=arn("lambda", "function:perfcheck-prod-rotate"),
        rotation_rules={"schedule_expression": "cron(0 4 1 1 ? 2099)"},
    )


@bad("w6-secret-policy-public", "iam")
def _(n: Name) -> None:
    """A secret policy letting anyone read the value."""
    s = aws.secretsmanager.Secret(n("secret"), kms_key_id=KEY_ARN, tags=TAGS)
    aws.secretsmanager.SecretPolicy(
        n("policy"),
        secret_arn=s.arn,
        block_public_policy=False,
        policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ),
    )


@bad("w6-secret-aws-managed-key-alias", "at-rest")
def _(n: Name) -> None:
    """A secret under the AWS-managed alias aws/secretsmanager, not a customer key."""
    aws.secretsmanager.Secret(n("secret"), kms_key_id="alias/aws/secretsmanager", tags=TAGS)


@bad("w6-secret-replica-no-key", "at-rest")
def _(n: Name) -> None:
    """A CMK secret whose DR replica uses the region's AWS-managed key."""
    aws.secretsmanager.Secret(
        n("secret"),
        kms_key_id=KEY_ARN,
        replicas=[{"region": "eu-central-1"}],
        tags=TAGS,
    )


# == IAM =========================================================================================


@bad("w6-iam-notaction-allow", "iam")
def _(n: Name) -> None:
    """Allow everything but IAM (NotAction), on every resource."""
    aws.iam.Policy(
        n("policy"),
        path="/perfcheck/prod/",
        policy=policy({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
        tags=TAGS,
    )


@bad("w6-iam-action-upper", "folded")
def _(n: Name) -> None:
    """`IAM:*` in capitals (IAM matches actions case-insensitively)."""
    role = aws.iam.Role(
        n("role"), path="/perfcheck/prod/", assume_role_policy=trust("ecs-tasks.amazonaws.com")
    )
    aws.iam.RolePolicy(
        n("inline"),
        role=role.id,
        policy=policy({"Effect": "Allow", "Action": ["IAM:*"], "Resource": "*"}),
    )


@bad("w6-iam-statement-object", "folded")
def _(n: Name) -> None:
    """Statement as a single object, not a list: Action * on *."""
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
    }
    aws.iam.Policy(n("policy"), path="/perfcheck/prod/", policy=json.dumps(document), tags=TAGS)


@bad("w6-iam-star-among-actions", "iam")
def _(n: Name) -> None:
    """A list of narrow actions with `*` hidden among them."""
    aws.iam.Policy(
        n("policy"),
        path="/perfcheck/prod/",
        policy=policy(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "*"],
                "Resource": "*",
            }
        ),
        tags=TAGS,
    )


@bad("w6-iam-passrole-any", "iam")
def _(n: Name) -> None:
    """iam:PassRole on every role (escalation to any role's permissions)."""
    role = aws.iam.Role(
        n("role"), path="/perfcheck/prod/", assume_role_policy=trust("lambda.amazonaws.com")
    )
    aws.iam.RolePolicy(
        n("inline"),
        role=role.id,
        policy=policy({"Effect": "Allow", "Action": ["iam:PassRole", "lambda:*"], "Resource": "*"}),
    )


@bad("w6-iam-iamfullaccess-attached", "iam")
def _(n: Name) -> None:
    """The AWS-managed IAMFullAccess policy attached to a task role."""
    role = aws.iam.Role(
        n("role"), path="/perfcheck/prod/", assume_role_policy=trust("ecs-tasks.amazonaws.com")
    )
    aws.iam.RolePolicyAttachment(
        n("attach"), role=role.name, policy_arn="arn:aws:iam::aws:policy/IAMFullAccess"
    )


@bad("w6-iam-trust-anyone-external-id", "iam")
def _(n: Name) -> None:
    """A role any AWS principal may assume with a guessable external id."""
    aws.iam.Role(
        n("role"),
        path="/perfcheck/prod/",
        assume_role_policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "perfcheck"}},
            }
        ),
        tags=TAGS,
    )


@bad("w6-iam-user-access-key", "credential")
def _(n: Name) -> None:
    """A long-lived access key for a CI user."""
    user = aws.iam.User(n("user"), path="/perfcheck/prod/", tags=TAGS)
    aws.iam.AccessKey(n("key"), user=user.name)


@bad("w6-iam-inline-policies-on-role", "iam")
def _(n: Name) -> None:
    """Admin through the role's own inline_policies input (a JSON string in a list)."""
    aws.iam.Role(
        n("role"),
        path="/perfcheck/prod/",
        assume_role_policy=trust("ecs-tasks.amazonaws.com"),
        inline_policies=[
            {
                "name": "ops",
                "policy": policy({"Effect": "Allow", "Action": "*:*", "Resource": ["*"]}),
            }
        ],
        tags=TAGS,
    )


@bad("w6-iam-secret-wrapped-policy", "folded")
def _(n: Name) -> None:
    """An admin policy document that is a Pulumi secret (wire-wrapped)."""
    document = pulumi.Output.secret(policy({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    aws.iam.Policy(n("policy"), path="/perfcheck/prod/", policy=document, tags=TAGS)


# == S3 ==========================================================================================


@bad("w6-s3-pab-split-off", "split")
def _(n: Name) -> None:
    """A bucket whose public access block is a separate resource, all four false."""
    b = aws.s3.Bucket(n("bucket"), tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        n("pab"),
        bucket=b.id,
        block_public_acls=False,
        block_public_policy=False,
        ignore_public_acls=False,
        restrict_public_buckets=False,
    )


@bad("w6-s3-acl-grant-allusers", "split")
def _(n: Name) -> None:
    """A grant to the AllUsers group through access_control_policy (no canned ACL)."""
    b = bucket(n)
    aws.s3.BucketAcl(
        n("acl"),
        bucket=b.id,
        access_control_policy={
            "owner": {"id": token("owner", 64, HEX)},
            "grants": [
                {
                    "grantee": {
                        "type": "Group",
                        "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                    },
                    "permission": "READ",
                }
            ],
        },
    )


@bad("w6-s3-policy-public-read", "iam")
def _(n: Name) -> None:
    """A bucket policy granting s3:GetObject to everyone."""
    b = aws.s3.Bucket(n("bucket"), tags=TAGS)
    aws.s3.BucketPolicy(
        n("policy"),
        bucket=b.id,
        policy=b.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"{a}/*",
                }
            )
        ),
    )


@bad("w6-s3-versioning-suspended", "stateful")
def _(n: Name) -> None:
    """Versioning suspended on a bucket (objects overwritten or deleted are gone)."""
    b = bucket(n)
    aws.s3.BucketVersioning(
        n("versioning"), bucket=b.id, versioning_configuration={"status": "Suspended"}
    )


@bad("w6-s3-account-pab-off", "split")
def _(n: Name) -> None:
    """The account-wide public access block turned off."""
    aws.s3.AccountPublicAccessBlock(
        n("account-pab"),
        block_public_acls=False,
        block_public_policy=False,
        ignore_public_acls=False,
        restrict_public_buckets=False,
    )


# == Security groups =============================================================================


@bad("w6-sg-world-split-halves", "split")
def _(n: Name) -> None:
    """0.0.0.0/1 and 128.0.0.0/1 on PostgreSQL's port: the whole internet in two halves."""
    sg = security_group(n, "database")
    aws.ec2.SecurityGroupRule(
        n("rule"),
        type="ingress",
        security_group_id=sg.id,
        protocol="tcp",
        from_port=5432,
        to_port=5432,
        cidr_blocks=["0.0.0.0/1", "128.0.0.0/1"],
    )


@bad("w6-sg-ipv6-all-protocols", "exposure")
def _(n: Name) -> None:
    """Every protocol from ::/0 (IPv6 only)."""
    sg = security_group(n)
    aws.vpc.SecurityGroupIngressRule(
        n("rule"), security_group_id=sg.id, ip_protocol="-1", cidr_ipv6="::/0", tags=TAGS
    )


@bad("w6-sg-prefix-list-world", "split")
def _(n: Name) -> None:
    """A customer-managed prefix list holding 0.0.0.0/0, referenced by a rule on Redis's port."""
    pl = aws.ec2.ManagedPrefixList(
        n("pl"),
        address_family="IPv4",
        max_entries=5,
        entries=[{"cidr": "0.0.0.0/0", "description": "partners"}],
        tags=TAGS,
    )
    sg = security_group(n, "cache")
    aws.vpc.SecurityGroupIngressRule(
        n("rule"),
        security_group_id=sg.id,
        ip_protocol="tcp",
        from_port=6379,
        to_port=6379,
        prefix_list_id=pl.id,
        tags=TAGS,
    )


@bad("w6-sg-inline-protocol-number", "folded")
def _(n: Name) -> None:
    """Inline ingress with protocol "6" (TCP by number), SSH from anywhere."""
    aws.ec2.SecurityGroup(
        n("sg"),
        description="bastion",
        vpc_id=VPC,
        ingress=[{"protocol": "6", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
        tags=TAGS,
    )


# == CloudWatch ==================================================================================


@bad("w6-alarm-actions-disabled", "hollow")
def _(n: Name) -> None:
    """An alarm with actions listed but actions_enabled false."""
    alarm(n, actions_enabled=False)


@bad("w6-alarm-threshold-unreachable", "hollow")
def _(n: Name) -> None:
    """A 5xx alarm whose threshold no load can reach (10^12 errors a minute)."""
    alarm(n, threshold=1e12)


@bad("w6-logs-subscription-foreign", "exfiltration")
def _(n: Name) -> None:
    """Every app log line streamed to a destination in another account."""
    aws.cloudwatch.LogSubscriptionFilter(
        n("sub"),
        log_group="/ecs/perfcheck",
        filter_pattern="",
        destination_arn="arn:aws:logs:eu-west-1:999988887777:destination:collector",
    )


@bad("w6-logs-resource-policy-anyone", "iam")
def _(n: Name) -> None:
    """A log resource policy letting any principal write and read logs."""
    aws.cloudwatch.LogResourcePolicy(
        n("policy"),
        policy_name=n("policy"),
        policy_document=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["logs:PutLogEvents", "logs:GetLogEvents"],
                "Resource": "*",
            }
        ),
    )


@bad("w6-logs-no-retention", "cost")
def _(n: Name) -> None:
    """A log group that keeps everything forever (retention 0 = never expire)."""
    log_group(n, "/ecs/perfcheck-worker", retention_in_days=0)


# == Budgets =====================================================================================


@bad("w6-budget-threshold-unreachable", "hollow")
def _(n: Name) -> None:
    """A budget that notifies at 100,000 % of its limit."""
    budget(
        n,
        notifications=[
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": 100000,
                "threshold_type": "PERCENTAGE",
                "notification_type": "ACTUAL",
                "subscriber_sns_topic_arns": [TOPIC_ARN],
            }
        ],
    )


@bad("w6-budget-no-subscribers", "hollow")
def _(n: Name) -> None:
    """A budget whose notification has no subscriber."""
    budget(
        n,
        notifications=[
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": 80,
                "threshold_type": "PERCENTAGE",
                "notification_type": "ACTUAL",
            }
        ],
    )


@good("w6-budget-quarterly", "cost")
def _(n: Name) -> None:
    """A quarterly budget of three months' money beside the stack's monthly one. Written as bad
    ("a month can spend it all"), reclassified good by engineer knownwrong: the issue's class is
    the estimate compared with another period's budget, which the cost pack never does (it
    reads the stack's own monthly budget; a stack whose only budget is quarterly is caught,
    corpus.py's budget-quarterly-period); an extra budget removes no alert of the monthly one,
    and its FORECASTED notification warns within the first month. Wave 4's annual budget beside
    the monthly one (w4-good-budget-annual-beside-monthly) was reclassified the same way."""
    budget(n, time_unit="QUARTERLY", limit_amount="3000")


# == Other services a team might add =============================================================


@bad("w6-global-accelerator-to-alb", "exposure")
def _(n: Name) -> None:
    """A Global Accelerator in front of the internal ALB: a second front door, no WAF."""
    acc = aws.globalaccelerator.Accelerator(
        n("ga"), ip_address_type="IPV4", enabled=True, tags=TAGS
    )
    listener = aws.globalaccelerator.Listener(
        n("ga-listener"),
        accelerator_arn=acc.arn,
        protocol="TCP",
        port_ranges=[{"from_port": 80, "to_port": 80}],
    )
    aws.globalaccelerator.EndpointGroup(
        n("ga-endpoints"),
        listener_arn=listener.arn,
        endpoint_configurations=[{"endpoint_id": ALB_ARN, "client_ip_preservation_enabled": True}],
    )


@bad("w6-lattice-auth-none", "exposure")
def _(n: Name) -> None:
    """A VPC Lattice service in front of the app with auth type NONE."""
    aws.vpclattice.Service(n("lattice"), name=n("lattice"), auth_type="NONE", tags=TAGS)


@bad("w6-endpoint-service-anyone", "exposure")
def _(n: Name) -> None:
    """A PrivateLink endpoint service any account may connect to without acceptance."""
    svc = aws.ec2.VpcEndpointService(
        n("eps"),
        acceptance_required=False,
        network_load_balancer_arns=[
            arn("elasticloadbalancing", "loadbalancer/net/perfcheck-nlb/1a2b3c4d5e6f7a8b")
        ],
        tags=TAGS,
    )
    aws.ec2.VpcEndpointServiceAllowedPrinciple(
        n("eps-allow"), vpc_endpoint_service_id=svc.id, principal_arn="*"
    )


@bad("w6-sns-http-subscription", "tls")
def _(n: Name) -> None:
    """An alarm topic delivering to a plain-HTTP webhook."""
    aws.sns.TopicSubscription(
        n("sub"), topic=TOPIC_ARN, protocol="http", endpoint="http://hooks.example.com/alarms"
    )


@bad("w6-sqs-sse-off", "at-rest")
def _(n: Name) -> None:
    """A job queue with server-side encryption turned off."""
    aws.sqs.Queue(n("queue"), sqs_managed_sse_enabled=False, tags=TAGS)


@bad("w6-launch-template-imdsv1", "hollow")
def _(n: Name) -> None:
    """A launch template that allows IMDSv1 (tokens optional)."""
    aws.ec2.LaunchTemplate(
        n("lt"),
        image_id="ami-0abcdef1234567890",
        instance_type="t4g.small",
        metadata_options={"http_endpoint": "enabled", "http_tokens": "optional"},
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {"encrypted": "true", "volume_size": 20, "volume_type": "gp3"},
            }
        ],
        tags=TAGS,
    )


@bad("w6-ssm-document-password", "credential")
def _(n: Name) -> None:
    """An SSM Command document with a database password in its script."""
    content = {
        "schemaVersion": "2.2",
        "description": "nightly vacuum",
        "mainSteps": [
            {
                "action": "aws:runShellScript",
                "name": "vacuum",
                "inputs": {
                    "runCommand": [
                        f"PGPASSWORD='{token('ssmdoc', 24)}' psql -h db.internal -U admin -c "
                        "'VACUUM ANALYZE'"
                    ]
                },
            }
        ],
    }
    aws.ssm.Document(n("doc"), document_type="Command", content=json.dumps(content), tags=TAGS)


@bad("w6-ecr-policy-anyone-pull", "iam")
def _(n: Name) -> None:
    """An ECR repository policy letting anyone pull the app's images."""
    repo = aws.ecr.Repository(
        n("repo"),
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[{"encryption_type": "KMS", "kms_key": KEY_ARN}],
        tags=TAGS,
    )
    aws.ecr.RepositoryPolicy(
        n("policy"),
        repository=repo.name,
        policy=policy(
            {
                "Sid": "pull",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ),
    )


@bad("w6-dynamodb-no-pitr-no-protection", "stateful")
def _(n: Name) -> None:
    """A sessions table without point-in-time recovery or deletion protection."""
    aws.dynamodb.Table(
        n("table"),
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        point_in_time_recovery={"enabled": False},
        deletion_protection_enabled=False,
        server_side_encryption={"enabled": True, "kms_key_arn": KEY_ARN},
        tags=TAGS,
        opts=PROTECTED,
    )


@bad("w6-lambda-url-public", "exposure")
def _(n: Name) -> None:
    """A function URL with no auth: an internet endpoint beside CloudFront."""
    group = log_group(n, "/aws/lambda/perfcheck-webhook")
    fn = aws.lambda_.Function(
        n("fn"),
        runtime="python3.12",
        handler="app.handler",
        role=ROLE_ARN,
        code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c): ...\n")}),
        logging_config={"log_format": "JSON", "log_group": group.name},
        tags=TAGS,
    )
    aws.lambda_.FunctionUrl(n("url"), function_name=fn.name, authorization_type="NONE")


@bad("w6-eventbridge-connection-apikey", "credential")
def _(n: Name) -> None:
    """An EventBridge connection whose API key is a literal in the program."""
    aws.cloudwatch.EventConnection(
        n("conn"),
        authorization_type="API_KEY",
        auth_parameters={
            "api_key": {"key": "x-api-key", "value": "pd_" + token("evconn", 32)},
        },
    )


@bad("w6-opensearch-no-n2n", "tls")
def _(n: Name) -> None:
    """A search domain without node-to-node encryption or HTTPS enforcement."""
    aws.opensearch.Domain(
        n("search"),
        engine_version="OpenSearch_2.17",
        cluster_config={"instance_type": "t3.small.search", "instance_count": 2},
        ebs_options={"ebs_enabled": True, "volume_size": 20},
        encrypt_at_rest={"enabled": True, "kms_key_id": KEY_ARN},
        node_to_node_encryption={"enabled": False},
        domain_endpoint_options={"enforce_https": False},
        tags=TAGS,
    )


@bad("w6-kinesis-unencrypted", "at-rest")
def _(n: Name) -> None:
    """A clickstream stream with no encryption."""
    aws.kinesis.Stream(
        n("stream"),
        stream_mode_details={"stream_mode": "ON_DEMAND"},
        encryption_type="NONE",
        tags=TAGS,
    )


@bad("w6-ebs-snapshot-copy-unencrypted", "at-rest")
def _(n: Name) -> None:
    """An EBS volume created without encryption."""
    aws.ebs.Volume(
        n("volume"), availability_zone="eu-west-1a", size=50, type="gp3", encrypted=False, tags=TAGS
    )


@bad("w6-apprunner-public", "exposure")
def _(n: Name) -> None:
    """An App Runner service (public by default) running the API image."""
    aws.apprunner.Service(
        n("apprunner"),
        service_name=n("apprunner"),
        source_configuration={
            "auto_deployments_enabled": False,
            "image_repository": {
                "image_identifier": f"{ECR}/perfcheck-hono:2.3.1",
                "image_repository_type": "ECR",
                "image_configuration": {"port": "8787"},
            },
            "authentication_configuration": {"access_role_arn": ROLE_ARN},
        },
        tags=TAGS,
    )


# == Good: compliant, several close to a bad one =================================================


@good("g6-ecs-worker-compliant")
def _(n: Name) -> None:
    """A queue worker: non-root, read-only root, logs, secrets by reference."""
    task(
        n,
        [
            ctr(
                environment=env(QUEUE_URL=arn("sqs", "perfcheck-prod-jobs"), LOG_LEVEL="info"),
                secrets=[{"name": "DB_PASSWORD", "valueFrom": f"{SECRET_ARN}:password::"}],
            )
        ],
    )


@good("g6-ecs-config-names-not-secrets", "good-tricky")
def _(n: Name) -> None:
    """Values whose names contain PASSWORD/TOKEN/SECRET but are settings or references."""
    pairs = [
        ("PASSWORD_MIN_LENGTH", "12"),
        ("TOKEN_TTL_SECONDS", "3600"),
        ("SECRET_NAME", "perfcheck/prod/app"),
        ("API_KEY_HEADER", "x-api-key"),
        ("AUTH_TOKEN_URL", "https://auth.example.com/oauth2/token"),
        ("SESSION_SECRET_ARN", SECRET_ARN),
    ]
    values = [{"name": k, "value": v} for k, v in pairs]
    task(n, [ctr(environment=values)])


@good("g6-ecs-publishable-keys", "good-tricky")
def _(n: Name) -> None:
    """Public client keys documented as safe to expose (Stripe publishable, Sentry DSN)."""
    values = env(
        NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY="pk_live_" + token("pk", 24),
        NEXT_PUBLIC_SENTRY_DSN=f"https://{token('dsn', 32, HEX)}@o4507.ingest.de.sentry.io/45071",
    )
    task(n, [ctr("nextjs", 3000, environment=values)])


@good("g6-ecs-password-file-flag", "good-tricky")
def _(n: Name) -> None:
    """A command naming a password *file*, the file from a secret."""
    task(
        n,
        [
            ctr(
                command=["node", "worker.js", "--password-file", "/run/secrets/db"],
                secrets=[{"name": "DB_PASSWORD", "valueFrom": SECRET_ARN}],
            )
        ],
    )


@good("g6-ecs-postgres-exporter", "good-tricky")
def _(n: Name) -> None:
    """prometheus postgres_exporter: an engine's name in the image, no data, no EFS."""
    exporter = container(
        "pg-exporter",
        "quay.io/prometheuscommunity/postgres-exporter:v0.16.0",
        9187,
        environment=env(DATA_SOURCE_URI="perfcheck-db.abc.eu-west-1.rds.amazonaws.com:5432/app"),
        secrets=[{"name": "DATA_SOURCE_PASS", "valueFrom": f"{SECRET_ARN}:password::"}],
    )
    task(n, [exporter])


@good("g6-ecs-efs-static-assets", "good-tricky")
def _(n: Name) -> None:
    """nginx serving read-only assets from EFS (not a database), transit encryption and IAM."""
    web = container(
        "assets",
        "public.ecr.aws/nginx/nginx:1.27-alpine",
        8080,
        user="101:101",
        mountPoints=[
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
            {"sourceVolume": "assets", "containerPath": "/usr/share/nginx/html", "readOnly": True},
        ],
    )
    task(n, [web], [{"name": "tmp"}, efs("assets", "/assets")])


@good("g6-svc-worker-no-lb", "good-tricky")
def _(n: Name) -> None:
    """A queue worker service without a load balancer, rolling with breaker and alarms."""
    service(
        n,
        deployment_configuration={"strategy": "ROLLING"},
        load_balancers=None,
        desired_count=2,
    )


@good("g6-svc-linear")
def _(n: Name) -> None:
    """A linear deployment with bake time, breaker and alarm rollback."""
    service(
        n,
        deployment_configuration={
            "strategy": "LINEAR",
            "bake_time_in_minutes": "10",
            "linear_configuration": {"step_percent": 25, "step_bake_time_in_minutes": "5"},
        },
    )


@good("g6-tg-strict-health")
def _(n: Name) -> None:
    """A target group with a strict health check."""
    aws.lb.TargetGroup(
        n("tg"),
        port=3000,
        protocol="HTTP",
        target_type="ip",
        vpc_id=VPC,
        deregistration_delay="30",
        health_check={
            "enabled": True,
            "path": "/api/health",
            "matcher": "200",
            "healthy_threshold": 2,
            "unhealthy_threshold": 3,
            "interval": 15,
            "timeout": 5,
        },
        tags=TAGS,
    )


@good("g6-alb-listener-rule-forward")
def _(n: Name) -> None:
    """A listener rule on today's listener forwarding /admin/* to a second target group."""
    aws.lb.ListenerRule(
        n("rule"),
        listener_arn=arn(
            "elasticloadbalancing", "listener/app/perfcheck-prod-alb/50dc6c495c0c9188/f2f7dc8efc"
        ),
        priority=20,
        actions=[{"type": "forward", "target_group_arn": TG_ARN}],
        conditions=[{"path_pattern": {"values": ["/admin/*"]}}],
        tags=TAGS,
    )


@good("g6-rds-params-tls13", "good-tricky")
def _(n: Name) -> None:
    """force_ssl on and TLS 1.3 minimum; a compliant instance uses it."""
    group = aws.rds.ParameterGroup(
        n("params"),
        family="postgres17",
        parameters=[
            {"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"},
            {"name": "ssl_min_protocol_version", "value": "TLSv1.3", "apply_method": "immediate"},
        ],
        tags=TAGS,
    )
    db(n, parameter_group_name=group.name)


@good("g6-rds-numbers-as-strings", "good-tricky")
def _(n: Name) -> None:
    """A compliant instance with numbers given as strings ("14", "100")."""
    db(n, backup_retention_period="14", allocated_storage="100")


@good("g6-cache-user-scoped")
def _(n: Name) -> None:
    """A cache user limited to the app's keys, password auth."""
    aws.elasticache.User(
        n("user"),
        user_id=n("user"),
        user_name="isr-reader",
        engine="valkey",
        access_string="on ~perfcheck:* -@all +@read +@connection",
        authentication_mode={
            "type": "password",
            "passwords": [pulumi.Output.secret(token("isr", 32))],
        },
        tags=TAGS,
    )


@good("g6-cache-compliant-second")
def _(n: Name) -> None:
    """A second cache (sessions) configured like today's."""
    cache(n)


@good("g6-kms-key-viaservice", "good-tricky")
def _(n: Name) -> None:
    """Principal * narrowed to this account through Secrets Manager (AWS's documented shape)."""
    key(
        n,
        policy=policy(
            root_statement(),
            {
                "Sid": "ThroughSecretsManager",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": ACCOUNT,
                        "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com",
                    }
                },
            },
        ),
    )


@good("g6-kms-rotation-period")
def _(n: Name) -> None:
    """Rotation on, with a 180-day period."""
    key(n, rotation_period_in_days=180)


@good("g6-secret-rotated-monthly")
def _(n: Name) -> None:
    """A CMK secret rotated every 30 days."""
    s = aws.secretsmanager.Secret(
        n("secret"), kms_key_id=KEY_ARN, recovery_window_in_days=30, tags=TAGS
    )
    aws.secretsmanager.SecretRotation(
        n("rotation"),
        secret_id=s.id,
        rotation_lambda_arn=arn("lambda", "function:perfcheck-prod-rotate"),
        rotation_rules={"schedule_expression": "rate(30 days)"},
    )


@good("g6-secret-policy-deny-others", "good-tricky")
def _(n: Name) -> None:
    """A secret policy with Principal * in a Deny (deny everyone but the app role)."""
    s = aws.secretsmanager.Secret(n("secret"), kms_key_id=KEY_ARN, tags=TAGS)
    aws.secretsmanager.SecretPolicy(
        n("policy"),
        secret_arn=s.arn,
        block_public_policy=True,
        policy=policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalArn": ROLE_ARN}},
            }
        ),
    )


@good("g6-iam-scoped-task-policy")
def _(n: Name) -> None:
    """A task role that reads one secret and writes one queue."""
    role = aws.iam.Role(
        n("role"),
        path="/perfcheck/prod/",
        assume_role_policy=trust("ecs-tasks.amazonaws.com"),
        tags=TAGS,
    )
    aws.iam.RolePolicy(
        n("inline"),
        role=role.id,
        policy=policy(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN},
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
                "Resource": arn("sqs", "perfcheck-prod-jobs"),
            },
        ),
    )


@good("g6-iam-deny-star", "good-tricky")
def _(n: Name) -> None:
    """A guard policy: Deny * on * outside eu-west-1 (a Deny with wildcards narrows)."""
    aws.iam.Policy(
        n("policy"),
        path="/perfcheck/prod/",
        policy=policy(
            {
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "cloudfront:*", "route53:*", "support:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGION}},
            }
        ),
        tags=TAGS,
    )


@good("g6-s3-oac-policy", "good-tricky")
def _(n: Name) -> None:
    """A bucket readable by CloudFront only, through OAC with the distribution's ARN."""
    b = bucket(n)
    distribution_arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHAPOMQZL"
    aws.s3.BucketPolicy(
        n("policy"),
        bucket=b.id,
        policy=b.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": "s3:GetObject",
                    "Resource": f"{a}/*",
                    "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [a, f"{a}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            )
        ),
    )


@good("g6-s3-versioned-bucket")
def _(n: Name) -> None:
    """A private, CMK-encrypted, versioned bucket."""
    b = bucket(n)
    aws.s3.BucketVersioning(
        n("versioning"), bucket=b.id, versioning_configuration={"status": "Enabled"}
    )


@good("g6-sg-from-cloudfront-prefix-list", "good-tricky")
def _(n: Name) -> None:
    """Ingress from CloudFront's origin-facing managed prefix list only."""
    sg = security_group(n, "second alb")
    aws.vpc.SecurityGroupIngressRule(
        n("rule"),
        security_group_id=sg.id,
        ip_protocol="tcp",
        from_port=80,
        to_port=80,
        prefix_list_id="pl-4fa04526",
        description="CloudFront origin-facing",
        tags=TAGS,
    )


@good("g6-sg-from-sg")
def _(n: Name) -> None:
    """Database ingress from the app's security group only."""
    sg = security_group(n, "database")
    aws.vpc.SecurityGroupIngressRule(
        n("rule"),
        security_group_id=sg.id,
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        referenced_security_group_id="sg-0123456789abcdef0",
        description="app tasks",
        tags=TAGS,
    )


@good("g6-alarm-p99")
def _(n: Name) -> None:
    """A p99 latency alarm with actions, missing data breaching."""
    alarm(
        n,
        metric_name="TargetResponseTime",
        statistic=None,
        extended_statistic="p99",
        threshold=1.5,
        treat_missing_data="breaching",
    )


@good("g6-log-group-kms")
def _(n: Name) -> None:
    """A worker's log group with retention and a CMK."""
    log_group(n, "/ecs/perfcheck-worker")


@good("g6-budget-service-filtered", "good-tricky")
def _(n: Name) -> None:
    """A second monthly budget for CloudFront spend alone, with actual and forecast alerts."""
    budget(
        n,
        limit_amount="150",
        cost_filters=[{"name": "Service", "values": ["Amazon CloudFront"]}],
        notifications=[
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": 80,
                "threshold_type": "PERCENTAGE",
                "notification_type": "ACTUAL",
                "subscriber_sns_topic_arns": [TOPIC_ARN],
            },
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": 100,
                "threshold_type": "PERCENTAGE",
                "notification_type": "FORECASTED",
                "subscriber_sns_topic_arns": [TOPIC_ARN],
            },
        ],
    )


@good("g6-cf-function-reads-token", "good-tricky")
def _(n: Name) -> None:
    """A CloudFront Function that reads a token from the query string (no secret in the code)."""
    code = (
        "function handler(event) {\n"
        "  var request = event.request;\n"
        "  var token = request.querystring.token;\n"
        "  if (!token) { return {statusCode: 401, statusDescription: 'Unauthorized'}; }\n"
        "  return request;\n"
        "}\n"
    )
    aws.cloudfront.Function(
        n("fn"), runtime="cloudfront-js-2.0", code=code, publish=True, tags=TAGS
    )


@good("g6-cf-headers-policy")
def _(n: Name) -> None:
    """A response headers policy with HSTS and the usual security headers."""
    aws.cloudfront.ResponseHeadersPolicy(
        n("headers"),
        comment="security headers",
        security_headers_config={
            "strict_transport_security": {
                "access_control_max_age_sec": 63072000,
                "include_subdomains": True,
                "preload": True,
                "override": True,
            },
            "content_type_options": {"override": True},
            "frame_options": {"frame_option": "DENY", "override": True},
            "referrer_policy": {
                "referrer_policy": "strict-origin-when-cross-origin",
                "override": True,
            },
        },
    )


@good("g6-waf-blocking")
def _(n: Name) -> None:
    """Managed groups blocking, one rule in the group counted, a rate limit of 2,000."""
    rate = {
        "name": "rate",
        "priority": 3,
        "action": {"block": {}},
        "statement": {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}},
        "visibility_config": visibility("rate"),
    }
    web_acl(
        n,
        [
            managed_rule(
                "AWSManagedRulesCommonRuleSet",
                1,
                rule_action_overrides=[
                    {"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}
                ],
            ),
            managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
            rate,
        ],
    )


@good("g6-waf-rule-json-blocking", "good-tricky")
def _(n: Name) -> None:
    """Rules as rule_json, managed groups left to block (OverrideAction None)."""
    rules = [
        {
            "Name": name,
            "Priority": i,
            "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
            "VisibilityConfig": {
                "CloudWatchMetricsEnabled": True,
                "MetricName": name,
                "SampledRequestsEnabled": True,
            },
        }
        for i, name in enumerate(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"])
    ]
    web_acl(n, None, rule_json=json.dumps(rules))


@good("g6-sqs-cmk-dlq")
def _(n: Name) -> None:
    """A job queue with a CMK and a dead-letter queue."""
    dlq = aws.sqs.Queue(n("dlq"), kms_master_key_id=KEY_ARN, tags=TAGS)
    aws.sqs.Queue(
        n("queue"),
        kms_master_key_id=KEY_ARN,
        redrive_policy=dlq.arn.apply(
            lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})
        ),
        tags=TAGS,
    )


@good("g6-dynamodb-protected")
def _(n: Name) -> None:
    """A sessions table with PITR, deletion protection and a CMK."""
    aws.dynamodb.Table(
        n("table"),
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        point_in_time_recovery={"enabled": True},
        deletion_protection_enabled=True,
        server_side_encryption={"enabled": True, "kms_key_arn": KEY_ARN},
        tags=TAGS,
        opts=PROTECTED,
    )


@good("g6-sns-https-subscription")
def _(n: Name) -> None:
    """The alarm topic delivering to an HTTPS webhook."""
    aws.sns.TopicSubscription(
        n("sub"), topic=TOPIC_ARN, protocol="https", endpoint="https://hooks.example.com/alarms"
    )


@good("g6-launch-template-imdsv2")
def _(n: Name) -> None:
    """A launch template requiring IMDSv2 with an encrypted root volume."""
    aws.ec2.LaunchTemplate(
        n("lt"),
        image_id="ami-0abcdef1234567890",
        instance_type="t4g.small",
        metadata_options={
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
        },
        block_device_mappings=[
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "encrypted": "true",
                    "kms_key_id": KEY_ARN,
                    "volume_size": 20,
                    "volume_type": "gp3",
                },
            }
        ],
        tags=TAGS,
    )


@good("g6-ssm-securestring")
def _(n: Name) -> None:
    """A SecureString parameter under a CMK, value from encrypted config."""
    aws.ssm.Parameter(
        n("param"),
        name="/perfcheck/prod/partner-token",
        type="SecureString",
        key_id=KEY_ARN,
        value=pulumi.Output.secret(token("ssmsec", 32)),
        tags=TAGS,
    )


# == Batch 2 (written blind, after batch 1's first run) ==========================================


@bad("w6-ecs-health-check-exit0", "hollow")
def _(n: Name) -> None:
    """A health check that always succeeds (`exit 0`)."""
    check = {"command": ["CMD-SHELL", "exit 0"], "interval": 30, "timeout": 5, "retries": 3}
    task(n, [ctr(healthCheck=check)])


@bad("w6-svc-grace-forever", "hollow")
def _(n: Name) -> None:
    """A health-check grace period of 2,147,483,647 s: unhealthy tasks are never replaced."""
    service(
        n,
        health_check_grace_period_seconds=2147483647,
        load_balancers=[
            {"target_group_arn": TG_ARN, "container_name": "nextjs", "container_port": 3000}
        ],
    )


@bad("w6-alb-oidc-client-secret", "credential")
def _(n: Name) -> None:
    """An authenticate-oidc rule whose client secret is a literal in the action."""
    aws.lb.ListenerRule(
        n("rule"),
        listener_arn=arn(
            "elasticloadbalancing", "listener/app/perfcheck-prod-alb/50dc6c495c0c9188/f2f7dc8efc"
        ),
        priority=30,
        actions=[
            {
                "type": "authenticate-oidc",
                "order": 1,
                "authenticate_oidc": {
                    "authorization_endpoint": "https://login.example.com/authorize",
                    "client_id": "perfcheck-admin",
                    "client_secret": token("oidc", 40),
                    "issuer": "https://login.example.com",
                    "token_endpoint": "https://login.example.com/token",
                    "user_info_endpoint": "https://login.example.com/userinfo",
                },
            },
            {"type": "forward", "order": 2, "target_group_arn": TG_ARN},
        ],
        conditions=[{"path_pattern": {"values": ["/admin/*"]}}],
        tags=TAGS,
    )


@bad("w6-rds-snapshot-public", "exposure")
def _(n: Name) -> None:
    """A manual DB snapshot shared with `all`: public."""
    aws.rds.Snapshot(
        n("snapshot"),
        db_instance_identifier="perfcheck-prod-db",
        db_snapshot_identifier=n("snapshot"),
        shared_accounts=["all"],
        tags=TAGS,
    )


@bad("w6-cache-usergroup-default-user", "hollow")
def _(n: Name) -> None:
    """A user group holding ElastiCache's `default` user (no password, every command)."""
    group = aws.elasticache.UserGroup(
        n("users"), engine="valkey", user_group_id=n("users"), user_ids=["default"], tags=TAGS
    )
    cache(n, user_group_ids=[group.user_group_id], auth_token=None)


@bad("w6-cache-serverless-no-cmk", "at-rest")
def _(n: Name) -> None:
    """A serverless cache under AWS's own key, not the stack's CMK."""
    aws.elasticache.ServerlessCache(
        n("serverless"),
        engine="valkey",
        major_engine_version="8",
        subnet_ids=SUBNETS,
        security_group_ids=["sg-0cac0cac0cac0cac0"],
        snapshot_retention_limit=7,
        tags=TAGS,
    )


@bad("w6-cf-oac-never-sign", "hollow")
def _(n: Name) -> None:
    """An origin access control that never signs requests."""
    aws.cloudfront.OriginAccessControl(
        n("oac"),
        name=n("oac"),
        origin_access_control_origin_type="s3",
        signing_behavior="never",
        signing_protocol="sigv4",
    )


@bad("w6-cf-hsts-zero", "hollow")
def _(n: Name) -> None:
    """HSTS with max-age 0, overriding the origin: browsers forget HTTPS-only."""
    aws.cloudfront.ResponseHeadersPolicy(
        n("headers"),
        comment="headers",
        security_headers_config={
            "strict_transport_security": {
                "access_control_max_age_sec": 0,
                "include_subdomains": True,
                "override": True,
            }
        },
    )


@bad("w6-waf-allow-world-ipset-first", "hollow")
def _(n: Name) -> None:
    """Priority 0: allow an IP set of 0.0.0.0/1 + 128.0.0.0/1, before any managed rule."""
    ips = aws.wafv2.IpSet(
        n("ips"),
        scope="CLOUDFRONT",
        ip_address_version="IPV4",
        addresses=["0.0.0.0/1", "128.0.0.0/1"],
        tags=TAGS,
    )
    allow = {
        "name": "partners",
        "priority": 0,
        "action": {"allow": {}},
        "statement": {"ip_set_reference_statement": {"arn": ips.arn}},
        "visibility_config": visibility("partners"),
    }
    web_acl(n, [allow, managed_rule("AWSManagedRulesCommonRuleSet", 1)])


@bad("w6-kms-replica-anyone", "iam")
def _(n: Name) -> None:
    """A multi-Region replica key whose policy lets anyone use it."""
    aws.kms.ReplicaKey(
        n("replica"),
        primary_key_arn=KEY_ARN.replace("key/", "key/mrk-"),
        policy=policy(
            root_statement(),
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
        ),
        tags=TAGS,
    )


@bad("w6-secret-rotation-yearly", "hollow")
def _(n: Name) -> None:
    """Rotation every 365 days (the stack rotates monthly)."""
    s = aws.secretsmanager.Secret(n("secret"), kms_key_id=KEY_ARN, tags=TAGS)
    aws.secretsmanager.SecretRotation(
        n("rotation"),
        secret_id=s.id,
        rotation_lambda_arn=arn("lambda", "function:perfcheck-prod-rotate"),
        rotation_rules={"automatically_after_days": 365},
    )


@bad("w6-iam-condition-both-values", "hollow")
def _(n: Name) -> None:
    """s3:* on * under a condition that matches both values of aws:SecureTransport."""
    aws.iam.Policy(
        n("policy"),
        path="/perfcheck/prod/",
        policy=policy(
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}},
            }
        ),
        tags=TAGS,
    )


@bad("w6-iam-user-policy-admin", "iam")
def _(n: Name) -> None:
    """Admin through a user's inline policy (another IAM type)."""
    user = aws.iam.User(n("user"), path="/perfcheck/prod/", tags=TAGS)
    aws.iam.UserPolicy(
        n("inline"),
        user=user.name,
        policy=policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )


@bad("w6-iam-group-admin-attached", "iam")
def _(n: Name) -> None:
    """AdministratorAccess attached to a group."""
    group = aws.iam.Group(n("group"), path="/perfcheck/prod/")
    aws.iam.GroupPolicyAttachment(
        n("attach"), group=group.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"
    )


@bad("w6-iam-github-oidc-any-repo", "iam")
def _(n: Name) -> None:
    """A role GitHub Actions may assume from any repository (`sub` is `repo:*`)."""
    oidc = aws.iam.OpenIdConnectProvider(
        n("oidc"),
        url="https://token.actions.githubusercontent.com",
        client_id_lists=["sts.amazonaws.com"],
        tags=TAGS,
    )
    aws.iam.Role(
        n("role"),
        path="/perfcheck/prod/",
        assume_role_policy=oidc.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": a},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                        },
                        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"},
                    },
                }
            )
        ),
        tags=TAGS,
    )


@bad("w6-s3-acl-authenticated-read", "exposure")
def _(n: Name) -> None:
    """The canned ACL authenticated-read: any AWS account may read."""
    b = aws.s3.Bucket(n("bucket"), tags=TAGS)
    aws.s3.BucketOwnershipControls(
        n("ownership"), bucket=b.id, rule={"object_ownership": "BucketOwnerPreferred"}
    )
    aws.s3.BucketAcl(n("acl"), bucket=b.id, acl="authenticated-read")


@bad("w6-sg-default-group-open", "exposure")
def _(n: Name) -> None:
    """The VPC's default security group adopted with ingress from anywhere."""
    aws.ec2.DefaultSecurityGroup(
        n("default-sg"),
        vpc_id=VPC,
        ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
        tags=TAGS,
    )


@bad("w6-composite-alarm-disabled", "hollow")
def _(n: Name) -> None:
    """A composite alarm whose actions are disabled."""
    aws.cloudwatch.CompositeAlarm(
        n("composite"),
        alarm_name=n("composite"),
        alarm_rule='ALARM("perfcheck-prod-5xx") OR ALARM("perfcheck-prod-p99")',
        actions_enabled=False,
        alarm_actions=[TOPIC_ARN],
        tags=TAGS,
    )


@bad("w6-budget-expired", "hollow")
def _(n: Name) -> None:
    """A budget whose period ended in 2025: it watches nothing."""
    budget(n, time_period_start="2024-01-01_00:00", time_period_end="2025-01-01_00:00")


@bad("w6-mq-public-broker", "exposure")
def _(n: Name) -> None:
    """A publicly accessible RabbitMQ broker."""
    aws.mq.Broker(
        n("broker"),
        broker_name=n("broker"),
        engine_type="RabbitMQ",
        engine_version="3.13",
        host_instance_type="mq.m7g.medium",
        deployment_mode="SINGLE_INSTANCE",
        publicly_accessible=True,
        auto_minor_version_upgrade=True,
        users=[{"username": "app", "password": pulumi.Output.secret(token("mqpw", 24))}],
        tags=TAGS,
    )


@bad("w6-scheduler-override-password", "credential")
def _(n: Name) -> None:
    """A scheduled ECS task whose container override carries the DB password."""
    overrides = {
        "containerOverrides": [
            {
                "name": "worker",
                "environment": [{"name": "PGPASSWORD", "value": token("schedpw", 26)}],
            }
        ]
    }
    aws.scheduler.Schedule(
        n("schedule"),
        schedule_expression="cron(0 3 * * ? *)",
        flexible_time_window={"mode": "OFF"},
        target={
            "arn": arn("ecs", "cluster/perfcheck-prod"),
            "role_arn": ROLE_ARN,
            "input": json.dumps(overrides),
            "ecs_parameters": {
                "task_definition_arn": arn("ecs", "task-definition/perfcheck-prod-worker:3"),
                "launch_type": "FARGATE",
                "network_configuration": {"subnets": SUBNETS, "assign_public_ip": False},
            },
        },
    )


@bad("w6-cloudformation-public-bucket", "new-service")
def _(n: Name) -> None:
    """A CloudFormation stack whose template makes a public bucket (resources out of sight)."""
    template = {
        "Resources": {
            "Share": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": False,
                        "BlockPublicPolicy": False,
                        "IgnorePublicAcls": False,
                        "RestrictPublicBuckets": False,
                    }
                },
            }
        }
    }
    aws.cloudformation.Stack(n("cfn"), template_body=json.dumps(template), tags=TAGS)


@bad("w6-lambda-permission-anyone", "exposure")
def _(n: Name) -> None:
    """Any principal may invoke the rotation function."""
    aws.lambda_.Permission(
        n("permission"),
        action="lambda:InvokeFunction",
        function="perfcheck-prod-rotate",
        principal="*",
    )


@bad("w6-tags-lowercase-keys", "tags")
def _(n: Name) -> None:
    """Cost tags with lowercase keys (tag keys are case-sensitive: `project` is not `Project`)."""
    lower = {k.lower(): v for k, v in TAGS.items()}
    aws.sqs.Queue(n("queue"), kms_master_key_id=KEY_ARN, tags=lower)


@bad("w6-provider-static-keys", "credential")
def _(n: Name) -> None:
    """An explicit provider with a static access key pair in its arguments."""
    provider = aws.Provider(
        n("provider"),
        region="eu-west-1",
        access_key="AKIA" + token("akid", 16, BASE32),
        secret_key=token("sak", 40),
        default_tags={"tags": TAGS},
    )
    aws.sqs.Queue(
        n("queue"),
        kms_master_key_id=KEY_ARN,
        tags=TAGS,
        opts=pulumi.ResourceOptions(provider=provider),
    )


@good("g6-github-oidc-one-branch", "good-tricky")
def _(n: Name) -> None:
    """GitHub Actions may assume the role from this repository's main branch only."""
    oidc = aws.iam.OpenIdConnectProvider(
        n("oidc"),
        url="https://token.actions.githubusercontent.com",
        client_id_lists=["sts.amazonaws.com"],
        tags=TAGS,
    )
    aws.iam.Role(
        n("role"),
        path="/perfcheck/prod/",
        assume_role_policy=oidc.arn.apply(
            lambda a: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": a},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": (
                                "repo:example-org/perfcheck:ref:refs/heads/main"
                            ),
                        }
                    },
                }
            )
        ),
        tags=TAGS,
    )


@good("g6-lambda-permission-events")
def _(n: Name) -> None:
    """EventBridge may invoke the function, from one rule only."""
    aws.lambda_.Permission(
        n("permission"),
        action="lambda:InvokeFunction",
        function="perfcheck-prod-redeploy",
        principal="events.amazonaws.com",
        source_arn=arn("events", "rule/perfcheck-prod-rotated"),
        source_account=ACCOUNT,
    )


@good("g6-scheduler-plain-override", "good-tricky")
def _(n: Name) -> None:
    """A scheduled ECS task overriding only settings; the password comes from the task's secrets."""
    overrides = {
        "containerOverrides": [
            {"name": "worker", "environment": [{"name": "JOB", "value": "vacuum-analyze"}]}
        ]
    }
    aws.scheduler.Schedule(
        n("schedule"),
        schedule_expression="cron(0 3 * * ? *)",
        flexible_time_window={"mode": "OFF"},
        kms_key_arn=KEY_ARN,
        target={
            "arn": arn("ecs", "cluster/perfcheck-prod"),
            "role_arn": ROLE_ARN,
            "input": json.dumps(overrides),
            "ecs_parameters": {
                "task_definition_arn": arn("ecs", "task-definition/perfcheck-prod-worker:3"),
                "launch_type": "FARGATE",
                "network_configuration": {"subnets": SUBNETS, "assign_public_ip": False},
            },
        },
    )


@good("g6-cf-oac-always")
def _(n: Name) -> None:
    """An origin access control that always signs."""
    aws.cloudfront.OriginAccessControl(
        n("oac"),
        name=n("oac"),
        origin_access_control_origin_type="s3",
        signing_behavior="always",
        signing_protocol="sigv4",
    )


@good("g6-waf-office-allow-narrow", "good-tricky")
def _(n: Name) -> None:
    """An allow rule for one office range (/24) ahead of the managed groups."""
    ips = aws.wafv2.IpSet(
        n("ips"),
        scope="CLOUDFRONT",
        ip_address_version="IPV4",
        addresses=["203.0.113.0/24"],
        tags=TAGS,
    )
    allow = {
        "name": "office",
        "priority": 0,
        "action": {"allow": {}},
        "statement": {"ip_set_reference_statement": {"arn": ips.arn}},
        "visibility_config": visibility("office"),
    }
    web_acl(
        n,
        [
            allow,
            managed_rule("AWSManagedRulesCommonRuleSet", 1),
            managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
        ],
    )


@good("g6-composite-alarm")
def _(n: Name) -> None:
    """A composite alarm paging the topic."""
    aws.cloudwatch.CompositeAlarm(
        n("composite"),
        alarm_name=n("composite"),
        alarm_rule='ALARM("perfcheck-prod-5xx") AND ALARM("perfcheck-prod-p99")',
        alarm_actions=[TOPIC_ARN],
        ok_actions=[TOPIC_ARN],
        tags=TAGS,
    )


@good("g6-default-sg-adopted-empty", "good-tricky")
def _(n: Name) -> None:
    """The VPC's default security group adopted with no rules at all (as the stack does)."""
    aws.ec2.DefaultSecurityGroup(n("default-sg"), vpc_id=VPC, tags=TAGS)


@good("g6-budget-dated-future", "good-tricky")
def _(n: Name) -> None:
    """A monthly budget with an explicit start and an end far ahead."""
    budget(n, time_period_start="2026-01-01_00:00", time_period_end="2087-06-15_00:00")
