"""The price table (foundation/prices.json): on-demand AWS prices the cost estimate reads.

The table is data, not code: each price carries its unit, the public page it comes from and when
it was read, so a reviewer can check a figure against its source and a refresh is a data change
(docs/cost.md). Every resource type a stack registers is either priced (`priced`, with how) or
explicitly free (`free`, with why); tests/test_estimate.py fails on a type in neither.
Standard library only: the cost policy pack reads the same table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRICE_FILE = Path(__file__).resolve().parent / "prices.json"
READ_PATTERN = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
SOURCE_PATTERN = re.compile(r"^https://aws\.amazon\.com/[a-z0-9/-]+/$")
"""A price's source: the public AWS pricing page a reviewer opens to check it."""
BASES = ("page", "knowledge")
"""How a figure was entered: read from its page on the 'read' date, or from knowledge of it."""


class PriceTableError(ValueError):
    """The price table is malformed, or a price the estimate needs is missing."""


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    unit: str
    source: str
    read: str
    extra: Mapping[str, Any]
    basis: str = "knowledge"


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    hours_per_month: float
    read: str
    not_billed_prefixes: tuple[str, ...]
    priced: Mapping[str, str]
    """Resource type -> how the estimate prices it."""
    free: Mapping[str, str]
    """Resource type -> why it costs nothing (or is priced on another resource)."""
    prices: Mapping[str, Price]

    def price(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise PriceTableError(
                f"no price '{key}' in {PRICE_FILE.name}; add it with its source and date"
            ) from None

    def usd(self, key: str) -> float:
        return self.price(key).usd

    def has(self, key: str) -> bool:
        return key in self.prices

    def coverage(self, type_token: str) -> str | None:
        """'priced', 'free', 'not billed' (components, providers), or None when unknown."""
        if type_token in self.priced:
            return "priced"
        if type_token in self.free:
            return "free"
        if type_token.startswith(self.not_billed_prefixes):
            return "not billed"
        return None


def parse_price_table(document: Mapping[str, Any]) -> PriceTable:
    """A PriceTable from the JSON document; one PriceTableError naming every bad entry."""
    problems: list[str] = []
    prices: dict[str, Price] = {}
    for key, entry in (document.get("prices") or {}).items():
        if not isinstance(entry, Mapping):
            problems.append(f"prices.{key}: expected an object")
            continue
        usd = entry.get("usd")
        if isinstance(usd, bool) or not isinstance(usd, int | float) or usd < 0:
            problems.append(f"prices.{key}.usd: got {usd!r}; expected a number >= 0")
        for field in ("unit", "source"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                problems.append(f"prices.{key}.{field}: missing; every price names its {field}")
        source = entry.get("source")
        if isinstance(source, str) and source and not SOURCE_PATTERN.match(source):
            problems.append(
                f"prices.{key}.source: got {source!r}; expected an AWS pricing page "
                "(https://aws.amazon.com/<service>/pricing/)"
            )
        if entry.get("basis") not in BASES:
            problems.append(
                f"prices.{key}.basis: got {entry.get('basis')!r}; "
                f"expected one of {', '.join(BASES)}"
            )
        read = entry.get("read")
        if not isinstance(read, str) or not READ_PATTERN.match(read):
            problems.append(f"prices.{key}.read: got {read!r}; expected YYYY-MM or YYYY-MM-DD")
        if problems:
            continue
        known = ("usd", "unit", "source", "read", "basis")
        extra = {k: v for k, v in entry.items() if k not in known}
        prices[key] = Price(
            key, float(usd), entry["unit"], entry["source"], read, extra, entry["basis"]
        )
    priced = dict(document.get("priced") or {})
    free = dict(document.get("free") or {})
    both = sorted(set(priced) & set(free))
    if both:
        problems.append(f"priced and free at once: {', '.join(both)}")
    if problems:
        raise PriceTableError("price table: " + "; ".join(problems))
    return PriceTable(
        region=str(document["region"]),
        currency=str(document["currency"]),
        hours_per_month=float(document["hoursPerMonth"]),
        read=str(document["read"]),
        not_billed_prefixes=tuple(document.get("notBilledPrefixes") or ()),
        priced=priced,
        free=free,
        prices=prices,
    )


@cache
def load_price_table(path: Path = PRICE_FILE) -> PriceTable:
    """The repository's price table (read once per process)."""
    return parse_price_table(json.loads(path.read_text()))


@dataclass(frozen=True)
class FreeTier:
    """An always-free allowance: `quantity` in the unit of its prices' lines, account-wide."""

    name: str
    what: str
    quantity: float
    price_keys: tuple[str, ...]
    source: str


@cache
def free_tiers(path: Path = PRICE_FILE) -> tuple[FreeTier, ...]:
    """The table's always-free allowances (`freeTiers`); PriceTableError names a bad entry."""
    document = json.loads(path.read_text())
    tiers = []
    for name, entry in (document.get("freeTiers") or {}).items():
        quantity, keys = entry.get("quantity"), entry.get("priceKeys")
        if not isinstance(quantity, int | float) or quantity <= 0 or not keys:
            raise PriceTableError(f"freeTiers.{name}: expected a quantity > 0 and priceKeys")
        tiers.append(
            FreeTier(name, str(entry["what"]), float(quantity), tuple(keys), entry["source"])
        )
    return tuple(tiers)
