"""A figure as a page shows it: visible title, one-sentence summary, SVG and a data table.

Every word a figure shows is translated (`svcollect.i18n`); numbers are written the way
English and Welsh both write them (1,234.5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from svcollect.charts.svg import safe_id
from svcollect.i18n import N_, format_date, gettext, ngettext, translated
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.suppression import reason_small


def suppressed() -> str:
    """The word a withheld figure is shown as (never 0)."""
    return gettext("suppressed")


@dataclass(frozen=True)
class Cell:
    """One table cell; ``suppressed`` when its figure is withheld (its text then says so)."""

    text: str
    numeric: bool = False
    suppressed: bool = False


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


def grouped(value: float) -> str:
    """A whole number with its thousands separated: 1,234."""
    return f"{value:,.0f}"


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
        millions = f"{size / 1_000_000:,.4g}"
        # TRANSLATORS: an amount of money in millions on a chart's axis, e.g. "£1.5m"
        return sign + gettext("£%(amount)sm", amount=millions)
    if size >= 1_000:
        thousands = f"{size / 1_000:,.4g}"
        # TRANSLATORS: an amount of money in thousands on a chart's axis, e.g. "£30k"
        return sign + gettext("£%(amount)sk", amount=thousands)
    return f"{sign}£{size:,.0f}"


def percent(value: float) -> str:
    """A whole percentage, halves rounded up as people do (62.5 -> 63%, not Python's 62%)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{rounded + 0:.0f}%"  # + 0 turns -0 into 0


def shown(stat: Mapping[str, Any] | None, render: Callable[[float], str] = number) -> str:
    """A Stat dict as table text: "suppressed" when withheld, never 0; '–' when empty."""
    if is_suppressed(stat):
        return suppressed()
    value = stat_value(stat)
    return "–" if value is None else str(render(value))


def stat_cell(stat: Mapping[str, Any] | None, render: Callable[[float], str] = number) -> Cell:
    """A Stat dict as a numeric table cell (see `shown`)."""
    return Cell(shown(stat, render), numeric=True, suppressed=is_suppressed(stat))


def fewer_than(k: int) -> str:
    """How a count of 1 to k-1 people is shown: never exactly."""
    return gettext("fewer than %(k)d", k=k)


def people_text(value: int, k: int) -> str:
    """A count of people (or their responses): "fewer than k" for 1 to k-1, else exact."""
    return fewer_than(k) if 0 < value < k else f"{value:,}"


def people_count(value: int, k: int) -> str:
    """ "45 people"; 1 to k-1 reads "fewer than k people", never the exact figure."""
    if 0 < value < k:
        return ngettext("fewer than %(num)d person", "fewer than %(num)d people", k)
    return ngettext("%(count)s person", "%(count)s people", value, count=grouped(value))


def contracts_count(value: int) -> str:
    """ "3 contracts" (contracts are not people: never withheld)."""
    return ngettext("%(count)s contract", "%(count)s contracts", value, count=grouped(value))


def is_small_count(stat: Mapping[str, Any] | None, k: int) -> bool:
    """Whether a Stat dict is a count withheld for being 1 to k-1 people (a count withheld
    so that another cannot be worked out is not: it may be any size)."""
    return stat is not None and is_suppressed(stat) and stat.get("reason") == reason_small(k)


def count_shown(stat: Mapping[str, Any] | None, k: int | None = None) -> str:
    """A count's Stat dict as text: "fewer than k" when withheld for being small (with
    ``k``), "suppressed" when otherwise withheld, never 0; '–' when empty."""
    if k is not None and is_small_count(stat, k):
        return fewer_than(k)
    return shown(stat, lambda v: f"{v:,.0f}")


def count_cell(stat: Mapping[str, Any] | None, k: int | None = None) -> Cell:
    """A count's Stat dict as a numeric table cell (see `count_shown`)."""
    small = k is not None and is_small_count(stat, k)
    return Cell(count_shown(stat, k), numeric=True, suppressed=is_suppressed(stat) and not small)


#: each evidence grade's name, and the evidence it names ("£39,000 from paired survey
#: evidence"); the grades' values are data keys, so they stay English in the results
GRADES: dict[str, tuple[str, str]] = {
    EvidenceGrade.PAIRED_SURVEY: (N_("paired survey"), N_("paired survey evidence")),
    EvidenceGrade.UNPAIRED_SURVEY: (N_("unpaired survey"), N_("unpaired survey evidence")),
    EvidenceGrade.ACCEPTED_DECLARATION: (
        N_("supplier declaration accepted on evidence"),
        N_("supplier declaration accepted on evidence"),
    ),
    EvidenceGrade.DECLARED: (
        N_("declared, not yet accepted"),
        N_("declared, not yet accepted evidence"),
    ),
}


def grade_name(grade: str | None) -> str:
    """An evidence grade as shown ("paired survey"); '–' when there is none."""
    if not grade:
        return "–"
    return translated(GRADES[grade][0]) if grade in GRADES else grade


def grade_evidence(grade: str) -> str:
    """ "paired survey evidence", but "supplier declaration accepted on evidence" as it is."""
    if grade in GRADES:
        return translated(GRADES[grade][1])
    return grade if grade.endswith("evidence") else gettext("%(grade)s evidence", grade=grade)


def capitalised(text: str) -> str:
    """Text starting a sentence or a label: its first letter upper case, the rest as it is."""
    return text[:1].upper() + text[1:]


def long_date(day: date) -> str:
    """ "2 March 2026", with the month in the current language."""
    return format_date(day, "d MMMM y")


def short_date(day: date) -> str:
    """ "2 Mar 2026", with the month in the current language."""
    return format_date(day, "d MMM y")
