"""helpgen.toml, environment and flags: precedence, and errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpgen.config import ConfigError, load_config


def write(site: Path, text: str) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    (site / "helpgen.toml").write_text(text, encoding="utf-8")
    return site


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert config.title == "Help Center"
    assert config.team == ""
    assert config.api_url == "https://www.cstar.help"
    assert config.out_dir == tmp_path.resolve() / "_site"
    assert config.config_file is None
    assert config.base_path == "/"


def test_file_values_are_read(tmp_path: Path) -> None:
    site = write(
        tmp_path / "s",
        """
[site]
title = "Acme Help"
base_url = "https://acme.example/help"
footer_links = [{label = "Status", url = "https://status.acme.example"}]
[cstar]
team = "acme"
snapshot = "snap"
[analytics]
enabled = false
[build]
out = "public"
""",
    )
    config = load_config(site, environ={})
    assert config.title == "Acme Help"
    assert config.base_path == "/help/"
    assert config.footer_links[0].label == "Status"
    assert config.team == "acme"
    assert config.snapshot_dir == site.resolve() / "snap"
    assert config.analytics is False
    assert config.out_dir == site.resolve() / "public"


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    site = write(tmp_path, '[cstar]\nteam = "from-file"\napi_url = "https://file.example"\n')
    env = {"HELPGEN_TEAM": "from-env", "HELPGEN_API_URL": "http://127.0.0.1:9"}
    assert load_config(site, environ=env).team == "from-env"
    assert load_config(site, environ=env).api_url == "http://127.0.0.1:9"
    config = load_config(site, environ=env, overrides={"team": "from-flag", "api_url": None})
    assert config.team == "from-flag"
    assert config.api_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[site]\ntitel = "x"\n', "[site].titel: unknown key"),
        ("[site]\ntitle = 42\n", "[site].title: expected a string, got int 42"),
        ('[sight]\ntitle = "x"\n', "unknown section or key 'sight'"),
        ("[analytics]\nenabled = \"yes\"\n", "[analytics].enabled: expected true or false"),
        ("[cstar]\ntimeout = true\n", "[cstar].timeout: expected a number of seconds"),
        ("[cstar]\ntimeout = -1\n", "[cstar].timeout: must be greater than 0"),
        ('[site]\nbase_url = "help.example.com"\n', "[site].base_url: expected an http(s) URL"),
        ('[site]\nfooter_links = [{label = "x"}]\n', "[site].footer_links[0].url: expected a non-empty string"),
        ('[site]\nfooter_links = [{label = "x", url = "javascript:alert(1)"}]\n', "footer_links[0].url"),
        ('[site]\ntemplates_dir = "nope"\n', "[site].templates_dir: folder"),
        ("[site\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    site = write(tmp_path / "s", text)
    with pytest.raises(ConfigError) as info:
        load_config(site, environ={})
    message = str(info.value)
    assert str(site.resolve() / "helpgen.toml") in message
    assert expected in message


def test_bad_api_url_from_environment_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HELPGEN_API_URL"):
        load_config(tmp_path, environ={"HELPGEN_API_URL": "not a url"})


def test_missing_site_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="site folder not found"):
        load_config(tmp_path / "nope", environ={})


def test_security_and_strict_settings(tmp_path: Path) -> None:
    site = write(
        tmp_path / "s",
        '[security]\niframe_hosts = ["player.vimeo.com", "www.youtube-nocookie.com", "player.vimeo.com"]\n'
        "[build]\nstrict = true\n",
    )
    config = load_config(site, environ={})
    assert config.iframe_hosts == ("player.vimeo.com", "www.youtube-nocookie.com")
    assert config.strict is True
    defaults = load_config(tmp_path, environ={})
    assert defaults.iframe_hosts == () and defaults.strict is False
    assert load_config(tmp_path, overrides={"strict": True}, environ={}).strict is True  # --strict


@pytest.mark.parametrize(
    "host",
    ["https://www.youtube.com", "www.youtube.com/embed", "*.vimeo.com", "WWW.YOUTUBE.COM", "localhost", "a.b:443", ""],
)
def test_iframe_hosts_must_be_plain_host_names(tmp_path: Path, host: str) -> None:
    site = write(tmp_path / "s", f'[security]\niframe_hosts = ["{host}"]\n')
    with pytest.raises(ConfigError, match=r"\[security\]\.iframe_hosts\[0\]: expected a lowercase host name"):
        load_config(site, environ={})
