"""docs/delivery.md says only what the repository backs: its tables are read and compared with
the workflows, the tests, the verifier and the gate configurations."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

from foundation.images import MOVING_TAG_WORDS

from . import test_gate_invariants, test_workflows

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
WORKFLOWS = ROOT / ".github" / "workflows"


def between(marker: str) -> str:
    return DOC.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]


def check_names(workflow: dict) -> set[str]:
    """The status-check names a workflow's jobs report (matrix values filled in)."""
    names = set()
    for job in workflow["jobs"].values():
        name = job.get("name", "")
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for key, values in matrix.items():
            pattern = re.compile(rf"\$\{{\{{\s*matrix\.{key}\s*\}}\}}")
            if pattern.search(name):
                names |= {pattern.sub(str(value), name) for value in values}
                break
        else:
            names.add(name)
    return names


def test_required_checks_are_jobs_of_the_pull_request_workflow():
    required = set(re.findall(r"^- `([^`]+)`$", between("required-checks"), re.M))
    pull_request = yaml.safe_load((WORKFLOWS / "pull-request.yml").read_text())
    assert required, "no required checks listed"
    assert required <= check_names(pull_request)
    assert {"Offline preview (staging, both policy packs)", "Lint and unit tests"} <= required


def test_pinned_action_table_is_the_verified_table():
    rows = re.findall(
        r"^\| (\S+) \| (v[\d.]+) \| `([0-9a-f]{40})` \| (\w+) \|$", between("pinned-actions"), re.M
    )
    documented = {(action, sha, tag, runtime) for action, tag, sha, runtime in rows}
    verified = {
        (action, sha, tag, test_workflows.RUNTIMES[sha])
        for action, shas in test_workflows.VERIFIED_ACTIONS.items()
        for sha, tag in shas.items()
    }
    assert documented == verified


def test_every_test_and_file_the_doc_names_exists():
    test_names = set(re.findall(r"`(test_\w+)`", DOC))
    defined = {
        node.name
        for path in (ROOT / "tests").rglob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }
    assert test_names and test_names <= defined, test_names - defined
    paths = set(
        re.findall(
            r"`((?:tests|scripts|perf|lighthouse|e2e|docs|settings|foundation)"
            r"/[\w./-]+\.\w+)`",
            DOC,
        )
    )
    assert paths and all((ROOT / p).exists() for p in paths), [
        p for p in paths if not (ROOT / p).exists()
    ]


def test_the_count_of_weakening_edits_is_the_tests():
    assert f"applies {len(test_gate_invariants.EDITS)} edits" in DOC
    assert f"and {len(test_gate_invariants.EDITS) - 13} more of the same kinds" in DOC


def test_the_verification_permissions_are_the_calls_the_script_makes():
    source = (ROOT / "scripts" / "verify_deployment.py").read_text(encoding="utf-8")
    calls = set(re.findall(r"\becs\.(\w+)\(", source))
    actions = {"ecs:" + "".join(part.title() for part in call.split("_")) for call in calls}
    documented = set(re.findall(r"`(ecs:\w+)`", DOC))
    assert actions == documented


def test_the_lighthouse_threshold_and_tokens_are_the_configured_ones():
    config = json.loads((ROOT / "lighthouse" / "lighthouserc.json").read_text())
    scores = {
        o[1]["minScore"]
        for entry in config["ci"]["assert"]["assertMatrix"]
        for o in entry["assertions"].values()
    }
    assert scores == {0.9} and "**0.90 or more**" in DOC
    workflows = "".join(path.read_text() for path in WORKFLOWS.glob("*.yml"))
    for secret in re.findall(r"secret `(\w+)`", DOC):
        assert f"secrets.{secret}" in workflows, secret


def test_the_moving_tags_listed_are_the_ones_refused():
    sentence = DOC.split("In **prod** a moving tag (", 1)[1].split(", also inside", 1)[0]
    assert set(re.findall(r"`(\w+)`", sentence)) == set(MOVING_TAG_WORDS)
