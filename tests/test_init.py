"""``helpgen init``: a commented, valid helpgen.toml documenting every key, an empty templates/,
no questions off a terminal, questions on one, and never an overwrite."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from helpgen.cli import main
from helpgen.config import _SCHEMA, load_config
from helpgen.scaffold import SiteAnswers, render_config
from tests.conftest import REPO


def test_off_a_terminal_it_asks_nothing_and_writes_a_valid_config(tmp_path: Path) -> None:
    target = tmp_path / "help"
    result = CliRunner().invoke(main, ["init", str(target)], input="")
    assert result.exit_code == 0, result.output
    assert "?" not in result.output and ":" not in result.output.split("\n")[0]  # no prompt was shown
    assert (target / "templates").is_dir() and not any((target / "templates").iterdir())
    config = load_config(target, environ={})
    assert config.title == "Help Center" and config.team == "" and config.templates_dir == target / "templates"
    assert config.chat_enabled is False and config.analytics is True


def test_every_config_key_is_documented_in_its_section() -> None:
    sections = re.split(r"^\[(\w+)\]", render_config(SiteAnswers()), flags=re.M)
    documented = {sections[i]: sections[i + 1] for i in range(1, len(sections), 2)}
    for section, keys in _SCHEMA.items():
        assert section in documented, f"[{section}] is missing from helpgen init's helpgen.toml"
        for key in keys:
            line = re.search(rf"^#?\s*{key} = .*#\s*\S", documented[section], flags=re.M)
            assert line, f"[{section}].{key} is not documented (with a comment) in helpgen init's helpgen.toml"


def test_the_commented_out_examples_are_valid_too(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path), "--team", "acme"]).exit_code == 0
    path = tmp_path / "helpgen.toml"
    text = path.read_text(encoding="utf-8")
    uncommented = re.sub(r"^# (?=\w+ = |  \{|\])", "", text, flags=re.M)
    assert uncommented != text
    path.write_text(uncommented, encoding="utf-8")
    for folder in ("static", "locales", "snapshot"):
        (tmp_path / folder).mkdir()
    config = load_config(tmp_path, environ={})
    assert config.chat_team == "acme" and config.chat_script_url == "https://www.cstar.help/widget/chat.js"
    assert [link.label for link in config.footer_links] == ["Status", "Contact"]


def test_flags_fill_the_values_and_strings_are_escaped(tmp_path: Path) -> None:
    title = 'Acme "Help" \\ Center\t#1'
    result = CliRunner().invoke(
        main, ["init", str(tmp_path), "--title", title, "--team", "acme", "--base-url", "https://acme.example/help/"]
    )
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path, environ={})
    assert (config.title, config.team, config.base_url) == (title, "acme", "https://acme.example/help/")


def test_it_never_overwrites_an_existing_config(tmp_path: Path) -> None:
    existing = tmp_path / "helpgen.toml"
    existing.write_text('[site]\ntitle = "Mine"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--title", "Other"])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert existing.read_text(encoding="utf-8") == '[site]\ntitle = "Mine"\n'
    assert not (tmp_path / "templates").exists()


def test_on_a_terminal_it_asks_for_title_team_and_address(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpgen", "init", str(tmp_path / "site")],
        cwd=REPO, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )
    os.close(slave)
    output = b""

    def read_until(marker: bytes, timeout: float = 20) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while marker not in output and time.monotonic() < deadline:
            try:
                output += os.read(master, 1024)
            except OSError:
                break
        assert marker in output, output

    read_until(b"Site title")
    os.write(master, b"Kettle Help\n")
    read_until(b"team slug")
    os.write(master, b"kettle\n")
    read_until(b"Public address")
    os.write(master, b"https://help.kettlehq.com/\n")
    read_until(b"next:")
    assert process.wait(timeout=20) == 0
    os.close(master)
    config = load_config(tmp_path / "site", environ={})
    assert (config.title, config.team, config.base_url) == ("Kettle Help", "kettle", "https://help.kettlehq.com/")
