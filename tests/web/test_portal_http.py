"""The portal over HTTP (issue 8): every page, form and refusal, with FastAPI's
TestClient on a real warehouse. Rules: R6-R12, R16-R20, R23, R26-R29."""

from __future__ import annotations

import re

import duckdb
import pytest


def rows_of(html: str) -> list[tuple[str, str]]:
    """(class, document number) of each row of the documents table, in order."""
    return re.findall(r'<tr class="(unread|read)" data-number="([^"]+)"', html)


def numbers(html: str) -> list[str]:
    return [number for _, number in rows_of(html)]


def query(portal_dir, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(portal_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def main_client(client, helpers):
    assert helpers.login(client, helpers.A_LOGIN).status_code == 303
    return client


# Security: headers, cookies, sessions ------------------------------------------------


def test_security_headers_on_every_answer(client):
    for path in ("/login", "/static/portal.css", "/nowhere", "/documents"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_pages_carry_no_script(make_client, helpers):
    # each page itself, checked by its heading (issue 22: a redirect to /login has an
    # empty body and passed); /login as a visitor, the others as A's main contact (nl)
    visitor, member = make_client(), make_client()
    assert helpers.login(member, helpers.A_LOGIN).status_code == 303
    pages = [(visitor, "/login", "Aanmelden"), (member, "/documents", "Documenten"),
             (member, "/codes", "Klantcodes"), (member, "/users", "Gebruikers"),
             (member, "/redeem", "Activatiecode")]  # fmt: skip
    for client, path, heading in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        html = answer.text.lower()
        assert f"<h1>{heading.lower()}</h1>" in html, path
        assert "<script" not in html and " onclick" not in html and "javascript:" not in html, path


def test_session_cookie_is_httponly_lax_and_secure_only_over_tls(make_client, helpers):
    plain = make_client()
    cookie = helpers.login(plain, helpers.A_LOGIN).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    tls = make_client(base_url="https://testserver")
    cookie = helpers.login(tls, helpers.A_LOGIN).headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_login_gives_a_new_session_id(client, helpers):
    client.get("/login")
    visitor = client.cookies["iportal_session"]
    helpers.login(client, helpers.A_LOGIN)
    assert client.cookies["iportal_session"] != visitor


def test_session_expires_on_the_server_after_idle_time(main_client, clock):
    assert main_client.get("/documents").status_code == 200
    clock.advance(minutes=29)
    assert main_client.get("/documents").status_code == 200  # sliding expiry
    clock.advance(minutes=31)
    answer = main_client.get("/documents")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_session_ends_at_the_absolute_limit_even_when_active(main_client, clock):
    for _ in range(25):  # 25 x 29 min > 12 h
        clock.advance(minutes=29)
        answer = main_client.get("/documents")
    assert answer.status_code == 303


def test_logout_ends_the_session_server_side(main_client, helpers):
    cookie = main_client.cookies["iportal_session"]
    token = helpers.csrf(main_client.get("/documents").text)
    assert main_client.post("/logout", data={"csrf_token": token}).status_code == 303
    main_client.cookies.set("iportal_session", cookie)  # replay the old cookie
    assert main_client.get("/documents").status_code == 303


# Login ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login", ["BE0418711287", "be 0418.711.287", "0418711287", "AN@example.be"]
)
def test_login_by_enterprise_number_or_email(client, helpers, login):
    answer = helpers.login(client, login)
    assert answer.status_code == 303 and answer.headers["location"] == "/documents"
    assert "an@example.be" in client.get("/documents").text


def test_wrong_password_and_unknown_login_get_the_same_answer(client, helpers):
    wrong = helpers.login(client, helpers.A_LOGIN, "wrong password!")
    unknown = helpers.login(client, "nobody@example.be")
    assert wrong.status_code == unknown.status_code == 401
    assert 'id="login-error"' in wrong.text and 'id="login-error"' in unknown.text
    assert client.get("/documents").status_code == 303


def test_brute_force_locks_the_login_even_with_the_right_password(client, helpers):
    for _ in range(5):
        assert helpers.login(client, helpers.A_LOGIN, "guess guess guess").status_code == 401
    locked = helpers.login(client, helpers.A_LOGIN)
    assert locked.status_code == 429 and "15" in locked.text
    assert client.get("/documents").status_code == 303  # not logged in
    # another person's login from another client is not affected
    assert helpers.login(client, helpers.B_MAIN).status_code == 303


def test_lock_out_ends_after_its_time(client, helpers, clock):
    for _ in range(5):
        helpers.login(client, helpers.A_LOGIN, "guess guess guess")
    clock.advance(minutes=16)
    assert helpers.login(client, helpers.A_LOGIN).status_code == 303


def test_one_client_trying_many_logins_is_locked(make_client, helpers):
    client = make_client(login_max_failures_per_client=4)
    for i in range(4):
        assert helpers.login(client, f"guess{i}@example.be", "x" * 12).status_code == 401
    assert helpers.login(client, helpers.B_MAIN).status_code == 429


def test_after_login_only_local_targets(client, helpers):
    answer = helpers.login(client, helpers.A_LOGIN, next_="//evil.example/x")
    assert answer.headers["location"] == "/documents"


def test_email_link_to_a_document_goes_through_login(client, helpers):
    answer = client.get("/documents/DL5/A-0000")
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert target == "/login?next=%2Fdocuments%2FDL5%2FA-0000"
    page = client.get(target)
    assert 'name="next" value="/documents/DL5/A-0000"' in page.text
    login = helpers.login(client, helpers.A_LOGIN, next_="/documents/DL5/A-0000")
    assert login.headers["location"] == "/documents/DL5/A-0000"
    assert client.get(login.headers["location"]).content.startswith(b"%PDF")


# CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_forms_without_the_session_token_are_refused(main_client, portal_dir, world, token):
    data = {} if token is None else {"csrf_token": token}
    posts = {
        "/logout": data,
        "/language": data | {"language": "fr"},
        "/documents/DL5/A-0000/duplicate": data,
        "/codes/notifications": data | {"frequency": "weekly"},
        "/codes/DL50000001/optout": data,
        "/users": data | {"email": "x@example.be", "role": "shared"},
        f"/users/{world['a_shared']}": data | {"first_name": "X"},
        f"/users/{world['a_shared']}/delete": data,
        "/redeem": data | {"code": world["activation_code"]},
    }
    for path, form in posts.items():
        assert main_client.post(path, data=form).status_code == 403, path
    assert main_client.get("/documents").status_code == 200  # still logged in
    users = query(portal_dir, "SELECT count(*) FROM users WHERE status <> 'deleted'")
    assert users == [(3,)]
    assert query(portal_dir, "SELECT count(*) FROM network_mailboxes") == [(0,)]


def test_login_form_needs_its_token_too(client, helpers):
    client.get("/login")
    answer = client.post("/login", data={"login": helpers.A_LOGIN, "password": helpers.PASSWORD})
    assert answer.status_code == 403


def test_a_token_of_another_session_is_refused(make_client, helpers):
    mine, theirs = make_client(), make_client()
    helpers.login(mine, helpers.A_LOGIN)
    helpers.login(theirs, helpers.B_MAIN)
    their_token = helpers.csrf(theirs.get("/documents").text)
    assert mine.post("/logout", data={"csrf_token": their_token}).status_code == 403


# Documents (R26-R29) -------------------------------------------------------------------


def test_documents_newest_first_unread_in_bold(main_client):
    html = main_client.get("/documents").text
    rows = rows_of(html)
    assert [n for _, n in rows][:3] == ["A-0029", "A-0028", "A-0027"]
    assert {kind for kind, _ in rows} == {"unread"}
    assert "30 documenten" in html  # Dutch: the main contact's language


def test_filters_on_the_right(main_client):
    def found(**params) -> list[str]:
        answer = main_client.get("/documents", params=params)
        assert answer.status_code == 200, answer.text
        return numbers(answer.text)

    assert found(customer_code="DL20000003") == [f"A-{i:04d}" for i in range(29, 0, -3)]
    assert found(document_type="credit_note") == ["A-0029", "A-0019", "A-0009"]
    assert found(number="A-0012") == ["A-0012"]
    assert found(amount_min="200", amount_max="230,00") == ["A-0013", "A-0012", "A-0011",
                                                           "A-0010"]  # fmt: skip
    assert found(date_from="2025-01-05", date_to="2025-02-01") == ["A-0001", "A-0000"]


def test_sort_by_any_column_both_ways(main_client):
    ascending = numbers(main_client.get("/documents?sort=amount&desc=0").text)
    assert ascending[:2] == ["A-0000", "A-0001"]
    descending = numbers(main_client.get("/documents?sort=amount&desc=1").text)
    assert descending[:2] == ["A-0029", "A-0028"]
    html = main_client.get("/documents?sort=amount&desc=1").text
    assert 'href="/documents?sort=amount&amp;desc=0"' in html  # clicking again flips it


def test_pagination_keeps_filters_and_sort(main_client):
    first = main_client.get("/documents?document_type=invoice&sort=amount&desc=0").text
    assert len(numbers(first)) == 25
    link = re.search(r'href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    assert "document_type=invoice" in link and "sort=amount" in link and "page=2" in link
    second = numbers(main_client.get(link).text)
    assert len(second) == 2 and not set(second) & set(numbers(first))


def test_bad_filters_are_said_not_obeyed(main_client):
    answer = main_client.get("/documents?date_from=yesterday&amount_min=lots&sort=drop+table")
    assert answer.status_code == 400
    assert 'id="filter-error"' in answer.text
    assert len(numbers(answer.text)) == 25  # unfiltered, default order
    assert numbers(answer.text)[0] == "A-0029"


def test_opening_a_document_downloads_the_pdf_and_clears_bold(main_client, portal_dir):
    answer = main_client.get("/documents/DL5/A-0027")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.content.startswith(b"%PDF")
    rows = dict((n, kind) for kind, n in rows_of(main_client.get("/documents").text))
    assert rows["A-0027"] == "read" and rows["A-0028"] == "unread"
    events = query(portal_dir, "SELECT actor FROM audit_log WHERE event_type = 'document_opened'")
    person = query(portal_dir, "SELECT person_id FROM people WHERE email = 'an@example.be'")
    assert events == person  # issue 16: the person, not an address (R4: ids in the log)


def test_a_pdf_archived_on_object_storage_is_served_too(
    main_client, portal_dir, s3_server, monkeypatch
):  # issue 9's storage_url
    from config import settings as config
    from tasks.storage import open_storage

    [(key,)] = query(
        portal_dir,
        "SELECT path FROM renditions WHERE document_number = 'A-0027' AND variant = 'original'",
    )
    local = portal_dir / key
    pdf = local.read_bytes()
    open_storage(s3_server).write(key, pdf)
    local.unlink()  # only the object store has it now
    for name, value in (("URL", s3_server.url), ("ENDPOINT_URL", s3_server.endpoint_url),
                        ("ACCESS_KEY_ID", "testing"), ("SECRET_ACCESS_KEY", "testing-secret"),
                        ("REGION", "us-east-1")):  # fmt: skip
        monkeypatch.setenv(f"IPORTAL_STORAGE_{name}", value)
    config._cached.cache_clear()  # settings are read once per data dir and process
    answer = main_client.get("/documents/DL5/A-0027")
    assert answer.status_code == 200 and answer.content == pdf
    assert answer.headers["content-disposition"] == 'attachment; filename="DL5-A-0027.pdf"'
    gone = query(
        portal_dir,
        "SELECT path FROM renditions WHERE document_number = 'A-0024' AND variant = 'original'",
    )[0][0]
    (portal_dir / gone).unlink()  # neither here nor in the store
    assert main_client.get("/documents/DL5/A-0024").status_code == 404
    monkeypatch.undo()
    config._cached.cache_clear()


def test_shared_user_sees_only_granted_code(client, helpers):
    helpers.login(client, helpers.A_SHARED)
    html = client.get("/documents").text
    assert set(numbers(html)) == {f"A-{i:04d}" for i in range(1, 30, 3)}
    assert "10 documents" in html  # French: the shared user's language
    assert client.get("/documents/DL5/A-0000").status_code == 404  # code not granted
    assert client.get("/documents/DL5/A-0001").status_code == 200


def test_another_customers_document_is_the_same_404_as_a_missing_one(client, helpers):
    helpers.login(client, helpers.B_MAIN)
    missing = client.get("/documents/DL5/NO-SUCH")
    foreign = client.get("/documents/DL5/A-0000")
    assert missing.status_code == foreign.status_code == 404
    assert missing.text == foreign.text
    token = helpers.csrf(client.get("/documents").text)
    duplicate = client.post("/documents/DL5/A-0000/duplicate",
                            data={"csrf_token": token, "confirm": "yes"})  # fmt: skip
    assert duplicate.status_code == 404
    assert client.get("/documents?customer_code=DL50000001").text.count("data-number=") == 0


def test_duplicate_request_goes_to_the_duplicates_step(main_client, portal_dir, helpers):
    token = helpers.csrf(main_client.get("/documents").text)
    answer = main_client.post("/documents/DL5/A-0000/duplicate",
                              data={"csrf_token": token, "confirm": "yes"})  # fmt: skip
    assert answer.status_code == 303
    assert "aanvraag voor een duplicaat" in main_client.get(answer.headers["location"]).text
    deliveries = query(
        portal_dir,
        "SELECT channel, status FROM deliveries WHERE document_number = 'A-0000' "
        "AND purpose = 'duplicate'",
    )
    assert deliveries == [("portal", "published")]  # R23: drawn, published, logged
    events = query(portal_dir, "SELECT count(*) FROM audit_log WHERE entity LIKE '%A-0000%' "
                   "AND event_type = 'duplicate_requested'")  # fmt: skip
    assert events == [(1,)]


# Activation (R6, R7) -------------------------------------------------------------------


def invite(portal_dir, user_id: str, days_ago: float = 0) -> str:
    from datetime import UTC, datetime, timedelta

    from tasks.accounts.invitations import issue_invitation
    from warehouse.store import open_writer

    with open_writer(portal_dir / "warehouse.duckdb", "test") as con:
        return issue_invitation(con, user_id, datetime.now(UTC) - timedelta(days=days_ago))


def new_shared_user(portal_dir, world, email: str) -> str:
    """A pending shared user and the token of its invitation e-mail (issue 16: the link
    exists only in the mail; tests/web/test_portal_identity.py reads the real one)."""
    from datetime import UTC, datetime

    from tasks import accounts
    from tasks.accounts.invitations import issue_invitation
    from warehouse.store import open_writer

    with open_writer(portal_dir / "warehouse.duckdb", "test") as con:
        account = accounts.find_account(con, world["a_account"])
        created = accounts.share_account(con, account, email, datetime.now(UTC),
                                         customer_codes=("DL20000003",))  # fmt: skip
        return issue_invitation(con, created["user_id"], datetime.now(UTC))


def test_activation_from_the_invitation_link(client, helpers, portal_dir, world, clock):
    token = new_shared_user(portal_dir, world, "new@example.be")
    clock.advance(minutes=1)  # the app's clock was read before the invitation
    page = client.get(f"/activate?token={token}")
    assert page.status_code == 200 and 'name="password_again"' in page.text
    form = {"token": token, "csrf_token": helpers.csrf(page.text)}
    short = client.post("/activate", data=form | {"password": "short", "password_again": "short"})
    assert short.status_code == 400
    differ = client.post(
        "/activate", data=form | {"password": "a" * 12, "password_again": "b" * 12}
    )
    assert differ.status_code == 400
    done = client.post("/activate", data=form | {"password": "a" * 12, "password_again": "a" * 12})
    assert done.status_code == 303 and done.headers["location"] == "/login?done=activated"
    assert helpers.login(client, "new@example.be", "a" * 12).status_code == 303
    assert set(numbers(client.get("/documents").text)) == {f"A-{i:04d}" for i in range(2, 30, 3)}
    used = client.get(f"/activate?token={token}")
    assert used.status_code == 410 and 'id="activate-error"' in used.text


def test_expired_invitation_says_so(client, portal_dir, world):
    new_shared_user(portal_dir, world, "late@example.be")
    user_id = query(portal_dir, "SELECT user_id FROM users WHERE email = 'late@example.be'")[0][0]
    token = invite(portal_dir, user_id, days_ago=31)
    page = client.get(f"/activate?token={token}", headers={"accept-language": "en"})
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert 'name="password"' not in page.text


def test_superseded_invitation_says_so(client, portal_dir, world, clock):
    old = new_shared_user(portal_dir, world, "twice@example.be")
    user_id = query(portal_dir, "SELECT user_id FROM users WHERE email = 'twice@example.be'")[0][0]
    invite(portal_dir, user_id)
    clock.advance(minutes=1)
    page = client.get(f"/activate?token={old}&lang=en")
    assert page.status_code == 410 and "A newer link was sent" in page.text


def test_unknown_invitation(client):
    page = client.get("/activate?token=nope&lang=de")
    assert page.status_code == 410 and "Dieser Link ist nicht gültig" in page.text


# Customer codes and notifications (R11), opt-out (R20) -------------------------------


def test_codes_page_and_notification_settings(main_client, helpers, portal_dir, world):
    page = main_client.get("/settings/notifications")  # the link of the e-mails
    assert page.status_code == 200
    for code in helpers.A_CODES:
        assert f'id="notify-{code}"' in page.text
    token = helpers.csrf(page.text)
    form = {"csrf_token": token, "notify": ["DL50000001", "DL20000003", "DL50000009"],
            "frequency": "weekly"}  # fmt: skip
    answer = main_client.post("/codes/notifications", data=form)
    assert answer.status_code == 303
    settings = query(portal_dir, "SELECT customer_code, enabled FROM notification_settings "
                     "WHERE user_id = ?", [world["a_main"]])  # fmt: skip
    assert settings == [("DL50000002", False)]  # B's code in the form: ignored
    frequency = query(portal_dir, "SELECT frequency FROM users WHERE user_id = ?",
                      [world["a_main"]])  # fmt: skip
    assert frequency == [("weekly",)]
    assert 'id="notify-DL50000002" aria-label' in main_client.get("/codes").text
    assert "checked" not in re.search(r'id="notify-DL50000002"[^>]*>',
                                      main_client.get("/codes").text).group(0)  # fmt: skip


def test_shared_user_sets_its_own_codes_only(client, helpers, portal_dir, world):
    helpers.login(client, helpers.A_SHARED)
    page = client.get("/codes").text
    assert 'id="notify-DL50000002"' in page and 'id="notify-DL50000001"' not in page
    token = helpers.csrf(page)
    client.post("/codes/notifications", data={"csrf_token": token, "frequency": "daily"})
    rows = query(portal_dir, "SELECT customer_code, enabled FROM notification_settings "
                 "WHERE user_id = ?", [world["a_shared"]])  # fmt: skip
    assert rows == [("DL50000002", False)]


def test_opt_out_of_own_code_only(main_client, client_b, helpers, portal_dir):
    page = main_client.get("/codes").text
    assert 'id="optout-DL50000001"' in page  # channel choice "portal": electronic (R15)
    token = helpers.csrf(page)
    assert main_client.post("/codes/DL50000001/optout", data={"csrf_token": token,
                            "confirm": "yes"}).status_code == 303  # fmt: skip
    events = query(portal_dir, "SELECT event FROM consent_history WHERE customer_code = "
                   "'DL50000001'")  # fmt: skip
    assert ("opted_out",) in events
    token_b = helpers.csrf(client_b.get("/codes").text)
    refused = client_b.post("/codes/DL50000002/optout",
                            data={"csrf_token": token_b, "confirm": "yes"})  # fmt: skip
    assert refused.status_code == 404
    assert ("opted_out",) not in query(
        portal_dir, "SELECT event FROM consent_history WHERE customer_code = 'DL50000002'"
    )


@pytest.fixture
def client_b(make_client, helpers):
    client = make_client()
    helpers.login(client, helpers.B_MAIN)
    return client


# Shared users (R8, R9), third parties (R12) ------------------------------------------


def test_add_shared_user_with_one_code(main_client, helpers, portal_dir):
    page = main_client.get("/users").text
    assert re.search(r'id="new-DL50000001"(?![^>]*checked)', page)  # R9: unchecked
    token = helpers.csrf(page)
    form = {"csrf_token": token, "email": "Acc@Example.be", "first_name": "Ann",
            "language": "de", "role": "shared", "codes": ["DL20000003"]}  # fmt: skip
    answer = main_client.post("/users", data=form)
    assert answer.status_code == 201
    assert 'id="invitation-mailed"' in answer.text and "token=" not in answer.text  # issue 16
    mails = list((portal_dir / "outbox" / "new").iterdir())
    assert len(mails) == 1
    # the configured address, not the Host header; in the invitee's language (de)
    assert b"https://iportal.example/activate?token=" in mails[0].read_bytes()
    assert b"Content-Language: de" in mails[0].read_bytes()
    grants = query(portal_dir, "SELECT u.email, u.language, g.customer_code FROM users u "
                   "JOIN grants g USING (user_id) WHERE u.email = 'acc@example.be'")  # fmt: skip
    assert grants == [("acc@example.be", "de", "DL20000003")]
    audit = query(portal_dir, "SELECT event_type FROM audit_log WHERE event_type IN "
                  "('user_created', 'access_granted') AND actor LIKE 'user:%'")  # fmt: skip
    assert sorted(audit) == [("access_granted",), ("user_created",)]


def test_modify_grants_with_checkboxes(main_client, helpers, portal_dir, world):
    token = helpers.csrf(main_client.get("/users").text)
    form = {"csrf_token": token, "first_name": "Sam", "language": "en",
            "codes": ["DL50000001", "DL20000003"]}  # fmt: skip
    answer = main_client.post(f"/users/{world['a_shared']}", data=form)
    assert answer.status_code == 303
    grants = query(portal_dir, "SELECT customer_code FROM grants WHERE user_id = ? ORDER BY 1",
                   [world["a_shared"]])  # fmt: skip
    assert grants == [("DL20000003",), ("DL50000001",)]
    assert query(portal_dir, "SELECT first_name, language FROM users WHERE user_id = ?",
                 [world["a_shared"]]) == [("Sam", "en")]  # fmt: skip


def test_delete_user_logs_it_out(make_client, main_client, helpers, portal_dir, world):
    shared = make_client()
    helpers.login(shared, helpers.A_SHARED)
    assert shared.get("/documents").status_code == 200
    token = helpers.csrf(main_client.get("/users").text)
    answer = main_client.post(f"/users/{world['a_shared']}/delete",
                              data={"csrf_token": token, "confirm": "yes"})  # fmt: skip
    assert answer.status_code == 303
    assert shared.get("/documents").status_code == 303
    assert helpers.login(shared, helpers.A_SHARED).status_code == 401
    assert query(portal_dir, "SELECT count(*) FROM grants WHERE user_id = ?",
                 [world["a_shared"]]) == [(0,)]  # fmt: skip


def test_users_of_another_account_are_404(client_b, helpers, portal_dir, world):
    token = helpers.csrf(client_b.get("/users").text)
    shared = world["a_shared"]
    for confirm in ("", "yes"):  # neither the question nor the act
        answer = client_b.post(f"/users/{shared}/delete",
                               data={"csrf_token": token, "confirm": confirm})  # fmt: skip
        assert answer.status_code == 404
    changed = client_b.post(f"/users/{shared}", data={"csrf_token": token, "codes": []})
    assert changed.status_code == 404
    grant = client_b.post("/users", data={"csrf_token": token, "email": "x@example.com",
                                          "role": "shared", "codes": ["DL50000001"]})  # fmt: skip
    assert grant.status_code == 404
    assert query(portal_dir, "SELECT count(*) FROM grants WHERE user_id = ?", [shared]) == [(1,)]
    assert query(portal_dir, "SELECT count(*) FROM users WHERE email = 'x@example.com'") == [(0,)]


def test_main_contact_pages_are_404_for_shared_users(client, helpers):
    helpers.login(client, helpers.A_SHARED)
    for path in ("/users", "/redeem"):
        assert client.get(path).status_code == 404, path
    token = helpers.csrf(client.get("/documents").text)
    assert client.post("/redeem", data={"csrf_token": token, "code": "x"}).status_code == 404


def test_third_party_b2b_only(main_client, client_b, helpers, portal_dir):
    page = main_client.get("/users").text
    assert 'value="third_party"' in page
    token = helpers.csrf(page)
    answer = main_client.post("/users", data={"csrf_token": token, "email": "acct@firm.be",
                                              "role": "third_party"})  # fmt: skip
    assert answer.status_code == 201
    page_b = client_b.get("/users").text
    assert 'value="third_party"' not in page_b  # B2C: not offered ...
    refused = client_b.post(
        "/users",
        data={"csrf_token": helpers.csrf(page_b), "email": "acct@firm.be", "role": "third_party"},
    )
    assert refused.status_code == 400  # ... and refused, in the user's words and language
    error = re.search(r'<p class="error" role="alert" id="users-error">([^<]*)</p>', refused.text)
    assert error and "company accounts" in error.group(1) and "R12" not in error.group(1)
    roles = query(portal_dir, "SELECT role FROM users WHERE email = 'acct@firm.be'")
    assert roles == [("third_party",)]


# Activation codes (R16-R20) ----------------------------------------------------------


def test_redeem_an_activation_code(main_client, helpers, portal_dir, world):
    token = helpers.csrf(main_client.get("/redeem").text)
    wrong = main_client.post("/redeem", data={"csrf_token": token, "code": "0000-0000-0000-00"})
    assert wrong.status_code == 400 and 'id="redeem-result"' in wrong.text
    answer = main_client.post(
        "/redeem", data={"csrf_token": token, "code": world["activation_code"]}
    )
    assert answer.status_code == 200 and "DL50000001" in answer.text
    mailbox = query(portal_dir, "SELECT customer_code, account_id FROM network_mailboxes")
    assert mailbox == [("DL50000001", world["a_account"])]
    again = main_client.post(
        "/redeem", data={"csrf_token": token, "code": world["activation_code"]}
    )
    assert "al actief" in again.text  # already active, in Dutch


# Language ------------------------------------------------------------------------------


def test_language_follows_the_user_and_can_change(main_client, helpers, portal_dir, world):
    assert "Documenten" in main_client.get("/documents").text
    token = helpers.csrf(main_client.get("/documents").text)
    answer = main_client.post("/language", data={"csrf_token": token, "language": "de",
                                                 "next": "/codes"})  # fmt: skip
    assert answer.headers["location"] == "/codes"
    assert "Kundencodes" in main_client.get("/codes").text
    assert query(portal_dir, "SELECT language FROM users WHERE user_id = ?",
                 [world["a_main"]]) == [("de",)]  # fmt: skip
    assert "€" in main_client.get("/documents").text


def test_visitor_language_from_the_browser(client):
    assert "Se connecter" in client.get("/login", headers={"accept-language": "fr-BE,fr"}).text
    assert "Anmelden" in client.get("/login?lang=de").text
    client.cookies.clear()  # a visitor's session keeps its language; a new visitor:
    assert "Aanmelden" in client.get("/login", headers={"accept-language": "es"}).text


def test_texts_complete_in_four_languages():
    from iportal.web.i18n import load_texts

    keys = {lang: set(load_texts(lang)) for lang in ("nl", "fr", "de", "en")}
    assert keys["nl"] == keys["fr"] == keys["de"] == keys["en"]


# The warehouse lease (DESIGN rule 3) ---------------------------------------------------


def test_a_request_during_a_nightly_step_gets_busy_not_a_hang(make_client, helpers, portal_dir):
    from warehouse.store import open_writer

    client = make_client(lock_wait_seconds=0.5)
    helpers.login(client, helpers.A_LOGIN)
    with open_writer(portal_dir / "warehouse.duckdb", "nightly"):
        answer = client.get("/documents")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
    assert client.get("/documents").status_code == 200  # the step is over


def test_the_portal_lets_go_of_the_warehouse_for_a_writer(make_client, helpers, portal_dir):
    """Idle: released within the idle time; busy: released at the latest after the
    maximum hold, so a writer gets its turn while requests keep coming."""
    import threading
    import time

    from warehouse.store import open_writer

    client = make_client(warehouse_idle_seconds=0.2, warehouse_max_hold_seconds=1)
    helpers.login(client, helpers.A_LOGIN)
    client.get("/documents")
    started = time.monotonic()
    with open_writer(portal_dir / "warehouse.duckdb", "nightly", timeout=10):
        waited_idle = time.monotonic() - started
    stop = threading.Event()

    def keep_asking():
        while not stop.is_set():
            client.get("/documents?page=2")

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        time.sleep(0.3)
        started = time.monotonic()
        with open_writer(portal_dir / "warehouse.duckdb", "nightly", timeout=20):
            waited_busy = time.monotonic() - started
    finally:
        stop.set()
        asking.join()
    assert waited_idle < 3 and waited_busy < 10
    client.close()


# What a row shows, and what bold means (issue 16) ----------------------------------------


def add_document(portal_dir, number: str, purpose: str, lines: list[dict]) -> None:
    """A document of A's first code published to the portal by `purpose`."""
    import json
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from warehouse.store import insert_rows, open_writer

    now = datetime.now(UTC)
    key = {"issuer": "DL5", "document_number": number}
    with open_writer(portal_dir / "warehouse.duckdb", "test") as con:
        insert_rows(con, "documents", [key | {
            "customer_code": "DL50000001", "document_type": "invoice",
            "issue_date": date(2019, 3, 1), "due_date": date(2019, 3, 31),
            "customer_number": "0000001", "contract_number": "LC-778", "currency": "EUR",
            "lines": json.dumps(lines), "total_excl_vat": Decimal("10"),
            "total_vat": Decimal("0"), "total_incl_vat": Decimal("10"),
            "payment_reference": None, "credited_document_number": None,
            "content_sha256": number, "is_history": purpose == "backfill",
            "source_file": "t", "source_line": 1, "ingested_at": now, "run_id": "r"}])  # fmt: skip
        insert_rows(con, "deliveries", [key | {
            "channel": "portal", "purpose": purpose, "customer_code": "DL50000001",
            "status": "published", "reason": "test", "decided_at": now,
            "run_id": "r"}])  # fmt: skip


def test_backfilled_history_is_not_bold_new_documents_are(main_client, portal_dir):  # R28
    add_document(portal_dir, "H-0001", "backfill", [])
    add_document(portal_dir, "N-0001", "original", [])
    page = main_client.get("/documents?date_to=2019-12-31").text
    rows = dict((n, kind) for kind, n in rows_of(page))
    assert rows == {"H-0001": "read", "N-0001": "unread"}


def test_rows_show_contract_first_line_and_customer_name(main_client, client_b, helpers,
                                                         portal_dir):  # fmt: skip
    lines = [{"description": "Huur Volkswagen ID.3 1-ABC-123 — maart 2019", "quantity": "1"},
             {"description": "Verzekering", "quantity": "1"}]  # fmt: skip
    add_document(portal_dir, "N-0002", "original", lines)
    page = main_client.get("/documents?number=N-0002").text
    row = page[page.index('data-number="N-0002"') :]
    row = row[: row.index("</tr>")]
    assert "LC-778" in row and "Huur Volkswagen ID.3 1-ABC-123" in row
    assert "Verzekering" not in row  # the first line only
    assert "Customer DL50000001" in row  # A holds three customer codes: whose it is
    page_b = client_b.get("/documents").text  # B holds one code: no customer column
    assert "Customer DL50000009" not in page_b and 'class="customer"' not in page_b
