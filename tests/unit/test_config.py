"""Settings come from the environment once; bad values stop the app with the name of the setting."""

from __future__ import annotations

import pytest

from svcollect.config import ConfigError, load_config


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = load_config(tmp_path, {})
    second = load_config(tmp_path, {})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'svcollect.sqlite3'}"
    assert first["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 5.0}}


def test_production_requires_a_strong_secret_and_postgres(tmp_path):
    with pytest.raises(ConfigError, match="SVCOLLECT_SECRET_KEY must be set"):
        load_config(tmp_path, {"SVCOLLECT_ENV": "production"})
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(tmp_path, {"SVCOLLECT_ENV": "production", "SVCOLLECT_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_config(tmp_path, {"SVCOLLECT_ENV": "production", "SVCOLLECT_SECRET_KEY": "k" * 40})
    config = load_config(
        tmp_path,
        {
            "SVCOLLECT_ENV": "production",
            "SVCOLLECT_SECRET_KEY": "k" * 40,
            "SVCOLLECT_DATABASE_URL": "postgres://svc@db/svc",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://svc@db/svc"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SVCOLLECT_MAX_UPLOAD_MB", "lots", "whole number"),
        ("SVCOLLECT_SUPPRESSION_MIN_N", "3", "5 or more"),
        ("SVCOLLECT_SECURE_COOKIES", "maybe", "true or false"),
        ("SVCOLLECT_ENV", "staging", "must be one of"),
    ],
)
def test_malformed_settings_are_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_config(tmp_path, {name: value})
    assert name in str(error.value)
