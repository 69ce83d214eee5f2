"""A small mutation runner: one AST mutation at a time, the module's own tests run against it.

Why not mutmut (3.8.1: its source read, its mutant generator run on a sample): its operators change
numbers, strings ("XXaXX"), names, and/or, comparison operators and call arguments (to None), but
none of the bugs below that the issue's survivors were (a dict key or a set element dropped, a
clause dropped, an early return, a call left out, a match widened, any/all swapped); it picks each
mutant's tests from a run of the whole selection under its trampolines, not a named selection per
module; and it records an exit code per mutant, not the failing tests, so a snapshot-only kill
cannot be told apart. A wrapper would have to add all three. This runner mutates a copy of the
tree (the worktree is never touched), replaces only the mutated expression's source segment (the
rest of the file, comments included, stays) and runs a small, named test selection per module
with `-x`.

Why not cosmic-ray (8.7.0: its wheel read): its core operators cover comparisons, and/or,
numbers, unary operators and loops, so seven of the kinds below (a dropped element, key, clause
or call, an early return, a widened match, any/all swapped) would be plugins rewritten on parso
trees, as long as ours; it writes each mutant into the module in place (a copied tree is still
needed), runs one test command per session, and scores a timeout as a kill where this runner
counts it a survivor. A port would add its dependencies and cut no line.

Operators are the bugs a hurried change makes (docs/mutation/README.md, "The bugs", lists them;
each operator function below makes one kind).

A kill whose every failing test says "regenerate"/"make regen" (a generated-figures snapshot) is
counted apart: `snapshot-only`. A run past the timeout proves nothing: it counts as a survivor.
A survivor argued to change no behaviour is recorded by hand in a result file as
`{"ident": ..., "status": "equivalent", "reason": ...}`: the summary names it and its reason.
Usage:

    .venv/bin/python -m tools.mutation --plan            # the issue-23 sample, summary at the end
    .venv/bin/python -m tools.mutation --module estimate/budget.py --tests tests/test_x.py --list
    .venv/bin/python -m tools.mutation --plan --only 'estimate/budget.py:31:8:compare:0'
    .venv/bin/python -m tools.mutation --patches docs/mutation/sample-blind-1208.jsonl

`--patches`: hand-written bugs the operators do not make (a unit mixed, a default changed, a
key misspelt, a `depends_on` dropped), one JSON record a line: `file`, `before` (a snippet found
exactly once in it), `after`, `why`, `base` (the commit it was written against: a later
refactoring may move the snippet, and the runner then refuses the record rather than guess), and
optionally `tests` (else the module's selection in `PLAN` or `SELECTIONS`). Its mutants are named
`<file>:blind:<record number>`.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_MESSAGE = re.compile(r"make regen|regenerat", re.IGNORECASE)
"""How a generated-figures test says its failure away: such a kill is counted apart."""


@dataclass(frozen=True)
class Mutant:
    """One mutation of one module: where, which operator, and the mutated module text."""

    path: str
    line: int
    column: int
    operator: str
    variant: int
    before: str
    after: str
    text: str

    @property
    def ident(self) -> str:
        if self.operator == "patch":  # a hand-written mutant: its record's number in the corpus
            return f"{self.path}:blind:{self.variant}"
        return f"{self.path}:{self.line}:{self.column}:{self.operator}:{self.variant}"


# --- the operators: each yields (operator name, replacement source) for one node --------------

_COMPARE_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
}
_CALL_SWAPS = {"any": "all", "all": "any", "min": "max", "max": "min"}
_WIDER_METHODS = {"fullmatch": "search", "match": "search"}
_AFFIX_METHODS = frozenset({"startswith", "endswith"})


def _src(node: ast.AST) -> str:
    return f"({ast.unparse(node)})"


def _compare(node: ast.AST) -> Iterator[tuple[str, str]]:
    if not isinstance(node, ast.Compare):
        return
    for position, op in enumerate(node.ops):
        flipped = _COMPARE_FLIPS.get(type(op))
        if flipped is None:
            continue
        mutated = copy.deepcopy(node)
        mutated.ops[position] = flipped()
        yield "compare", _src(mutated)
    if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        left, right = node.left, node.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, str):
            yield "widen-match", f"({ast.unparse(right)} in {ast.unparse(left)})"
        elif isinstance(left, ast.Constant) and isinstance(left.value, str):
            yield "widen-match", f"({ast.unparse(left)} in {ast.unparse(right)})"


def _boolop(node: ast.AST) -> Iterator[tuple[str, str]]:
    if not isinstance(node, ast.BoolOp):
        return
    for position in range(len(node.values)):
        rest = node.values[:position] + node.values[position + 1 :]
        mutated = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        yield "drop-clause", _src(mutated)
    swapped = ast.BoolOp(
        op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=node.values
    )
    yield "and-or", _src(swapped)


def _constant(node: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        yield "constant", f"({node.value + 1})"
        yield "constant", f"({node.value - 1})"


def _branch(node: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.IfExp):
        yield (
            "other-branch",
            f"({ast.unparse(node.orelse)} if {_src(node.test)} else {ast.unparse(node.body)})",
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop-not", _src(node.operand)


def _if_test(node: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
    """`if c:` / `while c:` / a comprehension filter: the test negated (the other branch)."""
    if isinstance(node, ast.If | ast.While):
        yield node.test, "other-branch", f"not {_src(node.test)}"
    if isinstance(node, ast.comprehension):
        for test in node.ifs:
            yield test, "other-branch", f"not {_src(test)}"


def _literal(node: ast.AST) -> Iterator[tuple[str, str]]:
    if not isinstance(node, ast.Tuple | ast.Set | ast.List) or len(node.elts) < 2:
        return
    if not all(isinstance(e, ast.Name | ast.Attribute | ast.Constant) for e in node.elts):
        return
    if isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Store):
        return
    for position in range(len(node.elts)):
        mutated = copy.deepcopy(node)
        del mutated.elts[position]
        text = ast.unparse(mutated)
        if isinstance(node, ast.Tuple) and len(mutated.elts) == 1 and not text.endswith(",)"):
            text = f"({ast.unparse(mutated.elts[0])},)"
        yield "drop-element", f"({text})" if not text.startswith("(") else text


def _call(node: ast.AST) -> Iterator[tuple[str, str]]:
    if not isinstance(node, ast.Call):
        return
    if isinstance(node.func, ast.Name) and node.func.id in _CALL_SWAPS:
        mutated = copy.deepcopy(node)
        mutated.func = ast.Name(id=_CALL_SWAPS[node.func.id], ctx=ast.Load())
        yield "swap-call", _src(mutated)
    if isinstance(node.func, ast.Attribute) and node.func.attr in _WIDER_METHODS:
        mutated = copy.deepcopy(node)
        mutated.func.attr = _WIDER_METHODS[node.func.attr]
        yield "widen-match", _src(mutated)
    if (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in _AFFIX_METHODS
        and len(node.args) == 1
        and not node.keywords
        and not isinstance(node.args[0], ast.Tuple)
    ):  # a prefix or suffix test widened to a substring test (an exemption matched anywhere)
        yield "widen-match", f"({ast.unparse(node.args[0])} in {_src(node.func.value)})"


def _dict(node: ast.AST) -> Iterator[tuple[str, str]]:
    """A literal dict with string keys loses one entry (a condition key, a default)."""
    if not isinstance(node, ast.Dict) or len(node.keys) < 1:
        return
    if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return
    for position in range(len(node.keys)):
        mutated = copy.deepcopy(node)
        del mutated.keys[position]
        del mutated.values[position]
        yield "drop-key", _src(mutated)


def _stringy(node: ast.AST) -> bool:
    """Text built by `+`/`%` (a message): literal strings anywhere in the operand chain."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _stringy(node.left) or _stringy(node.right)
    if isinstance(node, ast.IfExp):
        return _stringy(node.body) or _stringy(node.orelse)
    return False


def _binop(node: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        if _stringy(node):
            return  # string concatenation / formatting: a TypeError, not a realistic bug
        mutated = copy.deepcopy(node)
        mutated.op = _BINOP_SWAPS[type(node.op)]()
        yield "arithmetic", _src(mutated)


_EXPRESSION_OPERATORS: tuple[Callable[[ast.AST], Iterator[tuple[str, str]]], ...] = (
    _compare,
    _boolop,
    _constant,
    _branch,
    _literal,
    _call,
    _binop,
    _dict,
)


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Nodes not worth mutating: f-string parts, annotations, docstrings, `__all__`, type checks."""
    skipped: set[int] = set()

    def skip(root: ast.AST | None) -> None:
        for sub in ast.walk(root) if root is not None else ():
            skipped.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip(node)
        elif isinstance(node, ast.arg):
            skip(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        elif isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        elif (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)) or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ):
            skip(node)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"Literal", "Final", "ClassVar", "tuple", "dict", "list", "set"}
        ):
            skip(node.slice)
    return skipped


class _Source:
    """The module text with a way to replace a node's segment (AST offsets are UTF-8 bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, byte_column: int) -> int:
        prefix = self.lines[line - 1].encode()[:byte_column].decode()
        return self.starts[line - 1] + len(prefix)

    def replace(self, node: ast.AST, replacement: str) -> tuple[str, str]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.text[start:end], self.text[:start] + replacement + self.text[end:]


def _statement_drops(node: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
    """A call statement (a report, a registration, a raise helper) left out."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield node, "drop-call", "pass"


def _is_generator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    own: list[ast.AST] = list(function.body)
    while own:
        node = own.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            own.extend(ast.iter_child_nodes(node))
    return False


def _early_returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """What a check returns when it gives up at once: nothing, an empty result, a fixed answer."""
    returns = ast.unparse(function.returns) if function.returns is not None else ""
    if _is_generator(function) or returns == "None":
        return ("return",)
    if returns == "bool":
        return ("return True", "return False")
    if returns.startswith(("list[", "Iterator[", "Iterable[", "Sequence[")):
        return ("return []",)
    if returns.startswith("tuple["):
        return ("return ()",)
    if returns.endswith("| None") or returns.startswith("None |"):
        return ("return None",)
    return ()


def _function_edits(node: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
    """`return-early`: the first statement after the docstring becomes a return (the check
    validates, reports or yields nothing); `swap-default`: a boolean default flipped."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    body = node.body
    first = body[1] if len(body) > 1 and _is_docstring(body[0]) else body[0]
    if not _is_docstring(first) and not isinstance(first, ast.Return | ast.Raise):
        for early in _early_returns(node):
            yield first, "return-early", early  # put before the statement (generate() does it)
    arguments = node.args
    for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
        if isinstance(default, ast.Constant) and isinstance(default.value, bool):
            yield default, "swap-default", repr(not default.value)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def generate(path: str, text: str) -> list[Mutant]:
    """Every mutant of one module, each compiling, in source order."""
    tree = ast.parse(text)
    source = _Source(text)
    skipped = _skipped_nodes(tree)
    found: list[Mutant] = []
    seen: set[tuple[int, int, str, str]] = set()
    variants: dict[tuple[int, int, str], int] = {}

    def add(node: ast.AST, operator: str, replacement: str) -> None:
        key = (node.lineno, node.col_offset, operator, replacement)  # type: ignore[attr-defined]
        if key in seen:
            return
        if operator == "return-early":  # the statement stays, unreachable: line numbers hold
            statement, _ = source.replace(node, "")
            replacement = f"{replacement}\n{' ' * node.col_offset}{statement}"  # type: ignore[attr-defined]
        before, mutated = source.replace(node, replacement)
        try:  # the replacement alone: a whole-module compile per mutant is too slow here
            if operator == "return-early":
                compile(mutated, path, "exec")
            else:
                compile(replacement, path, "exec" if operator == "drop-call" else "eval")
        except SyntaxError:
            return
        seen.add(key)
        site = (node.lineno, node.col_offset, operator)  # type: ignore[attr-defined]
        variant = variants.get(site, 0)
        variants[site] = variant + 1
        found.append(
            Mutant(
                path,
                node.lineno,  # type: ignore[attr-defined]
                node.col_offset,  # type: ignore[attr-defined]
                operator,
                variant,
                before,
                replacement,
                mutated,
            )
        )

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.expr):
            for operator_fn in _EXPRESSION_OPERATORS:
                for operator, replacement in operator_fn(node):
                    add(node, operator, replacement)
        edits = (*_if_test(node), *_statement_drops(node), *_function_edits(node))
        for target, operator, replacement in edits:
            if id(target) not in skipped:
                add(target, operator, replacement)
    found.sort(key=lambda m: (m.line, m.column, m.operator, m.variant))
    return found


def sample(mutants: list[Mutant], count: int, seed: int) -> list[Mutant]:
    """`count` mutants spread over the operators (round robin over shuffled per-operator lists)."""
    rng = random.Random(seed)
    by_operator: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_operator.setdefault(mutant.operator, []).append(mutant)
    for group in by_operator.values():
        rng.shuffle(group)
    chosen: list[Mutant] = []
    operators = sorted(by_operator)
    rng.shuffle(operators)  # a module given one or two mutants does not always get the same kinds
    while len(chosen) < count and any(by_operator.values()):
        for operator in operators:
            if by_operator[operator] and len(chosen) < count:
                chosen.append(by_operator[operator].pop())
    return sorted(chosen, key=lambda m: (m.line, m.column))


# --- running ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ident: str
    before: str
    after: str
    status: str  # killed, snapshot-only, survived, timeout
    failed: tuple[str, ...]
    seconds: float
    failing_unmutated: tuple[str, ...] = ()
    """Tests that failed under the mutant and fail without it too: set aside, not a kill."""


_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (.+?)(?: - (.*))?$", re.MULTILINE)
"""A failed test in pytest's short summary: its node id (parameters may hold spaces) and the
start of its message."""


def _pytest(
    copy_root: Path, tests: list[str], deselect: list[str], timeout: float
) -> tuple[int, str]:
    command = [
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "pytest",
        "-x",
        "-q",
        "-rfE",
        "-p",
        "no:randomly",
        "-p",
        "no:xdist",  # one process: the machine is shared
        "-p",
        "no:cacheprovider",
        "--no-header",
        "--tb=line",
        *tests,
        *(f"--deselect={node}" for node in deselect),
    ]
    # COLUMNS: pytest cuts the summary's message to the terminal's width, which would cut a
    # snapshot's "run `make regen`" off and count its kill as a real one.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "COLUMNS": "1000"}
    try:
        done = subprocess.run(
            command, cwd=copy_root, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return done.returncode, done.stdout + done.stderr


_FAILS_UNMUTATED: dict[str, bool] = {}
"""Test node -> whether it fails in the copy with no mutant at all (a test that needs what the
copy lacks): its failure under a mutant proves nothing, so it is set aside, not a kill."""


def _failing_unmutated(
    copy_root: Path, target: Path, original: str, nodes: list[str], timeout: float
) -> list[str]:
    """Which of `nodes` fail on the unmutated copy (each run alone once, then remembered)."""
    unseen = [node for node in nodes if node not in _FAILS_UNMUTATED]
    if unseen:
        mutated = target.read_text()
        target.write_text(original)
        try:
            for node in unseen:
                _FAILS_UNMUTATED[node] = _pytest(copy_root, [node], [], timeout)[0] != 0
        finally:
            target.write_text(mutated)
    return [node for node in nodes if _FAILS_UNMUTATED[node]]


def run_mutant(copy_root: Path, mutant: Mutant, tests: list[str], timeout: float) -> Outcome:
    target = copy_root / mutant.path
    original = target.read_text()
    started = time.monotonic()
    failed: list[str] = []
    set_aside: list[str] = []
    try:
        target.write_text(mutant.text)
        deselect: list[str] = []
        snapshots = False
        for _ in range(8):
            code, output = _pytest(copy_root, tests, deselect, timeout)
            if code == -1:
                status = "timeout"
                break
            if code == 0:
                status = "snapshot-only" if snapshots else "survived"
                break
            lines = _FAILED_LINE.findall(output)
            broken = _failing_unmutated(copy_root, target, original, [n for n, _ in lines], timeout)
            if broken:  # fails without the mutant too: no evidence either way
                set_aside.extend(broken)
                deselect.extend(broken)
                continue
            failed.extend(node for node, _ in lines)
            snapshot = [node for node, message in lines if SNAPSHOT_MESSAGE.search(message or "")]
            if lines and len(snapshot) == len(lines) and snapshot[0] not in deselect:
                deselect.extend(snapshot)
                snapshots = True
                continue
            status = "killed"
            if not lines:
                failed.append(output.strip().splitlines()[-1] if output.strip() else f"exit {code}")
            break
        else:
            status = "snapshot-only" if snapshots else "survived"
    finally:
        target.write_text(original)
    return Outcome(
        mutant.ident,
        mutant.before,
        mutant.after,
        status,
        tuple(failed),
        round(time.monotonic() - started, 1),
        tuple(set_aside),
    )


def _copy_tree() -> Path:
    destination = Path(tempfile.mkdtemp(prefix="mutation-")) / "tree"
    shutil.copytree(
        ROOT,
        destination,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "node_modules", "venv", ".mutation"
        ),
    )
    (destination / ".venv").symlink_to((ROOT / ".venv").resolve())
    # Tests that list the repository's files (`git ls-files`) need a repository; its history
    # they do not get (a test that needs it fails unmutated and is set aside, see run_mutant).
    subprocess.run(["git", "init", "-q"], cwd=destination, check=False)
    return destination


# --- the issue-23 sample: module -> (mutants, targeted tests) -------------------------------------

_SETTINGS_TESTS = [
    "tests/test_mutation_followups_settings.py",
    "tests/test_settings_validators.py",
    "tests/test_settings_facts.py",
    "tests/test_settings_messages.py",
    "tests/test_settings.py",
    "tests/test_origin_name.py",
]
_FACT_TESTS = [
    "tests/test_mutation_followups_foundation.py",
    "tests/test_settings_facts.py",
    "tests/test_settings_validators.py",
    "tests/test_settings_messages.py",
    "tests/deploycheck/test_deploycheck_cases.py",
]
_MODEL_TESTS = [
    "tests/test_mutation_followups_foundation.py",
    "tests/test_stackmodel.py",
    "tests/test_sgrules.py",
    "tests/test_iampolicy.py",
    "tests/test_containers_model.py",
    "tests/policies/test_policy_unknowns.py",
    "tests/deploycheck/test_deploycheck_unknowns.py",
]
_ESTIMATE_TESTS = [
    "tests/test_mutation_followups_estimate.py",
    "tests/test_prices.py",
    "tests/test_cost_scenarios.py",
    "tests/test_cost_independent.py",
    "tests/test_cost_lines.py",
    "tests/test_cost_owners.py",
    "tests/test_estimate.py",
    "tests/test_budget_untagged_spend.py",
    "tests/test_cost_report.py",  # the generated-figures snapshot: a kill here alone is apart
]
_KIT_TESTS = [
    "tests/test_mutation_followups_kit.py",
    "tests/policies/test_kit_checks_properties.py",
    "tests/policies/test_policy_exemptions.py",
    "tests/policies/test_policy_servicer.py",
    "tests/policies/test_policy_unknowns.py",
    "tests/policies/test_policy_config.py",
]
_GUARDRAIL_TESTS = [
    "tests/test_mutation_followups_rules.py",
    "tests/policies/test_policy_rules.py",
    "tests/policies/test_access_control_properties.py",
    "tests/policies/test_hollow_controls.py",
    "tests/policies/test_front_door.py",
    "tests/policies/test_resource_policy_text.py",
    "tests/policies/test_engine_behaviour.py",
    "tests/policies/test_prod_invariants.py",
    "tests/policies/test_type_families.py",
    "tests/policies/test_fail_closed_types.py",
    "tests/policies/test_container_rules_fail_closed.py",
    "tests/policies/test_credential_scanner.py",
    "tests/policies/test_policy_unknowns.py",
    "tests/redteam/test_properties.py",
    "tests/redteam/test_properties_wave4.py",
    "tests/redteam/test_properties_wave5.py",
    "tests/redteam/test_properties_wave6.py",
]
"""The rule tests a guardrail change is checked with (tests/policies less the engine's and the
pack packaging's own tests, which take as long again and judge no rule; the red team's
property tests, not its corpora)."""
_DEPLOY_TESTS = ["tests/test_mutation_followups_rules.py", "tests/deploycheck"]
_VERIFIER_TESTS = [
    "tests/delivery/test_verify_deployment.py",
    "tests/delivery/test_verifier_bugs.py",
]
_GUARDRAILS = "policies/guardrails/perfcheck_guardrails"
_DEPLOY = "policies/deploy/perfcheck_deploy"
_KIT = "policies/shared/perfcheck_policykit"


PLAN: dict[str, tuple[int, list[str]]] = {
    "settings/schema.py": (7, _SETTINGS_TESTS),
    "settings/loader.py": (3, _SETTINGS_TESTS),
    "foundation/windows.py": (2, _FACT_TESTS),
    "foundation/aws_limits.py": (2, _FACT_TESTS),
    "foundation/capacity.py": (1, _FACT_TESTS),
    "foundation/stackmodel.py": (2, _MODEL_TESTS),
    "foundation/sgrules.py": (2, _MODEL_TESTS),
    "foundation/iampolicy.py": (2, _MODEL_TESTS),
    "foundation/records.py": (1, _MODEL_TESTS),
    "estimate/pricers.py": (5, _ESTIMATE_TESTS),
    "estimate/model.py": (2, _ESTIMATE_TESTS),
    "estimate/budget.py": (2, _ESTIMATE_TESTS),
    "estimate/owners.py": (1, _ESTIMATE_TESTS),
    f"{_KIT}/exemptions.py": (2, _KIT_TESTS),
    f"{_KIT}/rules.py": (3, _KIT_TESTS),
    f"{_KIT}/values.py": (2, _KIT_TESTS),
    f"{_KIT}/checks.py": (1, _KIT_TESTS),
    f"{_GUARDRAILS}/network.py": (3, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/public_access.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/hollow_controls.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/access_control.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/front_door.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/data_safety.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/encryption_in_transit.py": (2, _GUARDRAIL_TESTS),
    f"{_GUARDRAILS}/database_placement.py": (1, _GUARDRAIL_TESTS),
    f"{_DEPLOY}/reachability.py": (3, _DEPLOY_TESTS),
    f"{_DEPLOY}/security_groups.py": (1, _DEPLOY_TESTS),
    f"{_DEPLOY}/iam.py": (2, _DEPLOY_TESTS),
    f"{_DEPLOY}/ecs.py": (2, _DEPLOY_TESTS),
    f"{_DEPLOY}/rds.py": (1, _DEPLOY_TESTS),
    f"{_DEPLOY}/elasticache.py": (1, _DEPLOY_TESTS),
    f"{_DEPLOY}/naming.py": (1, _DEPLOY_TESTS),
    f"{_DEPLOY}/alb.py": (1, _DEPLOY_TESTS),
    f"{_DEPLOY}/cloudfront.py": (1, _DEPLOY_TESTS),
    "scripts/verify_deployment.py": (5, _VERIFIER_TESTS),
}
"""The issue-23 sample: module -> (how many mutants, the tests a change to it is checked with),
spread over every area the issue names; each seed draws a different sample. The follow-up test
files hold the tests written for a sample's survivors, so a new seed is the honest figure."""


_PROGRAM_WIDE_TESTS = [
    "tests/test_mutation_followups_components.py",
    "tests/test_policy_stacks.py",  # every stack through the three packs, under its own config
    "tests/policies/test_prod_invariants.py",
    "tests/test_cost_report.py",  # the generated-figures snapshot: a kill here alone is apart
]
"""What every component change is checked with besides its own tests: the packs on each real
stack and the prod invariants (a component bug that a rule refuses), and the generated figures."""
_COMPONENT_TESTS: dict[str, list[str]] = {
    "components/database.py": [
        "tests/test_database.py",
        "tests/test_database_alarms.py",
        "tests/test_data_safety.py",
        "tests/test_deploy_ordering.py",
        "tests/test_disaster_recovery.py",
    ],
    "components/network.py": [
        "tests/test_network.py",
        "tests/test_network_paths.py",
        "tests/test_stack_independence.py",
    ],
    "components/cache.py": [
        "tests/test_cache.py",
        "tests/test_cache_replacement.py",
        "tests/test_cache_token_current.py",
        "tests/test_secrets.py",
    ],
    "components/web_service.py": [
        "tests/test_web_service.py",
        "tests/test_deployments.py",
        "tests/test_deploy_ordering.py",
        "tests/test_aws_owned_state.py",
    ],
    "components/alarm_catalog.py": [
        "tests/test_observability.py",
        "tests/test_alarm_catalog_limits.py",
        "tests/test_database_alarms.py",
        "tests/test_proxy_pool_alarm.py",
    ],
}
"""A component's own test files (its tests plus the program-wide ones)."""
_OFFLINE_TESTS = [
    "tests/test_mutation_followups_runner.py",
    "tests/test_offline_runner.py",
    "tests/test_preview.py",
    "tests/test_preview_errors.py",
    "tests/test_preview_output.py",
    "tests/test_findings.py",
    "tests/test_quiet_output.py",
    "tests/policies/test_policy_driver.py",
    "tests/policies/test_policy_config.py",
    "tests/test_cost_scenarios.py",
    "tests/test_cost_report.py",
]
SELECTIONS: dict[str, list[str]] = {
    **{module: [*own, *_PROGRAM_WIDE_TESTS] for module, own in _COMPONENT_TESTS.items()},
    "tools/offline/": _OFFLINE_TESTS,
    "estimate/": _ESTIMATE_TESTS,
    "settings/": _SETTINGS_TESTS,
    "foundation/": _FACT_TESTS,
    f"{_KIT}/": _KIT_TESTS,
    f"{_GUARDRAILS}/": _GUARDRAIL_TESTS,
    "policies/cost/": _GUARDRAIL_TESTS,
    f"{_DEPLOY}/": _DEPLOY_TESTS,
    "scripts/": _VERIFIER_TESTS,
}
"""A module outside the plan is checked with its area's selection (`--patches`)."""


def selection_for(module: str) -> list[str]:
    """The tests a change to `module` is checked with: its plan entry, else its area's."""
    if module in PLAN:
        return PLAN[module][1]
    for prefix, tests in SELECTIONS.items():
        if module.startswith(prefix):
            return tests
    raise SystemExit(f"no test selection for {module}: add it to SELECTIONS in tools/mutation.py")


def patched(number: int, record: dict[str, Any], text: str | None = None) -> Mutant:
    """A hand-written mutant: `before` replaced by `after` where it occurs, once, in `file` (its
    text today, or `text`: the file at the record's `base` commit, which it was written against)."""
    path, before, after = record["file"], record["before"], record["after"]
    text = (ROOT / path).read_text() if text is None else text
    found = text.count(before)
    if found != 1:
        raise SystemExit(f"{path}: the snippet of record {number} occurs {found} times: {before!r}")
    start = text.index(before)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1)
    mutated = text[:start] + after + text[start + len(before) :]
    compile(mutated, path, "exec")
    return Mutant(path, line, column, "patch", number, before, after, mutated)


AREAS = (
    ("settings", "settings/"),
    ("foundation", "foundation/"),
    ("estimator", "estimate/"),
    ("policy kit", "policies/shared/"),
    ("guardrails", "policies/guardrails/"),
    ("cost pack", "policies/cost/"),
    ("deploy checks", "policies/deploy/"),
    ("verifier", "scripts/"),
    ("components", "components/"),
    ("offline preview", "tools/offline/"),
    ("other", ""),
)


def _area(ident: str) -> str:
    return next(area for area, prefix in AREAS if ident.startswith(prefix))


def summary(paths: list[Path]) -> str:
    """Kill rate per area from result files (a later outcome of a mutant replaces an earlier)."""
    records = [
        json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()
    ]
    return summary_of(records)


def summary_of(records: list[dict[str, Any]]) -> str:
    """Kill rate per area, survivors named (a later record of a mutant replaces an earlier)."""
    outcomes = {record["ident"]: record for record in records}
    rows = []
    every: list[dict[str, str]] = []
    for area, _ in AREAS:
        mine = [o for ident, o in outcomes.items() if _area(ident) == area]
        every += mine
        if mine:
            rows.append(_row(area, mine, show_survivors=True))
    rows.append(_row("all", every, show_survivors=False))
    return "\n".join(rows)


def _row(label: str, outcomes: list[dict[str, str]], *, show_survivors: bool) -> str:
    killed = sum(o["status"] == "killed" for o in outcomes)
    apart = sum(o["status"] == "snapshot-only" for o in outcomes)
    survived = [o["ident"] for o in outcomes if o["status"] in ("survived", "timeout")]
    timeouts = sum(o["status"] == "timeout" for o in outcomes)
    equivalent = [o for o in outcomes if o["status"] == "equivalent"]
    row = (
        f"{label:28} {killed}/{len(outcomes)} killed, snapshot-only {apart}, "
        f"survived {len(survived)} (of which timed out {timeouts})"
    )
    if equivalent:  # a survivor argued to change no behaviour: named with its reason, apart
        row += f", equivalent {len(equivalent)}"
    listed = "".join(f"\n    survivor {i}" for i in survived if show_survivors)
    argued = "".join(
        f"\n    equivalent {o['ident']}: {o.get('reason', '')}"
        for o in equivalent
        if show_survivors
    )
    return row + listed + argued


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", action="store_true", help="run the committed sample plan")
    parser.add_argument(
        "--area", action="append", default=[], help="plan modules under this prefix"
    )
    parser.add_argument("--module", help="one module (path from the repository root)")
    parser.add_argument("--tests", nargs="*", default=[], help="its test selection")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="plan counts times this (at least 1 a module)"
    )
    parser.add_argument("--only", action="append", default=[], help="mutant ids to run")
    parser.add_argument("--list", action="store_true", help="list the sampled mutants, run none")
    parser.add_argument(
        "--summary", nargs="+", type=Path, help="kill rate per area of result files"
    )
    parser.add_argument(
        "--patches", type=Path, help="hand-written mutants, one JSON record a line (see above)"
    )
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--results", default=".mutation/results.jsonl")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary(args.summary))
        return 0

    jobs: list[tuple[str, int, list[str]]] = []
    if args.plan:
        jobs = [
            (module, max(1, round(count * args.scale)), tests)
            for module, (count, tests) in PLAN.items()
            if not args.area or any(module.startswith(prefix) for prefix in args.area)
        ]
    if args.module:
        count, tests = PLAN.get(args.module, (args.count, []))
        jobs.append((args.module, args.count or count, args.tests or tests))
    selected: list[tuple[Mutant, list[str]]] = []
    if args.patches:
        lines = args.patches.read_text().splitlines()
        for number, record in enumerate(json.loads(line) for line in lines if line.strip()):
            mutant = patched(number, record)
            wanted = not args.area or any(mutant.path.startswith(p) for p in args.area)
            if wanted and (not args.only or mutant.ident in args.only):
                selected.append((mutant, record.get("tests") or selection_for(mutant.path)))
    elif not jobs:
        parser.error("give --plan, --module or --patches")

    for module, count, tests in jobs:
        every = generate(module, (ROOT / module).read_text())
        chosen = (
            [m for m in every if m.ident in args.only]
            if args.only
            else sample(every, count, args.seed)
        )
        selected.extend((m, tests) for m in chosen)
    missing = sorted(
        {t for _, tests in selected for t in tests if not (ROOT / t.split("::")[0]).exists()}
    )
    if missing:  # pytest would exit non-zero on its own: every mutant a false kill
        raise SystemExit(f"test files named in the selection do not exist: {', '.join(missing)}")
    if args.plan and not args.only:  # areas interleaved: a run stopped early still spans them
        random.Random(args.seed).shuffle(selected)
    if args.list:
        for mutant, _ in selected:
            print(f"{mutant.ident}\t{mutant.before!r} -> {mutant.after!r}")
        print(f"{len(selected)} mutants")
        return 0

    results = ROOT / args.results
    results.parent.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the copy is removed on a kill too
    tree = _copy_tree()
    outcomes: list[dict[str, Any]] = []
    try:
        with results.open("a") as sink:
            for number, (mutant, tests) in enumerate(selected, 1):
                outcome = asdict(run_mutant(tree, mutant, tests, args.timeout))
                sink.write(json.dumps(outcome) + "\n")
                sink.flush()
                outcomes.append(outcome)
                print(
                    f"[{number}/{len(selected)}] {outcome['status']:13} {outcome['seconds']:6.1f}s "
                    f"{mutant.ident}  {mutant.before!r} -> {mutant.after!r}",
                    flush=True,
                )
    finally:
        shutil.rmtree(tree.parent, ignore_errors=True)
    print(f"\n{summary_of(outcomes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
