"""Synthetic landing files: contract shape, business realism, determinism, bad rows.

The checks below recompute everything independently of the generator's own helpers
(Decimal arithmetic, stdnum validation), so a bug in the generator cannot hide itself.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from stdnum.be import ogm_vcs, vat
from stdnum.eu import vat as eu_vat

from tasks.generate import GeneratedSummary, write_landing_files
from tests.oracles import totals_text

AS_OF = date(2026, 11, 27)
YESTERDAY = AS_OF - timedelta(days=1)
HEADER = (
    "issuer,customer_number,name,enterprise_number,street,postal_code,city,country,"
    "language,contract_start,contact_email,contact_first_name,contact_last_name,"
    "contact_language,channel_choice,vat_id"
)
LANGUAGES = {"nl", "fr", "de", "en"}
ISSUERS = {"DL2", "DL5"}
RENT_LABELS = {"nl": "Lease ", "fr": "Location ", "de": "Leasing ", "en": "Lease "}
DOCUMENT_KINDS = {
    "missing_field", "bad_decimal", "float_amount", "BR-CO-15", "BR-CL-18", "BR-E-10",
    "BR-29", "unknown_issuer",
    "unknown_customer", "bad_date", "bad_payment_reference", "unsafe_document_number",
    "conflict",
}  # fmt: skip
CUSTOMER_KINDS = {"bad_enterprise_number", "bad_language", "bad_email", "bad_vat_id"}
CATEGORIES = {"S", "Z", "E", "AE", "K", "G", "O"}
EU = {"BE", "NL", "FR", "DE", "LU", "PL", "RO", "CZ", "GR"}
FOREIGN_RATES = {"NL": "21", "FR": "20", "DE": "19", "LU": "17", "PL": "23", "RO": "21",
                 "CZ": "21", "GR": "24"}  # fmt: skip
EXEMPT_NEED_REASON = {"E", "AE", "K", "G", "O"}
NUMBER = re.compile(r"\d{4}-\d{7}")
STRUCTURED = re.compile(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+")
EMAIL = re.compile(r"[a-z0-9.]+@example\.(be|com|org|net)")


def read_customers(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def read_history(path: Path) -> list[dict]:
    if path.suffix != ".parquet":
        return read_jsonl(path)
    documents = pq.read_table(path).to_pylist()
    for doc in documents:  # a Parquet struct has every field; JSON leaves empty ones out
        doc["lines"] = [{k: v for k, v in line.items() if v is not None} for line in doc["lines"]]
    return documents


def is_structured(reference: str | None) -> bool:
    """+++ddd/dddd/ddddd+++ with the mod-97 check; the plain formula because stdnum's
    input cleaning is slow over 10^4 documents (test_payment_references_... uses stdnum)."""
    if not reference or not STRUCTURED.fullmatch(reference):
        return False
    digits = re.sub(r"\D", "", reference)
    return (int(digits[:10]) % 97 or 97) == int(digits[10:])


def find_document_defects(doc: dict, known: set[tuple[str, str]], good: dict) -> list[str]:
    """Every way a document breaks the landing contract; [] for a good one."""
    defects = []
    amounts = [doc.get(k) for k in ("total_excl_vat", "total_vat", "total_incl_vat")]
    amounts += [x for ln in doc["lines"] for x in (ln["quantity"], ln["unit_price"])]
    if "total_incl_vat" not in doc:
        defects.append("missing_field")
    if any(isinstance(a, float) for a in amounts):
        defects.append("float_amount")
    try:
        decimals_ok = all(Decimal(a).is_finite() for a in amounts if isinstance(a, str))
    except InvalidOperation:  # "12,50", "abc"
        decimals_ok = False
    if not decimals_ok:
        defects.append("bad_decimal")
    totals = (doc.get("total_excl_vat"), doc.get("total_vat"), doc.get("total_incl_vat"))
    if decimals_ok and not defects and totals != totals_text(doc["lines"]):
        defects.append("BR-CO-15")
    if any(line.get("vat_category") not in CATEGORIES for line in doc["lines"]):
        defects.append("BR-CL-18")
    elif any(
        line["vat_category"] in EXEMPT_NEED_REASON
        and not (line.get("vat_exemption_reason_code") or line.get("vat_exemption_reason"))
        for line in doc["lines"]
    ):
        defects.append("BR-E-10")
    if doc.get("period_start") and doc["period_end"] < doc["period_start"]:
        defects.append("BR-29")
    if doc["issuer"] not in ISSUERS:
        defects.append("unknown_issuer")
    elif (doc["issuer"], doc["customer_number"]) not in known:
        defects.append("unknown_customer")
    try:
        date.fromisoformat(doc["issue_date"])
    except ValueError:
        defects.append("bad_date")
    reference = doc["payment_reference"]
    if (doc["document_type"] == "invoice" or reference) and not is_structured(reference):
        defects.append("bad_payment_reference")
    if not NUMBER.fullmatch(doc["document_number"]):
        defects.append("unsafe_document_number")
    original = good.get((doc["issuer"], doc["document_number"]))
    if original is not None and original is not doc and original != doc:
        defects.append("conflict")
    return defects


def find_customer_defects(row: dict) -> list[str]:
    defects = []
    if row["enterprise_number"] and not vat.is_valid(row["enterprise_number"]):
        defects.append("bad_enterprise_number")
    if row["language"] not in LANGUAGES or row["contact_language"] not in LANGUAGES:
        defects.append("bad_language")
    if not EMAIL.fullmatch(row["contact_email"]):
        defects.append("bad_email")
    if row["vat_id"] and not eu_vat.is_valid(row["vat_id"]):
        defects.append("bad_vat_id")
    return defects


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> dict:
    """100 customer codes, 10 years: the realism checks run on every row of it."""
    out = tmp_path_factory.mktemp("landing")
    summary = write_landing_files(out, customers=100, years=10, seed=3, as_of=AS_OF)
    customers_path, history_path, tonight_path = summary.paths
    return {
        "summary": summary,
        "customers": read_customers(customers_path),
        "history": read_history(history_path),
        "tonight": read_jsonl(tonight_path),
    }


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> list[dict]:
    """2,000 customer codes without history, for the shares."""
    out = tmp_path_factory.mktemp("population")
    summary = write_landing_files(out, customers=2000, years=0, seed=11, as_of=AS_OF)
    return read_customers(summary.paths[0])


def all_documents(landing: dict) -> list[dict]:
    return landing["history"] + landing["tonight"]


def test_writes_the_three_landing_files_named_by_as_of(landing):
    names = [path.name for path in landing["summary"].paths]
    assert names == [
        "customers_2026-11-27.csv",
        "documents_history_2026-11-27.parquet",
        "documents_2026-11-27.jsonl",
    ]
    assert not list(landing["summary"].paths[0].parent.glob(".*.tmp"))


def test_customers_header_is_exact(landing):
    first_line = landing["summary"].paths[0].read_text(encoding="utf-8").splitlines()[0]
    assert first_line == HEADER


def test_summary_counts_match_the_files(landing):
    summary: GeneratedSummary = landing["summary"]
    assert summary.customer_codes == len(landing["customers"]) == 100
    assert summary.accounts == len({row["contact_email"] for row in landing["customers"]})
    assert summary.history_documents == len(landing["history"])
    assert summary.tonight_documents == len(landing["tonight"])
    assert summary.bad_rows_by_kind == dict.fromkeys(DOCUMENT_KINDS | CUSTOMER_KINDS, 0)


def test_customer_codes_are_unique_seven_digit_numbers_at_both_issuers(landing):
    codes = [(row["issuer"], row["customer_number"]) for row in landing["customers"]]
    assert len(set(codes)) == len(codes)
    assert {issuer for issuer, _ in codes} == ISSUERS
    assert all(re.fullmatch(r"\d{7}", number) for _, number in codes)


def test_every_customer_row_is_valid(landing):
    assert [find_customer_defects(row) for row in landing["customers"]] == [[]] * 100
    assert all(
        row["channel_choice"] in {"paper", "portal", "network"} for row in landing["customers"]
    )


def test_enterprise_numbers_are_valid_or_empty_by_segment(population):
    for row in population:
        number = row["enterprise_number"]
        if number:
            assert re.fullmatch(r"[01]\d{9}", number) and vat.is_valid(number)
            assert row["country"] == "BE"
        elif row["country"] != "BE":
            assert row["country"] in {"NL", "FR", "DE", "LU", "PL", "RO", "CZ", "GR", "CH", "TR"}


def test_segment_shares_are_roughly_b2b_60_b2c_30_foreign_10(population):
    count = Counter(
        "b2b" if r["enterprise_number"] else "b2c" if r["country"] == "BE" else "foreign"
        for r in population
    )
    assert 0.54 < count["b2b"] / 2000 < 0.66
    assert 0.24 < count["b2c"] / 2000 < 0.36
    assert 0.06 < count["foreign"] / 2000 < 0.14


def test_language_shares_are_belgian_and_foreign_follows_country(population):
    belgian = [r for r in population if r["country"] == "BE"]
    share = Counter(r["language"] for r in belgian)
    assert 0.52 < share["nl"] / len(belgian) < 0.64
    assert 0.32 < share["fr"] / len(belgian) < 0.44
    assert 0 < share["de"] / len(belgian) < 0.04
    assert 0 < share["en"] / len(belgian) < 0.07
    allowed = {"NL": {"nl"}, "FR": {"fr"}, "DE": {"de"}, "LU": {"fr", "de", "en"},
               "CH": {"de", "fr"}}  # fmt: skip
    allowed |= dict.fromkeys(("PL", "RO", "CZ", "GR", "TR"), {"en"})
    assert all(r["language"] in allowed[r["country"]] for r in population if r["country"] != "BE")
    same = sum(r["language"] == r["contact_language"] for r in population)
    assert same / len(population) > 0.9


def test_channel_choice_is_mostly_paper_then_portal_then_network(population):
    share = Counter(r["channel_choice"] for r in population)
    assert 0.44 < share["paper"] / 2000 < 0.56
    assert 0.29 < share["portal"] / 2000 < 0.41
    assert 0.10 < share["network"] / 2000 < 0.20


def test_main_contacts_hold_groups_of_codes_some_across_issuers(population, landing):
    for rows in (population, landing["customers"]):
        by_email = defaultdict(list)
        for row in rows:
            by_email[row["contact_email"]].append(row)
        groups = [codes for codes in by_email.values() if len(codes) > 1]
        assert all(len(codes) <= 5 for codes in groups)
        assert any(len({row["issuer"] for row in codes}) == 2 for codes in groups)
        # One e-mail is one person: the same name and language on every code (R5).
        people = {
            email: {
                (r["contact_first_name"], r["contact_last_name"], r["contact_language"])
                for r in codes
            }
            for email, codes in by_email.items()
        }
        assert all(len(person) == 1 for person in people.values())
    share = len([1 for c in Counter(r["contact_email"] for r in population).values() if c > 1])
    assert 0.10 < share / len({r["contact_email"] for r in population}) < 0.20


def test_names_carry_non_ascii_letters_and_emails_stay_ascii(population):
    assert any(not row["name"].isascii() for row in population)
    assert all(
        row["contact_email"].isascii() and row["contact_email"].islower() for row in population
    )


def test_contract_start_lies_between_2005_and_as_of(landing):
    starts = [date.fromisoformat(row["contract_start"]) for row in landing["customers"]]
    assert min(starts) >= date(2005, 1, 1)
    assert max(starts) <= YESTERDAY


def test_every_good_document_passes_every_check(landing):
    known = {(row["issuer"], row["customer_number"]) for row in landing["customers"]}
    documents = all_documents(landing)
    good = {(doc["issuer"], doc["document_number"]): doc for doc in documents}
    assert len(good) == len(documents)  # numbers unique per issuer
    defects = Counter(d for doc in documents for d in find_document_defects(doc, known, good))
    assert defects == Counter()


def test_amounts_are_two_decimal_strings_and_totals_add_up(landing):
    for doc in all_documents(landing):
        assert 1 <= len(doc["lines"]) <= 3
        for key in ("total_excl_vat", "total_vat", "total_incl_vat"):
            assert re.fullmatch(r"\d+\.\d{2}", doc[key])
        assert (doc["total_excl_vat"], doc["total_vat"], doc["total_incl_vat"]) == (
            totals_text(doc["lines"])
        )
        assert Decimal(doc["total_incl_vat"]) == Decimal(doc["total_excl_vat"]) + Decimal(
            doc["total_vat"]
        )


def test_vat_rates_are_mostly_21_with_some_6_and_0(landing):
    rates = Counter(line["vat_rate"] for doc in all_documents(landing) for line in doc["lines"])
    # issue 17: people elsewhere in the EU pay their country's VAT (art. 56(2) Directive
    # 2006/112/EC): FR 20, DE 19, LU 17, PL 23, GR 24 ...
    assert {"21", "6", "0"} <= set(rates) <= {"21", "6", "0", "20", "19", "17", "23", "24"}
    assert rates["21"] > rates["6"] + rates["0"]


def test_each_customer_gets_the_vat_treatment_of_its_country_and_status(landing):
    customers = {(r["issuer"], r["customer_number"]): r for r in landing["customers"]}
    seen = set()
    for doc in all_documents(landing):
        customer = customers[(doc["issuer"], doc["customer_number"])]
        country, vat_id = customer["country"], customer["vat_id"]
        for line in doc["lines"]:
            category = line["vat_category"]
            insurance = line.get("vat_exemption_reason_code") == "VATEX-EU-135-1"
            if country not in EU:
                want = ("O", "0")
            elif insurance:
                want = ("E", "0")
            elif country == "BE":
                want = ("S", line["vat_rate"])
            elif vat_id:
                want = ("AE", "0")
            else:
                want = ("S", FOREIGN_RATES[country])
            assert (category, line["vat_rate"]) == want, (customer["name"], line)
            seen.add((country == "BE", bool(vat_id), category))
    assert {(True, True, "S"), (True, False, "S"), (False, True, "AE"), (False, False, "S"),
            (False, False, "O"), (True, True, "E")} <= seen  # fmt: skip


def test_the_showcase_names_are_there_in_their_scripts(landing):
    names = {r["name"] for r in landing["customers"]}
    assert {"Ştefan Dumitrescu", "Γιώργος Παπαδόπουλος", "Олена Шевченко", "Emre Yılmaz",
            "Wójcik Transport sp. z o.o.", "Dvořák Stavby s.r.o."} <= names  # fmt: skip
    hubert = next(r for r in landing["customers"] if r["name"] == "Conseil Hubert SRL")
    assert hubert["vat_id"] == "BE0399294758"


def test_a_small_night_bills_every_showcase_kind_tonight(tmp_path):
    """What `iportal demo` shows (issue 17): each VAT treatment and script, tonight."""
    summary = write_landing_files(tmp_path, customers=8, years=0, seed=1, as_of=AS_OF)
    customers = {(r["issuer"], r["customer_number"]): r for r in read_customers(summary.paths[0])}
    kinds = {
        (customers[(d["issuer"], d["customer_number"])]["name"], line["vat_category"])
        for d in read_jsonl(summary.paths[2])
        for line in d["lines"]
    }
    assert {
        ("Conseil Hubert SRL", "S"),
        ("Wójcik Transport sp. z o.o.", "AE"),
        ("Dvořák Stavby s.r.o.", "AE"),
        ("Ştefan Dumitrescu", "S"),
        ("Γιώργος Παπαδόπουλος", "S"),
        ("Emre Yılmaz", "S"),
        ("Олена Шевченко", "S"),
        ("Yılmaz Lojistik A.Ş.", "O"),
    } <= kinds


def test_documents_state_the_billed_month_as_period(landing):
    invoice = next(d for d in landing["tonight"] if d["document_type"] == "invoice")
    assert (invoice["period_start"], invoice["period_end"]) == ("2026-11-01", "2026-11-30")


def test_lines_speak_the_customer_language(landing):
    language = {(r["issuer"], r["customer_number"]): r["language"] for r in landing["customers"]}
    for doc in all_documents(landing):
        if doc["document_type"] == "invoice":
            label = RENT_LABELS[language[(doc["issuer"], doc["customer_number"])]]
            assert doc["lines"][0]["description"].startswith(label)


def test_payment_references_are_valid_structured_communications(landing):
    references = set()
    for doc in all_documents(landing):
        reference = doc["payment_reference"]
        if doc["document_type"] == "credit_note":
            assert reference in ("", None)
            continue
        assert STRUCTURED.fullmatch(reference)
        assert ogm_vcs.is_valid(reference), reference
        references.add(reference)
    assert len(references) == sum(d["document_type"] == "invoice" for d in all_documents(landing))


def test_document_numbers_grow_with_the_issue_date_per_issuer(landing):
    for issuer in ISSUERS:
        own = sorted(
            (d["document_number"], d["issue_date"])
            for d in all_documents(landing)
            if d["issuer"] == issuer
        )
        assert all(NUMBER.fullmatch(number) for number, _ in own)
        assert all(number[:4] == issued[:4] for number, issued in own)
        dates = [issued for _, issued in own]
        assert dates == sorted(dates)


def test_contract_numbers_dates_and_currency(landing):
    for doc in all_documents(landing):
        assert re.fullmatch(r"C-\d{6}", doc["contract_number"])
        issued = date.fromisoformat(doc["issue_date"])
        assert date.fromisoformat(doc["due_date"]) == issued + timedelta(days=30)
        assert doc["currency"] == "EUR"
        assert doc["document_type"] in {"invoice", "credit_note"}


def test_history_and_tonight_are_split_on_yesterday(landing):
    window_start = AS_OF.replace(year=AS_OF.year - 10)
    for doc in landing["history"]:
        assert window_start <= date.fromisoformat(doc["issue_date"]) < YESTERDAY
    assert {doc["issue_date"] for doc in landing["tonight"]} == {YESTERDAY.isoformat()}
    history_invoices = [d for d in landing["history"] if d["document_type"] == "invoice"]
    assert {d["issue_date"][8:] for d in history_invoices} == {"01"}


def test_one_invoice_per_contract_per_month(landing):
    months = Counter(
        (d["contract_number"], d["issue_date"][:7])
        for d in all_documents(landing)
        if d["document_type"] == "invoice"
    )
    assert max(months.values()) == 1


def test_tonight_bills_every_running_contract_once(landing):
    tonight = [d for d in landing["tonight"] if d["document_type"] == "invoice"]
    contracts = [d["contract_number"] for d in tonight]
    assert len(set(contracts)) == len(contracts)
    assert 1.2 < len(tonight) / len(landing["customers"]) < 2.0
    # Contracts billed last month that are not billed tonight have ended (or renewed).
    last_month = (YESTERDAY.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
    billed_last_month = {
        d["contract_number"] for d in landing["history"] if d["issue_date"] == last_month
    }
    assert len(billed_last_month & set(contracts)) > 0.8 * len(billed_last_month)


def test_credit_notes_credit_an_earlier_invoice_of_the_same_customer(landing):
    documents = all_documents(landing)
    by_number = {(d["issuer"], d["document_number"]): d for d in documents}
    credit_notes = [d for d in documents if d["document_type"] == "credit_note"]
    assert 0.01 < len(credit_notes) / len(documents) < 0.03
    assert any(d["document_type"] == "credit_note" for d in landing["tonight"])
    credited = [(d["issuer"], d["credited_document_number"]) for d in credit_notes]
    assert len(set(credited)) == len(credited)
    for note in credit_notes:
        invoice = by_number[(note["issuer"], note["credited_document_number"])]
        assert invoice["document_type"] == "invoice"
        assert invoice["customer_number"] == note["customer_number"]
        assert invoice["issue_date"] < note["issue_date"]
        assert Decimal(note["total_incl_vat"]) <= Decimal(invoice["total_incl_vat"])
    invoices = [d for d in documents if d["document_type"] == "invoice"]
    assert all(d["credited_document_number"] is None for d in invoices)


def test_parquet_history_has_the_contract_schema(landing):
    schema = pq.read_schema(landing["summary"].paths[1])
    line = pa.struct(
        [
            (name, pa.string())
            for name in (
                "description",
                "quantity",
                "unit_price",
                "vat_rate",
                "vat_category",
                "vat_exemption_reason_code",
                "vat_exemption_reason",
            )
        ]  # fmt: skip
    )
    assert schema.field("lines").type == pa.list_(line)
    assert schema.field("credited_document_number").nullable
    others = [f for f in schema if f.name != "lines"]
    assert all(f.type == pa.string() for f in others)
    assert b"pandas" not in (schema.metadata or {})


def test_same_arguments_give_byte_identical_files(tmp_path):
    args = {"customers": 60, "years": 4, "seed": 5, "as_of": AS_OF, "bad_rows": 2}
    first = write_landing_files(tmp_path / "a", **args)
    second = write_landing_files(tmp_path / "b", **args)
    for a, b in zip(first.paths, second.paths, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_landing_files(tmp_path / "c", **{**args, "seed": 6})
    assert other.paths[0].read_bytes() != first.paths[0].read_bytes()


def test_jsonl_history_holds_the_same_documents_as_parquet(tmp_path):
    args = {"customers": 40, "years": 3, "seed": 5, "as_of": AS_OF}
    parquet = write_landing_files(tmp_path / "p", **args)
    jsonl = write_landing_files(tmp_path / "j", history_format="jsonl", **args)
    assert jsonl.paths[1].name == "documents_history_2026-11-27.jsonl"
    assert read_history(jsonl.paths[1]) == read_history(parquet.paths[1])
    assert jsonl.paths[2].read_bytes() == parquet.paths[2].read_bytes()


@pytest.fixture(scope="module")
def with_bad_rows(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bad")
    args = {"customers": 80, "years": 2, "seed": 9, "as_of": AS_OF}
    clean = write_landing_files(out / "clean", **args)
    dirty = write_landing_files(out / "dirty", bad_rows=3, **args)
    return {"clean": clean, "dirty": dirty}


def test_bad_rows_are_appended_without_touching_good_rows(with_bad_rows):
    clean, dirty = with_bad_rows["clean"], with_bad_rows["dirty"]
    for good, bad in zip(clean.paths, dirty.paths, strict=True):
        assert bad.read_bytes().startswith(good.read_bytes())
    assert dirty.paths[1].read_bytes() == clean.paths[1].read_bytes()
    assert dirty.bad_rows_by_kind == dict.fromkeys(DOCUMENT_KINDS | CUSTOMER_KINDS, 3)


def test_each_bad_document_has_exactly_its_one_defect(with_bad_rows):
    dirty = with_bad_rows["dirty"]
    customers = read_customers(dirty.paths[0])[: dirty.customer_codes]
    known = {(row["issuer"], row["customer_number"]) for row in customers}
    tonight = read_jsonl(dirty.paths[2])
    good_rows, bad_rows = tonight[: dirty.tonight_documents], tonight[dirty.tonight_documents :]
    good = {(doc["issuer"], doc["document_number"]): doc for doc in good_rows}
    defects = [find_document_defects(doc, known, good) for doc in bad_rows]
    assert all(len(found) == 1 for found in defects), defects
    assert Counter(found[0] for found in defects) == dict.fromkeys(DOCUMENT_KINDS, 3)
    assert "../../etc/passwd" in {doc["document_number"] for doc in bad_rows}


def test_each_bad_customer_has_exactly_its_one_defect(with_bad_rows):
    dirty = with_bad_rows["dirty"]
    rows = read_customers(dirty.paths[0])
    bad_rows = rows[dirty.customer_codes :]
    defects = [find_customer_defects(row) for row in bad_rows]
    assert all(len(found) == 1 for found in defects), defects
    assert Counter(found[0] for found in defects) == dict.fromkeys(CUSTOMER_KINDS, 3)
    codes = [(row["issuer"], row["customer_number"]) for row in rows]
    assert len(set(codes)) == len(codes)
    documents = read_jsonl(dirty.paths[2]) + read_history(dirty.paths[1])
    used = {(doc["issuer"], doc["customer_number"]) for doc in documents}
    assert not used & {(row["issuer"], row["customer_number"]) for row in bad_rows}


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="^history_format must be one of"):
        write_landing_files(tmp_path, customers=10, years=1, history_format="csv")
    with pytest.raises(ValueError, match="must not be negative$"):
        write_landing_files(tmp_path, customers=-1, years=1)
