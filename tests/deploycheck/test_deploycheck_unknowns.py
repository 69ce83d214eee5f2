"""Values a preview cannot know yet (Pulumi's unknown sentinel) are skipped, never flagged.

Each case is a mutation of the real prod program (captured once per session): one value, or every
value computed from another resource, turned into the sentinel a first `pulumi preview` sends.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from conftest import ProgramStack, findings_of_groups
from test_deploycheck_cases import _https_listener

from foundation.records import UNKNOWN, ResourceRecord, StackRun

if TYPE_CHECKING:
    from conftest import Edit


def first_preview(run: StackRun) -> StackRun:
    """The run as a first `pulumi preview` sends it: every value computed from another
    resource's output (an id, an ARN, a generated name, or a text containing one) is the unknown
    sentinel, and so is every output the provider computes."""
    computed = {
        text
        for record in run.resources
        for key, value in record.outputs.items()
        if key not in record.wire_inputs
        for text in (value if isinstance(value, list) else [value])
        if isinstance(text, str) and len(text) > 6
    }

    def blank(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN if any(c in value for c in computed) else value
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    def preview(record: ResourceRecord) -> ResourceRecord:
        inputs = blank(record.wire_inputs)
        outputs = {k: UNKNOWN for k in record.outputs if k not in inputs}
        return dataclasses.replace(record, wire_inputs=inputs, outputs={**outputs, **inputs})

    return dataclasses.replace(run, resources=tuple(map(preview, run.resources)))


def test_first_preview_of_the_program_has_no_findings(program: ProgramStack) -> None:
    b = ProgramStack(first_preview(program.base))
    assert b.inputs("web-task")["containerDefinitions"] == UNKNOWN
    assert b.inputs("database-instance")["parameterGroupName"] == UNKNOWN
    assert b.inputs("load-balancer-alb")["subnets"] == [UNKNOWN] * 3
    assert [str(f) for f in b.findings()] == []


def _viewer(key: str, value: Any, behaviour: str = "defaultCacheBehavior") -> Edit:
    return lambda b: b.inputs("cdn-distribution")[behaviour].update({key: value})


UNKNOWN_BUT_SUSPICIOUS: dict[str, Edit] = {
    "container-definitions": lambda b: b.set("web-task", containerDefinitions=UNKNOWN),
    "task-cpu": lambda b: b.set("database-roles-task", cpu=UNKNOWN, memory="3"),
    "network-mode": lambda b: b.set("database-bootstrap-task", networkMode=UNKNOWN),
    "alb-name": lambda b: b.set("load-balancer-alb", name=UNKNOWN),
    "alb-subnet-ids": lambda b: b.set("load-balancer-alb", subnets=[UNKNOWN, UNKNOWN]),
    "alb-subnet-list": lambda b: b.set("load-balancer-alb", subnets=UNKNOWN),
    "listener-policy": lambda b: _https_listener(b, sslPolicy=UNKNOWN),
    "auth-token": lambda b: b.set(
        "cache-group", authToken=b.secret(UNKNOWN), transitEncryptionEnabled=False
    ),
    "cache-clusters": lambda b: b.set("cache-group", numCacheClusters=UNKNOWN),
    "cache-group": lambda b: b.set("cache-group", parameterGroupName=UNKNOWN),
    "cache-family": lambda b: b.set("cache-params", family=UNKNOWN),
    "db-family": lambda b: b.set("database-params", family=UNKNOWN),
    "db-windows": lambda b: b.set(
        "database-instance", backupWindow=UNKNOWN, maintenanceWindow="sun:02:00-sun:03:00"
    ),
    "db-retention": lambda b: b.set(
        "database-instance", performanceInsightsRetentionPeriod=UNKNOWN
    ),
    "db-class": lambda b: b.set("database-instance", instanceClass=UNKNOWN),
    "role-policy": lambda b: b.set("web-execution-policy", policy=UNKNOWN),
    "trust-policy": lambda b: b.set("web-execution-role", assumeRolePolicy=UNKNOWN),
    "cdn-certificate": lambda b: b.set(
        "cdn-distribution",
        aliases=["perfcheck.example.com"],
        viewerCertificate={"acmCertificateArn": UNKNOWN, "sslSupportMethod": "sni-only"},
    ),
    "cdn-policy": _viewer("cachePolicyId", UNKNOWN),
    "cdn-target": _viewer("targetOriginId", UNKNOWN),
    "sg-reference": lambda b: b.set(
        "network-database-from-proxy", referencedSecurityGroupId=UNKNOWN
    ),
    "bucket-name": lambda b: b.set("cdn-logs", bucket=UNKNOWN),
}


def test_unknown_values_are_skipped(program: ProgramStack) -> None:
    """Property: an unknown where a wrong value would be flagged is no finding (each group of
    UNKNOWN_BUT_SUSPICIOUS, edits to disjoint records, judged once)."""
    found = findings_of_groups(program, UNKNOWN_BUT_SUSPICIOUS)
    assert found == [], "\n".join(found)


def test_known_neighbour_of_an_unknown_is_still_judged(program: ProgramStack) -> None:
    """Skipping an unknown must not switch the whole check off."""
    _viewer("cachePolicyId", UNKNOWN)(program)
    program.inputs("cdn-distribution")["orderedCacheBehaviors"][0].update(targetOriginId="nowhere")
    assert [f.check_id for f in program.findings()] == ["cloudfront-origin-ids"]


def test_unknown_inside_container_json_is_skipped(program: ProgramStack) -> None:
    def edit(c: dict[str, Any]) -> None:
        c["nextjs"].update(image=UNKNOWN, cpu=UNKNOWN)
        c["nextjs"]["dependsOn"][0]["containerName"] = UNKNOWN
        c["nextjs"]["portMappings"][0].update(name=UNKNOWN, containerPort=UNKNOWN)
        c["hono"]["logConfiguration"]["logDriver"] = UNKNOWN
        c["hono"]["healthCheck"]["command"] = [UNKNOWN, UNKNOWN]
        c["otel"]["name"] = UNKNOWN

    program.edit_containers(edit)
    assert json.loads(program.inputs("web-task")["containerDefinitions"])[0]["cpu"] == UNKNOWN
    assert [str(f) for f in program.findings()] == []


def test_known_siblings_of_an_unknown_container_value_are_still_validated(
    program: ProgramStack,
) -> None:
    program.edit_containers(lambda c: c["nextjs"].update(image=UNKNOWN, memory="768"))
    assert [(f.check_id, f.property_path) for f in program.findings()] == [
        ("ecs-container-definition-shape", "containerDefinitions[0].memory")
    ]
