"""Serve a built site over loopback HTTP, optionally under a subfolder, like a static host.

Missing paths get the site's ``404.html`` with status 404, as nginx's ``error_page``,
GitHub Pages and Netlify do.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType


class _Handler(SimpleHTTPRequestHandler):
    prefix = "/"
    site: Path

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.prefix):
            return str(self.site / "__outside_the_site__")
        return super().translate_path("/" + clean[len(self.prefix):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


class StaticHost:
    """``with StaticHost(site_dir, prefix="/help/") as host: host.url`` → the site's URL."""

    def __init__(self, site: Path, prefix: str = "/") -> None:
        handler = type("Handler", (_Handler,), {"prefix": prefix, "site": site})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
        self.url = f"http://127.0.0.1:{self._server.server_port}{prefix}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "StaticHost":
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
