"""Service-wide pages: home, privacy notice, accessibility statement and the health check."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import text

from svcollect.extensions import db

bp = Blueprint("main", __name__)


@bp.before_app_request
def refuse_control_characters_in_path() -> None:
    """No page has a NUL or control character in its address; PostgreSQL cannot even be asked
    about one, so refuse them before any view runs."""
    if any(ord(c) < 32 or ord(c) == 127 for c in request.path):
        abort(404)


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


@bp.route("/privacy")
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.route("/accessibility")
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.route("/favicon.ico")
def favicon() -> tuple[str, int]:
    return "", 204


@bp.route("/health")
def health() -> tuple[dict[str, Any], int]:
    """Database reachability and versions; no personal data."""
    report: dict[str, Any] = {"version": current_app.config["SVCOLLECT_VERSION"]}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as error:
        db.session.rollback()
        report["database"] = "unreachable"
        report["error"] = type(error).__name__
    report["database_backend"] = db.engine.dialect.name
    if db.engine.dialect.name == "sqlite":
        report["sqlite_version"] = sqlite3.sqlite_version
    status = 200 if report["database"] == "ok" else 503
    return report, status
