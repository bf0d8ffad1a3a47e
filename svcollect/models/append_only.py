"""Database triggers that make the audit log append-only, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Connection

TABLE = "audit_event"
MESSAGE = "the audit log is append-only"


def install(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"""
            CREATE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        connection.exec_driver_sql(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def remove(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        for event in ("update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_no_{event}")
