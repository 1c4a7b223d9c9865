"""Notice files as an attacker writes them: FIFOs, devices, /proc entries, YAML bombs, words
YAML 1.1 would turn into other things, impossible times, a language given twice, pictures
from elsewhere on the machine. Each is refused with one line (or a finding), never a hang,
a crash or a silent change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from citychan.errors import InputError
from citychan.fsutil import NotRegular, TooLarge, Unstable, read_limited
from citychan.notices.message import load_message
from tests.support.cli import assert_one_line_error, cli
from tests.support.files import NOTICE, write

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def run_citychan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real process with a deadline: a FIFO that is read would block forever, and a test
    that hangs proves nothing."""
    return subprocess.run([sys.executable, "-m", "citychan", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len([line for line in lines if line.startswith("Error:")]) == 1, proc.stderr
    return next(line for line in lines if line.startswith("Error:"))


@needs_fifo
def test_mkfifo_notice_post_dry_run_is_refused_not_waited_for(isolated: Path) -> None:
    os.mkfifo(isolated / "fifo.md")
    proc = run_citychan("post", "fifo.md", "--dry-run", cwd=isolated)
    assert proc.returncode == 2
    assert "fifo.md: is a FIFO" in one_error_line(proc)


@needs_fifo
def test_hsb_sibling_that_is_a_fifo_is_refused_not_waited_for(isolated: Path) -> None:
    write(isolated / "notice.md", NOTICE)
    os.mkfifo(isolated / "notice.hsb.md")
    proc = run_citychan("check", "notice.md", cwd=isolated)
    assert proc.returncode == 2
    assert "notice.hsb.md: is a FIFO" in proc.stdout + proc.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_symlink_to_a_device_is_refused_without_reading_it(isolated: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    (isolated / "n.md").symlink_to(device)
    run = cli("post", "n.md", "--dry-run")
    assert_one_line_error(run, 2, "n.md: is a character device")


def test_proc_entry_is_refused_though_it_claims_to_be_a_regular_file(isolated: Path) -> None:
    entry = Path("/proc/self/status")
    if not entry.is_file():
        pytest.skip("no /proc here")
    (isolated / "n.md").symlink_to(entry)
    run = cli("check", "n.md", "--output", "json")
    assert run.code == 2
    [result] = json.loads(run.stdout)["result"]["files"]
    assert "holds other than its size says" in result["error"]
    with pytest.raises(Unstable):
        read_limited(entry, 1024 * 1024)


def test_the_size_limit_holds_to_the_byte(tmp_path: Path) -> None:
    exact, over = tmp_path / "exact", tmp_path / "over"
    exact.write_bytes(b"x" * 100)
    over.write_bytes(b"x" * 101)
    assert read_limited(exact, 100) == b"x" * 100
    with pytest.raises(TooLarge) as caught:
        read_limited(over, 100)
    assert caught.value.size == 101
    with pytest.raises(NotRegular):
        read_limited(tmp_path, 100)


BILLION_LAUGHS = (
    "---\ntitle: Lachen\ntags:\n"
    "  - &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
    "  - &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "  - &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "  - &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "  - &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "  - &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "  - &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "---\nHaha\n"
)


def test_nested_yaml_aliases_in_tags_billion_laughs_are_refused(isolated: Path) -> None:
    write(isolated / "laughs.md", BILLION_LAUGHS)
    run = cli("check", "laughs.md")
    assert run.code == 2
    assert "laughs.md: front matter (line 4): the anchor &a is not allowed" in run.stdout
    # an alias without its anchor's definition in view is refused as such, too
    write(isolated / "alias.md", "---\ntitle: x\ntags: *a\n---\nText\n")
    with pytest.raises(InputError, match=r"alias \*a is not allowed"):
        load_message(isolated / "alias.md")


def test_yaml_1_1_words_stay_text_as_written(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: yes\nsummary: 12:30\nimage_alt: .nan\n"
                             "tags: [on, 0o17, 1_000, 2026-11-28, 1e3, null-ish, 0x1F]\n---\n"
                             "Text\n")
    m = load_message(isolated / "n.md")
    assert m.title == "yes"
    assert m.primary.summary == "12:30"
    assert m.primary.image_alt == ".nan"
    assert m.tags == ("on", "0o17", "1_000", "2026-11-28", "1e3", "null-ish", "0x1F")
    run = cli("check", "n.md", "--output", "json")
    assert json.loads(run.stdout)["result"]["files"][0]["title"] == "yes"


@pytest.mark.parametrize("value,needle", [
    ("2026-02-30", "expires: cannot read '2026-02-30' as a time (day is out of range"),
    ("99999999d", "expires: '99999999d' is longer than ten years"),
    ("9" * 5000 + "d", "is longer than ten years"),
    ("0001-01-01", "expires: 0001-01-01 is outside 1970-2999"),
])
def test_impossible_expires_date_or_overflowing_duration_is_one_line_exit_2(
        isolated: Path, value: str, needle: str) -> None:
    write(isolated / "n.md", f"---\ntitle: Termin\nexpires: {value}\n---\nText\n")
    assert_one_line_error(cli("post", "n.md", "--dry-run"), 2, needle)


def test_batch_check_reports_every_file_past_an_impossible_date(isolated: Path) -> None:
    write(isolated / "a.md", "---\ntitle: A\nexpires: 2026-02-30\n---\nText\n")
    write(isolated / "b.md", NOTICE)
    write(isolated / "c.md", "---\ntitle: C\neffective: 99999999d\nexpires: 1h\n---\nText\n")
    run = cli("check", "a.md", "b.md", "c.md", "--output", "json")
    assert run.code == 2 and run.exception is None
    files = {f["file"]: f for f in json.loads(run.stdout)["result"]["files"]}
    assert set(files) == {"a.md", "b.md", "c.md"}
    assert "day is out of range for month" in files["a.md"]["error"]
    assert files["b.md"]["error"] is None and files["b.md"]["title"]
    assert "effective: '99999999d' is longer than ten years" in files["c.md"]["error"]


def test_f_md_plus_f_de_md_primary_language_twice_is_refused(isolated: Path) -> None:
    write(isolated / "f.md", "---\ntitle: Eins\n---\nText eins\n")
    write(isolated / "f.de.md", "---\ntitle: Zwei\n---\nText zwei\n")
    for given in ("f.md", "f.de.md"):
        assert_one_line_error(cli("post", given, "--dry-run"), 2,
                              "f.de.md: a second 'de' text beside f.md")


def test_a_key_given_twice_is_refused_not_dropped(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: Eins\nsummary: a\ntitle: Zwei\n---\nText\n")
    assert_one_line_error(cli("post", "n.md", "--dry-run"), 2,
                          "front matter (line 4): 'title' is given twice")


@pytest.mark.parametrize("line,needle", [
    ("count: !!int 5", "the tag !!int is not allowed"),
    ("when: !!timestamp 2026-02-30", "the tag !!timestamp is not allowed"),
    ("x: !!python/object:os.system [ls]", "is not allowed"),
    ("tags: " + "[" * 50 + "]" * 50, "nested more than 6 levels deep"),
    ("? [a, b]\n: c", "a key must be a word"),
])
def test_yaml_beyond_text_lists_and_tables_is_refused(isolated: Path, line: str,
                                                      needle: str) -> None:
    write(isolated / "n.md", f"---\ntitle: x\n{line}\n---\nText\n")
    assert_one_line_error(cli("post", "n.md", "--dry-run"), 2, needle)


def test_deeply_nested_flow_yaml_is_refused_without_recursion(isolated: Path) -> None:
    write(isolated / "n.md", "---\ntitle: x\ntags: " + "[" * 200_000 + "\n---\nText\n")
    with pytest.raises(InputError, match="front matter .line 3.: nested more than 6 levels deep"):
        load_message(isolated / "n.md")


def test_terminal_escapes_in_yaml_escapes_never_reach_the_text(isolated: Path) -> None:
    write(isolated / "n.md", '---\ntitle: "Rot\\e[31m\\x07 \\u009b2J"\nsummary: "a\\x01b"\n---\n'
                             "Text\n")
    m = load_message(isolated / "n.md")
    assert m.title == "Rot[31m 2J"
    assert m.primary.summary == "ab"


@pytest.mark.parametrize("image", ["../../x.png", "{outside}/x.png", "link.png"])
def test_image_from_outside_the_notice_folder_is_not_published(
        isolated: Path, tmp_path: Path, image: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    (outside / "x.png").write_bytes(png)
    (isolated.parent / "x.png").write_bytes(png)
    folder = isolated / "notices" / "today"
    folder.mkdir(parents=True)
    (folder / "link.png").symlink_to(outside / "x.png")
    value = image.format(outside=outside)
    write(folder / "n.md", f"---\ntitle: Bild\nimage: {value}\nimage_alt: Ein Bild\n---\nText\n")
    m = load_message(folder / "n.md")
    assert m.image is None  # nothing that could be uploaded
    [finding] = [f for f in m.findings if f.code == "CC007"]
    assert finding.severity == "error" and "outside the notice's folder" in finding.message
    run = cli("post", str(folder / "n.md"), "--dry-run")
    assert run.code == 3 and "CC007 image-outside-folder" in run.stdout + run.stderr


def test_image_in_the_notice_folder_or_below_is_taken(isolated: Path) -> None:
    (isolated / "images").mkdir()
    (isolated / "images" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    write(isolated / "n.md", "---\ntitle: Bild\nimage: images/../images/x.png\n"
                             "image_alt: Ein Bild\n---\nText\n")
    m = load_message(isolated / "n.md")
    assert m.image is not None and m.image.resolve() == (isolated / "images/x.png").resolve()
    assert not [f for f in m.findings if f.code == "CC007"]


@pytest.mark.parametrize("text", [
    BILLION_LAUGHS,
    "---\ntitle: yes\nsummary: 12:30\ntags: [.nan, on, ~]\n---\nText\n",
    "---\ntitle: x\ntags: " + "[" * 10_000 + "\n---\nText\n",
    "---\ntitle: x\ntitle: y\n---\nText\n",
    "---\ntitle: x\nn: !!float 1\n---\nText\n",
])
def test_without_libyaml_the_front_matter_reads_the_same(
        isolated: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    import yaml

    from citychan.notices import frontmatter

    def outcome() -> object:
        frontmatter._loader_class.cache_clear()
        try:
            return frontmatter.split_front_matter(text, Path("n.md"))
        except InputError as exc:
            return exc.message

    with_c = outcome()
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    try:
        assert outcome() == with_c
    finally:
        frontmatter._loader_class.cache_clear()


def test_terminal_escape_sequences_in_a_title_never_reach_the_terminal(isolated: Path) -> None:
    write(isolated / "n.md", '---\ntitle: "Fest\\e]0;pwned\\a\\e[2J \\u009b31m"\n---\nText\n')
    for args in (("check", "n.md"), ("post", "n.md", "--dry-run")):
        run = cli(*args)
        assert run.code == 0, run.stdout + run.stderr
        shown = run.stdout + run.stderr
        assert "Fest]0;pwned[2J 31m" in shown
        assert not any(c in shown for c in "\x1b\x9b\x07")
