"""``helpgen listen`` end to end: a real listener process, real signed HTTP events, real rebuilds
pulling from the project's cStar test server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.listen import RebuildQueue
from helpgen.testing.cstar_server import CStarTestServer
from helpgen.webhooks import sign
from tests.conftest import EXAMPLE_SITE, REPO

SECRET = "whsec_listen_test_5e1d"


@dataclass
class Listener:
    url: str
    process: subprocess.Popen
    server: CStarTestServer
    snap_dir: Path
    site_dir: Path
    out_dir: Path
    log: list[str]
    client: httpx.Client

    def post(self, body: bytes, header: str | None, **kwargs) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["x-cstar-signature"] = header
        return self.client.post(self.url + "/webhooks/cstar", content=body, headers=headers, timeout=5, **kwargs)

    def health(self) -> dict:
        return httpx.get(self.url + "/healthz", timeout=5).json()

    def wait_idle(self, builds: int, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.health()
            if state["builds"] >= builds and not state["building"] and not state["pending_events"]:
                return state
            time.sleep(0.1)
        raise AssertionError(f"no idle listener after {builds} build(s): {self.health()}")

    def category_lists(self) -> int:
        """How many builds pulled from the API (each lists the categories once)."""
        return sum(1 for r in self.server.requests if r.path.endswith("/categories"))


def event(event_id: str, kind: str = "article.updated") -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "created_at": "2026-11-25T01:00:00Z", "team_id": "t", "data": {}}
    ).encode()


def signed(body: bytes, when: int | None = None) -> str:
    when = int(time.time()) if when is None else when
    return f"t={when},v1={sign(SECRET, when, body)}"


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    snap_dir = tmp_path / "served"
    shutil.copytree(EXAMPLE_SITE / "snapshot", snap_dir)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    out_dir = tmp_path / "out"
    with CStarTestServer(snap_dir) as server:
        (site_dir / "helpgen.toml").write_text(
            f'[cstar]\nteam = "kettle"\napi_url = "{server.url}"\nmax_retries = 1\n'
            f'[analytics]\nenabled = false\n[build]\nout = "{out_dir}"\n',
            encoding="utf-8",
        )
        first = subprocess.run(
            [sys.executable, "-m", "helpgen", "build", str(site_dir), "-q"], cwd=REPO, capture_output=True, text=True
        )
        assert first.returncode == 0, first.stderr
        server.clear_log()
        env = {**os.environ, "HELPGEN_WEBHOOK_SECRET": SECRET}
        process = subprocess.Popen(
            [sys.executable, "-m", "helpgen", "listen", str(site_dir), "--port", "0", "--settle", "1"],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        log: list[str] = []
        url = None
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            found = re.search(r"listening for cStar webhooks on (http://[\d.]+:\d+)", line)
            if found:
                url = found.group(1)
                break
        assert url, "".join(log)
        reader = threading.Thread(target=lambda: log.extend(process.stderr), daemon=True)
        reader.start()
        try:
            with httpx.Client() as client:  # keep-alive, as cStar's sender would
                yield Listener(url, process, server, snap_dir, site_dir, out_dir, log, client)
        finally:
            process.terminate()
            process.wait(timeout=30)
            reader.join(timeout=5)


def rename_article(snap_dir: Path, slug: str, title: str) -> None:
    snapshot = load_snapshot(snap_dir)
    articles = tuple(
        replace(a, title=title, updated_at="2026-11-30T12:00:00Z") if a.slug == slug else a
        for a in snapshot.articles
    )
    save_snapshot(replace(snapshot, articles=articles), snap_dir)


def test_a_signed_event_triggers_one_incremental_build_that_picks_up_the_change(listener: Listener) -> None:
    slug = "send-your-first-invoice-vndz04z3"
    page = listener.out_dir / "articles" / slug / "index.html"
    assert "Sending invoices from orbit" not in page.read_text(encoding="utf-8")
    rename_article(listener.snap_dir, slug, "Sending invoices from orbit")
    listener.server.reload()

    body = event("evt_change_1")
    started = time.monotonic()
    response = listener.post(body, signed(body))
    assert response.status_code == 202 and time.monotonic() - started < 1.0
    assert response.json()["rebuild"] == "queued"

    state = listener.wait_idle(builds=1)
    assert state["builds"] == 1 and state["last_exit_code"] == 0
    assert "Sending invoices from orbit" in page.read_text(encoding="utf-8")
    # Incremental: one list pass, and only the changed article's body was fetched.
    assert listener.category_lists() == 1
    fetched = [r.path for r in listener.server.requests if "/articles/" in r.path]
    assert fetched == [f"/api/library/kettle/articles/{slug}"]


def test_twenty_events_in_one_second_make_one_build(listener: Listener) -> None:
    bodies = [event(f"evt_burst_{n}", "community_post.voted" if n % 2 else "article.updated") for n in range(20)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:  # a burst arrives at once, as cStar sends it
        statuses = list(pool.map(lambda body: listener.post(body, signed(body)).status_code, bodies))
    assert time.monotonic() - started < 1.0
    assert statuses == [202] * 20
    state = listener.wait_idle(builds=1)
    time.sleep(1.5)  # longer than --settle: a second build would have started by now
    state = listener.health()
    assert state["builds"] == 1 and not state["pending_events"] and not state["building"]
    assert listener.category_lists() == 1


def test_bad_events_are_refused_and_build_nothing(listener: Listener) -> None:
    body = event("evt_bad_1")
    wrong = f"t={int(time.time())},v1={sign('whsec_someone_else', int(time.time()), body)}"
    assert listener.post(body, wrong).status_code == 401
    assert listener.post(body, None).status_code == 401
    stale = int(time.time()) - 301
    assert listener.post(body, signed(body, stale)).status_code == 401

    good = event("evt_once")
    header = signed(good)
    assert listener.post(good, header).status_code == 202
    assert listener.post(good, header).status_code == 409  # replay

    huge = b'{"id":"evt_huge","type":"article.updated","data":{"x":"' + b"a" * (300 * 1024) + b'"}}'
    try:
        assert listener.post(huge, signed(huge)).status_code == 413
    except httpx.WriteError:
        pass  # the listener answered 413 and closed before the whole body was sent
    listener.wait_idle(builds=1)
    assert listener.health()["builds"] == 1  # only the one good event built

    text = "".join(listener.log)
    assert "refused (401)" in text and "refused (409)" in text and "refused (413)" in text
    assert "evt_bad_1" not in text  # rejections are logged without the body


def test_the_listener_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HELPGEN_WEBHOOK_SECRET"}
    result = subprocess.run(
        [sys.executable, "-m", "helpgen", "listen", str(tmp_path), "--team", "kettle", "--port", "0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "HELPGEN_WEBHOOK_SECRET" in result.stderr


def test_events_during_a_build_queue_exactly_one_more_build() -> None:
    release = threading.Event()
    runs: list[float] = []

    def slow_build() -> int:
        runs.append(time.monotonic())
        release.wait(10)
        return 0

    queue = RebuildQueue(slow_build, settle=0.05)
    try:
        queue.request()
        deadline = time.monotonic() + 5
        while not queue.building and time.monotonic() < deadline:
            time.sleep(0.01)
        assert queue.building
        for _ in range(5):
            queue.request()  # arrive while the first build runs
        time.sleep(0.2)
        assert len(runs) == 1  # never two builds at once
        release.set()
        assert queue.wait_idle(10)
        assert len(runs) == 2 and [o.events for o in queue.outcomes] == [1, 5]
    finally:
        release.set()
        queue.stop(timeout=5)


def test_a_build_that_finds_the_lock_held_is_retried() -> None:
    codes = [75, 0]
    queue = RebuildQueue(lambda: codes.pop(0), settle=0.01, retry_after=0.2)
    try:
        queue.request()
        assert queue.wait_idle(10)
        assert [o.exit_code for o in queue.outcomes] == [75, 0]
    finally:
        queue.stop(timeout=5)
