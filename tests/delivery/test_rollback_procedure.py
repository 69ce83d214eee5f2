"""docs/runbooks/rollback.md rolls a release back by digest: its commands, run against the real
settings and the verifier's argument parser, pin both images to the given digests, prod refuses
the same procedure done with a moving tag, and the emergency path runs every policy pack and
verifies exactly the good images, waiting as long as prod's deploy may take."""

from __future__ import annotations

import itertools
import json
import re
import shlex
from pathlib import Path

import pytest

from scripts import verify_deployment as vd
from settings.errors import SettingsError
from settings.loader import settings_from_config
from settings.schema import image_pinning_problems
from tools.offline.runner import project_name, stack_config

from .gate_properties import PACKS, deploy_minutes

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbooks" / "rollback.md"
REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck"
GOOD = {
    "GOOD_NEXTJS": f"{REPOSITORY}/nextjs@sha256:{'1' * 64}",
    "GOOD_HONO": f"{REPOSITORY}/hono@sha256:{'2' * 64}",
}


def commands() -> list[list[str]]:
    """Each command of the runbook's bash blocks, continuations joined, variables filled."""
    text = RUNBOOK.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```bash(?: \w+)?\n(.*?)```", text, re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            for name, value in GOOD.items():
                line = line.replace(f'"${name}"', value).replace(f"${name}", value)
            if line.strip():
                found.append(shlex.split(line, comments=True))
    return found


def config_sets(stack: str) -> list[tuple[str, str]]:
    return [
        (words[words.index("--path") + 1], words[-1])
        for words in commands()
        if words[:3] == ["pulumi", "config", "set"] and words[words.index("--stack") + 1] == stack
    ]


def apply(stack: str, sets: list[tuple[str, str]]):
    flat, secret = stack_config(stack)
    for path, value in sets:
        key, *inner = path.split(".")
        document = json.loads(flat[key])
        node = document
        for part in inner[:-1]:
            node = node.setdefault(part, {})
        node[inner[-1]] = value
        flat[key] = json.dumps(document)
    return settings_from_config(project_name(), stack, flat, secret)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_procedure_pins_both_images_to_the_good_digests(stack):
    """Property: after the runbook's commands, the stack runs exactly the good pair, by digest."""
    sets = config_sets(stack)
    assert {path for path, _ in sets} == {
        "perfcheck:service.nextjs.image",
        "perfcheck:service.hono.image",
    }
    service = apply(stack, sets).service
    assert service.nextjs.image == GOOD["GOOD_NEXTJS"]
    assert service.hono.image == GOOD["GOOD_HONO"]
    assert image_pinning_problems(service) == []


def test_prod_refuses_the_same_rollback_by_moving_tag():
    sets = [(path, value.split("@")[0] + ":latest") for path, value in config_sets("prod")]
    with pytest.raises(SettingsError, match="prod is refused moving tags"):
        apply("prod", sets)


def test_the_emergency_path_runs_every_pack_and_verifies_exactly_the_good_images():
    (up,) = [words for words in commands() if words[:2] == ["pulumi", "up"]]
    pairs = list(itertools.pairwise(up))
    assert [v for k, v in pairs if k == "--policy-pack"] == [f"policies/{p}" for p in PACKS]
    assert [v for k, v in pairs if k == "--policy-pack-config"] == [
        f"policies/config/prod.{p}.json" for p in PACKS
    ]
    (verify,) = [w for w in commands() if any("verify_deployment.py" in x for x in w)]
    args = vd._arguments(verify[2:])
    assert args.stack == "prod"
    assert args.expected_images == {"nextjs": GOOD["GOOD_NEXTJS"], "hono": GOOD["GOOD_HONO"]}
    assert args.timeout >= deploy_minutes(ROOT, "prod") * 60


def test_the_runbook_never_rolls_back_by_image_tag():
    for words in commands():
        assert not any("imageTag" in word for word in words), words
