"""Container images: what a tag names never changes, and every pushed image is scanned.

An image is scanned either by its repository (`scanOnPush`) or by the registry's scanning
configuration (`aws.ecr.RegistryScanningConfiguration`, basic or enhanced), whose rules pick
repositories by wildcard filters. Registry-wide enhanced scanning is what AWS recommends, and
what the message of this rule recommends, so it must pass; a registry configuration whose
filters match no repository of the stack (or only `MANUAL` frequency) scans nothing, so it is
judged by its effect: the repositories it was meant to cover still need a scan.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import PolicyResource, Severity

IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}
_SCANNING_FREQUENCIES = {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}


def _wildcard(filter_text: str, name: str) -> bool:
    """ECR's WILDCARD filter: '*' matches any run of characters, everything else literally."""
    pattern = "".join("*" if c == "*" else f"[{c}]" if c in "[]?" else c for c in filter_text)
    return fnmatch.fnmatchcase(name, pattern)


def _registry_filters(ctx: StackContext) -> tuple[list[str], bool]:
    """Wildcard filters of registry scanning rules that scan on push or continuously, and
    whether any rule or filter was unknown."""
    filters: list[str] = []
    unknown = False
    for config in ctx.index.of_type(T.ECR_REGISTRY_SCANNING):
        rules = ctx.items(config, "rules")
        if rules is values.UNKNOWN:
            unknown = True
            continue
        for rule in rules:
            frequency = values.get(rule, "scanFrequency")
            if frequency is values.UNKNOWN:
                unknown = True
                continue
            if values.enum(frequency) not in _SCANNING_FREQUENCIES:
                continue  # MANUAL scans nothing by itself
            for entry in values.items(rule, "repositoryFilters"):
                text = values.get(entry, "filter")
                kind = values.get(entry, "filterType")
                if text is values.UNKNOWN or kind is values.UNKNOWN:
                    unknown = True
                elif isinstance(text, str) and text and values.enum(kind) in (None, "WILDCARD"):
                    filters.append(text)
    return filters, unknown


def _repository_scanned(
    ctx: StackContext, repo: PolicyResource, filters: list[str], filters_unknown: bool
) -> bool | None:
    scan = ctx.get(repo, "imageScanningConfiguration", "scanOnPush")
    if scan is not values.UNKNOWN and values.as_bool(scan) is True:
        return True
    name = ctx.get(repo, "name")
    if isinstance(name, str) and not values.is_unknown(name):
        if any(_wildcard(f, name) for f in filters):
            return True
    elif "*" in filters:
        return True
    elif filters:
        return None  # a name computed during preview, matched against narrower filters
    if scan is values.UNKNOWN or filters_unknown:
        return None
    return False


def _check_exclusions(ctx: StackContext, repo: Any) -> None:
    """An exclusion filter made of `*` alone matches every tag: immutability in name only."""
    entries = ctx.items(repo, "imageTagMutabilityExclusionFilters")
    if entries is values.UNKNOWN:
        ctx.unknown(repo, "imageTagMutabilityExclusionFilters")
        return
    for entry in entries:
        text = values.get(entry, "filter")
        if text is values.UNKNOWN:
            ctx.unknown(repo, "imageTagMutabilityExclusionFilters[].filter")
        elif isinstance(text, str) and text.strip("*") == "":
            ctx.violation(
                repo,
                "imageTagMutabilityExclusionFilters",
                f"filter {values.show(text)} (excludes every tag)",
                "filters naming the tags that may move (e.g. 'dev-*'), or 'IMMUTABLE'",
            )


def _check_registries(ctx: StackContext) -> None:
    filters, filters_unknown = _registry_filters(ctx)
    repositories = ctx.index.of_type(T.ECR_REPOSITORY)
    for repo in repositories:
        mutability = ctx.get(repo, "imageTagMutability")
        if mutability is values.UNKNOWN:
            ctx.unknown(repo, "imageTagMutability")
        elif values.enum(mutability) not in IMMUTABLE:
            ctx.violation(
                repo,
                "imageTagMutability",
                "not set (MUTABLE)" if mutability is None else values.show(mutability),
                "'IMMUTABLE' (a deployed tag cannot be overwritten under a running service)",
            )
        elif values.enum(mutability) == "IMMUTABLE_WITH_EXCLUSION":
            _check_exclusions(ctx, repo)
        scanned = _repository_scanned(ctx, repo, filters, filters_unknown)
        if scanned is None:
            ctx.unknown(repo, "imageScanningConfiguration (or the registry's scan filters)")
        elif not scanned:
            scan: Any = ctx.get(repo, "imageScanningConfiguration", "scanOnPush")
            ctx.violation(
                repo,
                "imageScanningConfiguration.scanOnPush",
                ("not set (false)" if scan is None else values.show(scan))
                + (
                    ", and no registry scanning rule's filter matches the repository"
                    if ctx.index.of_type(T.ECR_REGISTRY_SCANNING)
                    else ""
                ),
                "true, or registry-wide scanning (RegistryScanningConfiguration, e.g. ENHANCED "
                "with a '*' WILDCARD filter scanning on push or continuously)",
            )


ECR_REPOSITORY_IMMUTABLE_SCANNED = StackRule(
    name="ecr-repository-immutable-scanned",
    normalises="imageTagMutability, scan frequency and filter type any case",
    description=(
        "ECR repositories must have immutable tags (a tag always names the image that was "
        "reviewed and deployed) and have every pushed image scanned: by the repository "
        "(scanOnPush) or by a registry scanning rule (basic or enhanced, on push or "
        "continuous) whose wildcard filter matches the repository. A registry rule that "
        "matches no repository, or scans only manually, scans nothing."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set image_tag_mutability='IMMUTABLE' on aws.ecr.Repository; scan with "
        "image_scanning_configuration={'scan_on_push': True} or an "
        "aws.ecr.RegistryScanningConfiguration(scan_type='ENHANCED', rules=[{'scan_frequency': "
        "'CONTINUOUS_SCAN', 'repository_filters': [{'filter': '*', 'filter_type': 'WILDCARD'}]}])."
    ),
    resource_types=[T.ECR_REPOSITORY, T.ECR_REGISTRY_SCANNING],
    check=_check_registries,
    unknowns=(
        "imageTagMutability, scanOnPush, a repository name or a registry rule unknown: note "
        "(a '*' filter covers every repository, known name or not)."
    ),
    tags=["ecr", "supply-chain", "hollow-controls"],
)

RULES = (ECR_REPOSITORY_IMMUTABLE_SCANNED,)
