"""The README documents every command, every option and every configuration key."""

from __future__ import annotations

import re

import click

from helpgen.cli import main
from helpgen.config import _SCHEMA
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "helpgen") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[f"{prefix} {name}"] = command
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix} {name}"))
    return found


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for name, command in _commands(main).items():
        if f"`{name}" not in README:
            missing.append(name)
        for param in command.params:
            missing.extend(f"{name} {opt}" for opt in param.opts if opt.startswith("--") and opt not in README)
    assert missing == []


def _documented_keys() -> set[tuple[str, str]]:
    """(section, key) of every key line (``key = ...`` or ``# key = ...``) in the README's TOML blocks."""
    documented: set[tuple[str, str]] = set()
    for block in re.findall(r"```toml\n(.*?)```", README, flags=re.S):
        section = ""
        for line in block.splitlines():
            header = re.match(r"\s*#?\s*\[([a-z_]+)\]\s*(#.*)?$", line)
            if header:
                section = header.group(1)
                continue
            key = re.match(r"\s*#?\s*([a-z_]+)\s*=", line)
            if key and section:
                documented.add((section, key.group(1)))
    return documented


def test_every_configuration_key_is_in_the_readme() -> None:
    documented = _documented_keys()
    missing = [f"[{section}].{key}" for section, keys in _SCHEMA.items() for key in keys if (section, key) not in documented]
    assert missing == []
