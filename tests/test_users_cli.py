"""`python -m leverage users add | list | remove | link`: accounts from the shell, every bad input one line and
exit code 2 with nothing changed, every change in the audit log as "command line"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leverage.access.audit import AuditLog
from leverage.access.service import Access
from leverage.cli.main import main
from leverage.survey.store import Store


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/users.db"
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", url)
    monkeypatch.delenv("LEVERAGE_PUBLIC_URL", raising=False)
    store = Store(url)
    store.add_organization("Riverside Health System")
    store.dispose()
    return url


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["users", *args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_link_and_remove(url, capsys):
    assert run(capsys, "list")[1].strip() == "no users yet"
    code, out, _ = run(capsys, "add", "Ana@Example.org", "--role", "editor", "--organization",
                       "riverside health system", "--name", "Ana")
    assert code == 0 and out.strip() == "ana@example.org: editor of riverside health system"
    assert run(capsys, "add", "root@example.org", "--installation-admin")[0] == 0
    listing = run(capsys, "list")[1]
    assert "ana@example.org  Riverside Health System: editor" in listing
    assert "root@example.org [installation admin]  no role" in listing
    code, out, _ = run(capsys, "link", "ana@example.org", "--minutes", "5", "--base-url", "https://lev.example.org/")
    token = re.search(r"^https://lev\.example\.org/signin\?signin=([\w-]+)$", out.splitlines()[0]).group(1)
    assert "valid 5 minutes" in out
    store = Store(url)
    try:
        access = Access(store)
        signed = access.sessions.redeem_link(token, "127.0.0.1")
        assert access.principal_for_session(signed.cookie).email == "ana@example.org"
    finally:
        store.dispose()
    assert run(capsys, "remove", "ana@example.org")[:2] == (0, "removed ana@example.org\n")
    store = Store(url)
    try:
        log = AuditLog(store).read()
    finally:
        store.dispose()
    assert set(log.loc[log["action"].isin(["user added", "role granted", "sign-in link created", "user removed"]),
                       "actor"]) == {"command line"}


@pytest.mark.parametrize(("args", "says"), [
    (["add", "ana@example.org"], "give --role ROLE --organization NAME, or --installation-admin"),
    (["add", "ana@example.org", "--role", "pilot", "--organization", "Riverside Health System"],
     "'pilot' is not a role"),
    (["add", "ana@example.org", "--role", "viewer"], "--organization: name the organization"),
    (["add", "ana@example.org", "--role", "viewer", "--organization", "Nowhere"],
     "no organization is called 'Nowhere'"),
    (["add", "not-an-address", "--installation-admin"], "'not-an-address' is not an e-mail address"),
    (["add"], "give the user's e-mail address"),
    (["link", "nobody@example.org"], "no user has the e-mail address 'nobody@example.org'"),
    (["remove", "nobody@example.org"], "no user has the e-mail address"),
    (["link", "nobody@example.org", "--minutes", "0"], "a link lives from 1 minute to 7 days"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(url, capsys, args, says):
    code, out, err = run(capsys, *args)
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert out == ""
    store = Store(url)
    try:
        assert Access(store).users.count() == 0
    finally:
        store.dispose()


def test_the_last_installation_admin_cannot_be_removed(url, capsys):
    run(capsys, "add", "root@example.org", "--installation-admin")
    code, _, err = run(capsys, "remove", "root@example.org")
    assert code == 2 and "only installation admin" in err
