"""The run report's Peppol section (issue 7): sent, failed validation with rules, rejected."""

from flows.report import peppol_markdown


def test_the_report_counts_peppol_documents_and_names_the_failed_ones():
    summary = {
        "peppol": {
            "sent": 41,
            "failed_validation": 1,
            "rejected": 2,
            "pending": 0,
            "failures": [
                {"document": "DL5/2026-0001234", "customer_code": "DL50012345",
                 "rules": "BR-CO-15, PEPPOL-EN16931-R003"}
            ],
        }
    }  # fmt: skip
    markdown = peppol_markdown(summary)
    assert "| sent | failed validation | rejected | pending |" in markdown
    assert "| 41 | 1 | 2 | 0 |" in markdown
    assert "| DL5/2026-0001234 | DL50012345 | BR-CO-15, PEPPOL-EN16931-R003 |" in markdown


def test_a_night_without_peppol_has_no_peppol_section():
    assert peppol_markdown({}) == ""
