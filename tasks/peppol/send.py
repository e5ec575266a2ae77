"""Access points: where validated UBL documents go (issue 7, STYLE "one small interface").

    AccessPoint.send(idempotency_key, ubl) -> message id
        raises Rejected (permanent: the document is refused) or Unavailable (try later)

- `OutboxAccessPoint` (embedded default): one file per document in the outbox folder,
  named by its idempotency key, plus a manifest line per file, for a local access point
  or a transfer job to pick up.
- `HttpAccessPoint`: one POST per document to a configured endpoint; 5xx, timeouts and
  connection errors are retried (tenacity, exponential back-off), a 4xx is not, except
  429 (too many requests), retried after the wait its Retry-After header asks (seconds
  or an HTTP date, RFC 9110 10.2.3) when that is at most `max_retry_after` seconds;
  longer, and the step stops for this run like for an access point that is down.

A 2xx answer may say what became of the transmission (JSON "status": sent | delivered
| failed, issue 18); without it a 2xx means sent (handed to the access point). Later
news about it (delivered, failed, Message Level Responses, the buyer's Invoice
Response) comes through the inbox (responses.py).

Exactly once: the idempotency key is the delivery's primary key (issuer,
document_number, channel, purpose). The outbox writes a file of that name once; a second
send of the same key finds it and changes nothing. The HTTP adapter sends the key in an
`Idempotency-Key` header: the access point must answer a repeated key with the message
id of the first request instead of sending again. That covers the one unsafe moment,
a crash after the access point accepted a document and before the warehouse recorded
it: the next run sends it again under the same key.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from tasks.storage import write_atomic


class AccessPointError(Exception):
    pass


class Rejected(AccessPointError):
    """The access point refused the document (4xx): sending it again will not help."""


class Unavailable(AccessPointError):
    """Server error, timeout or no connection: the delivery stays pending, next run retries."""


class Throttled(Unavailable):
    """HTTP 429: try again after `retry_after` seconds (None: the header was missing)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


TRANSMISSIONS = ("sent", "delivered", "failed")


@dataclass(frozen=True, slots=True)
class Receipt:
    """The access point's answer to a post: its message id and the transmission."""

    message_id: str
    transmission: str = "sent"  # sent | delivered | failed


class AccessPoint(Protocol):
    name: str

    def send(self, idempotency_key: str, ubl: bytes) -> Receipt | str: ...

    def flush(self) -> None:
        """Make what was sent durable before the warehouse records it as dispatched."""


def outbox_file_name(idempotency_key: str) -> str:
    """DL5/2026-0001234/peppol/original -> DL5_2026-0001234_peppol_original.xml.

    Issuers are alphanumeric and document numbers were checked at ingest (letters,
    digits, '.', '-', '_'), so the name is safe and unique."""
    return idempotency_key.replace("/", "_") + ".xml"


class OutboxAccessPoint:
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.unsynced: set[Path] = set()
        self.manifest_names: dict[Path, set[str]] = {}  # file names per manifest

    def manifest_path(self, written: datetime) -> Path:
        return self.folder / f"manifest-{written:%Y-%m-%d}.jsonl"

    def send(self, idempotency_key: str, ubl: bytes) -> str:
        """Write the document once (temp file + rename); append its manifest line.

        The file is the commit point. A crash between the rename and the manifest line
        is repaired by the next send of the same key, which finds the file and adds the
        line if that day's manifest (by the file's time) lacks it."""
        name = outbox_file_name(idempotency_key)
        path = self.folder / name
        data = None  # what the file holds, once known (issue 21: not read back)
        if not path.exists():
            write_atomic(str(path), ubl)
            self.unsynced.add(path)
            data = ubl
        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        manifest = self.manifest_path(written)
        if not self.has_manifest_line(manifest, name):
            data = path.read_bytes() if data is None else data
            line = {
                "file": name,
                "idempotency_key": idempotency_key,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "written_at": written.isoformat(),
            }
            with manifest.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, sort_keys=True) + "\n")
            self.manifest_names[manifest].add(name)
            self.unsynced.add(manifest)
        return Receipt(f"outbox:{name}")

    def flush(self) -> None:
        """fsync the batch's files and the folder once, not one fsync per document."""
        for path in sorted(self.unsynced):
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        if self.unsynced:
            folder = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        self.unsynced.clear()

    def has_manifest_line(self, manifest: Path, name: str) -> bool:
        """The day's manifest is read once and its names kept: scanning it for every
        document made a night quadratic (issue 9: 12,000 Peppol documents spent minutes
        here)."""
        names = self.manifest_names.get(manifest)
        if names is None:
            names = self.manifest_names[manifest] = set()
            if manifest.exists():
                with manifest.open(encoding="utf-8") as handle:
                    for line in handle:
                        try:
                            names.add(json.loads(line)["file"])
                        except (ValueError, KeyError):  # a line cut by a crash
                            continue
        return name in names


class HttpAccessPoint:
    name = "http"

    def __init__(
        self,
        url: str,
        timeout: float = 30.0,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
        max_retry_after: float = 120.0,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.max_retry_after = max_retry_after

    def post(self, idempotency_key: str, ubl: bytes) -> Receipt:
        request = urllib.request.Request(
            self.url,
            data=ubl,
            method="POST",
            headers={
                "Content-Type": "application/xml; charset=utf-8",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return receipt_of(response.read())
        except urllib.error.HTTPError as error:
            body = error.read()[:300].decode("utf-8", "replace")
            if error.code == 429:
                wait = retry_after_seconds(error.headers.get("Retry-After"))
                message = f"HTTP 429 from the access point (Retry-After {wait})"
                raise Throttled(message, wait) from None
            kind = Unavailable if error.code >= 500 else Rejected
            raise kind(f"HTTP {error.code} from the access point: {body}") from None
        except (TimeoutError, ConnectionError) as error:
            raise Unavailable(f"access point unreachable: {error!r}") from None
        except urllib.error.URLError as error:
            raise Unavailable(f"access point unreachable: {error.reason!r}") from None

    def send(self, idempotency_key: str, ubl: bytes) -> Receipt:
        backoff = wait_exponential(multiplier=self.backoff_seconds, max=30)

        def wait(state) -> float:
            error = state.outcome.exception()
            if isinstance(error, Throttled) and error.retry_after is not None:
                return error.retry_after
            return backoff(state)

        def worth_retrying(error: BaseException) -> bool:
            if isinstance(error, Throttled) and error.retry_after is not None:
                return error.retry_after <= self.max_retry_after
            return isinstance(error, Unavailable)

        retrying = Retrying(
            retry=retry_if_exception(worth_retrying),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            reraise=True,
        )
        return retrying(self.post, idempotency_key, ubl)

    def flush(self) -> None:
        """Nothing to do: the access point answered before send() returned."""


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def receipt_of(body: bytes) -> Receipt:
    """The access point answers 2xx with JSON {"message_id": ..., "status": ...}. A 2xx
    without a message id still means accepted: "" (recorded as dispatched, no id)."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return Receipt("")
    if not isinstance(answer, dict):
        return Receipt("")
    message_id = str(answer.get("message_id") or "")
    status = str(answer.get("status") or "sent").lower()
    return Receipt(message_id, status if status in TRANSMISSIONS else "sent")


def receipt(answer: Receipt | str) -> Receipt:
    """An access point may answer with a bare message id: sent."""
    return answer if isinstance(answer, Receipt) else Receipt(answer)


def make_access_point(
    url: str | None, timeout: float, outbox: Path, max_retry_after: float = 120.0
) -> AccessPoint:
    """The setting peppol_access_point_url chooses; the outbox is the default."""
    if url:
        return HttpAccessPoint(url, timeout, max_retry_after=max_retry_after)
    return OutboxAccessPoint(outbox)
