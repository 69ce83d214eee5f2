"""`make doc-commands`: every command the documents give, and whether it works as written.

The commands are the lines of the shell blocks (```` ```bash ````, ```` ```sh ````) of README.md
and docs/**/*.md. Each block says how it can be checked, with one word after its language:

- ```` ```bash offline ````: runs here, with no cloud. Each command runs in a temporary copy of
  the repository (the working tree, its virtualenv linked) and must exit with the code it
  documents: 0, or the code in a trailing `# exits N` comment.
- ```` ```bash slow ````: runs offline but takes minutes (`make test`, `make bench`): listed,
  not run here (CI runs `make test` itself).
- ```` ```bash online ````: needs what a clone does not have (AWS, Pulumi, Docker, Node, a
  network). Not run: checked against what the program creates instead: stack names, stack
  outputs, setting keys (`pulumi config set`), `--target` resources, policy configs, log
  groups, physical names (`perfcheck-<stack>-...`), and every JMESPath `--query` must parse.

A command's trailing comment may give its own word (`make test  # slow: ...`). A shell block
without one of these words is itself a finding: it cannot be checked, so it is not trusted.
Commands quoted in prose are checked too: `aws`/`pulumi` ones like online commands, `make x`
and `python -m tools.x` for a target or module that exists. Exit codes: 0 every command checked
and working; 1 a finding.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
MARKERS = ("offline", "slow", "online")
PLACEHOLDER = re.compile(r"<[^>]+>|\.\.\.")
EXITS = re.compile(r"#\s*exits\s+(\d+)")
FENCE = re.compile(r"^(\s*)```(\S*)(.*)$")
LINE_MARKER = re.compile(r"#\s*(offline|slow|online):")
"""A command's own marker, in its trailing comment (`make test  # slow: ...`), over the block's."""
HEREDOC = re.compile(r"<<-?\s*'?\"?([A-Za-z_]+)")
INLINE = re.compile(
    r"`((?:\.venv/bin/)?python3? -m tools[.\w]*[^`]*|make [a-z][a-z-]*[^`]*|(?:aws|pulumi) [^`]+)`"
)


@dataclass
class Command:
    """One documented command: where it is written, how it is checked, and the result."""

    path: str
    line: int
    text: str
    marker: str
    expected_exit: int = 0
    problems: list[str] = field(default_factory=list)
    result: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def row(self) -> str:
        verdict = "ok  " if self.ok else "FAIL"
        detail = "; ".join(self.problems) if self.problems else self.result
        return f"{verdict} {self.marker:<8} {self.path}:{self.line}: {self.text}\n       {detail}"


def documents(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def extract(path: Path, root: Path = ROOT) -> list[Command]:
    """The commands of every shell block in `path`, continuation lines joined."""
    commands: list[Command] = []
    lines = path.read_text().splitlines()
    relative = str(path.relative_to(root))
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match or match.group(2).lower() not in SHELL_LANGUAGES:
            index += 1
            continue
        words = match.group(3).split()
        marker = next((w for w in words if w in MARKERS), "")
        start = index + 1
        index += 1
        pending: list[str] = []
        pending_line = 0
        while index < len(lines) and not re.match(r"^\s*```\s*$", lines[index]):
            text = lines[index].strip()
            if not pending:
                pending_line = index + 1
            pending.append(text.removesuffix("\\").rstrip() if text.endswith("\\") else text)
            if not text.endswith("\\"):
                joined = " ".join(part for part in pending if part)
                pending = []
                if joined and not joined.startswith("#"):
                    exits = EXITS.search(joined)
                    own = LINE_MARKER.search(joined)
                    commands.append(
                        Command(
                            relative,
                            pending_line,
                            _without_comment(joined),
                            own.group(1) if own else marker or "unmarked",
                            int(exits.group(1)) if exits else 0,
                        )
                    )
                    heredoc = HEREDOC.search(joined)
                    if heredoc:  # the document's lines up to the delimiter are data, not commands
                        while index + 1 < len(lines) and lines[index + 1].strip() != heredoc.group(
                            1
                        ):
                            index += 1
                        index += 1
            index += 1
        if not marker:
            commands.append(
                Command(
                    relative,
                    start,
                    f"(shell block at line {start})",
                    "unmarked",
                    problems=[
                        "shell block without a marker: add `offline`, `slow` or `online` after "
                        "its language (```bash online), see tools/doc_commands.py"
                    ],
                )
            )
        index += 1
    return commands


def _without_comment(command: str) -> str:
    """The command without a trailing `# comment` (a `#` inside quotes is kept)."""
    quote = ""
    for position, char in enumerate(command):
        if char in "'\"" and not quote:
            quote = char
        elif char == quote:
            quote = ""
        elif char == "#" and not quote and (position == 0 or command[position - 1] == " "):
            return command[:position].rstrip()
    return command


def inline_commands(path: Path, root: Path = ROOT) -> list[Command]:
    """Commands quoted in prose (a span may wrap over lines): checked like the blocks' commands."""
    found = []
    in_fence = False
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        text = " ".join(line.strip() for _, line in paragraph)
        starts = [number for number, _ in paragraph]
        offsets = []
        position = 0
        for _, line in paragraph:
            offsets.append(position)
            position += len(line.strip()) + 1
        for match in INLINE.finditer(text):
            line = starts[max(i for i, o in enumerate(offsets) if o <= match.start())]
            found.append(Command(str(path.relative_to(root)), line, match.group(1), "inline"))
        paragraph.clear()

    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip().startswith("```"):
            flush()
            in_fence = not in_fence
        elif not in_fence and line.strip():
            paragraph.append((number, line))
        else:
            flush()
    flush()
    return found


# --- what the program creates (for the online checks) -----------------------------------------


@dataclass
class ProgramFacts:
    """Names the documents may use: stacks, outputs, resources, settings, policy configs."""

    stacks: set[str]
    outputs: set[str]
    resources: set[tuple[str, str]]
    log_groups: set[str]
    physical_names: set[str]

    @classmethod
    def gather(cls, root: Path = ROOT) -> ProgramFacts:
        from tools.offline.runner import available_stacks, cached_run, run_stack, stack_config

        stacks = set(available_stacks(root))
        runs = [cached_run(stack) for stack in sorted(stacks)]  # prod-dr's names too (DR runbook)
        if "staging" in stacks:  # the stack variants the documents describe
            config, secret = stack_config("staging")
            service = json.loads(config["perfcheck:service"])
            for app in ("nextjs", "hono"):
                service[app] = {
                    k: v for k, v in service[app].items() if k not in ("image", "imageDigest")
                }
            migration = {
                "enabled": True,
                "sourceHost": "legacy-db.perfcheck.internal",
                "sourceSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf",
            }
            variant = {
                **config,
                "perfcheck:service": json.dumps(service),
                "perfcheck:migration": json.dumps(migration),
            }
            runs.append(run_stack("staging", variant, secret))
        outputs = {name for run in runs for name in run.outputs}
        resources = {(r.type, r.name) for run in runs for r in run.resources}
        strings = {value for run in runs for r in run.resources for value in _strings(r.inputs)}
        strings |= {value for run in runs for value in _strings(run.outputs)}
        log_groups = {value for value in strings if value.startswith("/")}
        log_groups |= {
            f"/aws/lambda/{r.inputs.get('name')}"
            for run in runs
            for r in run.resources
            if r.type == "aws:lambda/function:Function"
        }
        return cls(stacks, outputs, resources, log_groups, strings)


def _strings(value: Any) -> Iterator[str]:
    """Every text inside a resource's inputs or the outputs (names, ARNs, ...)."""
    if isinstance(value, str):
        yield value
        with contextlib.suppress(ValueError):
            if value[:1] in "[{":
                yield from _strings(json.loads(value))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def setting_exists(dotted: str) -> bool:
    """`service.nextjs.imageDigest` (as `pulumi config set --path` spells it) is a setting."""
    from pydantic import BaseModel
    from pydantic.alias_generators import to_camel

    from settings.schema import Settings

    model: Any = Settings
    for segment in re.sub(r"\[\d+\]", "", dotted).split("."):
        if model is dict:
            model = None
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return False
        fields = model.model_fields
        name = next((n for n in fields if segment in (n, to_camel(n))), None)
        if name is None:
            return False
        model = _model_of(fields[name].annotation)
    return True


def _model_of(annotation: Any) -> Any:
    """The pydantic model (or `dict`) inside an annotation such as `X | None`, else None."""
    from pydantic import BaseModel

    for candidate in (annotation, *typing.get_args(annotation)):
        inner = typing.get_origin(candidate) or candidate
        if inner is dict:
            return dict
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
        if typing.get_args(candidate) and candidate is not annotation:
            found = _model_of(candidate)
            if found is not None:
                return found
    return None


def stacks_created_by_documents(root: Path = ROOT) -> set[str]:
    """Stacks a procedure creates (`make new-stack NAME=x`, `pulumi stack init x`)."""
    text = "\n".join(path.read_text() for path in documents(root))
    pattern = r"(?:make new-stack NAME=|pulumi stack init )([a-z][a-z0-9-]*)"
    return set(re.findall(pattern, text))


def created_by_documents(commands: Iterable[Command]) -> set[str]:
    """Names a documented command creates itself (`aws ... create-*`, a restore's new name)."""
    names: set[str] = set()
    for command in commands:
        creates = re.search(r"\baws \S+ (?:create|restore)-", command.text)
        flags = re.findall(
            r"--(?:role-name|target-db-instance-identifier|new-db-instance-identifier)\s+(\S+)",
            command.text,
        )
        if creates:
            names |= {n.strip("'\"") for n in flags}
    return names


STACK_VARIABLE = re.compile(r"\$\{?STACK\}?|<name>|<stack>|<s>")


def _stack_variants(text: str, facts: ProgramFacts) -> list[str]:
    """`text` with `$STACK` (or `<name>`) as each committed stack; `text` alone without it."""
    if not STACK_VARIABLE.search(text):
        return [text]
    return [STACK_VARIABLE.sub(stack, text) for stack in sorted(facts.stacks)]


def _concrete(value: str) -> bool:
    return not PLACEHOLDER.search(value) and "$" not in value


def check_online(command: Command, facts: ProgramFacts, root: Path = ROOT) -> None:
    """Names in an online command against what the program creates; JMESPath must parse."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    text = command.text
    checked: list[str] = []

    def problem(message: str) -> None:
        command.problems.append(message)

    for value in re.findall(r"--stack\s+(\S+)", text):
        value = value.rstrip(")")
        checked.append("stack")
        if _concrete(value) and value not in facts.stacks:
            problem(f"stack '{value}' has no Pulumi.{value}.yaml")
    for value in re.findall(r"--policy-pack-config\s+(\S+)", text):
        checked.append("policy config")
        if not any((root / v).exists() for v in _stack_variants(value, facts)):
            problem(f"policy config {value} does not exist")
    for value in re.findall(r"--policy-pack\s+(\S+)", text):
        if not (root / value).is_dir():
            problem(f"policy pack {value} does not exist")
    for quoted, double, bare in re.findall(r"--query\s+(?:'([^']*)'|\"([^\"]*)\"|(\S+))", text):
        query = PLACEHOLDER.sub("x", quoted or double or bare)
        checked.append("JMESPath")
        try:
            jmespath.compile(query)
        except JMESPathError as error:
            problem(f"--query does not parse as JMESPath: {str(error).splitlines()[0]}")
    for value in re.findall(r"--target\s+'?([^'\s]+)'?", text):
        checked.append("target")
        match = re.fullmatch(r"\*\*([a-z0-9]+/[A-Za-z]+:[A-Za-z]+)::([a-z0-9-]+)", value)
        if not match or (f"aws:{match.group(1)}", match.group(2)) not in facts.resources:
            problem(f"--target {value} names no resource the program creates")
    output = (
        r"pulumi stack output\s+((?:--stack\s+\S+\s+|--json\s+|--show-secrets\s+)*)([A-Za-z]\w*)"
    )
    for _, name in re.findall(output, text):
        checked.append("outputs")
        if name not in facts.outputs:
            problem(f"stack output '{name}' does not exist")
    for key in re.findall(r"config set\b[^|;&]*?'?perfcheck:([A-Za-z0-9_.\[\]<>]+)", text):
        checked.append("setting")
        key = key.replace("<app>", "nextjs")
        if _concrete(key) and not setting_exists(key):
            problem(f"setting perfcheck:{key} does not exist (settings/schema.py)")
    for value in re.findall(r"(?:aws logs tail|--log-group-name)\s+(\S+)", text):
        checked.append("log group")
        if value.startswith("/") and not any(
            v in facts.log_groups for v in _stack_variants(value, facts)
        ):
            problem(f"log group {value} is not one the program creates")
    for value in re.findall(r"\s(perfcheck-[\w$-]+)", text):
        value = value.rstrip("-")
        if "$" in STACK_VARIABLE.sub("", value) or "/" in value:
            continue
        checked.append("physical name")
        if not any(v in facts.physical_names for v in _stack_variants(value, facts)):
            problem(f"'{value}' is not a name the program gives a resource")
    command.result = "checked: " + (", ".join(dict.fromkeys(checked)) or "nothing to check")


def check_inline(command: Command, root: Path = ROOT) -> None:
    """A quoted `python -m tools.x` names a module; a quoted `make x` a target."""
    words = command.text.split()
    if words[0] == "make":
        targets = set(re.findall(r"^([a-z][a-z-]*):", (root / "Makefile").read_text(), re.M))
        if words[1] not in targets:
            command.problems.append(f"make target '{words[1]}' does not exist")
        command.result = "target exists"
        return
    module = words[words.index("-m") + 1]
    if module.endswith("..."):
        command.result = "a family of modules"
        return
    path = root / Path(*module.split("."))
    if not (path.with_suffix(".py").exists() or (path / "__main__.py").exists()):
        command.problems.append(f"module {module} does not exist")
    command.result = "module exists"


# --- running the offline commands ---------------------------------------------------------------


def repository_copy(destination: Path, root: Path = ROOT) -> Path:
    """The working tree's files (tracked and new, not ignored), the virtualenv linked."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file() and not source.is_symlink():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    venv = (root / ".venv").resolve()
    (destination / ".venv").symlink_to(venv)
    for requirement in destination.rglob("requirements*.txt"):
        os.utime(requirement, (0, 0))  # the linked venv is installed: make must not reinstall
    return destination


def run_offline(commands: Sequence[Command], root: Path = ROOT, timeout: int = 300) -> None:
    """Each offline command in a fresh copy, compared with its documented exit code."""
    with tempfile.TemporaryDirectory(prefix="doc-commands-") as scratch:
        copy = repository_copy(Path(scratch) / "repo", root)
        env = offline_environment()
        for command in commands:
            try:
                result = subprocess.run(
                    ["bash", "-c", command.text],
                    cwd=copy,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    env=env,
                )
            except subprocess.TimeoutExpired:
                command.problems.append(f"did not finish in {timeout} s")
                continue
            judge_run(command, result.returncode, result.stdout, result.stderr)


def offline_environment() -> dict[str, str]:
    """The environment an offline command runs in: this one, without make's and pytest's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "PYTEST"))}


def judge_run(command: Command, returncode: int, stdout: str, stderr: str = "") -> None:
    """A finished run against its documented exit code; a printed traceback is a finding too."""
    if returncode != command.expected_exit:
        tail = (stderr.strip() or stdout.strip()).splitlines()[-3:]
        command.problems.append(
            f"exited {returncode}, documented {command.expected_exit}: " + " | ".join(tail)
        )
    elif "Traceback (most recent call last)" in stdout + stderr:
        command.problems.append("printed a Python traceback")
    else:
        command.result = f"ran: exit {returncode} as documented"


def check_all(root: Path = ROOT, run: bool = True) -> list[Command]:
    """Every documented command, checked (and run, when `run` and it can run offline)."""
    commands = [c for path in documents(root) for c in extract(path, root)]
    inline = [c for path in documents(root) for c in inline_commands(path, root)]
    facts = ProgramFacts.gather(root)
    facts.physical_names |= created_by_documents(commands)
    facts.stacks |= stacks_created_by_documents(root)
    offline: list[Command] = []
    for command in commands:
        if command.problems:
            continue
        if command.marker == "online":
            check_online(command, facts, root)
        elif command.marker == "slow":
            command.result = "not run here (slow): CI runs it, or run it by hand"
        elif command.marker == "offline":
            if PLACEHOLDER.search(command.text):
                command.problems.append("an offline command must run as typed (no <placeholder>)")
            else:
                offline.append(command)
    unique: dict[str, Command] = {}
    for command in offline:
        unique.setdefault(command.text, command)
    if run:
        run_offline(list(unique.values()), root)
        for command in offline:
            first = unique[command.text]
            if command is not first:
                command.problems, command.result = list(first.problems), first.result
    else:
        for command in offline:
            command.result = "offline (not run: --no-run)"
    for command in inline:
        if command.text.startswith(("aws ", "pulumi ")):
            check_online(command, facts, root)
        else:
            check_inline(command, root)
    return commands + inline


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make doc-commands", description=__doc__)
    parser.add_argument("--no-run", action="store_true", help="check, but run nothing")
    args = parser.parse_args(list(argv) if argv is not None else None)
    # The program's own warnings (the preview reports them) are not this list's business.
    logging.getLogger().addHandler(logging.NullHandler())
    commands = check_all(run=not args.no_run)
    for command in commands:
        sys.stdout.write(command.row() + "\n")
    failed = [c for c in commands if not c.ok]
    counts = {m: sum(c.marker == m for c in commands) for m in (*MARKERS, "inline")}
    summary = ", ".join(f"{n} {m}" for m, n in counts.items())
    sys.stdout.write(f"\n{len(commands)} documented commands ({summary}): {len(failed)} failing\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
