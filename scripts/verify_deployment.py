"""Post-deploy verification: fail the deploy when ECS rolled back, then smoke-check the site.

Older provider releases reported success when the ECS deployment circuit breaker rolled the
service back to the previous task definition (pulumi/pulumi-aws#4487, pulumi/pulumi-awsx#1848);
the provider source read (terraform-provider-aws `findDeploymentStatus`) fails `up` on
ROLLBACK_SUCCESSFUL, and which release pulumi-aws 7.51.1 bridges is not verified. So after
`pulumi up` this script waits (bounded) for the service's deployment to settle and compares the
PRIMARY deployment's task definition with the one Pulumi registered (stack output
`taskDefinitionArn`). Then it requests the public URL and the health endpoints (bounded retries).

Usage (in the deploy workflow, after `pulumi up --stack staging`):
    python scripts/verify_deployment.py --stack staging --region eu-west-1
or with outputs saved earlier:  pulumi stack output --json > outputs.json
    python scripts/verify_deployment.py --outputs-json outputs.json --region eu-west-1

ECS's service-deployment records (ListServiceDeployments, DescribeServiceDeployments,
DescribeServiceRevisions) are read too: they say why a rolling, blue/green, canary or linear
deploy was rolled back (circuit breaker, alarm) or stopped, and which revision it targeted.

Promotion: `--promote nextjs` writes `nextjs-image=<repository@sha256:...>` (what the verified
task definition runs) to `--github-output`; `--expect-image nextjs=<uri>` fails unless the
verified task definition runs exactly that image (prod runs the digest staging verified).

Exit codes: 0 verified, 1 verification failed, 2 bad input (stack outputs, arguments, no AWS
region), 3 unexpected error (a bug: the message says what; no traceback).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
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


DIGEST_IMAGE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
# ServiceDeployment.status (botocore's ECS model): where each one leaves the deploy.
DEPLOYMENT_ONGOING = frozenset({"PENDING", "IN_PROGRESS"})
DEPLOYMENT_FAILED = frozenset(
    {
        "STOP_REQUESTED",
        "STOPPED",
        "ROLLBACK_REQUESTED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_SUCCESSFUL",
        "ROLLBACK_FAILED",
    }
)
DEPLOYMENT_SUCCEEDED = "SUCCESSFUL"
# DescribeServices: Deployment.status and Deployment.rolloutState (botocore's ECS model). A value
# outside these is a model this script does not know: a failure, never a pass.
SERVICE_DEPLOYMENT_STATUSES = frozenset({"PRIMARY", "ACTIVE", "INACTIVE"})
ROLLOUT_STATES = frozenset({"COMPLETED", "FAILED", "IN_PROGRESS"})
# ListServiceDeployments pages (20 records each by default): more than this is not a service.
MAX_LIST_PAGES = 50


class EcsClient(Protocol):
    def describe_services(self, *, cluster: str, services: list[str]) -> Mapping[str, Any]: ...

    def list_service_deployments(self, *, cluster: str, service: str) -> Mapping[str, Any]: ...

    def describe_service_deployments(
        self, *, serviceDeploymentArns: list[str]
    ) -> Mapping[str, Any]: ...

    def describe_service_revisions(
        self, *, serviceRevisionArns: list[str]
    ) -> Mapping[str, Any]: ...

    def describe_task_definition(self, *, taskDefinition: str) -> Mapping[str, Any]: ...


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
    unknown = sorted(
        {str(d.get("status")) for d in deployments} - SERVICE_DEPLOYMENT_STATUSES
    ) + sorted(
        {str(d["rolloutState"]) for d in deployments if "rolloutState" in d} - ROLLOUT_STATES
    )
    if unknown:
        return Assessment(
            "failed",
            f"the service reports deployment states this check does not know: {unknown}"
            + _recent_events(service),
        )
    primaries = [d for d in deployments if d.get("status") == "PRIMARY"]
    if len(primaries) != 1:
        return Assessment(
            "failed",
            f"the service has {len(primaries)} PRIMARY deployments, not one"
            + _recent_events(service),
        )
    primary = primaries[0]
    live = [d for d in deployments if d.get("status") != "INACTIVE"]

    # A circuit-breaker rollback leaves our deployment FAILED and a new PRIMARY on the old revision.
    ours_failed = [
        d
        for d in live
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
    if rollout == "COMPLETED" and len(live) == 1 and running == desired and desired > 0:
        return Assessment("settled", f"{expected} is PRIMARY, COMPLETED, {running}/{desired} tasks")
    return Assessment(
        "in_progress",
        f"PRIMARY {expected} rolloutState {rollout}, {running}/{desired} tasks running, "
        f"{len(live)} deployment(s) active ({primary.get('rolloutStateReason', '')})",
    )


@dataclass(frozen=True)
class ServiceDeploymentView:
    """ECS's newest service-deployment record and the task definition its target revision runs."""

    deployment: Mapping[str, Any]
    target_task_definition: str


def _deployment_reasons(deployment: Mapping[str, Any]) -> str:
    """Why ECS says a deployment ended as it did: status reason, rollback, breaker, alarms."""
    parts = []
    if deployment.get("statusReason"):
        parts.append(str(deployment["statusReason"]))
    rollback = deployment.get("rollback") or {}
    if rollback:
        parts.append(
            f"rolled back ({rollback.get('reason') or 'no reason given'}) to "
            f"{rollback.get('serviceRevisionArn') or 'the previous revision'}"
        )
    breaker = deployment.get("deploymentCircuitBreaker") or {}
    if breaker.get("status") == "TRIGGERED":
        parts.append(
            f"circuit breaker TRIGGERED ({breaker.get('failureCount', '?')} failed tasks, "
            f"threshold {breaker.get('threshold', '?')})"
        )
    alarms = deployment.get("alarms") or {}
    if alarms.get("status") == "TRIGGERED" or alarms.get("triggeredAlarmNames"):
        names = ", ".join(alarms.get("triggeredAlarmNames") or []) or "unnamed"
        parts.append(f"alarms TRIGGERED: {names}")
    return "; ".join(parts) or "ECS gave no reason"


def assess_service_deployment(
    view: ServiceDeploymentView, expected_task_definition: str
) -> Assessment:
    """Judge ECS's newest service deployment (any strategy) against what Pulumi registered."""
    expected = task_definition_key(expected_task_definition)
    deployment = view.deployment
    status = deployment.get("status", "")
    target = task_definition_key(view.target_task_definition)
    arn = deployment.get("serviceDeploymentArn", "?")
    strategy = (deployment.get("deploymentConfiguration") or {}).get("strategy", "ROLLING")
    where = f"{strategy} service deployment {arn} of {target}"
    if status in DEPLOYMENT_FAILED:
        return Assessment("failed", f"ECS {where} is {status}: {_deployment_reasons(deployment)}")
    if status in DEPLOYMENT_ONGOING:
        stage = deployment.get("lifecycleStage", "")
        return Assessment("in_progress", f"{where} is {status} {stage}".rstrip())
    if status != DEPLOYMENT_SUCCEEDED:
        return Assessment("failed", f"ECS {where} has an unknown status {status!r}")
    if target != expected:
        return Assessment(
            "failed",
            f"ECS's newest deployment completed on another revision: {where} is SUCCESSFUL, "
            f"but Pulumi registered {expected}",
        )
    return Assessment("settled", f"{where} is SUCCESSFUL")


def newest_service_deployment(
    ecs: EcsClient, outputs: StackOutputs
) -> ServiceDeploymentView | None:
    """ECS's newest service-deployment record of the service, or None when it keeps none."""
    briefs: list[Mapping[str, Any]] = []
    token: str | None = None
    for _ in range(MAX_LIST_PAGES):
        request = {"cluster": outputs.cluster_name, "service": outputs.service_name}
        if token:
            request["nextToken"] = token
        page = ecs.list_service_deployments(**request)
        briefs += list(page.get("serviceDeployments") or [])
        token = page.get("nextToken")
        if not token:
            break
    else:
        raise VerificationError(
            f"ListServiceDeployments still had more pages after {MAX_LIST_PAGES}"
        )
    if not briefs:
        return None
    undated = [b.get("serviceDeploymentArn", "?") for b in briefs if not b.get("createdAt")]
    if undated:
        raise VerificationError(
            f"service deployments without createdAt cannot be ordered: {undated[:3]}"
        )
    # The newest by creation time, whatever order (or page) ECS lists them in.
    newest = max(briefs, key=lambda brief: brief["createdAt"])
    arn = newest["serviceDeploymentArn"]
    answer = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    deployments = answer.get("serviceDeployments") or []
    if not deployments:
        reasons = ", ".join(f"{f.get('reason')}" for f in answer.get("failures") or [])
        raise VerificationError(f"cannot describe service deployment {arn}: {reasons or 'none'}")
    deployment = deployments[0]
    revision_arn = (deployment.get("targetServiceRevision") or {}).get("arn")
    if not revision_arn:
        raise VerificationError(f"service deployment {arn} names no target service revision")
    revisions = ecs.describe_service_revisions(serviceRevisionArns=[revision_arn]).get(
        "serviceRevisions"
    ) or [{}]
    task_definition = revisions[0].get("taskDefinition")
    if not task_definition:
        raise VerificationError(f"service revision {revision_arn} names no task definition")
    return ServiceDeploymentView(deployment, task_definition)


def assess(
    service: Mapping[str, Any], view: ServiceDeploymentView | None, expected: str
) -> Assessment:
    """Both views must agree: the service's deployments and ECS's newest deployment record."""
    rolling = assess_service(service, expected)
    if rolling.state == "failed" or view is None:
        return rolling
    record = assess_service_deployment(view, expected)
    if record.state == "failed":
        return Assessment("failed", record.summary + _recent_events(service))
    if record.state == "settled" and rolling.state == "settled":
        return Assessment("settled", f"{rolling.summary}; {record.summary}")
    waiting = [a.summary for a in (rolling, record) if a.state == "in_progress"]
    return Assessment("in_progress", "; ".join(waiting))


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
        view = newest_service_deployment(ecs, outputs)
        assessment = assess(services[0], view, outputs.task_definition_arn)
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


def running_images(ecs: EcsClient, task_definition: str) -> dict[str, str]:
    """Container name -> image of the task definition ECS runs (as registered)."""
    answer = ecs.describe_task_definition(taskDefinition=task_definition)
    containers = (answer.get("taskDefinition") or {}).get("containerDefinitions") or []
    return {c.get("name", "?"): c.get("image", "") for c in containers}


def check_images(
    images: Mapping[str, str], promote: Sequence[str], expected: Mapping[str, str]
) -> dict[str, str]:
    """The images to hand on (each pinned by digest), after checking the expected ones run."""
    problems = []
    for name, wanted in expected.items():
        if images.get(name) != wanted:
            problems.append(f"{name} runs {images.get(name)!r}, expected {wanted!r}")
    promoted = {}
    for name in promote:
        image = images.get(name)
        if image is None:
            problems.append(f"{name}: no such container (running: {sorted(images)})")
        elif not DIGEST_IMAGE.match(image):
            problems.append(f"{name} runs {image!r}, not pinned by digest: it cannot be promoted")
        else:
            promoted[name] = image
    if problems:
        raise VerificationError("images: " + "; ".join(problems))
    return promoted


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer, not a hop: a health route that redirects is not healthy."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_fetch(url: str, timeout: float) -> HttpResult:
    """GET a URL without following redirects; an HTTP error or redirect status is a result, a
    network error or a malformed answer (bad status line, truncated body, invalid URL) raises
    OSError with a readable message."""
    request = urllib.request.Request(url, headers={"User-Agent": "perfcheck-verify/1"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResult(response.status, dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, dict(error.headers.items()) if error.headers else {})
    except (http.client.HTTPException, ValueError) as error:
        raise OSError(f"malformed HTTP answer ({type(error).__name__}: {error})") from error


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
    """The home page must answer 2xx and each health path 200 (redirects not followed: a
    redirect is not the page), within `attempts` tries."""
    checks = [("/", lambda status: 200 <= status < 300, "a 2xx status")]
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
                if isinstance(result.status, int) and accept(result.status):
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
    parser.add_argument(
        "--github-output", type=Path, help="append public-url=... (and NAME-image=...) here"
    )
    parser.add_argument(
        "--promote",
        action="append",
        default=[],
        metavar="CONTAINER",
        help="write CONTAINER-image=<its digest-pinned image> to --github-output (repeatable)",
    )
    parser.add_argument(
        "--expect-image",
        action="append",
        default=[],
        metavar="CONTAINER=IMAGE",
        help="fail unless the verified task definition runs exactly IMAGE (repeatable)",
    )
    args = parser.parse_args(argv)
    positive = {"--timeout": args.timeout, "--poll-interval": args.poll_interval}
    for flag, value in positive.items():
        if not math.isfinite(value) or value <= 0:
            parser.error(f"{flag} {value}: must be a finite number of seconds > 0")
    if not math.isfinite(args.http_retry_delay) or args.http_retry_delay < 0:
        parser.error(f"--http-retry-delay {args.http_retry_delay}: must be a finite number >= 0")
    if args.http_attempts < 1:
        parser.error(f"--http-attempts {args.http_attempts}: must be at least 1")
    expected = {}
    for item in args.expect_image:
        name, sep, image = item.partition("=")
        if not sep or not name or not image:
            parser.error(f"--expect-image {item!r}: expected CONTAINER=IMAGE")
        expected[name] = image
    args.expected_images = expected
    if args.promote and args.github_output is None:
        parser.error("--promote needs --github-output (where the images are written)")
    return args


def _default_ecs_client(region: str | None) -> EcsClient:
    """boto3's ECS client; refuses a missing region here, before any call (exit 2)."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise InputError("no AWS region: pass --region or set AWS_REGION")
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
        ecs = ecs_client or _default_ecs_client(args.region)
    except InputError as error:
        print(f"post-deploy verification: {error}", file=sys.stderr)
        return 2

    log(
        f"verifying {outputs.service_name} in {outputs.cluster_name}: expecting "
        f"{task_definition_key(outputs.task_definition_arn)}"
    )
    try:
        from botocore.exceptions import BotoCoreError, ClientError

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
            promoted = {}
            if args.promote or args.expected_images:
                images = running_images(ecs, outputs.task_definition_arn)
                promoted = check_images(images, args.promote, args.expected_images)
                for name in args.expected_images:
                    log(f"{name} runs the expected image {images[name]}")
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
            for name, image in promoted.items():
                handle.write(f"{name}-image={image}\n")
    log(f"post-deploy verification passed: {outputs.public_url}")
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    """`main` with a last guard: an unexpected error is one line and exit 3, never a traceback."""
    try:
        return main(argv)
    except Exception as error:  # the documented exit 3 for a bug
        print(
            f"post-deploy verification: unexpected error {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(cli())
