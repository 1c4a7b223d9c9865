from __future__ import annotations

from pathlib import Path

import pytest

from citychan.config import default_config, load_config, parse_config
from citychan.errors import ConfigError, ExitCode
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import MakeConfig
from tests.support.files import NOTICE, REPO, write


def cfg(text: str, tmp: Path) -> Path:
    return write(tmp / "citychan.toml", text)


def test_no_config_is_the_embedded_default(isolated: Path) -> None:
    c = load_config(None, env={"HOME": str(isolated)})
    assert c.path is None
    assert {ch.type for ch in c.channels.values()} == {"outbox", "feed"}
    assert c.store_path == Path("citychan-out/citychan.db")


def test_lookup_order_explicit_then_env_then_local(make_config: MakeConfig) -> None:
    a = make_config(city={"timezone": "Europe/Berlin"})
    b = make_config(name="other.toml", store={"path": "x.db"})
    assert load_config(None, env={"CITYCHAN_CONFIG": str(b)}).path == b
    assert load_config(None, env={}).path == Path("citychan.toml")
    assert load_config(a, env={"CITYCHAN_CONFIG": str(b)}).path == a


def test_user_config_dir_is_last(isolated: Path, make_config: MakeConfig) -> None:
    user = make_config(name="xdg/citychan/citychan.toml")
    assert load_config(None, env={"XDG_CONFIG_HOME": str(isolated / "xdg")}).path == user


def test_unknown_key_names_table_and_suggests(isolated: Path) -> None:
    p = cfg("version = 1\n[channels.telegram]\ntype = 'outbox'\npaht = 'x'\n", isolated)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "[channels.telegram] unknown key 'paht'. Did you mean 'path'?" in e.value.message
    assert e.value.exit_code == ExitCode.USAGE


def test_wrong_type_is_named(isolated: Path) -> None:
    p = cfg("version = 1\n[rules.info]\nmax_per_day = 'three'\n", isolated)
    with pytest.raises(
        ConfigError, match=r"\[rules.info\] key 'max_per_day' must be an integer, not a string"
    ):
        load_config(p)


def test_missing_and_newer_version(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="missing 'version = 1'"):
        load_config(cfg("[city]\n", isolated))
    with pytest.raises(ConfigError, match="newer than this citychan") as e:
        load_config(cfg("version = 7\n", isolated))
    assert e.value.hint == "upgrade citychan"


def test_unknown_channel_type_suggests(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="unknown channel type 'outbx'. Did you mean 'outbox'"):
        parse_config({"version": 1, "channels": {"a": {"type": "outbx"}}})


def test_quiet_hours_parsed_and_bad_value_rejected() -> None:
    c = parse_config(
        {"version": 1, "rules": {"info": {"quiet_hours": "21:00-07:00", "max_per_day": 3}}}
    )
    assert [t.isoformat() for t in c.info_rules.quiet_hours] == ["21:00:00", "07:00:00"]
    assert c.info_rules.max_per_day == 3
    with pytest.raises(ConfigError, match="quiet_hours"):
        parse_config({"version": 1, "rules": {"info": {"quiet_hours": "late"}}})


def test_no_rules_table_means_no_quiet_hours_and_no_cap() -> None:
    c = parse_config({"version": 1})
    assert c.info_rules.quiet_hours is None and c.info_rules.max_per_day is None


def test_relative_paths_are_relative_to_the_config_file(
        isolated: Path, make_config: MakeConfig) -> None:
    p = make_config(name="conf/citychan.toml", store={"path": "db/c.db"})
    assert load_config(p).store_path == isolated / "conf" / "db" / "c.db"


def test_broken_toml_is_one_line(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(cfg("version = \n", isolated))


def test_example_config_documents_and_loads(isolated: Path) -> None:
    c = load_config(REPO / "config.example.toml")
    assert c.city.names["hsb"] == "Budyšin"
    types = {ch.type for ch in c.channels.values()}
    assert {
        "whatsapp",
        "telegram",
        "mastodon",
        "matrix",
        "ntfy",
        "email",
        "signal",
        "webhook",
        "outbox",
        "feed",
    } <= types


def test_default_config_is_bilingual() -> None:
    assert default_config().city.languages == ("de", "hsb")


@pytest.mark.parametrize("sender", ["Stadt Bautzen, Ordnungsamt", "warnung@bautzen.de x", "",
                                    "a<b@bautzen.de", "a&b@bautzen.de"])
def test_alerts_sender_must_be_a_cap_sender(sender: str) -> None:
    """It is written into every CAP reference as 'sender,identifier,sent'."""
    with pytest.raises(ConfigError, match=r"\[alerts\] sender .* may not be empty or contain"):
        parse_config({"version": 1, "alerts": {"sender": sender}})
    assert parse_config({"version": 1, "alerts": {"sender": "warnung@bautzen.de"}})


@pytest.mark.parametrize("publish", [{"timeout": -5}, {"max_total_seconds": 0},
                                     {"timeout": 86400}])
def test_publish_times_must_be_sensible(publish: dict) -> None:
    with pytest.raises(ConfigError, match=r"\[publish\] .* must be between 0 and 3600"):
        parse_config({"version": 1, "publish": publish})


def test_the_feed_public_url_must_be_https(isolated: Path, make_config: MakeConfig) -> None:
    """Every link on the archive page and in the feed starts with it."""
    make_config(channels={"feed": {"type": "feed", "public_url": "javascript:alert(1)"}})
    write(isolated / "n.md", NOTICE)
    assert_one_line_error(cli("post", "n.md", "--yes"), 2, "public_url must be an https:// URL")
