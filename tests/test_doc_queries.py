"""Every documented `aws` command asks AWS something it answers (botocore's models).

Properties: each `aws <service> <operation>` in README.md and docs/ is an operation of that
service, every option it passes is a member of the operation's input, and its `--query` names
only members of the operation's output and compares each with a literal of that member's type.
JMESPath compares by type, so `Rules[?Priority==\\`1\\`]` against ELB's string `Priority` is
never true and the command prints `[]` (review 21 pass 4, R17). tests/test_doc_commands.py
checks that a query parses; this checks that it can match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore
import botocore.session
import jmespath
import pytest
from botocore.model import Shape

from tools import doc_commands

AWS_COMMAND = re.compile(r"\baws\s+([a-z0-9-]+)\s+([a-z0-9-]+)((?:\s+(?!\||&&|;|\))[^\s|;&)]+)*)")
GLOBAL_OPTIONS = {"region", "query", "output", "profile", "no-cli-pager", "cli-input-json"}
GLOBAL_OPTIONS |= {"max-items", "page-size", "starting-token", "no-paginate"}  # pagination
CUSTOMISED = {("s3",), ("logs", "tail"), ("ecr", "get-login-password"), ("deploy",)}
"""AWS CLI commands that are not one API operation (high-level s3, logs tail, ...)."""
CLI_OPTIONS = {("cloudfront", "create-invalidation"): {"paths"}}
"""Options the AWS CLI adds to an operation (`--paths` builds InvalidationBatch)."""
SCALARS = {
    "string": str,
    "timestamp": str,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": bool,
}


@dataclass(frozen=True)
class Documented:
    where: str
    service: str
    operation: str
    options: tuple[str, ...]
    query: str | None


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _operation(service: str, command: str) -> Any:
    model = _model(service)
    names = {botocore.xform_name(name, "-"): name for name in model.operation_names}
    return model.operation_model(names[command]) if command in names else None


def _aws_commands(text: str) -> list[tuple[str, str, str]]:
    """`aws` commands in a shell line, those inside `$(...)` taken out on their own first."""
    parts = []
    while (inner := re.search(r"\$\(([^()]*)\)", text)) is not None:
        parts.append(inner.group(1))
        text = text[: inner.start()] + "X" + text[inner.end() :]
    return [found for part in [*parts, text] for found in AWS_COMMAND.findall(part)]


def documented_commands() -> list[Documented]:
    found = []
    for path in doc_commands.documents():
        for command in doc_commands.extract(path) + doc_commands.inline_commands(path):
            for service, operation, rest in _aws_commands(command.text):
                if (service,) in CUSTOMISED or (service, operation) in CUSTOMISED:
                    continue
                if operation == "wait":
                    continue
                query = re.search(r"--query\s+(?:'([^']*)'|\"([^\"]*)\")", rest)
                found.append(
                    Documented(
                        f"{command.path}:{command.line}",
                        service,
                        operation,
                        tuple(re.findall(r"\s--([a-z0-9-]+)", rest)),
                        doc_commands.PLACEHOLDER.sub("x", query.group(1) or query.group(2))
                        if query
                        else None,
                    )
                )
    return found


@dataclass(frozen=True)
class ListOf:
    """A list the query builds (a projection), of `member` (a botocore shape, or None)."""

    member: Any


@dataclass(frozen=True)
class Literal:
    value: Any


def query_problems(query: str, output: Any) -> list[str]:
    """Names the output lacks, and comparisons of a member with a literal of another type."""
    problems: list[str] = []

    def element(shape: Any) -> Any:
        if isinstance(shape, ListOf):
            return shape.member
        return shape.member if isinstance(shape, Shape) and shape.type_name == "list" else None

    def walk(node: dict[str, Any], shape: Any) -> Any:
        kind, children = node["type"], node.get("children", [])
        if kind == "field":
            if not isinstance(shape, Shape) or shape.type_name != "structure":
                return None
            if node["value"] not in shape.members:
                problems.append(f"{node['value']} is not a member of {shape.name}")
                return None
            return shape.members[node["value"]]
        if kind in ("subexpression", "pipe"):
            for child in children:
                shape = walk(child, shape)
            return shape
        if kind == "index_expression":
            left = walk(children[0], shape)
            return left if children[1]["type"] == "slice" else element(left)
        if kind in ("projection", "filter_projection"):
            item = element(walk(children[0], shape))
            if kind == "filter_projection":
                walk(children[2], item)
            return ListOf(walk(children[1], item))
        if kind == "flatten":
            inner = walk(children[0], shape)
            return ListOf(element(element(inner))) if element(inner) is not None else inner
        if kind in ("current", "identity"):
            return shape
        if kind == "literal":
            return Literal(node["value"])
        if kind == "comparator":
            sides = [(child.get("value"), walk(child, shape)) for child in children]
            for (name, member), (_, literal) in (sides, sides[::-1]):
                if isinstance(member, Shape) and isinstance(literal, Literal):
                    wanted, value = SCALARS.get(member.type_name), literal.value
                    numeric = wanted in (int, float) and type(value) in (int, float)
                    if wanted and not (numeric or type(value) is wanted):
                        problems.append(
                            f"compares {name} ({member.type_name}) with "
                            f"{value!r} ({type(value).__name__}): never equal"
                        )
            return None
        for child in children:  # functions, multi-selects, and/or/not: judge the operands
            walk(child["children"][0] if child["type"] == "key_val_pair" else child, shape)
        return None

    walk(jmespath.compile(query).parsed, output)
    return problems


def command_problems(command: Documented) -> list[str]:
    operation = _operation(command.service, command.operation)
    if operation is None:
        return [f"aws {command.service} has no operation {command.operation}"]
    members = operation.input_shape.members if operation.input_shape else {}
    takes = {botocore.xform_name(name, "-") for name in members}
    takes |= GLOBAL_OPTIONS | CLI_OPTIONS.get((command.service, command.operation), set())
    problems = [
        f"--{option} is not an option of {command.operation}"
        for option in command.options
        if option not in takes and option.removeprefix("no-") not in takes
    ]
    if command.query is not None:
        problems += query_problems(command.query, operation.output_shape)
    return problems


def test_every_documented_aws_command_asks_what_the_operation_answers() -> None:
    commands = documented_commands()
    assert len(commands) > 50
    assert any(c.query for c in commands)
    wrong = [f"{c.where}: {p}" for c in commands for p in command_problems(c)]
    assert wrong == []


@pytest.mark.parametrize(
    ("service", "operation", "query", "problem"),
    [
        ("elbv2", "describe-rules", "Rules[?Priority==`1`].RuleArn", "Priority (string)"),
        ("rds", "describe-db-instances", "DBInstances[?AllocatedStorage=='100']", "(integer)"),
        ("rds", "describe-db-instances", "DBInstances[?MultiAZ=='true'].Endpoint", "(boolean)"),
        ("ecs", "describe-services", "services[0].deployments[?runningCount=='2']", "(integer)"),
        ("rds", "describe-db-instances", "DBInstances[0].Endpoint.Adress", "Adress"),
        ("elbv2", "describe-rules", "Rules[?`1`==Priority].RuleArn", "Priority (string)"),
        ("rds", "describe-db-instances", "DBInstances[?AllocatedStorage==`true`]", "with True"),
    ],
)
def test_a_query_that_can_never_match_is_found(
    service: str, operation: str, query: str, problem: str
) -> None:
    """Own members: a number against a string member (either side), strings against an integer
    and a boolean, a boolean against an integer, and a misspelt member."""
    command = Documented("doc.md:1", service, operation, (), query)
    assert any(problem in p for p in command_problems(command)), command_problems(command)


@pytest.mark.parametrize(
    ("service", "operation", "query"),
    [
        ("elbv2", "describe-rules", "Rules[?Priority=='1'].Actions[0].ForwardConfig.TargetGroups"),
        ("rds", "describe-db-instances", "DBInstances[?AllocatedStorage>`20`].[DBInstanceClass]"),
        ("rds", "describe-db-instances", "DBInstances[?MultiAZ].{id:DBInstanceIdentifier}"),
        ("secretsmanager", "list-secrets", "SecretList[?starts_with(Name, 'p')].[Name]"),
    ],
)
def test_a_query_of_the_right_types_passes(service: str, operation: str, query: str) -> None:
    assert command_problems(Documented("doc.md:1", service, operation, (), query)) == []


def test_an_option_the_operation_does_not_take_is_found() -> None:
    command = Documented("doc.md:1", "rds", "describe-db-instances", ("db-instance-id",), None)
    wrong = "--db-instance-id is not an option of describe-db-instances"
    assert command_problems(command) == [wrong]


SHELL_OWN = frozenset({"PWD", "HOME", "PATH"})
ASSIGNED = re.compile(
    r"(?:^|[\s;&|(])(?:export\s+|local\s+)?([A-Za-z_]\w*)=|\bread\s+(?:-r\s+)?([A-Za-z_ ]+?)\s*<"
    r"|\bfor\s+([A-Za-z_]\w*)\s+in\b|\bmapfile\s+-t\s+([A-Za-z_]\w*)"
)


def used_variables(command: str) -> set[str]:
    """`$NAME` and `${NAME}` the shell expands: not inside single quotes (jq's and JMESPath's own
    `$x`), not `${NAME:-default}`, not positional or special parameters."""
    used: set[str] = set()
    quote, outer = "", []  # `$(` opens a new quoting context inside double quotes
    index = 0
    while index < len(command):
        char = command[index]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "'" and quote != '"':
            quote = "'"
        elif char == '"':
            quote = "" if quote == '"' else '"'
        elif command.startswith("$(", index):
            outer.append(quote)
            quote, index = "", index + 1
        elif char == ")" and not quote and outer:
            quote = outer.pop()
        elif char == "$":
            name = re.match(r"\{?([A-Za-z_]\w*)(:[-?=+])?", command[index + 1 :])
            if name and not name.group(2):
                used.add(name.group(1))
        index += 1
    return used


def procedures() -> dict[str, list[doc_commands.Command]]:
    """Each document's shell-block commands, in the order an operator types them."""
    found = {}
    for path in doc_commands.documents():
        if "reviews" not in path.parts:  # the reviews quote commands; they are not procedures
            found[str(path.relative_to(doc_commands.ROOT))] = doc_commands.extract(path)
    return found


def unset_variables(commands: list[doc_commands.Command]) -> list[str]:
    assigned: set[str] = set(SHELL_OWN)
    unset = []
    for command in commands:
        for match in ASSIGNED.finditer(command.text):
            assigned.update(" ".join(filter(None, match.groups())).split())
        unset += [
            f"{command.path}:{command.line}: ${name}"
            for name in sorted(used_variables(command.text) - assigned)
        ]
    return unset


def test_every_variable_a_procedure_uses_is_set_before_it() -> None:
    """Property: a documented command expands only variables an earlier command of the same
    document (or the command itself) sets. A name set only in prose ("read them the same way")
    is an empty string when typed as written: the region-loss restore's subnet group, security
    group and parameter group were (review 21 pass 5, R27)."""
    found = procedures()
    assert sum(len(c) for c in found.values()) > 100
    assert [problem for commands in found.values() for problem in unset_variables(commands)] == []


@pytest.mark.parametrize(
    ("lines", "unset"),
    [
        (['aws rds restore --db-subnet-group-name "$DR_SUBNET_GROUP"'], ["$DR_SUBNET_GROUP"]),
        (["aws logs tail /aws/lambda/perfcheck-${STACK}-x"], ["$STACK"]),
        (["X=1", 'echo "$X $Y"'], ["$Y"]),
        (["read A B < <(aws x)", "echo $A $B"], []),
        (["for s in a b; do echo $s; done"], []),
        (["jq -n '{a:$cmd}' --arg cmd \"${QUERY:-}\""], []),
        (["aws x --query \"L[?N=='$ID']\""], ["$ID"]),
        (['TASK=$(aws ecs run-task) && aws ecs wait --tasks "$TASK"'], []),
        (['x "$(jq -n \'{c:[$cmd]}\' --arg q "$Q")" "$R"'], ["$Q", "$R"]),
    ],
)
def test_an_unset_variable_is_found(lines: list[str], unset: list[str]) -> None:
    """Own members: set only in prose, braced, one of two, read and for loops, a jq variable in
    single quotes and a default, a name inside a double-quoted query, set in the same command,
    single quotes inside a double-quoted command substitution."""
    commands = [doc_commands.Command("doc.md", n, text, "online") for n, text in enumerate(lines)]
    assert [problem.rsplit(": ", 1)[1] for problem in unset_variables(commands)] == unset


STACK_INIT = re.compile(r"\bpulumi stack init\s+([a-z][a-z0-9-]*)")
STACK_OPTION = re.compile(r"\bpulumi\b[^|;&]*?--stack[ =]\"?([a-z$][\w$-]*)")


def configured_before_created(commands: list[doc_commands.Command]) -> list[str]:
    """Commands that name a stack (`--stack X`) before the document's `pulumi stack init X`."""
    ordered = sorted(commands, key=lambda c: c.line)
    created = {
        match.group(1): command.line
        for command in reversed(ordered)
        for match in STACK_INIT.finditer(command.text)
    }
    return [
        f"{c.path}:{c.line}: --stack {m.group(1)} before `pulumi stack init` "
        f"(line {created[m.group(1)]})"
        for c in ordered
        for m in STACK_OPTION.finditer(c.text)
        if m.group(1) in created and c.line < created[m.group(1)]
    ]


def test_every_stack_is_created_before_a_procedure_configures_or_deploys_it() -> None:
    """Property: where a document creates a stack, no earlier command of it names that stack:
    `pulumi config set --stack X` needs X to exist (the CLI's config set requires the stack, and
    offers to create it, with the default secrets provider, only at a terminal). The region-loss
    runbook set prod-dr's images before `pulumi stack init prod-dr` (R26)."""
    wrong = []
    for path in doc_commands.documents():
        if "reviews" not in path.parts:
            commands = doc_commands.extract(path) + doc_commands.inline_commands(path)
            wrong += configured_before_created(commands)
    assert wrong == []


def test_a_stack_configured_before_it_is_created_is_found() -> None:
    commands = [
        doc_commands.Command("doc.md", 3, "pulumi config set --stack dr --path 'p:a' b", "online"),
        doc_commands.Command("doc.md", 5, "pulumi stack init dr", "inline"),
        doc_commands.Command("doc.md", 7, "pulumi up --stack dr", "online"),
        doc_commands.Command("doc.md", 9, "pulumi up --stack other", "online"),
    ]
    assert [p.split(": ", 1)[0] for p in configured_before_created(commands)] == ["doc.md:3"]
    again = [*commands[1:], doc_commands.Command("doc.md", 11, "pulumi stack init dr", "online")]
    assert configured_before_created(again) == []  # the first init counts, not a later repeat
