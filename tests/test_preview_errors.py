"""Every way the preview can fail: its documented exit code, one message, no traceback, no secret.

README "Exit codes" documents 0/1/2/3; each case below runs the real command (`preview.main`,
and one real process) on a stack file in a temporary directory laid out like the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import components.cache
from tools.offline import preview
from tools.offline.runner import ROOT

SECRET = "AKIAZZZZZZZZZZZZZZZZ"
"""A credential-looking value planted in broken stack files; no output may contain it."""


def stack_dir(
    tmp_path: Path,
    name: str = "dev",
    source: str = "staging",
    edit: Callable[[dict], None] | None = None,
    text: str | None = None,
    policy_configs: bool = True,
) -> Path:
    """A directory like the repository holding `Pulumi.<name>.yaml` (and its policy configs)."""
    document = yaml.safe_load((ROOT / f"Pulumi.{source}.yaml").read_text())
    config = document["config"]
    config["perfcheck:network"]["cidr"] = "10.99.0.0/16"
    if edit:
        edit(config)
    (tmp_path / f"Pulumi.{name}.yaml").write_text(text or yaml.safe_dump(document))
    if policy_configs:
        (tmp_path / "policies" / "config").mkdir(parents=True)
        for pack in ("guardrails", "cost", "deploy"):
            shutil.copy(
                ROOT / "policies" / "config" / f"{source}.{pack}.json",
                tmp_path / "policies" / "config" / f"{name}.{pack}.json",
            )
    return tmp_path


def run(
    capsys: pytest.CaptureFixture[str], directory: Path, *extra: str, stack: str = "dev"
) -> tuple[int, str]:
    code = preview.main(["--stack", stack, "--stacks-dir", str(directory), *extra])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text or "--debug" in extra
    assert SECRET not in text
    return code, captured.err


def test_yaml_syntax_error_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "config:\n  aws:region: eu-west-1\n  perfcheck:tags: {owner: [a\n"
    code, err = run(capsys, stack_dir(tmp_path, text=text))
    assert code == 2
    assert err.startswith("Pulumi.dev.yaml:4:1: invalid YAML:")


def test_duplicate_key_is_refused_with_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = (ROOT / "Pulumi.staging.yaml").read_text().replace("10.20.0.0/16", "10.99.0.0/16")
    text = staging + "  perfcheck:budget:\n    monthlyUsd: 999\n"
    code, err = run(capsys, stack_dir(tmp_path, text=text))
    first = staging.splitlines().index("  perfcheck:budget:") + 1
    assert code == 2
    assert f"duplicate key 'perfcheck:budget' (first given on line {first})" in err
    assert err.startswith(f"Pulumi.dev.yaml:{len(staging.splitlines()) + 1}:3:")


def test_a_duplicate_key_inside_a_section_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = (ROOT / "Pulumi.staging.yaml").read_text().replace("10.20.0.0/16", "10.99.0.0/16")
    text = staging.replace("    multiAz: false\n", "    multiAz: false\n    multiAz: true\n", 1)
    code, err = run(capsys, stack_dir(tmp_path, text=text))
    assert code == 2 and "duplicate key 'multiAz'" in err


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda c: c.__setitem__("perfcheck:dbPassword", SECRET),
            "perfcheck:dbPassword: unknown key (value not shown); allowed: environment,",
        ),
        (
            lambda c: c["perfcheck:tags"].__setitem__("extra", {"Team": SECRET}),
            "perfcheck:tags.extra.Team: looks like a credential (value not shown)",
        ),
        (
            lambda c: c["perfcheck:service"].__setitem__("imageTag", 20261205),
            "pulumi config set --path --type string 'perfcheck:service.imageTag' 20261205",
        ),
        (
            lambda c: c.__setitem__("aws:region", "eu-wst-1"),
            'aws:region: got "eu-wst-1"; not an AWS Region; did you mean eu-west-1',
        ),
        (
            lambda c: c["perfcheck:database"].__setitem__("instanceClass", "db.r7g.larg"),
            "not an RDS for PostgreSQL instance class (list of 2026-12-05); did you mean "
            "db.r7g.large",
        ),
        (
            lambda c: c["perfcheck:service"].__setitem__("runAsUser", "0"),
            "expected a numeric user id, optionally with a group id",
        ),
    ],
    ids=["unknown-key", "secret-tag", "number-for-text", "region", "instance-class", "root"],
)
def test_settings_errors_exit_2_in_plain_words(
    edit: Callable[[dict], None],
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run(capsys, stack_dir(tmp_path, edit=edit))
    assert code == 2
    assert err.startswith("Invalid configuration for stack 'dev'")
    assert expected in err
    assert "Nothing was registered: 0 resources." in err
    for jargon in ("^", "\\d", "Literal[", "Input should", "(str)", "(int)"):
        assert jargon not in err


def test_prod_with_nobody_paged_is_refused_unless_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def unacknowledged(config: dict) -> None:
        del config["perfcheck:alarms"]["nobodyPagedReason"]

    code, err = run(capsys, stack_dir(tmp_path, source="prod", edit=unacknowledged))
    assert code == 2
    assert "perfcheck:alarms.notificationEmails: empty in a prod stack" in err
    assert "alarms.nobodyPagedReason" in err


def test_missing_policy_configs_say_which_files_and_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(capsys, stack_dir(tmp_path, policy_configs=False))
    assert code == 2
    assert (
        "policies/config/dev.guardrails.json, policies/config/dev.cost.json, "
        "policies/config/dev.deploy.json missing" in err
    )
    assert "make new-stack NAME=dev FROM=staging" in err


def test_an_invalid_policy_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = stack_dir(tmp_path)
    (directory / "policies" / "config" / "dev.cost.json").write_text('{"budget-exists": "loud"}')
    code, err = run(capsys, directory)
    assert code == 2 and "budget-exists" in err


def test_overlapping_vpc_ranges_name_both_stack_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = stack_dir(
        tmp_path, edit=lambda c: c["perfcheck:network"].update(cidr="10.20.0.0/16")
    )
    shutil.copy(ROOT / "Pulumi.staging.yaml", directory / "Pulumi.staging.yaml")
    code, err = run(capsys, directory)
    line = (ROOT / "Pulumi.staging.yaml").read_text().splitlines().index("    cidr: 10.20.0.0/16")
    assert code == 2
    assert "perfcheck:network.cidr 10.20.0.0/16 overlaps stack 'staging'" in err
    assert f"(Pulumi.staging.yaml:{line + 1}: 10.20.0.0/16)" in err


def test_unknown_stack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, stack_dir(tmp_path), stack="qa")
    assert code == 2 and "unknown stack 'qa'; stacks: dev" in err


def _failing_parameters() -> dict[str, str]:
    raise KeyError("maxmemory-policy")


@pytest.mark.parametrize("debug", [False, True])
def test_an_exception_in_the_program_exits_3_naming_component_and_code(
    debug: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(components.cache, "cache_parameters", _failing_parameters)
    code, err = run(capsys, stack_dir(tmp_path), *(["--debug"] if debug else []))
    assert code == 3
    assert err.startswith("The program raised an exception: KeyError: 'maxmemory-policy'")
    assert "component 'cache' (perfcheck:cache:Cache)" in err
    assert "code components/cache.py:" in err
    assert ("Traceback (most recent call last)" in err) is debug


def test_an_exception_inside_an_output_names_the_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import components.web_service as web_service

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("port is not a number")

    monkeypatch.setattr(web_service, "container_definitions", broken)
    code, err = run(capsys, stack_dir(tmp_path))
    assert code == 3
    assert "ValueError: port is not a number" in err
    assert "resource 'web-task' (aws:ecs/taskDefinition:TaskDefinition)" in err
    assert "code components/web_service.py:" in err


def test_the_markdown_comment_carries_the_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "comment.md"
    (tmp_path / "stacks").mkdir()
    directory = stack_dir(tmp_path / "stacks", text="config: [\n")
    code, _ = run(capsys, directory, "--markdown", str(out))
    assert code == 2
    assert out.read_text().startswith("### Offline preview: `dev` **failed**")
    assert "invalid YAML" in out.read_text()


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    directory = stack_dir(tmp_path, text="config:\n  perfcheck:tags: {owner: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "tools.offline.preview", "--stack=dev", f"--stacks-dir={directory}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("Pulumi.dev.yaml:3:")


def test_a_policy_config_error_is_reported_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = stack_dir(tmp_path)
    (directory / "policies" / "config" / "dev.guardrails.json").write_text('{"rds-multi-az": 3}')

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the program ran before the policy config was checked")

    monkeypatch.setattr(preview, "run_stack", never)
    code, err = run(capsys, directory)
    assert code == 2 and "rds-multi-az" in err


def test_the_readme_documents_exactly_the_exit_codes_the_preview_uses() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Exit codes") : readme.index("## Architecture")]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    used = {value for name, value in vars(preview).items() if name.startswith("EXIT_")}
    assert documented == used and {0, 1, 2, 3, 4, 141} <= used
    assert "**Through `make`**" in table and "exits **2**" in table


def test_settings_problems_point_at_the_stack_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edit(config: dict) -> None:
        config["perfcheck:database"]["instanceClass"] = "db.r7g.larg"
        del config["perfcheck:service"]["minTasks"]

    directory = stack_dir(tmp_path, edit=edit)
    text = (directory / "Pulumi.dev.yaml").read_text().splitlines()
    class_line = next(i for i, line in enumerate(text, 1) if "instanceClass: db.r7g.larg" in line)
    service_line = text.index("  perfcheck:service:") + 1
    code, err = run(capsys, directory)
    assert code == 2
    assert f"  - Pulumi.dev.yaml:{class_line}: perfcheck:database.instanceClass: got" in err
    assert f"  - Pulumi.dev.yaml:{service_line}: perfcheck:service.minTasks: missing" in err


def test_a_policy_config_mistake_names_the_file_and_the_policys_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    directory = stack_dir(tmp_path)
    path = directory / "policies" / "config" / "dev.guardrails.json"
    config = json.loads(path.read_text())
    policy = next(name for name, value in config.items() if isinstance(value, dict)
                  and value.get("exemptions"))  # fmt: skip
    exemption = config[policy]["exemptions"][0]
    exemption["reasn"] = exemption.pop("reason")
    path.write_text(json.dumps(config, indent=2))
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if f'"{policy}"' in text
    )

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the program ran before the policy config was checked")

    monkeypatch.setattr(preview, "run_stack", never)
    code, err = run(capsys, directory)
    assert code == 2
    assert f"{path}:{line}: {policy}: exemptions.0: " in err and "'reasn' was unexpected" in err
    assert f"{path}:{line}: {policy}: exemptions.0: 'reason' is a required property" in err


def test_a_pattern_mismatch_in_a_policy_config_does_not_print_the_regular_expression() -> None:
    from types import SimpleNamespace

    from tools.offline.policy_driver import _plain_schema_message

    error = SimpleNamespace(
        validator="pattern", instance="t4g.medium", schema={"pattern": r"^db\\.[a-z0-9]+$"},
        message="'t4g.medium' does not match '^db\\\\.[a-z0-9]+$'",
    )  # fmt: skip
    plain = _plain_schema_message(error)
    assert plain.startswith("'t4g.medium' does not match the allowed form") and "^db" not in plain
    error.schema["description"] = "an RDS instance class such as db.t4g.medium"
    assert _plain_schema_message(error).endswith(": an RDS instance class such as db.t4g.medium")
