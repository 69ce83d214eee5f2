"""The mutation runner (tools/mutation.py) makes the bugs it says it makes, one at a time, and
changes nothing else of the module; the sample plan names modules and tests that exist."""

from __future__ import annotations

import ast
import difflib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools import mutation

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = '''"""A module."""

ALLOWED = frozenset({"tcp", "udp"})
KINDS = (int, float)


def judge(port: int, protocol: str, names: list[str]) -> str | None:
    # a comment the mutants keep
    if port < 1024 and protocol == "tcp":
        report(port)
    ok = isinstance(port, KINDS) or not names
    best = max(len(n) for n in names) + 1 if names else 0
    found = [n for n in names if n]
    if any(n == "x" for n in found) and ok:
        return f"{port} {best}"
    return None if best else "empty"


def report(port: int) -> None:
    print(port)


def trusted(name: str, strict: bool = True) -> bool:
    """A docstring the early return goes after."""
    condition = {"aws:SourceAccount": "1", "aws:SourceArn": "a"}
    return name.startswith("perfcheck-") and bool(condition) and strict
'''


def mutants() -> list[mutation.Mutant]:
    return mutation.generate("snippet.py", SNIPPET)


def test_every_operator_the_runner_documents_is_generated() -> None:
    operators = {m.operator for m in mutants()}
    assert operators == {
        "compare",
        "drop-clause",
        "and-or",
        "constant",
        "other-branch",
        "drop-not",
        "drop-element",
        "widen-match",
        "drop-call",
        "swap-call",
        "arithmetic",
        "drop-key",
        "swap-default",
        "return-early",
    }


def test_each_mutant_compiles_and_changes_only_its_own_lines() -> None:
    for mutant in mutants():
        ast.parse(mutant.text)
        assert mutant.text != SNIPPET
        changed = [
            line
            for line in difflib.ndiff(SNIPPET.splitlines(), mutant.text.splitlines())
            if line.startswith(("- ", "+ "))
        ]
        removed = [line for line in changed if line.startswith("- ")]
        if mutant.operator == "return-early":  # one line put before the statement, none removed
            first_line = mutant.after.splitlines()[0]
            assert [line.split() for line in changed] == [["+", *first_line.split()]], mutant.ident
            continue
        assert len(removed) == mutant.before.count("\n") + 1, mutant.ident
        assert "# a comment the mutants keep" in mutant.text


def test_a_mutant_changes_behaviour_as_its_operator_says() -> None:
    by_change = {(m.operator, m.before, m.after) for m in mutants()}
    assert ("compare", "port < 1024", "(port <= 1024)") in by_change
    assert ("constant", "1024", "(1025)") in by_change
    assert ("widen-match", 'protocol == "tcp"', "('tcp' in protocol)") in by_change
    assert ("drop-element", '{"tcp", "udp"}', "({'udp'})") in by_change
    assert ("drop-element", "(int, float)", "(int,)") in by_change
    swapped = "(port < 1024 or protocol == 'tcp')"
    assert ("and-or", 'port < 1024 and protocol == "tcp"', swapped) in by_change
    assert ("drop-call", "report(port)", "pass") in by_change
    condition = '{"aws:SourceAccount": "1", "aws:SourceArn": "a"}'
    assert ("drop-key", condition, "({'aws:SourceArn': 'a'})") in by_change
    assert ("swap-default", "True", "False") in by_change
    assert ("widen-match", 'name.startswith("perfcheck-")', "('perfcheck-' in (name))") in by_change


def test_an_early_return_answers_as_the_function_is_typed() -> None:
    """A validator (`-> None`) returns at once, a predicate answers both ways, an optional
    answer is None, after the docstring; the first statement stays after the return
    (unreachable, comments and all)."""
    early = {(m.line, m.after.splitlines()[0]) for m in mutants() if m.operator == "return-early"}
    assert early == {
        (9, "return None"),
        (20, "return"),
        (25, "return True"),
        (25, "return False"),
    }
    for mutant in (m for m in mutants() if m.operator == "return-early"):
        assert mutant.after.split("\n", 1)[1].lstrip() == mutant.before


def test_a_function_that_starts_by_returning_gets_no_early_return() -> None:
    source = "def f(x) -> bool:\n    return x > 1\n\n\ndef g(x) -> None:\n    raise ValueError(x)\n"
    assert not [m for m in mutation.generate("m.py", source) if m.operator == "return-early"]


def test_annotations_f_strings_and_docstrings_are_not_mutated() -> None:
    for mutant in mutants():
        assert "str | None" in mutant.text and "-> None" in mutant.text
        assert 'f"{port} {best}"' in mutant.text
        assert '"""A module."""' in mutant.text


def test_the_sample_is_spread_over_the_operators_and_repeatable() -> None:
    every = mutants()
    first = mutation.sample(every, 11, seed=5)
    assert first == mutation.sample(every, 11, seed=5)
    assert len({m.operator for m in first}) == 11


@pytest.mark.parametrize("module", sorted(mutation.PLAN))
def test_the_plan_names_modules_and_tests_that_exist(module: str) -> None:
    count, tests = mutation.PLAN[module]
    assert (ROOT / module).is_file()
    assert 0 < count <= len(mutation.generate(module, (ROOT / module).read_text()))
    paths = [t for t in tests if t.startswith("tests/")]
    assert paths and all((ROOT / t).exists() for t in paths)


def test_a_kill_only_by_a_generated_figures_snapshot_is_told_apart() -> None:
    assert mutation.SNAPSHOT_MESSAGE.search("docs/cost-estimate.json is stale: run `make regen`")
    assert not mutation.SNAPSHOT_MESSAGE.search("assert 'db' in findings")


def test_a_failed_test_is_read_whole_from_the_summary_whatever_its_parameters() -> None:
    """pytest's summary line: a node id whose parameters hold spaces is still one id, and the
    message is read to its end (pytest is told a wide terminal, or it cuts the message before
    a snapshot's "make regen" and the kill would not be told apart)."""
    summary = (
        "FAILED tests/test_settings.py::test_window[02:00-02:29 sun:04:00] - ValueError: x - y\n"
        "ERROR tests/test_cost_report.py::test_the_committed_totals_are_current\n"
        "3 failed, 1 passed in 2.00s\n"
    )
    assert mutation._FAILED_LINE.findall(summary) == [
        ("tests/test_settings.py::test_window[02:00-02:29 sun:04:00]", "ValueError: x - y"),
        ("tests/test_cost_report.py::test_the_committed_totals_are_current", ""),
    ]


def test_the_summary_counts_per_area_and_a_later_outcome_replaces_an_earlier(tmp_path) -> None:
    def line(ident: str, status: str) -> str:
        return json.dumps({"ident": ident, "status": status}) + "\n"

    first, later = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(
        line("settings/schema.py:1:0:compare:0", "killed")
        + line("settings/schema.py:2:0:compare:0", "survived")
        + line("estimate/model.py:3:0:constant:0", "snapshot-only")
        + line("policies/guardrails/x.py:4:0:drop-call:0", "survived")
    )
    later.write_text(line("settings/schema.py:2:0:compare:0", "killed"))
    rows = mutation.summary([first, later]).splitlines()
    assert rows[0].startswith("settings") and "2/2 killed" in rows[0]
    assert any(r.startswith("estimator") and "0/1 killed, snapshot-only 1" in r for r in rows)
    assert "survivor policies/guardrails/x.py:4:0:drop-call:0" in "\n".join(rows)
    assert rows[-1].split()[1:3] == ["2/4", "killed,"]


def test_a_match_is_widened_only_where_the_code_tests_equality_with_a_string() -> None:
    """'widen-match' turns `x == "a"` into a substring test; an order or inequality against a
    string has no wider form, so none is made for it (a mutant that is no realistic bug)."""
    source = 'def f(x):\n    return x == "a", x != "a", x < "a"\n'
    widened = [m.before for m in mutation.generate("m.py", source) if m.operator == "widen-match"]
    assert widened == ['x == "a"']


def test_an_equivalent_survivor_is_counted_apart_with_its_reason(tmp_path) -> None:
    """A survivor argued to change no behaviour is neither a kill nor a survivor: the row names
    it with its reason, so the kill rate over the rest can be read off."""
    results = tmp_path / "r.jsonl"
    results.write_text(
        json.dumps({"ident": "settings/a.py:1:0:compare:0", "status": "killed"})
        + "\n"
        + json.dumps(
            {"ident": "settings/a.py:2:0:widen-match:0", "status": "equivalent", "reason": "why"}
        )
        + "\n"
    )
    first = mutation.summary([results]).splitlines()
    assert "1/2 killed" in first[0] and "survived 0" in first[0] and "equivalent 1" in first[0]
    assert "    equivalent settings/a.py:2:0:widen-match:0: why" in first


def test_a_hand_written_mutant_replaces_its_snippet_where_it_occurs_once(tmp_path) -> None:
    """`--patches`: a record's `before` is replaced by its `after` in its file, and the mutant is
    named by its record number; a snippet found twice or not at all is refused (the record no
    longer says which line it breaks), as is one whose edit does not compile."""
    module = "settings/loader.py"
    text = (ROOT / module).read_text()
    before = "PROVIDER_CREDENTIAL_KEYS = frozenset("
    mutant = mutation.patched(3, {"file": module, "before": before, "after": "KEYS = frozenset("})
    assert mutant.ident == f"{module}:blind:3"
    assert mutant.text == text.replace(before, "KEYS = frozenset(")
    assert mutant.line == text[: text.index(before)].count("\n") + 1
    for missing in ("no such text in the module", "\n"):
        with pytest.raises(SystemExit, match="occurs"):
            mutation.patched(0, {"file": module, "before": missing, "after": ""})
    with pytest.raises(SyntaxError):
        mutation.patched(0, {"file": module, "before": before, "after": "KEYS = (("})


def _at_base(record: dict[str, Any]) -> str | None:
    """The record's file at the commit it was written against (None: not in this clone)."""
    shown = subprocess.run(
        ["git", "show", f"{record['base']}:{record['file']}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout if shown.returncode == 0 else None


def test_every_hand_written_mutant_applies_to_the_code_it_was_written_against() -> None:
    """Each record of a hand-written corpus names a snippet found once in its file at its base
    commit (later refactoring may move it: the runner then refuses the record), an edit that
    compiles, why it is a bug, and a module with a test selection. In a clone without that
    commit (a shallow checkout) the snippet cannot be looked up; the rest is still checked."""
    corpora = (ROOT / "docs" / "mutation").glob("sample-blind-*.jsonl")
    for corpus in sorted(c for c in corpora if not c.stem.endswith(("-first", "-after"))):
        for number, line in enumerate(corpus.read_text().splitlines()):
            record = json.loads(line)
            where = (corpus.name, number)
            assert record["why"] and record["before"] != record["after"], where
            assert re.fullmatch(r"[0-9a-f]{40}", record["base"]), where
            text = _at_base(record)
            if text is not None:
                mutation.patched(number, record, text)
            tests = record.get("tests") or mutation.selection_for(record["file"])
            assert tests and all((ROOT / t).exists() for t in tests), where


def test_a_module_outside_the_plan_is_checked_with_its_own_selection() -> None:
    database = mutation.selection_for("components/database.py")
    assert "tests/test_database.py" in database and "tests/test_policy_stacks.py" in database
    assert mutation.selection_for("estimate/pricers.py") == mutation.PLAN["estimate/pricers.py"][1]
    with pytest.raises(SystemExit, match="no test selection"):
        mutation.selection_for("README.md")


def test_a_test_that_fails_without_the_mutant_is_set_aside_not_counted_a_kill(tmp_path) -> None:
    """A test that fails in the copy whatever the code (it needs what the copy lacks) proves
    nothing about a mutant: it is run once unmutated, set aside, and the rest decides."""
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    (tmp_path / "test_m.py").write_text(
        "from m import f\n\n\ndef test_broken_anyway():\n    assert False\n\n\n"
        "def test_f():\n    assert f() == 1\n"
    )
    tests = ["test_m.py::test_broken_anyway", "test_m.py::test_f"]
    text = "def f():\n    return 1\n"
    mutant = mutation.Mutant("m.py", 2, 11, "patch", 0, "1", "2", text.replace("1", "2"))
    killed = mutation.run_mutant(tmp_path, mutant, tests, 120)
    assert killed.status == "killed" and killed.failed == ("test_m.py::test_f",)
    assert killed.failing_unmutated == ("test_m.py::test_broken_anyway",)
    assert (tmp_path / "m.py").read_text() == text  # the copy is left as it was


@pytest.mark.parametrize(
    ("expected", "worst", "budget", "over", "worst_over"),
    [
        (800.0, 1200.0, 1000.0, False, True),  # the worst month alone is over
        (800.0, 1000.0, 1000.0, False, False),  # at the budget is within it
        (1100.0, 1200.0, 1000.0, True, True),
        (1100.0, None, 1000.0, True, True),  # no worst month: the expected one is the worst
        (800.0, None, 1000.0, False, False),
        (800.0, 5000.0, None, False, False),  # no budget: nothing is over it
    ],
)
def test_the_worst_month_is_held_to_the_budget_apart_from_the_expected_one(
    expected: float, worst: float | None, budget: float | None, over: bool, worst_over: bool
) -> None:
    """The preview warns when the worst month the settings allow would pass the budget even
    while the expected month is within it (blind:47, the expected month judged twice)."""
    from types import SimpleNamespace

    from tools.offline.cost import CostReport

    month = SimpleNamespace(total=expected)
    worst_month = None if worst is None else SimpleNamespace(total=worst)
    report = CostReport(month, budget, worst=worst_month)  # type: ignore[arg-type]
    assert report.over_budget is over
    assert report.worst_over_budget is worst_over


@pytest.mark.parametrize(
    ("output", "shown"),
    [
        (lambda pulumi: pulumi.Output.secret("s3cr3t-value"), "[secret]"),
        (lambda pulumi: {"token": pulumi.Output.secret("s3cr3t-value")}, "[secret]"),
        (lambda pulumi: pulumi.Output.from_input("plain"), "plain"),
        (lambda pulumi: ["plain", 3], ["plain", 3]),
    ],
)
def test_a_secret_stack_output_stays_secret_to_the_report(output: Any, shown: Any) -> None:
    """A stack output made from a secret (directly or inside a structure) is recorded wrapped,
    so the preview prints and writes its mask, never the value; a plain one is shown as it is
    (blind:49, the wrapper dropped and the secret printed)."""
    import asyncio

    import pulumi

    from tools.offline.preview import mask_secrets
    from tools.offline.runner import _resolve

    async def record() -> Any:  # outputs belong to the loop they are made in
        return await _resolve(output(pulumi))

    recorded = asyncio.run(record())
    assert mask_secrets(recorded) == shown
    assert "s3cr3t-value" not in json.dumps(mask_secrets({"output": recorded}))
