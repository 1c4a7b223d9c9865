"""Links judged as a browser reads them. The reference is ada (a WHATWG URL parser, as in
Node.js): whenever the rules let a link pass the allow-list, the host ada finds is the city's
domain or one below it."""

from __future__ import annotations

import ada_url
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from citychan.links import domain_allowed, link_host, link_problem
from citychan.notices.rules import link_findings
from tests.support.cli import cli
from tests.support.files import write

ALLOWED = ("bautzen.de", "budysin.de")


def browser_host(url: str) -> str | None:
    try:
        return ada_url.URL(url).hostname
    except ValueError:
        return None


def codes(url: str) -> set[str]:
    return {f.code for f in link_findings([url], ALLOWED) if f.severity == "error"}


def test_backslash_before_at_allow_list_bypass_is_refused(isolated) -> None:  # type: ignore[no-untyped-def]
    url = "https://evil.example\\@www.bautzen.de/"
    assert browser_host(url) == "evil.example"  # where a reader would really go
    assert not domain_allowed(url, ALLOWED)
    assert codes(url) == {"CC204"}
    write(isolated / "n.md", f"---\ntitle: Termine\nlink: {url}\n---\nText\n")
    run = cli("post", "n.md", "--dry-run")
    assert run.code == 3
    assert "CC204" in run.stderr and "backslash" in run.stderr


@pytest.mark.parametrize("url,why", [
    ("https://www.bautzen.de/\r\nX-Evil: 1", "a line break (CR)"),
    ("https://www.bautzen.de/a\nb", "a line break (LF)"),
    ("https://www.bautzen.de/a b", "a space"),
    ("https://www.bautzen.de/\ta", "a tab"),
    ("https://www.bautzen.de/\u2028", "U+2028"),
    ("https://www.bautzen.de/\u202egnp.exe", "U+202E"),
    ("https://bot:hunter2pass@www.bautzen.de/", "user name or password"),
    ("https://evil.example@www.bautzen.de/", "user name or password"),
    ("https://www.bautzen.de:99999/", "port '99999'"),
    ("https://www.bautzen.de:0/", "port '0'"),
    ("https://www.bautzen%2Ede/", "is not a host name"),
    ("https://", "no host"),
    ("https://443/", "is not a host name"),  # a browser goes to 0.0.1.187
    ("https://0x7f.1/", "is not a host name"),  # and here to 127.0.0.1
    ("javascript:alert(1)", "not a full https://"),
])
def test_cr_lf_whitespace_userinfo_and_bad_hosts_in_links_are_cc204(url: str, why: str) -> None:
    [finding] = link_findings([url], ALLOWED)
    assert finding.code == "CC204" and finding.severity == "error"
    assert why in finding.message


@pytest.mark.parametrize("url,host", [
    ("https://www.bautzen.de/aktuelles?id=7#x", "www.bautzen.de"),
    ("HTTPS://WWW.Bautzen.DE/", "www.bautzen.de"),
    ("https://ｗｗｗ.bautzen.de/", "www.bautzen.de"),  # full-width letters, folded by UTS 46
    ("https://budyšin.de/", "xn--budyin-ekb.de"),
    ("https://www.bautzen.de:8443/", "www.bautzen.de"),
])
def test_the_host_is_the_one_a_browser_contacts(url: str, host: str) -> None:
    assert link_problem(url) is None
    assert link_host(url) == host == browser_host(url)


def test_a_look_alike_dot_does_not_make_a_city_subdomain() -> None:
    url = "https://www.bautzen.de\u3002evil.example/"  # ideographic full stop
    assert browser_host(url) == link_host(url) == "www.bautzen.de.evil.example"
    assert codes(url) == {"CC202"}


# URL pieces an attacker combines: separators browsers and Python read differently,
# encodings, look-alike characters and the city's own domain in every position
PIECES = st.sampled_from([
    "https://", "http://", "https:", "//", "/", "\\", "@", ":", "%2E", "%40", "%5C", ".",
    "www.bautzen.de", "bautzen.de", "evil.example", "ｂａｕｔｚｅｎ", "\u3002", "\uff0e", "#",
    "?", "[", "]", "::1", "443", "\t", "\n", " ", "\u00ad", "xn--", "a", "-", "budyšin.de",
])


@settings(max_examples=1000)
@given(st.lists(PIECES, min_size=1, max_size=12).map("".join))
@example("https://evil.example\\@www.bautzen.de/")
@example("https://evil.example%5C@www.bautzen.de/")
@example("https://www.bautzen.de\uff0eevil.example/")
@example("https://evil.example\t@www.bautzen.de/")
@example("https://443")
def test_a_link_that_passes_the_allow_list_goes_where_a_browser_goes(url: str) -> None:
    if not url.lower().startswith(("http:", "https:")):
        return
    if link_problem(url) is not None:
        assert not domain_allowed(url, ALLOWED)
        assert "CC204" in codes(url)
        return
    # every link the rules accept is one a browser reads, at the very host we judged
    assert link_host(url) == browser_host(url)
    if domain_allowed(url, ALLOWED):
        host = browser_host(url) or ""
        assert any(host.rstrip(".") == d or host.rstrip(".").endswith("." + d)
                   for d in ("bautzen.de", "xn--budyin-ekb.de")), (url, host)


@given(st.text(max_size=80))
def test_any_text_as_a_link_is_judged_without_an_exception(url: str) -> None:
    findings = link_findings([url], ALLOWED)
    problem = link_problem(url)
    assert (problem is None) == ("CC204" not in {f.code for f in findings if f.severity == "error"})
    if any(c in url for c in "\r\n\\ \t"):
        assert problem is not None


def test_cr_lf_in_link_field_is_refused_before_any_channel_sees_it(isolated) -> None:  # type: ignore[no-untyped-def]
    # a YAML escape is how a line break gets into a one-line field
    write(isolated / "n.md", '---\ntitle: Termine\nlink: "https://www.bautzen.de/\\r\\nX: 1"\n'
                             "---\nText\n")
    run = cli("post", "n.md", "--yes")
    assert run.code == 3
    assert "CC204" in run.stderr and "a line break (LF)" in run.stderr
    assert not (isolated / "citychan-out" / "outbox").exists()  # nothing went anywhere
