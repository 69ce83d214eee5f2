"""A deploy-check finding: one thing AWS (or the provider before it) would refuse at `pulumi up`."""

from __future__ import annotations

from dataclasses import dataclass

from foundation.records import ResourceRecord


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Finding:
    """Which resource, which property, what AWS would say, and how to fix it."""

    check_id: str
    urn: str
    resource_name: str
    resource_type: str
    property_path: str
    aws_says: str
    fix: str
    unknown: bool = False
    """Not a refusal: the value is not known until the update runs, which judges it (the pack
    prints the kit's note at preview; `run_deploy_checks` leaves these out unless asked)."""

    def __str__(self) -> str:
        where = f"{self.resource_type} '{self.resource_name}'"
        prop = f" {self.property_path}" if self.property_path else ""
        return _one_line(f"[{self.check_id}] {where}{prop}: {self.aws_says} Fix: {self.fix}")


def finding(
    check_id: str, record: ResourceRecord, property_path: str, aws_says: str, fix: str
) -> Finding:
    """A finding about one resource; the texts are kept on one line."""
    return Finding(
        check_id=check_id,
        urn=record.urn,
        resource_name=record.name,
        resource_type=record.type,
        property_path=property_path,
        aws_says=_one_line(aws_says),
        fix=_one_line(fix),
    )


def not_known(check_id: str, record: ResourceRecord, property_path: str) -> Finding:
    """The check cannot judge `property_path` at preview (an unknown value): a note, never a pass
    in silence; the update, which knows the value, judges it."""
    return Finding(
        check_id=check_id,
        urn=record.urn,
        resource_name=record.name,
        resource_type=record.type,
        property_path=property_path,
        aws_says="not known until the update runs; judged then.",
        fix="",
        unknown=True,
    )
