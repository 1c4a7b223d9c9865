from __future__ import annotations

from datetime import datetime, time

import pytest

from citychan.channels.base import Capabilities, Dialect, LengthUnit, Rendered
from citychan.config import InfoRules
from citychan.kinds import Kind
from citychan.links import clean_url, domain_allowed
from citychan.notices.rules import (
    in_quiet_hours,
    length_findings,
    link_findings,
    policy_findings,
    warning_words,
)


@pytest.mark.parametrize(
    "title",
    [
        "Warnung vor Glätte",
        "Hochwassergefahr an der Spree",
        "Probealarm der Sirenen",
        "Entwarnung: Trinkwasser wieder in Ordnung",
        "⚠️ Straßensperrung",
        "🚨 Hinweis",
    ],
)
def test_info_titles_that_sound_like_warnings(title: str) -> None:
    assert warning_words(title)


@pytest.mark.parametrize("title", ["Sperrung der Löbauer Straße", "Stadtfest 2026", "Wertstoffhof"])
def test_ordinary_titles_pass(title: str) -> None:
    assert warning_words(title) == []


def test_tracking_parameters_removed_others_kept() -> None:
    url, removed = clean_url(
        "https://www.bautzen.de/a?id=7&utm_source=wa&utm_medium=x&fbclid=1&gclid=2"
    )
    assert url == "https://www.bautzen.de/a?id=7"
    assert removed == ["utm_source", "utm_medium", "fbclid", "gclid"]


def test_domain_allow_list_with_subdomains() -> None:
    allowed = ("bautzen.de",)
    assert domain_allowed("https://www.bautzen.de/x", allowed)
    assert domain_allowed("https://bautzen.de", allowed)
    assert not domain_allowed("https://bautzen.de.evil.example/x", allowed)
    assert not domain_allowed("https://notbautzen.de/", allowed)
    assert domain_allowed("mailto:presse@bautzen.de", allowed)


def test_link_findings_codes() -> None:
    codes = [
        f.code
        for f in link_findings(
            [
                "https://evil.example/x",
                "https://www.bautzen.de/?utm_source=a",
                "javascript:alert(1)",
            ],
            ("bautzen.de",),
        )
    ]
    assert codes == ["CC202", "CC203", "CC204"]


def test_length_is_measured_against_the_capability() -> None:
    caps = Capabilities(Dialect.NTFY, max_length=10, length_unit=LengthUnit.BYTES)
    assert length_findings("n", caps.length_of(Rendered(Dialect.NTFY, "ääääa"))) == []  # 9 bytes
    (f,) = length_findings("n", caps.length_of(Rendered(Dialect.NTFY, "äääääa")))  # 11 bytes
    assert (f.code, f.channel, f.severity) == ("CC101", "n", "error")
    assert "11 bytes" in f.message


def test_caption_limit_applies_with_an_image() -> None:
    caps = Capabilities(Dialect.WHATSAPP, max_length=4096, caption_max=1024, images=True)
    text = Rendered(Dialect.WHATSAPP, "x" * 2000)
    assert length_findings("wa", caps.length_of(text)) == []
    (f,) = length_findings("wa", caps.length_of(text, with_image=True))
    assert "caption is 2000" in f.message


def test_quiet_hours_span_midnight() -> None:
    w = (time(21), time(7))
    assert in_quiet_hours(time(23, 30), w) and in_quiet_hours(time(6, 59), w)
    assert not in_quiet_hours(time(7), w) and not in_quiet_hours(time(12), w)


def test_policy_blocks_info_but_never_warnings_and_force_is_recorded() -> None:
    rules = InfoRules(quiet_hours=(time(21), time(7)), max_per_day=3)
    night = datetime(2026, 11, 28, 23, 0)
    assert [f.code for f in policy_findings(Kind.INFO, night, rules, 3, force=False)] == [
        "CC301",
        "CC302",
    ]
    assert policy_findings(Kind.WARNING, night, rules, 10, force=False) == []
    forced = policy_findings(Kind.INFO, night, rules, 3, force=True)
    assert [(f.code, f.severity) for f in forced] == [("CC303", "warning"), ("CC303", "warning")]


def test_script_links_reach_the_link_rule_instead_of_vanishing(tmp_path) -> None:
    """markdown-it on its own turns javascript: links back into text, and the WhatsApp text
    then carried '[Formular](javascript:…)'; the link must be seen and refused."""
    from citychan.notices.message import load_message
    from citychan.render.notice import message_links

    for url in ("javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd"):
        path = tmp_path / "n.md"
        path.write_text(f"---\ntitle: Formular\n---\nDas [Formular]({url}) ausfüllen.\n")
        links = message_links(load_message(path, ("de",)))
        assert links == [url]
        assert [(f.code, str(f.severity)) for f in link_findings(links, ())] == [("CC204", "error")]


def test_an_image_must_be_a_picture_every_channel_can_show(tmp_path) -> None:
    from citychan.notices.rules import image_findings

    png = tmp_path / "karte.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert image_findings(png) == []
    text = tmp_path / "passwd.png"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert [f.code for f in image_findings(text)] == ["CC006"]
    # the size is judged per channel (a 6 MB photo is fine where it is drawn anew, too big
    # where the file itself goes): tests/notices/test_image_per_channel.py
    huge = tmp_path / "foto.jpg"
    huge.write_bytes(b"\xff\xd8\xff" + b"\0" * (6 * 1024 * 1024))
    assert image_findings(huge) == []


def test_an_unreadable_image_is_a_finding_not_a_crash(tmp_path) -> None:
    from citychan.notices.rules import image_findings

    assert [f.code for f in image_findings(tmp_path)] == ["CC005"]  # a folder: EISDIR


def test_a_link_with_an_impossible_port_is_refused_before_any_channel_sees_it() -> None:
    assert [f.code for f in link_findings(["https://www.bautzen.de:99999/straße"], ())] == [
        "CC204"]


def test_header_links_keep_their_port_brackets_and_user_info() -> None:
    from citychan.links import as_uri

    assert as_uri("https://[2001:db8::1]:8080/straße") == "https://[2001:db8::1]:8080/stra%C3%9Fe"
    assert as_uri("https://bücher.de:8443/ä") == "https://xn--bcher-kva.de:8443/%C3%A4"
    assert as_uri("https://www.bautzen.de:99999/ä") == "https://www.bautzen.de:99999/%C3%A4"


def test_header_links_use_idna_2008() -> None:
    from citychan.links import as_uri

    assert as_uri("https://Straße.de/x") == "https://xn--strae-oqa.de/x"  # not strasse.de
