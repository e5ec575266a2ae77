"""Pure rules of the notifications: periods, keys, backoff, addresses, text."""

import email
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from zoneinfo import ZoneInfo

import pytest

from tasks.notify.invitations import invitation_context
from tasks.notify.message import (
    MAX_LINES,
    InvalidAddress,
    build_message,
    checked_address,
    clean_text,
    compose_email,
    template_context,
)
from tasks.notify.periods import digest_key, message_id, period_of, retry_delay
from tasks.notify.records import Digest, DigestLine
from tasks.notify.report import render_digest_markdown

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("moment", "daily", "weekly"),
    [
        (datetime(2026, 11, 29, 23, 59, 59, tzinfo=BRUSSELS), "2026-11-29", "2026-W48"),  # Sunday
        (datetime(2026, 11, 30, 0, 0, tzinfo=BRUSSELS), "2026-11-30", "2026-W49"),  # Monday
        (datetime(2027, 1, 1, 7, 0, tzinfo=BRUSSELS), "2027-01-01", "2026-W53"),  # ISO year
    ],
)
def test_periods_follow_the_local_calendar(moment, daily, weekly):
    assert period_of("daily", moment) == daily
    assert period_of("weekly", moment) == weekly
    assert period_of("immediate", moment) == moment.isoformat(timespec="seconds")


def test_an_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="immediate, daily, weekly"):
        period_of("monthly", datetime(2026, 11, 27, tzinfo=BRUSSELS))


def test_the_digest_key_is_stable_and_hides_the_address():
    key = digest_key("An.Peeters@example.be ", "daily", "2026-11-27")
    assert key == digest_key("an.peeters@example.be", "daily", "2026-11-27")
    assert key != digest_key("an.peeters@example.be", "weekly", "2026-11-27")
    assert "peeters" not in message_id(key, "iportal.example")
    assert message_id(key, "iportal.example") == f"<digest.{key}@iportal.example>"


def test_backoff_doubles_and_is_capped():
    delays = [retry_delay(n, 1800, 86400) for n in range(1, 8)]
    assert delays[:3] == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert delays[-1] == timedelta(days=1)


INVALID = "^invalid e-mail address in master data$"


@pytest.mark.parametrize(
    ("address", "message"),
    [("", INVALID), ("no-at-sign", INVALID), ("a@b", INVALID), ("two@@x.be", INVALID),
     ("a b@x.be", INVALID), ("an@x.be\r\nBcc: evil@x.be", INVALID),
     ("zoë@x.be", INVALID)],  # refused by the Address parse before the ASCII check
)  # fmt: skip
def test_unusable_addresses_are_refused(address, message):
    with pytest.raises(InvalidAddress, match=message):
        checked_address(address)


def test_international_domains_become_punycode():
    assert checked_address("info@bücher.de").addr_spec == "info@xn--bcher-kva.de"


def test_clean_text_keeps_everything_but_control_characters():
    assert clean_text("Zoë\r\nBcc: x <b>\u2028Ça\t") == "Zoë Bcc: x <b> Ça"
    assert clean_text(None) == ""


def test_a_long_digest_lists_the_first_lines_and_counts_the_rest():
    line = DigestLine(
        "DL5",
        "2026-0001",
        "DL50012345",
        "invoice",
        date(2026, 11, 26),
        Decimal("741.00"),
        "EUR",
        "u",
    )
    digest = Digest(
        "d" * 32,
        "a@x.be",
        "a@x.be",
        "weekly",
        "2026-W48",
        "u",
        "main",
        "en",
        "A",
        "B",
        [line] * (MAX_LINES + 5),
    )
    context = template_context(digest, "https://portal.example")
    assert len(context["lines"]) == MAX_LINES
    assert context["more"] == "… and 5 more documents in I-Portal."
    assert context["subject"] == f"I-Portal: {MAX_LINES + 5} new documents"


def test_the_run_report_quotes_customer_codes_and_cannot_be_broken_by_data():
    summary = {
        "frequency": "daily",
        "period": "2026-11-27",
        "documents_resolved": 3,
        "recipient_lines": 4,
        "digests_queued": 2,
        "documents_listed": 4,
        "invitations": 1,
        "digests_sent": 1,
        "digests_deferred": 0,
        "digests_hard_bounces": 1,
        "digests_failed": 0,
        "digests_by_status": {"sent": 1, "hard_bounce": 1},
        "mailer_unavailable": None,
        "codes_without_recipient": {"DL20000555": 1},
        "compose_failures": [{"customer_codes": ["DL50099999"], "error": "invalid e-mail"}],
        "flagged_addresses": [
            {
                "address": "a|b@x.be\nX",
                "hard_bounces": 2,
                "last_category": "unknown_address",
                "customer_codes": ["DL20000777", "DL50012345"],
            }
        ],
    }
    markdown = render_digest_markdown(summary)
    assert "| a\\|b@x.be X | 2 | unknown_address | DL20000777, DL50012345 |" in markdown
    assert "- DL50099999: invalid e-mail" in markdown and "- DL20000555: 1" in markdown


def nasty_digest() -> Digest:
    """Master data trying to break out: a header in a name, a boundary look-alike in a
    document number, quotes and non-ASCII (folded over two header lines)."""
    line = DigestLine(
        "DL5", "--=_iportal_forged", "DL50012345", "invoice", date(2026, 11, 26),
        Decimal("1234.5"), "EUR", "u",
    )  # fmt: skip
    return Digest(
        "0f" * 16, "zoe@exämple.de", "zoe@exämple.de", "immediate", "p", "u", "main", "fr",
        "Zoë\r\nBcc: evil@x.be", '"Ça" Ström-Müller', [line],
    )  # fmt: skip


def test_an_assembled_message_is_seven_bit_short_lined_and_parses_cleanly():
    sent = build_message(nasty_digest(), "I-Portal <no-reply@iportal.example>",
                         "https://portal.example/", datetime(2026, 11, 27, tzinfo=UTC))  # fmt: skip
    assert sent.data.isascii() and b"\n" not in sent.data.replace(b"\r\n", b"")
    assert max(len(x) for x in sent.data.split(b"\r\n")) <= 78
    message = email.message_from_bytes(sent.data, policy=policy.default)
    assert message.defects == [] and message["Bcc"] is None
    assert sent.address == "zoe@xn--exmple-cua.de"
    assert sent.message_id == message["Message-ID"] == f"<digest.{'0f' * 16}@iportal.example>"
    assert message["To"].addresses[0].display_name == 'Zoë Bcc: evil@x.be "Ça" Ström-Müller'
    assert message["Subject"] == "I-Portal : 1 nouveau document"
    assert message["Date"] == "Fri, 27 Nov 2026 00:00:00 +0000"
    assert message["Content-Language"] == "fr" and message["X-IPortal-Notice"] is None
    assert message["X-IPortal-Digest"] == "0f" * 16
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text = parts[0].get_content()
    assert "- Facture --=_iportal_forged | Code client DL50012345 | 26 nov. 2026" in text
    assert "1\u202f234,50\u00a0€" in text
    assert "&#34;Ça&#34; Ström-Müller" in parts[1].get_content()


def test_a_one_off_message_names_its_kind_and_a_line_break_in_a_header_is_refused():
    member = {"language": "en", "first_name": "A", "last_name": "B", "login_id": "BE0",
              "inviter_first_name": None, "inviter_last_name": None}  # fmt: skip
    context = invitation_context(member, "https://portal.example/a", datetime(2026, 12, 1))
    args = ("ab" * 16, "a@x.be", "A B", "I-Portal <no-reply@iportal.example>",
            datetime(2026, 11, 27, tzinfo=UTC), "invitation")  # fmt: skip
    sent = compose_email(*args, context, notice="invitation")
    assert email.message_from_bytes(sent.data, policy=policy.default)["X-IPortal-Notice"] == (
        "invitation"
    )
    with pytest.raises(ValueError):
        compose_email(*args, context | {"subject": "Hello\r\nBcc: evil@x.be"})
