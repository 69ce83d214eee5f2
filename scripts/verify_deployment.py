"""Post-deploy verification: fail the deploy when ECS rolled back, then smoke-check the site.

`pulumi up` reports success even when the ECS deployment circuit breaker rolled the service back
to the previous task definition (pulumi/pulumi-aws#4487, pulumi/pulumi-awsx#1848). So after
`pulumi up` this script waits (bounded) for the service's deployment to settle and compares the
PRIMARY deployment's task definition with the one Pulumi registered (stack output
`taskDefinitionArn`). Then it requests the public URL and the health endpoints (bounded retries).

Usage (in the deploy workflow, after `pulumi up --stack staging`):
    python scripts/verify_deployment.py --stack staging
or with outputs saved earlier:  pulumi stack output --json > outputs.json
    python scripts/verify_deployment.py --outputs-json outputs.json

Exit codes: 0 verified, 1 verification failed, 2 bad input (stack outputs, arguments).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

REQUIRED_OUTPUTS = ("clusterName", "serviceName", "publicUrl", "taskDefinitionArn")
DEFAULT_HEALTH_PATHS = ("/api/health",)
DEFAULT_TIMEOUT_SECONDS = 900.0
DEFAULT_POLL_SECONDS = 15.0
DEFAULT_HTTP_ATTEMPTS = 10
DEFAULT_HTTP_RETRY_SECONDS = 15.0
HTTP_TIMEOUT_SECONDS = 10.0
EVENTS_IN_MESSAGE = 5


class VerificationError(Exception):
    """The deployment is not what Pulumi asked for, or the site does not answer."""


class InputError(Exception):
    """The stack outputs or arguments are unusable; the message names what and why."""


class EcsClient(Protocol):
    def describe_services(self, *, cluster: str, services: list[str]) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class StackOutputs:
    """The stack outputs this check needs (see the program's exports)."""

    cluster_name: str
    service_name: str
    public_url: str
    task_definition_arn: str


@dataclass(frozen=True)
class Assessment:
    """One look at the service: settled, failed (with why), or still moving (with where)."""

    state: str  # "settled" | "failed" | "in_progress"
    summary: str


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]


Fetch = Callable[[str, float], HttpResult]


def parse_stack_outputs(raw: Any) -> StackOutputs:
    """Pick the outputs this check needs from `pulumi stack output --json`, or say what is wrong."""
    if not isinstance(raw, Mapping):
        raise InputError(f"stack outputs must be a JSON object, got {type(raw).__name__}")
    problems = []
    for key in REQUIRED_OUTPUTS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key}={value!r} (expected a non-empty string)")
    url = raw.get("publicUrl")
    if isinstance(url, str) and url and not url.startswith(("https://", "http://")):
        problems.append(f"publicUrl={url!r} (expected an http(s) URL)")
    if problems:
        raise InputError("stack outputs unusable: " + "; ".join(problems))
    return StackOutputs(
        cluster_name=raw["clusterName"],
        service_name=raw["serviceName"],
        public_url=raw["publicUrl"].rstrip("/"),
        task_definition_arn=raw["taskDefinitionArn"],
    )


def read_stack_outputs(stack: str) -> Any:
    """`pulumi stack output --json --stack <stack>` (no secrets are shown: none are needed)."""
    command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as error:
        raise InputError("the pulumi CLI is not on PATH; pass --outputs-json instead") from error
    if done.returncode != 0:
        raise InputError(f"{' '.join(command)} failed: {done.stderr.strip()[:500]}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise InputError(f"{' '.join(command)} printed no JSON: {error}") from error


def task_definition_key(arn_or_name: str) -> str:
    """`family:revision` of a task definition ARN (ECS may report either form)."""
    return arn_or_name.rsplit("task-definition/", 1)[-1]


def _recent_events(service: Mapping[str, Any]) -> str:
    events = service.get("events") or []
    lines = [f"  - {event.get('message', '')}" for event in events[:EVENTS_IN_MESSAGE]]
    return ("\nRecent service events:\n" + "\n".join(lines)) if lines else ""


def assess_service(service: Mapping[str, Any], expected_task_definition: str) -> Assessment:
    """Judge one DescribeServices answer against the task definition Pulumi registered."""
    expected = task_definition_key(expected_task_definition)
    deployments = list(service.get("deployments") or [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return Assessment(
            "failed", "the service has no PRIMARY deployment" + _recent_events(service)
        )

    # A circuit-breaker rollback leaves our deployment FAILED and a new PRIMARY on the old revision.
    ours_failed = [
        d
        for d in deployments
        if task_definition_key(d.get("taskDefinition", "")) == expected
        and d.get("rolloutState") == "FAILED"
    ]
    primary_key = task_definition_key(primary.get("taskDefinition", ""))
    if primary_key != expected:
        why = f" ({ours_failed[0].get('rolloutStateReason')})" if ours_failed else ""
        return Assessment(
            "failed",
            f"ECS rolled back: the PRIMARY deployment runs {primary_key}, but Pulumi registered "
            f"{expected}{why}" + _recent_events(service),
        )
    if primary.get("rolloutState") == "FAILED" or ours_failed:
        reason = primary.get("rolloutStateReason") or ours_failed[0].get("rolloutStateReason")
        return Assessment(
            "failed",
            f"ECS deployment of {expected} FAILED: {reason}" + _recent_events(service),
        )

    running, desired = primary.get("runningCount", 0), primary.get("desiredCount", 0)
    rollout = primary.get("rolloutState", "COMPLETED")  # absent for non-ECS controllers
    if rollout == "COMPLETED" and len(deployments) == 1 and running == desired:
        return Assessment("settled", f"{expected} is PRIMARY, COMPLETED, {running}/{desired} tasks")
    return Assessment(
        "in_progress",
        f"PRIMARY {expected} rolloutState {rollout}, {running}/{desired} tasks running, "
        f"{len(deployments)} deployment(s) active ({primary.get('rolloutStateReason', '')})",
    )


def wait_for_deployment(
    ecs: EcsClient,
    outputs: StackOutputs,
    *,
    timeout: float,
    poll: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    log: Callable[[str], None],
) -> Assessment:
    """Poll DescribeServices until the deployment settles, fails, or `timeout` seconds pass."""
    started = clock()
    while True:
        answer = ecs.describe_services(
            cluster=outputs.cluster_name, services=[outputs.service_name]
        )
        services = answer.get("services") or []
        if not services:
            failures = answer.get("failures") or []
            reasons = ", ".join(f"{f.get('arn')}: {f.get('reason')}" for f in failures)
            raise VerificationError(
                f"service {outputs.service_name!r} not found in cluster "
                f"{outputs.cluster_name!r} ({reasons or 'no failures reported'})"
            )
        assessment = assess_service(services[0], outputs.task_definition_arn)
        if assessment.state == "failed":
            raise VerificationError(assessment.summary)
        if assessment.state == "settled":
            log(f"ECS deployment settled: {assessment.summary}")
            return assessment
        waited = clock() - started
        if waited >= timeout:
            raise VerificationError(
                f"timed out after {waited:.0f} s waiting for the ECS deployment to settle: "
                f"{assessment.summary}"
            )
        log(f"waiting ({waited:.0f}/{timeout:.0f} s): {assessment.summary}")
        sleep(min(poll, max(timeout - waited, 0.0)))


def urllib_fetch(url: str, timeout: float) -> HttpResult:
    """GET a URL; an HTTP error status is a result, a network error raises OSError."""
    request = urllib.request.Request(url, headers={"User-Agent": "perfcheck-verify/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResult(response.status, dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, dict(error.headers.items()) if error.headers else {})


def smoke_check(
    base_url: str,
    health_paths: Sequence[str],
    *,
    fetch: Fetch,
    attempts: int,
    retry_delay: float,
    sleep: Callable[[float], None],
    log: Callable[[str], None],
) -> None:
    """The home page must answer below 400 and each health path 200, within `attempts` tries."""
    checks = [("/", lambda status: 200 <= status < 400, "a status below 400")]
    checks += [(path, lambda status: status == 200, "200") for path in health_paths]
    failures = []
    for path, accept, wanted in checks:
        url = base_url + (path if path.startswith("/") else "/" + path)
        last = "no answer"
        for attempt in range(1, attempts + 1):
            try:
                result = fetch(url, HTTP_TIMEOUT_SECONDS)
            except OSError as error:
                last = f"network error: {error}"
            else:
                last = f"HTTP {result.status}"
                if accept(result.status):
                    via = result.headers.get("X-Cache") or result.headers.get("x-cache") or "-"
                    log(f"OK {url}: HTTP {result.status} (x-cache: {via})")
                    break
            if attempt < attempts:
                sleep(retry_delay)
        else:
            failures.append(f"{url}: wanted {wanted}, last got {last} after {attempts} tries")
    if failures:
        raise VerificationError("smoke check failed:\n  " + "\n  ".join(failures))


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read outputs with `pulumi stack output --json`")
    source.add_argument("--outputs-json", type=Path, help="a file with the stack outputs")
    parser.add_argument("--region", help="AWS region (default: the environment's)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    parser.add_argument("--poll-interval", type=float, default=DEFAULT_POLL_SECONDS)
    parser.add_argument(
        "--health-path",
        action="append",
        dest="health_paths",
        help=f"a path that must answer 200 (repeatable; default {list(DEFAULT_HEALTH_PATHS)})",
    )
    parser.add_argument("--http-attempts", type=int, default=DEFAULT_HTTP_ATTEMPTS)
    parser.add_argument("--http-retry-delay", type=float, default=DEFAULT_HTTP_RETRY_SECONDS)
    parser.add_argument("--github-output", type=Path, help="append public-url=... to this file")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.poll_interval <= 0 or args.http_attempts < 1:
        parser.error("--timeout and --poll-interval must be > 0 and --http-attempts >= 1")
    return args


def _default_ecs_client(region: str | None) -> EcsClient:
    import boto3  # imported here so the unit tests and --help need no AWS SDK set-up

    return boto3.client("ecs", region_name=region)


def main(
    argv: Sequence[str] | None = None,
    *,
    ecs_client: EcsClient | None = None,
    fetch: Fetch = urllib_fetch,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> int:
    args = _arguments(argv)
    try:
        if args.outputs_json is not None:
            try:
                raw = json.loads(args.outputs_json.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise InputError(f"--outputs-json {args.outputs_json}: {error}") from error
        else:
            raw = read_stack_outputs(args.stack)
        outputs = parse_stack_outputs(raw)
    except InputError as error:
        print(f"post-deploy verification: {error}", file=sys.stderr)
        return 2

    log(
        f"verifying {outputs.service_name} in {outputs.cluster_name}: expecting "
        f"{task_definition_key(outputs.task_definition_arn)}"
    )
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        ecs = ecs_client or _default_ecs_client(args.region)
        try:
            wait_for_deployment(
                ecs,
                outputs,
                timeout=args.timeout,
                poll=args.poll_interval,
                clock=clock,
                sleep=sleep,
                log=log,
            )
        except (BotoCoreError, ClientError) as error:
            raise VerificationError(f"cannot read the ECS service: {error}") from error
        smoke_check(
            outputs.public_url,
            args.health_paths or list(DEFAULT_HEALTH_PATHS),
            fetch=fetch,
            attempts=args.http_attempts,
            retry_delay=args.http_retry_delay,
            sleep=sleep,
            log=log,
        )
    except VerificationError as error:
        print(f"post-deploy verification FAILED: {error}", file=sys.stderr)
        return 1

    if args.github_output is not None:
        with args.github_output.open("a", encoding="utf-8") as handle:
            handle.write(f"public-url={outputs.public_url}\n")
    log(f"post-deploy verification passed: {outputs.public_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
