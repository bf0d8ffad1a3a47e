"""Accessible, server-rendered SVG charts built from plain data (no Flask, no ORM).

Each builder returns a `Figure`: a visible title, a one-sentence summary made from the
data, an inline SVG (role="img", <title>, <desc>, scaled by its viewBox, no style
attributes) and the same figures as a table. Suppressed figures are hatched and labelled,
never drawn as zero.
"""

from svcollect.charts.activity import counts_figure, responses_figure
from svcollect.charts.figure import Cell, Figure, Table, figure_id
from svcollect.charts.money import values_figure
from svcollect.charts.outcomes import bands_figure, change_figure
from svcollect.charts.portfolio import comparison_figure
from svcollect.charts.supply import Progress, adherence_figure, commitments_figure

__all__ = [
    "Cell",
    "Figure",
    "Progress",
    "Table",
    "adherence_figure",
    "bands_figure",
    "change_figure",
    "commitments_figure",
    "comparison_figure",
    "counts_figure",
    "figure_id",
    "responses_figure",
    "values_figure",
]
