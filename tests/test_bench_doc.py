"""docs/performance.md's "Figures today" table is generated from docs/bench.json and current."""

from __future__ import annotations

import json

from foundation.records import StackRun
from tools.bench import doc


def _result() -> dict:
    return json.loads(doc.RESULT.read_text())


def test_the_table_in_the_document_is_the_one_generated_from_the_kept_result() -> None:
    text = doc.DOCUMENT.read_text()
    start, end = text.index(doc.START), text.index(doc.END) + len(doc.END)
    assert text[start:end] == doc.block(_result()), (
        "docs/performance.md was edited by hand or docs/bench.json changed: run `make regen`"
    )


def test_the_kept_result_was_measured_on_the_program_as_it_is(
    staging: StackRun, prod: StackRun
) -> None:
    sizes = {
        figure["name"].split(":")[0]: figure["size"]
        for figure in _result()["figures"]
        if figure["group"] == "stages" and figure["size"]
    }
    assert sizes == {"staging": len(staging.resources), "prod": len(prod.resources)}, (
        "the program's resource counts changed since the figures in docs/performance.md were "
        "measured: run `make regen` (it times the stages again and merges them)"
    )


def test_replacing_the_block_keeps_the_rest_of_the_document() -> None:
    text = f"intro\n{doc.START}\nold\n{doc.END}\noutro\n"
    assert doc.replace_block(text, "NEW") == "intro\nNEW\noutro\n"


def test_results_measured_in_two_steps_merge_into_one_table() -> None:
    first = {
        "machine": {"nproc": 2},
        "settings": {"repeats": 3, "test_repeats": 1},
        "figures": [
            {"group": "preview", "name": "a", "runs": [1.0]},
            {"group": "tests", "name": "pytest (stale)", "runs": [9.0]},
        ],
    }
    second = {
        "machine": {},
        "settings": {},
        "figures": [{"group": "tests", "name": "t", "runs": [2.0]}],
    }
    result = doc.merged([first, second])
    assert [f["name"] for f in result["figures"]] == ["a", "t"]
    assert result["machine"] == {"nproc": 2}
