"""Cases of `ecs-task-images-pinned-by-digest`: every container image of every task definition
moves by digest. Property: a container whose image a tag (or nothing, or garbage) names is a
finding, mandatory on prod and advisory on staging; a digest, with or without a tag before it,
passes; an image unknown at preview is a note, never a pass and never a finding."""

from __future__ import annotations

import json
from typing import Any

from tests.policies.builders import replace
from tests.policies.cases import Case, R, Variant
from tests.policies.support import OnProgram

RULE = "ecs-task-images-pinned-by-digest"
DIGEST = "sha256:" + "a" * 64
TASK, ONE_OFF_TASK = "web-task", "database-bootstrap-task"
"""The program's application task, and the one-off task that bootstraps the database."""


def image_of(name: str, image: Any, task: str = TASK) -> OnProgram:
    """The program's task with one container's image replaced (`...` removes the key)."""

    def changes(r: R) -> dict[str, Any]:
        containers = json.loads(r[task].wire_inputs["containerDefinitions"])
        (container,) = (c for c in containers if c["name"] == name)
        if image is ...:
            container.pop("image")
        else:
            container["image"] = image
        return {task: replace(r[task], containerDefinitions=json.dumps(containers))}

    return OnProgram(changes)


IMAGE_NONCOMPLIANT: list[Case] = [
    Case(
        RULE,
        "collector-sidecar-by-tag",
        image_of("otel", "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"),
        TASK,
        "containerDefinitions[otel].image is 'public.ecr.aws/aws-observability/aws-otel-collector"
        ":v0.43.3', a tag that can move",
    ),
    Case(
        RULE,
        "app-image-by-build-tag",
        image_of("nextjs", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck-nextjs:1.4.2"),
        TASK,
        "containerDefinitions[nextjs].image",
    ),
    Case(
        RULE,
        "one-off-task-by-moving-tag",
        image_of("bootstrap", "public.ecr.aws/docker/library/postgres:17-alpine", ONE_OFF_TASK),
        ONE_OFF_TASK,
        "containerDefinitions[bootstrap].image",
    ),
    Case(RULE, "no-tag-no-digest", image_of("hono", "perfcheck/hono"), TASK, "no digest"),
    Case(RULE, "no-image-at-all", image_of("hono", ...), TASK, "[hono].image is not set"),
    Case(
        RULE,
        "digest-too-short",
        image_of("hono", "perfcheck/hono@sha256:" + "a" * 63),
        TASK,
        "not an image reference",
    ),
    Case(
        RULE,
        "digest-in-upper-case",
        image_of("hono", "perfcheck/hono@sha256:" + "A" * 64),
        TASK,
        "not an image reference",
    ),
    Case(
        RULE,
        "digest-of-another-algorithm",
        image_of("hono", "perfcheck/hono@sha512:" + "a" * 128),
        TASK,
        "not an image reference",
    ),
    Case(
        RULE,
        "tag-that-looks-like-a-digest",
        image_of("hono", "perfcheck/hono:sha256-" + "a" * 64),
        TASK,
        "a tag that can move",
    ),
    Case(
        RULE,
        "staging-tag-is-advisory",
        image_of("otel", "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"),
        TASK,
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
