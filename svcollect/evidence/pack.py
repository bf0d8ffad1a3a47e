"""The evidence pack file: a zip of the workbook and evidence files, a manifest and a README.

Written to a temporary file beside the target and moved into place with os.replace, so
a failed export leaves no half-written pack. `verify_pack` checks a pack against its
manifest: every file present, nothing extra, every SHA-256 and size unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svcollect.evidence.filetypes import sanitise_name

MANIFEST = "manifest.json"
README = "README.txt"
FORMAT = "svcollect evidence pack"
FORMAT_VERSION = 1
#: already-compressed formats are stored as they are; deflating them again wastes time
ALREADY_COMPRESSED = frozenset({"pdf", "docx", "xlsx", "png", "jpeg", "jpg", "zip"})
CHUNK = 1 << 20


class PackError(RuntimeError):
    """The pack cannot be built; the message is written for the person who asked for it."""


def compression_for(name: str) -> int:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return zipfile.ZIP_STORED if extension in ALREADY_COMPRESSED else zipfile.ZIP_DEFLATED


class PackNames:
    """Safe, unique names inside the zip: no absolute paths, no "..", no clashes.

    Each part of a path is cleaned with sanitise_name; a clash (compared without case,
    as Windows and macOS would when unzipping) gets " (2)", " (3)"... before the extension.
    """

    def __init__(self) -> None:
        self._taken: set[str] = {MANIFEST.casefold(), README.casefold()}

    def claim(self, *parts: str) -> str:
        *folders, name = [sanitise_name(p, 80) for p in parts]
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        prefix = "/".join(folders) + "/" if folders else ""
        candidate, number = f"{prefix}{name}", 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = f"{prefix}{stem} ({number}){dot}{ext}"
        self._taken.add(candidate.casefold())
        return candidate


@dataclass
class PackWriter:
    """Adds files to an open zip, hashing each as it is written, for the manifest."""

    archive: zipfile.ZipFile
    entries: list[dict[str, Any]] = field(default_factory=list)

    def _record(self, name: str, digest: str, size: int) -> dict[str, Any]:
        entry = {"path": name, "sha256": digest, "size": size}
        self.entries.append(entry)
        return entry

    def add_file(
        self,
        name: str,
        source: Path,
        *,
        expected_sha256: str | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """Copy a file in, in chunks; refuse it if it no longer matches its recorded hash."""
        digest = hashlib.sha256()
        size = 0
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = compression_for(name)
        info.external_attr = 0o644 << 16
        try:
            src = open(source, "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise PackError(f"The evidence file {name} is missing from the file store") from None
        with src, self.archive.open(info, "w", force_zip64=True) as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
        hexdigest = digest.hexdigest()
        if expected_sha256 is not None and hexdigest != expected_sha256:
            raise PackError(
                f"The evidence file {name} has changed since it was uploaded (its SHA-256 no "
                "longer matches the one recorded). Nothing was exported; ask an administrator "
                "to check the file store."
            )
        return self._record(name, hexdigest, size)

    def add_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = compression_for(name)
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)
        return self._record(name, hashlib.sha256(data).hexdigest(), len(data))

    def finish(self, meta: Mapping[str, Any]) -> None:
        """Add the README (listed in the manifest) and then the manifest itself."""
        self.add_bytes(README, readme_text(meta).encode("utf-8"))
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
        manifest["files"] = self.entries
        data = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
        info = zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.archive.writestr(info, data.encode("utf-8"))


@contextmanager
def atomic_pack(target: Path) -> Iterator[PackWriter]:
    """Yield a writer on a temporary file; move it to `target` only if everything worked."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with zipfile.ZipFile(temp, "x", allowZip64=True) as archive:
            yield PackWriter(archive)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def readme_text(meta: Mapping[str, Any]) -> str:
    contract = meta.get("contract", {})
    return f"""svcollect evidence pack
=======================

Contract: {contract.get("reference", "")} - {contract.get("title", "")}
Generated: {meta.get("generated_at", "")} (UTC) by {meta.get("generated_by", "")}
svcollect version: {meta.get("svcollect_version", "")}
Results fingerprint (SHA-256): {meta.get("results_sha256", "")}
Answers fingerprint (SHA-256): {meta.get("answers_sha256", "")}

What is in this pack
--------------------
- {meta.get("workbook", "the workbook")}: Cover, Summary, Outcomes, Valuation (live Excel
  formulas next to svcollect's own figures, each row with its route, collections and
  value-table version), Assumptions and sources, Inputs (every collection that fed the
  results with its responses counted, every valuation route and value-table version
  used), Supplier adherence,
  Delivery returns (each supplier's newest submitted return, figure by figure, with its
  evidence review and files, and the totals the counted-outcome valuations and the
  dashboard use), Commitments (each commitment made at bid with what has been delivered
  and evidenced so far), Responses (answers under respondent codes only, never names),
  Codebook and Audit extract.
  Figures based on too few people are written as "suppressed" with the reason, and
  counts of too few people as "fewer than" the threshold (e.g. "fewer than 10").
- evidence/: the evidence files behind the suppliers' declarations and delivery returns,
  by collection, supplier and standard or measure, exactly as uploaded (the Supplier
  adherence and Delivery returns sheets give each file's path here).
- manifest.json: every other file in this pack with its size and SHA-256.
- README.txt: this file.

How to check that nothing has changed
-------------------------------------
1. Compare the SHA-256 of the whole pack with the one svcollect showed when it was made.
2. Run:  svcollect verify-pack <this file>
   It lists any file that is missing, extra or changed, and exits with status 1 if any is.
3. Or by hand: unzip, then compare `sha256sum <file>` (macOS: `shasum -a 256 <file>`)
   with the "sha256" in manifest.json for every file listed there.

The answers fingerprint on the Cover is SHA-256 over every exported answer in
(response, question) order: response id, question id, text and number separated by the
byte 0x1F, each answer ended by 0x1E, a missing value written as \\N.

Opening the workbook: text that people typed is stored as text and marked so that Excel
never runs it as a formula; only the Valuation sheet contains formulas.
"""


def verify_pack(path: Path) -> list[str]:
    """What differs between a pack and its manifest (an empty list if nothing)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        return [f"{Path(path).name} cannot be read as a zip file: {error}"]
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        if MANIFEST not in names:
            return [f"{MANIFEST} is missing, so there is nothing to check the files against"]
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {f["path"]: f for f in manifest["files"]}
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
            return [f"{MANIFEST} cannot be read: {error}"]
        problems = []
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(f"extra: {name} appears more than once in the pack")
            seen.add(name)
        for name in listed:
            if name not in seen:
                problems.append(f"missing: {name} is in the manifest but not in the pack")
        for name in names:
            if name == MANIFEST or name in listed:
                continue
            problems.append(f"extra: {name} is in the pack but not in the manifest")
        for name, entry in listed.items():
            if name in seen:
                problems.extend(_check(archive, name, entry))
        return problems


def _check(archive: zipfile.ZipFile, name: str, entry: Mapping[str, Any]) -> list[str]:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return [f"changed: {name} is damaged ({error})"]
    problems = []
    if digest.hexdigest() != entry.get("sha256"):
        problems.append(
            f"changed: {name} has SHA-256 {digest.hexdigest()}, the manifest says "
            f"{entry.get('sha256')}"
        )
    if size != entry.get("size"):
        problems.append(f"changed: {name} is {size} bytes, the manifest says {entry.get('size')}")
    return problems
