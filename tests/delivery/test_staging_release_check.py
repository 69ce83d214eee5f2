"""scripts/staging_runs_release.mjs: a gate (and prod's deploy) goes on only while staging's latest
GitHub deployment is this run's commit. Run in Node against a local stand-in for GitHub's API."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "staging_runs_release.mjs"
OURS = "a" * 40
LATER = "b" * 40


@pytest.fixture
def github():
    """A local API answering /repos/acme/app/deployments with what the test sets."""
    state: dict = {"status": 200, "body": []}
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = json.dumps(state["body"]).encode()
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state, asked
    server.shutdown()
    server.server_close()


def run(api: str, sha: str = OURS, token: str = "t") -> subprocess.CompletedProcess:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    env = {
        **os.environ,
        "GITHUB_API_URL": api,
        "GITHUB_TOKEN": token,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": sha,
    }
    return subprocess.run(
        [node, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_goes_on_when_staging_runs_this_runs_commit(github):
    api, state, asked = github
    state["body"] = [{"sha": OURS, "environment": "staging"}]
    done = run(api)
    assert done.returncode == 0, done.stderr
    assert asked == ["/repos/acme/app/deployments?environment=staging&per_page=1"]


def test_stops_when_a_later_merge_deployed_staging(github):
    """Property: a gate re-run after a later merge does not judge the later release."""
    api, state, _ = github
    state["body"] = [{"sha": LATER, "environment": "staging"}]
    done = run(api)
    assert done.returncode == 1
    assert f"latest deployment is {LATER}, but this run judges {OURS}" in done.stderr


@pytest.mark.parametrize(("status", "body"), [(500, {}), (200, [])])
def test_cannot_tell_is_not_a_pass(github, status, body):
    api, state, _ = github
    state["status"], state["body"] = status, body
    assert run(api).returncode in (1, 2)


def test_refuses_to_run_without_its_inputs(github):
    api, _, asked = github
    assert run(api, sha="HEAD").returncode == 2
    assert run(api, token="").returncode == 2
    assert asked == []
