"""PDF paths derived from document numbers stay inside their root."""

from pathlib import Path

import pytest

from domain.paths import UnsafePath, document_pdf_relpath, resolve_inside


def test_original_and_variant_paths():
    assert document_pdf_relpath("DL2", "2026-0001", 2026) == "documents/DL2/2026/2026-0001.pdf"
    assert (
        document_pdf_relpath("DL5", "2026-0001", 2025, "duplicate")
        == "documents/DL5/2025/2026-0001.duplicate.pdf"
    )
    assert (
        document_pdf_relpath("DL5", "2026-0001", 2025, variant="original")
        == "documents/DL5/2025/2026-0001.pdf"
    )


@pytest.mark.parametrize("number", ["../etc/passwd", "a/b", "2026..01", "", "x y", "2026\x00"])
def test_unsafe_document_numbers_are_refused(number):
    with pytest.raises(UnsafePath, match="unsafe document number"):
        document_pdf_relpath("DL2", number, 2026)


@pytest.mark.parametrize("issuer", ["DL/2", "..", "", "DL 2"])
def test_unsafe_issuers_are_refused(issuer):
    with pytest.raises(UnsafePath, match="unsafe issuer"):
        document_pdf_relpath(issuer, "2026-0001", 2026)


def test_resolve_inside_keeps_paths_under_the_root(tmp_path: Path):
    assert resolve_inside(tmp_path, "documents/DL2/x.pdf") == (
        tmp_path.resolve() / "documents" / "DL2" / "x.pdf"
    )
    with pytest.raises(UnsafePath, match="escapes"):
        resolve_inside(tmp_path, "../outside.pdf")
    with pytest.raises(UnsafePath, match="escapes"):
        resolve_inside(tmp_path, "/etc/passwd")
