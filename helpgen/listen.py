"""``helpgen listen``: receive cStar's signed webhooks and rebuild the site soon after a change.

A small HTTP endpoint (the standard library's ``ThreadingHTTPServer``; put nginx in front of
it for TLS, see the README) that accepts ``POST`` events at one path, verifies each with
:class:`~helpgen.webhooks.WebhookVerifier` and answers at once: ``202`` when accepted, ``401``
for a bad or stale signature, ``409`` for a replay, ``413`` for an oversized body. Rejections
are logged with the reason and the client address, never with the body.

Accepted events do not build directly: they wake a :class:`RebuildQueue`, which waits until
events stop arriving for ``settle`` seconds (at most ``max_delay`` after the first one), then
runs one ``helpgen build`` in a child process: the very command cron runs, with its lock, its
incremental pull and its atomic publish. Events that arrive during a build make exactly one
more build afterwards; a build that finds the lock held (cron is building) is retried.
``GET /healthz`` answers a small JSON status (builds run, the last result).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Sequence

from helpgen.webhooks import SIGNATURE_HEADER, WebhookRejected, WebhookVerifier

__all__ = ["SECRET_ENV", "BuildOutcome", "RebuildQueue", "WebhookServer", "build_command"]

log = logging.getLogger("helpgen.listen")

SECRET_ENV = "HELPGEN_WEBHOOK_SECRET"
EXIT_TEMPORARY = 75  # helpgen build: lock held or rate limited; try again later


@dataclass(frozen=True)
class BuildOutcome:
    """How one build ended: its exit code, when it ended, how many events it answered."""

    exit_code: int
    finished_at: float
    events: int
    seconds: float


def build_command(site_dir: str, options: Sequence[str] = ()) -> list[str]:
    """The ``helpgen build`` command line a rebuild runs (in a child process)."""
    return [sys.executable, "-m", "helpgen", "build", site_dir, *options]


class RebuildQueue:
    """Coalesces requests into builds, one at a time, on a background thread.

    ``run_build`` returns an exit code; :data:`EXIT_TEMPORARY` (another build holds the
    lock, or the rate limit stopped the pull) makes the queue try again after ``retry_after``
    seconds.
    """

    def __init__(
        self,
        run_build: Callable[[], int],
        *,
        settle: float = 1.0,
        max_delay: float = 10.0,
        retry_after: float = 30.0,
    ) -> None:
        self._run_build = run_build
        self.settle = settle
        self.max_delay = max_delay
        self.retry_after = retry_after
        self._cond = threading.Condition()
        self._pending = 0  # events not yet answered by a build that started after them
        self._first_at = 0.0
        self._last_at = 0.0
        self._not_before = 0.0  # after a build that could not run: when to try again
        self._building = False
        self._stopped = False
        self.outcomes: list[BuildOutcome] = []
        self._thread = threading.Thread(target=self._loop, name="helpgen-rebuild", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for a build soon (cheap; never blocks on a running build)."""
        with self._cond:
            now = time.monotonic()
            if self._pending == 0:
                self._first_at = now
            self._pending += 1
            self._last_at = now
            self._cond.notify_all()

    @property
    def building(self) -> bool:
        """True while a build runs."""
        return self._building

    @property
    def pending(self) -> int:
        """Events waiting for the next build."""
        return self._pending

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the current build (pending events are dropped; cron catches up)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or building; True if that happened in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._building:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._pending:
                        now = time.monotonic()
                        due = min(self._last_at + self.settle, self._first_at + self.max_delay)
                        due = max(due, self._not_before)
                        if now >= due:
                            break
                        self._cond.wait(due - now)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                events, self._pending = self._pending, 0
                self._building = True
            started = time.monotonic()
            try:
                code = self._run_build()
            except Exception:  # a broken build must not kill the listener
                log.exception("rebuild failed to run")
                code = 1
            finally:
                with self._cond:
                    self._building = False
            outcome = BuildOutcome(code, time.time(), events, round(time.monotonic() - started, 3))
            self.outcomes.append(outcome)
            if code == 0:
                log.info("rebuilt after %d event(s) in %.1f s", events, outcome.seconds)
            elif code == EXIT_TEMPORARY:
                log.warning("rebuild could not run now (exit 75); trying again in %.0f s", self.retry_after)
                with self._cond:
                    if not self._pending:
                        self._first_at = self._last_at = time.monotonic()
                    self._not_before = time.monotonic() + self.retry_after
                    self._pending += events
                    self._cond.notify_all()
            else:
                log.error("rebuild failed (exit %d); the previous site stays published", code)
            with self._cond:
                self._cond.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server: "WebhookServer"
    protocol_version = "HTTP/1.1"
    server_version = "helpgen-listen"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
    timeout = 10  # seconds to read a request: a slow client cannot hold a thread for long

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = (json.dumps(payload) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            self._answer(404, {"error": "not found"})
            return
        queue = self.server.queue
        last = queue.outcomes[-1] if queue.outcomes else None
        self._answer(
            200,
            {
                "builds": len(queue.outcomes),
                "building": queue.building,
                "pending_events": queue.pending,
                "last_exit_code": last.exit_code if last else None,
                "last_finished_at": last.finished_at if last else None,
            },
        )

    def do_POST(self) -> None:
        server = self.server
        if self.path.split("?", 1)[0] != server.url_path:
            self.close_connection = True
            self._answer(404, {"error": "not found"})
            return
        try:
            length_header = self.headers.get("Content-Length")
            if length_header is None or not length_header.isdigit():
                self.close_connection = True
                self._answer(411, {"error": "Content-Length required"})
                return
            length = int(length_header)
            server.verifier.check_size(length)
            body = self.rfile.read(length)
            event = server.verifier.verify(body, self.headers.get(SIGNATURE_HEADER))
        except WebhookRejected as exc:
            if exc.status == 413:
                self.close_connection = True  # the body was not read
            log.warning("webhook from %s refused (%d): %s", self.client_address[0], exc.status, exc.reason)
            self._answer(exc.status, {"error": exc.reason})
            return
        if event.affects_site:
            server.queue.request()
            log.info("webhook %s (%s): rebuild queued", event.id or "(no id)", event.type)
            self._answer(202, {"accepted": event.id, "rebuild": "queued"})
        else:
            log.info("webhook %s (%s): nothing on the site changes", event.id or "(no id)", event.type)
            self._answer(202, {"accepted": event.id, "rebuild": "not needed"})


class WebhookServer(ThreadingHTTPServer):
    """The listening endpoint; ``serve_forever`` in the foreground, ``shutdown`` to stop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        verifier: WebhookVerifier,
        queue: RebuildQueue,
        path: str = "/webhooks/cstar",
    ) -> None:
        self.verifier = verifier
        self.queue = queue
        self.url_path = path  # where cStar POSTs events
        super().__init__(address, _Handler)


def run_build_process(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run one ``helpgen build`` child; its messages go to our stderr. Returns its exit code."""
    child_env = dict(os.environ if env is None else env)
    child_env.pop(SECRET_ENV, None)  # the build has no use for the webhook secret
    log.info("rebuilding: %s", " ".join(command[2:]))
    return subprocess.run(command, env=child_env, stdin=subprocess.DEVNULL, check=False).returncode


def listen(
    site_dir: str,
    build_options: Sequence[str],
    secret: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    path: str = "/webhooks/cstar",
    settle: float = 1.0,
    ready: Callable[[WebhookServer], None] | None = None,
) -> None:
    """Serve the webhook endpoint until SIGTERM or Ctrl-C; each burst of events runs
    ``helpgen build SITE_DIR BUILD_OPTIONS`` once. ``ready`` is called once listening."""
    command = build_command(site_dir, build_options)
    queue = RebuildQueue(lambda: run_build_process(command), settle=settle)
    server = WebhookServer((host, port), verifier=WebhookVerifier(secret), queue=queue, path=path)

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    bound_host, bound_port = server.server_address[:2]
    log.info("listening for cStar webhooks on http://%s:%d%s", bound_host, bound_port, path)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        queue.stop()  # let a running build finish: it publishes atomically or not at all
        log.info("stopped listening")
