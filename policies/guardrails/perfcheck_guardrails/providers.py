"""Resources of providers the packs do not understand are refused, not waved through.

Every rule judges pulumi-aws type tokens. The same database, bucket or task definition declared
through another provider (`aws-native:rds:DbInstance`, a Terraform bridge, a dynamic provider)
would pass every rule unseen, so this rule refuses any resource whose package the packs do not
judge, unless the stack's config lists it as understood (e.g. a provider of no data-bearing
resources). The project's own component resources (`<project>:...`) only group children.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfcheck_policykit import ResourceContext, ResourceRule, schema
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

UNDERSTOOD_PACKAGES = ("aws", "awsx", "random", "tls", "pulumi")


def package_of(type_token: str) -> str:
    """'aws:rds/instance:Instance' -> 'aws'; 'pulumi:providers:aws-native' -> 'aws-native'."""
    if type_token.startswith("pulumi:providers:"):
        return type_token.split(":", 2)[2]
    return type_token.split(":", 1)[0]


def _project(urn: str) -> str:
    parts = urn.split("::")
    return parts[1] if len(parts) > 2 else ""


def _judges(type_token: str, config: Mapping[str, Any]) -> bool:
    """Only types of packages the config does not list (the servicer skips the rest unread)."""
    understood = config.get("understoodPackages", UNDERSTOOD_PACKAGES)
    return package_of(type_token) not in set(understood or ())


def _check_provider(ctx: ResourceContext) -> None:
    package = package_of(ctx.type)
    if package in set(config_list(ctx.config, "understoodPackages")):
        return
    if package == _project(ctx.urn):
        return  # the program's own component resources (they group children; no cloud API)
    ctx.violation(
        "type",
        f"a resource of package '{package}', which no rule of the packs judges",
        "pulumi-aws resources (the packs judge those), or the package listed in "
        "understoodPackages after review",
    )


RESOURCE_PROVIDER_UNDERSTOOD = ResourceRule(
    name="resource-provider-understood",
    normalises="'pulumi:providers:<pkg>' judged as <pkg>",
    description=(
        "Every resource must come from a package the packs judge (pulumi-aws and its helpers): "
        "a database or bucket declared through aws-native or another provider would otherwise "
        "pass every rule unseen. The program's own components are allowed."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Declare the resource with pulumi-aws (aws.*), which the guardrails judge; or, after a "
        "review, add the package to understoodPackages in the stack's guardrails config."
    ),
    resource_types=None,
    judges_type=_judges,
    check=_check_provider,
    unknowns="Judged on the type token and URN: nothing is unknown.",
    config_properties={
        "understoodPackages": schema.string_list(
            "Packages whose resources are allowed (their data-bearing resources are judged, or "
            "they have none).",
            UNDERSTOOD_PACKAGES,
            min_items=1,
        )
    },
    tags=["providers"],
)
