"""svcollect: collect and defend social value evidence for UK public contracts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, has_request_context, request
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides settings read from the environment (used by tests)."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config)
    configure_memory()
    register_extensions(app)
    register_templates(app)
    register_questionnaires(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    return app


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    from svcollect.config import load_config

    instance = Path(app.instance_path)
    env = None
    if overrides and "ENVIRON" in overrides:
        env = overrides["ENVIRON"]
    app.config.update(load_config(instance, env))
    if overrides:
        app.config.update({k: v for k, v in overrides.items() if k != "ENVIRON"})
        if "SQLALCHEMY_DATABASE_URI" in overrides and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
            from svcollect.config import engine_options

            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
                overrides["SQLALCHEMY_DATABASE_URI"], 5000
            )
    app.config["SVCOLLECT_VERSION"] = __version__


def configure_memory() -> None:
    """Keep a worker's resident memory near what a large score or export needs, not its peak.

    Arrow (pandas' string columns, the PostgreSQL answers reader) allocates through the C
    library's malloc rather than its bundled mimalloc, which kept the pages a large job had
    freed. And glibc's malloc is told a fixed threshold above which it maps blocks of their
    own (and unmaps them when freed): by default the threshold rises after each large block
    freed, so the chunk-sized blocks a job allocates over and over came from the heap, which
    then stayed fragmented. At 100,000 responses, calculating one contract's results peaked
    at 74-109 MiB above where it started, varying from run to run; about 57 MiB with these
    settings (README, "Performance and reliability").
    """
    import contextlib
    import ctypes
    import ctypes.util

    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    name = ctypes.util.find_library("c")
    if name and "libc.so" in name:
        with contextlib.suppress(OSError, AttributeError):  # not glibc: its defaults stand
            ctypes.CDLL(name).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value, kept fixed


def register_extensions(app: Flask) -> None:
    from flask_login import current_user
    from flask_talisman import Talisman

    from svcollect.database import configure_engine_events, end_sessions_safely
    from svcollect.extensions import babel, csrf, db, limiter, login_manager, migrate
    from svcollect.services.accounts import load_user
    from svcollect.web.translation import register_translation

    configure_engine_events()
    db.init_app(app)
    end_sessions_safely(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Login's own context processor loads the user for every template, so every
    # respondent page went through its session protection (see signed_in_user). Templates
    # get the lazy proxy instead: the user is loaded only where a template uses it.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # no "Please log in" flash message
    login_manager.user_loader(load_user)
    babel.init_app(app, locale_selector=_select_locale)
    register_translation(app)  # charts and other pure code, in the request's language
    production = app.config["SVCOLLECT_ENV"] == "production"
    Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    @app.after_request
    def _kept_by_no_browser(response: Response) -> Response:
        # Pages show answers, results, set-password links and personal details: no browser
        # or proxy keeps a copy, and Back asks for the page again (with a new form key).
        # Static files and downloads say for themselves.
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


def _select_locale() -> str | None:
    """The visitor's language; outside a request (CLI commands, background jobs, tests
    calling services) None, so messages are in BABEL_DEFAULT_LOCALE rather than gettext
    failing for want of a request to read Accept-Language from."""
    from flask import current_app

    if not has_request_context():
        return None
    return request.accept_languages.best_match(current_app.config["SVCOLLECT_LANGUAGES"])


def register_templates(app: Flask) -> None:
    from svcollect.web.template_helpers import register_template_helpers

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("svcollect", "templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_template_helpers(app)


def register_questionnaires(app: Flask) -> None:
    """Load and check every questionnaire file and the outcomes file; a broken or edited
    file stops the app."""
    from svcollect.services.outcomes import load_outcomes_into
    from svcollect.services.questionnaires import load_registry_into

    load_registry_into(app)
    load_outcomes_into(app)


def register_blueprints(app: Flask) -> None:
    from svcollect.web.admin import bp as admin_bp
    from svcollect.web.auth import bp as auth_bp
    from svcollect.web.dashboard import bp as dashboard_bp
    from svcollect.web.evidence import bp as evidence_bp
    from svcollect.web.exports import bp as exports_bp
    from svcollect.web.imports import bp as imports_bp
    from svcollect.web.main import bp as main_bp
    from svcollect.web.manage import bp as manage_bp
    from svcollect.web.questionnaires import bp as questionnaires_bp
    from svcollect.web.respondent import bp as respondent_bp
    from svcollect.web.results import bp as results_bp
    from svcollect.web.review import bp as review_bp
    from svcollect.web.supplier import bp as supplier_bp
    from svcollect.web.valuation import bp as valuation_bp

    for blueprint in (
        main_bp,
        respondent_bp,
        manage_bp,
        questionnaires_bp,
        imports_bp,
        review_bp,
        supplier_bp,
        evidence_bp,
        results_bp,
        valuation_bp,
        exports_bp,
        dashboard_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)


def register_errors(app: Flask) -> None:
    from svcollect.web.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from svcollect.cli import register_commands

    register_commands(app)
