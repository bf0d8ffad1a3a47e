"""The Valuation sheet's Excel formulas, evaluated in Python, equal svcollect's figures.

openpyxl writes formulas without calculating them, so this file carries a small evaluator
for exactly the formula language the pack emits (arithmetic, &, comparisons, SUM, MIN,
MAX, IF, VLOOKUP, cell references, ranges and defined names). It is also used by the
integration tests on a real pack.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook import Workbook

from svcollect.evidence.pack_valuation import assumptions_sheet, formula_names, valuation_sheet
from svcollect.evidence.workbook import WorkbookBuilder
from svcollect.scoring.assumptions import ValuationAssumptions
from svcollect.scoring.grades import EvidenceGrade
from svcollect.scoring.valuation import value_counted_outcome, wellby_value
from svcollect.scoring.value_tables import ValueTable, ValueTableEntry

TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
    r'|(?P<str>"(?:[^"]|"")*")'
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w(])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><=|>=|<>|[-+*/^&=<>(),]))"
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


class Evaluator:
    """Evaluates the formula cells of a workbook loaded with openpyxl (formulas as text)."""

    def __init__(self, workbook: Workbook) -> None:
        self.wb = workbook
        self.memo: dict[tuple[str, str], Any] = {}

    def cell(self, sheet: str, ref: str) -> Any:
        key = (sheet, ref.replace("$", ""))
        if key not in self.memo:
            cell = self.wb[sheet][key[1]]
            value = cell.value
            if cell.data_type == "f":
                value = self.formula(sheet, value)
            self.memo[key] = value
        return self.memo[key]

    def range(self, sheet: str, ref: str) -> list[list[Any]]:
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        ws = self.wb[sheet]
        return [
            [self.cell(sheet, ws.cell(row=r, column=c).coordinate) for c in range(c1, c2 + 1)]
            for r in range(r1, r2 + 1)
        ]

    def name(self, name: str) -> Any:
        [(sheet, ref)] = list(self.wb.defined_names[name].destinations)
        return self.range(sheet, ref) if ":" in ref else self.cell(sheet, ref)

    def formula(self, sheet: str, text: str) -> Any:
        assert text.startswith("=")
        tokens = [
            (m.lastgroup, m.group(m.lastgroup or "op"))
            for m in TOKEN.finditer(text[1:])
            if m.lastgroup
        ]
        assert "".join(t for _, t in tokens) == re.sub(r"\s+", "", text[1:]), text
        # Formulas refer to cells holding formulas: keep the caller's place while they run.
        saved = getattr(self, "tokens", []), getattr(self, "pos", 0), getattr(self, "sheet", "")
        self.tokens, self.pos, self.sheet = tokens, 0, sheet
        try:
            value = self._compare()
            assert self.pos == len(tokens), f"unparsed: {tokens[self.pos :]}"
        finally:
            self.tokens, self.pos, self.sheet = saved
        return value

    # recursive descent, lowest precedence first
    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        self.pos += 1
        return self.tokens[self.pos - 1]  # type: ignore[return-value]

    def _compare(self) -> Any:
        left = self._concat()
        while self._peek() in ("=", "<", ">", "<=", ">=", "<>"):
            op = self._take()[1]
            right = self._concat()
            left = {
                "=": left == right,
                "<": left < right,
                ">": left > right,
                "<=": left <= right,
                ">=": left >= right,
                "<>": left != right,
            }[op]
        return left

    def _concat(self) -> Any:
        left = self._add()
        while self._peek() == "&":
            self._take()
            left = _text(left) + _text(self._add())
        return left

    def _add(self) -> Any:
        left = self._mul()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            right = self._mul()
            left = left + right if op == "+" else left - right
        return left

    def _mul(self) -> Any:
        left = self._pow()
        while self._peek() in ("*", "/"):
            op = self._take()[1]
            right = self._pow()
            left = left * right if op == "*" else left / right
        return left

    def _pow(self) -> Any:
        left = self._unary()
        while self._peek() == "^":
            self._take()
            left = left ** self._unary()
        return left

    def _unary(self) -> Any:
        if self._peek() == "-":
            self._take()
            return -self._unary()
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.range(self.sheet, text) if ":" in text else self.cell(self.sheet, text)
        if text == "(":
            value = self._compare()
            assert self._take()[1] == ")"
            return value
        assert kind == "name", text
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._compare())
                if self._peek() == ",":
                    self._take()
            self._take()
            return self._call(text.upper(), args)
        if text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE"
        return self.name(text)

    def _call(self, function: str, args: list[Any]) -> Any:
        def flat(values: list[Any]) -> list[Any]:
            out: list[Any] = []
            for v in values:
                out.extend(x for row in v for x in row) if isinstance(v, list) else out.append(v)
            return [x for x in out if isinstance(x, (int, float)) and not isinstance(x, bool)]

        if function == "SUM":
            return math.fsum(flat(args))
        if function == "MIN":
            return min(flat(args))
        if function == "MAX":
            return max(flat(args))
        if function == "IF":
            return args[1] if args[0] else args[2]
        if function == "VLOOKUP":
            key, table, column, approximate = args
            assert approximate is False
            for row in table:
                if _text(row[0]) == _text(key) and isinstance(row[0], str) == isinstance(key, str):
                    return row[int(column) - 1]
            raise LookupError(f"VLOOKUP: {key!r} not found")
        raise NotImplementedError(function)


def evaluate(workbook: Workbook, sheet: str, ref: str) -> Any:
    """The value Excel would show in a cell (formulas calculated)."""
    return Evaluator(workbook).cell(sheet, ref)


# --- building a workbook from the pure layers -------------------------------------------


def assumptions_dict(a: ValuationAssumptions) -> dict[str, Any]:
    series = a.series
    return {
        "values": a.to_dict(),
        "labels": {
            n: series.label(getattr(a, n)) for n in ("wellby_price_year", "reporting_price_year")
        },
        "thresholds": {},
        "record": {"version": 1, "sha256": "0" * 64},
        "sha256": "1" * 64,
        "valuation_sha256": a.sha256,
        "deflator": {
            **series.describe(),
            "rows": [(y, v, series.statuses[y]) for y, v in series.values.items()],
        },
    }


def build(tmp_path: Path, valuations: list[Any], a: ValuationAssumptions) -> Workbook:
    builder = WorkbookBuilder()
    builder.add(valuation_sheet({"valuations": [v.to_dict() for v in valuations]}))
    builder.add(assumptions_sheet(assumptions_dict(a)))
    path = tmp_path / "valuation.xlsx"
    builder.save(path)
    return load_workbook(path)


def row_of(wb: Workbook, outcome: str) -> int:
    ws = wb["Valuation"]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == outcome)


def columns(wb: Workbook) -> dict[str, int]:
    ws = wb["Valuation"]
    header_row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "Route")
    return {
        f"{ws.cell(header_row, c).value}#{c}": c
        for c in range(1, ws.max_column + 1)
        if ws.cell(header_row, c).value
    }


def figures(wb: Workbook, row: int) -> list[tuple[str, float, float]]:
    """(column title, formula value, svcollect value) for each £ figure on a row."""
    out = []
    for title, c in columns(wb).items():
        if "(formula)" in title:
            ref = wb["Valuation"].cell(row, c).coordinate
            svcollect = wb["Valuation"].cell(row, c + 1).value
            out.append((title, evaluate(wb, "Valuation", ref), svcollect))
    return out


def test_wellby_example_formula_gives_3250_per_person_to_the_penny(tmp_path):  # 6,500 a WELLBY
    a = ValuationAssumptions(duration_years=0.5)
    valuation = wellby_value(12, 0.5, a)
    wb = build(tmp_path, [valuation], a)
    row = row_of(wb, "life satisfaction (WELLBY)")
    results = figures(wb, row)
    assert len(results) == 6
    for title, formula_value, svcollect in results:
        assert round(formula_value, 2) == round(svcollect, 2), title
    shown = dict((t.split("#")[0], v) for t, v, _ in results)
    # per WELLBY (6 of them: 12 people x 0.5 points); £3,250 a person
    assert round(shown["Per unit, central (formula)"], 2) == 6500.00
    assert round(shown["Total, central (formula)"], 2) == 12 * 3250.00


@pytest.mark.parametrize(
    ("basis", "reporting", "table_year"),
    [("calendar", 2024, "2021"), ("financial", "2024-25", "2021-22")],
)
def test_formulas_follow_every_assumption(tmp_path, basis, reporting, table_year):
    a = ValuationAssumptions(
        duration_years=3.5,
        drop_off=0.1,
        deadweight=0.2,
        attribution=0.15,
        displacement=0.05,
        discount_rate=0.035,
        deflator_basis=basis,
        reporting_price_year=reporting,
    )
    table = ValueTable(
        name="test v1",
        sha256="f" * 64,
        entries={
            "X1": ValueTableEntry(
                "X1", "thing", "people", 1234.5, table_year, "src", "lic", True, 2
            )
        },
    )
    counted = value_counted_outcome(
        table, "X1", 17, a, n_responses=3, grade=EvidenceGrade.ACCEPTED_DECLARATION
    )
    wb = build(tmp_path, [wellby_value(40, 0.8, a), counted], a)
    for outcome in ("life satisfaction (WELLBY)", "X1"):
        for title, formula_value, svcollect in figures(wb, row_of(wb, outcome)):
            assert abs(formula_value - svcollect) < 0.005, (outcome, title)


def test_changing_an_assumption_in_the_workbook_recomputes(tmp_path):
    a = ValuationAssumptions(duration_years=2, deadweight=0.1)
    wb = build(tmp_path, [wellby_value(20, 1.0, a)], a)
    sheet = wb["Assumptions and sources"]
    [(_, ref)] = list(wb.defined_names["deadweight"].destinations)
    sheet[ref.replace("$", "")].value = 0.5
    [(_, ref)] = list(wb.defined_names["duration_years"].destinations)
    sheet[ref.replace("$", "")].value = 3.25
    changed = wellby_value(20, 1.0, ValuationAssumptions(duration_years=3.25, deadweight=0.5))
    row = row_of(wb, "life satisfaction (WELLBY)")
    got = {t.split("#")[0]: v for t, v, _ in figures(wb, row)}
    assert got["Total, central (formula)"] == pytest.approx(changed.total["central"].value)
    assert got["Total, high (formula)"] == pytest.approx(changed.total["high"].value)


def test_suppressed_valuation_has_no_formula(tmp_path):
    a = ValuationAssumptions()
    wb = build(tmp_path, [wellby_value(6, 0.5, a)], a)
    ws = wb["Valuation"]
    row = row_of(wb, "life satisfaction (WELLBY)")
    values = [ws.cell(row, c).value for c in range(5, 29)]
    assert "suppressed" in values
    assert 0 not in values and 0.0 not in values
    assert all(ws.cell(row, c).data_type != "f" for c in range(1, 31))


def test_every_defined_name_points_at_a_cell(tmp_path):
    a = ValuationAssumptions()
    wb = build(tmp_path, [], a)
    for name in formula_names():
        assert list(wb.defined_names[name].destinations), name
    ev = Evaluator(wb)
    assert ev.name("duration_factor") == pytest.approx(1.0)
    assert ev.name("deflator_reporting") == pytest.approx(a.series.index(2019))
    coordinate_from_string("A1")  # the evaluator relies on openpyxl's coordinate helpers
