"""Issue 19, operator actions on a real night: the R4 partner file (read back: exactly
four columns), the reprint of a lost mail piece (next batch, duplicate-marked, purpose
reprint, once), unflag and suppress an address (audited, suppressed digests fail)."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from typer.testing import CliRunner

from flows.nightly import nightly
from iportal.cli import app
from tasks.generate import write_landing_files
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("operator")
    write_landing_files(data_dir / "landing", customers=20, years=1, seed=9,
                        as_of=date(2026, 11, 27))  # fmt: skip
    nightly(as_of="2026-11-27", data_dir=str(data_dir))
    return data_dir


def rows(data_dir, sql: str, params=None) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql, params or []).fetchall()


def cli(data_dir, *argv: str):
    return CliRunner().invoke(app, [*argv, "--data-dir", str(data_dir)])


def test_the_partner_file_has_the_four_fields_of_r4_and_nothing_else(night, tmp_path):
    out = tmp_path / "partner.csv"
    result = cli(night, "partner", "export", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        contacts = list(reader)
    assert reader.fieldnames == ["email", "language", "last_name", "first_name"]
    expected = rows(night, "SELECT u.email, u.language, u.last_name, u.first_name FROM users u "
                    "JOIN accounts a USING (account_id) WHERE u.role = 'main' "
                    "AND a.status <> 'merged' ORDER BY u.email")  # fmt: skip
    assert [tuple(c.values()) for c in contacts] == expected and len(expected) > 0
    sha256 = json.loads(result.output)["sha256"]
    ((payload,),) = rows(night, "SELECT payload FROM audit_log WHERE event_type = "
                         "'partner_file_exported' AND entity = ?", [sha256])  # fmt: skip
    assert json.loads(payload) == {"rows": len(expected)}  # a count, no personal data


def test_a_lost_piece_is_reprinted_once_in_the_next_batch_marked_as_a_duplicate(night):
    issuer, number, batch = rows(
        night,
        "SELECT issuer, document_number, print_batch_id FROM deliveries "
        "WHERE channel = 'paper' AND print_batch_id IS NOT NULL ORDER BY 1, 2 LIMIT 1",
    )[0]
    result = cli(night, "reprint", issuer, number, "--reason", "lost in transit")
    assert result.exit_code == 0, result.output
    again = cli(night, "reprint", issuer, number, "--reason", "lost again")
    assert again.exit_code == 1 and "already reprinted" in again.output
    electronic = rows(night, "SELECT issuer, document_number FROM deliveries WHERE channel "
                      "<> 'paper' AND purpose = 'original' LIMIT 1")[0]  # fmt: skip
    refused = cli(night, "reprint", *electronic, "--reason", "x")
    assert refused.exit_code == 1 and "no paper piece" in refused.output

    nightly(as_of="2026-11-28", data_dir=str(night))
    (new_batch, status, variant) = rows(
        night, "SELECT v.print_batch_id, v.status, r.variant FROM deliveries v "
        "JOIN renditions r ON r.issuer = v.issuer AND r.document_number = v.document_number "
        "AND r.variant = 'duplicate' WHERE v.issuer = ? AND v.document_number = ? "
        "AND v.purpose = 'reprint'", [issuer, number])[0]  # fmt: skip
    assert new_batch and new_batch != batch and status == "dispatched"
    (original,) = rows(night, "SELECT count(*) FROM deliveries WHERE issuer = ? AND "
                       "document_number = ? AND channel = 'paper' AND purpose = 'original' "
                       "AND print_batch_id = ?", [issuer, number, batch])[0:1]  # fmt: skip
    assert original == (1,)  # the original piece stays as it was
    manifest = next((night / "print" / new_batch).glob("*.csv")).read_text()
    assert f"{issuer}/{number}/paper/reprint" in manifest
    assert rows(night, "SELECT count(*) FROM audit_log WHERE event_type = 'reprint_requested' "
                "AND entity = ?", [f"{issuer}/{number}"]) == [(1,)]  # fmt: skip


def test_unflag_and_suppress_an_address(night):
    with open_writer(night / "warehouse.duckdb", "test") as con:
        con.execute("INSERT INTO flagged_addresses VALUES ('zoe@example.de', 2, now(), now())")
    assert cli(night, "bounces", "unflag", "ZOE@example.de").exit_code == 0
    assert rows(night, "SELECT count(*) FROM flagged_addresses") == [(0,)]
    assert "was not flagged" in cli(night, "bounces", "unflag", "zoe@example.de").output

    (recipient,) = rows(night, "SELECT recipient FROM digests LIMIT 1")[0]
    rows(night, "UPDATE digests SET status = 'queued' WHERE recipient = ?", [recipient])
    done = cli(night, "bounces", "suppress", recipient, "--reason", "company closed")
    assert done.exit_code == 0, done.output
    digest = cli(night, "digest", "--frequency", "daily", "--as-of", "2026-11-29T07:00")
    assert digest.exit_code == 0, digest.output
    assert rows(night, "SELECT DISTINCT status, last_error FROM digests WHERE recipient = ?",
                [recipient]) == [("failed", "address suppressed by an operator")]  # fmt: skip
    events = rows(night, "SELECT event_type, payload FROM audit_log WHERE event_type IN "
                  "('address_unflagged', 'address_suppressed') ORDER BY seq")  # fmt: skip
    assert [e for e, _ in events] == ["address_unflagged", "address_suppressed"]
    assert all("@" not in payload for _, payload in events)  # no e-mail in the chain
