"""The offline runner: realistic mocks, engine-like records, stacks isolated from each other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from foundation.records import StackRun
from tools.offline.mocks import render_policy_document
from tools.offline.runner import StackFileError, project_name, read_stack_file, run_stack


def test_two_stacks_in_one_process_do_not_leak(staging: StackRun, prod: StackRun) -> None:
    again = run_stack("staging")
    assert [r.urn for r in again.resources] == [r.urn for r in staging.resources]
    assert all(r.urn.startswith("urn:pulumi:staging::perfcheck::") for r in staging.resources)
    assert all(r.urn.startswith("urn:pulumi:prod::perfcheck::") for r in prod.resources)
    assert staging.outputs["environment"] == "staging" and prod.outputs["environment"] == "prod"


def test_records_carry_parents_dependencies_and_options(prod: StackRun) -> None:
    network = prod.one("perfcheck:network:Network")
    key = prod.one("aws:kms/key:Key", "network-flow-logs-key")
    assert key.parent == network.urn
    assert key.protect is True  # prod protects stateful resources
    flow_log = prod.one("aws:ec2/flowLog:FlowLog")
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert group.urn in flow_log.property_dependencies["logDestination"]


def test_mocked_identifiers_look_like_aws(prod: StackRun) -> None:
    key = prod.one("aws:kms/key:Key", "network-flow-logs-key")
    assert re.fullmatch(r"arn:aws:kms:eu-west-1:\d{12}:key/[0-9a-f-]{36}", key.outputs["arn"])
    role = prod.one("aws:iam/role:Role", "network-flow-logs-role")
    assert re.fullmatch(
        r"arn:aws:iam::\d{12}:role/network-flow-logs-role-[0-9a-f]{7}", role.outputs["arn"]
    )
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", prod.outputs["vpcId"])


def test_policy_documents_render_like_the_provider(prod: StackRun) -> None:
    role = prod.one("aws:iam/role:Role", "network-flow-logs-role")
    document = json.loads(role.wire_inputs["assumeRolePolicy"])
    assert document["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert document["Statement"][0]["Action"] == "sts:AssumeRole"
    rendered = json.loads(
        render_policy_document({"statements": [{"actions": ["a:B", "a:C"], "resources": ["*"]}]})
    )
    assert rendered == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["a:C", "a:B"], "Resource": "*"}],
    }


@pytest.mark.parametrize(
    ("type_token", "given", "resource_id", "arn"),
    [
        (
            "aws:elasticache/subnetGroup:SubnetGroup",
            "Cache-Subnets",
            "cache-subnets",
            "arn:aws:elasticache:eu-west-2:123456789012:subnetgroup:cache-subnets",
        ),
        (
            "aws:ecs/cluster:Cluster",
            "Web",
            "arn:aws:ecs:eu-west-2:123456789012:cluster/Web",
            "arn:aws:ecs:eu-west-2:123456789012:cluster/Web",
        ),
        (
            "aws:cloudwatch/logGroup:LogGroup",
            "/app/Web",
            "/app/Web",
            "arn:aws:logs:eu-west-2:123456789012:log-group:/app/Web",
        ),
    ],
)
def test_a_named_resource_is_answered_as_aws_names_it(
    type_token: str, given: str, resource_id: str, arn: str
) -> None:
    """ElastiCache lowercases the names it is given, an ECS cluster's id is its ARN, a log
    group's its name; the ARN is in the resource's own region (not the provider's)."""
    import pulumi

    from tools.offline.mocks import AwsMocks

    args = pulumi.runtime.MockResourceArgs(
        type_token, "logical", {"name": given, "region": "eu-west-2"}, "", "", True
    )
    answered_id, state = AwsMocks("eu-west-1").new_resource(args)
    assert (answered_id, state["arn"]) == (resource_id, arn)


def test_an_unknown_data_source_is_a_clear_error() -> None:
    import pulumi

    from tools.offline.mocks import AwsMocks

    with pytest.raises(NotImplementedError, match="aws:foo/getBar:getBar"):
        AwsMocks("eu-west-1").call(pulumi.runtime.MockCallArgs("aws:foo/getBar:getBar", {}, ""))


def _collector_state_during_a_run(program_fails: bool) -> list[bool]:
    import gc

    import pulumi

    from tools.offline.runner import ProgramFailed, run_program

    seen: list[bool] = []

    def program() -> None:
        seen.append(gc.isenabled())
        if program_fails:
            raise pulumi.RunError("settings are invalid")

    try:
        run_program(program)
    except ProgramFailed:
        assert program_fails
    return seen


@pytest.mark.parametrize("program_fails", [False, True])
def test_the_collector_is_paused_during_a_run_and_restored_after(program_fails: bool) -> None:
    import gc

    assert gc.isenabled()
    assert _collector_state_during_a_run(program_fails) == [False]
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_after_a_run() -> None:
    import gc

    gc.disable()
    try:
        assert _collector_state_during_a_run(program_fails=False) == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_stack_file_is_parsed_once_per_text_and_each_reader_gets_its_own_copy(
    tmp_path: Path,
) -> None:
    """read_stack_file memoises the parse by the file's text: a reader that changes its document
    changes no other reader's; a file whose text changed is read anew; a broken file is still
    refused each time (an error is never remembered as a document)."""
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  perfcheck:a: 1\n")
    first = read_stack_file(path)
    first["config"]["perfcheck:a"] = 2
    assert read_stack_file(path) == {"config": {"perfcheck:a": 1}}
    path.write_text("config:\n  perfcheck:a: 3\n")
    assert read_stack_file(path) == {"config": {"perfcheck:a": 3}}
    path.write_text("config:\n  perfcheck:a: 1\n  perfcheck:a: 2\n")
    for _ in range(2):
        with pytest.raises(StackFileError, match="duplicate key 'perfcheck:a'"):
            read_stack_file(path)
    for name in ("one", "other"):  # Pulumi.yaml is read by its text too
        (tmp_path / name).mkdir()
        (tmp_path / name / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
        assert project_name(tmp_path / name) == name


@pytest.mark.parametrize("program_fails", [False, True])
def test_no_source_position_is_worked_out_during_a_run_and_the_sdk_is_restored_after(
    program_fails: bool,
) -> None:
    """The SDK's stack walk (source positions, which the offline monitor does not record) is
    off while a program runs, whether it ends well or not, and back as it was afterwards."""
    import pulumi
    from pulumi.runtime import resource as sdk_resource

    from tools.offline.runner import ProgramFailed, run_program

    original = sdk_resource._get_stack_trace
    during: list[tuple[bool, int]] = []

    def program() -> None:
        walk = sdk_resource._get_stack_trace
        during.append((walk is original, len(walk().frames)))
        if program_fails:
            raise pulumi.RunError("settings are invalid")

    try:
        run_program(program)
    except ProgramFailed:
        assert program_fails
    assert during == [(False, 0)]
    assert sdk_resource._get_stack_trace is original
