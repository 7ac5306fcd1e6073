"""``helpgen serve``: a real preview server process, watched files, rebuilds, reloads in Chromium,
and draft previews through the admin API of the project's cStar test server.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.serve import inject_reload
from helpgen.testing.cstar_server import DEFAULT_TEAM_ID, CStarTestServer
from tests.conftest import EXAMPLE_SITE, REPO

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
API_KEY = "sk_live_9f8e7d6c5b4a3f2e1d0c"
DRAFT_SLUG = "refund-a-paid-invoice-draft01"
DRAFT_TITLE = "Refund a paid invoice (coming soon)"


@dataclass
class Preview:
    url: str
    process: subprocess.Popen
    log: list[str]

    def build_id(self) -> str:
        return httpx.get(self.url + "__helpgen/build-id", timeout=5).text

    def wait_build_after(self, old: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.build_id()
            if current != old:
                return current
            time.sleep(0.1)
        raise AssertionError("no rebuild:\n" + "".join(self.log))


def start_preview(args: list[str], env: dict[str, str] | None = None) -> Preview:
    process = subprocess.Popen(
        [sys.executable, "-m", "helpgen", "serve", *args, "--port", "0"],
        cwd=REPO,
        env=env or dict(os.environ),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    log: list[str] = []
    assert process.stderr is not None
    url = None
    for line in process.stderr:
        log.append(line)
        found = re.search(r"serving the preview of .* at (http://\S+/) ", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        process.kill()
        raise AssertionError("serve did not start:\n" + "".join(log))
    threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
    return Preview(url, process, log)


def stop_preview(preview: Preview) -> None:
    preview.process.terminate()
    preview.process.wait(timeout=30)


@pytest.fixture
def site(example_copy: Path) -> Path:
    """The example site with its own templates/ folder holding a copy of the footer."""
    (example_copy / "templates" / "partials").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "themes" / "default" / "templates" / "partials" / "footer.html",
                example_copy / "templates" / "partials" / "footer.html")
    return example_copy


def test_inject_reload_puts_the_script_before_the_last_body_end() -> None:
    html = b"<html><body><p>&lt;/body&gt;</p></body></html>"
    out = inject_reload(html, "7")
    assert out.endswith(b'<script src="/__helpgen/reload.js" data-build="7" defer></script>\n</body></html>')
    assert inject_reload(b"<p>no body</p>", "1").endswith(b"defer></script>\n")


def test_editing_a_template_rebuilds_and_the_open_page_reloads_with_the_change(site: Path, browser) -> None:
    preview = start_preview([str(site)])
    try:
        context = browser.new_context()
        page = context.new_page()
        page.add_init_script(CSP_LISTENER)
        page.goto(preview.url + "articles/send-your-first-invoice-vndz04z3/")
        assert "Preview marker 42" not in page.content()
        assert page.locator('script[src="/__helpgen/reload.js"]').count() == 1
        first = preview.build_id()

        footer = site / "templates" / "partials" / "footer.html"
        footer.write_text(
            footer.read_text(encoding="utf-8").replace("</footer>", '<p class="preview-marker">Preview marker 42</p></footer>'),
            encoding="utf-8",
        )
        preview.wait_build_after(first)
        # The open page notices the new build id and reloads by itself.
        page.wait_for_selector(".preview-marker", timeout=15_000)
        assert page.locator(".preview-marker").inner_text() == "Preview marker 42"
        assert page.evaluate("window.__cspViolations") == []
        context.close()
    finally:
        stop_preview(preview)
    # The published output was never touched, and the private build has no reload script.
    assert not (site / "_site").exists()
    built = (site / ".helpgen-cache" / "serve" / "site" / "index.html").read_text(encoding="utf-8")
    assert "__helpgen" not in built


def test_helpgen_build_output_never_has_the_reload_script(site: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "helpgen", "build", str(site), "-q"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for page in (site / "_site").rglob("*.html"):
        assert "__helpgen" not in page.read_text(encoding="utf-8"), page


# --------------------------------------------------------------------------- drafts


@pytest.fixture
def api_with_draft(tmp_path: Path) -> Iterator[tuple[CStarTestServer, Path]]:
    """The example content served by the test server, plus one draft article and one unpublished one."""
    snap_dir = tmp_path / "served"
    shutil.copytree(EXAMPLE_SITE / "snapshot", snap_dir)
    snapshot = load_snapshot(snap_dir)
    template = snapshot.articles[0]
    draft = replace(
        template, id="art_draft01", slug=DRAFT_SLUG, title=DRAFT_TITLE, status="draft",
        content="## Coming soon\n\nRefunds will be **one click** away.",
    )
    hidden = replace(template, id="art_hidden02", slug="internal-runbook-x1", title="Internal runbook", is_public=False,
                     content="Internal only.")
    save_snapshot(replace(snapshot, articles=(*snapshot.articles, draft, hidden)), snap_dir)
    with CStarTestServer(snap_dir, admin_key=API_KEY) as server:
        yield server, snap_dir


def api_site(tmp_path: Path, server: CStarTestServer) -> Path:
    site_dir = tmp_path / "api-site"
    site_dir.mkdir()
    (site_dir / "helpgen.toml").write_text(
        f'[site]\ntitle = "Kettle"\n[cstar]\nteam = "kettle"\napi_url = "{server.url}"\nmax_retries = 1\n',
        encoding="utf-8",
    )
    return site_dir


def test_serve_drafts_shows_the_draft_with_its_banner_and_build_never_contains_it(
    api_with_draft, tmp_path: Path, browser
) -> None:
    server, _ = api_with_draft
    site_dir = api_site(tmp_path, server)
    env = {**os.environ, "CSTAR_API_KEY": API_KEY, "CSTAR_TEAM_ID": DEFAULT_TEAM_ID}
    preview = start_preview([str(site_dir), "--drafts", "-v"], env=env)
    try:
        page = browser.new_page()
        page.add_init_script(CSP_LISTENER)
        response = page.goto(preview.url + f"articles/{DRAFT_SLUG}/")
        assert response is not None and response.status == 200
        assert page.locator("h1").inner_text() == DRAFT_TITLE
        banner = page.locator(".draft-banner")
        assert banner.is_visible() and "Draft" in (banner.text_content() or "")
        assert page.locator("strong", has_text="one click").count() == 1
        # The unpublished article is previewed too; a published one has no banner.
        page.goto(preview.url + "articles/internal-runbook-x1/")
        assert page.locator(".draft-banner").is_visible()
        page.goto(preview.url + "articles/send-your-first-invoice-vndz04z3/")
        assert page.locator(".draft-banner").count() == 0
        assert page.evaluate("window.__cspViolations") == []
        page.close()
    finally:
        stop_preview(preview)
    admin_calls = [r for r in server.requests if r.path.startswith("/api/v1/")]
    assert admin_calls and all(r.headers.get("authorization") == f"Bearer {API_KEY}" for r in admin_calls)
    assert all(r.headers.get("x-team-id") == DEFAULT_TEAM_ID for r in admin_calls)
    public_calls = [r for r in server.requests if r.path.startswith("/api/library/")]
    assert all("authorization" not in r.headers for r in public_calls)  # the key only goes to the admin API

    # helpgen build of the same site: no draft anywhere, no banner.
    env_build = {**env, "HELPGEN_API_URL": server.url}
    result = subprocess.run(
        [sys.executable, "-m", "helpgen", "build", str(site_dir), "-v"], cwd=REPO, env=env_build, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = site_dir / "_site"
    assert not (out / "articles" / DRAFT_SLUG).exists()
    assert not (out / "articles" / "internal-runbook-x1").exists()
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert DRAFT_TITLE.encode() not in everything and DRAFT_SLUG.encode() not in everything
    assert b'class="draft-banner"' not in everything  # (the stylesheet does style it)

    # The key is in no log line, and in no file of the cache or the outputs.
    logs = "".join(preview.log) + result.stderr + result.stdout
    assert "/api/v1/articles" in logs  # the admin requests were logged (with -v) ...
    assert API_KEY not in logs  # ... without the key
    for path in site_dir.rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path


def test_serve_drafts_needs_both_credentials(api_with_draft, tmp_path: Path) -> None:
    server, _ = api_with_draft
    site_dir = api_site(tmp_path, server)
    env = {k: v for k, v in os.environ.items() if k not in ("CSTAR_API_KEY", "CSTAR_TEAM_ID")}
    env["CSTAR_API_KEY"] = API_KEY
    result = subprocess.run(
        [sys.executable, "-m", "helpgen", "serve", str(site_dir), "--drafts", "--port", "0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2 and "CSTAR_TEAM_ID" in result.stderr
    assert API_KEY not in result.stderr


def test_the_admin_api_refuses_a_wrong_key_and_never_serves_drafts_publicly(api_with_draft) -> None:
    server, _ = api_with_draft
    base = server.url
    assert httpx.get(f"{base}/api/library/kettle/articles/{DRAFT_SLUG}").status_code == 404
    wrong = httpx.get(f"{base}/api/v1/articles", headers={"Authorization": "Bearer sk_live_nope", "X-Team-Id": DEFAULT_TEAM_ID})
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "authentication_error"
    good = httpx.get(f"{base}/api/v1/articles", params={"status": "draft"},
                     headers={"Authorization": f"Bearer {API_KEY}", "X-Team-Id": DEFAULT_TEAM_ID})
    assert [a["slug"] for a in good.json()["data"]] == [DRAFT_SLUG]


def test_pull_every_rebuilds_when_the_api_content_changes(api_with_draft, tmp_path: Path) -> None:
    server, snap_dir = api_with_draft
    site_dir = api_site(tmp_path, server)
    preview = start_preview([str(site_dir), "--pull-every", "1"])
    try:
        slug = "send-your-first-invoice-vndz04z3"
        page_url = preview.url + f"articles/{slug}/"
        assert "Invoices by carrier pigeon" not in httpx.get(page_url).text
        first = preview.build_id()
        snapshot = load_snapshot(snap_dir)
        save_snapshot(replace(snapshot, articles=tuple(
            replace(a, title="Invoices by carrier pigeon", updated_at="2026-12-01T00:00:00Z") if a.slug == slug else a
            for a in snapshot.articles
        )), snap_dir)
        server.reload()
        preview.wait_build_after(first, timeout=30)
        assert "Invoices by carrier pigeon" in httpx.get(page_url).text
    finally:
        stop_preview(preview)
    assert not any(r.path.startswith("/api/v1/") for r in server.requests)  # no --drafts: no admin calls


def test_a_broken_config_keeps_the_last_good_preview_until_it_is_fixed(site: Path) -> None:
    preview = start_preview([str(site)])
    try:
        config = site / "helpgen.toml"
        good = config.read_text(encoding="utf-8")
        first = preview.build_id()
        config.write_text(good.replace("[site]", "[site]\ntitle = 42\n[bogus]", 1), encoding="utf-8")
        deadline = time.monotonic() + 20
        while "preview not rebuilt" not in "".join(preview.log) and time.monotonic() < deadline:
            time.sleep(0.1)
        text = "".join(preview.log)
        assert "preview not rebuilt" in text and "helpgen.toml" in text
        assert httpx.get(preview.url).status_code == 200 and preview.build_id() == first
        config.write_text(good.replace('title = "Kettle Help Center"', 'title = "Kettle Preview Desk"'), encoding="utf-8")
        preview.wait_build_after(first, timeout=30)
        assert "Kettle Preview Desk" in httpx.get(preview.url).text
    finally:
        stop_preview(preview)
