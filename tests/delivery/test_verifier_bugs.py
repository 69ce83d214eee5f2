"""The verifier judged again with bugs of a second red team (issue 24: "verifier bugs you have not
seen"): each bug is a realistic edit of scripts/verify_deployment.py, compiled as a test-only
module, and must be reported by a decision-table case of the property it breaks (not merely by
some case). The automatic comparison mutants live in test_verify_deployment.py; these are bugs a
person would write: a shortcut in the pagination, a status read the hopeful way, a redirect
followed, an image compared by repository.
"""

from __future__ import annotations

import socketserver
import sys
import threading
import types
from pathlib import Path

import pytest

from scripts import verify_deployment as vd

from .test_verify_deployment import CASES, run_case

SCRIPT = Path(vd.__file__)

VERIFIER_PROPERTIES: dict[str, str] = {
    "newest-record-decides": (
        "ECS's newest service-deployment record, by creation time over every page, decides"
    ),
    "unknown-is-never-success": "a status, state or record this script does not know fails",
    "rollback-is-a-failure": (
        "a rollback, a failed rollout or a deploy that settled on another revision fails"
    ),
    "settled-means-one-primary-on-the-release": (
        "settled only when one PRIMARY runs the registered revision, every task of it, alone"
    ),
    "waits-while-anything-moves": (
        "a deployment still moving (in either view) is waited for, up to the timeout"
    ),
    "smoke-judges-the-answer": (
        "the home page answers 2xx and each health route 200, with no redirect followed"
    ),
    "images-exact-by-digest": (
        "prod runs exactly the images expected, and only digests are handed on"
    ),
}


def case_property(name: str) -> str:
    """The property a decision-table case guards, read from its name."""
    rules = (
        (("newest-record", "creation-time"), "newest-record-decides"),
        (("unknown",), "unknown-is-never-success"),
        (("image", "promote"), "images-exact-by-digest"),
        (("home-page", "health"), "smoke-judges-the-answer"),
        (
            ("looks-settled", "in-progress", "times-out", "bake", "draining"),
            "waits-while-anything-moves",
        ),
        (
            ("primary", "starting", "scaled-to-zero", "inactive"),
            "settled-means-one-primary-on-the-release",
        ),
        (("roll", "failed", "fails", "stopped", "another-revision"), "rollback-is-a-failure"),
    )
    for words, prop in rules:
        if any(word in name for word in words):
            return prop
    return "settled-means-one-primary-on-the-release"


# (property, bug, text in the script, what the hurried edit makes of it)
BUGS: list[tuple[str, str, str, str]] = [
    (
        "newest-record-decides",
        "first-listed-record-taken-as-newest",
        'newest = max(briefs, key=lambda brief: brief["createdAt"])',
        "newest = briefs[0]",
    ),
    (
        "newest-record-decides",
        "pagination-token-ignored",
        'token = page.get("nextToken")',
        "token = None",
    ),
    (
        "newest-record-decides",
        "each-page-replaces-the-last",
        'briefs += list(page.get("serviceDeployments") or [])',
        'briefs = list(page.get("serviceDeployments") or [])',
    ),
    (
        "newest-record-decides",
        "newest-by-arn-not-by-time",
        'newest = max(briefs, key=lambda brief: brief["createdAt"])',
        'newest = max(briefs, key=lambda brief: brief["serviceDeploymentArn"])',
    ),
    (
        "rollback-is-a-failure",
        "a-finished-rollback-read-as-success",
        "if status in DEPLOYMENT_FAILED:",
        'if status in DEPLOYMENT_FAILED - {"ROLLBACK_SUCCESSFUL"}:',
    ),
    (
        "unknown-is-never-success",
        "any-successful-sounding-status-settles",
        "if status != DEPLOYMENT_SUCCEEDED:",
        'if not status.endswith("SUCCESSFUL"):',
    ),
    (
        "rollback-is-a-failure",
        "revision-compared-by-family-only",
        'return arn_or_name.rsplit("task-definition/", 1)[-1]',
        'return arn_or_name.rsplit("task-definition/", 1)[-1].split(":")[0]',
    ),
    (
        "rollback-is-a-failure",
        "an-earlier-failed-attempt-forgotten",
        'if primary.get("rolloutState") == "FAILED" or ours_failed:',
        'if primary.get("rolloutState") == "FAILED":',
    ),
    (
        "rollback-is-a-failure",
        "the-records-revision-not-compared",
        '    if target != expected:\n        return Assessment(\n            "failed",\n'
        "            f\"ECS's newest deployment completed",
        '    if False:\n        return Assessment(\n            "failed",\n'
        "            f\"ECS's newest deployment completed",
    ),
    (
        "unknown-is-never-success",
        "an-unknown-record-status-waited-on",
        '        return Assessment("failed", f"ECS {where} has an unknown status {status!r}")',
        '        return Assessment("in_progress", f"{where} has an unknown status {status!r}")',
    ),
    (
        "unknown-is-never-success",
        "unknown-service-statuses-not-read",
        '{str(d.get("status")) for d in deployments} - SERVICE_DEPLOYMENT_STATUSES',
        "set()",
    ),
    (
        "settled-means-one-primary-on-the-release",
        "two-primaries-accepted",
        "if len(primaries) != 1:",
        "if not primaries:",
    ),
    (
        "settled-means-one-primary-on-the-release",
        "some-tasks-running-is-enough",
        "running == desired and desired > 0",
        "running > 0",
    ),
    (
        "waits-while-anything-moves",
        "the-records-progress-ignored",
        'if record.state == "settled" and rolling.state == "settled":',
        'if rolling.state == "settled":',
    ),
    (
        "waits-while-anything-moves",
        "an-old-deployment-still-draining-ignored",
        'rollout == "COMPLETED" and len(live) == 1 and',
        'rollout == "COMPLETED" and',
    ),
    (
        "smoke-judges-the-answer",
        "health-route-accepts-a-redirect",
        '(path, lambda status: status == 200, "200")',
        '(path, lambda status: 200 <= status < 400, "200")',
    ),
    (
        "smoke-judges-the-answer",
        "home-page-accepts-any-answer-below-500",
        '("/", lambda status: 200 <= status < 300, "a 2xx status")',
        '("/", lambda status: status < 500, "a 2xx status")',
    ),
    (
        "smoke-judges-the-answer",
        "redirects-followed-by-the-real-fetch",
        "_OPENER = urllib.request.build_opener(_NoRedirect)",
        "_OPENER = urllib.request.build_opener()",
    ),
    (
        "images-exact-by-digest",
        "a-missing-expected-container-passes",
        "if images.get(name) != wanted:",
        "if images.get(name, wanted) != wanted:",
    ),
    (
        "images-exact-by-digest",
        "any-sha256-suffix-promoted",
        r'DIGEST_IMAGE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")',
        r'DIGEST_IMAGE = re.compile(r"^[^@\s]+@sha256:")',
    ),
    (
        "images-exact-by-digest",
        "images-compared-by-repository",
        "if images.get(name) != wanted:",
        'if (images.get(name) or "").split("@")[0] != wanted.split("@")[0]:',
    ),
]


def buggy_module(bug: str, old: str, new: str) -> types.ModuleType:
    source = SCRIPT.read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{bug}: the script no longer has {old!r}"
    module = types.ModuleType(f"verify_deployment_bug_{bug.replace('-', '_')}")
    module.__file__ = str(SCRIPT)
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    try:
        exec(compile(source.replace(old, new), f"<bug {bug}>", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


@pytest.fixture(scope="module")
def redirecting_site():
    """A real server: the health route answers 302 to a page that answers 200."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline().decode()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            if " /api/health " in line:
                answer = "HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n"
            else:
                answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            self.wfile.write(answer.encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def real_fetch_reports(module: types.ModuleType, base: str) -> bool:
    """The smoke check through the module's own fetch refuses a health route that redirects."""
    try:
        module.smoke_check(
            base,
            ["/api/health"],
            fetch=module.urllib_fetch,
            attempts=1,
            retry_delay=0,
            sleep=lambda _: None,
            log=lambda _: None,
        )
    except module.VerificationError:
        return True
    return False


def test_the_unchanged_script_passes_every_probe(redirecting_site):
    assert real_fetch_reports(vd, redirecting_site)


@pytest.mark.parametrize(
    ("prop", "old", "new"),
    [(prop, old, new) for prop, _, old, new in BUGS],
    ids=[bug for _, bug, _, _ in BUGS],
)
def test_a_verifier_bug_is_reported_by_the_property_it_breaks(
    prop, old, new, tmp_path, redirecting_site, request
):
    bug = request.node.callspec.id
    module = buggy_module(bug, old, new)
    caught_by = [
        name
        for name, case in CASES.items()
        if case_property(name) == prop and run_case(module, case, tmp_path)
    ]
    if prop == "smoke-judges-the-answer" and not real_fetch_reports(module, redirecting_site):
        caught_by.append("real fetch of a redirecting health route")
    assert caught_by, f"no {prop} case reports the bug {bug}"


def test_each_property_has_bugs_and_cases():
    assert {prop for prop, *_ in BUGS} == set(VERIFIER_PROPERTIES)
    assert {case_property(name) for name in CASES} == set(VERIFIER_PROPERTIES)
    assert len(BUGS) >= 12 and len({bug for _, bug, _, _ in BUGS}) == len(BUGS)
