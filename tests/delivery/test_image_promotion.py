"""Build once, promote by digest: the settings take digests and refuse moving tags in prod, the
program pulls exactly the pinned image, the preview shows it, and both stack files name the same
release (so even a hand-run `pulumi up --stack prod` cannot deploy an image staging never ran).
The workflow side (prod gets the digests the staging verification saw) is in gate_invariants.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from foundation.images import ImageReference, moving_tag_word, parse_image_reference
from settings import settings_from_config
from settings.errors import SettingsError
from tools.offline.runner import cached_run, stack_config

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "sha256:" + "0123456789abcdef" * 4
REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/nextjs"


def settings_with(stack: str, **service_changes: object):
    config, _ = stack_config(stack)
    service = json.loads(config["perfcheck:service"])
    service.update(service_changes)
    config["perfcheck:service"] = json.dumps(service)
    return settings_from_config("perfcheck", stack, config)


def problems_of(stack: str, **service_changes: object) -> list[str]:
    with pytest.raises(SettingsError) as refused:
        settings_with(stack, **service_changes)
    return refused.value.problems


def container(
    image: str | None = None, digest: str | None = None, port: int = 3000
) -> dict[str, object]:
    found: dict[str, object] = {"port": port, "healthPath": "/api/health"}
    if image:
        found["image"] = image
    if digest:
        found["imageDigest"] = digest
    return found


def test_prod_refuses_latest_as_the_build_tag_naming_key_and_value():
    assert problems_of("prod", imageTag="latest") == [
        "perfcheck:service.imageTag: 'latest' is a moving tag ('latest' names whatever was "
        "pushed last); prod is refused moving tags: use the build's own tag"
    ]


@pytest.mark.parametrize("tag", ["latest", "main", "stable", "main-latest", "nightly.2"])
def test_prod_refuses_an_image_on_a_moving_tag(tag):
    (problem,) = problems_of("prod", nextjs=container(f"{REPOSITORY}:{tag}"))
    assert problem.startswith("perfcheck:service.nextjs.image: ")
    assert f"carries the moving tag '{tag}'" in problem


def test_prod_refuses_an_image_without_a_digest():
    (problem,) = problems_of("prod", hono=container(f"{REPOSITORY}:build-7", port=8787))
    assert problem.startswith("perfcheck:service.hono.imageDigest: not set")
    assert "prod deploys by digest only" in problem


def test_prod_takes_a_digest_either_way_and_staging_takes_a_tag():
    settings_with("prod", nextjs=container(f"{REPOSITORY}@{DIGEST}"))
    settings_with("prod", nextjs=container(f"{REPOSITORY}:build-7", digest=DIGEST))
    settings_with("staging", nextjs=container(f"{REPOSITORY}:build-7"), imageTag="main-latest")


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (container(f"{REPOSITORY}@{DIGEST}", "sha256:" + "f" * 64), "set one"),
        (container("Not An Image!"), "is not an image reference"),
        (container(digest="sha256:abc"), "imageDigest"),
    ],
)
def test_unusable_image_settings_are_refused(given, says):
    assert any(says in problem for problem in problems_of("staging", nextjs=given))


def test_a_digest_replaces_the_tag_in_what_ecs_pulls():
    assert ImageReference(REPOSITORY, "build-7").pinned(DIGEST) == f"{REPOSITORY}@{DIGEST}"
    assert ImageReference(REPOSITORY, "build-7").pinned(None) == f"{REPOSITORY}:build-7"
    parsed = parse_image_reference(f"{REPOSITORY}:build-7@{DIGEST}")
    assert (parsed.tag, parsed.digest) == ("build-7", DIGEST)
    assert parsed.pinned(None) == f"{REPOSITORY}@{DIGEST}"
    assert moving_tag_word("build-2026.12.05.1") is None


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_task_definition_pulls_by_digest_and_the_preview_shows_it(stack):
    run = cached_run(stack)
    (task,) = [
        r
        for r in run.by_type("aws:ecs/taskDefinition:TaskDefinition")
        if "nextjs" in r.inputs["containerDefinitions"]
    ]
    pulled = {c["name"]: c["image"] for c in json.loads(task.inputs["containerDefinitions"])}
    assert run.outputs["images"] == {app: pulled[app] for app in ("nextjs", "hono")}
    for image in run.outputs["images"].values():
        assert parse_image_reference(image).digest is not None


def test_both_stack_files_name_the_same_release():
    """The staging gates judge the images in Pulumi.staging.yaml; prod may name no other."""

    def images(stack: str) -> dict[str, str]:
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text)["config"]
        service = raw["perfcheck:service"]
        return {app: service[app].get("image") for app in ("nextjs", "hono")}

    assert images("prod") == images("staging")
    assert all(parse_image_reference(image).digest for image in images("staging").values())
