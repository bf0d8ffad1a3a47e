"""Benchmark: score, pair and value 1,000,000 WEMWBS responses (14M answer rows)."""

# Run: python tests/bench/bench_scoring.py [--responses N] [--string-ids]
# Not collected by pytest. Target: score + pair + value in 5 s or less on 2 cores.

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from svcollect.imports.value_tables import read_value_table
from svcollect.scoring import (
    ValuationAssumptions,
    get_scorer,
    outcome_change,
    value_band_movement,
)
from svcollect.scoring.wellbeing import WEMWBS_ITEMS

# A made-up placeholder value for timing only: not from any value bank.
PLACEHOLDER_TABLE = (
    b"outcome_code,description,unit,value,price_year,source,licence,deadweight_included\n"
    b"BENCH1,benchmark placeholder,per person,1000,2019,benchmark placeholder,none,no\n"
)


def long_frame(
    first_id: int, codes: np.ndarray, shift: float, rng: np.random.Generator, string_ids: bool
) -> pd.DataFrame:
    """One wave as the long answers frame of notes/CONTRACTS.md, rows shuffled by item."""
    n = len(codes)
    n_items = len(WEMWBS_ITEMS)
    base = rng.normal(3.0 + shift, 0.8, size=(n, 1))
    values = np.clip(np.rint(base + rng.normal(0, 0.6, size=(n, n_items))), 1, 5).ravel()
    response_id = np.repeat(np.arange(first_id, first_id + n, dtype=np.int64), n_items)
    item_codes = np.tile(np.arange(n_items, dtype=np.int8), n)
    question = pd.Categorical.from_codes(item_codes, categories=list(WEMWBS_ITEMS))
    text_lut = np.array(["1", "2", "3", "4", "5"], dtype=object)
    frame = pd.DataFrame(
        {
            "response_id": response_id,
            "respondent": pd.array(np.repeat(codes, n_items), dtype="string"),
            "question_id": question.astype(str) if string_ids else question,
            "value_text": pd.array(text_lut[values.astype(np.int64) - 1], dtype="string"),
            "value_number": values,
        }
    )
    # a few incomplete responses so the exclusion path runs
    drop = rng.choice(len(frame), size=min(500, n), replace=False)
    return frame.drop(index=drop).reset_index(drop=True)


def waves(responses: int, string_ids: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline and follow-up halves; 80% of respondent codes appear in both."""
    rng = np.random.default_rng(20250101)
    half = responses // 2
    overlap = int(half * 0.8)
    codes = np.array([f"rc{i:08d}" for i in range(half * 2 - overlap)], dtype=object)
    baseline = long_frame(1, codes[:half], 0.0, rng, string_ids)
    follow_up = long_frame(
        half + 1, codes[half - overlap : 2 * half - overlap], 0.15, rng, string_ids
    )
    return baseline, follow_up


def pipeline(baseline: pd.DataFrame, follow_up: pd.DataFrame) -> dict[str, Any]:
    timings: dict[str, float] = {}
    scorer = get_scorer("wemwbs")

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - start
        return out

    scored_b = timed("score baseline", lambda: scorer(baseline))
    scored_f = timed("score follow-up", lambda: scorer(follow_up))
    change = timed("pair + change", lambda: outcome_change(scored_b, scored_f, "wemwbs"))
    table = read_value_table(PLACEHOLDER_TABLE, filename="bench.csv")
    assert not isinstance(table, list), table
    assumptions = ValuationAssumptions(reporting_price_year=2024)
    valuation = timed(
        "value",
        lambda: value_band_movement(
            change, table, "BENCH1", assumptions, from_bands=["probable depression"]
        ),
    )
    timings["total"] = sum(timings.values())
    return {
        "timings": timings,
        "scored": (scored_b.n_scored, scored_f.n_scored),
        "excluded": (scored_b.n_excluded, scored_f.n_excluded),
        "n_paired": change.n_paired,
        "mean_change": change.paired.mean_change.value if change.paired else None,
        "movers": valuation.quantity.value,
        "value_central": valuation.total["central"].value,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument(
        "--string-ids", action="store_true", help="question_id as str, not category"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    baseline, follow_up = waves(args.responses, args.string_ids)
    seconds = time.perf_counter() - start
    print(f"generated {len(baseline) + len(follow_up):,} answer rows in {seconds:.2f} s")
    print(f"question_id dtype: {baseline['question_id'].dtype}")
    pipeline(*waves(2_000, args.string_ids))  # warm imports and caches

    result = pipeline(baseline, follow_up)
    for name, seconds in result.pop("timings").items():
        print(f"  {name:<16} {seconds:6.2f} s")
    for key, value in result.items():
        print(f"  {key}: {value}")

    tracemalloc.start()
    pipeline(baseline, follow_up)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory allocated by the pipeline (tracemalloc): {peak / 2**20:,.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak process RSS incl. generated data: {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
