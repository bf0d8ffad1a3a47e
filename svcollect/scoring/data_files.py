"""Read the scoring package's data files: CSV with a '# key: value' metadata header."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class DataFile:
    """A data file's metadata header and its rows (all values as text)."""

    name: str
    metadata: dict[str, str]
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def parse_data_text(text: str, name: str) -> DataFile:
    """Split '# key: value' header lines from the CSV body and read the body."""
    metadata: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep:
                metadata[key.strip()] = value.strip()
            continue
        if line.strip():
            body.append(line)
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    rows = tuple({k: (v or "").strip() for k, v in row.items()} for row in reader)
    columns = tuple(reader.fieldnames or ())
    return DataFile(name=name, metadata=metadata, columns=columns, rows=rows)


@cache
def read_data_file(name: str) -> DataFile:
    """Read a shipped data file once per process."""
    path = DATA_DIR / name
    return parse_data_text(path.read_text(encoding="utf-8"), name)


def data_file_names() -> tuple[str, ...]:
    """Names of every shipped data file, sorted."""
    return tuple(sorted(p.name for p in DATA_DIR.glob("*.csv")))
