"""`iportal account …`, `iportal code …`, `iportal optout`: thin, audited, one-line errors."""

import getpass
import json
import stat
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from config import load_or_create_secret
from domain.activation_codes import derive_code, format_code
from iportal.cli import app
from tasks.accounts import sync_accounts
from tasks.accounts.codes import new_code
from warehouse.store import insert_rows, open_writer

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
runner = CliRunner()


def customer(code: str, email: str, enterprise_number=None) -> dict:
    return {
        "customer_code": code,
        "issuer": code[:3],
        "customer_number": code[3:],
        "name": "Garage",
        "enterprise_number": enterprise_number,
        "street": "S 1",
        "postal_code": "1000",
        "city": "Brussel",
        "country": "BE",
        "language": "nl",
        "contract_start": date(2024, 1, 1),
        "contact_email": email,
        "contact_first_name": "An",
        "contact_last_name": "Peeters",
        "contact_language": "nl",
        "channel_choice": "paper",
        "updated_at": T0,
        "source_sha256": "t",
    }


@pytest.fixture
def data_dir(tmp_path):
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        insert_rows(
            con,
            "customers",
            [
                customer("DL50000001", "an@example.be"),
                customer("DL50000002", "an@example.be"),
                customer("DL50000003", "jan@example.be"),
            ],
        )
        sync_accounts(con, T0, "test")
        secret = load_or_create_secret(tmp_path / "secret.key")
        insert_rows(
            con, "activation_codes", [new_code("DL50000001", 1, T0, secret, "Europe/Brussels").row]
        )
    return tmp_path


def iportal(data_dir, *args, input=None):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)], input=input)


def as_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_secret_file_is_made_once_and_private(tmp_path):
    first = load_or_create_secret(tmp_path / "secret.key")
    assert load_or_create_secret(tmp_path / "secret.key") == first and len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def audit_trail(data_dir, after: int = -1) -> list[tuple[str, str, str]]:
    """(event_type, entity, actor) of the audit events after seq `after`, in order."""
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        sql = "SELECT event_type, entity, actor FROM audit_events WHERE seq > ? ORDER BY seq"
        return con.execute(sql, [after]).fetchall()


def last_seq(data_dir) -> int:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute("SELECT max(seq) FROM audit_events").fetchone()[0]


def test_share_grant_settings_revoke_unshare(data_dir):
    before = last_seq(data_dir)
    made = as_json(
        iportal(
            data_dir,
            "account",
            "share",
            "an@example.be",
            "--email",
            "acc@example.be",
            "--language",
            "fr",
            "--json",
        )
    )
    # issue 16: pending, its link e-mailed to the address (Maildir outbox), never printed
    assert made["role"] == "shared" and made["status"] == "invited"
    assert made["invitations_queued"] == 1 and made["notices_sent"] == 1
    assert "token" not in json.dumps({k: v for k, v in made.items() if k != "invitations_queued"})
    (mail,) = (data_dir / "outbox" / "new").iterdir()
    assert (
        b"To: acc@example.be" in mail.read_bytes() and b"Content-Language: fr" in mail.read_bytes()
    )
    granted = as_json(
        iportal(
            data_dir,
            "account",
            "grant",
            "an@example.be",
            "--user",
            "acc@example.be",
            "--code",
            "DL50000001",
            "--json",
        )
    )
    assert granted["changed"]
    settings = as_json(
        iportal(
            data_dir,
            "account",
            "settings",
            "an@example.be",
            "--user",
            "acc@example.be",
            "--frequency",
            "daily",
            "--code",
            "DL50000001",
            "--no-notify",
            "--json",
        )
    )
    assert settings["enabled"] is False and settings["changed"] == ["frequency"]
    shown = as_json(iportal(data_dir, "account", "show", "an@example.be", "--json"))
    users = {u["email"]: u for u in shown["users"]}
    assert users["acc@example.be"]["granted_codes"] == ["DL50000001"]
    assert users["acc@example.be"]["frequency"] == "daily"
    assert [c["customer_code"] for c in shown["customer_codes"]] == ["DL50000001", "DL50000002"]
    updated = as_json(
        iportal(
            data_dir,
            "account",
            "update-user",
            "an@example.be",
            "--user",
            "acc@example.be",
            "--last-name",
            "Claes",
            "--json",
        )
    )
    assert updated["changed"] == ["last_name"]
    assert as_json(
        iportal(
            data_dir,
            "account",
            "revoke",
            "an@example.be",
            "--user",
            "acc@example.be",
            "--code",
            "DL50000001",
            "--json",
        )
    )["changed"]
    gone = as_json(
        iportal(
            data_dir, "account", "unshare", "an@example.be", "--user", "acc@example.be", "--json"
        )
    )
    assert gone["grants_revoked"] == []
    # every action audited (R30), on the shared user, by the operator who ran the CLI
    # (issue 22: the former check passed with no event at all)
    operator, user = f"operator:{getpass.getuser()}", made["user_id"]
    trail = audit_trail(data_dir, before)
    mail = trail[2][1]  # the invitation e-mail's digest id, queued then sent (issue 16)
    assert trail == [
        ("user_created", user, operator),
        ("invitation_issued", user, operator),
        ("invitation_mail_queued", mail, operator),
        ("digest_sent", mail, operator),
        ("access_granted", user, operator),
        ("user_updated", user, operator),  # --frequency daily
        ("notification_setting_changed", user, operator),  # --no-notify
        ("user_updated", user, operator),  # --last-name
        ("access_revoked", user, operator),
        ("user_deleted", user, operator),
    ]


def test_third_party_refused_for_b2c_in_one_line(data_dir):  # R12
    result = iportal(
        data_dir, "account", "invite-third-party", "an@example.be", "--email", "tp@example.be"
    )
    assert result.exit_code == 1 and "R12" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3


def test_redeem_refusal_exits_non_zero_with_its_reason(data_dir):
    bad = iportal(
        data_dir,
        "code",
        "redeem",
        "0000-0000-0000-00",
        "--email",
        "an@example.be",
        "--as-of",
        "2026-11-27T10:00",
        "--json",
    )
    assert bad.exit_code == 1 and json.loads(bad.output)["reason"] == "unknown_code"
    secret = (data_dir / "secret.key").read_bytes().strip()
    code = format_code(derive_code(secret, "DL50000001", 1))
    good = iportal(
        data_dir,
        "code",
        "redeem",
        code.lower(),
        "--email",
        "an@example.be",
        "--as-of",
        "2026-11-27T11:00",
    )
    assert good.exit_code == 0 and "next run" in good.output
    out = as_json(iportal(data_dir, "optout", "DL50000001", "--as-of", "2026-11-28", "--json"))
    assert out["changed"] and "R20" in out["message"]


def test_code_issue_sends_the_letter_again(data_dir):  # R17
    issued = as_json(
        iportal(data_dir, "code", "issue", "DL50000001", "--as-of", "2026-11-28", "--json")
    )
    assert issued["serial"] == 1 and issued["valid_until"] == "2027-03-12"
    unknown = iportal(data_dir, "code", "issue", "DL59999999")
    assert unknown.exit_code == 1 and "DL59999999" in unknown.output


def test_activate_asks_the_password_twice_and_merge(data_dir):  # R6, R13
    from tasks.accounts import issue_invitation

    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        user = con.execute("SELECT user_id FROM users WHERE email = 'an@example.be'").fetchall()
        token = issue_invitation(con, user[0][0], T0)
    done = iportal(
        data_dir,
        "account",
        "activate",
        token,
        "--as-of",
        "2026-11-27T09:00",
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert done.exit_code == 0 and "activated main user" in done.output
    merged = as_json(
        iportal(data_dir, "account", "merge", "jan@example.be", "--into", "an@example.be", "--json")
    )
    assert merged["customer_codes"] == ["DL50000003"]


def invitation_with_token(data_dir, email: str, token: str) -> None:
    """An invitation whose token is chosen by the test (issue 22: one starting with '-',
    as secrets.token_urlsafe gave about one time in 64 before)."""
    from tasks.accounts.invitations import token_hash

    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        user = con.execute("SELECT user_id FROM users WHERE email = ?", [email]).fetchall()
        insert_rows(con, "invitations", [{"token_hash": token_hash(token), "user_id": user[0][0],
                                          "issued_at": T0, "expires_at": datetime(2027, 1, 1,
                                          tzinfo=T0.tzinfo)}])  # fmt: skip


def test_a_token_starting_with_a_dash_is_accepted_by_option(data_dir):  # issue 22
    token = "-Xq2" + "A" * 39
    invitation_with_token(data_dir, "an@example.be", token)
    done = iportal(
        data_dir,
        "account",
        "activate",
        "--token",
        token,
        "--as-of",
        "2026-11-27T09:00",
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert done.exit_code == 0, done.output
    assert "activated main user" in done.output
    both = iportal(data_dir, "account", "activate", "abc", "--token", "abc",
                   input="correct horse battery\ncorrect horse battery\n")  # fmt: skip
    assert both.exit_code != 0 and "once" in both.output


def test_new_tokens_never_start_with_a_dash():  # issue 22, deterministic
    from tasks.accounts.invitations import new_token

    draws = iter(["-Xq2first", "--second", "Zthird", "never drawn"])
    assert new_token(lambda size: next(draws)) == "Zthird"
    assert next(draws) == "never drawn"


def test_accepting_with_an_existing_login_needs_that_login_password(data_dir):  # issue 16
    """jan@example.be (with a login) is added to an@example.be's account: the CLI accepts
    only with jan's own password; nothing sets another password for jan."""
    from tasks.accounts import issue_invitation

    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        jan = con.execute("SELECT user_id FROM users WHERE email = 'jan@example.be'").fetchall()
        token = issue_invitation(con, jan[0][0], T0)
    accept = ["account", "activate", "--token"]
    first = iportal(data_dir, *accept, token, input="jans password 1\njans password 1\n")
    assert first.exit_code == 0, first.output
    as_json(iportal(data_dir, "account", "share", "an@example.be", "--email", "JAN@example.be",
                    "--json"))  # fmt: skip
    mails = sorted((data_dir / "outbox" / "new").iterdir())
    assert len(mails) == 1 and b"To: jan@example.be" in mails[0].read_bytes()
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        shared = con.execute(
            "SELECT u.user_id FROM users u JOIN accounts a USING (account_id) "
            "WHERE u.email = 'jan@example.be' AND u.role = 'shared'").fetchall()  # fmt: skip
        link = issue_invitation(con, shared[0][0], T0)
    wrong = iportal(data_dir, *accept, link, input="someone elses 2\nsomeone elses 2\n")
    assert wrong.exit_code == 1 and "already has a login" in wrong.output
    right = iportal(data_dir, *accept, link, input="jans password 1\njans password 1\n")
    assert right.exit_code == 0, right.output
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        from domain.passwords import verify_password

        stored = con.execute("SELECT password_hash FROM people WHERE email = 'jan@example.be'"
                             ).fetchall()  # fmt: skip
        assert verify_password("jans password 1", stored[0][0])
        assert con.execute("SELECT count(*) FROM people WHERE email = 'jan@example.be'"
                           ).fetchall() == [(1,)]  # fmt: skip
