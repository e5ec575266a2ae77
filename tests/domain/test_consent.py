"""Consent as of a moment (R14, R15, R16, R20): whole Consent values, folds of several
events in time order, events after as_of ignored. Expectations are literal."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.consent import Consent, ConsentEvent, consent_from_channel_choice, fold_consent

BXL = ZoneInfo("Europe/Brussels")
T1 = datetime(2026, 3, 1, 9, 0, tzinfo=BXL)
T2 = datetime(2026, 4, 1, 9, 0, tzinfo=BXL)
T3 = datetime(2026, 5, 1, 9, 0, tzinfo=BXL)
AS_OF = datetime(2026, 6, 1, 0, 0, tzinfo=BXL)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("portal", Consent("C1", True, False, "R15 e-invoicing form: portal")),
        ("PORTAL", Consent("C1", True, False, "R15 e-invoicing form: portal")),
        (
            "network",
            Consent("C1", False, False, "R15 e-invoicing form: network, paper until code redeemed"),
        ),
        (
            "Network",
            Consent("C1", False, False, "R15 e-invoicing form: network, paper until code redeemed"),
        ),
        ("paper", Consent("C1", False, False, "R14 paper is the default")),
        (None, Consent("C1", False, False, "R14 paper is the default")),
        ("", Consent("C1", False, False, "R14 paper is the default")),
        ("fax", Consent("C1", False, False, "R14 paper is the default")),
    ],
)
def test_the_form_is_the_first_consent(choice, expected):  # R14, R15
    consent = consent_from_channel_choice("C1", choice)
    assert consent == expected
    assert consent.since is None


def test_electronic_is_portal_or_network():
    assert Consent("C", True, False, "b").electronic is True
    assert Consent("C", False, True, "b").electronic is True
    assert Consent("C", True, True, "b").electronic is True
    assert Consent("C", False, False, "b").electronic is False


def test_no_events_keep_the_initial_consent():
    initial = consent_from_channel_choice("C1", "portal")
    assert fold_consent(initial, [], AS_OF) is initial


def test_portal_then_network_keeps_both():  # R15 then R16
    initial = consent_from_channel_choice("C1", "paper")
    events = [
        ConsentEvent("C1", T1, "portal_activated", "portal"),
        ConsentEvent("C1", T2, "network_activated", "network"),
    ]
    assert fold_consent(initial, events, AS_OF) == Consent(
        "C1", True, True, "R16 activation code redeemed", T2
    )


def test_network_then_portal_keeps_both():
    initial = consent_from_channel_choice("C1", "network")
    events = [
        ConsentEvent("C1", T2, "portal_activated"),
        ConsentEvent("C1", T1, "network_activated"),  # out of order on purpose
    ]
    assert fold_consent(initial, events, AS_OF) == Consent(
        "C1", True, True, "R15 electronic delivery activated", T2
    )


def test_opt_out_after_both_goes_back_to_paper():  # R20
    initial = consent_from_channel_choice("C1", "portal")
    events = [
        ConsentEvent("C1", T1, "network_activated"),
        ConsentEvent("C1", T3, "opted_out"),
        ConsentEvent("C1", T2, "portal_activated"),
    ]
    assert fold_consent(initial, events, AS_OF) == Consent(
        "C1", False, False, "R20 opted out: back to paper", T3
    )


def test_activation_after_opt_out_counts_again():
    initial = consent_from_channel_choice("C1", "paper")
    events = [
        ConsentEvent("C1", T1, "portal_activated"),
        ConsentEvent("C1", T2, "opted_out"),
        ConsentEvent("C1", T3, "network_activated"),
    ]
    assert fold_consent(initial, events, AS_OF) == Consent(
        "C1", False, True, "R16 activation code redeemed", T3
    )


def test_events_after_as_of_do_not_count_and_as_of_itself_does():
    initial = consent_from_channel_choice("C1", "paper")
    events = [
        ConsentEvent("C1", T1, "network_activated"),
        ConsentEvent("C1", T3, "opted_out"),
    ]
    assert fold_consent(initial, events, T2) == Consent(
        "C1", False, True, "R16 activation code redeemed", T1
    )
    # an event exactly at as_of counts
    assert fold_consent(initial, events, T3) == Consent(
        "C1", False, False, "R20 opted out: back to paper", T3
    )
    # and one a second later stops the fold even if an earlier-sorted one would follow
    later = [ConsentEvent("C1", AS_OF, "portal_activated"), ConsentEvent("C1", T1, "opted_out")]
    assert fold_consent(initial, later, T2) == Consent(
        "C1", False, False, "R20 opted out: back to paper", T1
    )


def test_unknown_events_change_nothing():
    initial = consent_from_channel_choice("C1", "portal")
    events = [ConsentEvent("C1", T1, "something_else")]
    assert fold_consent(initial, events, AS_OF) == initial


def test_the_customer_code_of_the_initial_consent_is_kept():
    initial = consent_from_channel_choice("DL2X", "paper")
    events = [ConsentEvent("DL2X", T1, "portal_activated")]
    assert fold_consent(initial, events, AS_OF).customer_code == "DL2X"
    events = [ConsentEvent("DL2X", T1, "network_activated")]
    assert fold_consent(initial, events, AS_OF).customer_code == "DL2X"
    events = [ConsentEvent("DL2X", T1, "opted_out")]
    assert fold_consent(initial, events, AS_OF).customer_code == "DL2X"
