"""The shape of a rule test case (shared by test_policy_rules, bypass_cases and the spelling
fuzz test): a change to the captured prod program and what it must (or must not) produce."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import UNKNOWN, record, replace

R = Mapping[str, ResourceRecord]
Changes = Callable[[R], dict[str, ResourceRecord | None]]
LISTENER = "aws:lb/listener:Listener"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"


@dataclass(frozen=True)
class Case:
    policy: str
    id: str
    changes: Changes
    resource: str  # name of the resource the violation must name ("" for the stack)
    fragment: str  # text the message must contain (the property, what was found)
    level: str = "mandatory"
    stack: str = "prod"


@dataclass(frozen=True)
class Variant:
    policy: str
    id: str
    changes: Changes


def containers_of(r: R) -> list[dict[str, Any]]:
    """The program's web task's container definitions (a new list to change)."""
    return list(json.loads(r["task"].wire_inputs["containerDefinitions"]))


def volumes_of(r: R, *more: dict[str, Any]) -> list[dict[str, Any]]:
    """The program's web task's volumes, and `more`."""
    return [*r["task"].wire_inputs.get("volumes", []), *more]


def task(r: R, mutate: Callable[[list[dict[str, Any]]], None], **inputs: Any) -> dict[str, Any]:
    containers = containers_of(r)
    mutate(containers)
    return {"task": replace(r["task"], containerDefinitions=json.dumps(containers), **inputs)}


def by_name(containers: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(c for c in containers if c["name"] == name)


def https_listener(r: R, **inputs: Any) -> dict[str, ResourceRecord | None]:
    """An HTTPS listener on the program's ALB (the program serves HTTPS at CloudFront only);
    an input given as None is left out."""
    body = {
        "loadBalancerArn": UNKNOWN,
        "port": 443,
        "protocol": "HTTPS",
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "certificateArn": UNKNOWN,
        "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
        "tags": r["alb"].wire_inputs["tags"],
        **inputs,
    }
    body = {k: v for k, v in body.items() if v is not None}
    deps = {"loadBalancerArn": [r["alb"].urn]}
    return {"https": record("prod", LISTENER, "https", body, property_dependencies=deps)}


def sg_rule(r: R, name: str, **inputs: Any) -> dict[str, ResourceRecord | None]:
    """An aws.ec2.SecurityGroupRule (ingress, tcp) on the ALB's security group."""
    body = {"type": "ingress", "securityGroupId": UNKNOWN, "protocol": "tcp", **inputs}
    deps = {"securityGroupId": [r["alb_sg"].urn]}
    return {name: record("prod", SG_RULE, name, body, property_dependencies=deps)}
