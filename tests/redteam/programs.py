"""Building blocks for the red-team corpus: records of any type beside the compliant prod stack.

The corpus is written from AWS's and pulumi-aws's shapes, not from the rules' code, so that it
judges the packs on resources they were not written for.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from foundation.records import UNKNOWN, ResourceRecord
from tests.policies.builders import (
    ACCOUNT,
    REGION,
    arn,
    container,
    cost_tags,
    record,
    replace,
    secret,
    with_options,
)

R = Mapping[str, ResourceRecord]
Build = Callable[[R], dict[str, ResourceRecord]]
STACK = "prod"
TAGS = cost_tags(STACK)
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


@dataclass(frozen=True)
class Program:
    """One red-team program: resources added to (or replacing some of) the compliant prod stack.

    `bad`: at least one of the program's resources must get a mandatory finding in prod.
    Good: none of them may get any finding. `config` patches the prod guardrails config (and may
    return the file's whole text instead, for what a dict cannot say: a duplicate key). `stack`,
    `config_from` and `stack_config` run it as another stack: its name, the stack whose policy
    configs were copied for it, and its Pulumi config (`perfcheck:environment`, ...).
    """

    name: str
    klass: str
    bad: bool
    build: Build
    config: Callable[[dict[str, Any]], str | None] | None = field(default=None)
    stack: str = STACK
    config_from: str | None = None
    stack_config: Mapping[str, str] | None = None
    alone: bool = False
    """Judged in a run of its own: it changes what the stack's other resources are judged by
    (a registry-wide setting), so it must not share a run with other programs."""

    @property
    def configured(self) -> bool:
        """Judged with a config or stack of its own (not in a shared run)."""
        return (
            self.config is not None
            or self.stack != STACK
            or self.config_from is not None
            or self.stack_config is not None
        )


def add(type_token: str, name: str, inputs: Mapping[str, Any], **kw: Any) -> ResourceRecord:
    """A resource of `type_token` with the stack's cost tags (so tags are never the finding)."""
    body = dict(inputs)
    body.setdefault("tags", dict(TAGS))
    return record(STACK, type_token, name, body, **kw)


def one(type_token: str, name: str, inputs: Mapping[str, Any], **kw: Any) -> Build:
    return lambda r: {name: add(type_token, name, inputs, **kw)}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def task(
    name: str,
    containers: list[dict[str, Any]],
    volumes: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> ResourceRecord:
    """A Fargate task definition with the given containers (JSON, as the provider sends it)."""
    return add(
        "aws:ecs/taskDefinition:TaskDefinition",
        name,
        {
            "family": f"perfcheck-{name}",
            "cpu": "512",
            "memory": "1024",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
            "executionRoleArn": UNKNOWN,
            "taskRoleArn": UNKNOWN,
            "containerDefinitions": json.dumps(containers),
            "volumes": volumes if volumes is not None else [{"name": "tmp"}],
            **extra,
        },
    )


def worker(image: str, **overrides: Any) -> dict[str, Any]:
    return container("worker", image, 8080, **overrides)


def env(**values: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def efs_volume(name: str = "data") -> dict[str, Any]:
    return {
        "name": name,
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }


def mount(path: str, volume: str = "data") -> list[dict[str, Any]]:
    return [
        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False},
        {"sourceVolume": volume, "containerPath": path, "readOnly": False},
    ]


def efs_task(name: str, image: str, path: str, **overrides: Any) -> Build:
    """A task whose container mounts an EFS volume at `path`."""

    def build(r: R) -> dict[str, ResourceRecord]:
        definition = worker(image, mountPoints=mount(path), **overrides)
        return {name: task(name, [definition], [{"name": "tmp"}, efs_volume()])}

    return build


def lambda_function(name: str, variables: Mapping[str, Any], **extra: Any) -> ResourceRecord:
    return add(
        "aws:lambda/function:Function",
        name,
        {
            "runtime": "python3.12",
            "handler": "app.handler",
            "role": UNKNOWN,
            "packageType": "Zip",
            "environment": {"variables": dict(variables)},
            "loggingConfig": {"logFormat": "JSON", "logGroup": f"/aws/lambda/{name}"},
            **extra,
        },
    )


def lambda_env(name: str, **variables: Any) -> Build:
    def build(r: R) -> dict[str, ResourceRecord]:
        group = add(
            "aws:cloudwatch/logGroup:LogGroup",
            f"{name}-logs",
            {"name": f"/aws/lambda/{name}", "retentionInDays": 30, "kmsKeyId": UNKNOWN},
        )
        return {name: lambda_function(name, variables), f"{name}-logs": group}

    return build


def container_env(name: str, **variables: str) -> Build:
    return lambda r: {
        name: task(name, [worker(f"{ECR}/perfcheck-{name}:1.0.0", environment=env(**variables))])
    }


def changed(role: str, **changes: Any) -> Build:
    """The compliant stack's `role` with some inputs changed."""
    return lambda r: {role: replace(r[role], **changes)}


def renamed(rec: ResourceRecord, name: str) -> ResourceRecord:
    """A copy of `rec` as another resource of its type (a second service, a copied component)."""
    return with_options(rec, urn=rec.urn.rsplit("::", 1)[0] + f"::{name}", name=name)


def both(*builds: Build) -> Build:
    def build(r: R) -> dict[str, ResourceRecord]:
        out: dict[str, ResourceRecord] = {}
        for b in builds:
            out.update(b(r))
        return out

    return build


__all__ = [
    "ACCOUNT",
    "ECR",
    "REGION",
    "STACK",
    "TAGS",
    "UNKNOWN",
    "Program",
    "add",
    "arn",
    "b64",
    "both",
    "changed",
    "container",
    "container_env",
    "efs_task",
    "efs_volume",
    "env",
    "lambda_env",
    "lambda_function",
    "mount",
    "one",
    "renamed",
    "replace",
    "secret",
    "task",
    "worker",
]
