"""`pulumi up` installs only requirements.txt: the program must not import a development tool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Top-level modules that only requirements-dev.txt or the policy packs install.
DEV_ONLY = ("botocore", "boto3", "parliament", "jsonschema", "pytest", "pulumi_policy", "xdist")

PROGRAM = f"""
import importlib.abc, sys

class RefuseDevTools(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {DEV_ONLY!r}:
            raise ImportError(f"{{name}} is a development tool, not in requirements.txt")
        return None

sys.meta_path.insert(0, RefuseDevTools())
from tools.offline.runner import run_stack
for stack in ("staging", "prod"):
    print(stack, len(run_stack(stack).resources))
"""


def test_the_program_needs_nothing_beyond_the_runtime_requirements() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = dict(line.split() for line in result.stdout.splitlines() if line[:1].isalpha())
    assert int(counts["staging"]) > 100 and int(counts["prod"]) > 100


def test_the_runtime_requirements_are_pinned_and_hold_no_dev_tool() -> None:
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert lines and all("==" in line for line in lines)
    names = {line.split("==")[0].lower().replace("-", "_") for line in lines}
    assert not names & {name.lower() for name in DEV_ONLY}
