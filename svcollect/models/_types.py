"""Column helpers shared by the models: UTC timestamps, CHECK-constrained choices, UK time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, DateTime, TypeDecorator
from sqlalchemy.engine import Dialect

#: UK time: days people see and choose (collection days, export periods, retention)
UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; svcollect stores UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def choice_check(column: str, choices: tuple[str, ...], name: str) -> CheckConstraint:
    allowed = ", ".join(f"'{c}'" for c in choices)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)
