"""ECS Exec only where AWS supports it: never on a read-only root filesystem.

AWS: "The SSM agent requires that the container file system is able to be written to in order to
create the required directories and files. Therefore, making the root file system read-only
using the readonlyRootFilesystem task definition parameter, or any other method, isn't
supported." (Amazon ECS Developer Guide, ECS Exec, Considerations; quoted from memory, the note
AWS added after aws-containers/amazon-ecs-exec-checker#21.)

Properties guarded here, with one fact in foundation/aws_limits.py:
- the settings refuse `execEnabled: true` with a read-only root (the default), naming the key,
  the value, what is allowed, and the stack file's line, before the program runs;
- the component layers (container definitions, the web service) refuse the same pairs, so a
  settings object made past the validators still registers nothing;
- every committed stack runs ECS Exec only on a writable root, and no container mounts over the
  SSM agent's paths (the unsupported workaround this replaced).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from components.container_definitions import container_definitions
from components.web_service import deployment_problems
from foundation.aws_limits import ecs_exec_problem
from foundation.records import StackRun
from settings import SettingsError, settings_from_config
from tests.policies.cases_ecs_exec import exec_on
from tests.policies.support import OnProgram, run_case, violations
from tests.test_container_definitions import sample_spec
from tests.test_preview_errors import run as run_preview
from tests.test_preview_errors import stack_dir
from tools.offline.runner import stack_config

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
SSM_AGENT_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")

PAIRS = [
    # execEnabled, readonlyRootFilesystem (None: not written, the default true), refused
    (True, None, True),
    (True, True, True),
    (True, False, False),
    (False, None, False),
    (False, True, False),
    (False, False, False),
    (None, None, False),
]


def service_problems(stack: str, **changes: Any) -> list[str]:
    config, _ = stack_config(stack)
    service = json.loads(config["perfcheck:service"])
    service.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        service.pop(key, None)
    config["perfcheck:service"] = json.dumps(service)
    try:
        settings_from_config("perfcheck", stack, config)
    except SettingsError as error:
        return error.problems
    return []


@pytest.mark.parametrize(("exec_enabled", "read_only", "refused"), PAIRS)
@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_settings_refuse_ecs_exec_on_a_read_only_root(
    stack: str, exec_enabled: bool | None, read_only: bool | None, refused: bool
) -> None:
    problems = service_problems(stack, execEnabled=exec_enabled, readonlyRootFilesystem=read_only)
    if not refused:
        assert problems == []
        return
    (problem,) = problems
    assert problem.startswith("perfcheck:service.execEnabled: got true; ")
    assert "read-only root filesystem" in problem and "ECS Exec" in problem
    assert "allowed: execEnabled false" in problem
    assert "execEnabled true with readonlyRootFilesystem: false" in problem


def test_a_malformed_readonlyRootFilesystem_does_not_let_ecs_exec_through() -> None:
    """Fail closed: a root filesystem setting that cannot be read counts as read-only."""
    problems = service_problems("prod", execEnabled=True, readonlyRootFilesystem="no")
    keys = sorted(problem.split(": ", 1)[0] for problem in problems)
    assert keys == [
        "perfcheck:service.execEnabled",
        "perfcheck:service.readonlyRootFilesystem",
    ], problems


@pytest.mark.parametrize(("exec_enabled", "read_only", "refused"), PAIRS)
def test_the_components_refuse_exactly_the_pairs_the_settings_refuse(
    exec_enabled: bool | None, read_only: bool | None, refused: bool
) -> None:
    enabled = bool(exec_enabled)
    read_only_root = read_only is not False
    assert (ecs_exec_problem(enabled, read_only_root) is not None) == refused
    spec = dataclasses.replace(
        sample_spec(), exec_enabled=enabled, readonly_root_filesystem=read_only_root
    )
    try:
        container_definitions(spec)
        by_containers = False
    except ValueError:
        by_containers = True
    # A settings object made past the validators (model_copy does not validate).
    config, _ = stack_config("prod")
    settings = settings_from_config("perfcheck", "prod", config)
    service = settings.service.model_copy(
        update={"exec_enabled": enabled, "readonly_root_filesystem": read_only_root}
    )
    by_service = any("ECS Exec" in p for p in deployment_problems(service, ["an-alarm"]))
    assert by_containers == by_service == refused


def test_the_preview_names_the_stack_file_line_of_execEnabled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["perfcheck:service"]["execEnabled"] = True

    directory = stack_dir(tmp_path, edit=edit)
    lines = (directory / "Pulumi.dev.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "execEnabled: true" in text)
    code, err = run_preview(capsys, directory)
    assert code == 2, err
    assert f"  - Pulumi.dev.yaml:{line}: perfcheck:service.execEnabled: got true; " in err, err


def test_committed_stacks_run_ecs_exec_only_on_a_writable_root(each_stack: StackRun) -> None:
    (service,) = each_stack.by_type(ECS_SERVICE)
    exec_on = bool(service.inputs.get("enableExecuteCommand"))
    for task in each_stack.by_type(TASK_DEFINITION):
        for container in json.loads(task.inputs["containerDefinitions"]):
            paths = {m["containerPath"] for m in container.get("mountPoints", [])}
            assert not paths & set(SSM_AGENT_PATHS), (task.name, container["name"])
            if exec_on and task.name.endswith("-task"):  # the service's own task definition
                assert container["readonlyRootFilesystem"] is not True, container["name"]


def test_the_guardrail_passes_ecs_exec_on_a_writable_root_and_judges_exec_off() -> None:
    """The rule's compliant side (its failing cases are in tests/policies/cases_ecs_exec.py)."""
    all_writable = run_case(exec_on("nextjs", "hono", "otel"))
    assert violations(all_writable, "ecs-exec-writable-root") == []
    # ...while the read-only-root rule still reports the writable containers it allows.
    assert len(violations(all_writable, "ecs-container-read-only-root-filesystem")) == 3
    exec_off = run_case(OnProgram(lambda r: {}))  # the prod program as it is: ECS Exec off
    assert violations(exec_off, "ecs-exec-writable-root") == []
