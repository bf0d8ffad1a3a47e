"""Benchmark: building a contract's evidence pack from the database.

Targets (issue "Evidence packs out"): 100,000 stored responses x 20 columns (6 fixed
columns and the 14 WEMWBS items: 50,000 baseline and 50,000 follow-up, paired) plus
1,000 evidence files of 200 KB (about 200 MB, random bytes behind a PDF header, so they
do not compress) in 20 s or less with peak memory 150 MiB or less; 10,000 responses (and
100 files) in 3 s or less.

    .venv/bin/python tests/bench/bench_pack.py                 # SQLite (WAL), temp folder
    .venv/bin/python tests/bench/bench_pack.py --postgres      # PostgreSQL at 127.0.0.1

The database is built by the migrations and filled with bulk inserts (not timed). Each
measurement runs in a fresh process: once without tracing, for the time and the peak
resident set above where the export started (VmHWM after clear_refs: the whole process's
memory, Arrow and NumPy buffers included), once under tracemalloc for the traced Python
peak, overall and per stage (the stages are the export job's own progress messages).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.bench.scratch import scratch_database  # noqa: E402

REFERENCE = "BENCH-1"


def make_app(url: str, folder: Path, upgrade: bool = False):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade as run_upgrade

    from svcollect import create_app
    from tests.conftest import make_config

    app = create_app(make_config(url, folder))
    if upgrade:
        with app.app_context():
            run_upgrade()
    return app


def _responses(collection: Any, codes: list[str], values: Any) -> None:
    from svcollect.extensions import db
    from svcollect.models import Answer, Response
    from svcollect.services.respondents import respondent_ids

    version = collection.questionnaire_version
    batch = 5000
    for offset in range(0, len(codes), batch):
        respondent_of = respondent_ids(codes[offset : offset + batch])
        rows = [
            {
                "collection_id": collection.id,
                "questionnaire_version_id": version.id,
                "questionnaire_id": version.questionnaire_id,
                "questionnaire_version": version.version,
                "questionnaire_hash": version.content_hash,
                "idempotency_key": secrets.token_hex(32),
                "resume_key_hash": secrets.token_hex(32),
                "reference": f"SV-{secrets.token_hex(6).upper()}",
                "respondent_id": respondent_of[code],
                "consent_given": True,
                "status": "submitted",
                "started_at": collection.opens_at,
                "updated_at": collection.opens_at,
                "submitted_at": collection.opens_at,
            }
            for code in codes[offset : offset + batch]
        ]
        ids = (
            db.session.execute(Response.__table__.insert().returning(Response.__table__.c.id), rows)
            .scalars()
            .all()
        )
        db.session.execute(
            Answer.__table__.insert(),
            [
                {
                    "response_id": rid,
                    "question_id": f"wemwbs_{j + 1:02d}",
                    "value_text": str(int(values[offset + k, j])),
                    "value_number": float(values[offset + k, j]),
                    "answered_at": collection.opens_at,
                }
                for k, rid in enumerate(ids)
                for j in range(14)
            ],
        )
        db.session.commit()


def _evidence(app: Any, contract: Any, n_files: int, size: int) -> None:
    from svcollect.extensions import db
    from svcollect.models import Answer, ContractSupplier, EvidenceFile, Organisation, Response
    from svcollect.models._types import utcnow
    from svcollect.services.declarations import invite_suppliers
    from tests.integration.helpers import make_collection, make_user

    suppliers = max(1, n_files // 10)
    collection = make_collection(
        "mhaw-standards", contract=contract, access="supplier", audience="supplier"
    )
    for i in range(suppliers):
        org = Organisation(name=f"Supplier {i:04d} Ltd", kind="supplier", employee_count=50)
        db.session.add(org)
        db.session.flush()
        db.session.add(ContractSupplier(contract_id=contract.id, organisation_id=org.id))
    db.session.commit()
    manager = make_user("contract_manager", contract.buyer)
    upload = Path(app.config["SVCOLLECT_UPLOAD_DIR"])
    upload.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    made = 0
    for declaration in invite_suppliers(manager, collection):
        answers: dict[str, Any] = {"employee_count": 50}
        answers |= {f"mhaw_{k}_status": "in_place" for k in range(1, 7)}
        per_standard: dict[int, list[int]] = {}
        for f in range(min(10, n_files - made)):
            data = b"%PDF-1.4\n" + os.urandom(size - 9)
            stored = f"{secrets.token_hex(16)}.bin"
            (upload / stored).write_bytes(data)
            record = EvidenceFile(
                response_id=declaration.response_id,
                question_id=f"mhaw_{f % 6 + 1}_evidence",
                sha256=hashlib.sha256(data).hexdigest(),
                stored_name=stored,
                original_name=f"evidence-{f}.pdf",
                file_type="pdf",
                size_bytes=size,
            )
            db.session.add(record)
            db.session.flush()
            per_standard.setdefault(f % 6 + 1, []).append(record.id)
            made += 1
        for k, ids in per_standard.items():
            answers[f"mhaw_{k}_evidence"] = json.dumps(ids)
        for question, value in answers.items():
            db.session.add(
                Answer(
                    response_id=declaration.response_id,
                    question_id=question,
                    value_text=str(value),
                    value_number=float(value) if isinstance(value, int) else None,
                )
            )
        response = db.session.get(Response, declaration.response_id)
        response.status, response.submitted_at = "submitted", now
        declaration.status, declaration.submitted_at = "submitted", now
    db.session.commit()


def fill(url: str, folder: Path, n_responses: int, n_files: int, file_kb: int) -> None:
    from svcollect.services.questionnaires import registry, sync_releases
    from tests.integration.helpers import make_collection, make_contract

    app = make_app(url, folder, upgrade=True)
    started = time.perf_counter()
    with app.app_context():
        sync_releases(registry())
        contract = make_contract(REFERENCE)
        half = n_responses // 2
        codes = [secrets.token_hex(32) for _ in range(half)]
        rng = np.random.default_rng(7)
        baseline = make_collection("wemwbs", contract=contract)
        follow_up = make_collection("wemwbs", contract=contract, wave="follow_up")
        _responses(baseline, codes, rng.integers(1, 6, size=(half, 14)))
        _responses(follow_up, codes, rng.integers(1, 6, size=(n_responses - half, 14)))
        _evidence(app, contract, n_files, file_kb * 1024)
        from svcollect.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        db.engine.dispose()
    print(
        f"  filled {n_responses:,} responses ({n_responses * 14:,} answers) and {n_files:,} "
        f"files of {file_kb} KB in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (Linux), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> None:
    # ru_maxrss cannot be reset and carries the peak of the process that filled the
    # database; VmHWM can (writing 5 to clear_refs), so the peak is this export's own.
    Path("/proc/self/clear_refs").write_text("5")


def measure(url: str, folder: Path, trace: bool) -> dict[str, Any]:
    """Run one export in this (fresh) process; returns time, memory and stages."""
    import tracemalloc

    from sqlalchemy import select

    from svcollect.extensions import db
    from svcollect.models import Contract
    from svcollect.services.exports import run_job, start_export

    app = make_app(url, folder)
    stages: list[dict[str, Any]] = []
    with app.app_context():
        contract = db.session.scalar(select(Contract).filter_by(reference=REFERENCE))
        job = start_export(None, contract)
        if trace:
            tracemalloc.start()
        _reset_peak_rss()
        rss_before = _status_kib("VmRSS")
        high = {"kib": rss_before}
        started = time.perf_counter()
        mark = {"message": "Starting", "at": started}

        def on_progress(_percent: int, message: str) -> None:
            if message == mark["message"]:
                return
            now = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
            stages.append(
                {
                    "stage": mark["message"],
                    "s": now - mark["at"],
                    "peak_mib": peak,
                    "rss_mib": (_status_kib("VmHWM") - rss_before) / 1024,
                }
            )
            if trace:
                tracemalloc.reset_peak()
            high["kib"] = max(high["kib"], _status_kib("VmHWM"))
            _reset_peak_rss()
            mark.update(message=message, at=now)

        done = run_job(job.id, on_progress=on_progress, out_dir=folder / "out")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        rss_after = max(high["kib"], _status_kib("VmHWM"))
        stages.append(
            {
                "stage": mark["message"],
                "s": elapsed + started - mark["at"],
                "peak_mib": peak,
                "rss_mib": (_status_kib("VmHWM") - rss_before) / 1024,
            }
        )
        assert done is not None and done.status == "done", done and done.message
        size = done.size_bytes
        db.engine.dispose()
    return {
        "seconds": elapsed,
        "rss_delta_mib": (rss_after - rss_before) / 1024,
        "rss_peak_mib": rss_after / 1024,
        "traced_peak_mib": max((s["peak_mib"] or 0) for s in stages) if trace else None,
        "stages": stages,
        "pack_mb": (size or 0) / 1e6,
    }


def run_case(args: argparse.Namespace, n_responses: int, n_files: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="svcollect-bench-pack-"))
    with scratch_database(args.postgres, folder, f"bench_pack_{n_responses}") as url:
        print(f"\n{n_responses:,} responses, {n_files:,} evidence files", flush=True)
        fill(url, folder, n_responses, n_files, args.file_kb)
        results = {}
        for trace in (False, True):
            command = [sys.executable, __file__, "--measure", url, str(folder)]
            output = subprocess.run(
                command + (["--trace"] if trace else []), check=True, capture_output=True, text=True
            ).stdout
            results[trace] = json.loads(output.strip().splitlines()[-1])
        timed, traced = results[False], results[True]
        print(f"  pack {timed['pack_mb']:.0f} MB built in {timed['seconds']:.2f} s")
        print(
            f"  peak memory: resident set (VmHWM) {timed['rss_delta_mib']:.0f} MiB above where "
            f"the export started, {timed['rss_peak_mib']:.0f} MiB for the whole process; "
            f"tracemalloc peak {traced['traced_peak_mib']:.0f} MiB"
        )
        print("  stage                                              time    resident  traced")
        for plain, with_trace in zip(timed["stages"], traced["stages"], strict=False):
            print(
                f"  {plain['stage'][:48]:<48} {plain['s']:6.2f} s {plain['rss_mib']:5.0f} MiB "
                f"{with_trace['peak_mib']:5.1f} MiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--file-kb", type=int, default=200)
    parser.add_argument("--only", choices=["small", "large"], default=None)
    parser.add_argument(
        "--responses",
        type=int,
        nargs="+",
        metavar="N",
        help="instead: these numbers of responses (with N / 100 evidence files), to see how "
        "memory grows with them",
    )
    parser.add_argument("--measure", nargs=2, metavar=("URL", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), args.trace)))
        return
    print(f"backend: {'PostgreSQL' if args.postgres else 'SQLite (WAL)'}")
    if args.responses:
        for n in args.responses:
            run_case(args, n, max(1, n // 100))
        return
    if args.only != "large":
        run_case(args, 10_000, 100)
    if args.only != "small":
        run_case(args, 100_000, 1_000)


if __name__ == "__main__":
    main()
