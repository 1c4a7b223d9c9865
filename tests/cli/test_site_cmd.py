"""`citychan site rebuild`: every page of the website written again from the store, with
what it wrote said; uploaded where the feed uploads (exit 4 if that fails, the files kept);
one clear line for a wrong channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, cli
from tests.support.config import FEED, OUTBOX, MakeConfig
from tests.support.files import write
from tests.support.upload_servers import DAV_PASSWORD, WebdavServer, running_webdav


@pytest.fixture
def posted(make_config: MakeConfig, isolated: Path) -> Path:
    """A feed with two posts; its folder then emptied, as on a new machine."""
    make_config(channels={"website": FEED, "outbox": OUTBOX})
    for n, title in enumerate(("Sperrung Töpferstraße", "Sprechzeiten Bürgeramt")):
        write(isolated / f"n{n}.md", f"---\ntitle: {title}\n---\nText {n}.\n")
        run = cli("post", f"n{n}.md", "--yes")
        assert run.code == 0, run.stdout + run.stderr
    folder = isolated / "citychan-out" / "feed"
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    return folder


def test_site_rebuild_writes_every_page_from_the_store_and_says_what(posted: Path) -> None:
    run = cli("site", "rebuild")
    assert (run.code, run.stderr) == (0, ""), run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("website: 2 entry pages, 1 month pages and 3 other files "
                               "written in ")
    assert lines[0].endswith(f"s to {posted}")
    assert "not uploaded" in lines[1]
    assert len(list((posted / "meldung").glob("*.html"))) == 2
    front = (posted / "index.html").read_text(encoding="utf-8")
    assert "Sperrung Töpferstraße" in front and "Sprechzeiten Bürgeramt" in front


def test_a_store_that_is_not_there_is_refused_and_the_site_is_left_alone(
        posted: Path, isolated: Path) -> None:
    """The store moved away, or on a share that is not mounted: rebuilding from nothing
    would write (and upload) an empty front page and feeds."""
    assert cli("site", "rebuild").code == 0
    front = (posted / "index.html").read_bytes()
    store = isolated / "citychan-out" / "citychan.db"
    store.rename(store.with_name("moved-away.db"))
    run = cli("site", "rebuild")
    assert_one_line_error(run, 2, "no store at ")
    assert "nothing to rebuild the site from" in run.stderr
    assert not store.exists()  # none made
    assert (posted / "index.html").read_bytes() == front


def test_site_rebuild_json_names_the_counts(posted: Path) -> None:
    run = cli("site", "rebuild", "--channel", "website", "--output", "json")
    assert run.code == 0, run.stdout + run.stderr
    envelope = json.loads(run.stdout)
    assert (envelope["command"], envelope["ok"], envelope["exit_code"]) == ("site", True, 0)
    (feed,) = envelope["result"]["feeds"]
    assert (feed["channel"], feed["entry_pages"], feed["month_pages"]) == ("website", 2, 1)
    assert (feed["upload"], feed["upload_error"]) == (None, None)


@pytest.mark.parametrize(("args", "contains"), [
    (["--channel", "websiet"], "no channel 'websiet'"),
    (["--channel", "outbox"], "channel 'outbox' is not a website feed"),
])
def test_a_wrong_channel_is_one_clear_line(posted: Path, args: list[str],
                                            contains: str) -> None:
    assert_one_line_error(cli("site", "rebuild", *args), 2, contains)


def test_no_feed_channel_is_one_clear_line(make_config: MakeConfig) -> None:
    make_config(channels={"outbox": OUTBOX})
    assert_one_line_error(cli("site", "rebuild"), 2, "no website feed in")


def test_site_rebuild_speaks_german(posted: Path) -> None:
    run = cli("site", "rebuild", env={"LANGUAGE": "de"})
    assert run.code == 0, run.stdout + run.stderr
    assert "Meldungsseiten" in run.stdout and "nicht hochgeladen" in run.stdout
    bad = cli("site", "rebuild", "--channel", "outbox", env={"LANGUAGE": "de"})
    assert bad.code == 2 and bad.stderr.splitlines() == [
        "Fehler: Kanal 'outbox' ist kein Website-Feed (type = \"feed\")",
        "Hinweis: 'citychan channels' listet die Kanäle auf"]


@pytest.fixture(scope="module")
def webdav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebdavServer]:
    with running_webdav(tmp_path_factory.mktemp("webdav")) as server:
        yield server


@pytest.mark.integration
def test_site_rebuild_uploads_and_a_failed_upload_is_exit_4_with_the_files_kept(
        make_config: MakeConfig, isolated: Path, webdav_server: WebdavServer) -> None:
    make_config(channels={"website": {**FEED, "upload": webdav_server.url("/site"),
                                      "upload_password_env": "CITYCHAN_DAV"}})
    write(isolated / "n.md", "---\ntitle: Sperrung Töpferstraße\n---\nText.\n")
    assert cli("post", "n.md", "--yes", env={"CITYCHAN_DAV": DAV_PASSWORD}).code == 0
    folder = isolated / "citychan-out" / "feed"
    (page,) = (folder / "meldung").glob("*.html")
    # a new machine: no folder, nothing known of what the server has
    for path in sorted(folder.parent.rglob("*"), reverse=True):
        if path.name != "citychan.db" and not path.name.startswith("citychan.db"):
            path.rmdir() if path.is_dir() else path.unlink()
    failed = cli("site", "rebuild", env={"CITYCHAN_DAV": "wrong"})
    assert failed.code == 4, failed.stdout + failed.stderr
    assert "1 entry pages" in failed.stdout and page.is_file()  # written all the same
    assert "upload to webdav+http://citychan@" in failed.stderr
    assert "the files stay written" in failed.stderr and "wrong" not in failed.stderr
    again = cli("site", "rebuild", "--output", "json", env={"CITYCHAN_DAV": DAV_PASSWORD})
    assert again.code == 0, again.stdout + again.stderr
    (feed,) = json.loads(again.stdout)["result"]["feeds"]
    assert feed["upload_error"] is None and feed["uploaded"] == 5  # every file went up
    served = webdav_server.root / "site"
    for rel in ("index.html", "feed.xml", "feed.json", f"meldung/{page.name}"):
        assert (served / rel).read_bytes() == (folder / rel).read_bytes(), rel
    same = cli("site", "rebuild", env={"CITYCHAN_DAV": DAV_PASSWORD})
    assert same.code == 0 and "0 files uploaded" in same.stdout  # the server has them
    local = cli("site", "rebuild", "--no-upload", env={"CITYCHAN_DAV": DAV_PASSWORD})
    assert local.code == 0 and "not uploaded" in local.stdout
