"""Preview, the rules and the post results show one length: the plan measures each target
once and every view reads that figure. For every dialect the length preview shows is the
length the rules judge, to the character, and Matrix counts its whole event everywhere."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from citychan.render.types import Dialect
from tests.support.cli import cli
from tests.support.files import write
from tests.support.plugin import install_plugin

# A channel type whose capabilities the config sets: any dialect, limit and unit.
SIZED = """
from citychan.channels.base import Capabilities, Dialect, LengthUnit, Option, Receipt

class SizedChannel:
    type_name = "sized"
    options = {"dialect": Option(str, required=True), "limit": Option(int),
               "unit": Option(str, default="chars"), "url_length": Option(int)}

    def __init__(self, name, capabilities):
        self.name, self.capabilities = name, capabilities

    @classmethod
    def from_config(cls, name, options, ctx):
        return cls(name, Capabilities(
            dialect=Dialect(options["dialect"]), max_length=options.get("limit"),
            length_unit=LengthUnit(options.get("unit", "chars")),
            url_length=options.get("url_length")))

    def send(self, post):
        return Receipt(remote_id=self.name)
"""

# Long, and everything that counts differently somewhere: umlauts and Sorbian letters (bytes),
# markup and entities (Telegram's HTML, Matrix's formatted_body), links (Mastodon's 23).
ITEM = ("- **Baustelle {i}**: Die [Löbauer Straße](https://www.bautzen.de/baustellen/{i}) "
        "ist gesperrt; Budyšin & Umgebung <bitte> beachten: https://www.bautzen.de/karte/{i}")
LONG = "---\ntitle: Baustellen & Sperrungen\n---\n" + "\n".join(
    ITEM.format(i=i) for i in range(60)) + "\n"


@pytest.fixture(autouse=True)
def sized(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path / "site-sized", monkeypatch, dist="citychan-sized",
                   module="citychan_sized", source=SIZED,
                   entry_points="sized = citychan_sized:SizedChannel")


CHANNELS = {**{str(d): (str(d), None) for d in Dialect}, "urls": ("plain", 23)}


def configure(isolated: Path, unit: str, limits: dict[str, int] | None = None) -> None:
    """One channel per dialect (named after it), plus "urls", a Mastodon-like plain one."""
    tables = []
    for name, (dialect, url_length) in CHANNELS.items():
        table = f'[channels.{name}]\ntype = "sized"\ndialect = "{dialect}"\nunit = "{unit}"\n'
        if url_length:
            table += f"url_length = {url_length}\n"
        if limits:
            table += f"limit = {limits[name]}\n"
        tables.append(table)
    write(isolated / "citychan.toml", 'version = 1\n[city]\nlanguages = ["de"]\n'
          + "\n".join(tables))


def previewed(*args: str) -> dict[str, dict]:
    run = cli("preview", *args, "--output", "json")
    assert run.code in (0, 3), run.stdout + run.stderr
    return {t["channel"]: t for t in json.loads(run.stdout)["result"]["targets"]}


def judged(run_stdout: str) -> dict[str, int]:
    """channel -> the length a CC101 finding names."""
    result = json.loads(run_stdout)["result"]
    findings = result["files"][0]["findings"] if "files" in result else result["findings"]
    return {f["channel"]: int(re.search(r" is (\d+) ", f["message"]).group(1))
            for f in findings if f["code"] == "CC101"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# matrix-org/matrix-spec content/client-server-api/_index.md, "Size limits": the complete
# event, in the federation format with its signatures, as Canonical JSON (appendices: sorted
# keys, no whitespace, UTF-8 not escaped), at most 65,536 bytes. The envelope the homeserver
# adds around the content is allowed for with a fixed 4,096 bytes (see citychan's measure).
ENVELOPE = 4096


def matrix_event(target: dict) -> str:
    """The content citychan sends for a Matrix target, as Canonical JSON, built by hand."""
    content = {"msgtype": "m.notice", "body": target["text"]}
    if target["html"]:
        content |= {"format": "org.matrix.custom.html", "formatted_body": target["html"]}
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def counted(target: dict, unit: str) -> int:
    """The length by hand, as each service documents it (not by citychan's measure)."""
    text = target["text"]
    if target["dialect"] == "telegram":  # Telegram: after entities parsing
        parser = _Visible()
        parser.feed(text)
        text = "".join(parser.parts)
    extra = 0
    if target["dialect"] == "matrix":  # the whole event: body and formatted_body as JSON
        text, extra = matrix_event(target), ENVELOPE
    return (len(text.encode()) if unit == "bytes" else len(text)) + extra


@pytest.mark.parametrize("unit", ["chars", "bytes"])
def test_every_dialect_preview_shows_the_length_the_rules_judge(isolated: Path,
                                                                unit: str) -> None:
    write(isolated / "lang.md", LONG)
    configure(isolated, unit)
    free = previewed("lang.md")
    assert set(free) == set(CHANNELS)
    for name, target in free.items():
        assert target["length"] > 4000, name  # a long notice in every dialect
        assert target["limit"] is None and target["over"] is False
        if name != "urls":
            assert target["length"] == counted(target, unit), name
    assert free["urls"]["length"] < free["plain"]["length"]  # links count 23 each
    assert free["matrix"]["length"] > counted({**free["matrix"], "dialect": "plain"}, unit)
    lengths = {name: t["length"] for name, t in free.items()}

    configure(isolated, unit, limits=lengths)  # exactly fits: no rule complains
    check = cli("check", "lang.md", "--output", "json")
    assert check.code == 0, check.stdout
    assert judged(check.stdout) == {}
    assert not any(t["over"] for t in previewed("lang.md").values())

    configure(isolated, unit, limits={n: size - 1 for n, size in lengths.items()})
    check = cli("check", "lang.md", "--output", "json")
    assert check.code == 3
    assert judged(check.stdout) == lengths  # the rules judge what preview shows, every one
    over = previewed("lang.md")
    assert {n: t["length"] for n, t in over.items()} == lengths
    assert all(t["over"] and t["limit"] == t["length"] - 1 for t in over.values())


def test_the_post_results_carry_the_same_length(isolated: Path) -> None:
    write(isolated / "lang.md", LONG)
    configure(isolated, "bytes", limits=dict.fromkeys(CHANNELS, 100_000))
    shown = {n: t["length"] for n, t in previewed("lang.md").items()}
    run = cli("post", "lang.md", "--yes", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    results = json.loads(run.stdout)["result"]["results"]
    assert {r["channel"]: r["length"] for r in results} == shown
    assert {r["limit"] for r in results} == {100_000}


MATRIX = ('version = 1\n[city]\nlanguages = ["de"]\n[channels.matrix]\ntype = "matrix"\n'
          'base_url = "https://matrix.bautzen.de"\nroom_id = "!stadt:bautzen.de"\n')


@pytest.fixture
def matrix_notice(isolated: Path) -> Path:
    """The reported case: body alone under 65,536 bytes, body and formatted_body over."""
    write(isolated / "citychan.toml", MATRIX)
    items = "\n".join(f"- **Baustelle {i}**: Die [Löbauer Straße](https://www.bautzen.de/b/{i}) "
                      "ist gesperrt." for i in range(400))
    return write(isolated / "lang.md", f"---\ntitle: Baustellen im Dezember\n---\n{items}\n")


def test_a_matrix_event_too_long_is_red_in_preview_and_refused_by_check_and_post(
        matrix_notice: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (target,) = previewed("lang.md").values()
    size = target["length"]
    assert len(target["text"].encode()) < 65536 < size  # the whole event counts, not the body
    assert size == len(matrix_event(target).encode()) + ENVELOPE
    assert (target["limit"], target["unit"], target["over"]) == (65536, "bytes", True)

    shown = cli("preview", "lang.md")
    assert shown.code == 3
    assert f"{size} / 65536 bytes · too long" in shown.stdout
    assert f"CC101 too-long [matrix]: text is {size} bytes, the channel allows 65536" \
        in shown.stdout

    check = cli("check", "lang.md", "--output", "json")
    assert check.code == 3 and judged(check.stdout) == {"matrix": size}

    monkeypatch.setenv("CITYCHAN_MATRIX_TOKEN", "syt_not_used_at_all")
    for flags in (("--dry-run",), ("--yes",)):
        post = cli("post", "lang.md", *flags, "--output", "json")
        assert post.code == 3, post.stdout + post.stderr
        assert judged(post.stdout) == {"matrix": size}
        assert f"CC101 text is {size} bytes" in post.stderr
    assert not (isolated / "citychan-out").exists()  # refused before anything was recorded


def test_a_matrix_notice_whose_texts_fit_but_whose_event_does_not_is_too_long(
        isolated: Path) -> None:
    """Body and formatted_body together under 65,536 bytes, the event over: every line break
    and quote takes two bytes in the JSON, and the homeserver adds its envelope. Synapse
    would answer 413 M_TOO_LARGE; preview and check say so first, with the same figure."""
    write(isolated / "citychan.toml", MATRIX)
    items = "\n".join(f"- **Baustelle {i}**: Die [Löbauer Straße](https://www.bautzen.de/b/{i}) "
                      "ist gesperrt." for i in range(318))
    write(isolated / "lang.md", f"---\ntitle: Baustellen im Dezember\n---\n{items}\n")
    (target,) = previewed("lang.md").values()
    texts = len((target["text"] + target["html"]).encode())
    size = target["length"]
    assert texts <= 65536 < size == len(matrix_event(target).encode()) + ENVELOPE
    assert target["over"] is True
    check = cli("check", "lang.md", "--output", "json")
    assert check.code == 3 and judged(check.stdout) == {"matrix": size}
