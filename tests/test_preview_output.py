"""The preview's report and its entry points: read at 100 columns, and fail with a message.

Properties: the verdict is the first line and the last; no line is wider than the terminal;
words are never cut when they fit on a line; numbers carry no exponent; an output path that
cannot be written is refused before the run (exit 4); a closed pipe ends the run quietly (141);
the command run by its file path or outside the virtualenv says what to do, with no traceback.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tools.offline import preview, render
from tools.offline.runner import ROOT

PYTHON = str(ROOT / ".venv" / "bin" / "python")


@pytest.mark.parametrize("width", [100, 80])
def test_the_prod_report_fits_the_terminal_with_the_verdict_first_and_last(
    width: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    assert preview.main(["--stack", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    wide = [line for line in lines if len(line) > width]
    assert wide == [], wide[:3]
    assert lines[0].startswith("Result: OK") and lines[-1] == lines[0]
    assert sum(line.startswith("Result:") for line in lines) == 2
    assert not [line for line in lines if re.search(r"\d[eE][+-]\d", line)]


def test_the_prod_report_in_a_100_column_pty_ends_with_the_verdict() -> None:
    """The terminal's own size (TIOCGWINSZ), as a person running `make preview` has it."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [PYTHON, "-m", "tools.offline.preview", "--stack", "prod"],
        cwd=ROOT, stdout=follower, stderr=follower, env=env,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=300) == 0
    lines = b"".join(chunks).decode().replace("\r\n", "\n").rstrip("\n").split("\n")
    assert max(len(line) for line in lines) <= 100
    assert lines[-1].startswith("Result: OK - stack 'prod'")
    assert "Traceback" not in "\n".join(lines)


def test_wrapping_keeps_words_whole_and_breaks_a_long_word_after_punctuation() -> None:
    text = "alarms.notificationEmails is empty, so alarm notifications reach nobody " * 3
    lines = render.wrap(text, 40, "  ", "    ")
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(line.strip() for line in lines) == text.strip()  # no word was cut
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/nextjs@sha256:" + "a" * 64
    pieces = render.wrap(f"images: {image}", 80, "  ", "      ")
    assert all(len(line) <= 80 for line in pieces)
    assert pieces[1].endswith("@sha256:") and pieces[2].strip() == "a" * 64
    assert render.wrap("short", 80) == ["short"]


def test_a_long_note_is_shortened_and_says_where_the_full_text_is() -> None:
    note = "exempted (urn:pulumi:prod::perfcheck::x$y::z) because " + "reason " * 200
    short = render.shorten(note, 100)
    assert len(short) < len(note) and short.endswith(render.MORE)
    assert "urn:pulumi" not in short
    assert render.shorten("a short note", 100) == "a short note"


def test_the_verdict_is_one_line_for_the_longest_stack_name_down_to_80_columns() -> None:
    from types import SimpleNamespace

    run = SimpleNamespace(stack="s" * 20, resources=[None] * 9999)
    results = [SimpleNamespace(blocking=["x"] * 999, advisory=["y"] * 999)]
    for width in (100, render.NARROWEST):
        line = render.verdict(run, results, 999.99, width)  # type: ignore[arg-type]
        assert line.startswith("Result: FAILED") and len(line) <= width
        assert "999 blocking" in line
    assert render.verdict(run, results, 999.99, 100).endswith("999.99 s")  # all of it at 100


@pytest.mark.parametrize(
    ("option", "make_path", "expected"),
    [
        ("--json", lambda tmp: tmp, "is a directory"),
        ("--markdown", lambda tmp: tmp / "file.txt" / "report.md", "is a file, not a directory"),
    ],
)
def test_an_unwritable_output_is_refused_before_the_run(
    option: str,
    make_path,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "file.txt").write_text("x")

    def must_not_run(*_: object, **__: object) -> None:
        raise AssertionError("the preview ran before the output path was checked")

    monkeypatch.setattr(preview, "checked_preview", must_not_run)
    path = make_path(tmp_path)
    assert preview.main(["--stack", "staging", option, str(path)]) == preview.EXIT_OUTPUT == 4
    err = capsys.readouterr().err
    assert err.startswith(f"{option} {path}: ") and expected in err
    assert "Traceback" not in err


def test_a_new_output_file_is_not_left_behind_by_the_check(tmp_path: Path) -> None:
    target = tmp_path / "deeper" / "preview.json"
    assert preview.output_problem("--json", target) is None
    assert not target.exists() and target.parent.is_dir()


def test_a_reader_that_closes_the_pipe_ends_the_preview_quietly() -> None:
    process = subprocess.Popen(
        [PYTHON, "-m", "tools.offline.preview", "--stack", "staging"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| head` that has read all it wants: every write is EPIPE
    err = process.stderr.read().decode()
    assert process.wait(timeout=300) == preview.EXIT_PIPE_CLOSED == 141
    assert err == ""


def test_the_preview_run_by_its_file_path_works_like_the_module() -> None:
    result = subprocess.run(
        [PYTHON, "tools/offline/preview.py", "--stack", "no-such-stack"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("unknown stack 'no-such-stack'")


def test_a_tool_run_without_the_virtualenv_says_how_to_run_it() -> None:
    """`python -m tools...` with a Python that lacks the packages (-S: no site-packages)."""
    result = subprocess.run(
        [sys.executable, "-S", "-m", "tools.offline.preview", "--stack", "prod"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "lacks the project's packages" in result.stderr and ".venv/bin/python -m" in result.stderr
    )


def test_the_pull_request_comment_shows_program_warnings_and_exemptions(staging) -> None:
    from tools.offline.markdown import render_markdown

    result = preview.StageResult(
        "Policy packs", notes=["rule-x: [exempted] 'cdn' because <no domain>\nyet"]
    )
    warning = "perfcheck-staging: alarms.notificationEmails is empty, so alarms reach nobody"
    markdown = render_markdown(staging, [result], [warning])
    assert f"- :warning: {warning}" in markdown
    assert "- rule-x: [exempted] 'cdn' because &lt;no domain&gt; yet" in markdown
    assert "Notes: exemptions and their reasons (1)" in markdown
    assert "Program warnings" not in render_markdown(staging, [preview.StageResult("x")])
