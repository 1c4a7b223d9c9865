"""Text from a file, a file name, the config, the command line or the store is shown, never
obeyed (issue 9: "terminal escape sequences in a title reach the terminal in `check`, `post`,
`log`"; "the hint 'add the domain to [city] allowed_domains' loses `[city]` to rich markup").

Escape sequences (ESC [ … and OSC ESC ] … BEL), C1 controls and bidi overrides are drawn the
way Python writes them (\\x1b, \\u202e) in every command; square brackets stay text; and
``--output json`` keeps the exact text, escaped as JSON escapes it."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from citychan.cli import views
from tests.support.cli import Run, assert_one_line_error, cli
from tests.support.config import ALERTS_TABLE, OUTBOX, MakeConfig
from tests.support.files import write

# sets the terminal's title, clears the screen (ESC [ and its one-byte C1 form CSI), rings the
# bell, and turns the rest of the line around
HOSTILE = "Sperrung \x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\u2066 done"
SHOWN = "Sperrung \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eevil\\u2066 done"
OBEYED = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")
WIDE = {"COLUMNS": "400"}  # a table cell in one piece, so the shown form can be found whole
DB = Path("citychan-out/citychan.db")


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colours forced on: any escape sequence in the output came from the text."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def assert_shown_not_obeyed(run: Run) -> str:
    assert run.exception is None, repr(run.exception)
    seen = run.stdout + run.stderr
    for char in OBEYED:
        assert char not in seen, (repr(char), seen)
    assert "Traceback" not in seen
    return seen


def old_rows(db: Path, text: str) -> None:
    """Rows as an older citychan (or a hand edit) may have left them: the text unchecked in
    the title, the error and the URL, and the outcome unknown."""
    with closing(sqlite3.connect(db)) as con, con:
        con.execute("UPDATE messages SET title = ?", (text,))
        con.execute("UPDATE deliveries SET status = 'unknown', error = ?, url = ?",
                    (text, f"https://www.bautzen.de/{text}"))


@pytest.fixture
def posted(isolated: Path) -> Path:
    write(isolated / "markt.md", "---\ntitle: Wochenmarkt\n---\nHeute Markt.\n")
    assert cli("post", "markt.md", "--yes").code == 0
    return isolated / DB


def test_plain_shows_every_control_escape_and_bidi_character_and_leaves_text_alone() -> None:
    controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
    bidi = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                             *range(0x2066, 0x206A), 0x2028, 0x2029)]
    for char in controls + bidi + ["\udcff"]:  # a lone surrogate: an undecodable file name
        code = ord(char)
        visible = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        assert views.plain(f"a{char}b") == f"a{visible}b"
    text = "Löbauer Straße – Budyšin, ěłćřžčš, 👨‍👩‍👧 (ZWJ), Trenn\u00adung, 10 %"
    assert views.plain(text) == text
    assert views.plain("zwei\nZeilen\tund Tab", lines=True) == "zwei\nZeilen\tund Tab"
    assert views.plain("eine\nZeile") == "eine\\x0aZeile"
    assert views.esc("[city] \x1b[1m[/]") == "\\[city] \\x1b[1m\\[/]"


@pytest.mark.parametrize("args", [["check"], ["preview"], ["post", "--yes"],
                                  ["post", "--dry-run"]], ids=lambda a: " ".join(a))
def test_a_title_with_escape_sequences_is_shown_not_obeyed(isolated: Path,
                                                           args: list[str]) -> None:
    """Check, preview and post of a notice whose title (and text) carry escape sequences."""
    escaped = HOSTILE.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\x9b", "\\x9b")
    write(isolated / "n.md", f'---\ntitle: "{escaped}"\n---\nText \x1b[31mrot \u202e dreh.\n')
    run = cli(args[0], "n.md", *args[1:], env=WIDE)
    assert run.code == 0, run.stdout + run.stderr
    seen = assert_shown_not_obeyed(run)
    assert "Sperrung" in seen and "\\u202eevil\\u2066 done" in seen  # shown, in full


def test_a_file_name_with_escape_sequences_is_shown_not_obeyed(isolated: Path) -> None:
    name = "n\x1b]0;pwned\x07.md"
    run = cli("check", name)
    assert run.code == 2
    assert "n\\x1b]0;pwned\\x07.md" in assert_shown_not_obeyed(run)
    run = cli("post", name, "--yes")
    assert_one_line_error(run, 2)
    assert run.stderr.startswith("Error: n\\x1b]0;pwned\\x07.md: no such file")
    assert_shown_not_obeyed(run)


def test_old_store_rows_with_escape_sequences_are_shown_not_obeyed_in_log(posted: Path) -> None:
    old_rows(posted, HOSTILE)
    run = cli("log", env=WIDE)
    assert run.code == 0
    assert SHOWN in assert_shown_not_obeyed(run)


def test_old_store_rows_with_escape_sequences_are_shown_not_obeyed_in_retry(
        posted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_rows(posted, HOSTILE)
    listed = cli("retry", "--list", env=WIDE)
    assert listed.code == 4 and SHOWN in assert_shown_not_obeyed(listed)
    monkeypatch.setattr("citychan.cli.common.is_interactive", lambda: True)
    asked = cli("retry", input="n\nn\n", env=WIDE)  # the question names the title
    assert asked.code == 4
    assert f"'{SHOWN}' → outbox" in assert_shown_not_obeyed(asked)


def test_a_channel_name_with_escape_sequences_is_shown_not_obeyed(isolated: Path) -> None:
    write(isolated / "citychan.toml",
          'version = 1\n[channels."x\\u001b]0;pwned\\u0007\\u202e"]\ntype = "outbox"\n')
    for args in (["channels"], ["channels", "--test"]):
        run = cli(*args, env=WIDE)
        assert "x\\x1b]0;pwned\\x07\\u202e" in assert_shown_not_obeyed(run)


def test_a_warning_area_with_escape_sequences_is_shown_not_obeyed(
        make_config: MakeConfig) -> None:
    make_config(alerts=ALERTS_TABLE, channels={"outbox": OUTBOX})
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--yes",
              "--area", "Seidau \x1b]0;pwned\x07\x1b[31mUfer\u202e", env=WIDE)
    seen = assert_shown_not_obeyed(run)
    assert "Seidau" in seen


def test_json_keeps_the_exact_text_and_escapes_what_a_terminal_would_obey(
        posted: Path) -> None:
    old_rows(posted, HOSTILE)
    run = cli("log", "--output", "json")
    assert run.code == 0
    assert_shown_not_obeyed(run)  # as JSON escapes: \u001b, \u009b, \u202e
    titles = {d["title"] for d in json.loads(run.stdout)["result"]["deliveries"]}
    assert titles == {HOSTILE}
    failed = cli("post", "n\x1b]0;x\x07\u202e.md", "--yes", "--output", "json")
    assert_shown_not_obeyed(failed)
    message = json.loads(failed.stdout)["result"]["error"]["message"]
    assert message.startswith("n\x1b]0;x\x07\u202e.md")


def test_a_hint_with_square_brackets_keeps_them(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Markt\nlink: https://evil.example/markt\n---\nHeute.\n")
    run = cli("check", "n.md", env=WIDE)
    assert run.code == 3
    assert "add the domain to [city] allowed_domains" in run.stdout


def test_markup_in_old_store_rows_is_text(posted: Path) -> None:
    """A channel and a title that look like rich markup (an unclosed [/] would otherwise be
    an internal error) or an emoji code are shown as written."""
    with closing(sqlite3.connect(posted)) as con, con:
        con.execute("UPDATE messages SET title = '[bold red]Alarm[/] [/] :car:'")
        con.execute("UPDATE deliveries SET channel = '[/]' || channel, status = 'unknown'")
    run = cli("log", env=WIDE)
    assert run.code == 0, run.stderr
    assert "[bold red]Alarm[/] [/] :car:" in run.stdout
    assert "[/]outbox" in run.stdout
    listed = cli("retry", "--list", env=WIDE)
    assert "[/]outbox" in listed.stdout, listed.stdout + listed.stderr
