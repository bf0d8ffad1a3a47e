"""Uploads are judged by content: allow-listed types, names that agree, no zip bombs."""

from __future__ import annotations

import io
import zipfile

import pytest

from svcollect.evidence.filetypes import detect, sanitise_name


def _ooxml(main_part: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"%PDF-1.7\n", "report.pdf", "pdf"),
        (b"\x89PNG\r\n\x1a\nrest", "photo.png", "png"),
        (b"\xff\xd8\xff\xe0rest", "photo.jpg", "jpeg"),
        (_ooxml("word/document.xml"), "policy.docx", "docx"),
        (_ooxml("xl/workbook.xml"), "data.xlsx", "xlsx"),
        (b"a,b\n1,2\n", "data.csv", "csv"),
        ("Notes – £5".encode(), "notes.txt", "txt"),
    ],
)
def test_allowed_types_are_recognised(data, name, kind):
    assert detect(data, name).file_type == kind


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script>", "report.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image.png"),
        (b"<!DOCTYPE html><p>hi", "notes.txt"),
        (b"MZ\x90\x00", "setup.pdf"),
        (b"\x7fELF\x02\x01", "tool.txt"),
        (b"%PDF-1.7\n", "report.docx"),
        (b"PK\x03\x04not a zip", "policy.docx"),
        (b"", "empty.pdf"),
        (b"bin\x00ary", "data.csv"),
    ],
)
def test_files_that_lie_are_refused(data, name):
    verdict = detect(data, name)
    assert verdict.file_type is None
    assert verdict.problem


def test_zip_bomb_is_refused():
    bomb = _ooxml("word/document.xml", {"word/media/huge.bin": b"\0" * (30 * 1024 * 1024)})
    verdict = detect(bomb, "policy.docx")
    assert verdict.file_type is None
    assert "zip bomb" in verdict.problem


def test_restricted_allow_list_is_respected():
    verdict = detect(b"\x89PNG\r\n\x1a\nrest", "photo.png", ("pdf",))
    assert verdict.file_type is None
    assert "PDF" in verdict.problem


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("re\x00port.pdf", "report.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ('bad<>:"|?*.pdf', "bad_______.pdf"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitise_name(raw) == clean
