"""The notification run report for operators: the queue, failures and flagged
addresses, each quoting the customer references (R31)."""

from __future__ import annotations


def cell(value) -> str:
    """Table-safe text: a `|` or a line break in data cannot break the Markdown table."""
    return " ".join(str(value).replace("|", "\\|").split())


def codes(values) -> str:
    return ", ".join(values) if values else "(no customer code on record)"


def flagged_lines(flagged: list[dict]) -> list[str]:
    if not flagged:
        return ["No flagged address."]
    lines = ["| address | hard bounces | last kind | customer codes |", "|---|---|---|---|"]
    for f in flagged:
        lines.append(
            f"| {cell(f['address'])} | {f['hard_bounces']} | {cell(f['last_category'])} "
            f"| {cell(codes(f['customer_codes']))} |"
        )
    return lines


def render_digest_markdown(summary: dict) -> str:
    queue = ", ".join(f"{k} {v}" for k, v in summary["digests_by_status"].items()) or "empty"
    lines = [
        f"# {summary['frequency']} digests, period {summary['period']}",
        "",
        f"{summary['documents_resolved']} new documents → {summary['recipient_lines']} "
        f"recipient lines; {summary['digests_queued']} digests queued listing "
        f"{summary['documents_listed']} documents ({summary['invitations']} with an "
        "invitation).",
        "",
        f"Sent {summary['digests_sent']}, deferred {summary['digests_deferred']}, hard "
        f"bounces {summary['digests_hard_bounces']}, failed {summary['digests_failed']}.",
        f"Queue by status: {queue}.",
    ]
    if summary.get("mailer_unavailable"):
        lines += ["", f"**Mail server unavailable**: {cell(summary['mailer_unavailable'])}"]
    if summary["compose_failures"]:
        lines += ["", "## Not sent: unusable address", ""]
        lines += [
            f"- {cell(codes(f['customer_codes']))}: {cell(f['error'])}"
            for f in summary["compose_failures"]
        ]
    if summary["codes_without_recipient"]:
        lines += ["", "## Published with nobody to notify (no account or all off)", ""]
        lines += [f"- {c}: {n}" for c, n in summary["codes_without_recipient"].items()]
    lines += ["", "## Flagged addresses (repeated hard bounces)", ""]
    lines += flagged_lines(summary["flagged_addresses"])
    return "\n".join(lines) + "\n"
