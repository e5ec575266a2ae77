"""Routing: which channels a document travels by (R14, R15, issue 7). Pure: no I/O.

A document goes on paper unless its customer code consented to electronic delivery;
electronic means the portal and/or the e-invoicing network mailbox. Each decision
carries its reason, recorded with the delivery.

Peppol (issue 7): since the Belgian e-invoicing mandate, a customer with a valid
Belgian enterprise number (R3: B2B) receives a Peppol BIS 3.0 document instead of paper
or the network mailbox; a portal copy stays for customer codes that consented to the
portal. The mandate applies to documents *issued* on or after the mandate date: the
issue date is what the law looks at, and it does not move when a night is re-run or
resumed later, so a document's route never depends on when it was processed. A setting
may exclude customer codes (e.g. a VAT-exempt activity); their documents follow the
previous rules and the route's reason says why.

Participant lookup (issue 18): a Belgian company in the mandate's scope goes by Peppol
only when its participant id 0208:<enterprise number> is registered for the document's
type (invoice / credit note) on the Peppol network; the lookup's answer (SML + SMP, or
the local registry) is part of the reason. Not registered: the previous rules (portal /
paper) with that reason. Unknown (SML or SMP unreachable, nothing cached): the document
waits, unrouted, for a later run; after `max_wait_days` it follows the previous rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from stdnum.be import vat

from domain.consent import Consent


@dataclass(frozen=True, slots=True)
class Route:
    issuer: str
    document_number: str
    customer_code: str
    channel: str  # paper | portal | network | peppol
    reason: str


@dataclass(frozen=True, slots=True)
class PeppolMandate:
    """The Peppol clause's settings: from which issue date, and who is left out."""

    start: date
    excluded: Mapping[str, str] = field(default_factory=dict)  # customer code → reason


@dataclass(frozen=True, slots=True)
class PeppolScope:
    applies: bool
    reason: str = ""  # why Peppol applies, or why a B2B customer is left out


NOT_CONCERNED = PeppolScope(False)


@dataclass(frozen=True, slots=True)
class Registration:
    """A participant lookup's answer for one document type (issue 18)."""

    registered: bool | None  # None: unknown (SML or SMP unreachable, nothing cached)
    detail: str


def peppol_reach(
    scope: PeppolScope,
    registration: Registration | None,
    waited_days: int = 0,
    max_wait_days: int = 0,
) -> PeppolScope | None:
    """The mandate's scope narrowed by the participant lookup; None: wait for a later run.

    No registration (lookup not asked) leaves the scope as it is."""
    if not scope.applies or registration is None:
        return scope
    if registration.registered:
        return PeppolScope(True, f"{scope.reason}; {registration.detail}")
    if registration.registered is False:
        return PeppolScope(False, f"not on Peppol: {registration.detail}")
    if waited_days < max_wait_days:
        return None
    return PeppolScope(
        False, f"Peppol lookup unanswered for {waited_days} days: {registration.detail}"
    )


@lru_cache(maxsize=65536)
def is_enterprise_number(number: str) -> bool:
    """R3: 10 digits with a valid mod-97 check (cached: a night repeats customers)."""
    return len(number) == 10 and number.isdigit() and vat.is_valid(number)


def peppol_scope(
    customer_code: str,
    enterprise_number: str | None,
    issue_date: date | None,
    mandate: PeppolMandate | None,
) -> PeppolScope:
    """Whether a document goes by Peppol (issue 7). B2C and foreign customers (no
    enterprise number) are not concerned at all: their reasons stay as they were."""
    if mandate is None or not enterprise_number or not is_enterprise_number(enterprise_number):
        return NOT_CONCERNED
    if customer_code in mandate.excluded:
        return PeppolScope(False, f"excluded from Peppol: {mandate.excluded[customer_code]}")
    if issue_date is None or issue_date < mandate.start:
        return PeppolScope(False, f"issued before the Peppol mandate of {mandate.start}")
    return PeppolScope(
        True,
        f"Peppol BIS 3.0: Belgian enterprise {enterprise_number}, issued {issue_date}, "
        f"mandate from {mandate.start}",
    )


def route_document(
    issuer: str, document_number: str, consent: Consent, peppol: PeppolScope = NOT_CONCERNED
) -> list[Route]:
    def route(channel: str, reason: str) -> Route:
        return Route(issuer, document_number, consent.customer_code, channel, reason)

    if peppol.applies:
        # Peppol replaces paper and the network mailbox; the portal is an extra copy.
        routes = [route("peppol", f"{peppol.reason}; no paper or network (issue 7)")]
        if consent.portal:
            routes.append(route("portal", f"{consent.basis}; portal copy beside Peppol"))
        return routes
    note = f"; {peppol.reason}" if peppol.reason else ""
    if not consent.electronic:
        return [route("paper", consent.basis + note)]
    # R15: consent to electronic delivery means no more paper for this customer code.
    routes = []
    if consent.portal:
        routes.append(route("portal", f"{consent.basis}; no paper (R15){note}"))
    if consent.network:
        routes.append(route("network", f"{consent.basis}; no paper (R15){note}"))
    return routes


def route_documents(
    documents: list[dict],
    consents: dict[str, Consent],
    mandate: PeppolMandate | None = None,
    max_wait_days: int = 0,
) -> list[Route]:
    """Documents (issuer, document_number, customer_code, and for the Peppol clause
    enterprise_number and issue_date; for the lookup `registration` and `waited_days`)
    → their routes. A document waiting for its lookup gets none."""
    routes = []
    for doc in documents:
        scope = peppol_scope(
            doc["customer_code"], doc.get("enterprise_number"), doc.get("issue_date"), mandate
        )
        reach = peppol_reach(
            scope, doc.get("registration"), doc.get("waited_days", 0), max_wait_days
        )
        if reach is not None:
            consent = consents[doc["customer_code"]]
            routes += route_document(doc["issuer"], doc["document_number"], consent, reach)
    return routes
