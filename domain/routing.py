"""Routing: which channels a document travels by (R14, R15). Pure: no I/O.

A document goes on paper unless its customer code consented to electronic delivery;
electronic means the portal and/or the e-invoicing network mailbox. Each decision
carries its reason, recorded with the delivery. New channels (Peppol) add a clause
here and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.consent import Consent


@dataclass(frozen=True, slots=True)
class Route:
    issuer: str
    document_number: str
    customer_code: str
    channel: str  # paper | portal | network
    reason: str


def route_document(issuer: str, document_number: str, consent: Consent) -> list[Route]:
    def route(channel: str, reason: str) -> Route:
        return Route(issuer, document_number, consent.customer_code, channel, reason)

    if not consent.electronic:
        return [route("paper", consent.basis)]
    # R15: consent to electronic delivery means no more paper for this customer code.
    routes = []
    if consent.portal:
        routes.append(route("portal", f"{consent.basis}; no paper (R15)"))
    if consent.network:
        routes.append(route("network", f"{consent.basis}; no paper (R15)"))
    return routes


def route_documents(documents: list[dict], consents: dict[str, Consent]) -> list[Route]:
    """Documents (issuer, document_number, customer_code) → their routes."""
    return [
        route
        for doc in documents
        for route in route_document(
            doc["issuer"], doc["document_number"], consents[doc["customer_code"]]
        )
    ]
