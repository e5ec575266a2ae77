"""Issue 16: the invitation of an added member goes to its own address by e-mail, in its
language, through the notices' machinery, over real SMTP (aiosmtpd on 127.0.0.1); once
per membership; the link works once and only with the person's own credential."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from domain.accounts import AccountError
from tasks import accounts
from tasks.notify.invitations import mail_invitations
from warehouse.store import insert_rows, open_writer, run_sql

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def customer(code: str, email: str) -> dict:
    return {"customer_code": code, "issuer": code[:3], "customer_number": code[3:],
            "name": f"Customer {code}", "enterprise_number": None, "street": "S 1",
            "postal_code": "1000", "city": "Brussel", "country": "BE", "language": "fr",
            "contract_start": None, "contact_email": email, "contact_first_name": "Anne",
            "contact_last_name": "Dupont", "contact_language": "fr",
            "channel_choice": "portal", "updated_at": T0, "source_sha256": "p"}  # fmt: skip


@pytest.fixture
def con(config):
    with open_writer(config.warehouse_path, "test") as con:
        insert_rows(con, "customers", [customer("DL50000001", "anne@x.be"),
                                       customer("DL50000002", "bob@x.be")])  # fmt: skip
        accounts.sync_accounts(con, T0, "test")
        yield con


def link_of(received) -> str:
    text = received.message.get_body(("plain",)).get_content()
    return unquote(re.search(r"/activate\?token=(\S+)", text).group(1))


def test_an_added_member_gets_its_link_by_mail_once(con, config, smtp_server):
    anne = accounts.find_account(con, "anne@x.be")
    accounts.share_account(con, anne, "Bob@X.be", T0, language="de", first_name="Bob",
                           customer_codes=("DL50000001",))  # fmt: skip
    first = mail_invitations(con, config, T0, "test")
    assert first["invitations_queued"] == 1 and first["notices_sent"] == 1
    (mail,) = smtp_server.handler.received
    assert mail.recipients == ["bob@x.be"]  # the address itself, nobody else
    message = mail.message
    assert message["Subject"] == "I-Portal: Einladung zur Einsicht in Dokumente"
    assert message["Content-Language"] == "de"
    text = message.get_body(("plain",)).get_content()
    assert "Guten Tag Bob," in text and "Anne Dupont" in text  # who invites, to which account
    token = link_of(mail)
    assert not token.startswith("-")
    # once per membership: a second run mails nothing (R7: no resend button)
    again = mail_invitations(con, config, T0 + timedelta(hours=1), "test")
    assert again["invitations_queued"] == 0 and len(smtp_server.handler.received) == 1
    # the token is nowhere in the warehouse, only its hash
    dump = str(run_sql(con, "SELECT * FROM invitations")) + str(
        run_sql(con, "SELECT * FROM digests")
    )
    assert token not in dump
    # bob@x.be is a main contact elsewhere without a login: the link lets him choose one,
    # once; it then opens anne's granted code through this membership
    done = accounts.activate_with_invitation(con, token, "bobs own password", T0)
    assert done["credential"] == "chosen" and done["role"] == "shared"
    with pytest.raises(AccountError, match="already used"):
        accounts.activate_with_invitation(con, token, "bobs own password", T0)


def test_a_person_with_a_login_accepts_only_with_it(con, config, smtp_server):
    bob = accounts.find_account(con, "bob@x.be")
    main = run_sql(con, "SELECT user_id FROM users WHERE email = 'anne@x.be'")[0][0]
    accounts.activate_with_invitation(con, accounts.issue_invitation(con, main, T0),
                                      "annes own password", T0)  # fmt: skip
    accounts.share_account(con, bob, "anne@x.be", T0)  # anne: main of her own account
    mail_invitations(con, config, T0, "test")
    (mail,) = smtp_server.handler.received
    # in anne's own language (fr, from her accepted membership), not the default nl
    assert mail.recipients == ["anne@x.be"] and mail.message["Content-Language"] == "fr"
    token = link_of(mail)
    with pytest.raises(AccountError, match="already has a login"):
        accounts.activate_with_invitation(con, token, "bob chose this one", T0)
    done = accounts.activate_with_invitation(con, token, "annes own password", T0)
    assert done["credential"] == "existing"
    people = run_sql(con, "SELECT count(*) FROM people WHERE email = 'anne@x.be'")
    assert people == [(1,)]


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_leaves_the_invitation_queued(con, config_for, smtp_server):
    anne = accounts.find_account(con, "anne@x.be")
    accounts.share_account(con, anne, "kim@x.be", T0)
    down = mail_invitations(con, config_for(unused_port()), T0, "test")
    assert down["invitations_queued"] == 1 and down["mailer_unavailable"]
    assert run_sql(con, "SELECT status FROM digests WHERE period = 'invitation'") == [("queued",)]
    later = mail_invitations(con, config_for(smtp_server.port), T0 + timedelta(minutes=5), "t")
    assert later["invitations_queued"] == 0 and later["notices_sent"] == 1
    assert [r.recipients for r in smtp_server.handler.received] == [["kim@x.be"]]
