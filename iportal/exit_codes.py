"""Exit codes of every `iportal` command (issue 19), for cron, systemd and Prefect
automations. docs/operations.md has the table; `iportal --help` shows it.

    0 DONE       the command did all its work
    1 FAILED     the command failed; what it committed stays, the rest was not done
    2 USAGE      bad arguments or options (Typer/Click's own code)
    3 QUEUED     finished, but work is left queued for a later run (mail server or
                 Peppol access point unreachable, render failures): nothing is lost
    4 ATTENTION  a check found something a person must look at (`iportal status`,
                 `iportal audit verify`)
"""

DONE = 0
FAILED = 1
USAGE = 2
QUEUED = 3
ATTENTION = 4

TABLE = {
    DONE: "done",
    FAILED: "failed (one line on stderr says why)",
    USAGE: "bad arguments or options",
    QUEUED: "finished with work left queued for a later run",
    ATTENTION: "a check found something a person must look at",
}


def epilog() -> str:
    """The table for --help (Click keeps \b paragraphs as written)."""
    return "\b\nExit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in TABLE.items())


def queued_work(summary: dict) -> list[str]:
    """What a finished nightly, digest or backfill left for a later run, one line each
    (empty: nothing). Reads the run summary the flows return."""
    left = []
    mail = summary.get("notifications") or summary.get("notices") or summary
    if isinstance(mail, dict):
        if mail.get("mailer_unavailable"):
            left.append(
                f"mail server unavailable, digests stay queued: {mail['mailer_unavailable']}"
            )
        if mail.get("error"):
            left.append(f"digests not completed, they stay queued: {mail['error']}")
        if mail.get("digests_deferred"):
            left.append(f"{mail['digests_deferred']} digests deferred (4xx), retried later")
    peppol = summary.get("peppol") or {}
    if peppol.get("pending"):
        left.append(f"{peppol['pending']} Peppol documents left to send (access point unreachable)")
    return left
