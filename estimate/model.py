"""What an estimate is made of: priced lines, the resources it could not price, the totals.

Lines are filed under the AWS service the bill (Cost Explorer's SERVICE dimension) shows them
in, so the figures compare with what the owners will read on their bill: NAT gateways under
"EC2 - Other", flow-log delivery under CloudWatch (vended logs), public IPv4 under VPC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Kind = Literal["fixed", "usage"]
Category = Literal[
    "Amazon Relational Database Service",
    "Amazon ElastiCache",
    "AmazonCloudWatch",
    "AWS X-Ray",
    "Amazon Elastic Container Service",
    "AWS Lambda",
    "Amazon CloudFront",
    "AWS WAF",
    "Amazon Elastic Load Balancing",
    "EC2 - Other",
    "Amazon Virtual Private Cloud",
    "AWS Key Management Service",
    "AWS Secrets Manager",
    "Amazon Simple Storage Service",
    "Amazon EC2 Container Registry (ECR)",
]
"""Cost Explorer's service names (the SERVICE dimension), as the bill groups the charges."""
CATEGORIES: tuple[Category, ...] = get_args(Category)


@dataclass(frozen=True)
class Scenario:
    """Which month is priced: the expected one, the worst the settings allow, or one in year 3."""

    name: str
    title: str
    tasks: Literal["expected", "maximum"]
    """expected: the tasks the traffic needs (or the stated average); maximum: the scaling cap."""
    key_age_days: float | None
    """Days since the KMS keys were created (their rotations so far); None: as many as billed."""


EXPECTED = Scenario("expected", "expected month", "expected", 0)
WORST = Scenario("worst", "worst month (max tasks, deploy overlap, rotations)", "maximum", None)
YEAR_3 = Scenario("year3", "a month in year 3 (KMS keys rotated twice)", "expected", 730)


@dataclass(frozen=True)
class PricedResource:
    """The little the estimate needs of a resource: a record's or a policy resource's view."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    """URNs it depends on: finds e.g. a service's task definition while its ARN is unknown."""


@dataclass(frozen=True)
class CostLine:
    """One priced quantity: e.g. 730 instance-hours of db.t4g.medium at $0.144 (Multi-AZ)."""

    component: str
    resource: str
    type: str
    item: str
    kind: Kind
    category: Category
    quantity: float
    unit: str
    unit_usd: float
    price_keys: tuple[str, ...]

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_usd

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "resource": self.resource,
            "type": self.type,
            "item": self.item,
            "kind": self.kind,
            "category": self.category,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unitUsd": self.unit_usd,
            "monthlyUsd": round(self.monthly_usd, 2),
            "prices": list(self.price_keys),
        }


@dataclass(frozen=True)
class Unpriced:
    """A resource the estimate could not price, and why (no entry, a size not in the table)."""

    resource: str
    type: str
    reason: str
    urn: str = ""

    def __str__(self) -> str:
        return f"{self.type} {self.resource}: {self.reason}"


@dataclass(frozen=True)
class Estimate:
    lines: tuple[CostLine, ...]
    unpriced: tuple[Unpriced, ...]
    usage: Mapping[str, Any]
    region: str
    prices_read: str
    notes: tuple[str, ...] = field(default=())
    scenario: Scenario = EXPECTED

    @property
    def total(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    def total_of(self, kind: Kind) -> float:
        return sum(line.monthly_usd for line in self.lines if line.kind == kind)

    def by_component(self) -> list[tuple[str, float, float]]:
        """(component, fixed, usage) in order of first appearance."""
        totals: dict[str, list[float]] = {}
        for line in self.lines:
            pair = totals.setdefault(line.component, [0.0, 0.0])
            pair[0 if line.kind == "fixed" else 1] += line.monthly_usd
        return [(name, fixed, usage) for name, (fixed, usage) in totals.items()]

    def by_category(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.category] = totals.get(line.category, 0.0) + line.monthly_usd
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": "USD",
            "region": self.region,
            "pricesRead": self.prices_read,
            "scenario": self.scenario.name,
            "monthlyUsd": round(self.total, 2),
            "fixedUsd": round(self.total_of("fixed"), 2),
            "usageUsd": round(self.total_of("usage"), 2),
            "components": [
                {
                    "component": name,
                    "fixedUsd": round(fixed, 2),
                    "usageUsd": round(usage, 2),
                    "monthlyUsd": round(fixed + usage, 2),
                }
                for name, fixed, usage in self.by_component()
            ],
            "categories": {k: round(v, 2) for k, v in sorted(self.by_category().items())},
            "lines": [line.as_dict() for line in self.lines],
            "unpriced": [str(u) for u in self.unpriced],
            "usage": dict(self.usage),
            "notes": list(self.notes),
        }
