"""Audit the installed packages for known vulnerabilities: pip-audit, then fill its gaps.

pip-audit reads PyPI's per-release JSON (`/pypi/<name>/<version>/json`). Where that answers
"not found" (as from this workplace's PyPI proxy) pip-audit skips the package and still
says "No known vulnerabilities found". This script runs pip-audit, and for every package it
skipped reads PyPI's project JSON (`/pypi/<name>/json`) instead. That document carries the
same advisory data (PyPI's copy of the OSV database) but only for the project's latest
release, so it can vouch for a package only when the installed version *is* the latest.
Anything still unchecked is named with the reason.

Exit status: 1 when a vulnerability is found that `scripts/audit_ignore.txt` does not
explain, or (with --strict) when any package could not be audited; 0 otherwise.

    .venv/bin/python scripts/audit.py [--strict]
"""

from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404 - runs pip-audit from this venv with fixed arguments
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IGNORE_FILE = Path(__file__).with_name("audit_ignore.txt")
PYPI_PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    vuln_id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    source: str  # "pip-audit" or "PyPI project JSON"

    def ids(self) -> set[str]:
        return {self.vuln_id, *self.aliases}


@dataclass
class Report:
    audited: list[tuple[str, str, str]] = field(default_factory=list)  # name, version, how
    unaudited: list[tuple[str, str, str]] = field(default_factory=list)  # name, version, why
    findings: list[Finding] = field(default_factory=list)
    explained: list[tuple[Finding, str]] = field(default_factory=list)
    editable: list[str] = field(default_factory=list)


def read_ignores(text: str) -> dict[str, str]:
    """`ID reason…` per line; `#` starts a comment. A reason is required."""
    ignores: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"{IGNORE_FILE.name} line {number}: {vuln_id} needs a reason")
        ignores[vuln_id] = reason.strip()
    return ignores


def _version_from_skip(reason: str) -> str:
    # pip-audit: "Dependency not found on PyPI and could not be audited: name (1.2.3)"
    if reason.endswith(")") and "(" in reason:
        return reason.rsplit("(", 1)[1][:-1]
    return ""


def fallback_findings(
    name: str, version: str, project: dict[str, Any]
) -> tuple[list[Finding] | None, str]:
    """Findings for `name==version` from PyPI's project JSON, or None with why it can't tell."""
    latest = str(project.get("info", {}).get("version", ""))
    if latest != version:
        return None, f"PyPI's project JSON covers only the latest release ({latest})"
    found = [
        Finding(
            package=name,
            version=version,
            vuln_id=str(vuln.get("id", "")),
            aliases=tuple(vuln.get("aliases") or ()),
            fixed_in=tuple(vuln.get("fixed_in") or ()),
            source="PyPI project JSON",
        )
        for vuln in project.get("vulnerabilities") or ()
        if not vuln.get("withdrawn")
    ]
    return found, "PyPI project JSON (latest release)"


def build_report(
    pip_audit: dict[str, Any],
    fetch_project: Callable[[str], dict[str, Any] | None],
    ignores: dict[str, str],
) -> Report:
    report = Report()
    found: list[Finding] = []
    deps: list[dict[str, Any]] = []
    for dep in pip_audit.get("dependencies", []):
        if "editable" in dep.get("skip_reason", ""):
            report.editable.append(str(dep["name"]))  # this project, installed with -e
        else:
            deps.append(dep)
    wanted = [str(dep["name"]) for dep in deps if "skip_reason" in dep]
    projects = dict(zip(wanted, fetch_many(fetch_project, wanted), strict=True))
    for dep in deps:
        name = str(dep["name"])
        if "skip_reason" not in dep:
            version = str(dep.get("version", ""))
            report.audited.append((name, version, "pip-audit"))
            found.extend(
                Finding(
                    package=name,
                    version=version,
                    vuln_id=str(vuln["id"]),
                    aliases=tuple(vuln.get("aliases") or ()),
                    fixed_in=tuple(vuln.get("fix_versions") or ()),
                    source="pip-audit",
                )
                for vuln in dep.get("vulns", [])
            )
            continue
        version = _version_from_skip(str(dep["skip_reason"]))
        project = projects[name] if version else None
        if project is None:
            report.unaudited.append((name, version, str(dep["skip_reason"])))
            continue
        fallback, how = fallback_findings(name, version, project)
        if fallback is None:
            report.unaudited.append((name, version, how))
        else:
            report.audited.append((name, version, how))
            found.extend(fallback)
    for finding in distinct(found):
        reason = next((ignores[i] for i in sorted(finding.ids()) if i in ignores), None)
        if reason is None:
            report.findings.append(finding)
        else:
            report.explained.append((finding, reason))
    return report


def distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per advisory and package: PYSEC and GHSA records of one flaw alias each other."""
    kept: list[Finding] = []
    for finding in findings:
        if not any(k.package == finding.package and k.ids() & finding.ids() for k in kept):
            kept.append(finding)
    return kept


def fetch_many(
    fetch: Callable[[str], dict[str, Any] | None], names: list[str]
) -> list[dict[str, Any] | None]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, names))


def fetch_project_json(name: str) -> dict[str, Any] | None:
    url = PYPI_PROJECT_JSON.format(name=name)
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:  # noqa: S310 - fixed https URL
            return dict(json.load(answer))
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def run_pip_audit(ignored: Iterable[str]) -> dict[str, Any]:
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--skip-editable",
    ]
    for vuln_id in ignored:
        command += ["--ignore-vuln", vuln_id]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed arguments
    # pip-audit exits 1 when it finds something; the JSON on stdout says what.
    try:
        return dict(json.loads(done.stdout))
    except ValueError:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"pip-audit gave no JSON (exit {done.returncode})") from None


def print_report(report: Report) -> None:
    how_counts: dict[str, int] = {}
    for _, _, how in report.audited:
        how_counts[how] = how_counts.get(how, 0) + 1
    total = len(report.audited) + len(report.unaudited)
    print(f"audited {len(report.audited)} of {total} installed packages:")
    for how, count in sorted(how_counts.items()):
        print(f"  {count:3d} by {how}")
    if report.editable:
        print(f"not audited, installed editable (this project): {', '.join(report.editable)}")
    if report.unaudited:
        print(f"not audited ({len(report.unaudited)}):")
        for name, version, why in report.unaudited:
            print(f"  {name} {version}: {why}")
    for finding, reason in report.explained:
        print(f"explained: {finding.package} {finding.version} {finding.vuln_id}: {reason}")
    if report.findings:
        print(f"VULNERABLE ({len(report.findings)}):")
        for f in report.findings:
            fixed = ", ".join(f.fixed_in) or "no fixed release listed"
            aliases = f" ({', '.join(f.aliases)})" if f.aliases else ""
            print(f"  {f.package} {f.version}: {f.vuln_id}{aliases}, fixed in {fixed} [{f.source}]")
    else:
        print("no unexplained vulnerabilities in the audited packages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="fail when a package is unaudited")
    args = parser.parse_args(argv)
    ignores = read_ignores(IGNORE_FILE.read_text(encoding="utf-8"))
    report = build_report(run_pip_audit(ignores), fetch_project_json, ignores)
    print_report(report)
    if report.findings or (args.strict and report.unaudited):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
