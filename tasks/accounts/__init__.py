"""Accounts, sharing and consent (R3-R9, R11-R13, R15-R20): the steps and actions.

Nightly steps: `sync_accounts` (after ingest), `assign_activation_codes` (after
routing, before rendering), `mark_copy_deliveries`, `render_activation_letters`
(before the print batch), `publish_network_deliveries`. Operator and customer actions
(the CLI and the portal call them): invitations and activation, shared users and
grants, merges, code redemption and opt-out. Rules live in domain/ (accounts,
activation_codes, redemption, copies, passwords).
"""

from tasks.accounts.code_request import request_activation_letter
from tasks.accounts.codes import assign_activation_codes, attach_activation_codes
from tasks.accounts.copies import mark_copy_deliveries
from tasks.accounts.invitations import activate_with_invitation, issue_invitation, write_invitation
from tasks.accounts.letters import render_activation_letters
from tasks.accounts.lookup import account_of_email, find_account
from tasks.accounts.merge import merge_accounts
from tasks.accounts.network import publish_network_deliveries
from tasks.accounts.partner import partner_contacts
from tasks.accounts.redeem import Redemption, opt_out, redeem_code
from tasks.accounts.sharing import (
    delete_user,
    grant_access,
    invite_third_party,
    revoke_access,
    set_notifications,
    share_account,
    update_user,
)
from tasks.accounts.show import describe_account
from tasks.accounts.sync import sync_accounts

__all__ = [
    "Redemption",
    "account_of_email",
    "activate_with_invitation",
    "assign_activation_codes",
    "attach_activation_codes",
    "delete_user",
    "describe_account",
    "find_account",
    "grant_access",
    "invite_third_party",
    "issue_invitation",
    "mark_copy_deliveries",
    "merge_accounts",
    "opt_out",
    "partner_contacts",
    "publish_network_deliveries",
    "redeem_code",
    "render_activation_letters",
    "request_activation_letter",
    "revoke_access",
    "set_notifications",
    "share_account",
    "sync_accounts",
    "update_user",
    "write_invitation",
]
