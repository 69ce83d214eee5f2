"""Values a preview cannot know yet (Pulumi's unknown sentinel) are skipped, never flagged."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from foundation.records import UNKNOWN

if TYPE_CHECKING:
    from conftest import StackBuilder


def preview(b: StackBuilder) -> None:
    """Turn every input computed from another resource's output into the unknown sentinel,
    as `pulumi preview` sends them on a first deployment."""
    computed = {
        value
        for spec in b.records.values()
        for key, value in spec["outputs"].items()
        if isinstance(value, str) and len(value) > 6 and key not in spec["inputs"]
    }

    def blank(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN if any(c in value for c in computed) else value
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    for spec in b.records.values():
        spec["inputs"] = blank(spec["inputs"])
        spec["outputs"] = {k: UNKNOWN for k in spec["outputs"] if k not in spec["inputs"]}


def test_first_preview_of_the_stack_has_no_findings(prod: StackBuilder) -> None:
    b = prod
    preview(b)
    assert b.inputs("perfcheck-prod-app")["containerDefinitions"] == UNKNOWN
    assert b.inputs("perfcheck-prod-db")["parameterGroupName"] == UNKNOWN
    assert [str(f) for f in b.findings()] == []


UNKNOWN_BUT_SUSPICIOUS: dict[str, Any] = {
    "container-definitions": lambda b: b.set("perfcheck-prod-app", containerDefinitions=UNKNOWN),
    "task-cpu": lambda b: b.set("perfcheck-prod-app", cpu=UNKNOWN, memory="3"),
    "network-mode": lambda b: b.set("perfcheck-prod-app", networkMode=UNKNOWN),
    "alb-name": lambda b: b.set("perfcheck-prod-alb", name=UNKNOWN),
    "alb-subnet-ids": lambda b: b.set("perfcheck-prod-alb", subnets=[UNKNOWN, UNKNOWN]),
    "alb-subnet-list": lambda b: b.set("perfcheck-prod-alb", subnets=UNKNOWN),
    "listener-policy": lambda b: b.set("perfcheck-prod-https", sslPolicy=UNKNOWN),
    "auth-token": lambda b: b.set(
        "perfcheck-prod-cache", authToken=b.secret(UNKNOWN), transitEncryptionEnabled=False
    ),
    "cache-clusters": lambda b: b.set("perfcheck-prod-cache", numCacheClusters=UNKNOWN),
    "cache-group": lambda b: b.set("perfcheck-prod-cache", parameterGroupName=UNKNOWN),
    "db-windows": lambda b: b.set(
        "perfcheck-prod-db", backupWindow=UNKNOWN, maintenanceWindow="sun:02:00-sun:03:00"
    ),
    "db-retention": lambda b: b.set(
        "perfcheck-prod-db", performanceInsightsRetentionPeriod=UNKNOWN
    ),
    "db-class": lambda b: b.set("perfcheck-prod-db", instanceClass=UNKNOWN),
    "role-policy": lambda b: b.set("perfcheck-prod-task-exec-secrets", policy=UNKNOWN),
    "trust-policy": lambda b: b.set("perfcheck-prod-task-exec", assumeRolePolicy=UNKNOWN),
    "cdn-certificate": lambda b: b.inputs("perfcheck-prod-cdn")["viewerCertificate"].update(
        acmCertificateArn=UNKNOWN
    ),
    "cdn-policy": lambda b: b.inputs("perfcheck-prod-cdn")["defaultCacheBehavior"].update(
        cachePolicyId=UNKNOWN
    ),
    "cdn-target": lambda b: b.inputs("perfcheck-prod-cdn")["defaultCacheBehavior"].update(
        targetOriginId=UNKNOWN
    ),
    "sg-reference": lambda b: b.set(
        "perfcheck-prod-db-from-app", referencedSecurityGroupId=UNKNOWN
    ),
    "bucket-name": lambda b: b.set("perfcheck-prod-cdn-logs", bucket=UNKNOWN),
}


@pytest.mark.parametrize("case", UNKNOWN_BUT_SUSPICIOUS, ids=list(UNKNOWN_BUT_SUSPICIOUS))
def test_unknown_values_are_skipped(case: str, prod: StackBuilder) -> None:
    b = prod
    UNKNOWN_BUT_SUSPICIOUS[case](b)
    assert [str(f) for f in b.findings()] == []


def test_known_neighbour_of_an_unknown_is_still_judged(prod: StackBuilder) -> None:
    """Skipping an unknown must not switch the whole check off."""
    b = prod
    b.inputs("perfcheck-prod-cdn")["defaultCacheBehavior"].update(cachePolicyId=UNKNOWN)
    b.inputs("perfcheck-prod-cdn")["orderedCacheBehaviors"][0].update(targetOriginId="nowhere")
    assert [f.check_id for f in b.findings()] == ["cloudfront-origin-ids"]


def test_unknown_inside_container_json_is_skipped(prod: StackBuilder) -> None:
    b = prod

    def edit(c: dict[str, Any]) -> None:
        c["nextjs"].update(image=UNKNOWN, cpu=UNKNOWN)
        c["nextjs"]["dependsOn"][0]["containerName"] = UNKNOWN
        c["nextjs"]["portMappings"][0].update(name=UNKNOWN, containerPort=UNKNOWN)
        c["hono"]["logConfiguration"]["logDriver"] = UNKNOWN
        c["hono"]["healthCheck"]["command"] = [UNKNOWN, UNKNOWN]
        c["otel"]["name"] = UNKNOWN

    b.edit_containers(edit)
    assert json.loads(b.inputs("perfcheck-prod-app")["containerDefinitions"])[0]["cpu"] == UNKNOWN
    assert [str(f) for f in b.findings()] == []


def test_known_siblings_of_an_unknown_container_value_are_still_validated(
    prod: StackBuilder,
) -> None:
    b = prod
    b.edit_containers(lambda c: c["nextjs"].update(image=UNKNOWN, memory="768"))
    assert [(f.check_id, f.property_path) for f in b.findings()] == [
        ("ecs-container-definition-shape", "containerDefinitions[0].memory")
    ]
