"""Mail pieces and their mass-mail order (pure: no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass

# R14: a paper document travels as one mail piece. R17: the activation letter is posted
# with the first invoice of a new contract, so it sorts right after that document.
KINDS: dict[str, int] = {"document": 0, "activation_letter": 1}


@dataclass(frozen=True)
class MailPiece:
    piece_id: str  # idempotency key text, e.g. "DL5/2026-0001234/paper/original"
    issuer: str
    document_number: str
    customer_code: str
    pdf_path: str  # the rendered document (A4, reportlab)
    postal_code: str
    country: str  # ISO 3166 alpha-2
    name: str  # recipient name, untrusted text from master data
    kind: str = "document"  # or "activation_letter" (R17)


def _country(piece: MailPiece) -> str:
    return piece.country.strip().upper()


def _postal_code(piece: MailPiece) -> str:
    # Collapse inner whitespace ("1012  AB" == "1012 AB") so that one postal zone
    # stays together, whatever the master data's spacing.
    return " ".join(piece.postal_code.split()).upper()


def sort_key(piece: MailPiece) -> str:
    """The human-readable key written to the manifest, e.g. `BE-1000-DL5000123-2026-0001234`."""
    parts = [_country(piece), _postal_code(piece), piece.customer_code.strip()]
    parts.append(piece.document_number.strip())
    if piece.kind != "document":
        parts.append(piece.kind)
    return "-".join(parts)


def _order(piece: MailPiece) -> tuple:
    country = _country(piece)
    # The mass-mail rate needs pieces pre-sorted by postal zone; domestic (BE) mail is
    # the bulk, so it comes first and foreign mail follows, country by country.
    return (
        country != "BE",
        country,
        _postal_code(piece),
        piece.customer_code.strip(),
        piece.document_number.strip(),
        KINDS.get(piece.kind, len(KINDS)),
        piece.piece_id,  # last tie-breaker: the order is total, so runs are reproducible
    )


def order_mail_pieces(pieces: list[MailPiece]) -> list[MailPiece]:
    """Pieces in mailing order: country (BE first, then A-Z), postal code, customer code,
    document number (then kind and piece_id, so that the order is total)."""
    return sorted(pieces, key=_order)
