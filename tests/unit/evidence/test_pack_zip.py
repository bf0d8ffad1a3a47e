"""The pack zip: written atomically, checked against its manifest."""

from __future__ import annotations

import json
import zipfile

import pytest

from svcollect.evidence.pack import MANIFEST, PackError, atomic_pack, compression_for, verify_pack


def _pack(tmp_path, files=None):
    source = tmp_path / "plan.pdf"
    source.write_bytes(b"%PDF-1.4 plan")
    target = tmp_path / "out" / "pack.zip"
    with atomic_pack(target) as pack:
        pack.add_file("evidence/plan.pdf", source)
        pack.add_bytes("notes.txt", b"hello " * 100)
        pack.finish({"contract": {"reference": "C-1", "title": "T"}})
    return target


def test_a_good_pack_verifies_and_lists_every_file(tmp_path):
    target = _pack(tmp_path)
    assert verify_pack(target) == []
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert [f["path"] for f in manifest["files"]] == [
            "evidence/plan.pdf",
            "notes.txt",
            "README.txt",
        ]
        assert archive.getinfo("evidence/plan.pdf").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("notes.txt").compress_type == zipfile.ZIP_DEFLATED


def test_a_failure_part_way_leaves_nothing_behind(tmp_path):
    source = tmp_path / "plan.pdf"
    source.write_bytes(b"%PDF-1.4 plan")
    target = tmp_path / "out" / "pack.zip"
    with pytest.raises(PackError), atomic_pack(target) as pack:
        pack.add_file("evidence/plan.pdf", source)
        pack.add_file("evidence/plan2.pdf", source, expected_sha256="0" * 64)
    assert list(target.parent.iterdir()) == []


def test_verify_pack_reports_damage_and_unreadable_packs(tmp_path):
    target = _pack(tmp_path)
    data = bytearray(target.read_bytes())
    at = data.index(b"%PDF-1.4 plan")
    data[at] ^= 0xFF  # a flipped byte inside a stored file: its CRC no longer matches
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    [problem] = verify_pack(damaged)
    assert problem.startswith("changed: evidence/plan.pdf")
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip")
    assert "cannot be read as a zip file" in verify_pack(garbage)[0]
    bare = tmp_path / "bare.zip"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("x.txt", "x")
    assert "manifest.json is missing" in verify_pack(bare)[0]


def test_compression_follows_the_file_type():
    assert compression_for("a.PDF") == zipfile.ZIP_STORED
    assert compression_for("a.jpeg") == zipfile.ZIP_STORED
    assert compression_for("a.csv") == zipfile.ZIP_DEFLATED
    assert compression_for("noextension") == zipfile.ZIP_DEFLATED
