"""Access properties (issue 10 item 4; R8, R9, R10, R23, R29).

Part 1, property-based: random sequences of add user (also addresses that are users or
main contacts of other accounts), accept (through the invitation link, with the
person's own password), a hijack attempt (someone else's password on that link),
activate, grant, revoke, delete, merge, a new customer code for an account and
notifications off, on a real warehouse (a migrated template copied per example), with
a small model of who may see which customer code (issue 16). After any sequence nobody
sees (search), opens, is told about (digest lines, resolved and then composed) or gets
a duplicate of a document outside their accepted memberships' grants (a pending
membership grants nothing); the portal shows each person exactly the documents of the
codes they hold (R29); every address is one person with at most one password, set by
whoever accepted a link sent to it.

Part 2: activation codes (R16) and invitation tokens (R6, R7) resist guessing: entropy,
lock-out after wrong codes, comparison on hashes / hmac.compare_digest, expiry.

    IPORTAL_ACCESS_EXAMPLES=300 .venv/bin/pytest -p no:randomly \\
        tests/reliability/test_access_properties.py           # the long run
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import load_settings
from domain import passwords
from domain.accounts import AccountError
from domain.activation_codes import (
    ALPHABET,
    BITS,
    MAX_WRONG_CODES,
    check_symbol,
    derive_code,
    encode_crockford,
    format_code,
)
from tasks import accounts
from tasks.accounts.people import person_id_of
from tasks.duplicates import request_duplicate
from tasks.notify import NotifyConfig, prepare_digests
from tasks.notify.recipients import resolve_all_recipients
from tasks.route import route_batch
from tasks.search import DocumentNotFound, DocumentQuery, open_document, search_documents
from tests.factories import customer_row, delivery_row, document_row, rendition_row
from warehouse.store import insert_rows, open_writer, run_sql

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 11, 27, 2, 0, tzinfo=BRUSSELS)
SECRET = b"access-property-secret"
EXAMPLES = int(os.environ.get("IPORTAL_ACCESS_EXAMPLES", "8"))  # ~1-3 s each

MAINS = {"a@x.be": ["DL50000001", "DL50000002"], "b@x.be": ["DL50000003", "DL20000004"],
         "c@x.be": ["DL50000005"]}  # fmt: skip
LATE_CODE = ("DL50000006", "a@x.be")  # R9: joins a@x.be's account during a sequence
SHARED = ["s1@x.be", "s2@x.be", "s3@x.be"]
STRANGER = "z@x.be"
PEOPLE = [*MAINS, *SHARED, STRANGER]
ALL_CODES = [c for codes in MAINS.values() for c in codes] + [LATE_CODE[0]]


def customer(code: str, email: str) -> dict:
    return customer_row(code, T0, street="S 1", postal_code="1000", city="Brussel",
                        contract_start=None, contact_email=email, contact_first_name="F",
                        contact_last_name="L", contact_language="nl")  # fmt: skip


def number_of(code: str) -> str:
    return f"N-{code}"


def document(code: str) -> dict:
    lines = [{"description": "Lease", "quantity": "1", "unit_price": "100.00", "vat_rate": "21"}]
    return document_row(code, number_of(code), date(2026, 11, 26), "121.00", "21.00", T0,
                        lines=json.dumps(lines), content_sha256=code)  # fmt: skip


def published(code: str) -> dict:
    return delivery_row(document(code), T0)


def rendition(code: str) -> dict:
    return rendition_row(
        document(code), T0, path=f"documents/{code[:3]}/2026/{number_of(code)}.pdf"
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Accounts for three main contacts; one published document per customer code (the
    late code's document too: it waits, invisible, until the code joins an account)."""
    data_dir = tmp_path_factory.mktemp("access-template")
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        rows = [customer(c, m) for m, codes in MAINS.items() for c in codes]
        insert_rows(con, "customers", rows)
        accounts.sync_accounts(con, T0, "test")
        insert_rows(con, "documents", [document(c) for c in ALL_CODES])
        insert_rows(con, "deliveries", [published(c) for c in ALL_CODES])
        insert_rows(con, "renditions", [rendition(c) for c in ALL_CODES])
    return data_dir


PASSWORDS = {p: f"own password of {p}" for p in PEOPLE}  # each person's one credential
INTRUDER = "a password someone else chose"


class Model:
    """Who may see which customer code, as R8, R9, R13, R29 and issue 16 say. Accounts
    are named by their first main contact (merges send one to another); a membership is
    (account, person) → pending or accepted, with its grants. The main contact named by
    master data sees the account's codes even before activation (R5, R6); anyone else
    only through an accepted membership's grants."""

    def __init__(self):
        self.codes = {m: set(codes) for m, codes in MAINS.items()}
        self.home = {m: m for m in MAINS}
        self.main_of = {m: m for m in MAINS}  # account → the person who is its main contact
        self.activated: set[str] = set()  # accounts whose main contact accepted (R6)
        self.members: dict[tuple[str, str], dict] = {}  # (account, person) → membership
        self.credentials: set[str] = set()  # people with a password
        self.off: set[tuple[str, str]] = set()  # (person, code): notifications off (R11)

    def account(self, main: str) -> str:
        while self.home[main] != main:
            main = self.home[main]
        return main

    def visible(self, person: str) -> set[str]:
        seen = set()
        for account, main in self.main_of.items():
            if main == person and self.home[account] == account:
                seen |= self.codes[account]
        for (account, member), membership in self.members.items():
            if member == person and membership["accepted"]:
                seen |= membership["grants"] & self.codes[account]
        return seen

    def is_pending(self, account: str, person: str) -> bool:
        if self.main_of[account] == person:
            return account not in self.activated
        return not self.members.get((account, person), {"accepted": True})["accepted"]

    def is_member(self, account: str, person: str) -> bool:
        return self.main_of[account] == person or (account, person) in self.members

    def merge(self, source: str, target: str) -> None:
        """R13 and issue 16: memberships move with their state; a person in both keeps
        the target's membership (grants united); the source's main contact continues as
        a shared user granted exactly the codes it brought."""
        brought = set(self.codes[source])
        moving = dict(self.members)
        old_main = self.main_of[source]
        moving[(source, old_main)] = {"accepted": source in self.activated,
                                      "grants": set(brought), "main": True}  # fmt: skip
        for (account, person), membership in moving.items():
            if account != source:
                continue
            self.members.pop((account, person), None)
            if self.main_of[target] == person:  # the target's main contact sees it all
                self.off -= {(person, c) for c in brought}
                continue
            twin = self.members.get((target, person))
            if twin is not None:  # folded into the twin: its settings went with it
                twin["grants"] |= membership["grants"]
                self.off -= {(person, c) for c in brought}
            else:
                self.members[(target, person)] = {"accepted": membership["accepted"],
                                                  "grants": set(membership["grants"])}  # fmt: skip
        self.codes[target] |= brought
        self.codes[source] = set()
        self.home[source] = target


ACCOUNTS = st.sampled_from(list(MAINS))
ADDED = st.sampled_from([*SHARED, *MAINS, STRANGER])  # addresses of other accounts too
ACTIONS = st.one_of(
    st.tuples(st.just("share"), ACCOUNTS, ADDED),
    st.tuples(st.just("accept"), ACCOUNTS, ADDED),
    st.tuples(st.just("hijack"), ACCOUNTS, ADDED),
    st.tuples(st.just("activate"), ACCOUNTS),
    st.tuples(st.just("grant"), ACCOUNTS, ADDED, st.sampled_from(ALL_CODES)),
    st.tuples(st.just("revoke"), ACCOUNTS, ADDED, st.sampled_from(ALL_CODES)),
    st.tuples(st.just("delete"), ACCOUNTS, ADDED),
    st.tuples(st.just("merge"), ACCOUNTS, ACCOUNTS),
    st.tuples(st.just("late_code")),
    st.tuples(st.just("notify_off"), ACCOUNTS, st.sampled_from(PEOPLE),
              st.sampled_from(ALL_CODES)),
)  # fmt: skip


def pending_user(con, account_id: str, person: str, role_main: bool) -> str | None:
    role = "= 'main'" if role_main else "<> 'main'"
    rows = run_sql(con, f"SELECT user_id FROM users WHERE account_id = ? AND email = ? "
                   f"AND status = 'invited' AND role {role}", [account_id, person])  # fmt: skip
    return rows[0][0] if rows else None


def accept(con, model: Model, account: str, person: str, at: datetime, password: str) -> bool:
    """Accept the pending membership through the e-mailed link (issued here): True when
    the warehouse accepted it."""
    account_id = accounts.find_account(con, account)["account_id"]
    main = model.main_of[account] == person
    user_id = pending_user(con, account_id, person, main)
    if user_id is None:
        return False
    token = accounts.issue_invitation(con, user_id, at)
    accounts.activate_with_invitation(con, token, password, at + timedelta(seconds=1))
    return True


def apply(con, model: Model, action: tuple, at: datetime) -> None:
    """Run one action for real; the model follows only what the warehouse accepted."""
    kind, *args = action
    if kind == "late_code":
        code, main = LATE_CODE
        insert_rows(con, "customers", [customer(code, main)], mode="INSERT OR REPLACE")
        accounts.sync_accounts(con, at, "test")
        model.codes[model.account(main)].add(code)
        return
    target = model.account(args[0])
    account = accounts.find_account(con, args[0])
    try:
        if kind == "share":
            accounts.share_account(con, account, args[1], at)
            assert not model.is_member(target, args[1])
            model.members[(target, args[1])] = {"accepted": False, "grants": set()}
        elif kind == "accept":
            if model.main_of[target] == args[1]:
                return  # the main contact's own acceptance is "activate"
            if accept(con, model, target, args[1], at, PASSWORDS[args[1]]):
                model.members[(target, args[1])]["accepted"] = True
                model.credentials.add(args[1])
        elif kind == "hijack":  # someone else holds the link of a person with a login
            if args[1] in model.credentials and model.is_pending(target, args[1]):
                with pytest.raises(AccountError, match="already has a login"):
                    accept(con, model, target, args[1], at, INTRUDER)
        elif kind == "activate":
            if accept(con, model, target, model.main_of[target], at,
                      PASSWORDS[model.main_of[target]]):  # fmt: skip
                model.activated.add(target)
                model.credentials.add(model.main_of[target])
        elif kind == "grant":
            accounts.grant_access(con, account, args[1], args[2], at)
            model.members[(target, args[1])]["grants"].add(args[2])
        elif kind == "revoke":
            accounts.revoke_access(con, account, args[1], args[2])
            model.members.get((target, args[1]), {"grants": set()})["grants"].discard(args[2])
        elif kind == "delete":
            accounts.delete_user(con, account, args[1], at)
            model.members.pop((target, args[1]))
            model.off -= {(args[1], c) for c in model.codes[target]}  # went with the user
        elif kind == "merge":
            source = model.account(args[1])
            accounts.merge_accounts(con, args[1], args[0], at)
            model.merge(source, target)
        elif kind == "notify_off":
            accounts.set_notifications(con, account, args[1], args[2], False, at)
            model.off.add((args[1], args[2]))
    except (AccountError, LookupError):
        pass  # refused (unknown user, code not in the account…): nothing changed


def person_of(con, person: str) -> str | None:
    return person_id_of(con, person)  # the CLI's way: an address names one person


def search_codes(con, person: str) -> set[str]:
    page = search_documents(con, DocumentQuery(person_id=person_of(con, person), page_size=500))
    return {row["customer_code"] for row in page.rows}


def check_portal(con, data_dir: Path, model: Model) -> None:
    for person in PEOPLE:
        allowed = model.visible(person)
        assert search_codes(con, person) == allowed, person  # R29: exactly
        who = person_of(con, person)
        for code in ALL_CODES:
            if code in allowed:
                assert open_document(con, data_dir, who, code[:3], number_of(code))
            else:
                with pytest.raises(DocumentNotFound):
                    open_document(con, data_dir, who, code[:3], number_of(code))


def check_duplicates(con, data_dir: Path, model: Model, at: datetime) -> None:
    settings_ = load_settings(data_dir)
    for person in PEOPLE:
        allowed = model.visible(person)
        who = person_of(con, person)
        for code in ALL_CODES:
            if code not in allowed:
                with pytest.raises(DocumentNotFound):
                    request_duplicate(con, settings_, who, code[:3], number_of(code), at, "t")
        if allowed:  # one real duplicate per person: drawn, published, announced
            code = min(allowed)
            result = request_duplicate(con, settings_, who, code[:3], number_of(code), at, "t")
            assert result.customer_code == code


def check_credentials(con, model: Model) -> None:
    """One person per address, one password each, and only people who accepted a link
    sent to their own address hold one (issue 16)."""
    rows = run_sql(con, "SELECT email, password_hash FROM people")
    assert len({email for email, _ in rows}) == len(rows)
    holders = {email for email, hashed in rows if hashed is not None}
    assert holders == model.credentials
    for email, hashed in rows:
        if hashed is not None:
            assert passwords.verify_password(PASSWORDS[email], hashed)


PENDING_LINES = (
    "SELECT u.email, l.customer_code FROM digest_documents l "
    "JOIN users u USING (user_id) WHERE l.status = 'pending'"
)
LISTED_LINES = (
    "SELECT d.recipient, l.customer_code FROM digest_documents l "
    "JOIN digests d USING (digest_id) WHERE l.status = 'listed'"
)


def pending_lines(con) -> set[tuple[str, str]]:
    return set(run_sql(con, PENDING_LINES))


def listed_lines(con) -> set[tuple[str, str]]:
    return set(run_sql(con, LISTED_LINES))


def outside_grants(lines: set[tuple[str, str]], model: Model) -> set[tuple[str, str]]:
    return {(person, code) for person, code in lines if code not in model.visible(person)}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(ACTIONS, max_size=18), st.lists(ACTIONS, max_size=8))  # fmt: skip
def test_nobody_sees_opens_hears_of_or_duplicates_a_document_outside_their_grants(
    template, tmp_path_factory, before, after
):
    data_dir = tmp_path_factory.mktemp("access")
    shutil.copy(template / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    model = Model()
    at = T0
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        for action in before:
            at += timedelta(minutes=1)
            apply(con, model, action, at)
            check_credentials(con, model)
        check_portal(con, data_dir, model)  # mid-sequence too, before any notification
        resolve_all_recipients(con, "run-a", 100, "test")  # R10: who is told, fixed now
        # exactly: everyone who may open a document hears of it, unless switched off
        told = {(p, c) for p in PEOPLE for c in model.visible(p)} - model.off
        assert pending_lines(con) == told
        for action in after:  # grants change between resolution and the digest
            at += timedelta(minutes=1)
            apply(con, model, action, at)
    prepare_digests(NotifyConfig(data_dir=data_dir), "immediate", at, "run-a", "test")
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        assert outside_grants(listed_lines(con), model) == set()
        check_portal(con, data_dir, model)
        check_duplicates(con, data_dir, model, at)
        # the duplicates' own digest lines go to their requesters only (R23, R10)
        resolve_all_recipients(con, "run-b", 100, "test")
        assert outside_grants(pending_lines(con), model) == set()


# --- Part 2: guessing ---------------------------------------------------------------------


def test_activation_codes_carry_65_bits_and_look_uniform():
    """R16: 13 Crockford symbols of HMAC output (65 bits); no symbol is favoured."""
    assert BITS == 65 and len(ALPHABET) == 32
    codes = [derive_code(SECRET, f"DL5{n:07d}", 1) for n in range(4000)]
    assert len(set(codes)) == len(codes)
    counts = Counter(symbol for code in codes for symbol in code[:13])
    expected = 4000 * 13 / 32
    chi2 = sum((counts[s] - expected) ** 2 / expected for s in ALPHABET)
    assert chi2 < 70  # 31 degrees of freedom: p ≈ 1e-4 at 70
    # the next serial of the same customer code says nothing about the first
    assert derive_code(SECRET, "DL50000001", 2) != derive_code(SECRET, "DL50000001", 1)
    assert derive_code(b"other", "DL50000001", 1) != derive_code(SECRET, "DL50000001", 1)


def test_the_lock_out_bounds_a_guessers_odds():
    """At most MAX_WRONG_CODES guesses an hour per account: even against a million live
    codes a year of guessing finds one with odds below one in 10^8."""
    guesses_a_year = MAX_WRONG_CODES * 24 * 365
    assert guesses_a_year * 1_000_000 / 2**BITS < 1e-8


def issue_first_code(con) -> str:
    """DL50000001 on paper with its first activation code (R17); accounts for an@x.be
    (its main contact) and guess@x.be (another customer's, the guesser)."""
    paper = customer("DL50000001", "an@x.be") | {"channel_choice": "paper"}
    insert_rows(con, "customers", [paper, customer("DL50000002", "guess@x.be")])
    accounts.sync_accounts(con, T0, "test")
    insert_rows(con, "documents", [document("DL50000001")])
    route_batch(con, T0, "run-test", 100, "test")
    accounts.assign_activation_codes(con, T0, "run-test", SECRET, batch_size=10)
    return format_code(derive_code(SECRET, "DL50000001", 1))


@pytest.fixture
def issued(warehouse):
    return warehouse, issue_first_code(warehouse)


@pytest.fixture(scope="module")
def code_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("code-template") / "warehouse.duckdb"
    with open_writer(path, "test") as con:
        issue_first_code(con)
    return path


def well_formed_guess(value: int) -> str:
    """A guess with a correct check symbol: it passes the typo check and counts."""
    return encode_crockford(value, 13) + check_symbol(value)


GUESSES = st.lists(st.integers(0, 2**65 - 1), min_size=MAX_WRONG_CODES, max_size=8, unique=True)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(GUESSES, st.integers(0, 59))
def test_wrong_codes_lock_the_account_even_against_the_right_code(
    code_template, tmp_path_factory, guesses, gap
):
    path = tmp_path_factory.mktemp("lock") / "warehouse.duckdb"
    shutil.copy(code_template, path)
    with open_writer(path, "test") as con:
        right = format_code(derive_code(SECRET, "DL50000001", 1))
        at = T0 + timedelta(days=1)
        for n, guess in enumerate(guesses):
            result = accounts.redeem_code(con, well_formed_guess(guess), "guess@x.be", at)
            assert not result.ok
            assert result.reason == ("unknown_code" if n < MAX_WRONG_CODES else "locked_out")
            at += timedelta(minutes=gap // len(guesses))
        locked = accounts.redeem_code(con, right, "guess@x.be", at + timedelta(minutes=1))
        assert (locked.ok, locked.reason) == (False, "locked_out")  # the right one too
        # another account is not locked by this one's guesses
        assert accounts.redeem_code(con, right, "an@x.be", at).ok
        # nothing was stored that would let an insider read the code back (R16)
        stored = json.dumps(run_sql(con, "SELECT * FROM activation_codes"), default=str)
        assert right.replace("-", "") not in stored


def test_the_lock_ends_after_an_hour_and_mistyped_codes_do_not_count(issued):
    con, right = issued
    at = T0 + timedelta(days=1)
    for _ in range(10):  # typos: the check symbol catches them, no lock (R16 usability)
        typo = right[:-1] + ("0" if right[-1] != "0" else "1")
        assert accounts.redeem_code(con, typo, "guess@x.be", at).reason == "mistyped"
    for n in range(MAX_WRONG_CODES):
        accounts.redeem_code(con, well_formed_guess(n + 7), "guess@x.be", at)
    assert accounts.redeem_code(con, right, "an@x.be", at).reason == "redeemed"
    still = accounts.redeem_code(
        con, well_formed_guess(99), "guess@x.be", at + timedelta(minutes=59)
    )
    assert still.reason == "locked_out"
    later = accounts.redeem_code(
        con, well_formed_guess(98), "guess@x.be", at + timedelta(minutes=61)
    )
    assert later.reason == "unknown_code"  # the lock ended; this wrong guess is judged again


def test_an_activation_code_expires_after_15_weeks(issued):  # R18
    con, right = issued
    expires_at = run_sql(con, "SELECT expires_at FROM activation_codes")[0][0]
    before = accounts.redeem_code(con, right, "an@x.be", expires_at - timedelta(seconds=1))
    assert before.ok
    accounts.opt_out(con, "DL50000001", expires_at)
    after = accounts.redeem_code(con, right, "an@x.be", expires_at)
    assert (after.ok, after.reason) == (False, "expired")


def main_user_id(con, email: str) -> str:
    return run_sql(con, "SELECT user_id FROM users WHERE email = ?", [email])[0][0]


def test_invitation_tokens_carry_256_bits_and_are_stored_only_as_hashes(issued):
    con, _ = issued
    user_id = main_user_id(con, "guess@x.be")
    tokens = [accounts.issue_invitation(con, user_id, T0 + timedelta(seconds=n))
              for n in range(50)]  # fmt: skip
    assert len(set(tokens)) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 256
    stored = json.dumps(run_sql(con, "SELECT * FROM invitations"), default=str)
    assert not any(token in stored for token in tokens)
    assert hashlib.sha256(tokens[-1].encode()).hexdigest() in stored
    # a guess is compared as its sha256 in an index lookup: nothing of the stored
    # value leaks through timing; guessing 256 bits needs ~2^255 tries
    assert 2**255 / (10**9 * 3600 * 24 * 365) > 1e60


def test_invitation_tokens_expire_are_superseded_and_single_use(issued):  # R6, R7
    con, _ = issued
    user_id = main_user_id(con, "guess@x.be")
    first = accounts.issue_invitation(con, user_id, T0)
    second = accounts.issue_invitation(con, user_id, T0 + timedelta(hours=1))
    with pytest.raises(AccountError, match=r"a newer invitation was sent.*\(R7\)"):
        accounts.activate_with_invitation(con, first, "a long password 1", T0 + timedelta(hours=2))
    with pytest.raises(AccountError, match="^this invitation link is unknown$"):
        accounts.activate_with_invitation(con, second[:-1] + ("A" if second[-1] != "A" else "B"),
                                          "a long password 1", T0 + timedelta(hours=2))  # fmt: skip
    expires_at = run_sql(con, "SELECT max(expires_at) FROM invitations")[0][0]
    with pytest.raises(AccountError, match=f"this invitation expired on {expires_at:%Y-%m-%d}"):
        accounts.activate_with_invitation(con, second, "a long password 1", expires_at)
    third = accounts.issue_invitation(con, user_id, expires_at)
    done = accounts.activate_with_invitation(con, third, "a long password 1",
                                             expires_at + timedelta(seconds=1))  # fmt: skip
    assert done["user_id"] == user_id
    with pytest.raises(AccountError, match="^this invitation was already used$"):  # R7
        accounts.activate_with_invitation(con, third, "another password 2",
                                          expires_at + timedelta(seconds=2))  # fmt: skip


def test_password_checks_compare_in_constant_time(monkeypatch):
    """verify_password's last step is hmac.compare_digest (seen by a spy), whatever the
    guess: a wrong password of the right or wrong length takes the same path."""
    calls = []
    real = passwords.hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    stored = passwords.hash_password("correct horse battery", salt=b"0" * 16)
    assert passwords.verify_password("correct horse battery", stored)
    assert not passwords.verify_password("c", stored)
    assert not passwords.verify_password("correct horse batterY" * 3, stored)
    assert len(calls) == 3 and len({c for c in calls}) == 1  # same lengths every time
    assert calls[0] == (passwords.KEY_BYTES, passwords.KEY_BYTES)
