"""Progress bars: one per stage, with counts and rates, on a terminal; nothing in cron or with -q."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpgen import progress
from helpgen.testing.cstar_server import CStarTestServer
from tests.conftest import EXAMPLE_SITE, REPO


def run_in_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``helpgen ARGS`` with stdout and stderr on a pseudo-terminal; (exit code, output)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpgen", *args], cwd=REPO, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=120), output.decode("utf-8", "replace")


@pytest.fixture
def api_site(tmp_path: Path):
    snap_dir = tmp_path / "served"
    shutil.copytree(EXAMPLE_SITE / "snapshot", snap_dir)
    with CStarTestServer(snap_dir) as server:
        site = tmp_path / "site"
        site.mkdir()
        (site / "helpgen.toml").write_text(
            f'[cstar]\nteam = "kettle"\napi_url = "{server.url}"\n[analytics]\nenabled = false\n', encoding="utf-8"
        )
        yield site


def test_a_build_on_a_terminal_shows_a_bar_per_stage_with_counts_and_rates(api_site: Path) -> None:
    code, output = run_in_terminal(["build", str(api_site)])
    assert code == 0, output
    final_lines = [line.split("\x1b[K")[-1] for line in output.replace("\r\n", "\n").split("\n")]
    by_stage = {line.split()[0]: line for line in final_lines if line[:8].strip() in ("pull", "render", "index", "publish")}
    assert {"pull", "index", "render", "publish"} <= set(by_stage), output
    # Each stage ends full, with its count, unit, rate and time: "render   [####] 113/113 pages  250.1 pages/s  0.4s".
    assert "[" + "#" * 24 + "]" in by_stage["render"]
    render = by_stage["render"].split("]")[1].split()
    done, total = render[0].split("/")
    assert done == total and int(total) > 100 and render[1] == "pages" and render[3] == "pages/s"
    assert by_stage["pull"].split("]")[1].split()[1] == "requests"
    assert by_stage["publish"].split("]")[1].split()[1] == "files"
    assert "\r" in output  # the bar redraws in place
    assert "built " in output  # the usual summary line still appears


def test_quiet_on_a_terminal_and_any_run_off_a_terminal_show_no_bars(api_site: Path, tmp_path: Path) -> None:
    code, output = run_in_terminal(["build", str(api_site), "--quiet", "--out", str(tmp_path / "q")])
    assert code == 0 and output == ""
    result = subprocess.run(
        [sys.executable, "-m", "helpgen", "build", str(api_site), "--out", str(tmp_path / "p"), "--full"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "[" + "#" * 24 not in result.stderr and "\r" not in result.stderr and "pages/s" not in result.stderr
    assert "built " in result.stderr


def test_the_default_reporter_is_silent_and_counts() -> None:
    with progress.stage("render", total=3, unit="pages") as bar:
        bar.advance()
        bar.advance(2)
    assert bar.done == 3


def test_a_terminal_reporter_draws_counts_rates_and_an_unknown_total() -> None:
    stream = io.StringIO()
    with progress.use_progress(progress.TerminalProgress(stream)):
        with progress.stage("pull", unit="requests") as bar:
            bar.advance(7)
        with progress.stage("render", total=4, unit="pages") as bar:
            bar.advance(2)
            bar.advance(2)
    text = stream.getvalue()
    assert "pull     [" + "#" * 24 + "] 7 requests" in text
    assert "render   [" + "#" * 24 + "] 4/4 pages" in text and "pages/s" in text
    assert text.endswith("\n")


def test_show_on_terminal_needs_a_terminal_and_no_quiet() -> None:
    class FakeTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress.show_on_terminal(False, FakeTerminal()) is True
    assert progress.show_on_terminal(True, FakeTerminal()) is False
    assert progress.show_on_terminal(False, io.StringIO()) is False
    assert type(progress.current_progress()) is progress.SilentProgress
