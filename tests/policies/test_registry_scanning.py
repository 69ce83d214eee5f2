"""ECR scanning follows AWS: a registry scanning configuration overrides the repositories' own.

AWS deprecated the repository-level scanOnPush "in favor of specifying the image scanning
configuration at the registry level" (ECR API reference, PutImageScanningConfiguration); under a
registry configuration, "any repositories not matching a basic scanning scan on push filter will
be set to the manual scan frequency", and under enhanced scanning they "will have scanning
disabled" (ECR User Guide, "Filters to choose which repositories are scanned").

Properties guarded:
- a registry configuration none of whose rules scans (MANUAL only, no rule, no filter) is a
  finding on the configuration itself: it switches scanning off for the whole registry;
- with a registry configuration in the stack, a repository is scanned only when a rule that
  scans on push or continuously matches it; its own scanOnPush does not count;
- without one, the repository's scanOnPush decides (the default registry honours it).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.builders import record
from tests.policies.support import run_case, violations
from tests.policies.type_cases import REGISTRY_SCANNING, REPOSITORY

RULE = "ecr-repository-immutable-scanned"


def _case(
    scan_on_push: bool | None, registry: dict[str, Any] | None, name: str = "perfcheck/api"
) -> Any:
    def changes(r: Any) -> dict[str, Any]:
        tags = r["db"].wire_inputs["tags"]
        repo: dict[str, Any] = {"name": name, "imageTagMutability": "IMMUTABLE", "tags": tags}
        if scan_on_push is not None:
            repo["imageScanningConfiguration"] = {"scanOnPush": scan_on_push}
        found = {"repo": record("prod", REPOSITORY, "api-repo", repo)}
        if registry is not None:
            found["registry"] = record("prod", REGISTRY_SCANNING, "registry", registry)
        return found

    return changes


def _rule(frequency: str, *filters: str) -> dict[str, Any]:
    return {
        "scanFrequency": frequency,
        "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters],
    }


HOLLOW_REGISTRIES = {
    "basic-manual-everything": {"scanType": "BASIC", "rules": [_rule("MANUAL", "*")]},
    "enhanced-no-rule": {"scanType": "ENHANCED", "rules": []},
    "basic-on-push-no-filter": {"scanType": "BASIC", "rules": [_rule("SCAN_ON_PUSH")]},
    "enhanced-manual-lowercase": {"scanType": "ENHANCED", "rules": [_rule("manual", "perf*")]},
}


@pytest.mark.parametrize("registry", HOLLOW_REGISTRIES.values(), ids=list(HOLLOW_REGISTRIES))
def test_a_registry_configuration_that_scans_nothing_is_a_finding_on_itself(
    registry: dict[str, Any],
) -> None:
    found = violations(run_case(_case(True, registry)), RULE)
    on_registry = [v for v in found if v.urn.endswith("::registry")]
    assert on_registry and "left unscanned" in on_registry[0].message, found
    # the repository's own scanOnPush is overridden: it is not scanned either
    assert [v for v in found if v.urn.endswith("::api-repo")], found


def test_scan_on_push_does_not_count_under_a_registry_configuration_that_misses_it() -> None:
    registry = {"scanType": "BASIC", "rules": [_rule("SCAN_ON_PUSH", "legacy-*")]}
    (finding,) = violations(run_case(_case(True, registry)), RULE)
    assert "overridden by the registry's scanning configuration" in finding.message


@pytest.mark.parametrize(
    "registry",
    [
        {"scanType": "BASIC", "rules": [_rule("SCAN_ON_PUSH", "perfcheck/*")]},
        {"scanType": "ENHANCED", "rules": [_rule("MANUAL", "*"), _rule("CONTINUOUS_SCAN", "*")]},
        None,  # no registry configuration: the repository's own setting
    ],
    ids=["basic-on-push-matching", "enhanced-one-scanning-rule", "repository-only"],
)
def test_a_repository_scanned_by_the_setting_aws_honours_passes(
    registry: dict[str, Any] | None,
) -> None:
    assert violations(run_case(_case(registry is None, registry)), RULE) == []


def test_without_a_registry_configuration_scan_on_push_off_is_a_finding() -> None:
    (finding,) = violations(run_case(_case(False, None)), RULE)
    assert "scanOnPush" in finding.message
