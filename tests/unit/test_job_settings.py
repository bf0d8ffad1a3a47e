"""Settings for background jobs: how long a silent job counts as running, how long packs stay."""

from __future__ import annotations

import pytest

from svcollect.config import ConfigError, load_config


def test_defaults_are_ten_minutes_and_thirty_days(tmp_path):
    config = load_config(tmp_path, {})
    assert config["SVCOLLECT_JOB_STALE_MINUTES"] == 10
    assert config["SVCOLLECT_EXPORT_RETENTION_DAYS"] == 30


def test_settings_are_read_from_the_environment(tmp_path):
    config = load_config(
        tmp_path, {"SVCOLLECT_JOB_STALE_MINUTES": "25", "SVCOLLECT_EXPORT_RETENTION_DAYS": "7"}
    )
    assert (config["SVCOLLECT_JOB_STALE_MINUTES"], config["SVCOLLECT_EXPORT_RETENTION_DAYS"]) == (
        25,
        7,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SVCOLLECT_JOB_STALE_MINUTES", "0", "1 or more"),
        ("SVCOLLECT_JOB_STALE_MINUTES", "soon", "whole number"),
        ("SVCOLLECT_EXPORT_RETENTION_DAYS", "0", "1 or more"),
        ("SVCOLLECT_EXPORT_RETENTION_DAYS", "a month", "whole number"),
    ],
)
def test_malformed_job_settings_are_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_config(tmp_path, {name: value})
    assert name in str(error.value)
