from __future__ import annotations

from pathlib import Path

import pytest

from citychan.errors import InputError
from citychan.notices.message import load_message
from tests.support.files import NOTICE, write


def test_translation_sibling_joins_the_notice(notice: Path) -> None:
    m = load_message(notice, ("de", "hsb"))
    assert m.langs == ("de", "hsb")
    assert m.doc("hsb").title == "Zawrjenje Lubijskeje dróhi"
    assert m.link.startswith("https://www.bautzen.de/")


def test_loading_the_translation_loads_the_whole_notice(notice: Path) -> None:
    m = load_message(notice.with_name("notice.hsb.md"), ("de", "hsb"))
    assert m.path == notice and m.langs == ("de", "hsb")


def test_language_order_follows_the_config(notice: Path) -> None:
    write(notice.with_name("notice.en.md"), "---\ntitle: Closure\n---\nClosed.\n")
    assert load_message(notice, ("de", "en", "hsb")).langs == ("de", "en", "hsb")


def test_content_hash_is_stable_and_content_based(notice: Path, tmp_path: Path) -> None:
    h1 = load_message(notice, ("de", "hsb")).content_hash
    copy = write(tmp_path / "elsewhere" / "other-name.md", NOTICE)
    write(copy.with_name("other-name.hsb.md"), notice.with_name("notice.hsb.md").read_text())
    assert load_message(copy, ("de", "hsb")).content_hash == h1
    write(notice, NOTICE.replace("gesperrt.", "gesperrt!"))
    assert load_message(notice, ("de", "hsb")).content_hash != h1


def test_unknown_front_matter_key_is_a_finding_with_suggestion(isolated: Path) -> None:
    p = write(isolated / "n.md", "---\ntitle: Hallo\nsumary: kurz\n---\nText\n")
    m = load_message(p)
    f = [f for f in m.findings if f.code == "CC001"]
    assert f and "Did you mean 'summary'?" in f[0].message


def test_missing_title_is_an_input_error(isolated: Path) -> None:
    with pytest.raises(InputError, match="missing title"):
        load_message(write(isolated / "n.md", "---\nsummary: x\n---\nText\n"))


def test_bom_and_crlf_are_accepted(isolated: Path) -> None:
    p = isolated / "n.md"
    p.write_bytes("\ufeff---\r\ntitle: Öffnungszeiten\r\n---\r\nText\r\n".encode())
    assert load_message(p).title == "Öffnungszeiten"


def test_control_characters_from_word_processors_are_cleaned(tmp_path) -> None:
    """A vertical tab (Word's soft line break) or a stray CR is a line break; other control
    characters, which the feed and CAP (XML) cannot carry, are dropped."""
    from citychan.notices.message import load_message

    path = tmp_path / "n.md"
    path.write_bytes("---\ntitle: Sperrung\x01 Löbauer Straße\n---\n"
                     "Zeile eins\x0bZeile zwei\rdrei\x7f\n".encode())
    m = load_message(path, ("de",))
    assert m.title == "Sperrung Löbauer Straße"
    assert "Zeile eins\nZeile zwei\ndrei" in m.docs[0].body


@pytest.mark.parametrize("key", ["titel", "Title", "tilte"])
def test_a_misspelt_title_key_is_named(tmp_path: Path, key: str) -> None:
    path = tmp_path / "n.md"
    path.write_text(f"---\n{key}: Sperrung\n---\nText\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"'{key}' is not a key: did you mean 'title'"):
        load_message(path, ("de",))


def test_a_translation_on_its_own_is_in_the_language_its_name_says(tmp_path: Path) -> None:
    path = tmp_path / "aktuell.hsb.md"
    path.write_text("---\ntitle: Zawrjenje\n---\nLubijska dróha je zawrjena.\n",
                    encoding="utf-8")
    assert load_message(path, ("de", "hsb")).langs == ("hsb",)
