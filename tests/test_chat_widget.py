"""cStar's chat widget: off by default; switched on, every page loads it (deferred) under the CSP.

The widget is served from a second local origin, as cStar would serve it from its own.
"""

from __future__ import annotations

import html as html_text
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import ConfigError, load_config
from tests.sitehost import StaticHost

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
# What the stand-in widget does: it proves it ran, after the page was parsed, with the team.
WIDGET_JS = """
document.documentElement.setAttribute("data-chat-loaded", document.currentScript.getAttribute("data-cstar-team"));
document.documentElement.setAttribute("data-chat-ready-state", document.readyState);
"""


def write_config(site: Path, chat: str) -> None:
    config = site / "helpgen.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + chat, encoding="utf-8")


def build(site: Path) -> Path:
    config = load_config(site, environ={})
    build_site(replace(config, out_dir=site / "_site", cache_dir=site / ".cache"))
    return site / "_site"


def test_the_widget_is_off_by_default(example_copy: Path) -> None:
    out = build(example_copy)
    for page in out.rglob("*.html"):
        assert "widget/chat.js" not in page.read_text(encoding="utf-8")
    policy = html_text.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert "script-src 'self';" in policy and "frame-src 'none'" in policy


def test_switched_on_every_page_loads_the_widget_without_a_csp_violation(example_copy: Path, tmp_path: Path, browser) -> None:
    widget_dir = tmp_path / "cstar-widget"
    (widget_dir / "widget").mkdir(parents=True)
    (widget_dir / "widget" / "chat.js").write_text(WIDGET_JS, encoding="utf-8")
    with StaticHost(widget_dir) as widget_host:
        script_url = widget_host.url + "widget/chat.js"
        write_config(example_copy, f'[chat]\nenabled = true\nscript_url = "{script_url}"\n')
        out = build(example_copy)
        pages = list(out.rglob("*.html"))
        assert pages
        for page_file in pages:
            html = page_file.read_text(encoding="utf-8")
            assert f'<script src="{script_url}" data-cstar-team="kettle" defer></script>' in html, page_file
        widget_origin = widget_host.url.rstrip("/")
        with StaticHost(out) as site_host:
            page = browser.new_page()
            page.add_init_script(CSP_LISTENER)
            for path in ("", "articles/send-your-first-invoice-vndz04z3/", "community/"):
                page.goto(site_host.url + path)
                page.wait_for_function("document.documentElement.hasAttribute('data-chat-loaded')", timeout=10_000)
                assert page.get_attribute("html", "data-chat-loaded") == "kettle"
                assert page.get_attribute("html", "data-chat-ready-state") != "loading"  # ran after parsing
                assert page.evaluate("window.__cspViolations") == []
            policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content") or ""
            assert f"script-src 'self' {widget_origin}" in policy
            page.close()


def test_the_default_widget_url_is_on_the_api_origin(example_copy: Path) -> None:
    write_config(example_copy, "[chat]\nenabled = true\n")
    html = html_text.unescape((build(example_copy) / "index.html").read_text(encoding="utf-8"))
    assert '<script src="https://www.cstar.help/widget/chat.js" data-cstar-team="kettle" defer></script>' in html
    assert "script-src 'self' https://www.cstar.help" in html


def test_a_bad_widget_url_names_the_key(example_copy: Path) -> None:
    write_config(example_copy, '[chat]\nenabled = true\nscript_url = "javascript:alert(1)"\n')
    with pytest.raises(ConfigError, match=r"\[chat\]\.script_url"):
        load_config(example_copy, environ={})


def test_the_widget_without_a_team_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "helpgen.toml").write_text("[chat]\nenabled = true\n", encoding="utf-8")
    from helpgen.render.chat import chat_widget

    with pytest.raises(ConfigError, match=r"\[chat\]\.team"):
        chat_widget(load_config(tmp_path, environ={}))
