"""`devoops serve` in its own processes: the setup link printed on the first start, TLS behind
a trusted proxy, and two servers over one PostgreSQL sharing every session."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoops.cli import serve

from ..helpers import cli
from .servers import Served
from .support import PASSWORD, csrf_of

OWNER = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD, "organisation": "Acme"}


def set_up(server: Served, link: str) -> None:
    path = link.removeprefix(server.base)
    with server.client() as client:
        page = client.get(path)
        assert page.status_code == 200
        assert client.post(path, data={**OWNER, "csrf": csrf_of(page.text)}).status_code == 303


def test_the_first_start_prints_a_setup_link_and_later_starts_do_not(tmp_path: Path) -> None:
    server = Served(tmp_path)
    try:
        link = server.setup_link()
        assert link and link.startswith(server.base + "/setup/")
        assert (tmp_path / ".devoops" / "devoops.db").is_file()  # the store beside the workload
        set_up(server, link)
        with server.client() as client:
            assert client.get(link.removeprefix(server.base)).status_code == 404  # spent
            page = client.get("/login")
            assert "unsafe-inline" not in page.headers["content-security-policy"]
            assert "server" not in page.headers
    finally:
        server.stop()
    again = Served(tmp_path)
    try:
        assert again.setup_link() is None
    finally:
        again.stop()


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(tmp_path: Path) -> None:
    server = Served(tmp_path, "--forwarded-allow-ips", "127.0.0.1")
    try:
        link = server.setup_link()
        assert link
        path = link.removeprefix(server.base)
        tls = {"x-forwarded-proto": "https"}
        with server.client() as client:
            page = client.get(path, headers=tls)
            set_cookie = page.headers["set-cookie"]
            assert set_cookie.startswith("__Host-devoops_csrf=") and "Secure" in set_cookie
            # The client speaks plain HTTP to the "proxy", so it sends the Secure cookie by hand.
            cookie = set_cookie.split(";")[0]
            made = client.post(
                path, data={**OWNER, "csrf": csrf_of(page.text)}, headers={**tls, "cookie": cookie}
            )
            assert made.status_code == 303
            cookie = next(
                c for c in made.headers.get_list("set-cookie") if c.startswith("__Host-devoops_session=")
            )
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    finally:
        server.stop()


def test_two_servers_on_one_postgresql_share_logins_and_logouts(tmp_path: Path, pg_url: str) -> None:
    one = Served(tmp_path, "--db", pg_url)
    two = Served(tmp_path, "--db", pg_url, "--workers", "2")
    try:
        link = one.setup_link()
        assert link and two.setup_link()  # each printed one; either works
        set_up(one, link)
        with one.client() as first:
            page = first.get("/login")
            signed = first.post(
                "/login", data={"email": OWNER["email"], "password": PASSWORD, "csrf": csrf_of(page.text)}
            )
            assert signed.status_code == 303
            cookie = first.cookies["devoops_session"]
        with two.client() as second:
            second.cookies.set("devoops_session", cookie)
            for _ in range(4):  # whichever of its workers answers
                orgs = second.get("/orgs")
                assert orgs.status_code == 200 and "Acme" in orgs.text
            assert second.post("/logout", data={"csrf": csrf_of(orgs.text)}).status_code == 303
        with one.client() as first:
            first.cookies.set("devoops_session", cookie)
            assert first.get("/orgs").status_code == 303  # logged out everywhere
    finally:
        one.stop()
        two.stop()


def test_without_the_web_extra_serve_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "NEEDS", (*serve.NEEDS, "devoops_absent_module"))
    result = cli("serve")
    assert result.returncode == 2
    assert "pip install 'devoops[web]'" in result.stderr and "devoops_absent_module" in result.stderr
