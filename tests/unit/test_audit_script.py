"""scripts/audit.py: pip-audit's findings, its skipped packages filled from PyPI, exit codes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"
_SPEC = importlib.util.spec_from_file_location("svcollect_audit_script", _PATH)
assert _SPEC and _SPEC.loader
audit = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = audit  # dataclasses look their module up by name
_SPEC.loader.exec_module(audit)


def skipped(name: str, version: str) -> dict[str, str]:
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    }


def project(latest: str, *vulns: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"version": latest}, "vulnerabilities": list(vulns)}


def vuln(vuln_id: str, *aliases: str, withdrawn: str | None = None) -> dict[str, Any]:
    return {"id": vuln_id, "aliases": list(aliases), "fixed_in": ["9.9"], "withdrawn": withdrawn}


def report(deps: list[dict[str, Any]], projects: dict[str, Any], ignores: dict[str, str] = {}):  # noqa: B006
    asked: list[str] = []

    def fetch(name: str) -> dict[str, Any] | None:
        asked.append(name)
        return projects.get(name)

    result = audit.build_report({"dependencies": deps, "fixes": []}, fetch, ignores)
    return result, asked


def test_pip_audit_findings_are_reported_and_its_clean_packages_count_as_audited():
    deps = [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "jinja2", "version": "2.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1"]}]},
    ]
    result, asked = report(deps, {})
    assert asked == []  # nothing skipped, PyPI not asked
    assert [(f.package, f.vuln_id, f.fixed_in, f.source) for f in result.findings] == [
        ("jinja2", "GHSA-x", ("3.1",), "pip-audit")
    ]
    assert [a[0] for a in result.audited] == ["flask", "jinja2"]
    assert result.unaudited == []


def test_a_skipped_package_at_the_latest_release_is_checked_against_pypi_project_json():
    deps = [skipped("oldlib", "2.6.1"), skipped("fine", "1.0")]
    projects = {
        "oldlib": project(
            "2.6.1",
            vuln("PYSEC-1", "CVE-1", "GHSA-1"),
            vuln("GHSA-1", "CVE-1", "PYSEC-1"),  # the same flaw under its other record
            vuln("PYSEC-2", withdrawn="2025-01-01"),
        ),
        "fine": project("1.0"),
    }
    result, asked = report(deps, projects)
    assert sorted(asked) == ["fine", "oldlib"]
    assert [(f.package, f.vuln_id, f.source) for f in result.findings] == [
        ("oldlib", "PYSEC-1", "PyPI project JSON")
    ]
    assert {a[0] for a in result.audited} == {"oldlib", "fine"}


def test_a_skipped_package_behind_the_latest_release_or_unreachable_is_named_unaudited():
    deps = [skipped("numpy", "2.4.6"), skipped("gone", "1.0")]
    result, _ = report(deps, {"numpy": project("2.5.5", vuln("PYSEC-9"))})
    assert result.findings == []  # the latest release's advisories say nothing about 2.4.6
    assert [(name, version) for name, version, _ in result.unaudited] == [
        ("numpy", "2.4.6"),
        ("gone", "1.0"),
    ]
    assert "latest release (2.5.5)" in result.unaudited[0][2]


def test_this_project_installed_editable_is_listed_apart():
    deps = [{"name": "svcollect", "skip_reason": "distribution marked as editable"}]
    result, asked = report(deps, {})
    assert result.editable == ["svcollect"] and result.unaudited == [] and asked == []


def test_an_ignore_with_its_reason_explains_a_finding_by_any_alias():
    deps = [skipped("oldlib", "2.6.1")]
    projects = {"oldlib": project("2.6.1", vuln("PYSEC-1", "CVE-1"), vuln("PYSEC-3"))}
    result, _ = report(deps, projects, {"CVE-1": "only the unused module is affected"})
    assert [f.vuln_id for f in result.findings] == ["PYSEC-3"]
    assert [(f.vuln_id, why) for f, why in result.explained] == [
        ("PYSEC-1", "only the unused module is affected")
    ]


def test_the_ignore_file_needs_a_reason_for_every_id():
    assert audit.read_ignores("# comment\n\nGHSA-a  not reachable: we never call it  # why\n") == {
        "GHSA-a": "not reachable: we never call it"
    }
    with pytest.raises(ValueError, match="line 2: CVE-2 needs a reason"):
        audit.read_ignores("CVE-1 fine\nCVE-2\n")


def test_the_shipped_ignore_file_parses():
    audit.read_ignores(audit.IGNORE_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("deps", "args", "status"),
    [
        ([{"name": "a", "version": "1", "vulns": []}], [], 0),
        ([{"name": "a", "version": "1", "vulns": [{"id": "X"}]}], [], 1),
        ([skipped("b", "1.0")], [], 0),  # unaudited is named, not a failure…
        ([skipped("b", "1.0")], ["--strict"], 1),  # …unless asked
    ],
)
def test_exit_status(monkeypatch, capsys, deps, args, status):
    monkeypatch.setattr(audit, "run_pip_audit", lambda ignored: {"dependencies": deps})
    monkeypatch.setattr(audit, "fetch_project_json", lambda name: None)
    assert audit.main(args) == status
    out = capsys.readouterr().out
    assert ("VULNERABLE" in out) == any(d.get("vulns") for d in deps)
