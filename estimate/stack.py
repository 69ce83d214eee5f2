"""Estimate a whole stack: price every resource, group the lines by top-level component."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from estimate.model import EXPECTED, Estimate, PricedResource, Scenario, Unpriced
from estimate.pricers import PRICERS, Context, MissingPrice
from foundation.prices import PriceTable, load_price_table
from foundation.records import StackRun, stack_index
from foundation.usage import UsageAssumptions


def _component_names(resources: Sequence[PricedResource]) -> dict[str, str]:
    """Each resource's top-level component: its highest ancestor below the stack."""
    by_urn = {r.urn: r for r in resources}
    names: dict[str, str] = {}
    for resource in resources:
        top = resource
        seen = {top.urn}
        while top.parent in by_urn and top.parent not in seen:
            top = by_urn[top.parent]
            seen.add(top.urn)
        names[resource.urn] = top.name
    return names


def estimate_resources(
    resources: Iterable[PricedResource],
    usage: UsageAssumptions | None = None,
    table: PriceTable | None = None,
    region: str | None = None,
    scenario: Scenario = EXPECTED,
) -> Estimate:
    """Price these resources; a type or size without a price is listed, never guessed."""
    table = table or load_price_table()
    usage = usage or UsageAssumptions()
    listed = list(resources)
    names = _component_names(listed)
    ctx = Context(table, usage, listed, lambda r: names.get(r.urn, r.name), scenario)
    lines = []
    unpriced: list[Unpriced] = []
    for resource in listed:
        pricer = PRICERS.get(resource.type)
        if pricer is None:
            coverage = table.coverage(resource.type)
            if coverage not in ("free", "not billed"):  # unknown, or 'priced' with no pricer
                reason = "no pricer" if coverage == "priced" else "no price and no free entry"
                unpriced.append(Unpriced(resource.name, resource.type, reason, resource.urn))
            continue
        try:
            lines.extend(pricer(resource, ctx))
        except MissingPrice as missing:
            reason = f"no price for {missing}"
            unpriced.append(Unpriced(resource.name, resource.type, reason, resource.urn))
    notes = []
    if region is not None and region != table.region:
        notes.append(
            f"prices are for {table.region}; the stack runs in {region} (figures differ a few %)"
        )
    return Estimate(
        lines=tuple(lines),
        unpriced=tuple(unpriced),
        usage=usage.as_dict(),
        region=table.region,
        prices_read=table.read,
        notes=tuple(notes),
        scenario=scenario,
    )


def estimate_run(
    run: StackRun,
    usage: UsageAssumptions | None = None,
    table: PriceTable | None = None,
    scenario: Scenario = EXPECTED,
) -> Estimate:
    """The estimate of an offline run: the same records the packs and deploy checks judge."""
    urns = {r.urn for r in run.resources}
    resources = [
        PricedResource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            props=r.inputs,
            parent=r.parent if r.parent in urns else None,
            dependencies=(
                *r.dependencies,
                *(urn for urns_ in r.property_dependencies.values() for urn in urns_),
            ),
        )
        for r in run.resources
    ]
    return estimate_resources(resources, usage, table, home_region(run), scenario)


def home_region(run: StackRun) -> str | None:
    """The region the stack runs in: its `aws:region` (the default provider's), else the region
    most of its resources name. Taking any member of a set made the prices note vary with the
    hash seed (us-east-1 for CloudFront's certificate, the DR region, or no note at all)."""
    if run.config.get("aws:region"):
        return run.config["aws:region"]
    index = stack_index(run)
    counts = Counter(x for x in (index.region_of(r) for r in run.resources if r.provider) if x)
    return min(counts, key=lambda region: (-counts[region], region)) if counts else None
