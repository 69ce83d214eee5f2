"""Run every deploy check over a stack run: one pass over the resources, dispatch by type."""

from __future__ import annotations

from foundation.records import StackRun
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import CHECKS_BY_TYPE, describe
from perfcheck_deploy.stack import stack_index

INTERNAL_ERROR_ID = describe(
    "deploycheck-internal-error",
    "a check failed on unexpected input; reported as a finding instead of a traceback",
)


def run_deploy_checks(run: StackRun, notes: bool = False) -> list[Finding]:
    """Every finding for the stack, in resource order; an empty list means nothing to refuse.

    A value unknown at preview is never flagged; a check that cannot judge it without the value
    says so with a `not_known` finding, kept only with `notes` (the pack prints them as notes).
    """
    index = stack_index(run)
    findings: list[Finding] = []
    for record in run.resources:
        for check in CHECKS_BY_TYPE.get(record.type, ()):
            try:
                findings.extend(check(record, index))
            except Exception as error:  # a check bug must not hide the other findings
                findings.append(
                    finding(
                        INTERNAL_ERROR_ID,
                        record,
                        "",
                        f"the deploy check {check.__module__}.{check.__name__} could not judge "
                        f"this resource ({type(error).__name__}: {error}).",
                        "Report this to the deploycheck maintainers with the resource inputs.",
                    )
                )
    return findings if notes else [f for f in findings if not f.unknown]
