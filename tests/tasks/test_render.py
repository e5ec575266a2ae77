"""Render step: PDFs per document (DESIGN rules 2 and 5; R2, R17, R23)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import string
from decimal import Decimal

import pypdf
import pytest
from babel.numbers import format_currency, format_decimal

import tasks.render.pdf as pdf_module
from config import DEFAULT_ISSUERS
from domain.records import RenderJob
from tasks.render import (
    RenderError,
    draw_document,
    render_documents,
    render_one,
    shutdown_pools,
    write_atomic,
)
from tasks.render.labels import (
    LABEL_KEYS,
    LABELS_DIR,
    LANGUAGES,
    LOCALES,
    format_amount,
    format_number,
)
from tasks.render.pdf import clean, fit, width, wrap
from tasks.render.qr import build_epc_payload, dark_runs, make_epc_qr, structured_reference

ISSUER = DEFAULT_ISSUERS["DL5"].model_dump()


def make_job(
    tmp_path,
    *,
    number: str = "2026-0001234",
    language: str = "en",
    document_type: str = "invoice",
    lines: int = 1,
    name: str = "Garage Dupont BV",
    duplicate: bool = False,
    activation_code: str | None = None,
    extra: dict | None = None,
    **document,
) -> RenderJob:
    doc = {
        "issuer": "DL5",
        "document_number": number,
        "document_type": document_type,
        "issue_date": "2026-11-26",
        "due_date": "2026-12-26",
        "customer_number": "0012345",
        "contract_number": "C-778812",
        "currency": "EUR",
        "lines": [
            {
                "description": f"Lease VW ID.4 line {i + 1:02d}",
                "quantity": "1",
                "unit_price": "612.40",
                "vat_rate": "21",
            }
            for i in range(lines)
        ],
        "total_excl_vat": "612.40",
        "total_vat": "128.60",
        "total_incl_vat": "741.00",
        "payment_reference": "+++000/0012/34526+++",
        "credited_document_number": None,
    }
    doc.update(document)
    return RenderJob(
        issuer="DL5",
        document_number=number,
        out_path=str(tmp_path / "documents" / "DL5" / f"{number}.pdf"),
        document=doc,
        customer={
            "customer_code": "DL50012345",
            "name": name,
            "street": "Rue de Görlitz 12",
            "postal_code": "4000",
            "city": "Liège",
            "country": "BE",
            "language": language,
        },
        issuer_info=ISSUER,
        duplicate=duplicate,
        activation_code=activation_code,
        extra=extra or {},
    )


def pdf_texts(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [norm(page.extract_text()) for page in reader.pages]


def norm(text: str) -> str:
    """Whitespace as pypdf and babel may differ on it (no-break, narrow no-break)."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


# --- one document --------------------------------------------------------------------


def test_invoice_opens_and_shows_number_customer_code_and_total(tmp_path):
    job = make_job(tmp_path, language="fr")
    result = render_one(job)
    data = open(job.out_path, "rb").read()
    assert result.path == job.out_path
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.bytes == len(data)
    assert (result.issuer, result.document_number) == ("DL5", "2026-0001234")
    reader = pypdf.PdfReader(job.out_path)
    assert result.pages == len(reader.pages) == 1
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=0.1)  # A4
    text = pdf_texts(data)[0]
    assert "2026-0001234" in text
    assert "DL50012345" in text  # R2
    assert norm(format_amount("741.00", "fr")) in text  # "741,00 €"
    assert "Facture" in text and "Liège" in text and "Görlitz" in text
    assert "+++000/0012/34526+++" in text


def test_same_job_renders_to_identical_bytes(tmp_path):
    job = make_job(tmp_path, lines=3, duplicate=True, activation_code="ABCD-1234")
    assert draw_document(job) == draw_document(job)


def test_invoice_has_qr_and_credit_note_has_none_but_names_the_invoice(tmp_path, monkeypatch):
    calls = []
    real = pdf_module.make_epc_qr
    monkeypatch.setattr(pdf_module, "make_epc_qr", lambda p: calls.append(p) or real(p))
    draw_document(make_job(tmp_path))
    assert len(calls) == 1 and calls[0].startswith("BCD\n002\n1\nSCT\n")
    credit = make_job(
        tmp_path,
        number="2026-0001300",
        document_type="credit_note",
        credited_document_number="2026-0001234",
    )
    text = pdf_texts(draw_document(credit))[0]
    assert len(calls) == 1  # no QR code drawn for the credit note
    assert "Credit note for invoice 2026-0001234" in text
    assert "Credit note" in text and "Structured communication" not in text


def test_eighty_lines_flow_over_pages_with_page_x_of_y_and_repeated_header(tmp_path):
    job = make_job(tmp_path, lines=80, language="nl")
    result = render_one(job)
    texts = pdf_texts(open(job.out_path, "rb").read())
    assert result.pages == len(texts) > 1
    for page, text in enumerate(texts, start=1):
        assert f"pagina {page} van {len(texts)}" in text
        assert "Omschrijving" in text and "DL50012345" in text  # header on every page
    everything = " ".join(texts)
    for i in range(80):
        assert everything.count(f"Lease VW ID.4 line {i + 1:02d}") == 1
    assert "Totaal incl. btw" in texts[-1] and "Totaal incl. btw" not in texts[0]


@pytest.mark.parametrize(
    ("language", "mark"),
    [("nl", "DUPLICAAT"), ("fr", "DUPLICATA"), ("de", "DUPLIKAT"), ("en", "DUPLICATE")],
)
def test_duplicate_is_marked_in_the_document_language(tmp_path, language, mark):
    marked = make_job(tmp_path, language=language, duplicate=True)
    assert mark in pdf_texts(draw_document(marked))[0]
    assert mark not in pdf_texts(draw_document(make_job(tmp_path, language=language)))[0]


def test_activation_code_box_is_printed_with_its_validity(tmp_path):
    job = make_job(
        tmp_path,
        activation_code="K7Q2-M9XP",
        extra={"activation_code_valid_until": "2027-03-11"},
    )
    text = pdf_texts(draw_document(job))[0]
    assert "Your activation code for electronic delivery: K7Q2-M9XP, valid until" in text
    assert "11 Mar 2027" in text


@pytest.mark.parametrize(
    "name",
    [
        "Line one\r\nLine two\tTabbed\x00nul",
        "<script>alert('x')</script> & (unbalanced \\ paren",
        "W" * 5000,
        "Ørsted 🚗 Görlitz Liège € \u202e\ud800 e\u0301 中文",
        "",
    ],
)
def test_hostile_names_never_crash(tmp_path, name):
    job = make_job(tmp_path, name=name, contract_number=name, lines=1)
    job.document["lines"][0]["description"] = name
    result = render_one(job)
    assert result.pages == 1
    text = pdf_texts(open(job.out_path, "rb").read())[0]
    assert "DL50012345" in text
    assert len(text) < 4000  # long names are cut, not spilled
    if name.startswith("Ørsted"):
        # Issue 17: no more "?" for characters outside Windows-1252; what no font has
        # (emoji, a lone surrogate, CJK) is drawn as U+FFFD and reported.
        assert "Ørsted \ufffd Görlitz Liège €" in text and "é" in text
        assert set(result.missing_glyphs) == {"🚗", "\ud800", "中", "文"}


def test_clean_keeps_text_and_widths_match_reportlab():
    assert clean("Görlitz Liège Ørsted € ‘x’") == "Görlitz Liège Ørsted € ‘x’"
    assert clean("a\r\nb") == "a  b"
    assert clean("Шевченко") == "Шевченко"  # was "????????" with the Helvetica fonts
    assert clean("x" * 10_000) == "x" * 400
    for text in ("Ørsted €", "Hello (world)", "Straße", "Παπαδόπουλος"):
        # our width table agrees with reportlab's own metrics
        from reportlab.pdfbase.pdfmetrics import stringWidth

        assert width(text, "DejaVuSans", 9) == pytest.approx(stringWidth(text, "DejaVuSans", 9))
    assert width(fit("W" * 400, "DejaVuSans", 9, 100), "DejaVuSans", 9) <= 100
    lines = wrap("word " * 200, "DejaVuSans", 9, 100, 2)
    assert len(lines) == 2 and lines[-1].endswith("\u2026")


def test_bad_amount_is_an_error_naming_the_document(tmp_path):
    job = make_job(tmp_path, number="2026-0009999", total_incl_vat="12,3.4")
    with pytest.raises(RenderError, match="DL5/2026-0009999"):
        render_one(job)
    assert not os.path.exists(job.out_path)


# --- files and workers ---------------------------------------------------------------


def test_atomic_write_creates_dirs_replaces_and_leaves_no_temp_files(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b" / "doc.pdf"
    write_atomic(str(target), b"first")
    write_atomic(str(target), b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["doc.pdf"]

    def broken_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="^disk gone$"):
        write_atomic(str(target), b"third")
    assert target.read_bytes() == b"second"  # the old file is untouched
    assert os.listdir(target.parent) == ["doc.pdf"]  # and no temp file is left


def test_render_documents_in_two_processes_keeps_order_and_bytes(tmp_path):
    jobs = [
        make_job(tmp_path, number=f"2026-{i:07d}", language=LANGUAGES[i % 4], lines=1 + i % 3)
        for i in range(13)
    ]
    bad = make_job(tmp_path, number="2026-BAD", total_incl_vat="not a number")
    try:
        results = render_documents(jobs, workers=2)
        errors: list[RenderError] = []
        with_bad = render_documents([jobs[0], bad, jobs[1]], workers=2, errors=errors)
    finally:
        shutdown_pools()
    assert [r.document_number for r in results] == [j.document_number for j in jobs]
    # Another process (another hash seed) gives the same bytes as this one.
    for job, result in zip(jobs, results, strict=True):
        assert result.sha256 == hashlib.sha256(draw_document(job)).hexdigest()
    assert [r.document_number for r in with_bad] == [jobs[0].document_number, "2026-0000001"]
    assert [e.document_number for e in errors] == ["2026-BAD"]
    assert "DL5/2026-BAD" in str(errors[0])
    in_process = render_documents(jobs[:3], workers=1)
    assert [r.sha256 for r in in_process] == [r.sha256 for r in results[:3]]


# --- labels and formats --------------------------------------------------------------


def test_labels_have_the_same_keys_and_placeholders_in_all_languages():
    files = {
        lang: json.loads((LABELS_DIR / f"{lang}.json").read_text("utf-8")) for lang in LANGUAGES
    }
    for lang, labels in files.items():
        assert set(labels) == LABEL_KEYS, lang
        assert all(value.strip() for value in labels.values()), lang

    def placeholders(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    for key in LABEL_KEYS:
        assert len({frozenset(placeholders(files[lang][key])) for lang in LANGUAGES}) == 1, key
    assert [files[lang]["invoice"] for lang in LANGUAGES] == [
        "Factuur",
        "Facture",
        "Rechnung",
        "Invoice",
    ]
    assert files["fr"]["credit_note"] == "Note de crédit"


@pytest.mark.parametrize("language", LANGUAGES)
def test_fast_amount_format_equals_babel(language):
    for value in ("0", "0.01", "741.00", "1234567.89", "-128.60", "999999999.99", "-0.5"):
        expected = format_currency(Decimal(value), "EUR", locale=LOCALES[language])
        assert format_amount(value, language) == expected
    for value in ("1", "2.5", "1234.125", "-3"):
        expected = format_decimal(Decimal(value), locale=LOCALES[language])
        assert format_number(value, language) == expected


# --- EPC QR --------------------------------------------------------------------------


def test_epc_payload_for_a_known_invoice():
    payload = build_epc_payload(
        name=ISSUER["name"],
        iban=ISSUER["iban"],
        bic=ISSUER["bic"],
        amount="741.00",
        reference="+++000/0012/34526+++",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nGKCCBEBB\nBelfius Lease Belgium NV\nBE71096123456769\n"
        "EUR741.00\n\n000001234526"
    )


def test_epc_payload_limits():
    long_name = "N" * 100
    payload = build_epc_payload(
        name=long_name + "\nX", iban="BE71 0961 2345 6769", amount="5", reference="+++bad+++"
    )
    lines = payload.split("\n")
    assert lines[4] == "" and lines[5] == "N" * 70 and lines[6] == "BE71096123456769"
    assert lines[7] == "EUR5.00"
    assert lines[9] == "" and lines[10] == "+++bad+++"  # not an OGM: unstructured text
    no_reference = build_epc_payload(name="X", iban="BE71096123456769", amount="1", text="F-1")
    assert no_reference.endswith("EUR1.00\n\n\nF-1")
    assert structured_reference("+++000/0012/34527+++") is None  # wrong check digits
    assert structured_reference("RF18 5390 0754 7034") == "RF18539007547034"
    for amount in ("0", "-1", "1000000000", "1.234"):
        with pytest.raises(ValueError, match=f"^EPC QR: amount '{amount}' outside"):
            build_epc_payload(name="X", iban="BE71096123456769", amount=amount, reference=None)


def test_qr_runs_cover_exactly_the_dark_modules():
    qr = make_epc_qr("BCD\n002\n1\nSCT\n\nX\nBE71096123456769\nEUR1.00\n\n000001234526")
    assert qr.version <= 13 and qr.error == "M"
    dark = {(r, c) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}
    covered = {(r, c + k) for r, c, n in dark_runs(qr) for k in range(n)}
    assert covered == dark
