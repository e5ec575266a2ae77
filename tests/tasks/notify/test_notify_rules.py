"""Pure rules of the notifications: periods, keys, backoff, addresses, text."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tasks.notify.message import (
    MAX_LINES,
    InvalidAddress,
    checked_address,
    clean_text,
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
