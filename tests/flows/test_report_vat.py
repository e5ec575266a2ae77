"""The run report counts documents whose VAT category was inferred (issue 17)."""

from flows.report import render_night_markdown


def test_the_landing_files_table_counts_inferred_documents():
    file = {"file_name": "documents_v1.jsonl", "status": "processed", "rows_total": 5,
            "ingested": 4, "unchanged": 0, "quarantined": 1, "vat_inferred": 4,
            "reasons": {"BR-E-10": 1}}  # fmt: skip
    summary = {"run_id": "r1", "as_of": "2026-11-27", "go_live_date": "2026-11-01",
               "timings_seconds": {}, "files": [file], "deliveries": [],
               "documents_vat_inferred": 4}  # fmt: skip
    markdown = render_night_markdown(summary)
    assert (
        "| file | status | rows | ingested | unchanged | quarantined | VAT category inferred |"
        in (markdown)
    )
    assert "| documents_v1.jsonl | processed | 5 | 4 | 0 | 1 | 4 |" in markdown
    assert "| documents_v1.jsonl | BR-E-10 | 1 |" in markdown
