"""Routing and consent rules (R14, R15, R16, R20) at their boundaries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.consent import ConsentEvent, consent_from_channel_choice, fold_consent
from domain.routing import route_document, route_documents

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def channels(consent) -> list[str]:
    return [r.channel for r in route_document("DL5", "2026-0000001", consent)]


def test_paper_is_the_default():  # R14
    assert channels(consent_from_channel_choice("DL50000001", None)) == ["paper"]
    assert channels(consent_from_channel_choice("DL50000001", "paper")) == ["paper"]


def test_portal_choice_is_electronic_from_the_first_document_and_no_paper():  # R15
    routes = route_document(
        "DL5", "2026-0000001", consent_from_channel_choice("DL50000001", "portal")
    )
    assert [r.channel for r in routes] == ["portal"]
    assert "R15" in routes[0].reason


def test_network_choice_stays_on_paper_until_the_code_is_redeemed():  # R15, R16
    initial = consent_from_channel_choice("DL50000001", "network")
    assert channels(initial) == ["paper"]
    assert "until code redeemed" in route_document("DL5", "1", initial)[0].reason
    redeemed = ConsentEvent("DL50000001", AS_OF - timedelta(seconds=1), "network_activated")
    assert channels(fold_consent(initial, [redeemed], AS_OF)) == ["network"]


def test_consent_after_as_of_does_not_count_yet():  # DESIGN rule 6
    initial = consent_from_channel_choice("DL50000001", "paper")
    later = ConsentEvent("DL50000001", AS_OF + timedelta(seconds=1), "portal_activated")
    on_time = ConsentEvent("DL50000001", AS_OF, "portal_activated")
    assert channels(fold_consent(initial, [later], AS_OF)) == ["paper"]
    assert channels(fold_consent(initial, [on_time], AS_OF)) == ["portal"]


def test_opt_out_returns_to_paper():  # R20
    initial = consent_from_channel_choice("DL50000001", "portal")
    out = ConsentEvent("DL50000001", AS_OF - timedelta(days=1), "opted_out")
    state = fold_consent(initial, [out], AS_OF)
    assert channels(state) == ["paper"]
    assert "R20" in route_document("DL5", "1", state)[0].reason


def test_route_documents_gives_every_document_at_least_one_route():
    docs = [
        {"issuer": "DL5", "document_number": "A1", "customer_code": "DL51"},
        {"issuer": "DL2", "document_number": "B1", "customer_code": "DL21"},
    ]
    consents = {
        "DL51": consent_from_channel_choice("DL51", "portal"),
        "DL21": consent_from_channel_choice("DL21", "paper"),
    }
    routes = route_documents(docs, consents)
    assert [(r.document_number, r.channel) for r in routes] == [("A1", "portal"), ("B1", "paper")]
