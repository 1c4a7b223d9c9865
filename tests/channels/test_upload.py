"""Publishing the feed folder to the web server: real SFTP (asyncssh) and WebDAV (wsgidav)
servers on loopback, started once per session. Only changed files go up, each under a
temporary name first; the result row says whether anything was uploaded; a failed upload is
a failed delivery that `citychan retry` uploads again, and the files stay here either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from citychan.channels.base import (
    ChannelConfigError,
    ChannelContext,
    ChannelError,
    Dialect,
    Kind,
    Post,
    Rendered,
)
from citychan.channels.feed import FeedChannel
from tests.support.cli import cli
from tests.support.config import ALERTS_TABLE, FEED, MakeConfig
from tests.support.upload_servers import (
    DAV_PASSWORD,
    SftpServer,
    WebdavServer,
    running_sftp,
    running_webdav,
)

PUBLIC = ("archiv", "feed.json", "feed.xml", "index.html", "meldung")


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SftpServer]:
    with running_sftp(tmp_path_factory.mktemp("sftp")) as server:
        yield server


@pytest.fixture(scope="session")
def webdav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebdavServer]:
    with running_webdav(tmp_path_factory.mktemp("webdav")) as server:
        yield server


@pytest.fixture(autouse=True)
def no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's SSH agent must not log in for the tests."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def post(mid: str, title: str, hour: int = 10) -> Post:
    return Post(message_id=mid, channel="feed", kind=Kind.INFO, title=title,
                rendered=Rendered(Dialect.FEED, "Text", "<p>Text</p>", title),
                sent=datetime(2026, 12, 1, hour, tzinfo=UTC))


def sftp_feed(tmp: Path, server: SftpServer, remote: str, **extra: str) -> FeedChannel:
    options = {"path": "feed", "public_url": "https://www.bautzen.de/aktuelles",
               "upload": server.url(remote), "upload_key_env": "SFTP_KEY",
               "upload_known_hosts": str(server.known_hosts), **extra}
    return FeedChannel.from_config(
        "feed", options, ChannelContext(env={"SFTP_KEY": str(server.key_file)}, base_dir=tmp))


def dav_feed(tmp: Path, server: WebdavServer, remote: str, password: str = DAV_PASSWORD
             ) -> FeedChannel:
    options = {"path": "feed", "public_url": "https://www.bautzen.de/aktuelles",
               "upload": server.url(remote), "upload_password_env": "DAV_PW"}
    return FeedChannel.from_config(
        "feed", options, ChannelContext(env={"DAV_PW": password}, base_dir=tmp))


def same_files(local: Path, remote: Path) -> None:
    assert sorted(p.name for p in remote.iterdir()) == list(PUBLIC)  # no temporary left
    served = sorted(p.relative_to(remote) for p in remote.rglob("*") if p.is_file())
    assert served == sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file()
                            and p.parts[len(local.parts)] in PUBLIC)
    for rel in served:
        assert (remote / rel).read_bytes() == (local / rel).read_bytes(), rel


@pytest.mark.integration
def test_sftp_upload_puts_the_public_files_on_the_server(
        tmp_path: Path, sftp_server: SftpServer) -> None:
    feed = sftp_feed(tmp_path, sftp_server, "/www/aktuelles")
    receipt = feed.send(post("a" * 64, "Wintermarkt eröffnet"))
    same_files(feed.path, sftp_server.root / "www" / "aktuelles")
    assert receipt.url == f"uploaded: https://www.bautzen.de/aktuelles/meldung/{'a' * 12}.html"
    assert receipt.remote_id == feed.entry_id("a" * 64)


@pytest.mark.integration
def test_only_changed_files_go_up(tmp_path: Path, sftp_server: SftpServer) -> None:
    feed = sftp_feed(tmp_path, sftp_server, "/www/changed")
    feed.send(post("b" * 64, "Erste Meldung"))
    logins = len(sftp_server.connections)
    feed.send(post("b" * 64, "Erste Meldung"))  # the same post again: nothing changed
    assert len(sftp_server.connections) == logins  # not even a connection
    feed.send(post("c" * 64, "Zweite Meldung", hour=11))  # a new entry: all three change
    same_files(feed.path, sftp_server.root / "www" / "changed")
    assert len(sftp_server.connections) == logins + 1


@pytest.mark.integration
def test_a_host_key_not_in_known_hosts_is_refused(
        tmp_path: Path, sftp_server: SftpServer) -> None:
    stranger = tmp_path / "known_hosts"
    stranger.write_text(f"[127.0.0.1]:{sftp_server.port} ssh-ed25519 "
                        "AAAAC3NzaC1lZDI1NTE5AAAAIHVCMGKAXx1mFmpSWlIwlW9FxMOm3hnOu2rN6Al0SBZD\n")
    feed = sftp_feed(tmp_path, sftp_server, "/www/stranger", upload_known_hosts=str(stranger))
    with pytest.raises(ChannelError) as caught:
        feed.send(post("d" * 64, "Meldung"))
    assert caught.value.message.startswith(
        f"written locally, not uploaded to sftp://web@127.0.0.1:{sftp_server.port}/www/stranger:")
    assert not (sftp_server.root / "www" / "stranger").exists()
    assert (feed.path / "index.html").is_file()  # kept here


@pytest.mark.integration
def test_webdav_upload_writes_each_file_under_a_temporary_name_then_moves_it(
        tmp_path: Path, webdav_server: WebdavServer) -> None:
    feed = dav_feed(tmp_path, webdav_server, "/aktuelles")
    start = len(webdav_server.requests)
    receipt = feed.send(post("e" * 64, "Sperrung der Töpferstraße"))
    same_files(feed.path, webdav_server.root / "aktuelles")
    writes = [r for r in webdav_server.requests[start:] if r.split()[0] in ("PUT", "MOVE")]
    names = (("meldung/", "eeeeeeeeeeee.html"), ("archiv/", "2026-12.html"), ("", "index.html"),
             ("", "feed.xml"), ("", "feed.json"))
    assert writes == [line for folder, name in names for line in (
        f"PUT /aktuelles/{folder}.{name}.citychan-upload",
        f"MOVE /aktuelles/{folder}.{name}.citychan-upload")]
    assert receipt.url and receipt.url.startswith("uploaded: https://www.bautzen.de/")


@pytest.mark.integration
def test_a_wrong_webdav_password_fails_and_names_no_secret(
        tmp_path: Path, webdav_server: WebdavServer) -> None:
    feed = dav_feed(tmp_path, webdav_server, "/wrong", password="not-the-password")
    with pytest.raises(ChannelError) as caught:
        feed.send(post("f" * 64, "Meldung"))
    assert "not uploaded" in caught.value.message
    assert "not-the-password" not in caught.value.message
    assert not caught.value.retryable and caught.value.outcome_known


@pytest.mark.integration
def test_a_failed_upload_is_a_failed_delivery_that_retry_uploads(
        notice: Path, make_config: MakeConfig, isolated: Path,
        webdav_server: WebdavServer) -> None:
    make_config(channels={"feed": {**FEED, "upload": webdav_server.url("/retry"),
                                   "upload_password_env": "CITYCHAN_DAV"}})
    first = cli("post", "notice.md", "--yes", "--output", "json",
                env={"CITYCHAN_DAV": "wrong"})
    assert first.code == 4, first.stdout + first.stderr
    (row,) = json.loads(first.stdout)["result"]["results"]
    assert row["status"] == "failed"
    assert row["error"].startswith("written locally, not uploaded to webdav+http://citychan@")
    local = isolated / "citychan-out" / "feed"
    assert (local / "index.html").is_file()  # the files are kept either way
    assert not (webdav_server.root / "retry").exists()

    again = cli("retry", "--yes", env={"CITYCHAN_DAV": DAV_PASSWORD})
    assert again.code == 0, again.stdout + again.stderr
    assert "uploaded: " in again.stdout
    same_files(local, webdav_server.root / "retry")


def test_the_row_says_written_locally_not_uploaded_without_upload(
        notice: Path, isolated: Path) -> None:
    run = cli("post", "notice.md", "--yes")
    assert run.code == 0, run.stderr
    (line,) = [ln for ln in run.stdout.splitlines() if ln.startswith("feed")]
    page = (isolated / "citychan-out" / "feed" / "index.html").resolve()
    assert line == f"feed  sent  written locally, not uploaded: {page}"
    assert "https://" not in line


@pytest.mark.parametrize(("url", "extra", "says"), [
    ("ftp://host/x", {}, "must start with sftp://, webdav+https:// or webdav+http://"),
    ("webdav+https://u:pw@host/x", {}, "must not contain a password"),
    ("webdav+https://u@host/x", {}, "needs upload_password_env"),
    ("webdav+http://www.bautzen.de/x", {"upload_password_env": "P"}, "only for loopback"),
    ("sftp://web@host:99999/x", {}, "a port is 1 to 65535"),
    ("sftp://web@host/x", {"upload_key_env": "UNSET"}, "No secret: set UNSET"),
])
def test_a_wrong_upload_setting_is_one_clear_line(url: str, extra: dict[str, str],
                                                  says: str, tmp_path: Path) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        FeedChannel.from_config("feed", {"upload": url, **extra},
                                ChannelContext(env={"P": "x"}, base_dir=tmp_path))
    assert says in str(caught.value) and "\n" not in str(caught.value)
    assert "pw" not in str(caught.value).replace("upload_password_env", "")


@pytest.mark.integration
def test_a_warnings_cap_files_reach_the_server_so_its_cap_link_works(
        make_config: MakeConfig, isolated: Path, webdav_server: WebdavServer) -> None:
    """The leftover of item 4: cap/*.cap.xml and alerts.xml, written after the feed sent,
    were never uploaded: the CAP link on the entry's page led nowhere."""
    make_config(alerts=ALERTS_TABLE,
                channels={"feed": {**FEED, "upload": webdav_server.url("/warnungen"),
                                   "upload_password_env": "CITYCHAN_DAV"}})
    run = cli("warn", "--template", "hochwasser", "--level", "medium", "--area", "Seidau",
              "--yes", "--output", "json", env={"CITYCHAN_DAV": DAV_PASSWORD})
    assert run.code == 0, run.stdout + run.stderr
    local = isolated / "citychan-out" / "feed"
    remote = webdav_server.root / "warnungen"
    (cap,) = (local / "cap").glob("*.cap.xml")
    assert (remote / "cap" / cap.name).read_bytes() == cap.read_bytes()
    assert (remote / "alerts.xml").read_bytes() == (local / "alerts.xml").read_bytes()
    (page,) = (remote / "meldung").glob("*.html")
    assert f'href="../cap/{cap.name}"' in page.read_text(encoding="utf-8")
