"""Peppol BIS Billing 3.0 channel (issues 7, 18): UBL build, validation with the official
rules of a pinned release, access points, and the nightly step that ties them together.

    build_ubl(document, customer, issuer, pdf, pdf_name) -> bytes        (build.py)
    validate_ubl(ubl) -> list[Failure]   xsd, en16931, peppol (official), iportal (own policy)
    make_access_point(url, timeout, outbox) -> OutboxAccessPoint | HttpAccessPoint
    deliver_pending(writer, access_point, issuers, storage, run_id, batch_size, actor, workers)
                                        the nightly step (deliver.py; check.py builds + validates)
    routing_lookup(settings) -> RoutingLookup      participant lookup (lookup.py, registrations.py)
    ingest_inbox(con, inbox, issuers, actor)       transmission, MLR, Invoice Response
    list_queue / show_delivery / request_resend    the operator queue (queue.py)
"""

from tasks.peppol.build import build_ubl
from tasks.peppol.deliver import PeppolCounts, deliver_pending, peppol_mandate
from tasks.peppol.failure import Failure
from tasks.peppol.registrations import routing_lookup
from tasks.peppol.responses import ingest_inbox
from tasks.peppol.send import (
    AccessPoint,
    HttpAccessPoint,
    OutboxAccessPoint,
    Rejected,
    Unavailable,
    make_access_point,
)
from tasks.peppol.validate import validate_ubl

__all__ = [
    "AccessPoint",
    "Failure",
    "HttpAccessPoint",
    "OutboxAccessPoint",
    "PeppolCounts",
    "Rejected",
    "Unavailable",
    "build_ubl",
    "deliver_pending",
    "ingest_inbox",
    "make_access_point",
    "peppol_mandate",
    "routing_lookup",
    "validate_ubl",
]
