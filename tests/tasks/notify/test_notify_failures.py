"""SMTP trouble: server down, 421, 550, a connection dropped mid-run, a crash after
the server accepted; then retry runs. Each digest is delivered exactly once in total,
and the documents stay available whatever happens to the e-mail (R25)."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tasks.notify import send as send_module
from tasks.notify.send import purge_spool
from tasks.notify.transport import SmtpMailer
from warehouse.store import open_writer

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
LATER = AS_OF + timedelta(hours=5)
RECIPIENTS = {"an.peeters@example.be", "boekhouding@fiduciaire.example", "zoe@example.de"}


@pytest.fixture
def connections() -> int:
    """SMTP connections of the send loop; tests parametrized with 2 run it in threads."""
    return 1


@pytest.fixture
def config(config, connections):
    return replace(config, smtp_connections=connections)


@pytest.fixture
def config_for(config_for, connections):
    return lambda port, **retry: replace(config_for(port, **retry), smtp_connections=connections)


def delivered(smtp_server) -> Counter:
    return Counter(r.message["Message-ID"] for r in smtp_server.handler.received)


def assert_each_digest_delivered_once(world, smtp_server) -> None:
    ids = {m for (m,) in world.rows("SELECT message_id FROM digests WHERE status = 'sent'")}
    assert delivered(smtp_server) == Counter({m: 1 for m in ids})
    assert set(smtp_server.handler.by_recipient()) == RECIPIENTS


def published(world) -> int:
    return world.rows(
        "SELECT count(*) FROM deliveries WHERE channel = 'portal' AND status = 'published'"
    )[0][0]


@pytest.mark.parametrize("connections", [1, 2])
def test_server_down_leaves_digests_queued_with_the_error(world, deliver, smtp_server, config_for):
    down = config_for(1)  # nothing listens on port 1
    first = deliver(config_=down)
    assert first["digests_sent"] == 0 and "Unavailable" not in first["mailer_unavailable"]
    assert "127.0.0.1:1" in first["mailer_unavailable"]
    queued = world.rows("SELECT status, attempts, last_error FROM digests")
    assert {s for s, _, _ in queued} == {"queued"} and len(queued) == 3
    assert all(n == 0 and "127.0.0.1:1" in e for _, n, e in queued)
    retry = deliver(as_of=LATER)  # server back: the next run sends them
    assert retry["digests_sent"] == 3 and retry["digests_queued"] == 0
    assert_each_digest_delivered_once(world, smtp_server)
    assert published(world) == 7  # documents stay available (R25)


@pytest.mark.parametrize("connections", [1, 2])
def test_421_is_soft_retried_later_with_backoff(world, deliver, smtp_server):
    smtp_server.handler.data_replies = ["421 4.3.2 Service shutting down"] * 6
    first = deliver()
    assert first["digests_deferred"] == 3 and first["digests_sent"] == 0
    due = world.rows("SELECT DISTINCT status, attempts, next_attempt_at FROM digests")
    assert due == [("queued", 1, AS_OF + timedelta(seconds=600))]
    assert deliver(as_of=AS_OF + timedelta(seconds=599))["digests_sent"] == 0  # not yet due
    assert deliver(as_of=AS_OF + timedelta(seconds=600))["digests_sent"] == 3
    assert_each_digest_delivered_once(world, smtp_server)
    events = world.rows(
        "SELECT event_type, count(*) FROM audit_log "
        "WHERE event_type LIKE 'digest_%' GROUP BY 1 ORDER BY 1"
    )
    assert events == [("digest_composed", 3), ("digest_deferred", 3), ("digest_sent", 3)]


@pytest.mark.parametrize("connections", [1, 2])
def test_soft_failures_give_up_after_max_attempts(world, deliver, smtp_server, config_for):
    smtp_server.handler.data_replies = ["451 4.3.0 try later"] * 100
    config = config_for(smtp_server.port, max_attempts=2, backoff_base_seconds=60)
    deliver(config_=config)
    deliver(as_of=AS_OF + timedelta(minutes=1), config_=config)
    states = world.rows("SELECT DISTINCT status, attempts FROM digests")
    assert states == [("failed", 2)]
    (error,) = {e for (e,) in world.rows("SELECT last_error FROM digests")}
    assert error.startswith("gave up after 2 attempts: 451")


@pytest.mark.parametrize("connections", [1, 2])
def test_550_is_hard_never_retried_and_recorded_as_a_bounce(world, deliver, smtp_server):
    smtp_server.handler.rcpt_replies = {"zoe@example.de": "550 5.1.1 User unknown"}
    first = deliver()
    assert first["digests_sent"] == 2 and first["digests_hard_bounces"] == 1
    smtp_server.handler.rcpt_replies = {}
    assert deliver(as_of=LATER + timedelta(days=1))["digests_sent"] == 0  # never retried
    assert world.rows(
        "SELECT status, attempts, last_error FROM digests WHERE recipient = 'zoe@example.de'"
    ) == [("hard_bounce", 1, "550 5.1.1 User unknown")]
    assert world.rows(
        "SELECT address, kind, category, action, source, status_code FROM bounces"
    ) == [("zoe@example.de", "hard", "unknown_address", "refused", "smtp", "5.1.1")]  # issue 19
    history = world.rows(
        "SELECT status, reason FROM notification_history WHERE recipient = 'zoe@example.de'"
    )
    assert history == [("hard_bounce", "550 5.1.1 User unknown")]
    assert published(world) == 7


@pytest.mark.parametrize("connections", [1, 2])
@pytest.mark.parametrize("attempts_per_run", [2, 1])
def test_connection_dropped_mid_run(world, deliver, smtp_server, config_for, attempts_per_run):
    smtp_server.handler.drop_before_reply = 1  # the second message never gets its reply
    config = config_for(smtp_server.port, attempts_per_run=attempts_per_run)
    first = deliver(config_=config)
    if attempts_per_run == 2:  # reconnected within the run
        assert first["digests_sent"] == 3
    else:  # the loop stops; the rest waits for the next run
        assert first["mailer_unavailable"].startswith("connection lost")
        assert first["digests_sent"] < 3
        assert deliver(as_of=LATER, config_=config)["digests_sent"] == 3 - first["digests_sent"]
    assert_each_digest_delivered_once(world, smtp_server)


def killed_before_first_record(monkeypatch) -> None:
    """The first bulk `sent` commit never happens: killed between the server's 250s and
    the record (later commits are real)."""
    real = send_module.record_sent

    def crash(*args, **kwargs):
        monkeypatch.setattr(send_module, "record_sent", real)
        raise KeyboardInterrupt("killed between the server's 250 and the record")

    monkeypatch.setattr(send_module, "record_sent", crash)


def test_crash_after_acceptance_resends_with_the_same_message_id(
    world, deliver, config, smtp_server, monkeypatch
):
    killed_before_first_record(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        deliver(config_=replace(config, record_every=1))
    assert len(smtp_server.handler.received) == 1
    assert deliver(as_of=LATER)["digests_sent"] == 3
    counts = delivered(smtp_server)
    assert sorted(counts.values()) == [1, 1, 2]  # the documented duplicate, same Message-ID
    assert sum(n for (n,) in world.rows("SELECT count(*) FROM digests")) == 3


@pytest.mark.parametrize("connections", [1, 2])
def test_a_crash_before_the_bulk_record_resends_what_it_held_byte_for_byte(
    world, deliver, smtp_server, monkeypatch
):
    killed_before_first_record(monkeypatch)  # record_every 100 > batch_size 2
    with pytest.raises(KeyboardInterrupt):
        deliver()
    assert len(smtp_server.handler.received) == 2  # the first chunk, accepted, unrecorded
    assert deliver(as_of=LATER)["digests_sent"] == 3
    assert sorted(delivered(smtp_server).values()) == [1, 2, 2]
    copies: dict[str, set[bytes]] = {}
    for received in smtp_server.handler.received:
        copies.setdefault(received.message["Message-ID"], set()).add(received.data)
    assert all(len(data) == 1 for data in copies.values())  # resent: the same bytes
    events = world.rows("SELECT count(*) FROM audit_log WHERE event_type = 'digest_sent'")
    assert events == [(3,)]  # one per digest, not per copy


class FailingOnSecond:
    """A mailer whose session breaks (a bug, not an SMTP reply) on the second message."""

    def __init__(self, mailer):
        self.mailer, self.sends = mailer, 0

    @contextmanager
    def session(self):
        with self.mailer.session() as inner:
            self.inner = inner
            yield self

    def send(self, data: bytes, sender: str, recipient: str) -> None:
        self.sends += 1
        if self.sends == 2:
            raise RuntimeError("a bug in the send loop")
        self.inner.send(data, sender, recipient)


def test_an_error_mid_chunk_still_records_what_the_server_accepted(
    world, deliver, config, smtp_server
):
    with pytest.raises(RuntimeError):
        deliver(mailer=FailingOnSecond(SmtpMailer(config.smtp)))
    assert world.rows("SELECT count(*) FROM digests WHERE status = 'sent'") == [(1,)]
    assert deliver(as_of=LATER)["digests_sent"] == 2
    assert_each_digest_delivered_once(world, smtp_server)


def test_crash_before_sending_loses_nothing(world, deliver, smtp_server, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after queueing, before any SMTP conversation")

    monkeypatch.setattr(send_module, "send_one", crash)
    with pytest.raises(KeyboardInterrupt):
        deliver()
    monkeypatch.undo()
    assert smtp_server.handler.received == []
    assert deliver(as_of=LATER)["digests_sent"] == 3
    assert_each_digest_delivered_once(world, smtp_server)


def test_an_unusable_address_fails_its_digest_only_quoting_the_customer_codes(
    world, deliver, smtp_server
):
    world.rows("UPDATE users SET email = 'zoe at example.de' WHERE user_id = 'u-zoe'")
    summary = deliver()
    assert summary["digests_sent"] == 2
    assert summary["compose_failures"] == [
        {
            "digest_id": summary["compose_failures"][0]["digest_id"],
            "customer_codes": ["DL50099999"],
            "error": "invalid e-mail address in master data",
        }
    ]
    assert world.rows("SELECT status FROM notification_history WHERE recipient LIKE 'zoe%'") == [
        ("failed",)
    ]
    events = world.rows("SELECT count(*) FROM audit_log WHERE event_type = 'digest_failed'")
    assert events == [(1,)]


def test_spooled_messages_of_finished_digests_are_purged(world, deliver, config):
    deliver()
    spooled = sorted(p.name for p in config.spool_dir.iterdir())
    assert len(spooled) == 3  # kept a while: a late soft bounce may ask for a resend
    with open_writer(config.warehouse_path, "test") as con:
        assert purge_spool(con, config.spool_dir, 7, datetime.now(UTC)) == 0
        assert purge_spool(con, config.spool_dir, 7, datetime.now(UTC) + timedelta(days=8)) == 3
    assert list(config.spool_dir.iterdir()) == []
    assert world.rows("SELECT DISTINCT spooled FROM digests") == [(False,)]
