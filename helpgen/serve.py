"""``helpgen serve``: a local preview that rebuilds on every change and reloads the browser.

It builds with the same pipeline as ``helpgen build`` (incremental, through the cache), but
into a private folder (``CACHE_DIR/serve/site``, with its own cache and lock in
``CACHE_DIR/serve/cache``), never into the site's published output, and serves it on
localhost with the standard library's HTTP server.

Every half second it polls what the site is made from: ``helpgen.toml``, the site's
``templates/``, ``static/`` and ``locales/``, the theme's folders and the snapshot folder. With
``pull_every`` it also pulls the API that often (cheap: ETags and changed bodies only). Any
change rebuilds; a build that fails is logged and the last good preview stays up.

Reloading: every HTML response gets one ``<script src="/__helpgen/reload.js" defer>`` before
``</body>``, added while serving (the files on disk, like a built site, have none). The script
polls ``/__helpgen/build-id`` and reloads the page when the id changes; both are same-origin,
so the site's Content-Security-Policy (``script-src 'self'``, ``connect-src 'self'``) allows
them. With ``drafts``, unpublished articles are read through the admin API
(``content/drafts.py``) and shown with a "Draft" banner.
"""

from __future__ import annotations

import logging
import mimetypes
import signal
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from helpgen.build import BuildReport, ContentIncomplete, build_site, pull_content
from helpgen.config import Config, ConfigError, load_config
from helpgen.content.drafts import pull_drafts, with_drafts
from helpgen.content.snapshot import Snapshot, SnapshotError, load_snapshot
from helpgen.cstar import CStarError
from helpgen.cstar.admin import CStarClient
from helpgen.lock import BuildLock, LockHeld
from helpgen.publish import PublishError
from helpgen.render.bodies import BodyRenderError
from helpgen.render.templates import ThemeError, find_theme

__all__ = ["PreviewSite", "PreviewServer", "RELOAD_SCRIPT", "inject_reload", "watched_files"]

log = logging.getLogger("helpgen.serve")

RELOAD_PATH = "/__helpgen/reload.js"
BUILD_ID_PATH = "/__helpgen/build-id"
POLL_SECONDS = 0.5

RELOAD_SCRIPT = b"""// helpgen serve: reload the page when the preview was rebuilt (never part of a built site).
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script ? script.getAttribute("data-build") : null;
  function check() {
    fetch("/__helpgen/build-id", { cache: "no-store", credentials: "omit" })
      .then(function (response) { return response.ok ? response.text() : shown; })
      .then(function (id) {
        if (id && shown && id !== shown) { window.location.reload(); return; }
        setTimeout(check, 500);
      })
      .catch(function () { setTimeout(check, 1000); });
  }
  setTimeout(check, 500);
})();
"""

_BUILD_ERRORS = (
    ConfigError, LockHeld, ContentIncomplete, CStarError, SnapshotError, ThemeError, PublishError,
    BodyRenderError, OSError,
)


def inject_reload(html: bytes, build_id: str) -> bytes:
    """``html`` with the reload script tag before its last ``</body>`` (or at the end)."""
    tag = f'<script src="{RELOAD_PATH}" data-build="{build_id}" defer></script>\n'.encode("ascii")
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def watched_files(config: Config) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file whose change should rebuild the preview."""
    roots: list[Path] = [config.site_dir / "helpgen.toml"]
    # The default folders too, so creating templates/ while serving is noticed.
    defaults = [config.site_dir / name for name in ("templates", "static", "locales")]
    for folder in (config.templates_dir, config.static_dir, config.locales_dir, config.snapshot_dir, *defaults):
        if folder is not None and folder not in roots:
            roots.append(folder)
    try:
        roots.extend(theme.root for theme in find_theme(config.theme, config.site_dir).lineage)
    except ThemeError:
        pass  # the build reports it
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        paths = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


class PreviewSite:
    """The preview's content and builds: what to build from, and the build id the browser polls."""

    def __init__(
        self,
        site_dir: Path,
        overrides: dict[str, Any],
        *,
        base_url: str,
        drafts: CStarClient | None = None,
    ) -> None:
        self.site_dir = site_dir
        self.overrides = overrides
        self.base_url = base_url
        self.drafts = drafts
        self.build_id = "0"
        self.builds = 0
        self._snapshot: Snapshot | None = None
        self.config = self._load_config()

    @property
    def out_dir(self) -> Path:
        """The private folder the preview is built into."""
        return self.config.out_dir

    def _load_config(self) -> Config:
        config = load_config(self.site_dir, overrides=self.overrides)
        private = config.cache_dir / "serve"
        # Views and feedback stay off: a preview must not count in the team's cStar statistics.
        return replace(
            config,
            out_dir=private / "site",
            cache_dir=private / "cache",
            base_url=self.base_url,
            analytics=False,
        )

    def reload_config(self) -> None:
        """Read ``helpgen.toml`` (and which site folders exist) again; a bad edit raises
        ConfigError and the old config stays. The content is read again only when where it
        comes from changed."""
        old, new = self.config, self._load_config()
        source = ("snapshot_dir", "team", "api_url")
        if any(getattr(old, key) != getattr(new, key) for key in source):
            self._snapshot = None
        self.config = replace(new, preview_drafts=old.preview_drafts)

    def refresh_content(self) -> None:
        """Read the snapshot folder again, or pull the API (and the drafts) again."""
        config = self.config
        if config.snapshot_dir is not None:
            snapshot = load_snapshot(config.snapshot_dir, team=config.team)
        else:
            with BuildLock(config.cache_dir):
                result = pull_content(config, BuildReport())
            if not result.complete:
                raise ContentIncomplete(result)
            snapshot = result.snapshot
        draft_slugs: tuple[str, ...] = ()
        if self.drafts is not None:
            snapshot, draft_slugs = with_drafts(snapshot, pull_drafts(self.drafts))
        self.config = replace(self.config, preview_drafts=draft_slugs)
        self._snapshot = snapshot

    def build(self) -> bool:
        """Build the preview (incrementally); True when something changed. Errors are logged."""
        try:
            if self._snapshot is None:
                self.refresh_content()
            assert self._snapshot is not None
            report = build_site(self.config, snapshot=self._snapshot)
        except _BUILD_ERRORS as exc:
            log.error("preview not rebuilt: %s; still serving the last good preview", exc)
            return False
        self.builds += 1
        changed = bool(report.pages_rendered or report.files_written or report.files_removed)
        if changed or self.builds == 1:
            self.build_id = str(int(self.build_id) + 1)
            log.info("preview built (%d pages rendered); build %s", report.pages_rendered, self.build_id)
        return changed


class _Handler(BaseHTTPRequestHandler):
    server: "PreviewServer"
    protocol_version = "HTTP/1.1"
    server_version = "helpgen-serve"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str, head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET(head_only=True)

    def do_GET(self, head_only: bool = False) -> None:
        preview = self.server.preview
        path = unquote(urlsplit(self.path).path)
        if path == RELOAD_PATH:
            self._send(200, RELOAD_SCRIPT, "text/javascript; charset=utf-8", head_only)
            return
        if path == BUILD_ID_PATH:
            self._send(200, preview.build_id.encode("ascii"), "text/plain; charset=utf-8", head_only)
            return
        file = self._file_for(preview.out_dir, path)
        status = 200
        if file is None:
            status, file = 404, preview.out_dir / "404.html"
            if not file.is_file():
                self._send(404, b"not found\n", "text/plain; charset=utf-8", head_only)
                return
        body = file.read_bytes()
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            body = inject_reload(body, preview.build_id)
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        self._send(status, body, content_type, head_only)

    @staticmethod
    def _file_for(root: Path, path: str) -> Path | None:
        """The file under ``root`` for a URL path, never outside it."""
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
            return None
        candidate = root.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            candidate.resolve().relative_to(root.resolve())
        except ValueError:
            return None
        return candidate if candidate.is_file() else None


class PreviewServer(ThreadingHTTPServer):
    """Serves a :class:`PreviewSite` and rebuilds it when its inputs change."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], preview_factory: Callable[[str], PreviewSite]) -> None:
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        self.url = f"http://{host}:{port}/"
        self.preview = preview_factory(self.url)

    def watch(self, stop: threading.Event, pull_every: float | None = None) -> None:
        """Rebuild on changes until ``stop`` is set (run in the main thread)."""
        preview = self.preview
        seen = watched_files(preview.config)
        last_pull = time.monotonic()
        while not stop.wait(POLL_SECONDS):
            now = watched_files(preview.config)
            config_file = str(preview.config.site_dir / "helpgen.toml")
            pulled = pull_every is not None and time.monotonic() - last_pull >= pull_every
            if now == seen and not pulled:
                continue
            changed = sorted(k for k in set(now) | set(seen) if now.get(k) != seen.get(k))
            seen = now
            try:
                if changed:
                    if config_file in changed:
                        log.info("helpgen.toml changed: reloading the configuration")
                    preview.reload_config()
                snapshot_dir = preview.config.snapshot_dir
                if pulled or (snapshot_dir is not None and any(k.startswith(str(snapshot_dir) + "/") for k in changed)):
                    last_pull = time.monotonic()
                    preview.refresh_content()
            except _BUILD_ERRORS as exc:
                log.error("preview not rebuilt: %s; still serving the last good preview", exc)
                continue
            if changed:
                log.info("changed: %s", ", ".join(Path(k).name for k in changed[:5]) + (" ..." if len(changed) > 5 else ""))
            preview.build()


def serve(
    site_dir: Path,
    overrides: dict[str, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: CStarClient | None = None,
    pull_every: float | None = None,
    ready: Callable[[PreviewServer], None] | None = None,
) -> None:
    """Build the preview, serve it on ``host:port`` and rebuild on changes until Ctrl-C or SIGTERM."""
    server = PreviewServer((host, port), lambda url: PreviewSite(site_dir, overrides, base_url=url, drafts=drafts))
    stop = threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    try:
        server.preview.build()
        thread.start()
        log.info("serving the preview of %s at %s (Ctrl-C to stop)", site_dir, server.url)
        if ready is not None:
            ready(server)
        server.watch(stop, pull_every=pull_every)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if thread.is_alive():
            server.shutdown()
        server.server_close()
        if drafts is not None:
            drafts.close()
        log.info("stopped serving")
