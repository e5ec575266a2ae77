"""Peppol participant lookup in routing (issue 18) and routes to the letter (issue 22:
mutation testing found `peppol_reach` untested in tests/domain and route fields and
reasons unchecked). Whole Route and PeppolScope values, written by hand."""

from datetime import date

from domain.consent import Consent
from domain.routing import (
    NOT_CONCERNED,
    PeppolMandate,
    PeppolScope,
    Registration,
    Route,
    peppol_reach,
    peppol_scope,
    route_document,
    route_documents,
)

IN_SCOPE = PeppolScope(True, "Peppol BIS 3.0: in scope")
REGISTERED = Registration(True, "0208:0418711287 registered (SMP)")
NOT_REGISTERED = Registration(False, "0208:0418711287 not in the SML")
UNKNOWN = Registration(None, "SML unreachable")
MANDATE = PeppolMandate(date(2026, 1, 1), {"DL50000009": "VAT-exempt activity"})
PORTAL = Consent("DL50000001", True, False, "R15 e-invoicing form: portal")
NETWORK = Consent("DL50000001", False, True, "network code redeemed")
BOTH = Consent("DL50000001", True, True, "portal and network")


def test_a_registered_participant_goes_by_peppol_with_the_lookup_in_the_reason():
    assert peppol_reach(IN_SCOPE, REGISTERED) == PeppolScope(
        True, "Peppol BIS 3.0: in scope; 0208:0418711287 registered (SMP)"
    )


def test_a_participant_not_registered_keeps_the_previous_rules():
    assert peppol_reach(IN_SCOPE, NOT_REGISTERED) == PeppolScope(
        False, "not on Peppol: 0208:0418711287 not in the SML"
    )


def test_an_unanswered_lookup_waits_then_gives_up_after_max_wait_days():
    assert peppol_reach(IN_SCOPE, UNKNOWN) == PeppolScope(
        False, "Peppol lookup unanswered for 0 days: SML unreachable"
    )  # by default no waiting at all
    assert peppol_reach(IN_SCOPE, UNKNOWN, waited_days=2, max_wait_days=3) is None
    assert peppol_reach(IN_SCOPE, UNKNOWN, waited_days=3, max_wait_days=3) == PeppolScope(
        False, "Peppol lookup unanswered for 3 days: SML unreachable"
    )


def test_no_lookup_or_no_scope_leaves_the_scope_as_it_is():
    assert peppol_reach(IN_SCOPE, None) is IN_SCOPE
    out = PeppolScope(False, "excluded from Peppol: x")
    assert peppol_reach(out, REGISTERED) is out
    assert peppol_reach(NOT_CONCERNED, UNKNOWN, 0, 5) is NOT_CONCERNED  # never waits


def test_scope_refusals_do_not_apply():
    assert peppol_scope("DL50000009", "0418711287", date(2026, 6, 1), MANDATE) == PeppolScope(
        False, "excluded from Peppol: VAT-exempt activity"
    )
    assert peppol_scope("DL50000001", "0418711287", date(2025, 12, 31), MANDATE) == (
        PeppolScope(False, "issued before the Peppol mandate of 2026-01-01")
    )
    assert peppol_scope("DL50000001", "0418711287", None, MANDATE) == PeppolScope(
        False, "issued before the Peppol mandate of 2026-01-01"
    )


def test_routes_carry_issuer_number_code_channel_and_reason():
    assert route_document("DL5", "2026-0000001", BOTH) == [
        Route("DL5", "2026-0000001", "DL50000001", "portal", "portal and network; no paper (R15)"),
        Route("DL5", "2026-0000001", "DL50000001", "network", "portal and network; no paper (R15)"),
    ]
    left_out = PeppolScope(False, "not on Peppol: x")
    assert route_document("DL2", "N-1", NETWORK, left_out) == [
        Route("DL2", "N-1", "DL50000001", "network", "network code redeemed; no paper (R15); "
              "not on Peppol: x"),
    ]  # fmt: skip
    assert route_document("DL5", "P-1", PORTAL, PeppolScope(True, "in scope")) == [
        Route("DL5", "P-1", "DL50000001", "peppol", "in scope; no paper or network (issue 7)"),
        Route("DL5", "P-1", "DL50000001", "portal", "R15 e-invoicing form: portal; portal copy "
              "beside Peppol"),
    ]  # fmt: skip


def doc(number: str, **fields) -> dict:
    return {"issuer": "DL5", "document_number": number, "customer_code": "DL50000001",
            "enterprise_number": "0418711287", "issue_date": date(2026, 6, 1)} | fields  # fmt: skip


def test_route_documents_asks_the_lookup_and_lets_the_unanswered_wait():
    documents = [
        doc("R-1", registration=REGISTERED),
        doc("N-1", registration=NOT_REGISTERED),
        doc("W-1", registration=UNKNOWN, waited_days=1),  # waits: no route tonight
        doc("G-1", registration=UNKNOWN, waited_days=2),  # waited long enough
        doc("X-1"),  # no lookup asked: the mandate alone decides
    ]
    routes = route_documents(documents, {"DL50000001": NETWORK}, MANDATE, max_wait_days=2)
    scope = ("Peppol BIS 3.0: Belgian enterprise 0418711287, issued 2026-06-01, mandate from "
             "2026-01-01")  # fmt: skip
    assert routes == [
        Route("DL5", "R-1", "DL50000001", "peppol",
              f"{scope}; 0208:0418711287 registered (SMP); no paper or network (issue 7)"),
        Route("DL5", "N-1", "DL50000001", "network",
              "network code redeemed; no paper (R15); not on Peppol: 0208:0418711287 not in "
              "the SML"),
        Route("DL5", "G-1", "DL50000001", "network",
              "network code redeemed; no paper (R15); Peppol lookup unanswered for 2 days: SML "
              "unreachable"),
        Route("DL5", "X-1", "DL50000001", "peppol", f"{scope}; no paper or network (issue 7)"),
    ]  # fmt: skip


def test_route_documents_does_not_wait_by_default():
    routes = route_documents([doc("W-1", registration=UNKNOWN)], {"DL50000001": NETWORK}, MANDATE)
    assert [(r.document_number, r.channel) for r in routes] == [("W-1", "network")]
    assert routes[0].reason.endswith("Peppol lookup unanswered for 0 days: SML unreachable")
