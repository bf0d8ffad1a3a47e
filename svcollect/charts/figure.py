"""A figure as a page shows it: visible title, one-sentence summary, SVG and a data table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from svcollect.charts.svg import safe_id
from svcollect.scoring.suppression import reason_small

SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """The figure's data as a table: the first cell of each row is its header."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Figure:
    """What a page needs to show one chart accessibly.

    `svg` is None when there is nothing that can be drawn; `explanation` then says why
    (it may also be set alongside a chart, e.g. when every figure in it is suppressed).
    """

    id: str
    title: str
    summary: str
    svg: str | None
    table: Table | None
    explanation: str | None = None

    @property
    def heading_id(self) -> str:
        return f"{self.id}-heading"


def figure_id(*parts: object) -> str:
    return safe_id("fig-" + "-".join(str(p) for p in parts))


def stat_value(stat: Mapping[str, Any] | None) -> float | None:
    """The shown value of a Stat dict (None when suppressed or missing)."""
    if not stat or stat.get("suppressed"):
        return None
    value = stat.get("value")
    return None if value is None else float(value)


def is_suppressed(stat: Mapping[str, Any] | None) -> bool:
    return bool(stat and stat.get("suppressed"))


def number(value: float, places: int = 2) -> str:
    return f"{value:,.{places}f}"


def signed(value: float, places: int = 2) -> str:
    return f"{value:+,.{places}f}"


def money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


#: how people write the pound as a unit of an amount
POUND_UNITS = frozenset({"£", "gbp", "pound", "pounds"})


def with_unit(value: float | Decimal, unit: str) -> str:
    """An amount with its unit as people write it: "£1,500,000.50", "1,200 hours".

    Money has pence only when it has any; other amounts keep the digits they were given.
    """
    number = Decimal(str(value))
    if unit.strip().casefold() in POUND_UNITS:
        sign = "-" if number < 0 else ""
        places = ",.0f" if number == number.to_integral_value() else ",.2f"
        return f"{sign}£{abs(number):{places}}"
    if unit.strip().casefold() == "percent":
        return f"{number.normalize():,f}%"
    return f"{number.normalize():,f} {unit}".rstrip()


def money_short(value: float) -> str:
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1_000_000:
        return f"{sign}£{size / 1_000_000:,.4g}m"
    if size >= 1_000:
        return f"{sign}£{size / 1_000:,.4g}k"
    return f"{sign}£{size:,.0f}"


def percent(value: float) -> str:
    """A whole percentage, halves rounded up as people do (62.5 -> 63%, not Python's 62%)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{rounded + 0:.0f}%"  # + 0 turns -0 into 0


def shown(stat: Mapping[str, Any] | None, render: Any = number) -> str:
    """A Stat dict as table text: 'suppressed' when withheld, never 0; '–' when empty."""
    if is_suppressed(stat):
        return SUPPRESSED
    value = stat_value(stat)
    return "–" if value is None else str(render(value))


def people_text(value: int, k: int) -> str:
    """A count of people (or their responses): "fewer than k" for 1 to k-1, else exact."""
    return f"fewer than {k}" if 0 < value < k else f"{value:,}"


def count_text(value: int, noun: str, plural: str | None = None, *, k: int | None = None) -> str:
    """A count with its noun ("3 contracts"); with ``k`` (a count of people), 1 to k-1
    reads "fewer than k people", never the exact figure."""
    many = plural or noun + "s"
    if k is not None and 0 < value < k:
        return f"fewer than {k} {many}"
    return f"{value:,} {noun if value == 1 else many}"


def is_small_count(stat: Mapping[str, Any] | None, k: int) -> bool:
    """Whether a Stat dict is a count withheld for being 1 to k-1 people (a count withheld
    so that another cannot be worked out is not: it may be any size)."""
    return stat is not None and is_suppressed(stat) and stat.get("reason") == reason_small(k)


def count_shown(stat: Mapping[str, Any] | None, k: int | None = None) -> str:
    """A count's Stat dict as text: "fewer than k" when withheld for being small (with
    ``k``), "suppressed" when otherwise withheld, never 0; '–' when empty."""
    if k is not None and is_small_count(stat, k):
        return f"fewer than {k}"
    return shown(stat, lambda v: f"{v:,.0f}")
