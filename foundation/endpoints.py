"""Which AWS service endpoint a call from inside a VPC goes to, and which of those PrivateLink
serves: the facts both the network (which endpoints to create) and the reachability deploy check
(which paths a caller needs) read.

Only calls that leave the caller over the network count. Two kinds never do: RDS IAM tokens
(`rds-db:connect`) are signed locally with the caller's credentials, and ECS tasks get their role
credentials from the task metadata endpoint (169.254.170.2), not from STS.
"""

from __future__ import annotations

import re

# IAM action prefix -> the endpoint service name (com.amazonaws.<region>.<name>) the call goes to.
ACTION_ENDPOINTS: dict[str, str] = {
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "logs": "logs",
    "cloudwatch": "monitoring",
    "xray": "xray",
    "sts": "sts",
    "ssm": "ssm",
    "ssmmessages": "ssmmessages",
    "ecs": "ecs",
    "elasticache": "elasticache",
    "s3": "s3",
    "cloudfront": "cloudfront",
    "ecr-public": "ecr-public",
}

LOCAL_ACTION_PREFIXES = frozenset({"rds-db"})
"""Actions that make no network call from the caller (IAM database tokens are signed locally)."""

ECR_PULL = ("ecr.api", "ecr.dkr", "s3")
"""A private ECR pull: the registry API, the Docker endpoint, and S3 for the image layers."""

GATEWAY_SERVICES = frozenset({"s3"})
"""Services reached through a gateway endpoint (a route in the subnet's route table)."""

NO_PRIVATELINK = frozenset({"cloudfront", "ecr-public"})
"""Services a VPC caller can reach only over the internet (NAT): CloudFront's API and ECR Public
(public.ecr.aws) have no interface endpoint."""

INTERFACE_SERVICES = (
    "secretsmanager",
    "ecr.api",
    "ecr.dkr",
    "logs",
    "monitoring",
    "xray",
)
"""The interface endpoints the network creates: each serves a caller the reachability model
proves needs it (perfcheck_deploy/reachability.py `endpoint-without-caller`; `make preview` prints
who). No kms: Secrets Manager decrypts for ECS server-side, and no task calls KMS itself. No
sts: tasks get role credentials from the task metadata endpoint, not from STS."""

HTTPS_PORT = 443

_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
_PUBLIC_ECR = "public.ecr.aws/"


def endpoint_service_name(region: str, service: str) -> str:
    """com.amazonaws.eu-west-1.secretsmanager"""
    return f"com.amazonaws.{region}.{service}"


def service_of_endpoint(service_name: str) -> str:
    """secretsmanager for com.amazonaws.eu-west-1.secretsmanager (ecr.dkr keeps its dot)."""
    parts = service_name.split(".")
    return ".".join(parts[3:]) if len(parts) > 3 else service_name


def services_for_actions(actions: list[str]) -> set[str]:
    """The endpoint services a set of IAM actions calls (unknown prefixes map to themselves)."""
    services: set[str] = set()
    for action in actions:
        prefix = action.split(":", 1)[0].lower()
        if not prefix or prefix == "*" or prefix in LOCAL_ACTION_PREFIXES:
            continue
        if prefix == "ecr":
            services.update(ECR_PULL)
        else:
            services.add(ACTION_ENDPOINTS.get(prefix, prefix))
    return services


def services_for_image(image: str) -> set[str]:
    """What pulling this image calls: private ECR (API, Docker, S3), ECR Public, or a registry on
    the internet (reported as the registry host)."""
    if _PRIVATE_ECR.match(image):
        return set(ECR_PULL)
    if image.startswith(_PUBLIC_ECR):
        return {"ecr-public"}
    host = image.split("/", 1)[0] if "/" in image else "docker.io"
    if "." not in host and ":" not in host:
        host = "docker.io"
    return {host}
