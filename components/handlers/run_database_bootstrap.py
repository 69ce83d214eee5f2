"""Run the database bootstrap task once and report its result to `pulumi up`.

Invoked by the first deploy's `aws.lambda_.Invocation` (components/database_bootstrap.py): starts
the one-off Fargate task, waits until it stops, and fails (a Lambda function error, which fails
the `up` before the service is created) unless the bootstrap container exited 0. Standard library
and the runtime's boto3 only.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3

POLL_SECONDS = 10
"""How often the task's state is read."""
MARGIN_MS = 30_000
"""Stop waiting this long before the Lambda's own timeout, so the failure says why."""


def run_once(ecs: Any, request: dict[str, Any], remaining_ms: Any, sleep: Any = time.sleep) -> str:
    """Start the task, wait for it to stop; the container's log stream on success, else raise."""
    started = ecs.run_task(
        cluster=request["cluster"],
        taskDefinition=request["taskDefinition"],
        launchType="FARGATE",
        count=1,
        startedBy="pulumi-first-deploy",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": request["subnets"],
                "securityGroups": request["securityGroups"],
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or not started.get("tasks"):
        raise RuntimeError(f"ECS did not start the bootstrap task: {started.get('failures')}")
    task_arn = started["tasks"][0]["taskArn"]
    while True:
        task = ecs.describe_tasks(cluster=request["cluster"], tasks=[task_arn])["tasks"][0]
        if task.get("lastStatus") == "STOPPED":
            break
        if remaining_ms() < MARGIN_MS:
            raise TimeoutError(f"the bootstrap task {task_arn} is still {task.get('lastStatus')}")
        sleep(POLL_SECONDS)
    container = next(
        (c for c in task.get("containers", []) if c.get("name") == request["container"]), None
    )
    exit_code = None if container is None else container.get("exitCode")
    if exit_code != 0:
        reason = (container or {}).get("reason") or task.get("stoppedReason")
        raise RuntimeError(
            f"the bootstrap task {task_arn} failed (exit code {exit_code}: {reason}); its log "
            f"group {request['logGroup']} says why. Fix it and run `pulumi up` again."
        )
    return task_arn


def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    request = event if "cluster" in event else json.loads(os.environ["BOOTSTRAP_REQUEST"])
    ecs = boto3.client("ecs")
    task_arn = run_once(ecs, request, context.get_remaining_time_in_millis)
    return {"taskArn": task_arn, "result": "bootstrap applied"}
