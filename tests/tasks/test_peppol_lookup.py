"""Participant lookup (issue 18) against an SML (DNS) and an SMP (HTTP) on 127.0.0.1:
registered, not registered, invoices but not credit notes, SMP or SML down, cache
expiry, and the route each answer gives."""

from __future__ import annotations

import csv
import json
import re
import socket
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.consent import Consent
from domain.routing import PeppolMandate, Registration, route_documents
from tasks.peppol.lookup import (
    RegistryLookup,
    SmlLookup,
    Unreachable,
    legacy_dns_name,
    sml_dns_name,
)
from tasks.peppol.registrations import RoutingLookup, registrations_for
from tests.tasks.peppol_network import (
    CREDIT_NOTE,
    INVOICE,
    ZONE,
    DnsServer,
    SmpServer,
    dns_name,
)
from warehouse.store import open_writer

AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
REGISTERED, INVOICES_ONLY, UNKNOWN = "0208:0418711287", "0208:0448420211", "0208:0403170701"


@pytest.fixture
def network():
    """SML knows REGISTERED and INVOICES_ONLY (not UNKNOWN), both on one SMP."""
    with DnsServer() as sml, SmpServer() as smp:
        for participant in (REGISTERED, INVOICES_ONLY):
            sml.register(dns_name(participant), smp.url)
        smp.publish(REGISTERED, [INVOICE, CREDIT_NOTE])
        smp.publish(INVOICES_ONLY, [INVOICE])
        yield sml, smp


def lookup(sml: DnsServer, timeout: float = 2.0) -> SmlLookup:
    return SmlLookup(ZONE, "127.0.0.1", sml.port, timeout)


def test_dns_names_follow_the_policy_test_vector():
    # Policy for use of Identifiers 4.4, POLICY 7 (and the retired B-<md5> CNAME)
    assert sml_dns_name("0088:123abc", "edelivery.tech.ec.europa.eu") == (
        "Y7DZFXAF3D4CJZ4KCGRXTEC6TWVCGA4KY7ZWA5BOIF6MSWD4TDRQ"
        ".iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )
    assert sml_dns_name("0088:123ABC", "x.test") == sml_dns_name("0088:123abc", "x.test")
    assert legacy_dns_name("0088:123abc", "edelivery.tech.ec.europa.eu") == (
        "B-f5e78500450d37de5aabe6648ac3bb70.iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )


def test_a_registered_participant_is_registered_for_both_document_types(network):
    sml, smp = network
    answers = lookup(sml).look_up(REGISTERED, AS_OF)
    assert answers["invoice"].registered and answers["credit_note"].registered
    assert "https://ap.example.be/as4" in answers["invoice"].detail
    assert answers["invoice"].smp_url == smp.url
    assert sml.queries[dns_name(REGISTERED).lower()] == 1


def test_no_sml_record_means_not_registered(network):
    sml, smp = network
    answers = lookup(sml).look_up(UNKNOWN, AS_OF)
    assert not answers["invoice"].registered and not answers["credit_note"].registered
    assert "no SML record" in answers["invoice"].detail
    assert not smp.requests  # the SMP is not asked


def test_registered_for_invoices_but_not_credit_notes(network):
    sml, _ = network
    answers = lookup(sml).look_up(INVOICES_ONLY, AS_OF)
    assert answers["invoice"].registered
    assert not answers["credit_note"].registered
    assert "not registered for BIS 3.0 credit notes" in answers["credit_note"].detail


def test_an_unknown_participant_at_the_smp_is_not_registered(network):
    sml, smp = network
    sml.register(dns_name(UNKNOWN), smp.url)  # in the SML, but the SMP answers 404
    answers = lookup(sml).look_up(UNKNOWN, AS_OF)
    assert not answers["invoice"].registered


def test_an_expired_endpoint_or_another_process_is_not_registered(network):
    sml, smp = network
    smp.publish(REGISTERED, [INVOICE], expires="2026-11-01T00:00:00Z")
    assert not lookup(sml).look_up(REGISTERED, AS_OF)["invoice"].registered
    smp.publish(REGISTERED, [INVOICE], process="urn:fdc:peppol.eu:poacc:bis:ordering:3")
    assert not lookup(sml).look_up(REGISTERED, AS_OF)["invoice"].registered


def test_smp_down_or_sml_failing_is_unreachable_not_a_no(network):
    sml, smp = network
    smp.status = 503
    with pytest.raises(Unreachable, match="HTTP 503"):
        lookup(sml).look_up(REGISTERED, AS_OF)
    smp.status = None
    sml.failing = True
    with pytest.raises(Unreachable, match="SML"):
        lookup(sml).look_up(REGISTERED, AS_OF)


def test_a_silent_dns_server_is_unreachable():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        with pytest.raises(Unreachable, match=f"^SML {re.escape(ZONE)} did not answer for "):
            SmlLookup(ZONE, "127.0.0.1", port, 0.3).look_up(REGISTERED, AS_OF)


def test_the_local_registry_answers_per_document_type(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(
        "participant_id,document_type\n0208:0418711287,invoice\n0208:0418711287,credit_note\n"
        "0208:0448420211,invoice\n"
    )
    registry = RegistryLookup(path)
    assert registry.look_up(REGISTERED, AS_OF)["credit_note"].registered
    assert registry.look_up(INVOICES_ONLY, AS_OF)["invoice"].registered
    assert not registry.look_up(INVOICES_ONLY, AS_OF)["credit_note"].registered
    assert not registry.look_up(UNKNOWN, AS_OF)["invoice"].registered


# --- the cache in the warehouse --------------------------------------------------------


def cached(warehouse) -> dict:
    rows = warehouse.execute(
        "SELECT participant_id, document_type, registered FROM peppol_participants"
    ).fetchall()
    return {(p, d): r for p, d, r in rows}


def test_answers_are_cached_until_the_ttl_then_looked_up_again(network, warehouse):
    sml, smp = network
    at = AS_OF

    def ask(moment):
        return registrations_for(warehouse, [INVOICES_ONLY], lookup(sml), moment, 24, 2, "test")

    assert ask(at)[(INVOICES_ONLY, "credit_note")].registered is False
    assert cached(warehouse) == {(INVOICES_ONLY, "invoice"): True,
                                 (INVOICES_ONLY, "credit_note"): False}  # fmt: skip
    group_hits = sum(smp.requests.values())
    smp.publish(INVOICES_ONLY, [INVOICE, CREDIT_NOTE])  # registers credit notes later
    later = ask(at + timedelta(hours=23))
    assert later[(INVOICES_ONLY, "credit_note")].registered is False  # still the cached answer
    assert "looked up 2026-11-27" in later[(INVOICES_ONLY, "credit_note")].detail
    assert sum(smp.requests.values()) == group_hits  # the SMP was not asked
    expired = ask(at + timedelta(hours=25))
    assert expired[(INVOICES_ONLY, "credit_note")].registered is True
    assert cached(warehouse)[(INVOICES_ONLY, "credit_note")] is True
    events = warehouse.execute(
        "SELECT count(*) FROM audit_events WHERE event_type = 'peppol_participant_looked_up'"
    ).fetchone()[0]
    assert events == 2


def test_smp_down_uses_the_expired_answer_or_says_unknown(network, warehouse):
    sml, smp = network
    registrations_for(warehouse, [REGISTERED], lookup(sml), AS_OF, 24, 2, "test")
    smp.status = 503
    next_day = AS_OF + timedelta(days=2)
    found = registrations_for(
        warehouse, [REGISTERED, INVOICES_ONLY], lookup(sml), next_day, 24, 2, "test"
    )
    assert found[(REGISTERED, "invoice")].registered is True  # stale, and says so
    assert "expired; lookup failed" in found[(REGISTERED, "invoice")].detail
    assert found[(INVOICES_ONLY, "invoice")].registered is None  # never answered
    assert (INVOICES_ONLY, "invoice") not in cached(warehouse)  # an outage is not cached


# --- the route each answer gives (pure: domain/routing.py) -----------------------------

MANDATE = PeppolMandate(datetime(2026, 1, 1).date())


def routes_for(registration: Registration | None, waited_days: int = 0, max_wait: int = 3):
    document = {
        "issuer": "DL5", "document_number": "2026-1", "customer_code": "DL50012345",
        "enterprise_number": "0418711287", "issue_date": AS_OF.date(),
        "document_type": "invoice", "registration": registration, "waited_days": waited_days,
    }  # fmt: skip
    consents = {"DL50012345": Consent("DL50012345", portal=True, network=False,
                                      basis="channel_choice portal")}  # fmt: skip
    return [(r.channel, r.reason) for r in route_documents([document], consents, MANDATE, max_wait)]


def test_registered_goes_by_peppol_with_the_answer_in_the_reason():
    [(channel, reason), (copy, _)] = routes_for(Registration(True, "registered (SMP x)"))
    assert (channel, copy) == ("peppol", "portal")
    assert "registered (SMP x)" in reason


def test_not_registered_follows_the_previous_rules_with_the_reason():
    [(channel, reason)] = routes_for(Registration(False, "no SML record in sml.test"))
    assert channel == "portal"
    assert "not on Peppol: no SML record in sml.test" in reason


def test_unknown_waits_then_falls_back_after_the_wait():
    assert routes_for(Registration(None, "SMP down"), waited_days=2) == []
    [(channel, reason)] = routes_for(Registration(None, "SMP down"), waited_days=3)
    assert channel == "portal" and "unanswered for 3 days: SMP down" in reason


# --- routing on a real warehouse: the lookup decides, the reason tells -----------------


LATER = "0208:0403199009"
CREDIT = {"document_type": "credit_note", "payment_reference": None,
          "credited_document_number": "2026-0000001"}  # fmt: skip


def land(tmp_path, customers: list[tuple], documents: list[tuple], name: str) -> None:
    """Landing files: customers (number, enterprise, channel), documents (number,
    customer, type), ingested as a night would."""
    from config import DEFAULT_ISSUERS
    from domain.validate import CUSTOMER_FIELDS
    from tasks.ingest import IngestContext, ingest_file
    from tests.conftest import CUSTOMER, DOCUMENT

    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    with (landing / f"customers_{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_FIELDS)
        writer.writeheader()
        for number, enterprise, choice in customers:
            writer.writerow(CUSTOMER | {"customer_number": number, "enterprise_number": enterprise,
                                        "channel_choice": choice,
                                        "contact_email": f"c{number}@example.be"})  # fmt: skip
    lines = []
    for number, customer, kind in documents:
        credit = CREDIT if kind == "credit_note" else {}
        lines.append(json.dumps(DOCUMENT | {"document_number": number,
                                            "customer_number": customer} | credit))  # fmt: skip
    (landing / f"documents_{name}.jsonl").write_text("\n".join(lines) + "\n")
    ctx = IngestContext(tmp_path / "warehouse.duckdb", landing / "processed",
                        frozenset(DEFAULT_ISSUERS), date(2026, 11, 1), f"run-{name}",
                        100, 10)  # fmt: skip
    for path in sorted(landing.glob(f"*_{name}.*")):
        ingest_file(path, ctx)


def route_night(tmp_path, sml, at, run_id, max_wait=3) -> dict[str, list[tuple]]:
    from tasks.route import route_batch

    lookup = RoutingLookup(SmlLookup(ZONE, "127.0.0.1", sml.port, 1.0), "", 24, 2, max_wait)
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        while route_batch(con, at, run_id, 100, "test", MANDATE, lookup):
            pass
        rows = con.execute(
            "SELECT document_number, channel, reason FROM deliveries ORDER BY 1, 2"
        ).fetchall()
    found: dict[str, list[tuple]] = {}
    for number, channel, reason in rows:
        found.setdefault(number, []).append((channel, reason))
    return found


def test_the_lookup_routes_each_document_by_its_type_and_registration(tmp_path, network):
    sml, smp = network
    land(tmp_path, [("0000001", "0418711287", "paper"), ("0000002", "0448420211", "portal"),
                    ("0000003", "0403170701", "paper")],
         [("2026-0000001", "0000001", "invoice"), ("2026-0000002", "0000002", "invoice"),
          ("2026-0000003", "0000002", "credit_note"), ("2026-0000004", "0000003", "invoice")],
         "1")  # fmt: skip
    routes = route_night(tmp_path, sml, AS_OF, "run-1")
    [(channel, reason)] = routes["2026-0000001"]
    assert channel == "peppol" and "registered for BIS 3.0 invoices" in reason
    assert [c for c, _ in routes["2026-0000002"]] == ["peppol", "portal"]
    [(channel, reason)] = routes["2026-0000003"]  # invoices only: the credit note does not
    assert channel == "portal" and "not registered for BIS 3.0 credit notes" in reason
    [(channel, reason)] = routes["2026-0000004"]
    assert channel == "paper" and "no SML record in sml.test" in reason
    # UNKNOWN registers later: Peppol from its next document (once the cache expired)
    sml.register(dns_name(UNKNOWN), smp.url)
    smp.publish(UNKNOWN, [INVOICE, CREDIT_NOTE])
    land(tmp_path, [], [("2026-0000005", "0000003", "invoice")], "2")
    routes = route_night(tmp_path, sml, AS_OF + timedelta(days=1, hours=1), "run-2")
    assert [c for c, _ in routes["2026-0000005"]] == ["peppol"]
    assert [c for c, _ in routes["2026-0000004"]] == ["paper"]  # routed once, stays


def test_an_unanswered_lookup_waits_then_the_next_run_routes(tmp_path, network):
    sml, smp = network
    land(tmp_path, [("0000004", "0403199009", "paper")],
         [("2026-0000010", "0000004", "invoice")], "1")  # fmt: skip
    sml.failing = True
    assert route_night(tmp_path, sml, AS_OF, "run-1") == {}  # waits; the run still ends
    [(detail,)] = query_rows(tmp_path, "SELECT detail FROM peppol_routing_waits")
    assert "did not answer" in detail
    sml.failing = False
    sml.register(dns_name(LATER), smp.url)
    smp.publish(LATER, [INVOICE])
    routes = route_night(tmp_path, sml, AS_OF + timedelta(days=1), "run-2")
    assert [c for c, _ in routes["2026-0000010"]] == ["peppol"]


def test_after_the_longest_wait_the_previous_rules_apply(tmp_path, network):
    sml, _ = network
    land(tmp_path, [("0000004", "0403199009", "portal")],
         [("2026-0000010", "0000004", "invoice")], "1")  # fmt: skip
    sml.failing = True
    assert route_night(tmp_path, sml, AS_OF, "run-1", max_wait=2) == {}
    assert route_night(tmp_path, sml, AS_OF + timedelta(days=1), "run-2", max_wait=2) == {}
    routes = route_night(tmp_path, sml, AS_OF + timedelta(days=2), "run-3", max_wait=2)
    [(channel, reason)] = routes["2026-0000010"]
    assert channel == "portal" and "Peppol lookup unanswered for 2 days" in reason


def query_rows(tmp_path, sql: str) -> list[tuple]:
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        return con.execute(sql).fetchall()
