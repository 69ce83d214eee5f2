"""Cases of `ecs-task-images-pinned-by-digest`: every container image of every task definition
moves by digest. Property: a container whose image a tag (or nothing, or garbage) names is a
finding, mandatory on prod and advisory on staging; a digest, with or without a tag before it,
passes; an image unknown at preview is a note, never a pass and never a finding.
Each case changes one container of the captured prod program's web task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policies.cases import Case, R, Variant, by_name, task

RULE = "ecs-task-images-pinned-by-digest"
DIGEST = "sha256:" + "a" * 64


def image_of(name: str, image: Any) -> Callable[[R], dict[str, Any]]:
    """The program's task with one container's image replaced (`...` removes the key)."""

    def mutate(containers: list[dict[str, Any]]) -> None:
        container = by_name(containers, name)
        if image is ...:
            container.pop("image")
        else:
            container["image"] = image

    return lambda r: task(r, mutate)


def one_off_task(image: str) -> Callable[[R], dict[str, Any]]:
    """The task definition with one container (the program's hono, alone), as a one-off task
    has, running `image`."""

    def mutate(containers: list[dict[str, Any]]) -> None:
        alone = {k: v for k, v in by_name(containers, "hono").items() if k != "dependsOn"}
        containers[:] = [dict(alone, name="migrate", image=image)]

    return lambda r: task(r, mutate)


IMAGE_NONCOMPLIANT: list[Case] = [
    Case(
        RULE,
        "collector-sidecar-by-tag",
        image_of("otel", "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"),
        "web-task",
        "containerDefinitions[otel].image is 'public.ecr.aws/aws-observability/aws-otel-collector"
        ":v0.43.3', a tag that can move",
    ),
    Case(
        RULE,
        "app-image-by-build-tag",
        image_of("nextjs", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck-nextjs:1.4.2"),
        "web-task",
        "containerDefinitions[nextjs].image",
    ),
    Case(
        RULE,
        "one-off-task-by-moving-tag",
        one_off_task("public.ecr.aws/docker/library/postgres:17-alpine"),
        "web-task",
        "containerDefinitions[migrate].image",
    ),
    Case(RULE, "no-tag-no-digest", image_of("hono", "perfcheck/hono"), "web-task", "no digest"),
    Case(RULE, "no-image-at-all", image_of("hono", ...), "web-task", "[hono].image is not set"),
    Case(
        RULE,
        "digest-too-short",
        image_of("hono", "perfcheck/hono@sha256:" + "a" * 63),
        "web-task",
        "not an image reference",
    ),
    Case(
        RULE,
        "digest-in-upper-case",
        image_of("hono", "perfcheck/hono@sha256:" + "A" * 64),
        "web-task",
        "not an image reference",
    ),
    Case(
        RULE,
        "digest-of-another-algorithm",
        image_of("hono", "perfcheck/hono@sha512:" + "a" * 128),
        "web-task",
        "not an image reference",
    ),
    Case(
        RULE,
        "tag-that-looks-like-a-digest",
        image_of("hono", "perfcheck/hono:sha256-" + "a" * 64),
        "web-task",
        "a tag that can move",
    ),
    Case(
        RULE,
        "staging-tag-is-advisory",
        image_of("otel", "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"),
        "web-task",
        "a tag that can move",
        level="advisory",
        stack="staging",
    ),
]

IMAGE_VARIANTS: list[Variant] = [
    Variant(RULE, "digest-only", image_of("otel", f"public.ecr.aws/x/collector@{DIGEST}")),
    Variant(RULE, "tag-and-digest", image_of("otel", f"public.ecr.aws/x/collector:v1@{DIGEST}")),
    Variant(RULE, "registry-port", image_of("hono", f"registry.local:5000/perfcheck/h@{DIGEST}")),
]
