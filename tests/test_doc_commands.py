"""Every documented command works as written (tools/doc_commands.py, `make doc-commands`).

Properties: every shell block in README.md and docs/ says how it is checked; each offline command
runs in a temporary copy with the exit code it documents; each online command names only stacks,
outputs, settings, resources, log groups and physical names the program creates, and its
JMESPath parses; a command quoted in prose names a module or target that exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools import doc_commands
from tools.doc_commands import Command, ProgramFacts, check_online, extract


@pytest.fixture(scope="module")
def checked() -> list[Command]:
    return doc_commands.check_all(run=False)


def test_every_shell_block_says_how_it_is_checked(checked: list[Command]) -> None:
    unmarked = [f"{c.path}:{c.line}" for c in checked if c.marker == "unmarked"]
    assert unmarked == [], "add offline, slow or online after the block's language"


def test_every_online_and_inline_command_names_what_the_program_creates(
    checked: list[Command],
) -> None:
    failing = [c.row() for c in checked if c.marker in ("online", "inline") and not c.ok]
    assert failing == []
    assert sum(c.marker == "online" for c in checked) > 50
    assert any("JMESPath" in c.result for c in checked)


def test_every_offline_command_runs_with_its_documented_exit_code(
    prod_preview_in_a_terminal: dict[str, Any],
) -> None:
    """Each runs in a fresh copy; `make preview STACK=prod` is the session's one real run of it
    (tests/conftest.py: the same command, copy and environment, on a terminal)."""
    commands = [c for path in doc_commands.documents() for c in extract(path)]
    offline = [c for c in commands if c.marker == "offline"]
    assert {"make preview", prod_preview_in_a_terminal["command"]} <= {c.text for c in offline}
    unique = list({c.text: c for c in offline}.values())
    shared = [c for c in unique if c.text == prod_preview_in_a_terminal["command"]]
    doc_commands.run_offline([c for c in unique if c not in shared])
    for command in shared:
        doc_commands.judge_run(
            command, prod_preview_in_a_terminal["code"], prod_preview_in_a_terminal["output"]
        )
    assert [c.row() for c in unique if not c.ok] == []
    assert all(c.result == f"ran: exit {c.expected_exit} as documented" for c in unique)
    assert {0, 2, 4} <= {c.expected_exit for c in unique}  # the README's exit codes, shown


FACTS = ProgramFacts(
    stacks={"staging", "prod"},
    outputs={"publicUrl", "vpcId"},
    resources={("aws:ecr/repository:Repository", "web-nextjs-repository")},
    log_groups={"/perfcheck/perfcheck-prod/nextjs", "/perfcheck/perfcheck-staging/nextjs"},
    physical_names={"perfcheck-prod-cluster", "perfcheck-staging-cluster"},
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("aws rds describe-db-instances --query 'DBInstances[0'", "does not parse as JMESPath"),
        ('aws x --query "A[?starts_with(N, \\`p\\`)]"', "does not parse as JMESPath"),
        ("pulumi stack output --stack prod vpcID", "stack output 'vpcID' does not exist"),
        ("pulumi up --stack qa", "stack 'qa' has no Pulumi.qa.yaml"),
        ("pulumi config set --path 'perfcheck:service.imageTags' x", "service.imageTags"),
        ("pulumi config set --path 'perfcheck:servce.imageTag' x", "servce.imageTag"),
        ("pulumi up --target '**ecr/repository:Repository::web-api-repository'", "--target"),
        ("aws logs tail /perfcheck/perfcheck-$STACK/hono --since 1h", "log group"),
        ("aws ecs list-tasks --cluster perfcheck-$STACK-clutser", "perfcheck-$STACK-clutser"),
        ("pulumi preview --policy-pack-config policies/config/no_such.cost.json", "policy config"),
    ],
)
def test_an_online_command_naming_what_does_not_exist_is_a_finding(text: str, problem: str) -> None:
    command = Command("doc.md", 1, text, "online")
    check_online(command, FACTS)
    assert any(problem in p for p in command.problems), command.problems


@pytest.mark.parametrize(
    "text",
    [
        "aws elbv2 describe-rules --listener-arn <listener> --query 'Rules[?Priority==`1`]'",
        "pulumi stack output --stack <name> publicUrl",
        "pulumi config set --path 'perfcheck:service.<app>.imageDigest' sha256:<64 hex>",
        "pulumi config set --path 'perfcheck:alarms.notificationEmails[0]' a@example.com",
        "pulumi up --target '**ecr/repository:Repository::web-nextjs-repository'",
        "aws logs tail /perfcheck/perfcheck-$STACK/nextjs --since 1h",
        "aws ecs list-tasks --cluster perfcheck-$STACK-cluster",
    ],
)
def test_an_online_command_naming_what_exists_passes(text: str) -> None:
    command = Command("doc.md", 1, text, "online")
    check_online(command, FACTS)
    assert command.problems == []


def test_blocks_markers_exit_codes_and_heredocs_are_read_as_written(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```bash\nmake preview\n```\n\n"
        "```bash offline\nmake new-stack   # exits 2: NAME= is required\n"
        "make test   # slow: minutes\n"
        "make preview \\\n  STACK=prod\n```\n\n"
        "```sh online\ncat > x.sh <<'SCRIPT'\nnot a command --stack nope\nSCRIPT\n"
        "pulumi up --stack prod   # offline: not really\n```\n"
    )
    commands = extract(doc, tmp_path)
    unmarked = [c for c in commands if c.marker == "unmarked"]
    assert unmarked and unmarked[-1].problems  # the block without a marker is a finding
    by_text = {c.text: c for c in commands if c.marker != "unmarked"}
    assert by_text["make new-stack"].expected_exit == 2
    assert by_text["make test"].marker == "slow"
    assert by_text["make preview STACK=prod"].marker == "offline"
    assert "not a command --stack nope" not in by_text  # heredoc data is not a command
    assert by_text["pulumi up --stack prod"].marker == "offline"


def test_an_offline_command_with_the_wrong_exit_code_is_a_finding(tmp_path: Path) -> None:
    commands = [
        Command("doc.md", 1, "exit 3", "offline", expected_exit=3),
        Command("doc.md", 2, "exit 0", "offline", expected_exit=2),
    ]
    doc_commands.run_offline(commands)
    assert commands[0].ok and commands[0].result == "ran: exit 3 as documented"
    assert not commands[1].ok and "exited 0, documented 2" in commands[1].problems[0]


def test_a_quoted_module_or_target_must_exist() -> None:
    missing = Command("doc.md", 1, ".venv/bin/python -m tools.offline.nothing", "inline")
    doc_commands.check_inline(missing)
    assert missing.problems == ["module tools.offline.nothing does not exist"]
    target = Command("doc.md", 1, "make previews", "inline")
    doc_commands.check_inline(target)
    assert target.problems == ["make target 'previews' does not exist"]
    fine = Command("doc.md", 1, "make doc-commands", "inline")
    doc_commands.check_inline(fine)
    assert fine.ok
