"""Benchmark: a 100,000-row XLSX of WEMWBS paper returns parsed, checked and stored.

Target (issue: spreadsheet responses in): parse + validate in 5 s or less on the 2-core
machine. Storing the rows is timed separately (one transaction, as the upload does).

    .venv/bin/python tests/bench/bench_import.py                 # SQLite (WAL), temp file
    .venv/bin/python tests/bench/bench_import.py --postgres      # PostgreSQL at 127.0.0.1

The workbook (row_id, respondent_code and the 14 items; a code on every row) is written
once with openpyxl into the temp folder (not timed), then read exactly as an upload is.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.bench.scratch import scratch_database  # noqa: E402

ITEMS = [f"wemwbs_{i:02d}" for i in range(1, 15)]


def write_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from svcollect.services.respondent_codes import ALPHABET

    started = time.perf_counter()
    rng = np.random.default_rng(11)
    values = rng.integers(1, 6, size=(rows, 14)).tolist()
    letters = np.array(list(ALPHABET))[rng.integers(0, 32, size=(rows, 9))]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    sheet.append(["row_id", "respondent_code", *ITEMS])
    for i, (answers, code) in enumerate(zip(values, letters, strict=True)):
        chars = "".join(code)
        sheet.append([f"P{i:06d}", f"{chars[:3]}-{chars[3:6]}-{chars[6:]}", *answers])
    workbook.save(path)
    size = path.stat().st_size / 1e6
    print(f"wrote {rows:,} rows ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")


def measure_check(data: bytes, repeats: int):  # type: ignore[no-untyped-def]
    from svcollect.imports import MAX_ROWS, check_table, read_table
    from svcollect.questionnaires import load_directory
    from svcollect.scoring import scorer_names
    from svcollect.services.imports import read_paper_code

    questionnaire = load_directory(ROOT / "questionnaires", scorer_names()).latest("wemwbs")
    parses, checks = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        table = read_table(data, "returns.xlsx", max_rows=MAX_ROWS)
        t1 = time.perf_counter()
        result = check_table(table, questionnaire, read_paper_code)
        t2 = time.perf_counter()
        parses.append(t1 - t0)
        checks.append(t2 - t1)
    assert result.rows is not None, result.problems[:5]
    total = [p + c for p, c in zip(parses, checks, strict=True)]
    cells = table.cells.size
    print(f"rows checked: {len(result.rows):,} ({cells:,} cells)")
    print(f"parse    median {statistics.median(parses):.2f} s  (min {min(parses):.2f})")
    print(f"validate median {statistics.median(checks):.2f} s  (min {min(checks):.2f})")
    print(
        f"parse + validate median {statistics.median(total):.2f} s "
        f"(min {min(total):.2f}); target <= 5 s"
    )
    return result.rows


def measure_store(url: str, folder: Path, data: bytes, rows) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from svcollect import create_app
    from svcollect.extensions import db
    from svcollect.services.imports import store_rows
    from svcollect.services.questionnaires import registry, sync_releases
    from tests.conftest import make_config
    from tests.integration.helpers import make_collection

    app = create_app(make_config(url, folder))
    with app.app_context():
        upgrade()
        sync_releases(registry())
        collection = make_collection("wemwbs")
        digest = hashlib.sha256(data).hexdigest()
        t0 = time.perf_counter()
        first = store_rows(collection, rows, "returns.xlsx", digest)
        t1 = time.perf_counter()
        again = store_rows(collection, rows, "returns.xlsx", digest)
        t2 = time.perf_counter()
        assert (first.imported, again.already_imported) == (len(rows), len(rows))
        stored = db.session.scalar(text("SELECT count(*) FROM answer"))
        assert stored == len(rows) * 14, stored
        print(f"backend: {db.engine.dialect.name}")
        print(f"insert {first.imported:,} responses + {stored:,} answers: {t1 - t0:.1f} s")
        print(f"upload again ({again.already_imported:,} rows skipped): {t2 - t1:.1f} s")
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-store", action="store_true", help="time parse + validate only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="svcollect-bench-"))
    workbook = folder / "returns.xlsx"
    write_workbook(workbook, args.rows)
    data = workbook.read_bytes()
    rows = measure_check(data, args.repeats)
    if args.no_store:
        return
    with scratch_database(args.postgres, folder, "bench_import") as url:
        measure_store(url, folder, data, rows)


if __name__ == "__main__":
    main()
