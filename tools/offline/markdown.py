"""The offline preview as Markdown, for a pull-request comment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from foundation.records import StackRun, type_counts


def render_markdown(run: StackRun, results: Sequence[Any], warnings: Sequence[str] = ()) -> str:
    """The pull-request comment: verdict, stages, findings, and what a reviewer must not miss.

    The program's warnings (alarms that reach nobody, ...) and each stage's notes (exemptions
    with their reasons, stale exemptions) are listed, not hidden: they are decisions to review.
    """
    blocking = sum(len(r.blocking) for r in results)
    status = "passed" if blocking == 0 else f"**failed** ({blocking} blocking)"
    lines = [
        f"### Offline preview: `{run.stack}` {status}",
        "",
        f"{len(run.resources)} resources would be created.",
        "",
        "| Stage | Blocking | Advisory |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {r.name} | {len(r.blocking)} | {len(r.advisory)} |" for r in results]
    if warnings:
        lines += ["", "**Program warnings**", ""]
        lines += [f"- :warning: {_escape(warning)}" for warning in warnings]
    notes = [note for result in results for note in getattr(result, "notes", ())]
    if notes:
        lines += ["", f"<details><summary>Notes: exemptions and their reasons ({len(notes)})"
                  "</summary>", ""]  # fmt: skip
        lines += [f"- {_escape(str(note))}" for note in notes]
        lines += ["", "</details>"]
    for result in results:
        if result.blocking or result.advisory:
            lines += ["", f"<details><summary>{result.name}</summary>", ""]
            groups = getattr(result, "groups", None)
            if groups:
                lines += [_group_line(group) for group in groups]
            else:
                lines += [f"- :x: {line}" for line in result.blocking]
                lines += [f"- :warning: {line}" for line in result.advisory]
            lines += ["", "</details>"]
    lines += [
        "",
        "<details><summary>Resources by type</summary>",
        "",
        "| Count | Type |",
        "| ---: | --- |",
    ]
    lines += [f"| {count} | `{type_token}` |" for type_token, count in type_counts(run)]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """One list item: no line break, no HTML tag the comment would render."""
    return " ".join(text.split()).replace("<", "&lt;").replace(">", "&gt;")


def _group_line(group: Any) -> str:
    """One rule: its root causes with a count and a few resources, then the fix."""
    icon = ":x:" if group.level == "mandatory" else ":warning:"
    causes = []
    for cause in group.causes:
        names = ", ".join(f"`{name}`" for name in cause.resources[:5])
        more = f" +{cause.count - 5} more" if cause.count > 5 else ""
        causes.append(f"{cause.message} (x{cause.count}: {names}{more})")
    return f"- {icon} **{group.source}**: " + "<br>".join([*causes, f"fix: {group.fix}"])


def render_failure_markdown(stack: str, message: str) -> str:
    """The comment when the preview could not judge the stack: the message, what to edit."""
    return f"### Offline preview: `{stack}` **failed**\n\n```\n{message}\n```\n"
