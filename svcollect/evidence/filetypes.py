"""Decide what an uploaded file really is from its content, following OWASP upload guidance.

Pure: takes bytes and a name, returns the detected type or the reason it is refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

ALLOWED_TYPES = ("pdf", "docx", "xlsx", "csv", "txt", "png", "jpeg")
EXTENSIONS = {
    "pdf": ("pdf",),
    "docx": ("docx",),
    "xlsx": ("xlsx",),
    "csv": ("csv",),
    "txt": ("txt",),
    "png": ("png",),
    "jpeg": ("jpg", "jpeg"),
}
TYPE_NAMES = {
    "pdf": "PDF",
    "docx": "Word document (DOCX)",
    "xlsx": "Excel workbook (XLSX)",
    "csv": "CSV",
    "txt": "text file (TXT)",
    "png": "PNG image",
    "jpeg": "JPEG image",
}
#: zip-based documents whose uncompressed size passes this, or whose ratio passes the
#: next, are treated as zip bombs
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 150
MAX_ENTRIES = 5000
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<body|<head)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    file_type: str | None
    problem: str | None


def describe_allowed(allowed: tuple[str, ...] = ALLOWED_TYPES) -> str:
    names = [TYPE_NAMES[t] for t in allowed]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def sanitise_name(name: str, max_length: int = 120) -> str:
    """A display name with no path, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().lstrip(".").strip()
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 10:
            name = stem[: max_length - len(ext) - 1] + "." + ext
        else:
            name = name[:max_length]
    return name or "file"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_kind(data: bytes) -> tuple[str | None, str | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None, "it is not a valid document"
    if len(infos) > MAX_ENTRIES:
        return None, "it contains too many parts"
    total = sum(i.file_size for i in infos)
    compressed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED or total / compressed > MAX_RATIO:
        return None, "it expands to far more than its size (a compressed 'zip bomb')"
    names = {i.filename for i in infos}
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        return None, "it contains unsafe paths"
    if "[Content_Types].xml" not in names:
        return None, "it is a zip archive, not a document"
    if "word/document.xml" in names:
        return "docx", None
    if "xl/workbook.xml" in names:
        return "xlsx", None
    return None, "it is not a Word or Excel document"


_BINARY_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _text_kind(data: bytes) -> str | None:
    # Executables and other binaries carry control bytes that text never does.
    if _BINARY_CONTROLS.search(data[:65536]):
        return None
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    if _MARKUP.match(data[:512]):
        return None
    return "text"


def detect(data: bytes, name: str, allowed: tuple[str, ...] = ALLOWED_TYPES) -> Verdict:
    """The file's type if it is allowed and its content agrees with its name."""
    if not data:
        return Verdict(None, "The selected file is empty")
    ext = _extension(name)
    detected: str | None = None
    problem: str | None = None
    if data.startswith(b"%PDF-"):
        detected = "pdf"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = "png"
    elif data.startswith(b"\xff\xd8\xff"):
        detected = "jpeg"
    elif data.startswith(b"PK\x03\x04"):
        detected, problem = _zip_kind(data)
    elif _text_kind(data) == "text":
        detected = "csv" if ext == "csv" else "txt" if ext == "txt" else None
        if detected is None:
            problem = "its content does not match its name"
    else:
        problem = "its content is not one of the allowed types"
    allowed_text = describe_allowed(allowed)
    if detected is None:
        return Verdict(None, f"The selected file must be a {allowed_text} ({problem})")
    if detected not in allowed:
        return Verdict(None, f"The selected file must be a {allowed_text}")
    if ext not in EXTENSIONS[detected]:
        return Verdict(
            None,
            f"The selected file’s name ends .{ext or '(nothing)'} but it is a "
            f"{TYPE_NAMES[detected]}: rename it or choose another file",
        )
    return Verdict(detected, None)
