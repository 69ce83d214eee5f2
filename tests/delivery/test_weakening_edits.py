"""The blind corpus (`weakening_edits.py`, written before the gate tests were read) judged in the
suite: every weakening edit is reported by a property, and every benign edit by none.

Delivery files (workflows, Makefile, .ci/run, test and lint config, gate thresholds, stack
files) are judged by `gate_properties.check_tree` on a copy; a stack's policy config by what the
engine path does with it: the packs' Configure (schema, names, the production floor of
`perfcheck_policykit.strength`) and, when Configure accepts it, the packs' verdict on the
captured program of that stack (a stale reviewed type or exemption is a mandatory finding).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.policies.test_production_config_floor import unbound_exemptions
from tools.offline import runner
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PACK_NAMES,
    PackSession,
    PolicyConfigError,
    evaluate_packs,
    load_pack,
    parse_config_text,
)

from .gate_properties import check_tree
from .test_gate_properties import COPIED
from .weakening_edits import BENIGN_EDITS, WEAKENING_EDITS, Edit

ROOT = Path(__file__).resolve().parents[2]
DELIVERY_FILES = (*COPIED, "tests/conftest.py")
KNOWN_MISSES = {
    "prod-rum-sampling-off": (
        "a RUM sample rate of 0 is monitoring switched off, not a delivery gate: the settings "
        "(or the guardrails' control-not-switched-off rule) should refuse it in prod"
    ),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weakening-pristine")
    for relative in DELIVERY_FILES:
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, root / relative, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / relative)
    return root


def _delivery_findings(pristine: Path, tmp_path: Path, edit: Edit) -> list[str]:
    root = tmp_path / "tree"
    shutil.copytree(pristine, root, symlinks=True)
    target = root / edit.path
    assert target.exists(), f"{edit.path} is not among the copied delivery files"
    target.write_text(edit.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
    return check_tree(root)


def _config_findings(tmp_path: Path, edit: Edit) -> list[str]:
    stack, pack, _ = Path(edit.path).name.split(".")
    edited = edit.apply((ROOT / edit.path).read_text(encoding="utf-8"))
    flat, _ = runner.stack_config(stack)
    try:
        config = parse_config_text(edited)
        PackSession(load_pack(pack), stack, config, stack_config=flat)
    except PolicyConfigError as error:
        return list(error.errors)
    # Every rule has a decision in every file (tests/policies/test_policy_config.py): a rule
    # left out would silently follow a future change of its pack default.
    undecided = {p.name for p in load_pack(pack).policies} - set(config)
    if undecided:
        return [f"{edit.path}: no decision for {sorted(undecided)}"]
    # ...and binds each of a prod stack's exemptions to its finding (the same test module).
    if stack.startswith("prod") and (unbound := unbound_exemptions(json.loads(edited))):
        return [f"{edit.path}: unbound {unbound}"]
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for name in PACK_NAMES:
        source = (CONFIG_DIR / f"{stack}.{name}.json").read_text(encoding="utf-8")
        (config_dir / f"{stack}.{name}.json").write_text(edited if name == pack else source)
    report = evaluate_packs(runner.cached_run(stack), stack, config_dir, packs=(pack,))
    return [f"{v.policy}: {v.message}" for v in report.mandatory()]


def _stack_findings(tmp_path: Path, edit: Edit) -> list[str]:
    """What the pull request's offline preview of the edited stack reports (settings refused,
    or a mandatory finding of a pack): `make preview STACK=<stack>` on the program."""
    stack = edit.path.split(".")[1]
    if stack not in previewed_stacks():
        return []  # the pull request never previews it: nothing would notice
    stacks_dir = tmp_path / "stacks"
    stacks_dir.mkdir()
    edited = edit.apply((ROOT / edit.path).read_text(encoding="utf-8"))
    (stacks_dir / edit.path).write_text(edited, encoding="utf-8")
    try:
        run = runner.run_stack(stack, stacks_dir=stacks_dir)
    except Exception as error:  # the settings (or the program) refuse the stack file
        return [f"{edit.path}: {error}"]
    return [str(v) for v in evaluate_packs(run, stack).mandatory()]


def previewed_stacks() -> set[str]:
    """The stacks the pull request's offline preview runs on (its matrix)."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())
    matrix = workflow["jobs"]["offline-preview"]["strategy"]["matrix"]
    return set(matrix["stack"]) - {e.get("stack") for e in matrix.get("exclude") or []}


def findings(pristine: Path, tmp_path: Path, edit: Edit) -> list[str]:
    if edit.path.startswith("policies/config/"):
        return _config_findings(tmp_path, edit)
    found = _delivery_findings(pristine, tmp_path, edit)
    if not found and edit.path.startswith("Pulumi."):
        found = _stack_findings(tmp_path, edit)
    return found


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(e, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[e.name]))
        if e.name in KNOWN_MISSES
        else e
        for e in WEAKENING_EDITS
    ],
    ids=lambda e: e.name,
)
def test_a_weakening_edit_is_reported(pristine: Path, tmp_path: Path, edit: Edit) -> None:
    assert findings(pristine, tmp_path, edit), f"{edit.name} ({edit.kind}): {edit.why}"


@pytest.mark.parametrize("edit", BENIGN_EDITS, ids=lambda e: e.name)
def test_a_benign_edit_is_not_reported(pristine: Path, tmp_path: Path, edit: Edit) -> None:
    assert findings(pristine, tmp_path, edit) == []


def test_the_corpus_is_what_its_docstring_says() -> None:
    names = [e.name for e in (*WEAKENING_EDITS, *BENIGN_EDITS)]
    assert len(names) == len(set(names))
    assert len(WEAKENING_EDITS) >= 40 and len(BENIGN_EDITS) >= 10
    for edit in (*WEAKENING_EDITS, *BENIGN_EDITS):
        text = (ROOT / edit.path).read_text(encoding="utf-8")
        changed = edit.apply(text)
        if edit.path.endswith(".json"):
            json.loads(changed)
