"""Help while writing (issue 14): every case from the issue's "Why" shows the line as it
should read, and `citychan fmt` writes exactly those fixes and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citychan.errors import InputError
from citychan.notices.fmt import format_notice
from citychan.notices.message import language_problem, load_message
from tests.support.cli import cli
from tests.support.files import write

COLON = "---\ntitle: Achtung: Töpferstraße gesperrt\n---\nDie Straße ist gesperrt.\n"
DATES = ("---\ntitle: Abfuhrtermine\n---\nTermine:\n\n- 24. November: Restmüll\n\n"
         "24. November: Biotonne\n8. Dezember: Gelbe Tonne\n")


def test_colon_in_title_names_the_line_and_shows_it_quoted(isolated: Path) -> None:
    write(isolated / "n.md", COLON)
    with pytest.raises(InputError) as exc:
        load_message(isolated / "n.md")
    assert "(line 2)" in exc.value.message
    assert 'title: "Achtung: Töpferstraße gesperrt"' in (exc.value.hint or "")


def test_check_shows_the_corrected_line_once_with_the_path_once(isolated: Path) -> None:
    write(isolated / "n.md", COLON)
    run = cli("check", "n.md")
    assert run.code == 2
    assert "n.md: broken front matter (line 2)" in run.stdout
    assert "n.md: n.md:" not in run.stdout
    assert 'title: "Achtung: Töpferstraße gesperrt"' in run.stdout


def test_fmt_quotes_the_title_and_leaves_every_other_byte(isolated: Path) -> None:
    text = ("\ufeff---\r\ntitle: Achtung: Töpferstraße gesperrt\r\nlang: de   \r\n"
            "tags: [verkehr, bau]\r\nsummary: \"schon: zitiert\"\r\n---\r\nText  \r\n\tmehr\r\n")
    (isolated / "n.md").write_bytes(text.encode("utf-8"))
    run = cli("fmt", "n.md")
    assert run.code == 0, run.stderr
    assert (isolated / "n.md").read_bytes() == text.replace(
        "title: Achtung: Töpferstraße gesperrt",
        'title: "Achtung: Töpferstraße gesperrt"').encode("utf-8")
    assert load_message(isolated / "n.md").title == "Achtung: Töpferstraße gesperrt"


def test_fmt_check_changes_nothing_and_exits_1_for_ci(isolated: Path) -> None:
    write(isolated / "n.md", COLON)
    write(isolated / "ok.md", "---\ntitle: Stadtfest\n---\nText\n")
    run = cli("fmt", "--check", "n.md", "ok.md")
    assert run.code == 1
    assert (isolated / "n.md").read_text(encoding="utf-8") == COLON
    assert '+ title: "Achtung: Töpferstraße gesperrt"' in run.stdout
    assert cli("fmt", "--check", "ok.md").code == 0
    env = json.loads(cli("fmt", "--check", "n.md", "--output", "json").stdout)
    assert env["result"]["files"][0]["changes"] == [{
        "line": 2, "old": "title: Achtung: Töpferstraße gesperrt",
        "new": 'title: "Achtung: Töpferstraße gesperrt"', "why": "quoted"}]


def test_fmt_of_a_file_it_cannot_fix_writes_nothing(isolated: Path) -> None:
    # ('title: [Sperrung' was the example here; fmt now quotes it: text is what was written)
    broken = "---\ntitle: Sperrung\n  bis: Freitag\n---\nText\n"
    write(isolated / "n.md", broken)
    run = cli("fmt", "n.md")
    assert run.code == 2
    assert "n.md: broken front matter (line 3)" in run.stderr  # where YAML finds it
    assert (isolated / "n.md").read_text(encoding="utf-8") == broken


@pytest.mark.parametrize("value", ["Achtung: Sperrung", "Sperrung ab:", "*wichtig* Sperrung",
                                   "- Sperrung", "&Sperrung", 'Er sagte "Stopp": "Halt"'])
def test_fmt_quotes_what_yaml_refuses_and_reads_back_the_same_text(value: str) -> None:
    text = f"---\ntitle: {value}\n---\nText\n"
    new = format_notice(text).text
    assert new != text
    from citychan.notices.frontmatter import split_front_matter

    assert split_front_matter(new, Path("n.md"))[0]["title"] == value


def test_fmt_leaves_plain_titles_times_and_lists_alone() -> None:
    text = ("---\ntitle: Stadtfest 2026\nsummary: 12:30\nexpires: 2026-12-01T16:00\n"
            "tags:\n  - verkehr\nchannels: [outbox]\n---\n1. Schritt: anmelden\n2. Schritt\n")
    assert format_notice(text).text == text and not format_notice(text).changed


def test_date_list_trap_is_a_finding_with_the_escaped_line(isolated: Path) -> None:
    write(isolated / "n.md", DATES)
    env = json.loads(cli("check", "n.md", "--output", "json").stdout)
    found = [f for f in env["result"]["files"][0]["findings"] if f["code"] == "CC205"]
    assert [(f["severity"], "line " + f["message"].split("line ")[1][:1]) for f in found] == [
        ("warning", "line 6"), ("warning", "line 8"), ("error", "line 9")]
    assert r"- 24\. November: Restmüll" in found[0]["hint"]
    assert "'25.' instead of '8.'" in found[2]["message"]  # the date a reader would get


def test_fmt_escapes_the_dates_and_check_then_passes(isolated: Path) -> None:
    write(isolated / "n.md", DATES)
    assert cli("fmt", "n.md").code == 0
    text = (isolated / "n.md").read_text(encoding="utf-8")
    assert text == DATES.replace("24. N", r"24\. N").replace("8. D", r"8\. D")
    run = cli("check", "n.md")
    assert run.code == 0 and "CC205" not in run.stdout
    out = (cli("preview", "n.md", "--channel", "outbox").stdout)
    assert "24. November: Restmüll" in out and "8. Dezember" in out and "25." not in out


@pytest.mark.parametrize(("lang", "meant"), [("sorbisch", "hsb"), ("Obersorbisch", "hsb"),
                                             ("niedersorbisch", "dsb"), ("deutsch", "de"),
                                             ("polnish", "pl"), ("tschechisch", "cs")])
def test_lang_names_get_did_you_mean_the_code(lang: str, meant: str) -> None:
    assert f"Did you mean {meant}?" in (language_problem(lang) or "")


@pytest.mark.parametrize("lang", ["de", "hsb", "dsb", "en", "pl", "cs", "uk", "de-AT"])
def test_known_language_codes_pass(lang: str) -> None:
    assert language_problem(lang) is None


def test_lang_sorbisch_is_found_by_check(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Test\nlang: sorbisch\n---\nText\n")
    run = cli("check", "n.md")
    assert run.code == 3
    assert "CC008" in run.stdout and "'sorbisch' is not a language code. Did you mean hsb?" \
        in run.stdout


def test_a_time_or_number_is_read_as_the_text_written(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: 2026\nsummary: 12:30\nimage_alt: 0.5\n---\nText\n")
    m = load_message(isolated / "n.md")
    assert (m.title, m.primary.summary, m.primary.image_alt) == ("2026", "12:30", "0.5")
    assert m.findings == ()


def test_a_value_that_is_no_text_says_put_it_in_quotes(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: T\nsummary:\n  - 12:30\n---\nText\n")
    (finding,) = load_message(isolated / "n.md").findings
    assert "'summary' must be text, not a list" in finding.message
    assert "put it in quotes" in (finding.hint or "")


def test_latin1_file_says_save_as_utf8_and_how(isolated: Path) -> None:
    (isolated / "n.md").write_bytes("---\ntitle: Höhe\n---\nText\n".encode("latin-1"))
    run = cli("check", "n.md")
    assert run.code == 2
    assert "line 2: byte 0xF6, 'ö' in Latin-1" in run.stdout
    for editor in ("save the file as UTF-8", "Notepad", "LibreOffice", "VS Code"):
        assert editor in run.stdout


def test_post_of_a_missing_file_says_no_such_file_not_terminal(isolated: Path) -> None:
    run = cli("post", str(isolated / "nonexist.md"))
    assert run.code == 2
    assert "nonexist.md: no such file" in run.stderr and "terminal" not in run.stderr
