"""citychan config, init and the placeholder guard of qr (issue 14, item 5). Why: no
command said which config file was in effect; init wrote a placeholder WhatsApp URL
(0029VaBautzenStadtInfo01) that qr turned into a poster without a word, and its header
pointed to config.example.toml, which an installed package does not have."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from citychan.config import load_config
from tests.support.cli import assert_one_line_error, cli
from tests.support.config import OUTBOX, MakeConfig, write_config

INVITE = "https://whatsapp.com/channel/0029VaQ7rN5Jf3kLm9XwT21b"
OLD_PLACEHOLDER = "https://whatsapp.com/channel/0029VaBautzenStadtInfo01"


def config_json(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    run = cli("config", "--output", "json", *args, env=env)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["result"]


def test_config_says_the_embedded_default_is_in_effect_without_a_file(isolated: Path) -> None:
    result = config_json()
    assert (result["path"], result["reason"]) == (None, "embedded default")
    assert {c["name"] for c in result["channels"]} == {"outbox", "feed"}
    text = cli("config", env={"COLUMNS": "200"}).stdout
    assert "embedded default" in text and "no ./citychan.toml" in text


def test_config_names_the_local_file_and_its_channels(make_config: MakeConfig,
                                                      isolated: Path) -> None:
    make_config(channels={"aushang": OUTBOX})
    result = config_json()
    assert result["path"] == str((isolated / "citychan.toml").resolve())
    assert result["reason"] == "./citychan.toml"
    assert [c["name"] for c in result["channels"]] == ["aushang"]
    assert "aushang" in cli("config", env={"COLUMNS": "200"}).stdout


@pytest.mark.parametrize("how", ["option", "env", "user"])
def test_config_says_why_a_file_is_in_effect(isolated: Path, how: str) -> None:
    user = isolated.parent / "home" / ".config" / "citychan" / "citychan.toml"
    other = isolated.parent / "elsewhere.toml"
    write_config(user if how == "user" else other, channels={"outbox": OUTBOX})
    args = ("--config", str(other)) if how == "option" else ()
    env = {"CITYCHAN_CONFIG": str(other)} if how == "env" else None
    result = config_json(*args, env=env)
    expected = {"option": "--config", "env": "$CITYCHAN_CONFIG", "user": "user config dir"}
    assert result["reason"] == expected[how]
    assert result["path"] == str((user if how == "user" else other).resolve())


def test_config_with_a_missing_file_is_one_line(isolated: Path) -> None:
    assert_one_line_error(cli("config", "--config", "nope.toml"), 2, "nope.toml")


def test_init_takes_the_city_invite_link_and_cap_sender(isolated: Path) -> None:
    run = cli("init", "--city", "Görlitz", "--whatsapp", INVITE, "--sender",
              "warnung@goerlitz.de")
    assert run.code == 0, run.stderr
    config = load_config(isolated / "citychan.toml")
    assert config.city.name() == "Görlitz"
    assert config.subscribe.url == INVITE
    assert config.alerts.sender == "warnung@goerlitz.de"
    assert config.city.allowed_domains == ("goerlitz.de",)


def test_init_writes_no_placeholder_that_could_go_out(isolated: Path) -> None:
    run = cli("init")
    assert run.code == 0
    text = (isolated / "citychan.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert "url" not in data["subscribe"]
    assert "0029VaBautzenStadtInfo01" not in text
    assert "# url = " in text  # what is missing is shown, commented out
    assert "[subscribe] url" in run.stdout
    config = load_config(isolated / "citychan.toml")
    assert config.subscribe.url is None
    assert config.alerts.sender == "warnung@bautzen.de"  # Bautzen's own domain (issue 10)


def test_init_for_another_city_makes_up_no_cap_sender(isolated: Path) -> None:
    run = cli("init", "--city", "Kamenz")
    assert run.code == 0
    assert "[alerts] sender" in run.stdout
    text = (isolated / "citychan.toml").read_text(encoding="utf-8")
    assert "sender" not in tomllib.loads(text)["alerts"] and "# sender = " in text
    assert load_config(isolated / "citychan.toml").alerts.sender == ""


def test_the_written_config_explains_itself_without_pointing_to_missing_files(
        isolated: Path) -> None:
    assert cli("init").code == 0
    text = (isolated / "citychan.toml").read_text(encoding="utf-8")
    assert "config.example.toml" not in text
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("citychan config" in line for line in comments)
    for table in ("[city]", "[subscribe]", "[alerts]", "[store]"):  # each says what it is for
        before = text.split(f"\n{table}\n")[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), table


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--whatsapp", OLD_PLACEHOLDER, "is an example"),
    ("--whatsapp", "http://whatsapp.com/channel/0029VaQ7rN5Jf3kLm9XwT21b", "--whatsapp"),
    ("--sender", "Stadt Bautzen", "not an e-mail address"),
    ("--city", " ", "--city is empty"),
])
def test_init_refuses_what_could_not_go_out(isolated: Path, option: str, value: str,
                                            says: str) -> None:
    assert_one_line_error(cli("init", option, value), 2, says)
    assert not (isolated / "citychan.toml").exists()


def test_init_asks_on_a_terminal(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("citychan.cli.common.is_interactive", lambda: True)
    run = cli("init", input=f"Kamenz\n{INVITE}\nwarnung@kamenz.de\n")
    assert run.code == 0, run.stderr
    config = load_config(isolated / "citychan.toml")
    assert (config.city.name(), config.subscribe.url, config.alerts.sender) == (
        "Kamenz", INVITE, "warnung@kamenz.de")


def test_init_left_empty_on_a_terminal_writes_nothing_made_up(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("citychan.cli.common.is_interactive", lambda: True)
    run = cli("init", input="\n\n\n")
    assert run.code == 0, run.stderr
    assert "[subscribe] url" in run.stdout
    config = load_config(isolated / "citychan.toml")
    assert config.city.name() == "Bautzen" and config.subscribe.url is None


def test_qr_refuses_the_placeholder_url_of_an_old_init(make_config: MakeConfig,
                                                      isolated: Path) -> None:
    make_config(subscribe={"url": OLD_PLACEHOLDER})
    run = cli("qr", "--out", "code.png")
    assert_one_line_error(run, 2, "is an example, not your channel's invite link")
    assert "[subscribe] url" in run.stderr
    assert not (isolated / "code.png").exists()
    assert "is an example" in cli("config", env={"COLUMNS": "200"}).stdout


def test_qr_refuses_a_placeholder_given_with_url(isolated: Path) -> None:
    run = cli("qr", "--url", "https://whatsapp.com/channel/…", "--out", "code.png")
    assert_one_line_error(run, 2, "--url")


def test_qr_with_the_embedded_default_asks_for_a_url(isolated: Path) -> None:
    assert_one_line_error(cli("qr", "--out", "code.png"), 2, "set [subscribe] url")
