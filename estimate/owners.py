"""The owners' three cost figures (seed-notes "Cost"), by the AWS services their bill shows.

"RDS Multi-AZ $100-200, ElastiCache $50-100, CloudWatch/X-Ray $20-50": each is compared with
the estimate's lines filed under the same Cost Explorer services. Where the program knowingly
spends beyond a figure, `beyond` names the lines and why (docs/cost.md repeats the reasons);
tests/test_cost_owners.py holds prod inside each range once those lines are set aside.
"""

from __future__ import annotations

from dataclasses import dataclass

from estimate.model import Category, CostLine, Estimate


@dataclass(frozen=True)
class Beyond:
    """Lines the program keeps although they take a figure past the owners' range, and why."""

    item: str
    """A substring of the lines' item (e.g. "Container Insights")."""
    why: str

    def matches(self, line: CostLine) -> bool:
        return self.item in line.item


@dataclass(frozen=True)
class OwnersFigure:
    label: str
    services: tuple[Category, ...]
    low: float
    high: float
    beyond: tuple[Beyond, ...] = ()

    @property
    def range(self) -> str:
        return f"${self.low:,.0f}-{self.high:,.0f}"

    def lines(self, estimate: Estimate) -> list[CostLine]:
        return [line for line in estimate.lines if line.category in self.services]

    def total(self, estimate: Estimate) -> float:
        return sum(line.monthly_usd for line in self.lines(estimate))

    def explained(self, estimate: Estimate) -> float:
        """The part of the total the `beyond` lines account for."""
        return sum(
            line.monthly_usd
            for line in self.lines(estimate)
            if any(b.matches(line) for b in self.beyond)
        )

    def verdict(self, estimate: Estimate) -> str:
        total = self.total(estimate)
        if total < self.low:
            return "below"
        if total <= self.high:
            return "within"
        rest = total - self.explained(estimate)
        return "over, explained" if self.beyond and rest <= self.high else "OVER"


OWNERS_FIGURES = (
    OwnersFigure("RDS Multi-AZ", ("Amazon Relational Database Service",), 100, 200),
    OwnersFigure("ElastiCache", ("Amazon ElastiCache",), 50, 100),
    OwnersFigure(
        "CloudWatch/X-Ray",
        ("AmazonCloudWatch", "AWS X-Ray"),
        20,
        50,
        beyond=(
            Beyond(
                "Container Insights",
                "enhanced Container Insights gives the task- and container-level metrics the "
                "runbooks read; the request scaling policy reads RunningTaskCount from it",
            ),
            Beyond(
                "flow log delivery",
                "VPC flow logs are the network's audit trail (who talked to what, kept for "
                "incidents); AWS bills their delivery to CloudWatch Logs as vended logs",
            ),
            Beyond(
                "RUM events",
                "the owners' Core Web Vitals target (LCP, CLS, INP) is measured by RUM on a "
                "sample of real page views (alarms.rumSampleRate)",
            ),
        ),
    ),
)
"""seed-notes "Cost (monthly, added)": RDS Multi-AZ $100-200, ElastiCache $50-100,
CloudWatch/X-Ray $20-50."""
