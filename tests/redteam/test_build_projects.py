"""Build projects are judged by the rule families, and every family type by some rule.

Properties:
- a type in any family table (type_families) is declared by at least one rule, so
  resource-type-judged never fails closed on a type a family already judges, and a table entry
  no rule reads is caught here;
- a CodeBuild project is judged like the other workloads: a compliant one passes in prod; each
  of encryption switched off (artifacts, secondary artifacts, S3 logs), privileged mode, no logs
  at all, and a credential in a plain-text variable is a mandatory finding.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.redteam.harness import judge
from tests.redteam.programs import UNKNOWN, Program, one
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the pack on sys.path, as the engine does
from perfcheck_guardrails import judged_types, type_families  # noqa: E402

CODEBUILD = type_families.CODEBUILD_PROJECT


def test_every_family_type_is_judged_by_some_rule() -> None:
    judged = judged_types.judged_types()
    family = {token for token, _ in type_families.SCHEMA_PATHS} | set(
        type_families.ENCRYPTION_AT_REST
    )
    assert family - set(judged) == set()


def _project(**changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "serviceRole": UNKNOWN,
        "encryptionKey": UNKNOWN,
        "artifacts": {"type": "S3", "location": "perfcheck-builds"},
        "secondaryArtifacts": [
            {"type": "S3", "artifactIdentifier": "reports", "location": "perfcheck-reports"}
        ],
        "source": {"type": "GITHUB", "location": "https://github.com/example/perfcheck.git"},
        "environment": {
            "computeType": "BUILD_GENERAL1_MEDIUM",
            "image": "aws/codebuild/amazonlinux2-aarch64-standard:3.0",
            "type": "ARM_CONTAINER",
            "environmentVariables": [
                {"name": "STAGE", "value": "prod"},
                {"name": "SONAR_TOKEN", "value": "/ci/sonar-token", "type": "PARAMETER_STORE"},
            ],
        },
        "logsConfig": {
            "cloudwatchLogs": {"groupName": "/perfcheck/prod/codebuild"},
            "s3Logs": {"status": "ENABLED", "location": "perfcheck-build-logs/prod"},
        },
        "vpcConfig": {"vpcId": UNKNOWN, "subnets": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
    }
    for path, value in changes.items():
        target = inputs
        *parents, last = path.split(".")
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        target[last] = value
    return inputs


def _program(name: str, bad: bool, inputs: dict[str, Any]) -> Program:
    return Program(name, "build", bad, one(CODEBUILD, name, inputs))


def test_a_compliant_build_project_passes_in_prod() -> None:
    verdict = judge(_program("ci-good", False, _project()))
    assert not verdict.flagged, [f"{v.policy}: {v.message}" for v in verdict.findings]


BAD_PROJECTS = [
    ("artifacts.encryptionDisabled", "data-encrypted-at-rest", True),
    ("secondaryArtifacts.0.encryptionDisabled", "data-encrypted-at-rest", "true"),
    ("logsConfig.s3Logs.encryptionDisabled", "data-encrypted-at-rest", True),
    ("environment.privilegedMode", "ecs-container-not-privileged", True),
    (
        "logsConfig",
        "ecs-container-logging",
        {"cloudwatchLogs": {"status": "disabled"}, "s3Logs": {"status": "DISABLED"}},
    ),
    # S3 logs are off unless enabled: CloudWatch switched off alone leaves nothing logged
    ("logsConfig", "ecs-container-logging", {"cloudwatchLogs": {"status": "DISABLED"}}),
    (
        "environment.environmentVariables",
        "no-credentials-in-resource-inputs",
        [{"name": "NPM_AUTH", "value": "Vb6-not-real-Kd2q", "type": "PLAINTEXT"}],
    ),
]


@pytest.mark.parametrize(("path", "policy", "value"), BAD_PROJECTS)
def test_each_weakened_build_project_is_a_mandatory_finding(
    path: str, policy: str, value: Any
) -> None:
    verdict = judge(_program("ci-bad", True, _project(**{path: value})))
    assert verdict.caught
    assert policy in {v.policy for v in verdict.findings if v.enforcement_level == "mandatory"}
