"""Digests against a real SMTP server: who gets what, in which language, once (R6,
R7, R10, R11, R24). Every received message is parsed."""

from __future__ import annotations

import email
import hashlib
import mailbox
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header

from tasks.notify import spool

TOKEN = re.compile(r"https://portal\.example/activate\?token=([A-Za-z0-9_\-%]+)")


AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def listed(received) -> list[str]:
    text = received.message.get_body(("plain",)).get_content()
    return re.findall(r"/documents/(DL\d)/([\w.-]+)", text)


def test_each_person_gets_one_digest_listing_exactly_what_they_may_open(
    world, deliver, smtp_server
):
    summary = deliver()
    got = smtp_server.handler.by_recipient()
    assert sorted(got) == [
        "an.peeters@example.be",
        "boekhouding@fiduciaire.example",
        "zoe@example.de",
    ]
    assert all(len(messages) == 1 for messages in got.values())  # R24: one e-mail each
    # the main contact: every code of the account, across issuers (R5, R24)
    assert listed(got["an.peeters@example.be"][0]) == [
        ("DL2", "2026-0002"),
        ("DL5", "2026-0003"),
        ("DL5", "2026-0001"),
    ]
    # the shared user: only the granted code, never DL20000777 (R9, R10)
    assert listed(got["boekhouding@fiduciaire.example"][0]) == [
        ("DL5", "2026-0003"),
        ("DL5", "2026-0001"),
    ]
    assert listed(got["zoe@example.de"][0]) == [("DL5", "2026-0004")]
    assert summary["digests_sent"] == 3 and summary["digests_queued"] == 3
    # jean switched DL20000555 off (R11); paper, history, unpublished: never announced
    assert "jean@example.fr" not in got
    assert summary["codes_without_recipient"] == {"DL20000555": 1}


def test_language_subject_dates_and_amounts_follow_the_recipient(world, deliver, smtp_server):
    deliver()
    got = smtp_server.handler.by_recipient()
    an = got["an.peeters@example.be"][0].message
    assert an["Subject"] == "I-Portal: 3 nieuwe documenten"
    assert an["Content-Language"] == "nl"
    text = an.get_body(("plain",)).get_content()
    assert "Beste An Peeters," in text and "Creditnota 2026-0002" in text
    assert "€\xa012.345,67" in text and "24 nov 2026" in text
    luc = got["boekhouding@fiduciaire.example"][0].message
    assert luc["Subject"] == "I-Portal : 2 nouveaux documents"
    assert "12\u202f345,67\xa0€" in luc.get_body(("plain",)).get_content()
    zoe = got["zoe@example.de"][0].message
    assert zoe["Subject"] == "I-Portal: 1 neues Dokument"
    assert "99,00\xa0€" in zoe.get_body(("html",)).get_content()


def test_html_and_text_alternatives_and_a_stable_message_id(world, deliver, smtp_server):
    deliver()
    ids = dict(world.rows("SELECT recipient, message_id FROM digests"))
    # one message per digest, each checked below (issue 22: an empty loop passed)
    assert ids and sorted(r.recipients[0] for r in smtp_server.handler.received) == sorted(ids)
    for received in smtp_server.handler.received:
        message = received.message
        assert message.get_content_type() == "multipart/alternative"
        kinds = [part.get_content_type() for part in message.iter_parts()]
        assert kinds == ["text/plain", "text/html"]
        assert message["Message-ID"] == ids[received.recipients[0]]
        assert message["Auto-Submitted"] == "auto-generated"
        assert received.sender == "no-reply@iportal.example"


def test_names_with_crlf_script_and_non_ascii_arrive_intact_and_harmless(
    world, deliver, smtp_server
):
    deliver()
    (received,) = smtp_server.handler.by_recipient()["zoe@example.de"]
    assert received.recipients == ["zoe@example.de"]  # no smuggled Bcc recipient
    message = received.message
    assert message["Bcc"] is None and "evil@attacker.example" not in received.recipients
    to = str(
        make_header(
            decode_header(received.data.split(b"\r\nSubject:")[0].split(b"To:")[1].decode())
        )
    )
    assert to.strip() == f"Zoë Bcc: evil@attacker.example {world.nasty_last} <zoe@example.de>"
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Ça" in html
    text = message.get_body(("plain",)).get_content()
    assert f"Guten Tag Zoë Bcc: evil@attacker.example {world.nasty_last}," in text


def test_invitation_link_exactly_when_the_account_is_not_active(world, deliver, smtp_server):
    deliver()
    got = smtp_server.handler.by_recipient()
    for address, messages in got.items():
        for part in ("plain", "html"):
            body = messages[0].message.get_body((part,)).get_content()
            assert bool(TOKEN.search(body)) == (address == "zoe@example.de"), (address, part)
    token = TOKEN.search(got["zoe@example.de"][0].message.get_body(("plain",)).get_content())[1]
    stored = world.rows("SELECT token_hash, user_id FROM invitations")
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), "u-zoe")]


def test_each_new_notification_carries_a_fresh_invitation(world, deliver, smtp_server):
    deliver()
    with world.edit() as w:
        w.document("DL5", "2026-0010", "DL50099999")
    deliver(as_of=AS_OF + timedelta(days=1))
    messages = smtp_server.handler.by_recipient()["zoe@example.de"]
    tokens = [TOKEN.search(m.message.get_body(("plain",)).get_content())[1] for m in messages]
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # R7: a fresh link each time
    superseded = world.rows("SELECT superseded_at IS NOT NULL FROM invitations ORDER BY issued_at")
    assert superseded == [(True,), (False,)]  # the older link stops working
    assert listed(messages[1]) == [("DL5", "2026-0010")]  # only what is new


def test_a_second_run_sends_nothing(world, deliver, smtp_server):
    deliver()
    again = deliver()
    assert again["digests_queued"] == 0 and again["digests_sent"] == 0
    assert len(smtp_server.handler.received) == 3


def test_daily_and_weekly_recipients_wait_for_their_period(world, deliver, smtp_server):
    deliver()  # immediate: neither the daily nor the weekly recipient
    daily = deliver("daily", AS_OF + timedelta(hours=5))
    assert daily["digests_sent"] == 1
    assert deliver("daily", AS_OF + timedelta(hours=9))["digests_queued"] == 0  # same day
    weekly = deliver("weekly", AS_OF + timedelta(days=3))  # Monday 30 November
    assert weekly["digests_sent"] == 1 and weekly["period"] == "2026-W49"
    got = smtp_server.handler.by_recipient()
    assert listed(got["daily@example.be"][0]) == [("DL5", "2026-0008")]
    assert got["daily@example.be"][0].message["Subject"] == "I-Portal: 1 new document"
    assert listed(got["weekly@example.be"][0]) == [("DL5", "2026-0008")]


def test_lines_of_a_revoked_grant_are_dropped_before_composing(world, deliver, smtp_server):
    world.rows("UPDATE users SET frequency = 'weekly' WHERE user_id = 'u-luc'")
    deliver()  # Luc's lines are resolved, waiting for his weekly digest
    world.rows("DELETE FROM grants WHERE user_id = 'u-luc'")  # R8: revoked
    summary = deliver("weekly", AS_OF + timedelta(days=3))
    assert summary["lines_dropped"] == {"access_revoked": 2}
    assert "boekhouding@fiduciaire.example" not in smtp_server.handler.by_recipient()


def test_a_person_with_two_roles_hears_of_a_document_once(world, deliver, smtp_server):
    with world.edit() as w:  # An is also the accountant of account D
        w.user("u-an-d", "acc-d", "shared", "An.Peeters@example.be", "nl", "An", "Peeters")
        w.grant("u-an-d", "DL50044444")
    deliver()
    (message,) = smtp_server.handler.by_recipient()["an.peeters@example.be"]
    assert ("DL5", "2026-0008") in listed(message) and len(listed(message)) == 4


def test_messages_drawn_in_worker_processes_are_the_same(
    world, deliver, config, smtp_server, monkeypatch
):
    monkeypatch.setattr(spool, "POOL_MIN_DIGESTS", 1)  # DESIGN rule 2: a pool for big runs
    summary = deliver(config_=replace(config, workers=2))
    assert summary["digests_sent"] == 3
    got = smtp_server.handler.by_recipient()
    assert listed(got["boekhouding@fiduciaire.example"][0]) == [
        ("DL5", "2026-0003"),
        ("DL5", "2026-0001"),
    ]


def test_without_a_mail_server_the_messages_land_in_the_maildir_outbox(world, deliver, config):
    summary = deliver(config_=replace(config, mailer="maildir", smtp=None))
    box = mailbox.Maildir(config.outbox_dir, create=False)
    messages = [
        email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.keys()
    ]
    assert summary["digests_sent"] == len(messages) == 3
    ids = {m for (m,) in world.rows("SELECT message_id FROM digests WHERE status = 'sent'")}
    assert {m["Message-ID"] for m in messages} == ids
