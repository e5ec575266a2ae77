"""A digest as an e-mail: jinja2 templates (HTML autoescaped + plain text) per
language, dates and amounts by babel, headers built by the `email` package so that no
name or address from master data can add a header or break the markup."""

from __future__ import annotations

import json
import re
from email import policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import quote

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tasks.notify.periods import message_id
from tasks.notify.records import Digest

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "email"
LANGUAGES = ("nl", "fr", "de", "en")
MAX_LINES = 200  # a larger digest lists the first ones and counts the rest
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class CachingHeaderRegistry(HeaderRegistry):
    """The standard registry builds a new header class for every header of every
    message (a third of the time spent composing); the classes are the same each time."""

    def __init__(self):
        super().__init__()
        self.classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self.classes:
            self.classes[key] = super().__getitem__(name)
        return self.classes[key]


POLICY = policy.SMTP.clone(header_factory=CachingHeaderRegistry())


class InvalidAddress(ValueError):
    """The recipient's address from master data cannot be used in an e-mail."""


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def catalog(language: str) -> dict:
    """The e-mail's words in one language (nl when the language is unknown)."""
    language = language if language in LANGUAGES else "nl"
    return json.loads((TEMPLATES_DIR / f"{language}.json").read_text(encoding="utf-8"))


def clean_text(value: str | None) -> str:
    """Control characters (CR, LF, …) become one space; everything else stays."""
    return " ".join(CONTROL.sub(" ", value or "").split())


def checked_address(address: str) -> Address:
    text = (address or "").strip()
    if CONTROL.search(text) or text.count("@") != 1:
        raise InvalidAddress("invalid e-mail address in master data")
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError) as error:
        raise InvalidAddress("invalid e-mail address in master data") from error
    if not parsed.username or "." not in parsed.domain or parsed.addr_spec != text:
        raise InvalidAddress("invalid e-mail address in master data")
    if not parsed.username.isascii():
        raise InvalidAddress("e-mail address with a non-ASCII local part (needs SMTPUTF8)")
    try:
        domain = parsed.domain.encode("idna").decode("ascii")  # IDN → punycode
    except UnicodeError as error:
        raise InvalidAddress("invalid e-mail domain in master data") from error
    return Address(username=parsed.username, domain=domain)


def sender_address(sender: str) -> Address:
    name, addr = parseaddr(sender)
    return Address(display_name=clean_text(name), addr_spec=checked_address(addr).addr_spec)


def document_url(base_url: str, issuer: str, document_number: str) -> str:
    return f"{base_url}/documents/{quote(issuer, safe='')}/{quote(document_number, safe='')}"


def template_context(digest: Digest, base_url: str) -> dict:
    t = catalog(digest.language)
    locale, count = t["locale"], len(digest.lines)
    name = clean_text(f"{digest.first_name or ''} {digest.last_name or ''}")
    shown = digest.lines[:MAX_LINES]
    lines = [
        {
            "type_label": t.get(line.document_type, line.document_type),
            "document_number": line.document_number,
            "customer_code": line.customer_code,
            "issue_date": format_date(line.issue_date, "medium", locale=locale),
            "amount": format_currency(line.amount_incl_vat, line.currency, locale=locale),
            "url": document_url(base_url, line.issuer, line.document_number),
            "duplicate": t["duplicate"] if line.purpose == "duplicate" else "",  # R23
        }
        for line in shown
    ]
    return {
        "t": t,
        "language": digest.language if digest.language in LANGUAGES else "nl",
        "subject": t["subject_one" if count == 1 else "subject_many"].format(count=count),
        "greeting": t["greeting"].format(name=name) if name else t["greeting_anonymous"],
        "intro": t["intro_one" if count == 1 else "intro_many"].format(count=count),
        "lines": lines,
        "more": t["more"].format(count=count - len(shown)) if count > len(shown) else "",
        "invitation_url": digest.invitation_url,
        "portal_url": f"{base_url}/",
        "settings_url": f"{base_url}/settings/notifications",
    }


def build_message(digest: Digest, sender: str, base_url: str, date) -> EmailMessage:
    """The digest's e-mail: text and HTML alternatives, Message-ID from its key."""
    to = checked_address(digest.address)
    base_url = base_url.rstrip("/")
    context = template_context(digest, base_url)
    env = environment()
    name = clean_text(f"{digest.first_name or ''} {digest.last_name or ''}")
    from_ = sender_address(sender)
    message = EmailMessage(policy=POLICY)
    message["From"] = from_
    message["To"] = Address(display_name=name, addr_spec=to.addr_spec)
    message["Subject"] = context["subject"]
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(digest.digest_id, from_.domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message["X-Auto-Response-Suppress"] = "All"
    message["X-IPortal-Digest"] = digest.digest_id
    text = env.get_template("digest.txt.j2").render(context)
    html = env.get_template("digest.html.j2").render(context)
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = context["language"]  # after set_content, which drops it
    return message
