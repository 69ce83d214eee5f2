"""Every committed stack can be deployed: deploy/bootstrap.sh can create its permissions boundary.

Each role the program creates carries `perfcheck-<stack>-boundary` (components/
permissions_boundary.py, from the stack's name), and IAM refuses CreateRole with a boundary that
does not exist. So a stack file without a bootstrap environment (the region-loss stack `prod-dr`
before this test) cannot be brought up by anyone, whatever their credentials.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_bootstrap import ROOT, SCRIPT, documents, run_bootstrap


def committed_stacks() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")
    )


def bootstrap_environments() -> dict[str, str]:
    """GitHub environment -> stack, as the script's `stack_of` maps them."""
    text = SCRIPT.read_text()
    body = text[text.index("stack_of() {") : text.index("\n}\n", text.index("stack_of() {"))]
    return dict(re.findall(r"^\s+([a-z][a-z-]*)\) echo ([a-z][a-z-]*) ;;$", body, re.MULTILINE))


def test_every_committed_stack_has_a_bootstrap_environment() -> None:
    """Property: each Pulumi.<stack>.yaml names a stack the bootstrap can make a boundary for."""
    stacks = committed_stacks()
    assert {"staging", "prod", "prod-dr"} <= set(stacks)
    assert sorted(set(stacks) - set(bootstrap_environments().values())) == []


@pytest.mark.parametrize("environment", sorted(bootstrap_environments()))
def test_each_environment_gets_its_stacks_boundary_and_role(
    tmp_path: Path, environment: str
) -> None:
    stack = bootstrap_environments()[environment]
    code, output, calls = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-central-1",
        "--environments",
        environment,
    )
    assert code == 0, output
    boundary = next(c for c in calls if c.startswith("iam create-policy "))
    assert f"--policy-name perfcheck-{stack}-boundary" in boundary
    role = next(c for c in calls if c.startswith("iam create-role --role-name perfcheck-deploy-"))
    assert f"--role-name perfcheck-deploy-{stack} " in role
    (trust,) = documents(role)
    subject = trust["Statement"][0]["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"
    ]
    assert subject == f"repo:acme/perfcheck:environment:{environment}"
    policy = next(
        c
        for c in calls
        if c.startswith(f"iam put-role-policy --role-name perfcheck-deploy-{stack} ")
    )
    (document,) = documents(policy)
    assert f"perfcheck-{stack}-boundary" in str(document)
    assert f"GitHub environment '{environment}': variable AWS_DEPLOY_ROLE_ARN=" in output


def test_an_unknown_environment_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    code, output, _ = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--environments",
        "prod-dr",
    )
    assert code == 2
    assert "unknown environment 'prod-dr'" in output
    assert "production-dr" in output


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_the_state_bucket_is_created_as_s3_accepts_it_in_each_region(
    tmp_path: Path, region: str
) -> None:
    """Property: CreateBucket names a LocationConstraint everywhere but us-east-1, where S3
    refuses one (InvalidLocationConstraint; CreateBucket API reference,
    CreateBucketConfiguration)."""
    code, output, calls = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        region,
        "--state-bucket",
        "acme-pulumi-state",
        "--environments",
        "production",
    )
    assert code == 0, output
    (create,) = [c for c in calls if c.startswith("s3api create-bucket ")]
    assert (f"LocationConstraint={region}" in create) == (region != "us-east-1"), create
