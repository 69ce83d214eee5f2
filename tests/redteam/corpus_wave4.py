"""Wave 4 (blind): the members of wave4_members run as one real Pulumi program under the mocks.

Each member becomes a Program for the harness: its records are those whose logical names start
with the member's name. One program run registers every member (two runs: most members under
the project's cost-tag transform, as the real program does; the tag members without it), so
secrets, outputs and nested inputs go through the SDK's real serialisation.

First run (19:33 UTC 2026-12-07, main at b372b3e, before any fix; prod config less exemptions,
`python -m tests.redteam.score -v tests.redteam.corpus_wave4`):
  packs:   bad caught 113/125 (103/125 by a rule other than the fail-closed type rule);
           good flagged 4/36 (1 of them by the type rule: aws:s3/bucketVersioning unreviewed).
           Missed: hollow 4 (ECR scan MANUAL, alarm actions disabled, 1000-day rotation, target
           group health check off), cost 6 (p5, MSK m5.24xlarge, annual budget, io2 64k IOPS,
           500 shards, r6g.12xlarge search), exposure 1 (trust policy Principal AWS *),
           transport 1 (EFS volume transit encryption DISABLED). Flagged: Sentry DSN,
           PASSWORD_POLICY, encrypted root from the launch template, bucket versioning (type).
  checkov 3.3.30 on the same programs (tfplan rendering, any failed check counts):
           bad caught 71/125, good flagged 11/36.
Corpus errors found after the first run (fixed in the corpus, not in the packs): the Sentry DSN
member had a 16-hex key (Sentry's are 32), and the annual budget beside the monthly one is not a
defect (reclassified good: the issue's class is the estimate judged against another period's
budget, which the cost pack already refuses). Now 124 bad, 37 good.

After the phase-2 fixes (20:57 UTC, main merged at e196251): bad caught 118/124 (115 by a rule
other than the type rule), good flagged 0/37; checkov 71/124 and 11/37. Left: the five unpriced
costly types (the cost pack's class, engineer redteam's fix) and the contested ECR MANUAL member.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pulumi

from foundation.records import ResourceRecord
from tests.redteam.programs import STACK, TAGS, Program
from tests.redteam.wave4_members import MEMBERS, Member


def _program(members: list[Member], tagged: bool) -> None:
    import pulumi_aws as aws

    from components.tagging import apply_cost_tags

    if tagged:
        apply_cost_tags(TAGS)
    provider = aws.Provider("wave4", region="eu-west-1", default_tags={"tags": TAGS})

    def opts() -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(provider=provider)

    for member in members:
        member.register(member.name, opts)


@functools.cache
def captured() -> tuple[ResourceRecord, ...]:
    """Every member's records, from one run per tagging mode."""
    from tools.offline.runner import run_program

    records: list[ResourceRecord] = []
    for tagged in (True, False):
        members = [m for m in MEMBERS if m.tagged is tagged]
        run = run_program(
            lambda members=members, tagged=tagged: _program(members, tagged),
            stack=STACK,
            config={"aws:region": "eu-west-1"},
        )
        records.extend(run.resources)
    return tuple(records)


def owner(name: str) -> str | None:
    """The member a logical name belongs to (the longest member name it starts with)."""
    matches = [m.name for m in MEMBERS if name == m.name or name.startswith(m.name + "-")]
    return max(matches, key=len) if matches else None


@functools.cache
def _records_by_owner() -> dict[str | None, dict[str, ResourceRecord]]:
    """The captured records grouped by member once (looking each member's up across every record
    cost a few seconds of CPU per worker: members x records x members)."""
    grouped: dict[str | None, dict[str, ResourceRecord]] = {}
    for record in captured():
        grouped.setdefault(owner(record.name), {})[record.name] = record
    return grouped


def records_of(member: str) -> dict[str, ResourceRecord]:
    return dict(_records_by_owner().get(member, {}))


def _program_of(member: Member) -> Program:
    def build(_stack: Mapping[str, ResourceRecord]) -> dict[str, ResourceRecord]:
        return records_of(member.name)

    return Program(member.name, member.klass, member.bad, build)


BAD = [_program_of(m) for m in MEMBERS if m.bad]
GOOD = [_program_of(m) for m in MEMBERS if not m.bad]
PROGRAMS = [*BAD, *GOOD]
