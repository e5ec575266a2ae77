"""End to end: the nightly flow sends the immediate digests into the embedded Maildir
outbox; the digest flow and `iportal digest` run on the same warehouse (R24)."""

import email
import mailbox
import re
from datetime import date
from email import policy

import pytest
from typer.testing import CliRunner

from flows.digest import digest
from flows.nightly import nightly
from iportal.cli import app
from tasks.generate import write_landing_files
from warehouse.store import open_writer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("prefect")]
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("digest")
    write_landing_files(
        data_dir / "landing", customers=30, years=1, seed=5, as_of=date(2026, 11, 27)
    )
    summary = nightly(as_of=AS_OF, data_dir=str(data_dir))
    return data_dir, summary


def rows(data_dir, sql: str) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute(sql).fetchall()


def outbox(data_dir) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(data_dir / "outbox", create=False)
    return [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.keys()]


def test_the_night_ends_with_one_digest_per_person_in_the_outbox(night):
    data_dir, summary = night
    notified = summary["notifications"]
    assert "error" not in notified, notified
    messages = outbox(data_dir)
    assert notified["digests_sent"] == len(messages) > 0
    sent = dict(rows(data_dir, "SELECT message_id, recipient FROM digests WHERE status = 'sent'"))
    assert {m["Message-ID"] for m in messages} == set(sent)
    for message in messages:
        assert message["To"].addresses[0].addr_spec.lower() == sent[message["Message-ID"]]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        # generated accounts are not active yet: every digest invites (R6)
        assert "/activate?token=" in text and "/activate?token=" in html
    portal_documents = rows(
        data_dir,
        "SELECT count(*) FROM deliveries WHERE channel = 'portal' AND status = 'published' "
        "AND purpose = 'original'",
    )[0][0]
    listed = sum(
        len(re.findall(r"/documents/", m.get_body(("plain",)).get_content())) for m in messages
    )
    assert listed == portal_documents == notified["documents_listed"]


def test_the_digest_flow_and_the_cli_run_on_the_same_warehouse(night):
    data_dir, _ = night
    before = len(outbox(data_dir))
    summary = digest(frequency="daily", as_of="2026-11-27T07:00", data_dir=str(data_dir))
    assert summary["period"] == "2026-11-27" and summary["digests_sent"] == 0
    assert rows(data_dir, "SELECT flow, status FROM runs WHERE flow LIKE 'digest-%'") == [
        ("digest-daily", "completed")
    ]
    result = CliRunner().invoke(
        app, ["digest", "--frequency", "weekly", "--data-dir", str(data_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert len(outbox(data_dir)) == before  # nothing new: nothing sent twice
    history = rows(data_dir, "SELECT DISTINCT role, frequency, status FROM notification_history")
    assert history == [("main", "immediate", "sent")]
