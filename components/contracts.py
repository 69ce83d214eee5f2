"""What one tier hands the next: small typed records of outputs, so components never reach into
each other and `__main__.py` wires them by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import pulumi


class ComponentArgs(TypedDict):
    """What every component's arguments start with."""

    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`."""


@dataclass(frozen=True)
class SecretRef:
    """A Secrets Manager secret a container reads through ECS `secrets`."""

    arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    """The key that encrypts it (the execution role must be allowed to decrypt with it)."""
    json_key: str | None = None
    """For a JSON secret, the key to read (ECS valueFrom `<arn>:<json_key>::`)."""


@dataclass(frozen=True)
class AppSecrets:
    """The credentials the app needs beyond the database's own, all generated at deploy time."""

    redis_auth_token: SecretRef
    revalidate_secret: SecretRef
    server_actions_key: SecretRef
    internal_token: SecretRef
    redis_auth_token_value: pulumi.Output[str]
    """Secret Output: the AUTH token's AWSCURRENT at `up`, which a replication group created in
    that `up` starts with (Pulumi keeps it encrypted in state)."""


@dataclass(frozen=True)
class DatabaseConnection:
    """How the service reaches PostgreSQL."""

    host: pulumi.Output[str]
    """The RDS Proxy endpoint when the proxy is on, else the instance address."""
    port: pulumi.Output[int]
    database_name: str
    username: str
    """The app's own role (components/database_roles.py APP_ROLE): IAM login, no password."""
    connect_arn: pulumi.Output[str]
    """The `rds-db:connect` resource for that role on `host` (the proxy's or the instance's)."""
    instance_identifier: pulumi.Output[str]
    proxy_name: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class CacheConnection:
    """How the service reaches the shared cache (always TLS + AUTH)."""

    host: pulumi.Output[str]
    port: pulumi.Output[int]
    replication_group_id: pulumi.Output[str]


@dataclass(frozen=True)
class TrafficTarget:
    """One of the two target groups ECS moves live traffic between."""

    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """`targetgroup/<name>/<id>`: the CloudWatch TargetGroup dimension."""


@dataclass(frozen=True)
class LoadBalancerOrigin:
    """What CloudFront needs to reach the internal ALB, what ECS needs to shift traffic on it,
    and what alarms and scaling need to watch it."""

    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    """The ALB's Route 53 zone: the target of the origin name's alias record."""
    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """`app/<name>/<id>`: the CloudWatch LoadBalancer dimension (all live traffic)."""
    primary: TrafficTarget
    """The target group the service registers first (blue)."""
    alternate: TrafficTarget
    """The other one (green); traffic-shifting deploys register new tasks here."""
    production_rule_arn: pulumi.Output[str]
    """The listener rule that forwards to both groups by weight; ECS shifts its weights. Its
    ARN resolves only once the rule exists, so whoever uses it waits for it."""
    infrastructure_role_arn: pulumi.Output[str]
    """The role ECS assumes to change the production rule's weights."""
    origin_protocol_policy: str
    """`https-only` with a certificate on the ALB, else `http-only` (the VPC-origin hop)."""


@dataclass(frozen=True)
class Distribution:
    """The CloudFront distribution in front of the service."""

    id: pulumi.Output[str]
    arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]
