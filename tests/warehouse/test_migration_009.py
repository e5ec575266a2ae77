"""Migration 009 (issue 16) on a warehouse that has data of the old model: users rows
keyed by address, passwords on those rows, read marks per address."""

from datetime import UTC, datetime

import duckdb

from domain.passwords import hash_password, verify_password
from warehouse.store import apply_migrations, insert_rows, migration_files, run_sql

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def old_warehouse(path) -> duckdb.DuckDBPyConnection:
    """Migrations 001-008 only, as a warehouse of before issue 16."""
    con = duckdb.connect(str(path))
    run_sql(con, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
            "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")  # fmt: skip
    for migration in migration_files():
        if int(migration.name[:3]) <= 8:
            run_sql(con, migration.read_text())
            run_sql(con, "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [int(migration.name[:3]), migration.stem, NOW])  # fmt: skip
    return con


def user(user_id, account_id, role, email, status, password=None) -> dict:
    hashed = hash_password(password, salt=b"1" * 16) if password else None
    return {"user_id": user_id, "account_id": account_id, "role": role, "email": email,
            "language": "nl", "status": status, "created_at": NOW,
            "password_hash": hashed}  # fmt: skip


def test_one_person_per_address_keeps_the_main_contacts_password_and_the_reads(tmp_path):
    con = old_warehouse(tmp_path / "w.duckdb")
    accounts = [
        {"account_id": a, "login_kind": "email", "login_id": f"{a}@x.be", "segment": "B2C",
         "status": "active", "created_at": NOW}
        for a in ("A", "B")
    ]  # fmt: skip
    insert_rows(con, "accounts", accounts)
    insert_rows(con, "users", [
        user("U1", "A", "main", "an@x.be", "active", "mains password 1"),
        # the leak's shape: another account's user row with the same address, and the
        # password the other customer chose for it
        user("U2", "B", "shared", "An@X.be ", "active", "someone elses 2"),
        user("U3", "B", "main", "bob@x.be", "invited"),
    ])  # fmt: skip
    insert_rows(con, "document_reads", [
        {"reader_email": "an@x.be", "issuer": "DL5", "document_number": "1",
         "first_read_at": NOW},
        {"reader_email": "AN@x.be", "issuer": "DL5", "document_number": "1",
         "first_read_at": datetime(2026, 1, 1, tzinfo=UTC)},
    ])  # fmt: skip

    assert "009_people" in apply_migrations(con)

    people = run_sql(con, "SELECT email, password_hash, person_id FROM people ORDER BY 1")
    assert [email for email, *_ in people] == ["an@x.be", "bob@x.be"]
    assert verify_password("mains password 1", people[0][1])  # the main contact's, kept
    assert people[1][1] is None
    links = dict(run_sql(con, "SELECT user_id, person_id FROM users"))
    assert links == {"U1": people[0][2], "U2": people[0][2], "U3": people[1][2]}
    columns = {row[0] for row in run_sql(con, "DESCRIBE users")}
    assert "password_hash" not in columns  # the credential lives on the person only
    assert run_sql(con, "SELECT person_id, issuer, document_number, first_read_at "
                   "FROM document_reads") == [(people[0][2], "DL5", "1",
                                               datetime(2026, 1, 1, tzinfo=UTC))]  # fmt: skip
    live = run_sql(con, "SELECT user_id FROM live_memberships ORDER BY 1")
    assert live == [("U1",), ("U2",), ("U3",)]  # accepted, and a pending account's main
