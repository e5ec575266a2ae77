""" "Your history is available" (R21, issue 5) against a real SMTP server: one message
per main contact, in their language, never twice, through the digests' machinery."""

from __future__ import annotations

from datetime import date, timedelta

from tasks.notify.notices import announce_history, find_history_notices
from tasks.notify.transport import MaildirMailer

HISTORY = date(2021, 3, 15)


def backfilled(w, issuer: str, number: str, code: str, status: str = "published") -> None:
    w.document(issuer, number, code, issue_date=HISTORY, history=True, purpose="backfill",
               status=status)  # fmt: skip


def add_history(world) -> None:
    """acc-a (nl, active): both codes; acc-b (pending): one; acc-c (fr): one; acc-d (en)."""
    with world.edit() as w:
        backfilled(w, "DL2", "2021-0100", "DL20000777")
        backfilled(w, "DL2", "2021-0101", "DL20000777")
        backfilled(w, "DL5", "2021-0102", "DL50099999")
        backfilled(w, "DL2", "2021-0103", "DL20000555")
        backfilled(w, "DL5", "2021-0104", "DL50044444")
        backfilled(w, "DL5", "2021-0105", "DL50044444", status="decided")  # not yet published
        w.account("acc-e")
        w.code("DL50066666", "acc-e")
        w.user("u-eva", "acc-e", "main", "eva@example.de", "de", "Eva", "Becker")
        backfilled(w, "DL5", "2021-0106", "DL50066666")


ALL_CODES = ["DL50012345", "DL20000777", "DL50099999", "DL20000555", "DL50044444", "DL50066666"]


def announce(config, codes=ALL_CODES, as_of=None, mailer=None, world=None):
    return announce_history(config, codes, as_of or world.as_of, "run-b", "test", mailer=mailer)


def test_one_message_per_main_contact_in_their_language(world, config, smtp_server):
    add_history(world)
    summary = announce(config, world=world)
    got = smtp_server.handler.by_recipient()
    # the shared user (luc), the pending account's contact (zoe) hear nothing (R21: an
    # activated account); every other main contact exactly once, whatever their codes
    assert sorted(got) == [
        "an.peeters@example.be",
        "daily@example.be",
        "eva@example.de",
        "jean@example.fr",
    ]
    assert all(len(m) == 1 for m in got.values())
    assert summary["notices_queued"] == 4 and summary["notices_sent"] == 4
    subjects = {a: m[0].message["Subject"] for a, m in got.items()}
    assert subjects == {
        "an.peeters@example.be": "I-Portal: uw historiek is beschikbaar",
        "daily@example.be": "I-Portal: your history is available",
        "eva@example.de": "I-Portal: Ihr Verlauf ist verfügbar",
        "jean@example.fr": "I-Portal : votre historique est disponible",
    }
    an = got["an.peeters@example.be"][0].message
    assert an["Content-Language"] == "nl"
    text = an.get_body(("plain",)).get_content()
    # the fixture's 2019-0007 (DL50012345) and the two DL20000777 documents: 3 in all
    assert "Beste An Peeters," in text and "3 documenten voor de klantencodes" in text
    assert "Klantencode DL20000777: 2 documenten" in text
    assert "Klantencode DL50012345: 1 documenten" in text
    # only published history counts: 2021-0105 is still being rendered
    assert (
        "Customer code DL50044444: 1 documents"
        in got["daily@example.be"][0].message.get_body(("plain",)).get_content()
    )
    html = got["jean@example.fr"][0].message.get_body(("html",)).get_content()
    assert "Bonjour Jean Dupont," in html and "Code client DL20000555" in html


def test_a_second_backfill_sends_nothing_and_a_new_code_gets_its_own_notice(
    world, config, smtp_server
):
    add_history(world)
    announce(config, world=world)
    assert len(smtp_server.handler.received) == 4
    with world.edit() as w:  # more history of an announced code: not announced again
        backfilled(w, "DL2", "2021-0200", "DL20000777")
    again = announce(config, world=world)
    assert again["notices_queued"] == 0 and again["notices_sent"] == 0
    assert len(smtp_server.handler.received) == 4
    with world.edit() as w:  # a code added later to acc-a (R21): told about it alone
        w.code("DL50077777", "acc-a")
        backfilled(w, "DL5", "2021-0201", "DL50077777")
    later = announce(config, codes=["DL50077777"], world=world)
    assert later["notices_sent"] == 1
    last = smtp_server.handler.received[-1]
    assert last.recipients == ["an.peeters@example.be"]
    text = last.message.get_body(("plain",)).get_content()
    assert "DL50077777" in text and "DL20000777" not in text


def test_message_id_and_records_reuse_the_digest_scheme(world, config, smtp_server):
    add_history(world)
    announce(config, world=world)
    rows = world.rows(
        "SELECT recipient, frequency, period, message_id, status, documents, customer_codes "
        "FROM notification_history WHERE frequency = 'notice' ORDER BY recipient"
    )
    assert [r[0] for r in rows] == [
        "an.peeters@example.be",
        "daily@example.be",
        "eva@example.de",
        "jean@example.fr",
    ]
    assert {r[4] for r in rows} == {"sent"}
    by_recipient = {r[0]: r for r in rows}
    assert by_recipient["an.peeters@example.be"][5:] == (3, ["DL20000777", "DL50012345"])
    assert sorted(r.recipients[0] for r in smtp_server.handler.received) == list(by_recipient)
    for received in smtp_server.handler.received:
        message = received.message
        assert message["Message-ID"] == by_recipient[received.recipients[0]][3]
        assert message["Message-ID"].startswith("<digest.")  # bounces find it (R25)
        assert message["Auto-Submitted"] == "auto-generated"
    events = world.rows(
        "SELECT event_type, count(*) FROM audit_events WHERE event_type IN "
        "('notice_composed', 'digest_sent') GROUP BY ALL ORDER BY 1"
    )
    assert events == [("digest_sent", 4), ("notice_composed", 4)]


def test_unreachable_server_keeps_the_notice_queued_then_sends_it_once(
    world, config, config_for, smtp_server
):
    add_history(world)
    down = config_for(1)  # nothing listens on port 1
    first = announce(down, world=world)
    assert first["notices_queued"] == 4 and first["notices_sent"] == 0
    assert first["mailer_unavailable"]
    assert smtp_server.handler.received == []
    assert world.rows("SELECT DISTINCT status FROM digests WHERE frequency = 'notice'") == [
        ("queued",)
    ]
    later = announce(config, as_of=world.as_of + timedelta(hours=1), world=world)
    assert later["notices_queued"] == 0 and later["notices_sent"] == 4  # the queued ones
    assert len(smtp_server.handler.received) == 4


def test_an_unusable_address_fails_its_notice_and_spares_the_others(world, config, smtp_server):
    add_history(world)
    with world.edit() as w:
        w.con.execute(
            "UPDATE users SET email = 'jean@@example.fr' WHERE user_id = 'u-jean'"
        ).fetchall()
    summary = announce(config, world=world)
    assert summary["notices_sent"] == 3
    assert summary["notices_failed"] == [
        {"customer_codes": ["DL20000555"], "error": "invalid e-mail address in master data"}
    ]
    assert "jean@@example.fr" not in smtp_server.handler.by_recipient()
    again = announce(config, world=world)  # a failed address is not retried every run
    assert again["notices_queued"] == 0 and again["notices_failed"] == []


def test_no_published_history_no_notice(world, config, smtp_server):
    with world.edit() as w:
        w.account("acc-f")
        w.code("DL50088888", "acc-f")
        w.user("u-fay", "acc-f", "main", "fay@example.be", "nl")
        backfilled(w, "DL5", "2021-0300", "DL50088888", status="decided")
    with world.edit() as w:
        assert find_history_notices(w.con, ["DL50088888"]) == []
        assert find_history_notices(w.con, []) == []
    summary = announce(config, codes=["DL50088888"], world=world)
    assert summary["notices_queued"] == 0 and smtp_server.handler.received == []


def test_maildir_transport_when_no_smtp_server(world, config, tmp_path):
    add_history(world)
    outbox = tmp_path / "outbox-notices"
    summary = announce(config, mailer=MaildirMailer(outbox), world=world)
    assert summary["notices_sent"] == 4
    assert len(list((outbox / "new").iterdir())) == 4
