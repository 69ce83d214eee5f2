"""The preview's text report, laid out for a terminal of 100 columns (or the one it runs in).

The verdict is the first line and the last, so it is seen whether the reader looks at the top
or the bottom (or pipes the report to `tail -1`). No line is wider than the width: long lines wrap
at word boundaries (a word longer than a line breaks after `/`, `@`, `:`, `,`, `=` or `-`),
long notes are shortened with their full text in the JSON (`--json`), numbers read as a person
writes them (10,000,000, not 1e+07).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Sequence
from typing import Any

from foundation.records import StackRun, type_counts
from tools.offline.endpoint_report import render_endpoint_callers

DEFAULT_WIDTH = 100
"""The widest report: at most this many columns, even in a wider terminal."""
NARROWEST = 80
"""The narrowest report: a terminal under 80 columns gets 80 (the verdict needs 73 at most)."""
NOTE_LINES = 4
"""A note longer than this many lines is shortened; the JSON keeps its full text."""
MORE = " … (full text in the JSON: --json FILE)"


def terminal_width() -> int:
    """The terminal's width (COLUMNS first), at most DEFAULT_WIDTH; DEFAULT_WIDTH when piped."""
    columns = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(NARROWEST, min(columns, DEFAULT_WIDTH))


_URN = re.compile(r" \(urn:pulumi:[^\s)]*\)")
_BREAK_AFTER = re.compile(r"(?<=[/@:,=-])")


def _pieces(word: str, room: int) -> list[str]:
    """A word that fits, or the word broken after punctuation into pieces that do."""
    if len(word) <= room:
        return [word]
    pieces: list[str] = []
    current = ""
    for part in (p for p in _BREAK_AFTER.split(word) if p):
        if current and len(current) + len(part) > room:
            pieces.append(current)
            current = ""
        while len(part) > room:  # no punctuation to break at: the one place a cut is allowed
            pieces.append(part[:room])
            part = part[room:]
        current += part
    return [*pieces, current] if current else pieces


def wrap(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """`text` after `indent`, in lines of at most `width`; continuation lines start with `hang`."""
    if len(indent) + len(text) <= width:
        return [indent + text]
    hang = indent + "    " if hang is None else hang
    lines: list[str] = []
    current = indent
    fresh = True
    for word in text.split():
        prefix = current if fresh else current + " "
        if len(prefix) + len(word) <= width:
            current, fresh = prefix + word, False
            continue
        if not fresh:
            lines.append(current)
            current, fresh = hang, True
        room = max(width - len(current), 1)
        *full, last = _pieces(word, room)
        for piece in full:
            lines.append(current + piece)
            current = hang
        current, fresh = current + last, False
    lines.append(current)
    return lines


def shorten(text: str, width: int, lines: int = NOTE_LINES) -> str:
    """`text`, or its beginning (at a word boundary) with MORE, to fit in `lines` wrapped lines."""
    text = _URN.sub("", text)  # the JSON has them; here they are a line each of noise
    limit = lines * (width - 16) - len(MORE)
    if len(text) <= limit + len(MORE):
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;") + MORE


def tree_lines(run: StackRun, width: int) -> list[str]:
    """The component -> children tree, in registration order; a wide entry puts its name below."""
    children: dict[str | None, list[Any]] = {}
    urns = {r.urn for r in run.resources}
    for record in run.resources:
        parent = record.parent if record.parent in urns else None
        children.setdefault(parent, []).append(record)
    lines = [f"pulumi:pulumi:Stack {run.project}-{run.stack}"]

    def walk(parent: str | None, indent: str) -> None:
        items = children.get(parent, [])
        for index, record in enumerate(items):
            last = index == len(items) - 1
            below = indent + ("   " if last else "│  ")
            flags = " [protect]" if record.protect else ""
            line = f"{indent}{'└─ ' if last else '├─ '}{record.type}  {record.name}{flags}"
            if len(line) <= width:
                lines.append(line)
            else:
                stem = below + ("│  " if children.get(record.urn) else "   ") + "   "
                lines.extend(wrap(record.type, width, f"{indent}{'└─ ' if last else '├─ '}", stem))
                lines.extend(wrap(f"{record.name}{flags}", width, stem, stem))
            walk(record.urn, below)

    walk(None, "   ")
    return lines


def verdict(run: StackRun, results: Sequence[Any], seconds: float, width: int = 100) -> str:
    """One line: OK or FAILED, the stack, the counts, the time; details dropped to fit `width`."""
    blocking = sum(len(r.blocking) for r in results)
    advisory = sum(len(r.advisory) for r in results)
    head = f"Result: {'OK' if blocking == 0 else 'FAILED'} - stack '{run.stack}'"
    parts = [f"{blocking} blocking", f"{advisory} advisory"]
    optional = [f"{len(run.resources)} resources", f"{seconds:.2f} s"]
    line = ", ".join([head, optional[0], *parts, optional[1]])
    while len(line) > width and optional:
        optional.pop()  # the time first, then the resource count
        line = ", ".join([head, *optional, *parts])
    return line


def stage_lines(result: Any, width: int) -> list[str]:
    """One judging stage: its counts, its grouped findings, its notes (long ones shortened)."""
    lines = [f"{result.name}: {len(result.blocking)} blocking, {len(result.advisory)} advisory"]
    if result.groups:
        for group in result.groups:
            tag = "[mandatory]" if group.level == "mandatory" else "[advisory] "
            first, *rest = group.lines()
            lines += wrap(first, width, f"  {tag} ", "  " + " " * len(tag) + "     ")
            for line in rest:
                body = line.lstrip(" ")
                indent = "  " + " " * len(tag) + " " + line[: len(line) - len(body)]
                lines += wrap(body, width, indent, indent + "    ")
    else:
        for line in result.blocking:
            lines += wrap(line, width, "  [mandatory] ", " " * 16)
        for line in result.advisory:
            lines += wrap(line, width, "  [advisory]  ", " " * 16)
    for note in result.notes:
        lines += wrap(shorten(str(note), width), width, "  [note]      ", " " * 16)
    return lines


def report_lines(
    run: StackRun,
    results: Sequence[Any],
    seconds: float,
    *,
    outputs: dict[str, Any],
    warnings: Iterable[str] = (),
    cost: Iterable[str] = (),
    width: int | None = None,
) -> list[str]:
    """The whole text report: verdict, tree, counts, outputs, findings, cost, verdict."""
    width = width or terminal_width()
    result = verdict(run, results, seconds, width)
    lines = [
        result,
        f"perfcheck offline preview - stack '{run.stack}' (Pulumi mocks, no cloud)",
        "",
        f"Resources to create: {len(run.resources)}",
        *tree_lines(run, width),
        "",
        "By type:",
    ]
    for type_token, count in type_counts(run):
        lines += wrap(f"{count:4d}  {type_token}", width, "  ")
    lines += ["", "Outputs:"]
    for name, value in sorted(outputs.items()):
        lines += wrap(f"{name}: {json.dumps(value)}", width, "  ", "      ")
    warned = list(warnings)
    if warned:
        lines += ["", "Program warnings:"]
        for warning in warned:
            lines += wrap(shorten(warning, width), width, "  [warning]   ", " " * 16)
    for stage in results:
        lines += ["", *stage_lines(stage, width)]
    for section in (render_endpoint_callers(run), list(cost)):
        if section:
            lines.append("")
        for line in section:  # each line wrapped under its own indent
            body = line.lstrip(" ")
            indent = line[: len(line) - len(body)]
            lines += wrap(body, width, indent, indent + "    ")
    lines += ["", result]
    return lines
