"""Every container image of every task definition is pinned by digest.

A tag is a pointer: the same `repo:1.4.2` can name another image tomorrow (a mutable repository,
a public registry that re-tags, a rebuilt `17.6-alpine`), so what staging verified is not what
prod pulls. Only `@sha256:<64 hex>` names one image for ever. The rule judges every container
(app, sidecars, one-off tasks) by its effect: an image with no digest, an image that is not a
reference at all, or a container with no image is a finding; an image not known until the
update runs is a note at preview and judged then. Prod's config makes it mandatory, staging's
advisory (staging deploys builds by tag before they are promoted by digest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, values
from pulumi_policy import Severity

from .type_families import TASK_DEFINITIONS, with_containers

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
"""ECS pulls `repository@sha256:<digest>` (with or without a tag before it) by digest."""
# Docker's reference grammar, simplified (foundation/images.py holds the program's own copy; a
# packaged pack carries no foundation/, so the rule keeps its few lines here).
REFERENCE = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)


def _judge(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    expected = "repository[:tag]@sha256:<64 hex digits> (the digest staging verified)"
    for index, container in enumerate(containers):
        label = f"{values.container_label(container, index)}.image"
        image = values.get(container, "image")
        if image is values.UNKNOWN:
            ctx.unknown(label)
        elif not isinstance(image, str) or not image:
            ctx.violation(label, "not set" if image is None else values.show(image), expected)
        elif not REFERENCE.match(image):
            ctx.violation(label, f"'{image}', not an image reference", expected)
        elif not DIGEST.search(image):
            ctx.violation(label, f"'{image}', a tag that can move (no digest)", expected)


TASK_IMAGES_PINNED_BY_DIGEST = ResourceRule(
    name="ecs-task-images-pinned-by-digest",
    normalises="a tag before the digest is allowed (ECS pulls by the digest)",
    description=(
        "Every container image of every task definition (the app's, the collector sidecar, "
        "one-off tasks) must be pinned by digest (`@sha256:<64 hex>`): a tag can name another "
        "image tomorrow, so prod would run bytes no gate judged. A missing or malformed image "
        "is a finding too."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Give the image as repository[:tag]@sha256:<digest>: the app images through "
        "service.<app>.imageDigest (the digest the staging verification handed on), the "
        "collector through service.otelCollectorImage, the one-off tasks through "
        "database.toolsImage / database.tokenImage (docs/delivery.md, 'Every image by digest')."
    ),
    resource_types=TASK_DEFINITIONS,
    check=with_containers(_judge),
    unknowns="containerDefinitions or an image unknown: note at preview, judged at update.",
    tags=["ecs", "supply-chain", "promotion"],
)
