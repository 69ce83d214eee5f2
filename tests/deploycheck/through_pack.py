"""The deploy checks as the engine runs them: the deploy pack through pulumi_policy's analyzer
interface (Analyze for every resource, then AnalyzeStack), findings read back from violations.

Every deploy test judges through this, so a check that no longer reaches the pack (its rule, its
message, its level) fails its own failing case.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from perfcheck_deploy import Finding

from foundation.records import StackRun
from tools.offline.policy_driver import MessageCache, PolicyViolation, evaluate_packs

DEPLOY = ("deploy",)

_MESSAGES = MessageCache()
"""The engine's messages for a record built once per session: a case edits a few records of the
captured program and shares the rest, record for record (conftest.ProgramStack copies on write),
so each evaluation builds the requests of the records it changed only."""


@functools.cache
def _defaults() -> Path:
    """A config directory without the deploy file: every rule at the pack's default level."""
    return Path(tempfile.mkdtemp(prefix="perfcheck-deploy-defaults-"))


def as_finding(violation: PolicyViolation) -> Finding:
    """A pack violation as the deploy check's finding (id, resource, property, AWS says, fix)."""
    where = f"{violation.type} '{violation.name}'" if violation.name else "stack"
    rest = violation.message.removeprefix(where)
    prop = ""
    if rest.startswith(" "):
        prop, _, rest = rest[1:].partition(": ")
    else:
        rest = rest.removeprefix(": ")
    aws_says, _, fix = rest.rpartition(" Fix: ")
    return Finding(
        check_id=violation.policy,
        urn=violation.urn,
        resource_name=violation.name,
        resource_type=violation.type,
        property_path=prop,
        aws_says=aws_says,
        fix=fix,
    )


def pack_findings(run: StackRun, config_dir: Path | None = None) -> list[Finding]:
    """Every deploy finding on `run` through the pack (mandatory and advisory alike)."""
    return pack_findings_and_notes(run, config_dir)[0]


def pack_findings_and_notes(
    run: StackRun, config_dir: Path | None = None
) -> tuple[list[Finding], list[tuple[str, str, str]]]:
    """The deploy findings on `run` through the pack, and its notes on values it could not
    judge at preview, each as (rule, resource name, message)."""
    report = evaluate_packs(
        run, run.stack or "prod", config_dir or _defaults(), packs=DEPLOY, cache=_MESSAGES
    )
    findings = [as_finding(v) for v in report.violations if v.pack == "perfcheck-deploy"]
    notes = [(n.policy, n.name, n.message) for n in report.diagnostics]
    return findings, notes
