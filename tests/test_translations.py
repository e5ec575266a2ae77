"""Every text a customer reads exists in nl, fr, de and en (issue 16): the portal's
pages and messages, the e-mails, the activation letter and the document labels.

Three nets: (1) each text set has the same keys in the four languages, none empty,
with the same {placeholders}, and no Dutch/French/German text left in English;
(2) every key a template names literally, and every member of the key families the
pages build from a prefix (done_*, error_*, type_*, role_*, ...), exists; (3) the
portal refuses to render a missing key (iportal.web.i18n.Texts), and the HTTP and
browser tests render every page. New keys (any helper's) fall under all three."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
LANGUAGES = ("nl", "fr", "de", "en")
# Words that are the same in that language as in English (checked by a reader).
SAME_AS_ENGLISH = {
    "nl": {"portal_name", "menu", "filters", "col_contract", "document_type", "col_account"},
    "fr": {"portal_name", "menu", "nav_documents", "documents_title", "documents_found",
           "col_issue_date", "col_type", "col_actions", "pages", "document_type", "issue_date",
           "documents", "date"},
    "de": {"portal_name"},
}  # fmt: skip
NAMES = re.compile(r"^(language_[a-z]{2}|locale|.*_name)$")  # language and proper names


def text_sets() -> dict[str, dict[str, dict]]:
    """name -> language -> {key: text}, for every translated text set of the project."""
    sets = {}
    for folder in ("portal/texts", "email", "activation_letter", "labels"):
        sets[folder] = {lang: json.loads((TEMPLATES / folder / f"{lang}.json").read_text())
                        for lang in LANGUAGES}  # fmt: skip
    for name in ("history_available", "invitation"):  # one file, a block per language
        texts = json.loads((TEMPLATES / "email" / f"{name}.json").read_text())
        sets[f"email/{name}"] = {lang: texts[lang] for lang in LANGUAGES}
    return sets


def flat(texts: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in texts.items():
        if isinstance(value, dict):
            out |= flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(text_sets()))
def test_every_text_set_is_complete_in_four_languages(name):
    texts = {lang: flat(t) for lang, t in text_sets()[name].items()}
    for lang in LANGUAGES:
        missing = texts["en"].keys() - texts[lang].keys()
        extra = texts[lang].keys() - texts["en"].keys()
        assert not missing and not extra, f"{name}/{lang}: missing {missing}, extra {extra}"
        for key, text in texts[lang].items():
            if isinstance(text, str):
                assert text.strip(), f"{name}/{lang}: {key} is empty"
                assert placeholders(text) == placeholders(texts["en"][key]), (name, lang, key)


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_portal_and_email_texts_are_not_left_in_english(lang):
    for name in ("portal/texts", "email", "email/history_available", "email/invitation",
                 "activation_letter"):  # fmt: skip
        texts = {k: flat(v) for k, v in text_sets()[name].items()}
        same = {key for key, text in texts[lang].items()
                if text == texts["en"][key] and isinstance(text, str) and len(text) > 3
                and not NAMES.match(key.split(".")[-1])}  # fmt: skip
        assert same <= SAME_AS_ENGLISH[lang], (
            f"{name}/{lang} still in English: {same - SAME_AS_ENGLISH[lang]}"
        )


def literal_keys(template: str) -> set[str]:
    """Keys a template names literally: t.key, t['key'], t.get('key')."""
    keys = set(re.findall(r"\bt\.([a-z][a-z0-9_]*)\b(?!\()", template))
    keys |= set(re.findall(r"\bt\[\s*'([a-z][a-z0-9_]*)'\s*\]", template))
    keys |= set(re.findall(r"\bt\.get\(\s*'([a-z][a-z0-9_]*)'\s*\)", template))
    return keys - {"get"}


def test_every_key_a_template_names_exists():
    portal = set(text_sets()["portal/texts"]["en"])
    pages = sorted(p.name for p in (TEMPLATES / "portal").glob("*.html"))
    assert len(pages) == 9, pages  # issue 22: a wrong folder would check nothing
    for path in (TEMPLATES / "portal").glob("*.html"):
        assert literal_keys(path.read_text()) <= portal, (
            path.name,
            literal_keys(path.read_text()) - portal,
        )
    email = set(text_sets()["email"]["en"])
    assert len(list((TEMPLATES / "email").glob("*.j2"))) == 6
    for path in (TEMPLATES / "email").glob("*.j2"):
        own = f"email/{path.name.split('.')[0]}"
        known = set(text_sets()[own]["en"]) if own in text_sets() else email
        assert literal_keys(path.read_text()) <= known, (
            path.name,
            literal_keys(path.read_text()) - known,
        )


def keyword_constants(names: set[str]) -> set[str]:
    """String constants passed as keyword `names` anywhere in iportal/web/*.py."""
    found = set()
    for path in (ROOT / "iportal" / "web").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg in names:
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found.add(node.value.value)
    return found


def refusal_reasons() -> set[str]:
    """The stable reason codes of the activation-code refusals (domain and tasks)."""
    text = (ROOT / "domain" / "redemption.py").read_text()
    text += (ROOT / "tasks" / "accounts" / "redeem.py").read_text()
    reasons = set(re.findall(r'Refusal\(\s*"([a-z_]+)"', text))
    reasons |= set(re.findall(r'Redemption\(\s*(?:True|False),\s*"([a-z_]+)"', text))
    return reasons


def test_every_key_family_the_pages_build_exists():
    from domain.accounts import FREQUENCIES, ROLES
    from domain.accounts import LANGUAGES as USER_LANGUAGES
    from iportal.web.i18n import ACCOUNT_ERROR_KEYS
    from iportal.web.routes_account import DONE
    from iportal.web.routes_documents import FILTERS
    from tasks.search import DOCUMENT_TYPES

    portal = set(text_sets()["portal/texts"]["en"])
    messages = keyword_constants({"message_key"})
    wanted = (
        {f"done_{d}" for d in DONE | {"activated", "logged_out"}}
        | {f"error_{m}" for m in messages} | {f"error_{m}_text" for m in messages}
        | {f"type_{d}" for d in DOCUMENT_TYPES} | {f"frequency_{f}" for f in FREQUENCIES}
        | {f"language_{x}" for x in USER_LANGUAGES} | {f"role_{r}" for r in ROLES}
        | {f"status_{s}" for s in ("invited", "active")} | {f"filter_{f}" for f in FILTERS}
        | {f"redeem_{r}" for r in refusal_reasons()}
        | keyword_constants({"error_key"}) | {key for _, key in ACCOUNT_ERROR_KEYS}
    )  # fmt: skip
    assert len(refusal_reasons()) >= 7 and "not_found" in messages
    assert wanted <= portal, sorted(wanted - portal)


def test_a_missing_portal_text_is_an_error_not_an_empty_string():
    from jinja2 import Environment

    from iportal.web.i18n import MissingText, account_error_key, load_texts

    page = Environment().from_string("{{ t.no_such_text }}")
    with pytest.raises(MissingText, match="^no portal text 'no_such_text'$"):
        page.render(t=load_texts("fr"))
    assert Environment().from_string("{{ t.save }}").render(t=load_texts("fr")) == "Enregistrer"
    # the accounts package's English, with its internal ids, becomes a translated key
    refusal = "sam@example.be is already a user of account A-7f3e9c"
    assert account_error_key(refusal) == "error_already_user"
    assert account_error_key("something nobody foresaw") == "error_change_refused"
    assert "A-" not in load_texts("nl")[account_error_key(refusal)]
