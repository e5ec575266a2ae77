"""Property-based: random sequences of redeem / opt-out / grant / revoke / merge.

After any sequence: every document routes as the consent state says (R15, R16, R20),
a customer code is never active in two accounts (R19), and no shared user holds a code
that was not granted (R8, R9, R13). The warehouse is real (a migrated template copied
per example); a small model of the expected state is kept beside it.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.accounts import AccountError
from domain.activation_codes import derive_code, format_code
from tasks import accounts
from tasks.accounts.codes import new_code
from tasks.route import route_batch
from warehouse.store import insert_rows, open_writer, run_sql

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
SECRET = b"property-secret"
CODES = ["DL50000001", "DL50000002", "DL50000003", "DL20000004"]
CONTACTS = {"DL50000001": "a@x.be", "DL50000002": "a@x.be", "DL50000003": "b@x.be",
            "DL20000004": "c@x.be"}  # fmt: skip
MAINS = ["a@x.be", "b@x.be", "c@x.be"]
SHARED = {"s1@x.be": "a@x.be", "s2@x.be": "b@x.be"}  # shared user → its first account


def customer(code: str) -> dict:
    return {"customer_code": code, "issuer": code[:3], "customer_number": code[3:],
            "name": code, "enterprise_number": None, "street": "S 1", "postal_code": "1000",
            "city": "Brussel", "country": "BE", "language": "nl", "contract_start": None,
            "contact_email": CONTACTS[code], "contact_first_name": "F",
            "contact_last_name": "L", "contact_language": "nl", "channel_choice": "paper",
            "updated_at": T0, "source_sha256": "p"}  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated warehouse with accounts, shared users and one code per customer code."""
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    with open_writer(path, "test") as con:
        insert_rows(con, "customers", [customer(c) for c in CODES])
        accounts.sync_accounts(con, T0, "test")
        for email, main in SHARED.items():
            accounts.share_account(con, accounts.find_account(con, main), email, T0)
        insert_rows(con, "activation_codes",
                    [new_code(c, 1, T0, SECRET, "Europe/Brussels").row for c in CODES])  # fmt: skip
    return path


ACTIONS = st.one_of(
    st.tuples(st.just("redeem"), st.sampled_from(CODES), st.sampled_from(MAINS)),
    st.tuples(st.just("wrong"), st.sampled_from(MAINS)),
    st.tuples(st.just("opt_out"), st.sampled_from(CODES)),
    st.tuples(st.just("grant"), st.sampled_from(list(SHARED)), st.sampled_from(CODES)),
    st.tuples(st.just("revoke"), st.sampled_from(list(SHARED)), st.sampled_from(CODES)),
    st.tuples(st.just("merge"), st.sampled_from(MAINS), st.sampled_from(MAINS)),
)


class Model:
    """What the rules say the state must be, keyed by the original main e-mails."""

    def __init__(self):
        self.home = {m: m for m in MAINS}  # account of each original account (merges)
        self.code_account = {c: CONTACTS[c] for c in CODES}
        self.user_account = dict(SHARED)
        self.network: dict[str, str] = {}  # customer code → account
        self.grants: set[tuple[str, str]] = set()

    def account(self, email: str) -> str:
        while self.home[email] != email:
            email = self.home[email]
        return email

    def redeem(self, code: str, email: str) -> None:
        owner, me = self.network.get(code), self.account(email)
        if owner is None or self.account(owner) == me:
            self.network[code] = me

    def grant(self, user: str, code: str) -> bool:
        if self.account(self.code_account[code]) != self.account(self.user_account[user]):
            return False
        self.grants.add((user, code))
        return True

    def merge(self, source: str, target: str) -> bool:
        src, dst = self.account(source), self.account(target)
        if src == dst:
            return False
        codes = [c for c in CODES if self.account(self.code_account[c]) == src]
        self.home[src] = dst
        self.user_account[src] = dst  # the source's main contact: a shared user now
        self.grants |= {(src, c) for c in codes}  # ...seeing exactly its own codes
        return True


def apply(con, model: Model, action: tuple, at: datetime) -> None:
    kind = action[0]
    if kind == "redeem":
        _, code, email = action
        accounts.redeem_code(con, format_code(derive_code(SECRET, code, 1)), email, at)
        model.redeem(code, email)
    elif kind == "wrong":
        accounts.redeem_code(con, format_code(derive_code(b"other", "DL5", 1)), action[1], at)
    elif kind == "opt_out":
        accounts.opt_out(con, action[1], at)
        model.network.pop(action[1], None)
    elif kind == "grant":
        _, user, code = action
        account = accounts.find_account(con, model.user_account[user])
        try:
            accounts.grant_access(con, account, user, code, at)
            assert model.grant(user, code)
        except AccountError:
            assert not model.grant(user, code)
    elif kind == "revoke":
        _, user, code = action
        accounts.revoke_access(
            con, accounts.find_account(con, model.user_account[user]), user, code
        )
        model.grants.discard((user, code))
    elif kind == "merge":
        _, source, target = action
        try:
            accounts.merge_accounts(con, source, target, at)
            assert model.merge(source, target)
        except AccountError:
            assert not model.merge(source, target)


def check(con, model: Model, at: datetime) -> None:
    ids = {m: accounts.find_account(con, m)["account_id"] for m in MAINS}
    mailboxes = dict(run_sql(con, "SELECT customer_code, account_id FROM network_mailboxes"))
    assert mailboxes == {c: ids[model.account(a)] for c, a in model.network.items()}  # R19
    grants = run_sql(
        con,
        "SELECT u.email, g.customer_code, u.account_id = k.account_id FROM grants g "
        "JOIN users u USING (user_id) JOIN account_customer_codes k USING (customer_code) "
        "WHERE u.status <> 'deleted'",
    )
    assert {(email, code) for email, code, _ in grants} == model.grants  # R8, R9
    assert all(same_account for *_, same_account in grants)  # R29
    for number, code in enumerate(CODES, start=1):
        run_sql(
            con,
            "INSERT INTO documents (issuer, document_number, customer_code, document_type, "
            "issue_date, due_date, customer_number, contract_number, currency, lines, "
            "total_excl_vat, total_vat, total_incl_vat, payment_reference, "
            "credited_document_number, content_sha256, is_history, source_file, source_line, "
            "ingested_at, run_id) VALUES ('DL5', ?, ?, 'invoice', ?, NULL, '1', NULL, 'EUR', "
            "'[]', 1, 0, 1, NULL, NULL, 'h', false, 'p', 1, ?, 'p')",
            [f"P-{number}", code, at.date(), at],
        )
    route_batch(con, at, "run-p", 100, "test")
    routed = dict(run_sql(con, "SELECT customer_code, list(channel) FROM deliveries GROUP BY 1"))
    expected = {c: ["network"] if c in model.network else ["paper"] for c in CODES}
    assert routed == expected  # R15, R16, R20: routing matches the consent state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=1, max_size=10))
def test_routing_grants_and_mailboxes_follow_any_sequence(template, tmp_path_factory, actions):
    path = tmp_path_factory.mktemp("example") / "warehouse.duckdb"
    shutil.copyfile(template, path)
    con = duckdb.connect(str(path))
    try:
        run_sql(con, "SET TimeZone = 'UTC'")
        model = Model()
        at = T0
        for action in actions:
            at += timedelta(minutes=20)  # 5 wrong codes never fit in one hour here
            apply(con, model, action, at)
        check(con, model, at + timedelta(minutes=1))
    finally:
        con.close()
