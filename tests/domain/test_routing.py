"""Routing and consent rules (R14, R15, R16, R20, issue 7: Peppol) at their boundaries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.consent import ConsentEvent, consent_from_channel_choice, fold_consent
from domain.routing import PeppolMandate, peppol_scope, route_document, route_documents

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


# --- Peppol (issue 7) -------------------------------------------------------------------

MANDATE = PeppolMandate(date(2026, 1, 1), {"DL50000009": "VAT-exempt activity (art. 44)"})
B2B = "0418711287"  # a valid Belgian enterprise number (mod-97)


def peppol_routes(
    choice: str | None,
    enterprise_number: str | None = B2B,
    issued: date = date(2026, 11, 26),
    code: str = "DL50000001",
    mandate: PeppolMandate | None = MANDATE,
) -> list[tuple[str, str]]:
    doc = {
        "issuer": "DL5",
        "document_number": "2026-0000001",
        "customer_code": code,
        "enterprise_number": enterprise_number,
        "issue_date": issued,
    }
    consents = {code: consent_from_channel_choice(code, choice)}
    return [(r.channel, r.reason) for r in route_documents([doc], consents, mandate)]


def test_b2b_belgian_goes_by_peppol_instead_of_paper_or_network():
    for choice in ("paper", "network", None):
        [(channel, reason)] = peppol_routes(choice)
        assert channel == "peppol"
        assert B2B in reason and "2026-01-01" in reason and "no paper or network" in reason


def test_b2b_belgian_with_portal_consent_keeps_its_portal_copy():
    routes = peppol_routes("portal")
    assert [channel for channel, _ in routes] == ["peppol", "portal"]
    assert "portal copy beside Peppol" in routes[1][1]


def test_redeemed_network_code_does_not_bring_the_network_back_for_b2b():  # R16 vs issue 7
    initial = consent_from_channel_choice("DL50000001", "network")
    redeemed = ConsentEvent("DL50000001", AS_OF - timedelta(days=1), "network_activated")
    scope = peppol_scope("DL50000001", B2B, date(2026, 11, 26), MANDATE)
    state = fold_consent(initial, [redeemed], AS_OF)
    assert [r.channel for r in route_document("DL5", "1", state, scope)] == ["peppol"]


def test_b2c_and_foreign_customers_keep_the_previous_rules():
    for enterprise_number in (None, ""):
        assert peppol_routes("paper", enterprise_number) == [("paper", "R14 paper is the default")]
        assert [c for c, _ in peppol_routes("portal", enterprise_number)] == ["portal"]


def test_an_invalid_enterprise_number_is_not_b2b():  # R3: mod-97 must hold
    assert [c for c, _ in peppol_routes("paper", "0418711288")] == ["paper"]


def test_excluded_customer_code_keeps_the_previous_rules_with_the_reason():
    [(channel, reason)] = peppol_routes("paper", code="DL50000009")
    assert channel == "paper"
    assert reason.startswith("R14") and "excluded from Peppol: VAT-exempt activity" in reason
    [(channel, reason)] = peppol_routes("portal", code="DL50000009")
    assert channel == "portal" and "R15" in reason and "excluded from Peppol" in reason


def test_the_mandate_counts_from_the_issue_date_on_the_mandate_date():
    assert [c for c, _ in peppol_routes("paper", issued=date(2026, 1, 1))] == ["peppol"]
    assert [c for c, _ in peppol_routes("paper", issued=date(2026, 1, 2))] == ["peppol"]
    [(channel, reason)] = peppol_routes("paper", issued=date(2025, 12, 31))
    assert channel == "paper" and "before the Peppol mandate of 2026-01-01" in reason
    assert [c for c, _ in peppol_routes("network", issued=date(2025, 12, 31))] == ["paper"]


def test_no_mandate_setting_means_no_peppol():
    assert [c for c, _ in peppol_routes("paper", mandate=None)] == ["paper"]
