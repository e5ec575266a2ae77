"""Issue 17: the mentions Belgian law asks of an invoice or credit note, per category and
language (KB nr. 1 art. 5 § 1; KB nr. 4 art. 4 § 1, 3°; docs/documents.md).

Expected texts are written here as the law/docs give them, not read from the labels, and
checked on the text poppler's pdftotext extracts from the written PDF.
"""

from __future__ import annotations

import subprocess

import pytest

from tasks.render import render_one
from tests.tasks.test_render import make_job

LANGS = ("nl", "fr", "de", "en")


def text_of(job) -> str:
    render_one(job)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", job.out_path, "-"], capture_output=True, text=True
    ).stdout
    return " ".join(out.replace("\xa0", " ").replace("\u202f", " ").split())


def line(description="Lease VW ID.4", price="612.40", rate="21", **v2) -> dict:
    base = {"description": description, "quantity": "1", "unit_price": price, "vat_rate": rate}
    return base | v2


def job_with(tmp_path, language, lines, number="2026-0001234", customer=None, **document):
    job = make_job(tmp_path, number=number, language=language, **document)
    job.document["lines"] = lines
    job.customer.update(customer or {})
    return job


REVERSE_BE = {
    "nl": "Verlegging van heffing: belasting te voldoen door de medecontractant – "
    "Btw-Wetboek artikel 51, § 2",
    "fr": "Autoliquidation : taxe à acquitter par le cocontractant – Code de la TVA, "
    "article 51, § 2",
    "de": "Umkehrung der Steuerschuldnerschaft: vom Vertragspartner zu entrichtende Steuer – "
    "MwSt.-Gesetzbuch Artikel 51 § 2",
    "en": "Reverse charge: VAT to be paid by the customer – Belgian VAT Code, article 51, § 2",
}
REVERSE_EU = {
    "nl": "Verlegging van heffing – artikel 196 van Richtlijn 2006/112/EG",
    "fr": "Autoliquidation – article 196 de la directive 2006/112/CE",
    "de": "Steuerschuldnerschaft des Leistungsempfängers – Artikel 196 der Richtlinie 2006/112/EG",
    "en": "Reverse charge – article 196 of Council Directive 2006/112/EC",
}
INTRA_EU = {
    "nl": "Vrijgestelde intracommunautaire levering – artikel 39bis Btw-Wetboek",
    "fr": "Livraison intracommunautaire exemptée – article 39bis du Code de la TVA",
    "de": "Steuerfreie innergemeinschaftliche Lieferung – Artikel 39bis MwSt.-Gesetzbuch",
    "en": "Exempt intra-Community supply – article 39bis of the Belgian VAT Code",
}
INSURANCE = {
    "nl": "Vrijgesteld van btw – artikel 44, § 3, 4° Btw-Wetboek (verzekeringen)",
    "fr": "Exempté de TVA – article 44, § 3, 4° du Code de la TVA (assurances)",
    "de": "Von der MwSt. befreit – Artikel 44 § 3 Nr. 4 MwSt.-Gesetzbuch (Versicherungen)",
    "en": "Exempt from VAT – article 44, § 3, 4° of the Belgian VAT Code (insurance)",
}
REGULARISATION = {
    "nl": "Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek "
    "werd gebracht",
    "fr": "TVA à reverser à l'État dans la mesure où elle a été initialement déduite",
    "de": "MwSt. an den Staat zurückzuzahlen, soweit sie ursprünglich abgezogen wurde",
    "en": "VAT to be repaid to the State to the extent that it was initially deducted",
}
DUE_DATE = {
    "nl": "Vervaldatum",
    "fr": "Date d'échéance",
    "de": "Fälligkeitsdatum",
    "en": "Due date",
}
CUSTOMER_VAT = {
    "nl": "Btw-nr. klant",
    "fr": "N° TVA client",
    "de": "MwSt.-Nr. Kunde",
    "en": "Customer VAT no.",
}
EXEMPT = {"nl": "Vrijgesteld", "fr": "Exempté", "de": "Befreit", "en": "Exempt"}


@pytest.mark.parametrize("lang", LANGS)
def test_reverse_charge_for_a_belgian_taxable_customer_cites_art_51(tmp_path, lang):
    job = job_with(
        tmp_path,
        lang,
        [line(rate="0", vat_category="AE", vat_exemption_reason_code="VATEX-EU-AE")],
        customer={"customer_vat_id": "BE0399294758", "customer_country": "BE"},
        total_vat="0.00",
        total_incl_vat="612.40",
    )
    text = text_of(job)
    assert REVERSE_BE[lang] in text
    assert REVERSE_EU[lang] not in text
    assert f"{CUSTOMER_VAT[lang]} BE0399294758" in text


@pytest.mark.parametrize("lang", LANGS)
def test_reverse_charge_for_a_customer_in_another_member_state_cites_art_196(tmp_path, lang):
    job = job_with(
        tmp_path,
        lang,
        [line(rate="0", vat_category="AE")],
        customer={"customer_vat_id": "NL859048739B01", "customer_country": "NL", "country": "NL"},
    )
    text = text_of(job)
    assert REVERSE_EU[lang] in text and REVERSE_BE[lang] not in text
    assert "NL859048739B01" in text


@pytest.mark.parametrize("lang", LANGS)
def test_intra_eu_category_k_has_its_mention(tmp_path, lang):
    job = job_with(
        tmp_path,
        lang,
        [line(rate="0", vat_category="K", vat_exemption_reason_code="VATEX-EU-IC")],
        customer={"customer_vat_id": "FR40303265045", "customer_country": "FR"},
    )
    assert INTRA_EU[lang] in text_of(job)


@pytest.mark.parametrize("lang", LANGS)
def test_exempt_line_states_its_legal_ground_given_or_inferred(tmp_path, lang):
    given = job_with(
        tmp_path,
        lang,
        [
            line(),
            line("Insurance", "20.00", "0", vat_category="E",
                 vat_exemption_reason_code="VATEX-EU-135-1"),
        ],
    )  # fmt: skip
    inferred = job_with(tmp_path, lang, [line(), line("Insurance", "20.00", "0")], "2026-9")
    for job in (given, inferred):
        text = text_of(job)
        assert INSURANCE[lang] in text
        assert EXEMPT[lang] in text  # its own row in the VAT summary


def test_free_text_exemption_reason_is_printed_when_the_code_is_unknown(tmp_path):
    job = job_with(
        tmp_path,
        "en",
        [line(rate="0", vat_category="E", vat_exemption_reason="Exempt under art. 44 § 2, 1°")],
    )
    assert "Exempt under art. 44 § 2, 1°" in text_of(job)


@pytest.mark.parametrize("lang", LANGS)
def test_credit_note_refers_to_the_invoice_has_the_regularisation_mention_and_no_due_date(
    tmp_path, lang
):
    job = job_with(
        tmp_path,
        lang,
        [line()],
        document_type="credit_note",
        credited_document_number="2026-0000777",
    )
    text = text_of(job)
    assert REGULARISATION[lang] in text
    assert "2026-0000777" in text
    assert DUE_DATE[lang] not in text
    assert "+++000/0012/34526+++" not in text  # no payment block, no QR code
    invoice = text_of(job_with(tmp_path, lang, [line()], number="2026-0000778"))
    assert DUE_DATE[lang] in invoice and REGULARISATION[lang] not in invoice


def test_standard_invoice_carries_no_exemption_or_reverse_charge_mention(tmp_path):
    text = text_of(job_with(tmp_path, "nl", [line(vat_category="S")]))
    assert "Verlegging" not in text and "Vrijgesteld" not in text
    assert "21%" in text and "€ 128,60" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Periode 1 nov 2026 – 30 nov 2026"),
        ("fr", "Période 1 nov. 2026 – 30 nov. 2026"),
        ("de", "Zeitraum 01.11.2026 – 30.11.2026"),
        ("en", "Service period 01 Nov 2026 – 30 Nov 2026"),
    ],
)
def test_service_period_of_the_document_and_of_a_line(tmp_path, lang, expected):
    job = job_with(
        tmp_path,
        lang,
        [line(period_start="2026-11-01", period_end="2026-11-30")],
        period_start="2026-11-01",
        period_end="2026-11-30",
    )
    text = text_of(job)
    assert expected in text
    assert f"Lease VW ID.4 ({expected.split(' ', 1 if lang != 'en' else 2)[-1]})" in text


def test_vat_summary_has_one_row_per_category_and_rate(tmp_path):
    job = job_with(
        tmp_path,
        "en",
        [
            line(),
            line("Fuel card", "100.00", "6"),
            line("Insurance", "20.00", "0"),
            line("Service abroad", "50.00", "0", vat_category="AE"),
        ],
    )
    text = text_of(job)
    for row in (
        "21% 612,40 € 128,60 €",
        "6% 100,00 € 6,00 €",
        "Exempt 20,00 € 0,00 €",
        "Reverse charge 50,00 € 0,00 €",
    ):
        assert row in text
