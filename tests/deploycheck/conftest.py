"""The stack the deploy checks judge, and the helpers that break one property of it at a time.

`program` is the real prod program run under the project's mocks, captured once per session
(tests/conftest.py): every case is a mutation of what the program really registers (a property
changed, a resource removed, renamed or added), so a check and a component cannot drift apart
unnoticed. A shape the program does not register (an HTTPS listener, an ACM certificate) is a
mutation that adds it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from perfcheck_deploy import Finding
from through_pack import pack_findings as run_deploy_checks

from foundation.records import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    ResourceRecord,
    StackRun,
)
from tools.offline.runner import cached_run

ACCOUNT = "123456789012"
REGION = "eu-west-1"

# Allowed ElastiCache AUTH characters; the synthetic token is generated, never written down.
AUTH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!&#$^<>-"


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def synthetic_token(length: int = 64, extra: str = "") -> str:
    chars = random.Random(length).choices(AUTH_ALPHABET, k=length - len(extra))
    return "".join(chars) + extra


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        return _unwrap(value["value"])
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class ProgramStack:
    """The captured prod program's records by logical name; edit some, then run the checks.

    Copy on write: a record is copied only when a test edits it, so a fresh stack costs nothing
    and the captured run is never changed. Test modules reach the value helpers through the
    stack (`b.arn(...)`, `b.secret(...)`) rather than importing this conftest.
    """

    ACCOUNT = ACCOUNT
    REGION = REGION
    TASK = "web-task"

    def __init__(self, run: StackRun) -> None:
        self.base = run
        self._records = {record.name: record for record in run.resources}
        if len(self._records) != len(run.resources):
            raise AssertionError("the captured program has two resources with one logical name")
        self._inputs: dict[str, dict[str, Any]] = {}
        self.touched: set[str] = set()
        """Logical names of the records this stack's edits changed, added or removed."""

    def findings(self) -> list[Finding]:
        return run_deploy_checks(self.run())

    @staticmethod
    def arn(service: str, resource: str, region: str = REGION) -> str:
        return arn(service, resource, region)

    @staticmethod
    def policy(*statements: dict[str, Any]) -> str:
        return policy(*statements)

    @staticmethod
    def secret(value: Any) -> dict[str, Any]:
        return secret(value)

    @staticmethod
    def token(length: int = 64, extra: str = "") -> str:
        return synthetic_token(length, extra)

    def __contains__(self, name: object) -> bool:
        return name in self._records

    def names(self, type_token: str) -> list[str]:
        return [name for name, record in self._records.items() if record.type == type_token]

    def record(self, name: str) -> ResourceRecord:
        if name not in self._records:
            raise KeyError(f"the prod program registers no resource named {name!r}")
        return self._records[name]

    def inputs(self, name: str) -> dict[str, Any]:
        """The record's inputs, copied on first use: edit them in place to break the resource."""
        if name not in self._inputs:
            self._inputs[name] = copy.deepcopy(dict(self.record(name).wire_inputs))
        self.touched.add(name)
        return self._inputs[name]

    def set(self, resource: str, /, **changes: Any) -> None:
        """Set (or, with None, remove) top-level inputs of one resource."""
        inputs = self.inputs(resource)
        for key, value in changes.items():
            if value is None:
                inputs.pop(key, None)
            else:
                inputs[key] = value

    def containers(self, name: str = TASK) -> list[dict[str, Any]]:
        return json.loads(self.inputs(name)["containerDefinitions"])

    def edit_containers(
        self, edit: Callable[[dict[str, dict[str, Any]]], None], name: str = TASK
    ) -> None:
        """Edit the task's containers by container name; they are re-serialised afterwards."""
        containers = self.containers(name)
        edit({c["name"]: c for c in containers})
        self.set(name, containerDefinitions=json.dumps(containers))

    def out(self, name: str, key: str = "id") -> Any:
        return self.record(name).outputs[key]

    def rename(self, old: str, new: str) -> None:
        """Give a resource another logical name (what Pulumi auto-names from)."""
        record = self.record(old)
        inputs = self.inputs(old)
        prefix = record.urn[: -len(old)]
        self._records = {
            (new if name == old else name): (
                dataclasses.replace(record, name=new, urn=prefix + new) if name == old else r
            )
            for name, r in self._records.items()
        }
        del self._inputs[old]
        self._inputs[new] = inputs
        self.touched |= {old, new}

    def remove(self, name: str) -> None:
        self.record(name)
        del self._records[name]
        self._inputs.pop(name, None)
        self.touched.add(name)

    def add(
        self,
        type_token: str,
        name: str,
        inputs: dict[str, Any],
        *,
        outputs: dict[str, Any] | None = None,
        parent: str | None = None,
        deps: dict[str, list[str]] | None = None,
    ) -> ResourceRecord:
        """A record the program does not register (a resource a mistake would add); `deps`:
        its property dependencies, by the logical names of the records they point at."""
        stack, project = self.base.stack, self.base.project
        provider = next(
            (r.provider for r in self.base.resources if r.provider and r.type.startswith("aws:")),
            None,
        )
        record = ResourceRecord(
            urn=f"urn:pulumi:{stack}::{project}::{type_token}::{name}",
            type=type_token,
            name=name,
            custom=True,
            wire_inputs={},
            outputs={**_unwrap(inputs), **(outputs or {})},
            parent=parent,
            provider=provider,
            property_dependencies={
                prop: tuple(self.record(n).urn for n in names)
                for prop, names in (deps or {}).items()
            },
            dependencies=tuple(
                self.record(n).urn for names in (deps or {}).values() for n in names
            ),
        )
        self._records[name] = record
        self._inputs[name] = inputs
        self.touched.add(name)
        return record

    def forget_dependencies(self, name: str, prop: str) -> None:
        """Drop what the engine recorded `prop` of `name` to depend on (a value typed in)."""
        record = self.record(name)
        deps = {k: v for k, v in record.property_dependencies.items() if k != prop}
        self._records[name] = dataclasses.replace(record, property_dependencies=deps)
        self.touched.add(name)

    def drop_outputs(self, name: str, *keys: str) -> None:
        """Outputs the engine does not know yet (a first preview's computed ids)."""
        record = self.record(name)
        outputs = {k: v for k, v in record.outputs.items() if k not in keys}
        self._records[name] = dataclasses.replace(record, outputs=outputs)
        self.touched.add(name)

    def run(self) -> StackRun:
        resources = []
        for name, record in self._records.items():
            if name in self._inputs:
                inputs = copy.deepcopy(self._inputs[name])
                kept = {k: v for k, v in record.outputs.items() if k not in record.wire_inputs}
                record = dataclasses.replace(
                    record, wire_inputs=inputs, outputs={**kept, **_unwrap(inputs)}
                )
            resources.append(record)
        return dataclasses.replace(self.base, resources=tuple(resources))


Edit = Callable[[ProgramStack], Any]


def disjoint_groups(program: ProgramStack, edits: dict[str, Edit]) -> list[list[str]]:
    """The names of `edits` grouped so that no two of a group touch one record.

    A group's edits are judged together, in one evaluation of the pack (the program has some
    240 resources: one evaluation per edit would cost several times a whole test file).
    """
    groups: list[tuple[set[str], list[str]]] = []
    for name, edit in edits.items():
        alone = ProgramStack(program.base)
        edit(alone)
        if not alone.touched:
            raise AssertionError(f"edit {name} changes nothing")
        group = next((g for g in groups if not g[0] & alone.touched), None)
        if group is None:
            groups.append((set(alone.touched), [name]))
        else:
            group[0].update(alone.touched)
            group[1].append(name)
    return [names for _, names in groups]


def findings_of_groups(program: ProgramStack, edits: dict[str, Edit]) -> list[str]:
    """Every finding on the program with each group of `edits` applied, named by its group."""
    found = []
    for names in disjoint_groups(program, edits):
        stack = ProgramStack(program.base)
        for name in names:
            edits[name](stack)
        found += [f"{names}: {f}" for f in stack.findings()]
    return found


@pytest.fixture
def program() -> Iterator[ProgramStack]:
    """A fresh copy-on-write view of the real prod program (run once per session)."""
    yield ProgramStack(cached_run("prod"))  # a missing Pulumi.prod.yaml skips (tests/conftest.py)
