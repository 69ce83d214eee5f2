"""Container images: what a tag names never changes, and every pushed image is scanned.

An image is scanned either by its repository (`scanOnPush`) or by the registry's scanning
configuration (`aws.ecr.RegistryScanningConfiguration`, basic or enhanced), whose rules pick
repositories by wildcard filters. Registry-wide enhanced scanning is what AWS recommends, and
what the message of this rule recommends, so it must pass.

Once the registry has a scanning configuration, it decides, not the repository: AWS deprecated
the repository-level setting "in favor of specifying the image scanning configuration at the
registry level" (ECR API reference, PutImageScanningConfiguration), and "any repositories not
matching a basic scanning scan on push filter will be set to the manual scan frequency"; under
enhanced scanning they "will have scanning disabled" (ECR User Guide, "Filters to choose which
repositories are scanned"). So with a configuration in the stack, a repository is scanned only
when a rule scanning on push or continuously matches it, whatever its own scanOnPush says, and a
configuration none of whose rules scans (only MANUAL, or no filter) switches scanning off for
the whole registry: a finding on the configuration itself.
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


def _scanning_filters(rules: Any) -> tuple[list[str], bool]:
    """Wildcard filters of the rules that scan on push or continuously, and whether a rule's
    frequency or filter is unknown."""
    filters: list[str] = []
    unknown = False
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


def _registry_filters(ctx: StackContext) -> tuple[list[str], bool]:
    """The scanning filters of every registry configuration of the stack, and whether any is
    unknown. A configuration none of whose rules scans is a finding: it sets every repository
    of the registry to manual (basic) or off (enhanced)."""
    filters: list[str] = []
    unknown = False
    for config in ctx.index.of_type(T.ECR_REGISTRY_SCANNING):
        rules = ctx.items(config, "rules")
        if rules is values.UNKNOWN:
            ctx.unknown(config, "rules")
            unknown = True
            continue
        found, rules_unknown = _scanning_filters(rules)
        filters.extend(found)
        unknown = unknown or rules_unknown
        if not found and not rules_unknown:
            ctx.violation(
                config,
                "rules",
                "no rule that scans on push or continuously with a repository filter (MANUAL "
                "only, or no rule): every repository of the registry is left unscanned",
                "a rule with scanFrequency SCAN_ON_PUSH or CONTINUOUS_SCAN and a WILDCARD filter "
                "(e.g. '*')",
                "A registry configuration overrides each repository's scanOnPush (AWS: "
                "repositories matching no scan-on-push filter are set to manual scanning).",
            )
    return filters, unknown


def _repository_scanned(
    ctx: StackContext,
    repo: PolicyResource,
    filters: list[str],
    filters_unknown: bool,
    registry_configured: bool,
) -> bool | None:
    """Whether images pushed to `repo` are scanned (None: unknown at preview). With a registry
    configuration in the stack its filters alone decide; without, the repository's scanOnPush."""
    if not registry_configured:
        scan = ctx.get(repo, "imageScanningConfiguration", "scanOnPush")
        return None if scan is values.UNKNOWN else values.as_bool(scan) is True
    name = ctx.get(repo, "name")
    if isinstance(name, str) and not values.is_unknown(name):
        if any(_wildcard(f, name) for f in filters):
            return True
    elif "*" in filters:
        return True
    elif filters:
        return None  # a name computed during preview, matched against narrower filters
    return None if filters_unknown else False


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
    configured = bool(ctx.index.of_type(T.ECR_REGISTRY_SCANNING))
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
        scanned = _repository_scanned(ctx, repo, filters, filters_unknown, configured)
        if scanned is None:
            ctx.unknown(repo, "imageScanningConfiguration (or the registry's scan filters)")
        elif not scanned:
            scan: Any = ctx.get(repo, "imageScanningConfiguration", "scanOnPush")
            own = "not set (false)" if scan is None else values.show(scan)
            ctx.violation(
                repo,
                "imageScanningConfiguration.scanOnPush",
                f"{own}, overridden by the registry's scanning configuration, and no registry "
                "scanning rule's filter matches the repository"
                if configured
                else own,
                "true, or registry-wide scanning (RegistryScanningConfiguration, e.g. ENHANCED "
                "with a '*' WILDCARD filter scanning on push or continuously)",
            )


ECR_REPOSITORY_IMMUTABLE_SCANNED = StackRule(
    name="ecr-repository-immutable-scanned",
    normalises="imageTagMutability, scan frequency and filter type any case",
    description=(
        "ECR repositories must have immutable tags (a tag always names the image that was "
        "reviewed and deployed) and have every pushed image scanned: by the repository "
        "(scanOnPush) when the stack has no registry scanning configuration; with one, by a "
        "registry rule (basic or enhanced, on push or continuous) whose wildcard filter matches "
        "the repository, as AWS then ignores scanOnPush. A registry configuration with no rule "
        "that scans (MANUAL only) is itself a finding."
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
