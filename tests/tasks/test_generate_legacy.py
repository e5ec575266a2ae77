"""The generator's history says how the legacy system delivered it (issue 20): paper
falling year by year, the portal rising, Peppol from its mandate for Belgian companies;
every value passes the ingest's own checks; without it, the file is as before."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pyarrow.parquet as pq
import pytest

from domain.validate import validate_document
from tasks.generate import write_landing_files
from tasks.ingest.legacy import LEGACY_FIELDS, parse_legacy_delivery

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("legacy")
    summary = write_landing_files(out, customers=300, years=18, seed=3, as_of=AS_OF)
    history = pq.read_table(summary.paths[1]).to_pylist()
    with summary.paths[0].open(encoding="utf-8") as handle:
        customers = {(r["issuer"], r["customer_number"]): r for r in csv.DictReader(handle)}
    return history, customers


def shares_per_year(history: list[dict]) -> dict[int, Counter]:
    years: dict[int, Counter] = {}
    for doc in history:
        years.setdefault(int(doc["issue_date"][:4]), Counter())[doc["legacy_channel"]] += 1
    return years


def share(counter: Counter, channel: str) -> float:
    return counter[channel] / sum(counter.values())


def test_paper_falls_and_the_portal_rises_over_the_years(generated):
    history, _ = generated
    years = shares_per_year(history)
    paper = [share(years[y], "paper") for y in range(2010, 2026, 3)]
    portal = [share(years[y], "portal") for y in range(2010, 2026, 3)]
    assert paper == sorted(paper, reverse=True) and paper[0] > 0.95 and paper[-1] < 0.7
    assert portal == sorted(portal) and portal[-1] > 0.2


def test_peppol_only_from_the_mandate_and_only_for_belgian_companies(generated):
    history, customers = generated
    peppol = [d for d in history if d["legacy_channel"] == "peppol"]
    assert peppol and all(d["issue_date"] >= "2026-01-01" for d in peppol)
    for doc in peppol:
        customer = customers[(doc["issuer"], doc["customer_number"])]
        assert customer["enterprise_number"] and customer["country"] == "BE"
    after = [d for d in history if d["issue_date"] >= "2026-01-01"]
    paper_after = Counter(d["legacy_channel"] for d in after)["paper"]
    assert paper_after < len(after) * 0.2  # the mandate took most of paper away


def test_every_legacy_delivery_passes_the_ingest_checks(generated):
    history, _ = generated
    channels = Counter()
    for raw in history:
        document = validate_document(raw, frozenset({"DL2", "DL5"}))
        legacy = parse_legacy_delivery(raw, document, AS_OF, "Europe/Brussels")
        channels[legacy["channel"]] += 1
        assert (legacy["print_batch"] is not None) == (legacy["channel"] == "paper")
    assert set(channels) == {"paper", "portal", "network", "email", "peppol"}


def test_without_legacy_channels_the_history_file_has_no_legacy_columns(tmp_path):
    summary = write_landing_files(
        tmp_path, customers=20, years=2, seed=3, as_of=AS_OF, legacy_channels=False
    )
    names = pq.read_schema(summary.paths[1]).names
    assert not set(LEGACY_FIELDS) & set(names)
    with_legacy = write_landing_files(tmp_path / "l", customers=20, years=2, seed=3, as_of=AS_OF)
    plain = pq.read_table(summary.paths[1]).to_pylist()
    rich = pq.read_table(with_legacy.paths[1]).to_pylist()
    # the documents themselves are the same: only the legacy fields are added
    assert [{k: v for k, v in d.items() if k not in LEGACY_FIELDS} for d in rich] == plain
