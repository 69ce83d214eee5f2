"""Cases of `ecs-exec-writable-root`: a service with ECS Exec runs a task whose containers have a
writable root filesystem, as AWS supports (foundation/aws_limits.py, `ecs_exec_problem`).

The compliant stack's service has ECS Exec off, so the rule judges it there and passes; the
noncompliant cases turn it on over the compliant task (every container read-only), and over a
task where one container is still read-only.
"""

from __future__ import annotations

from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import replace
from tests.policies.cases import Case, R, by_name, task


def exec_on(r: R, mutate: Any = None, **task_inputs: Any) -> dict[str, ResourceRecord | None]:
    changes: dict[str, ResourceRecord | None] = {
        "service": replace(r["service"], enableExecuteCommand=True)
    }
    if mutate is not None:
        changes.update(task(r, mutate, **task_inputs))
    return changes


def writable(*names: str) -> Any:
    def mutate(containers: list[dict[str, Any]]) -> None:
        for name in names:
            by_name(containers, name)["readonlyRootFilesystem"] = False

    return mutate


ECS_EXEC_NONCOMPLIANT = [
    Case(
        "ecs-exec-writable-root",
        "exec-on-a-read-only-task",
        exec_on,
        "app",
        "containerDefinitions[nextjs].readonlyRootFilesystem is true in a task that app runs "
        "with enableExecuteCommand",
    ),
    Case(
        "ecs-exec-writable-root",
        "one-container-still-read-only",
        lambda r: exec_on(r, writable("nextjs", "hono")),
        "app",
        "containerDefinitions[otel].readonlyRootFilesystem is true",
    ),
]
