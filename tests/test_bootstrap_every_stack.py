"""Every committed stack can be deployed: deploy/bootstrap.sh can create its permissions boundary.

Each role the program creates carries `perfcheck-<stack>-boundary` (components/
permissions_boundary.py, from the stack's name), and IAM refuses CreateRole with a boundary that
does not exist. So a stack file without a bootstrap environment (the region-loss stack `prod-dr`
before this test) cannot be brought up by anyone, whatever their credentials.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_bootstrap import ROOT, documents, run_bootstrap


def committed_stacks() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")
    )


NAMED_ENVIRONMENTS = {"prod": "production", "prod-dr": "production-dr"}
"""The stacks whose GitHub environment has another name (the deploy workflow's); every other
stack's environment is the stack's own name."""


def environment_of(stack: str) -> str:
    return NAMED_ENVIRONMENTS.get(stack, stack)


def test_the_committed_stacks_include_the_three_the_documents_name() -> None:
    assert {"staging", "prod", "prod-dr"} <= set(committed_stacks())


@pytest.mark.parametrize("stack", committed_stacks())
def test_each_committed_stack_gets_its_boundary_and_role(tmp_path: Path, stack: str) -> None:
    """Property: the bootstrap can bring up every Pulumi.<stack>.yaml (a stack added with
    `make new-stack` included): its boundary, its deploy role trusted for its environment."""
    environment = environment_of(stack)
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


def test_an_environment_with_no_stack_file_is_refused(tmp_path: Path) -> None:
    code, output, _ = run_bootstrap(
        tmp_path,
        "--repository",
        "acme/perfcheck",
        "--region",
        "eu-west-1",
        "--environments",
        "qa-nonexistent",
    )
    assert code == 2
    assert "unknown environment 'qa-nonexistent'" in output


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
