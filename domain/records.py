"""Plain records passed between steps and to worker processes (picklable, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DocumentKey:
    issuer: str
    document_number: str

    def __str__(self) -> str:
        return f"{self.issuer}/{self.document_number}"


@dataclass(slots=True)
class RenderJob:
    """Everything a render worker needs; workers never open the warehouse (DESIGN rule 2).

    `document` holds the landing-contract fields as strings (amounts are decimal
    strings, dates ISO strings, `lines` a list of dicts of strings); `customer` holds
    customer_code, name, street, postal_code, city, country, language; `issuer` is an
    `config.Issuer` dumped to a dict. `out_path` is where the PDF goes.
    """

    issuer: str
    document_number: str
    out_path: str
    document: dict
    customer: dict
    issuer_info: dict
    duplicate: bool = False
    activation_code: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """What a render worker returns: (document key, path, sha256, pages, bytes), and the
    characters no embedded font could draw (issue 17: reported, never silently lost)."""

    issuer: str
    document_number: str
    path: str
    sha256: str
    pages: int
    bytes: int
    missing_glyphs: str = ""
