"""Cases of `ecs-exec-writable-root`: a service with ECS Exec runs a task whose containers have a
writable root filesystem, as AWS supports (foundation/aws_limits.py, `ecs_exec_problem`).

Each case is a mutation of the captured prod program (tests/policies/support.py `OnProgram`):
its service `web-service` has ECS Exec off, so the rule judges it there and passes; the cases
turn it on over the program's task (every container read-only), and over a task where one
container is still read-only.
"""

from __future__ import annotations

import json
from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import replace
from tests.policies.cases import Case, R
from tests.policies.support import OnProgram

SERVICE, TASK = "web-service", "web-task"


def exec_on(*writable: str) -> OnProgram:
    """ECS Exec on the program's service, with `writable` containers' root filesystems
    writable."""

    def changes(r: R) -> dict[str, ResourceRecord | None]:
        containers = json.loads(r[TASK].wire_inputs["containerDefinitions"])
        for container in containers:
            if container["name"] in writable:
                container["readonlyRootFilesystem"] = False
        found: dict[str, Any] = {SERVICE: replace(r[SERVICE], enableExecuteCommand=True)}
        if writable:
            found[TASK] = replace(r[TASK], containerDefinitions=json.dumps(containers))
        return found

    return OnProgram(changes)


ECS_EXEC_NONCOMPLIANT = [
    Case(
        "ecs-exec-writable-root",
        "exec-on-a-read-only-task",
        exec_on(),
        TASK,
        "containerDefinitions[nextjs].readonlyRootFilesystem is true in a task that web-service "
        "runs with enableExecuteCommand",
    ),
    Case(
        "ecs-exec-writable-root",
        "one-container-still-read-only",
        exec_on("nextjs", "hono"),
        TASK,
        "containerDefinitions[otel].readonlyRootFilesystem is true",
    ),
]
