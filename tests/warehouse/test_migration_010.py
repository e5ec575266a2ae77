"""Migration 010 (R18): codes issued before it gain the day that the old reading of
"15 weeks" took away: issued 1 September, valid through 15 December."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import duckdb

from domain.activation_codes import is_code_valid, last_valid_day
from warehouse.store import apply_migrations, migration_files, run_sql

BRUSSELS = ZoneInfo("Europe/Brussels")


def test_codes_issued_before_the_fix_become_valid_through_day_105(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    run_sql(con, "SET TimeZone = 'UTC'")
    run_sql(con, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                 "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")  # fmt: skip
    for path in migration_files():
        if int(path.name[:3]) < 10:
            run_sql(con, path.read_text())
            run_sql(con, "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [int(path.name[:3]), path.stem, datetime.now(UTC)])  # fmt: skip
    old_expiries = {  # what the old rule stored: D + 105 at 00:00 local
        "SEP": datetime(2026, 12, 15, tzinfo=BRUSSELS),  # issued 1 September 2026
        "MAR": datetime(2026, 6, 14, tzinfo=BRUSSELS),  # issued 1 March, across summer time
    }
    for serial, (code, expires) in enumerate(old_expiries.items(), 1):
        run_sql(con, "INSERT INTO activation_codes (code_hash, customer_code, serial, "
                     "issued_at, expires_at) VALUES (?, 'DL50000001', ?, ?, ?)",
                [code, serial, expires, expires])  # fmt: skip
    assert "010_code_validity_day_105" in apply_migrations(con)
    expiries = dict(run_sql(con, "SELECT code_hash, expires_at FROM activation_codes"))
    assert last_valid_day(expiries["SEP"]) == date(2026, 12, 15)
    assert expiries["SEP"] == datetime(2026, 12, 16, tzinfo=BRUSSELS)
    assert not is_code_valid(expiries["SEP"], datetime(2026, 12, 16, tzinfo=BRUSSELS))
    assert expiries["MAR"] == datetime(2026, 6, 15, tzinfo=BRUSSELS)
