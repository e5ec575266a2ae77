"""Crash points of the Peppol operator path (issue 18), killed with SIGKILL like the
harness's other trials (tasks/faults.py): an operator's re-send killed between the
access point's answer and the record (`peppol.sent_not_recorded`), and an inbox read
killed between recording the responses and moving their files
(`peppol.responses_recorded_not_moved`). The rerun finishes; nothing is transmitted
twice, no response is counted twice, none is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tasks.peppol import HttpAccessPoint
from tests.reliability.harness import ROOT, AccessPointServer
from tests.tasks.test_peppol_deliver import deliver, night, query  # noqa: F401 (fixture)
from tests.tasks.test_peppol_responses import invoice_response, message_level_response

pytestmark = pytest.mark.crash
FIRST = "DL5/2026-0001235/peppol/original"
SECOND = f"{FIRST}/attempt-2"


def iportal(data_dir, *argv: str, crash_at: str | None = None, env: dict | None = None):
    child = dict(os.environ, **(env or {}))
    child.pop("IPORTAL_CRASH_AT", None)
    if crash_at:
        child["IPORTAL_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "iportal", *argv, "--data-dir", str(data_dir)],
        cwd=ROOT, env=child, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def rejected(night):  # noqa: F811 (the fixture imported above)
    """The night sent to a real access point; the buyer rejected 2026-0001235."""
    with AccessPointServer() as access_point:
        assert (
            deliver(
                night, HttpAccessPoint(access_point.url, timeout=5), "run-1", batch_size=10
            ).sent
            == 3
        )
        inbox = night / "peppol" / "inbox"
        inbox.mkdir(parents=True)
        (inbox / "ir.xml").write_bytes(invoice_response("RE", "2026-0001235", "wrong name"))
        assert iportal(night, "peppol", "inbox").returncode == 0
        yield night, access_point


def test_a_resend_killed_after_the_post_is_finished_once(rejected):
    data_dir, access_point = rejected
    env = {"IPORTAL_PEPPOL_ACCESS_POINT_URL": access_point.url}
    killed = iportal(data_dir, "peppol", "resend", "DL5", "2026-0001235", "--note", "fixed",
                     crash_at="peppol.sent_not_recorded:1", env=env)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert len(access_point.posts[SECOND]) == 1  # the access point took attempt 2
    [(status, attempt)] = query(
        data_dir,
        "SELECT v.status, m.send_attempt FROM deliveries v JOIN peppol_messages m "
        "USING (issuer, document_number, purpose) WHERE v.document_number = '2026-0001235' "
        "AND v.channel = 'peppol'",
    )
    assert (status, attempt) == ("sending", 2)  # marked before the post, outcome lost
    refused = iportal(data_dir, "peppol", "resend", "DL5", "2026-0001235", "--note", "x", env=env)
    assert refused.returncode == 1 and "not in the Peppol queue" in refused.stderr
    resumed = deliver(data_dir, HttpAccessPoint(access_point.url, timeout=5), "run-2")
    assert resumed.sent == 1  # the night's step finishes it, under the same attempt key
    assert len(access_point.posts[SECOND]) == 2  # posted again...
    assert set(access_point.forwarded) == {  # ...but transmitted once per attempt
        "DL5/2026-0001234/peppol/original", FIRST, SECOND, "DL5/2026-0001237/peppol/original",
    }  # fmt: skip
    [(status, key, message_id)] = query(
        data_dir,
        "SELECT v.status, m.idempotency_key, m.message_id FROM deliveries v "
        "JOIN peppol_messages m USING (issuer, document_number, purpose) "
        "WHERE v.document_number = '2026-0001235' AND v.channel = 'peppol'",
    )
    assert (status, key, message_id) == ("dispatched", SECOND, access_point.forwarded[SECOND])
    [(deliveries,)] = query(
        data_dir, "SELECT count(*) FROM deliveries WHERE document_number = '2026-0001235' "
                  "AND channel = 'peppol'"
    )  # fmt: skip
    assert deliveries == 1  # a new attempt, never a second delivery


def test_an_inbox_read_killed_before_the_files_moved_records_them_once(rejected):
    data_dir, access_point = rejected
    inbox = data_dir / "peppol" / "inbox"
    [(message_id,)] = query(
        data_dir, "SELECT message_id FROM peppol_messages WHERE document_number = '2026-0001234'"
    )
    (inbox / "mlr.xml").write_bytes(message_level_response("AP", message_id))
    (inbox / "paid.xml").write_bytes(invoice_response("PD", "2026-0001234"))
    killed = iportal(data_dir, "peppol", "inbox",
                     crash_at="peppol.responses_recorded_not_moved:1")  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert sorted(p.name for p in inbox.glob("*.xml")) == ["mlr.xml", "paid.xml"]  # not moved
    again = iportal(data_dir, "peppol", "inbox", "--json")
    assert again.returncode == 0, again.stderr
    assert '"recorded": 0' in again.stdout and '"already": 2' in again.stdout
    assert not list(inbox.glob("*.xml"))
    [(responses, events)] = query(
        data_dir,
        "SELECT (SELECT count(*) FROM peppol_responses), "
        "(SELECT count(*) FROM audit_log WHERE event_type = 'peppol_response')",
    )
    assert (responses, events) == (3, 3)  # the RE of the fixture + these two, once each
    [(mlr, paid)] = query(
        data_dir, "SELECT mlr_code, invoice_response_code FROM peppol_messages "
                  "WHERE document_number = '2026-0001234'"
    )  # fmt: skip
    assert (mlr, paid) == ("AP", "PD")
