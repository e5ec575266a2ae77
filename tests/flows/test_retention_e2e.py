"""Issue 19, retention on a real night with 13 years of history: the dry run counts
what the law lets go (art. 60 § 4 WBTW: 10 years from 1 January after the document's
date), --apply removes those documents from every table and their PDFs from storage,
the purge's commitment proves what went, `iportal audit verify` still passes, a legal
hold keeps a customer code, a deleted user's personal data is erased."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from config import settings as config
from flows.nightly import nightly
from iportal.cli import app
from tasks.generate import write_landing_files
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("retention")
    write_landing_files(data_dir / "landing", customers=16, years=13, seed=11,
                        as_of=date(2026, 11, 27))  # fmt: skip
    issued_before_2016 = []
    for path in (data_dir / "landing").glob("documents*.parquet"):
        for row in pq.read_table(path, columns=["issuer", "document_number", "issue_date"]
                                 ).to_pylist():  # fmt: skip
            if str(row["issue_date"]) < "2016-01-01":
                issued_before_2016.append((row["issuer"], row["document_number"]))
    nightly(as_of=AS_OF, data_dir=str(data_dir))
    return data_dir, sorted(issued_before_2016)


def rows(data_dir, sql: str, params=None) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql, params or []).fetchall()


def cli(data_dir, *argv: str, env: dict | None = None):
    config._cached.cache_clear()
    return CliRunner().invoke(app, [*argv, "--data-dir", str(data_dir)], env=env)


def test_dry_run_then_purge_keeps_the_chain_verifiable(night):
    data_dir, expected = night
    assert expected, "the generated history should reach back before 2016"
    held_code = rows(data_dir, "SELECT issuer || customer_number FROM documents "
                     "WHERE issue_date < DATE '2016-01-01' ORDER BY 1 LIMIT 1")[0][0]  # fmt: skip
    code_of = dict(rows(data_dir, "SELECT issuer || '/' || document_number, "
                        "issuer || customer_number FROM documents"))  # fmt: skip
    held = {k for k in expected if code_of[f"{k[0]}/{k[1]}"] == held_code}
    going = sorted(set(expected) - held)
    # PDFs archived by the night: render the history ones too, so there are files to go
    before = dict(rows(data_dir, "SELECT issuer || '/' || document_number || ':' || sha256, "
                       "path FROM renditions"))  # fmt: skip
    env = {"IPORTAL_RETENTION_HOLD_CUSTOMER_CODES": json.dumps([held_code])}
    dry = cli(data_dir, "retention", "--as-of", AS_OF, "--json", env=env)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["documents_purged"] == len(going)
    assert rows(data_dir, "SELECT count(*) FROM documents WHERE issue_date < '2016-01-01'") == [
        (len(expected),)
    ]  # a dry run changes nothing

    done = cli(data_dir, "retention", "--as-of", AS_OF, "--apply", "--json", env=env)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["documents_purged"] == len(going)
    left = rows(data_dir, "SELECT issuer, document_number FROM documents "
                "WHERE issue_date < DATE '2016-01-01' ORDER BY 1, 2")  # fmt: skip
    assert left == sorted(held)  # the legal hold kept its documents, nothing else stayed
    for table in ("deliveries", "renditions"):
        assert rows(data_dir, f"SELECT count(*) FROM {table} t JOIN (SELECT unnest(?) AS k) "
                    "ON t.issuer || '/' || t.document_number = k",
                    [[f"{i}/{n}" for i, n in going]]) == [(0,)]  # fmt: skip
    gone_files = [p for key, p in before.items() if key.split(":")[0] in
                  {f"{i}/{n}" for i, n in going}]  # fmt: skip
    assert all(not (data_dir / p).exists() for p in gone_files)
    # The commitment: sha256 over sorted "issuer/number:pdf-sha256" lines, recomputed here
    lines = sorted(f"{i}/{n}:" + ",".join(
        sorted(k.split(":")[1] for k in before if k.split(":")[0] == f"{i}/{n}"))
        for i, n in going)  # fmt: skip
    if len(going) <= 2000:  # one batch: one commitment
        assert summary["commitments"] == [hashlib.sha256("\n".join(lines).encode()).hexdigest()]
    verify = cli(data_dir, "audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert rows(data_dir, "SELECT count(*) FROM audit_log WHERE event_type = 'documents_purged'"
                ) == [(len(summary["commitments"]),)]  # fmt: skip
    again = cli(data_dir, "retention", "--as-of", AS_OF, "--apply", "--json", env=env)
    assert json.loads(again.output)["documents_purged"] == 0


def test_a_deleted_users_personal_data_is_erased_after_the_keep_days(night):
    data_dir, _ = night
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        con.execute(
            "UPDATE users SET status = 'deleted', deleted_at = TIMESTAMPTZ "
            "'2026-09-01 00:00:00+00' WHERE user_id = (SELECT min(user_id) FROM users)"
        )
        (user_id, email) = con.execute("SELECT user_id, email FROM users WHERE status = "
                                       "'deleted'").fetchone()  # fmt: skip
    done = cli(data_dir, "retention", "--as-of", AS_OF, "--apply", "--json")
    assert json.loads(done.output)["users_minimised"] == 1
    erased = rows(data_dir, "SELECT email, first_name, last_name FROM users "
                  "WHERE user_id = ?", [user_id])[0]  # fmt: skip
    reference = "erased:sha256:" + hashlib.sha256(email.lower().encode()).hexdigest()
    assert erased == (reference, None, None)
    person = rows(data_dir, "SELECT p.email, p.password_hash, (SELECT count(*) FROM users o "
                  "WHERE o.person_id = p.person_id AND o.status <> 'deleted') FROM people p "
                  "JOIN users u USING (person_id) WHERE u.user_id = ?", [user_id])[0]  # fmt: skip
    if person[2] == 0:  # no live membership left: the person's address goes too
        assert person[:2] == (reference, None)
    assert cli(data_dir, "audit", "verify").exit_code == 0
