"""The owners' three figures against what their bill will show, by Cost Explorer's services.

seed-notes "Cost": RDS Multi-AZ $100-200, ElastiCache $50-100, CloudWatch/X-Ray $20-50. The bill
groups charges by AWS service, not by the program's components: flow-log delivery is
CloudWatch (vended logs), NAT is "EC2 - Other", the RDS-managed secret is Secrets Manager.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from estimate import CostLine, Estimate
from estimate.model import CATEGORIES
from estimate.owners import OWNERS_FIGURES, Beyond, OwnersFigure
from foundation.records import StackRun
from foundation.usage import UsageAssumptions, reason_of
from settings.schema import UsageSettings
from tools.offline.cost import cost_report

ROOT = Path(__file__).resolve().parent.parent
COST_DOC = (ROOT / "docs" / "cost.md").read_text()


def test_the_owners_figures_are_the_seed_notes_ranges() -> None:
    """RDS Multi-AZ $100-200, ElastiCache $50-100, CloudWatch/X-Ray $20-50 (seed-notes)."""
    ranges = {f.label: (f.low, f.high) for f in OWNERS_FIGURES}
    assert ranges == {
        "RDS Multi-AZ": (100, 200),
        "ElastiCache": (50, 100),
        "CloudWatch/X-Ray": (20, 50),
    }
    assert {s for f in OWNERS_FIGURES for s in f.services} <= set(CATEGORIES)


def test_prod_is_inside_the_owners_ranges_by_the_services_the_bill_shows(prod: StackRun) -> None:
    """Each figure is met, or the lines that take it over are kept on purpose, say why in
    docs/cost.md, and without them the figure is met."""
    estimate = cost_report(prod).estimate
    verdicts = {f.label: f.verdict(estimate) for f in OWNERS_FIGURES}
    assert set(verdicts.values()) <= {"within", "over, explained"}, verdicts
    for figure in OWNERS_FIGURES:
        if verdicts[figure.label] == "within":
            continue
        assert figure.low <= figure.total(estimate) - figure.explained(estimate) <= figure.high
        for beyond in figure.beyond:
            assert [line for line in figure.lines(estimate) if beyond.matches(line)], beyond.item
            assert beyond.why in COST_DOC, f"docs/cost.md does not say why: {beyond.item}"


def test_every_line_is_filed_under_the_service_that_bills_it(prod: StackRun) -> None:
    estimate = cost_report(prod).estimate
    service = {(line.resource, line.item): line.category for line in estimate.lines}
    by_item = {item: category for (_, item), category in service.items()}
    assert by_item["flow log delivery to CloudWatch Logs (vended logs)"] == "AmazonCloudWatch"
    assert service[("network-vpc", "3 NAT gateway(s)")] == "EC2 - Other"
    assert service[("network-vpc", "3 NAT public IPv4 address(es)")] == (
        "Amazon Virtual Private Cloud"
    )
    assert service[("database-instance", "RDS-managed master secret")] == "AWS Secrets Manager"
    assert {line.category for line in estimate.lines if "Container Insights" in line.item} == {
        "AmazonCloudWatch"
    }
    assert {line.category for line in estimate.lines if "X-Ray" in line.item} == {"AWS X-Ray"}
    assert {line.category for line in estimate.lines} <= set(CATEGORIES)


def _line(item: str, usd: float, category: str = "AmazonCloudWatch") -> CostLine:
    return CostLine("c", "r", "t", item, "usage", category, 1, "u", usd, ())  # type: ignore[arg-type]


def _estimate(*lines: CostLine) -> Estimate:
    return Estimate(lines, (), {}, "eu-west-1", "2025-01")


def test_a_figure_over_its_range_is_explained_only_by_the_lines_named_for_it() -> None:
    figure = OwnersFigure("CW", ("AmazonCloudWatch",), 20, 50, (Beyond("Insights", "why"),))
    assert figure.verdict(_estimate(_line("alarms", 30))) == "within"
    assert figure.verdict(_estimate(_line("alarms", 10))) == "below"
    assert figure.verdict(_estimate(_line("alarms", 40), _line("Insights", 15))) == (
        "over, explained"
    )
    # The named lines do not bring it back inside: over, unexplained.
    assert figure.verdict(_estimate(_line("alarms", 60), _line("Insights", 5))) == "OVER"
    # Lines of another service do not count.
    other = _line("Insights", 500, "AWS X-Ray")
    assert figure.verdict(_estimate(_line("alarms", 40), other)) == "within"
    bare = OwnersFigure("CW", ("AmazonCloudWatch",), 20, 50)
    assert bare.verdict(_estimate(_line("alarms", 40), _line("Insights", 15))) == "OVER"


# --- every usage default says where it comes from --------------------------------------------


def test_every_usage_default_says_where_it_comes_from() -> None:
    for name in UsageAssumptions().as_dict():
        assert len(reason_of(name)) > 20, f"foundation/usage.py: {name} has no reason"


def test_every_usage_key_a_stack_can_set_is_documented_with_the_value_rum_needs() -> None:
    settable = [
        re.sub(r"_(\w)", lambda m: m.group(1).upper(), n) for n in UsageSettings.model_fields
    ]
    assert [key for key in settable if f"`{key}`" not in COST_DOC] == []
    assert UsageAssumptions().rum_events_per_page_view == 16


@pytest.mark.parametrize("name", ["logCompressedRatio", "databaseUsedGb", "peakToAverage"])
def test_the_defaults_every_stack_uses_are_documented(name: str) -> None:
    assert f"`{name}`" in COST_DOC
