"""Container images: what a tag names never changes, and every pushed image is scanned."""

from __future__ import annotations

from perfcheck_policykit import ResourceContext, ResourceRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


def _check_repository(ctx: ResourceContext) -> None:
    mutability = ctx.get("imageTagMutability")
    if mutability is values.UNKNOWN:
        ctx.unknown("imageTagMutability")
    elif values.enum(mutability) not in IMMUTABLE:
        ctx.violation(
            "imageTagMutability",
            "not set (MUTABLE)" if mutability is None else values.show(mutability),
            "'IMMUTABLE' (a deployed tag cannot be overwritten under a running service)",
        )
    scan = ctx.get("imageScanningConfiguration", "scanOnPush")
    if scan is values.UNKNOWN:
        ctx.unknown("imageScanningConfiguration")
    elif values.as_bool(scan) is not True:
        ctx.violation(
            "imageScanningConfiguration.scanOnPush",
            "not set (false)" if scan is None else values.show(scan),
            "true (or registry-wide enhanced scanning)",
        )


ECR_REPOSITORY_IMMUTABLE_SCANNED = ResourceRule(
    name="ecr-repository-immutable-scanned",
    normalises="imageTagMutability any case",
    description=(
        "ECR repositories must have immutable tags (a tag always names the image that was "
        "reviewed and deployed) and scan images on push."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set image_tag_mutability='IMMUTABLE' and image_scanning_configuration={'scan_on_push': "
        "True} on aws.ecr.Repository."
    ),
    resource_types=[T.ECR_REPOSITORY],
    check=_check_repository,
    unknowns="imageTagMutability or scanOnPush unknown: note.",
    tags=["ecr", "supply-chain"],
)

RULES = (ECR_REPOSITORY_IMMUTABLE_SCANNED,)
