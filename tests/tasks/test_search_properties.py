"""Portal search (R26-R29) against a brute-force Python filter, on data that hypothesis
generates: documents with ties and NULL due dates, several accounts, shared users with
random grants, random reads. Every filter, every sort column, both directions and
pagination, alone and combined (tests/tasks/test_search.py has the fixed-data checks)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.search import SORT_COLUMNS, DocumentQuery, search_documents
from tests.factories import (
    account_code_row,
    account_row,
    delivery_row,
    document_row,
    grant_row,
    user_row,
)
from warehouse.store import apply_migrations, apply_views, insert_rows

NOW = datetime(2026, 11, 27, tzinfo=UTC)
# CI keeps it short; a long run: IPORTAL_PROPERTY_EXAMPLES=2000 pytest <this file>
EXAMPLES = int(os.environ.get("IPORTAL_PROPERTY_EXAMPLES", "30"))
AMOUNTS = [Decimal(a) for a in ("-12.50", "0.00", "0.01", "99.99", "100.00", "741.00")]
CODES = ["DL50000001", "DL50000002", "DL20000003", "DL20000004"]
PEOPLE = ["main1@example.be", "main2@example.be", "shared1@example.be", "shared2@example.be"]
# issue 16: each of them is a person whose id here is its address; queries take the id
# accounts: A1 holds the first two codes, A2 the last two; shared1 is in A1, shared2 in A2
ACCOUNT_OF_CODE = {CODES[0]: "A1", CODES[1]: "A1", CODES[2]: "A2", CODES[3]: "A2"}
USERS = [
    ("U1", "A1", "main", PEOPLE[0]),
    ("U2", "A2", "main", PEOPLE[1]),
    ("U3", "A1", "shared", PEOPLE[2]),
    ("U4", "A2", "shared", PEOPLE[3]),
]


@st.composite
def worlds(draw) -> dict:
    """Documents (few distinct dates and amounts, so sort keys tie), which of them are
    published, each shared user's grants (some outside their own account) and reads."""
    count = draw(st.integers(0, 30))
    documents = []
    for i in range(count):
        code = draw(st.sampled_from(CODES))
        documents.append(
            {
                "issuer": code[:3],
                "document_number": draw(st.sampled_from(["2025-", "2026-", "2026-1"])) + f"{i:05d}",
                "customer_code": code,
                "document_type": draw(st.sampled_from(["invoice", "credit_note"])),
                "issue_date": date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 5))),
                "due_date": draw(st.none() | st.just(date(2026, 3, 1)) | st.just(date(2026, 2, 1))),
                "total_incl_vat": draw(st.sampled_from(AMOUNTS)),  # few values: ties, bounds
                "published": draw(st.integers(0, 4)) != 0,  # one in five not yet published
            }
        )
    grants = {
        "U3": draw(st.sets(st.sampled_from(CODES))),
        "U4": draw(st.sets(st.sampled_from(CODES))),
    }
    reads = draw(st.sets(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(range(max(count, 1))))))
    return {"documents": documents, "grants": grants, "reads": reads}


def document(d: dict) -> dict:
    return document_row(
        d["customer_code"], d["document_number"], d["issue_date"], d["total_incl_vat"],
        vat="0.00", at=NOW, document_type=d["document_type"], due_date=d["due_date"],
    )  # fmt: skip


@cache
def migrated() -> duckdb.DuckDBPyConnection:
    """One in-memory warehouse with the real migrations and views for the whole module;
    each example writes its world in a transaction that is rolled back after."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    apply_migrations(con)
    apply_views(con)
    return con


@contextmanager
def load_world(world: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    con = migrated()
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        write_world(con, world)
        yield con
    finally:
        con.execute("ROLLBACK").fetchall()


def write_world(con, world: dict) -> None:
    documents = world["documents"]
    insert_rows(con, "documents", [document(d) for d in documents])
    insert_rows(
        con,
        "deliveries",
        [
            delivery_row(d, NOW, purpose=purpose)
            for d in documents
            if d["published"]
            # a duplicate too, now and then: still one row per document (DISTINCT)
            for purpose in (["original", "duplicate"] if d["total_incl_vat"] > 4 else ["original"])
        ],
    )
    insert_rows(
        con,
        "accounts",
        [
            account_row(account, login, NOW, segment="B2B")
            for account, login in (("A1", PEOPLE[0]), ("A2", PEOPLE[1]))
        ],
    )
    insert_rows(
        con,
        "account_customer_codes",
        [account_code_row(c, a, NOW) for c, a in ACCOUNT_OF_CODE.items()],
    )
    insert_rows(
        con,
        "users",
        [
            user_row(uid, account, role, mail, NOW, person_id=mail)
            for uid, account, role, mail in USERS
        ],
    )
    people = [{"person_id": mail, "email": mail, "created_at": NOW} for mail in PEOPLE]
    insert_rows(con, "people", people)
    insert_rows(
        con,
        "grants",
        [
            grant_row(uid, code, "op", NOW)
            for uid, codes in world["grants"].items()
            for code in codes
        ],
    )
    reads = {
        (person, documents[i]["issuer"], documents[i]["document_number"])
        for person, i in world["reads"]
        if i < len(documents)
    }
    insert_rows(
        con,
        "document_reads",
        [
            {"person_id": p, "issuer": s, "document_number": n, "first_read_at": NOW}
            for p, s, n in reads
        ],
    )


def visible(world: dict, email: str) -> list[dict]:
    """R29 by hand: main contacts see their account's codes; shared users the granted
    codes that belong to their own account; only published documents."""
    user = next((u for u in USERS if u[3] == email), None)
    if user is None:
        return []
    uid, account, role, _ = user
    codes = {c for c, a in ACCOUNT_OF_CODE.items() if a == account}
    if role != "main":
        codes &= world["grants"].get(uid, set())
    return [d for d in world["documents"] if d["published"] and d["customer_code"] in codes]


def brute_force(world: dict, query: DocumentQuery) -> list[tuple[str, str, bool]]:
    documents = world["documents"]
    read = {
        (documents[i]["issuer"], documents[i]["document_number"])
        for person, i in world["reads"]
        if person == query.person_id and i < len(documents)
    }
    rows = [
        d
        for d in visible(world, query.person_id)
        if (query.date_from is None or d["issue_date"] >= query.date_from)
        and (query.date_to is None or d["issue_date"] <= query.date_to)
        and (query.number is None or d["document_number"] == query.number)
        and (query.number_prefix is None or d["document_number"].startswith(query.number_prefix))
        and (query.document_type is None or d["document_type"] == query.document_type)
        and (query.amount_min is None or d["total_incl_vat"] >= query.amount_min)
        and (query.amount_max is None or d["total_incl_vat"] <= query.amount_max)
        and (query.customer_code is None or d["customer_code"] == query.customer_code)
        and (query.issuer is None or d["issuer"] == query.issuer)
    ]
    field = {"amount": "total_incl_vat", "amount_incl_vat": "total_incl_vat"}.get(
        query.sort, query.sort
    )

    def unread(d: dict) -> bool:
        return (d["issuer"], d["document_number"]) not in read

    def value(d: dict):
        return unread(d) if field == "unread" else d[field]

    # DuckDB puts NULLs last in both directions (its default null order)
    present = [d for d in rows if value(d) is not None]
    missing = [d for d in rows if value(d) is None]
    tie = lambda d: (d["issuer"], d["document_number"])  # noqa: E731
    present.sort(key=lambda d: (value(d), *tie(d)), reverse=query.descending)
    missing.sort(key=tie, reverse=query.descending)
    ordered = present + missing
    start = (query.page - 1) * query.page_size
    return [
        (d["issuer"], d["document_number"], unread(d))
        for d in ordered[start : start + query.page_size]
    ]


def maybe(strategy):
    """None two times in three: single filters and pairs are common, so results are not
    mostly empty, and every combination still comes up."""
    return st.one_of(st.none(), st.none(), strategy)


@st.composite
def queries(draw, world: dict) -> DocumentQuery:
    numbers = [d["document_number"] for d in world["documents"]] or ["2026-00000"]
    day = st.dates(date(2025, 12, 30), date(2026, 1, 8))
    amount = st.sampled_from(AMOUNTS) | st.integers(-600, 600).map(lambda c: Decimal(c) / 100)
    prefixes = ["2025-", "2026-", "2026-1", "2026-0000", "0000", "-1"]
    return DocumentQuery(
        person_id=draw(st.sampled_from([*PEOPLE, "stranger@example.be", "MAIN1@example.be "])),
        date_from=draw(maybe(day)),
        date_to=draw(maybe(day)),
        number=draw(maybe(st.sampled_from(numbers) | st.just("2099-00000"))),
        number_prefix=draw(maybe(st.sampled_from(prefixes))),
        document_type=draw(maybe(st.sampled_from(["invoice", "credit_note"]))),
        amount_min=draw(maybe(amount)),
        amount_max=draw(maybe(amount)),
        customer_code=draw(maybe(st.sampled_from(CODES))),
        issuer=draw(maybe(st.sampled_from(["DL2", "DL5", "DL9"]))),
        sort=draw(st.sampled_from(sorted(SORT_COLUMNS))),
        descending=draw(st.booleans()),
        page=draw(st.integers(1, 4)),
        page_size=draw(st.integers(1, 12)),
    )


def normalised(query: DocumentQuery) -> DocumentQuery:
    """A person id is matched exactly (issue 16): another spelling is nobody."""
    return query


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_every_filter_sort_and_page_matches_a_brute_force_filter(data):  # R26-R29
    world = data.draw(worlds())
    with load_world(world) as con:
        for _ in range(3):  # several queries per generated world
            query = data.draw(queries(world))
            page = search_documents(con, query)
            got = [(r["issuer"], r["document_number"], r["unread"]) for r in page.rows]
            expected = brute_force(world, normalised(query))
            assert got == expected, query
            # the whole result too: a page may hide a wrong row behind the page cut
            everything = DocumentQuery(**{**query.__dict__, "page": 1, "page_size": 500})
            full = search_documents(con, everything)
            expected_full = brute_force(world, normalised(everything))
            rows = [(r["issuer"], r["document_number"], r["unread"]) for r in full.rows]
            assert rows == expected_full, everything
            assert page.total == (len(expected_full) if got else 0)


@settings(
    max_examples=max(10, EXAMPLES // 3), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(world=worlds(), email=st.sampled_from(PEOPLE), size=st.integers(1, 7))
def test_pages_partition_the_result_without_overlap(world, email, size):  # R27
    with load_world(world) as con:
        whole = search_documents(con, DocumentQuery(person_id=email, page_size=500)).rows
        pages, number = [], 1
        while rows := search_documents(
            con, DocumentQuery(person_id=email, page=number, page_size=size)
        ).rows:
            pages += rows
            number += 1
    assert [r["document_number"] for r in pages] == [r["document_number"] for r in whole]
    assert {r["customer_code"] for r in whole} <= {
        d["customer_code"] for d in visible(world, email)
    }
