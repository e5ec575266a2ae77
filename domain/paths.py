"""Where artefacts live under the data dir. Document numbers were validated at ingest;
this second check keeps any path derived from them inside its root."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from domain.validate import SAFE_DOCUMENT_NUMBER


class UnsafePath(ValueError):
    pass


def document_pdf_relpath(
    issuer: str, document_number: str, year: int, variant: str = "original"
) -> str:
    if not SAFE_DOCUMENT_NUMBER.match(document_number) or ".." in document_number:
        raise UnsafePath(f"unsafe document number {document_number!r}")
    if not issuer.isalnum():
        raise UnsafePath(f"unsafe issuer {issuer!r}")
    suffix = "" if variant == "original" else f".{variant}"
    return str(PurePosixPath("documents", issuer, str(year), f"{document_number}{suffix}.pdf"))


def resolve_inside(root: Path, relpath: str) -> Path:
    path = (root / relpath).resolve()
    if not path.is_relative_to(root.resolve()):
        raise UnsafePath(f"{relpath!r} escapes {root}")
    return path
