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
from through_pack import pack_findings_and_notes

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


def _deploy_notes(b: ProgramStack, rule: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The rule's findings (as their property paths) and its notes (resource, message)."""
    findings, notes = pack_findings_and_notes(b.run())
    return (
        [f.property_path for f in findings if f.check_id == rule],
        [(name, message) for policy, name, message in notes if policy == rule],
    )


FARGATE = "ecs-fargate-compatibility"


def test_an_unknown_port_beside_a_host_port_is_a_note_at_preview_and_judged_at_up(
    program: ProgramStack,
) -> None:
    """Property: a host port that may differ from its container port is never passed in silence:
    either value unknown is a note naming the mapping (no finding), both known and different is
    the finding. Members: the host port unknown, the container port unknown, both unknown."""
    for host, port in ((UNKNOWN, 3000), (3001, UNKNOWN), (UNKNOWN, UNKNOWN)):
        b = ProgramStack(program.base)
        b.edit_containers(
            lambda c, h=host, p=port: c["nextjs"]["portMappings"][0].update(
                hostPort=h, containerPort=p
            )
        )
        found, notes = _deploy_notes(b, FARGATE)
        assert found == [], (host, port)
        assert [name for name, _ in notes] == ["web-task"], (host, port, notes)
        assert "containerDefinitions[0].portMappings[0] is not known" in notes[0][1]
    b = ProgramStack(program.base)
    b.edit_containers(lambda c: c["nextjs"]["portMappings"][0].update(hostPort=3001))
    assert _deploy_notes(b, FARGATE) == (["containerDefinitions[0].portMappings[0].hostPort"], [])


def test_unknown_fargate_settings_are_notes_not_silent_passes(program: ProgramStack) -> None:
    """Property: each setting the Fargate check judges that is unknown at preview is named in a
    note (the network mode, a container's log driver, its whole port mappings)."""
    program.set("database-bootstrap-task", networkMode=UNKNOWN)
    program.edit_containers(
        lambda c: (
            c["hono"]["logConfiguration"].update(logDriver=UNKNOWN),
            c["otel"].update(portMappings=UNKNOWN),
        )
    )
    found, notes = _deploy_notes(program, FARGATE)
    assert found == []
    noted = sorted(message.split(": ", 1)[1].split(" is not known")[0] for _, message in notes)
    position = {c["name"]: i for i, c in enumerate(program.containers())}
    assert noted == sorted(
        [
            "networkMode",
            f"containerDefinitions[{position['hono']}].logConfiguration.logDriver",
            f"containerDefinitions[{position['otel']}].portMappings",
        ]
    )


UNCALLED = "com.amazonaws.eu-west-1.sagemaker.api"


def _uncalled_endpoint(b: ProgramStack) -> None:
    """An interface endpoint for a service no caller of the program needs."""
    b.add(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "endpoint-uncalled",
        {**b.inputs("network-endpoint-secretsmanager"), "serviceName": UNCALLED},
        outputs={"id": "vpce-0uncalled00000000"},
    )


def test_an_endpoint_whose_callers_are_unknown_is_a_note_and_judged_when_known(
    program: ProgramStack,
) -> None:
    """Property: while a task's containers are unknown (a first preview), an endpoint that no
    known caller needs is a note naming those tasks, not a silent pass; an endpoint a known
    caller needs passes; once the containers are known the uncalled endpoint is the finding."""
    rule = "endpoint-without-caller"
    _uncalled_endpoint(program)
    assert _deploy_notes(program, rule) == (["serviceName"], [])
    program.set("web-task", containerDefinitions=UNKNOWN)
    found, notes = _deploy_notes(program, rule)
    assert found == []
    assert "endpoint-uncalled" in {name for name, _ in notes}
    assert all("containerDefinitions of web-task" in message for _, message in notes)
    preview = ProgramStack(first_preview(program.base))
    found, notes = _deploy_notes(preview, rule)
    assert found == [] and notes, "a first preview notes the endpoints it cannot judge"


def test_the_runner_returns_refusals_only_unless_notes_are_asked_for(program: ProgramStack) -> None:
    """Property: `run_deploy_checks` (the offline callers' "nothing to refuse" list) holds no
    note; with notes=True it holds the checks' notes on unknown values too."""
    from perfcheck_deploy import run_deploy_checks

    program.edit_containers(lambda c: c["nextjs"]["portMappings"][0].update(hostPort=UNKNOWN))
    run = program.run()
    assert run_deploy_checks(run) == []
    noted = [(f.check_id, f.unknown) for f in run_deploy_checks(run, notes=True)]
    assert noted == [(FARGATE, True)]
