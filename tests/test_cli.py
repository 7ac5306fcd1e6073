"""The helpgen command as a user meets it: exit codes, one clear line, nothing half-written."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen import __version__
from helpgen.cli import main
from helpgen.testing.cstar_server import CStarTestServer
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import tree_bytes


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("helpgen: error:")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_version() -> None:
    code, output = run("--version")
    assert code == 0 and __version__ in output


def test_build_example_site_with_report(tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    code, output = run("build", str(EXAMPLE_SITE), "--out", str(tmp_path / "out"), "--report", str(report_file), "--quiet")
    assert code == 0, output
    assert output == ""  # --quiet: nothing but errors
    report = json.loads(report_file.read_text())
    assert report["pages_written"] > 50
    assert (tmp_path / "out" / "index.html").is_file()


def test_build_without_config_file_from_the_api(tmp_path: Path) -> None:
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        code, output = run("build", str(tmp_path), "--team", "kettle", "--api-url", server.url, "--out", str(tmp_path / "site"))
    assert code == 0, output
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Help Center" in home  # the default title
    assert (tmp_path / "site" / "community" / "index.html").is_file()


def test_environment_variables_fill_team_and_api_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        monkeypatch.setenv("HELPGEN_TEAM", "kettle")
        monkeypatch.setenv("HELPGEN_API_URL", server.url)
        code, output = run("build", str(tmp_path), "--out", str(tmp_path / "site"), "--quiet")
    assert code == 0, output
    assert (tmp_path / "site" / "index.html").is_file()


def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "helpgen.toml").write_text('[site]\ntitle = ["not", "a", "string"]\n')
    code, output = run("build", str(tmp_path), "--out", str(tmp_path / "site"))
    assert code == 2
    [line] = error_lines(output)
    assert "helpgen.toml" in line and "[site].title" in line
    assert not (tmp_path / "site").exists()


def test_missing_team_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HELPGEN_TEAM", raising=False)
    code, output = run("build", str(tmp_path))
    assert code == 2
    assert "--team" in error_lines(output)[0]


def test_unreachable_api_exits_1_and_keeps_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run("build", str(EXAMPLE_SITE), "--out", str(out), "--quiet")[0] == 0
    before = tree_bytes(out)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "helpgen.toml").write_text("[cstar]\nmax_retries = 0\ntimeout = 2\n")
    url = f"http://127.0.0.1:{free_port()}"
    code, output = run("build", str(tmp_path / "s"), "--team", "kettle", "--api-url", url, "--out", str(out))
    assert code == 1
    [line] = error_lines(output)
    assert "/api/library/kettle/categories" in line
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s", "site"]


def test_unknown_team_exits_1_naming_endpoint_and_status(tmp_path: Path) -> None:
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        code, output = run("build", str(tmp_path), "--team", "nobody", "--api-url", server.url, "--out", str(tmp_path / "site"))
    assert code == 1
    [line] = error_lines(output)
    assert "404" in line and "/api/library/nobody/" in line
    assert not (tmp_path / "site").exists()


def test_pull_saves_a_snapshot_that_builds_the_same_site(tmp_path: Path) -> None:
    with CStarTestServer(EXAMPLE_SITE / "snapshot") as server:
        code, output = run("pull", str(tmp_path), "--team", "kettle", "--api-url", server.url, "--out", str(tmp_path / "snap"))
    assert code == 0, output
    assert (tmp_path / "snap" / "library" / "articles.json").is_file()
    assert run("build", str(EXAMPLE_SITE), "--snapshot", str(tmp_path / "snap"), "--out", str(tmp_path / "a"), "-q")[0] == 0
    assert run("build", str(EXAMPLE_SITE), "--out", str(tmp_path / "b"), "-q")[0] == 0
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")


def test_refuses_to_overwrite_a_folder_it_did_not_build(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("mine")
    code, output = run("build", str(EXAMPLE_SITE), "--out", str(tmp_path / "docs"))
    assert code == 1
    assert "not built by helpgen" in error_lines(output)[0]
    assert (tmp_path / "docs" / "notes.txt").read_text() == "mine"


def test_installed_console_script_builds_the_example(tmp_path: Path) -> None:
    """The `helpgen` entry point of the installed package (the wheel, in CI)."""
    script = Path(sys.executable).parent / "helpgen"
    if not script.exists():
        pytest.skip("helpgen is not installed in this environment (pip install .)")
    result = subprocess.run(
        [str(script), "build", str(EXAMPLE_SITE), "--out", str(tmp_path / "site"), "--quiet"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    help_text = subprocess.run([str(script), "build", "--help"], capture_output=True, text=True, cwd=tmp_path).stdout
    for flag in ("--out", "--team", "--api-url", "--snapshot", "--report", "--quiet", "--verbose"):
        assert flag in help_text


def test_the_command_exits_with_its_code_and_every_line_written(tmp_path: Path) -> None:
    """`python -m helpgen` (what the console script runs) ends the process at once after a
    command, without Python's teardown: its exit code, output and files must all be there."""
    repo = Path(__file__).resolve().parent.parent
    env = {"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}

    def helpgen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "helpgen", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)

    report = tmp_path / "report.json"
    built = helpgen("build", str(EXAMPLE_SITE), "--out", str(tmp_path / "site"), "--report", str(report), "--verbose")
    assert built.returncode == 0, built.stderr
    assert json.loads(report.read_text())["pages_written"] > 100
    assert "built" in built.stderr and built.stderr.endswith("\n")  # the last log line arrived whole

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("mine")
    refused = helpgen("build", str(EXAMPLE_SITE), "--out", str(tmp_path / "docs"))
    assert refused.returncode == 1
    assert "not built by helpgen" in refused.stderr

    usage = helpgen("build", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    version = helpgen("--version")
    assert version.returncode == 0 and __version__ in version.stdout

    # Under a profiler the process takes Python's normal way out, so the profile gets written.
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(tmp_path / "build.prof"), "-m", "helpgen", "--version"],
                              capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert profiled.returncode == 0 and __version__ in profiled.stdout
    assert (tmp_path / "build.prof").stat().st_size > 0
