"""Bounces (R25) from real delivery status notifications (RFC 3464, multipart/report;
report-type=delivery-status) built with the standard library, read from a Maildir."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from typer.testing import CliRunner

from iportal.cli import app
from tasks.notify import RetryPolicy, ingest_bounces
from tasks.notify.dsn import classify_status, parse_dsn
from warehouse.store import open_writer

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
LATER = AS_OF + timedelta(hours=5)


def dsn(
    recipient: str,
    status: str,
    action: str = "failed",
    message_id: str = "",
    whole_message: bool = False,
    diagnostic: str = "",
) -> bytes:
    """A bounce as an MTA writes it: human text, delivery status, original headers."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example"
    report["To"] = "no-reply@iportal.example"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(
        MIMEText(
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients.\n"
        )
    )
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx.example"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = diagnostic or f"smtp; {status} something went wrong"
    status_part = Message()
    status_part.set_type("message/delivery-status")
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    original = Message()
    original["Message-ID"] = message_id or "<unknown@elsewhere.example>"
    original["Subject"] = "I-Portal: 3 nieuwe documenten"
    if whole_message:
        original.set_payload("the body")
        report.attach(MIMEMessage(original))
    else:
        report.attach(MIMEText(original.as_string(), "rfc822-headers"))
    return report.as_bytes()


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("5.1.1", "failed", ("hard", "unknown_address")),
        ("5.1.10", "failed", ("hard", "unknown_address")),
        ("4.2.2", "failed", ("soft", "mailbox_full")),
        ("5.2.2", "failed", ("soft", "mailbox_full")),  # a full mailbox is soft, even 5.x
        ("5.7.1", "failed", ("hard", "blocked")),
        ("4.7.0", "failed", ("soft", "blocked")),
        ("5.4.4", "failed", ("hard", "other")),
        ("4.4.1", "delayed", ("soft", "other")),
        ("", "failed", ("hard", "other")),
    ],
)
def test_classify_status(status, action, expected):
    assert classify_status(status, action) == expected


def test_parse_dsn_reads_recipient_status_and_our_digest():
    data = dsn(
        "An.Peeters@Example.be",
        "5.1.1",
        message_id="<digest." + "a" * 32 + "@x.be>",
        whole_message=True,
    )
    (report,) = parse_dsn(data)
    assert report.address == "an.peeters@example.be" and report.digest_id == "a" * 32
    assert (report.kind, report.category, report.status_code) == (
        "hard",
        "unknown_address",
        "5.1.1",
    )
    assert parse_dsn(b"Subject: out of office\r\n\r\nI am away.\r\n") == []


def deliver_to_maildir(path, *messages: bytes):
    box = mailbox.Maildir(path, create=True)
    for data in messages:
        box.add(data)
    return path


def message_ids(world) -> dict[str, str]:
    return dict(world.rows("SELECT recipient, message_id FROM digests"))


def ingest(world, maildir, as_of=LATER, threshold=2):
    retry = RetryPolicy(backoff_base_seconds=600)
    with open_writer(world.database, "test") as con:
        return ingest_bounces(con, maildir, as_of, retry, threshold, "test")


def test_each_kind_is_recorded_against_the_address_and_its_digest(world, deliver, tmp_path):
    deliver()
    ids = message_ids(world)
    maildir = deliver_to_maildir(
        tmp_path / "bounces",
        dsn("an.peeters@example.be", "4.2.2", message_id=ids["an.peeters@example.be"]),
        dsn("zoe@example.de", "5.1.1", message_id=ids["zoe@example.de"], whole_message=True),
        dsn(
            "boekhouding@fiduciaire.example",
            "5.7.1",
            message_id=ids["boekhouding@fiduciaire.example"],
        ),
        dsn("someone@else.example", "4.4.1", action="delayed"),
        b"From: friend@example.be\r\nSubject: Re: your e-mail\r\n\r\nThanks!\r\n",
    )
    result = ingest(world, maildir)
    assert (result.messages, result.not_dsn, result.recorded) == (5, 1, 4)
    assert dict(result.by_category) == {
        "soft/mailbox_full": 1,
        "hard/unknown_address": 1,
        "hard/blocked": 1,
        "soft/other": 1,
    }
    states = dict(world.rows("SELECT recipient, status FROM digests"))
    assert states == {
        "an.peeters@example.be": "soft_bounce",
        "zoe@example.de": "hard_bounce",
        "boekhouding@fiduciaire.example": "hard_bounce",
    }
    assert world.rows("SELECT count(*) FROM deliveries WHERE status = 'published'") == [(7,)]
    again = ingest(world, maildir)  # marked seen: nothing new; the same DSN twice: a no-op
    assert (again.messages, again.recorded) == (0, 0)
    copy = deliver_to_maildir(
        tmp_path / "copy", *(p.read_bytes() for p in sorted(maildir.glob("cur/*")))
    )
    replay = ingest(world, copy)  # e.g. a crash between the commit and marking them seen
    assert (replay.messages, replay.recorded, replay.already_recorded) == (5, 0, 4)
    assert world.rows("SELECT count(*) FROM bounces") == [(4,)]


def test_a_soft_bounce_is_resent_later_with_the_same_message_id(
    world, deliver, smtp_server, tmp_path
):
    deliver()
    ids = message_ids(world)
    address = "an.peeters@example.be"
    ingest(
        world, deliver_to_maildir(tmp_path / "b", dsn(address, "4.2.2", message_id=ids[address]))
    )
    assert deliver(as_of=LATER)["digests_sent"] == 0  # backoff: not before LATER + 10 min
    assert deliver(as_of=LATER + timedelta(minutes=10))["digests_sent"] == 1
    resent = smtp_server.handler.by_recipient()[address]
    assert [m.message["Message-ID"] for m in resent] == [ids[address]] * 2
    assert world.rows("SELECT status, attempts FROM digests WHERE recipient = ?", [address]) == [
        ("sent", 2)
    ]


def test_repeated_hard_bounces_flag_the_address_with_its_customer_codes(world, deliver, tmp_path):
    deliver()
    first = ingest(
        world, deliver_to_maildir(tmp_path / "b1", dsn("an.peeters@example.be", "5.1.1"))
    )
    assert first.newly_flagged == []  # one hard bounce is not yet a pattern
    second = ingest(
        world,
        deliver_to_maildir(
            tmp_path / "b2", dsn("AN.PEETERS@example.be", "5.1.1", diagnostic="smtp; 550 gone")
        ),
    )
    assert second.newly_flagged == ["an.peeters@example.be"]
    report = deliver(as_of=LATER)
    (flagged,) = report["flagged_addresses"]
    assert flagged["address"] == "an.peeters@example.be" and flagged["hard_bounces"] == 2
    assert flagged["customer_codes"] == ["DL20000777", "DL50012345"]  # R31
    assert flagged["last_category"] == "unknown_address"


def test_cli_bounces_ingest_reports_flagged_addresses_with_customer_codes(world, deliver, tmp_path):
    deliver()
    maildir = deliver_to_maildir(
        tmp_path / "cli", dsn("zoe@example.de", "5.1.1"), dsn("zoe@example.de", "5.7.1")
    )
    result = CliRunner().invoke(
        app, ["bounces", "ingest", str(maildir), "--data-dir", str(world.database.parent)]
    )
    assert result.exit_code == 0, result.output
    assert "zoe@example.de" in result.output and "DL50099999" in result.output
    missing = CliRunner().invoke(
        app,
        ["bounces", "ingest", str(tmp_path / "nothing"), "--data-dir", str(world.database.parent)],
    )
    assert missing.exit_code == 1 and "is not a Maildir" in " ".join(missing.output.split())


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        ("550 5.1.1 User unknown", "5.1.1"),  # enhanced code, as a DSN records it
        ("554 5.7.1 Message rejected as spam", "5.7.1"),
        ("550 Mailbox unavailable", "5.0.0"),  # no enhanced code: the class, X.0.0
        ("garbled", None),
    ],
)
def test_an_smtp_refusal_records_its_status_code_like_the_dsn_path(reply, code):
    """Issue 19: a refusal at RCPT had status_code NULL."""
    from tasks.notify.bounces import reply_status_code

    assert reply_status_code(reply) == code
