"""The Mailer interface and its two implementations (DESIGN rule 10, STYLE "every
outside system behind one small interface"): SMTP through the standard library, and
a local Maildir outbox, the embedded default when no mail server is configured.

Failures are sorted into what the send loop must do with them:
`Deferred` (4xx: retry later), `Rejected` (5xx: never retry) and `Unavailable`
(the server cannot be reached or dropped the connection: stays queued).
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from tasks.notify.settings import NotifyConfig, SmtpServer


class MailError(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Deferred(MailError):
    """4xx: the server asks to try again later (soft)."""


class Rejected(MailError):
    """5xx for this message or its recipient: permanent (hard), never retried."""


class Unavailable(MailError):
    """No usable conversation: server down, connection refused or dropped, timeout,
    TLS or login failure, our sender refused. Not the recipient's fault: stays queued."""


class Session(Protocol):
    """Hands one message to the transport; raises Deferred, Rejected or Unavailable."""

    def send(self, data: bytes, sender: str, recipient: str) -> None: ...


class Mailer(Protocol):
    """One session per run (an SMTP connection reused for every message)."""

    def session(self) -> AbstractContextManager[Session]: ...


def reply_error(code: int, text: bytes | str) -> MailError:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    kind = Deferred if 400 <= code < 500 else Rejected
    return kind(f"{code} {detail}".strip(), code)


class SmtpSession:
    """One SMTP connection for many messages; reconnects after a drop or a 421."""

    def __init__(self, server: SmtpServer):
        self.server = server
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        s = self.server
        context = ssl.create_default_context()
        try:
            if s.ssl:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
                if s.starttls:
                    smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as error:  # refused, 421 greeting, TLS, login
            raise Unavailable(f"{s.host}:{s.port}: {type(error).__name__}: {error}") from error
        return smtp

    def send(self, data: bytes, sender: str, recipient: str) -> None:
        if self.smtp is None or self.smtp.sock is None:
            self.smtp = self.connect()
        try:
            self.smtp.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients.get(recipient, (550, b"recipient refused"))
            raise reply_error(code, text) from error
        except smtplib.SMTPSenderRefused as error:
            self.close()
            raise Unavailable(f"sender refused: {error.smtp_code} {error.smtp_error!r}") from error
        except smtplib.SMTPResponseException as error:  # DATA refused, 421 closing
            if error.smtp_code == 421 or self.smtp is None or self.smtp.sock is None:
                self.close()
            raise reply_error(error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:  # dropped, timeout
            self.close()
            raise Unavailable(f"connection lost: {type(error).__name__}: {error}") from error

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
        self.smtp = None


class SmtpMailer:
    def __init__(self, server: SmtpServer):
        self.server = server

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        session = SmtpSession(self.server)
        try:
            yield session
        finally:
            session.close()


class MaildirSession:
    def __init__(self, outbox: Path):
        try:
            self.box = mailbox.Maildir(outbox, create=True)
        except OSError as error:
            raise Unavailable(f"outbox {outbox}: {error}") from error

    def send(self, data: bytes, sender: str, recipient: str) -> None:
        try:
            self.box.add(data)  # written in tmp/, renamed into new/: atomic
        except OSError as error:
            raise Unavailable(f"outbox: {error}") from error


class MaildirMailer:
    """The embedded default: every message lands in `<data_dir>/outbox/new/`."""

    def __init__(self, outbox: Path):
        self.outbox = outbox

    @contextmanager
    def session(self) -> Iterator[MaildirSession]:
        yield MaildirSession(self.outbox)


@contextmanager
def open_sessions(mailer, count: int) -> Iterator[list]:
    """`count` sessions of an SMTP mailer, one connection each (issue 21: a second one
    doubles what a local server takes); one of any other mailer (the Maildir outbox is
    written by one thread)."""
    count = max(1, count) if isinstance(mailer, SmtpMailer) else 1
    with ExitStack() as stack:
        yield [stack.enter_context(mailer.session()) for _ in range(count)]


def build_mailer(config: NotifyConfig) -> SmtpMailer | MaildirMailer:
    """SMTP when configured (`mailer = "smtp"` and a host), else the Maildir outbox."""
    if config.mailer == "smtp":
        if config.smtp is None or not config.smtp.host:
            raise ValueError("mailer = smtp needs smtp_host (IPORTAL_SMTP_HOST)")
        return SmtpMailer(config.smtp)
    return MaildirMailer(config.outbox_dir)
