"""Every resource of the pack tests, rewritten in each spelling the provider accepts, keeps its
verdict.

pulumi-aws decodes `containerDefinitions` with Go's encoding/json into the AWS SDK's structs: keys
match fields case-insensitively and the last of two keys reaching one field wins; a listener's
protocol is accepted in any case (upper-cased) and defaults to HTTP when omitted; ECS fills in
`essential: true` and `privileged: false`. A rule that reads one spelling of five is bypassed by
the other four, so each compliant and non-compliant case of test_policy_rules is run again with
its resources respelled, and must find exactly the same (policy, resource) violations.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from foundation.records import ResourceRecord
from tests.policies.builders import replace
from tests.policies.support import OnProgram, on_program, program_records, run_case
from tests.policies.test_policy_rules import COMPLIANT_VARIANTS, NONCOMPLIANT
from tools.offline.policy_driver import PolicyReport, load_pack

load_pack("guardrails")  # puts the kit on sys.path
from foundation.ecs_container_shape import CONTAINER_DEFINITION  # noqa: E402

R = Mapping[str, ResourceRecord]
LISTENERS = {"aws:lb/listener:Listener", "aws:alb/listener:Listener"}
TASK = "aws:ecs/taskDefinition:TaskDefinition"


class Pairs(list):  # type: ignore[type-arg]
    """A JSON object written as (key, value) pairs, so a key may appear twice."""


def dump(value: Any) -> str:
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value) + "}"
    if isinstance(value, dict):
        return dump(Pairs(value.items()))
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    return json.dumps(value)


def _decoy(key: str, value: Any) -> Any:
    """A value that would flip a rule reading the first of two keys instead of the last."""
    if isinstance(value, bool):
        return not value
    if key == "user":
        return "1000:1000" if str(value).lstrip("+-0") in ("", ":0", "root") else "0"
    if key == "image":
        return "busybox:1.36" if "postgres" in str(value) else "postgres:16"
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    if isinstance(value, int | float):
        return 0
    return "root" if isinstance(value, str) else value


def respell(value: Any, shape: Any, style: str) -> Any:
    """A container definition value rewritten in `style`, structure keys only (map keys are
    data: kept)."""
    if isinstance(value, list):
        return [respell(v, shape, style) for v in value]
    if not isinstance(value, dict):
        return value
    if not isinstance(shape, dict):
        return dict(value)  # a map: its keys are data
    out = Pairs()
    for index, (key, item) in enumerate(value.items()):
        child = shape.get(key)
        new = respell(item, child, style)
        if style == "key-case":
            out.append((key.upper() if index % 2 else key[0].upper() + key[1:], new))
        elif style == "duplicate-keys":
            out.append((key, _decoy(key, item)))
            out.append((key.upper(), new))
        elif style == "omitted-defaults":
            if (key, item) in (("essential", True), ("privileged", False), ("readOnly", False)):
                continue
            out.append((key, new))
        elif style == "enum-case":
            if key in ("condition", "protocol") and isinstance(new, str):
                new = new.lower() if key == "condition" else new.upper()
            out.append((key, new))
        else:
            raise ValueError(style)
    return out


def applies(rec: ResourceRecord, style: str) -> bool:
    """Whether `style` has something to rewrite in the record (decided without rewriting it:
    the test's parameters are collected in every worker)."""
    if rec.type == TASK and isinstance(rec.wire_inputs.get("containerDefinitions"), str):
        return style != "enum-case" or "condition" in rec.wire_inputs["containerDefinitions"]
    if rec.type in LISTENERS:
        protocol = rec.wire_inputs.get("protocol")
        return (style == "enum-case" and isinstance(protocol, str)) or (
            style == "omitted-defaults" and protocol == "HTTP"
        )
    return False


def rewrite(rec: ResourceRecord, style: str) -> ResourceRecord | None:
    """The record in `style`, or None when the style does not apply to it."""
    if not applies(rec, style):
        return None
    if rec.type == TASK:
        containers = json.loads(rec.wire_inputs["containerDefinitions"])
        text = dump(respell(containers, CONTAINER_DEFINITION, style))
        return replace(rec, containerDefinitions=text)
    if style == "enum-case":
        return replace(rec, protocol=rec.wire_inputs["protocol"].lower())
    return replace(rec, drop=["protocol"])


STYLES = ("key-case", "duplicate-keys", "enum-case", "omitted-defaults")
Changes = Callable[[R], dict[str, ResourceRecord | None]]


def _touched(changes: Changes) -> dict[str, ResourceRecord]:
    """The program's resources `changes` adds or changes, by logical name (all of them for a
    case that only removes)."""
    base = program_records()
    applied = on_program(changes)(base)
    touched = {name: rec for name, rec in applied.items() if rec is not None}
    return touched or base


def _respelled(changes: Changes, style: str) -> Changes | None:
    """`changes` with every resource it adds or changes respelled; None when nothing changes."""
    rewritten = {name: rewrite(rec, style) for name, rec in _touched(changes).items()}
    rewritten = {name: rec for name, rec in rewritten.items() if rec is not None}
    if not rewritten:
        return None
    program = on_program(changes)
    return OnProgram(lambda r: {**program(r), **rewritten})


def _verdict(report: PolicyReport) -> set[tuple[str, str, str]]:
    return {(v.policy, v.urn, v.enforcement_level) for v in report.violations}


def _base_verdict(changes: Changes) -> set[tuple[str, str, str]]:
    """The case's verdict as written (run_case evaluates a case once per session: shared by its
    four spellings and by test_policy_rules)."""
    return _verdict(run_case(changes))


@functools.cache
def _cases() -> list[Any]:
    cases: list[Any] = [
        pytest.param(lambda r: {}, style, id=f"program:{style}") for style in STYLES
    ]
    for case in NONCOMPLIANT:
        for style in STYLES:
            cases.append(pytest.param(case.changes, style, id=f"{case.policy}:{case.id}:{style}"))
    for variant in COMPLIANT_VARIANTS:
        for style in STYLES:
            cases.append(
                pytest.param(variant.changes, style, id=f"ok:{variant.policy}:{variant.id}:{style}")
            )
    return [
        c for c in cases if any(applies(rec, c.values[1]) for rec in _touched(c.values[0]).values())
    ]


@pytest.mark.parametrize("changes,style", _cases())
def test_respelled_resources_keep_their_verdict(changes: Changes, style: str) -> None:
    expected = _base_verdict(changes)
    respelled = _respelled(changes, style)
    assert respelled is not None
    assert _verdict(run_case(respelled)) == expected


def test_respelling_is_not_a_no_op() -> None:
    """The rewrites do reach the wire: a root user hidden behind a decoy is still found, and a
    rule reading only the canonical key would have missed the upper-cased one."""
    text = rewrite(program_records()["web-task"], "duplicate-keys")
    assert text is not None
    raw = text.wire_inputs["containerDefinitions"]
    assert '"user": "0", "USER": "1001:1001"' in raw
    assert len(_cases()) > 150
