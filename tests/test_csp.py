"""The Content-Security-Policy and referrer policy of the default theme, in real Chromium.

Every page of the example site loads, runs its own scripts (views and feedback to the API)
and shows its category colours with no ``securitypolicyviolation``; an inline script or
style injected into a page is refused.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.render.colors import color_class, color_stylesheet, safe_color
from helpgen.render.csp import api_origin, content_security_policy, header_policy
from tests.htmltools import parse
from tests.sitehost import StaticHost

API = "https://www.cstar.help"  # the example site's API (the default)


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split("; "))}


def test_the_policy_allows_the_site_its_api_and_configured_frames_only() -> None:
    policy = _directives(
        content_security_policy(connect_origins=["https://api.example:8443"], frame_hosts=["player.vimeo.com"])
    )
    assert policy == {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "https://api.example:8443"],
        "frame-src": ["https://player.vimeo.com"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
    bare = _directives(content_security_policy())
    assert bare["connect-src"] == ["'self'"] and bare["frame-src"] == ["'none'"]
    assert "unsafe-inline" not in content_security_policy() and "unsafe-eval" not in content_security_policy()
    assert header_policy(content_security_policy()).endswith("; frame-ancestors 'self'")


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://www.cstar.help", "https://www.cstar.help"),
        ("https://WWW.cstar.help/api/", "https://www.cstar.help"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"),
        ("ftp://x.example", None),
        ("https://a b.example", None),
        ("https://x.example:99999", None),
        ("https://x.example;script-src *", None),
    ],
)
def test_api_origin(url: str, origin: str | None) -> None:
    assert api_origin(url) == origin


def test_category_colours_become_classes_in_a_stylesheet() -> None:
    assert safe_color("#7C3AED") == "#7c3aed" and safe_color("#fff\n") is None and safe_color(None) is None
    assert color_class("#7C3AED") == "cat-color-7c3aed" and color_class("red;x") == ""
    css = color_stylesheet(["#7c3aed", "#7C3AED", "#fff", "url(javascript:x)", None, 5])
    assert css.splitlines()[1:] == [
        ".cat-color-7c3aed { --cat-color: #7c3aed; }",
        ".cat-color-fff { --cat-color: #fff; }",
    ]


@pytest.fixture(scope="module")
def example_site(example_build: Path) -> Path:
    return example_build


def test_every_page_carries_the_policy_and_no_inline_script_or_style(example_site: Path) -> None:
    expected = content_security_policy(connect_origins=[API])
    pages = sorted(p for p in example_site.rglob("*.html") if p.is_file())
    assert len(pages) > 50
    for page in pages:
        parsed = parse(page)
        (meta,) = parsed.find_all("meta", **{"http-equiv": "Content-Security-Policy"})
        assert meta.attrs["content"] == expected, page
        assert parsed.find_all("meta", name="referrer")[0].attrs["content"] == "strict-origin-when-cross-origin"
        assert not [e for e in parsed.elements if "style" in e.attrs], page
        # No inline script: the one inline <script> allowed is a JSON-LD data block, which browsers never run.
        inline = [e for e in parsed.elements if e.tag == "script" and "src" not in e.attrs]
        assert all(e.attrs.get("type") == "application/ld+json" and json.loads(e.text) for e in inline), page
        # The policy comes before anything it governs.
        first_resource = next(i for i, e in enumerate(parsed.elements) if e.tag in ("link", "script", "img", "style"))
        assert parsed.elements.index(meta) < first_resource


def test_without_analytics_the_page_may_not_connect_to_the_api(tmp_path: Path, example_copy: Path) -> None:
    config = load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={})
    build_site(replace(config, analytics=False))
    (meta,) = parse(tmp_path / "out" / "index.html").find_all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert _directives(meta.attrs["content"])["connect-src"] == ["'self'"]


@pytest.mark.browser
def test_no_page_of_the_example_site_violates_its_policy(example_site: Path, browser) -> None:
    context = browser.new_context()
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
        "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
    )
    api_calls: list[str] = []

    def answer_api(route) -> None:
        api_calls.append(f"{route.request.method} {route.request.url}")
        route.fulfill(status=200, content_type="application/json", body='{"success": true}',
                      headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type",
                               "Access-Control-Allow-Methods": "POST, OPTIONS"})

    context.route(f"{API}/**", answer_api)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text))
    violations: list[str] = []
    with StaticHost(example_site) as host:
        for file in sorted(p for p in example_site.rglob("*.html") if p.is_file()):
            rel = file.relative_to(example_site).as_posix().removesuffix("index.html")
            page.goto(host.url + rel, wait_until="load")  # the view POST starts before load
            violations += [f"{rel}: {v}" for v in page.evaluate("window.__violations")]
            if rel.startswith("categories/"):
                # Category colours arrive through classes, which the policy allows.
                color = page.evaluate(
                    "getComputedStyle(document.querySelector('.category-header')).getPropertyValue('--cat-color')"
                )
                assert color.strip().startswith("#"), rel
        # The search box fetches its index from the site itself: allowed.
        page.goto(host.url, wait_until="load")
        searched = []
        page.on("request", lambda r: "/search/" in r.url and r.url.endswith(".json") and searched.append(r.url))
        page.locator("#search-box-input").fill("invoice")
        page.wait_for_timeout(500)
        violations += page.evaluate("window.__violations")
        # The feedback widget's POST goes to the API and is allowed.
        article = next(p for p in sorted(example_site.glob("articles/*/index.html")))
        page.goto(host.url + article.parent.relative_to(example_site).as_posix() + "/", wait_until="networkidle")
        page.get_by_role("button", name="Yes", exact=True).click()
        page.get_by_role("button", name="Send feedback").click()
        page.wait_for_load_state("networkidle")
        violations += page.evaluate("window.__violations")
        errors_before_injection = list(errors)
        # What the policy is for: injected inline script and style do not apply.
        page.evaluate(
            "const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
            "document.body.append(s);"
            "document.body.insertAdjacentHTML('beforeend', '<p id=styled style=\"color: rgb(255, 0, 0)\">x</p>');"
        )
        page.wait_for_timeout(100)
        assert page.evaluate("window.__ran") is None
        assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
        refused = page.evaluate("window.__violations")
    context.close()
    assert violations == [] and errors_before_injection == []
    assert searched, "the search script fetched nothing"
    assert any(call.startswith("POST ") and call.endswith("/view") for call in api_calls)
    assert any(call.startswith("POST ") and call.endswith("/feedback") for call in api_calls)
    assert any(v.startswith("script-src-elem") for v in refused)
    assert any(v.startswith("style-src-attr") for v in refused)


def test_the_readme_shows_the_default_policy_as_http_headers() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    header = header_policy(content_security_policy(connect_origins=[API]))
    assert f'add_header Content-Security-Policy "{header}" always;' in readme  # nginx
    assert f"  Content-Security-Policy: {header}\n" in readme  # Netlify _headers
