"""Settings for svcollect, read once from the environment; bad values stop the app at start-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class _Reader:
    env: Mapping[str, str]

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name)
        return default if value is None or value == "" else value

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be {minimum} or more, not {value}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _demo_secret_key(instance_path: Path) -> str:
    """A secret generated once and kept in the instance folder, for development only."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _database_url(raw: str) -> str:
    # Heroku-style URLs and bare postgresql:// use psycopg 3, which is what we install.
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


def engine_options(database_url: str, busy_timeout_ms: int) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # pysqlite's timeout is SQLite's busy timeout: writers wait instead of failing.
        return {"connect_args": {"timeout": busy_timeout_ms / 1000}}
    return {"pool_pre_ping": True}


def load_config(instance_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables (SVCOLLECT_*)."""
    read = _Reader(os.environ if env is None else env)
    environment = read.text("SVCOLLECT_ENV", "development") or "development"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"SVCOLLECT_ENV must be one of {', '.join(ENVIRONMENTS)}")
    production = environment == "production"

    secret_key = read.text("SVCOLLECT_SECRET_KEY")
    if secret_key is None:
        if production:
            raise ConfigError("SVCOLLECT_SECRET_KEY must be set in production")
        secret_key = _demo_secret_key(instance_path)
    elif production and len(secret_key) < 32:
        raise ConfigError("SVCOLLECT_SECRET_KEY must be at least 32 characters in production")

    default_db = f"sqlite:///{instance_path / 'svcollect.sqlite3'}"
    database_url = _database_url(read.text("SVCOLLECT_DATABASE_URL", default_db) or default_db)
    if (
        production
        and database_url.startswith("sqlite")
        and not read.flag("SVCOLLECT_ALLOW_SQLITE_IN_PRODUCTION", False)
    ):
        raise ConfigError(
            "SVCOLLECT_DATABASE_URL points at SQLite; production needs PostgreSQL "
            "(set SVCOLLECT_ALLOW_SQLITE_IN_PRODUCTION=true to run a single-server trial)"
        )

    busy_timeout_ms = read.integer("SVCOLLECT_SQLITE_BUSY_TIMEOUT_MS", 5000, minimum=0)
    max_upload_mb = read.integer("SVCOLLECT_MAX_UPLOAD_MB", 20, minimum=1)
    suppression_k = read.integer("SVCOLLECT_SUPPRESSION_MIN_N", 10, minimum=5)
    questionnaire_dir = Path(
        read.text("SVCOLLECT_QUESTIONNAIRE_DIR", str(PROJECT_ROOT / "questionnaires"))
        or PROJECT_ROOT / "questionnaires"
    )

    outcomes_file = read.text("SVCOLLECT_OUTCOMES_FILE") or str(
        PROJECT_ROOT / "data" / "social_value_outcomes.yaml"
    )
    return {
        "SVCOLLECT_ENV": environment,
        "SVCOLLECT_OUTCOMES_FILE": Path(outcomes_file),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, busy_timeout_ms),
        "SQLALCHEMY_RECORD_QUERIES": False,
        "SVCOLLECT_QUESTIONNAIRE_DIR": questionnaire_dir,
        "SVCOLLECT_UPLOAD_DIR": Path(
            read.text("SVCOLLECT_UPLOAD_DIR", str(instance_path / "uploads"))
            or instance_path / "uploads"
        ),
        "SVCOLLECT_EXPORT_DIR": Path(
            read.text("SVCOLLECT_EXPORT_DIR", str(PROJECT_ROOT / "exports"))
            or PROJECT_ROOT / "exports"
        ),
        "SVCOLLECT_SUPPRESSION_MIN_N": suppression_k,
        "SVCOLLECT_BASE_URL": read.text("SVCOLLECT_BASE_URL"),
        # Whole request bodies larger than this get a 413 page; uploads are the largest.
        "MAX_CONTENT_LENGTH": (max_upload_mb + 1) * 1024 * 1024,
        "SVCOLLECT_MAX_UPLOAD_BYTES": max_upload_mb * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 500 * 1024,
        "REDIS_URL": read.text("SVCOLLECT_REDIS_URL"),
        # thread (in-process, the embedded default), rq (Redis queue) or inline (tests)
        "SVCOLLECT_JOBS": read.text("SVCOLLECT_JOBS"),
        "SVCOLLECT_RQ_QUEUE": read.text("SVCOLLECT_RQ_QUEUE", "svcollect"),
        # A queued or running job (pack export, spreadsheet import) not heard from for this
        # many minutes is shown as failed: its process stopped. Jobs write a heartbeat with
        # their progress; no step of one goes near 10 minutes without reporting progress.
        "SVCOLLECT_JOB_STALE_MINUTES": read.integer("SVCOLLECT_JOB_STALE_MINUTES", 10, minimum=1),
        # Days a finished evidence pack stays in the export folder before
        # `svcollect exports prune` deletes it (the job stays on record, marked deleted).
        "SVCOLLECT_EXPORT_RETENTION_DAYS": read.integer(
            "SVCOLLECT_EXPORT_RETENTION_DAYS", 30, minimum=1
        ),
        # Days after a contract's end date that its raw survey answers are kept before
        # `svcollect answers delete-expired` deletes them, keeping the results (DOMAIN.md §5:
        # set per deployment, e.g. the contract term plus one year).
        "SVCOLLECT_ANSWER_RETENTION_DAYS": read.integer(
            "SVCOLLECT_ANSWER_RETENTION_DAYS", 365, minimum=0
        ),
        "RATELIMIT_STORAGE_URI": read.text("SVCOLLECT_REDIS_URL", "memory://"),
        "RATELIMIT_ENABLED": read.flag("SVCOLLECT_RATELIMIT_ENABLED", True),
        # No X-RateLimit-* headers on every answer: building them costs a second Redis
        # round trip per request (about a tenth of a submission's time under load, see
        # tests/bench/load/README.md) and browsers do not read them. A refused request
        # still says when to come back: svcollect/web/errors.py sets Retry-After on 429s.
        "RATELIMIT_HEADERS_ENABLED": False,
        "SVCOLLECT_INVITATION_RATE_LIMIT": read.text(
            "SVCOLLECT_INVITATION_RATE_LIMIT", "60 per minute"
        ),
        "SVCOLLECT_SUBMIT_RATE_LIMIT": read.text("SVCOLLECT_SUBMIT_RATE_LIMIT", "20 per minute"),
        "SVCOLLECT_CONTINUE_OFFER_MINUTES": read.integer(
            "SVCOLLECT_CONTINUE_OFFER_MINUTES", 30, minimum=1
        ),
        "WTF_CSRF_TIME_LIMIT": read.integer("SVCOLLECT_CSRF_TIME_LIMIT", 3600, minimum=60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": read.flag("SVCOLLECT_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_SECURE": read.flag("SVCOLLECT_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SVCOLLECT_LANGUAGES": ("en", "cy"),
    }
