"""Open pages in headless Chromium and catch anything a hostile payload could do there.

:class:`PageInspector` wires a browser context with hooks that catch:

* ``alert``/``confirm``/``prompt``/``print``/``open`` and the payload function ``hgxss``
  (every vector calls it), replaced before any page script runs;
* every script the page compiles (Chrome DevTools Protocol ``Debugger.scriptParsed``) whose
  source carries the payload marker: inline scripts, event handlers, ``javascript:`` URLs,
  ``eval``;
* every request and frame navigation: a ``javascript:``/``data:`` URL, or a host other than
  the site, the configured API (``fetch``/``sendBeacon`` only), the allowed image host
  (images only) and the allowed iframe host (frames only), is reported and aborted;
* ``securitypolicyviolation`` events (the site's Content-Security-Policy at work);
* in the live DOM: event-handler or ``style`` attributes, ``javascript:``/``data:`` URLs in
  any attribute, scripts other than the theme's own, frames from other hosts, ``<object>``,
  ``<embed>``, ``<base>``, ``<meta http-equiv=refresh>``, forms posting to another site.

After loading, it fires the events inline handlers listen for (``mouseover``, ``focus``,
``error``, ``toggle``...) on the page's elements (the first :data:`POKED_ELEMENTS`: the DOM
check above covers every element of a parser-bomb page, the poke need not), so a handler
that slipped through would run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.hostile.vectors import MARKER

_INIT_SCRIPT = """
(() => {
  const hits = [];
  Object.defineProperty(window, '__hgHits', { value: hits });
  const record = (what) => (...args) => { hits.push(what + '(' + args.map(String).join(',') + ')'); };
  window['hg' + 'xss'] = record('payload');
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) window[name] = record(name);
  document.addEventListener('securitypolicyviolation', (e) => {
    hits.push('csp-violation(' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ')');
  });
})();
"""

_DOM_CHECK = """
({ allowedFrameHost }) => {
  const bad = [];
  const dangerous = /^(javascript|vbscript|data|file):/;
  const say = (el, what) => bad.push(el.tagName.toLowerCase() + ': ' + what.slice(0, 160));
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (name.startsWith('on')) say(el, 'event handler ' + name + '=' + attr.value);
      if (name === 'style') say(el, 'style attribute ' + attr.value);
      if (['srcdoc', 'srcset', 'formaction', 'xlink:href', 'background', 'dynsrc', 'lowsrc', 'ping'].includes(name))
        say(el, 'attribute ' + name + '=' + attr.value);
      // data-* attributes are never URLs to the browser (the theme's script encodes what it uses).
      if (dangerous.test(value) && !name.startsWith('data-')) say(el, name + '=' + attr.value);
    }
    if (['object', 'embed', 'applet', 'frame', 'frameset', 'base', 'portal'].includes(tag)) say(el, 'element');
    if (tag === 'script') {
      const url = el.src ? new URL(el.src, location.href) : null;
      const own = url && url.origin === location.origin && /\\/assets\\/[\\w.-]+\\.js$/.test(url.pathname);
      if (!own && el.type !== 'application/ld+json') say(el, 'script ' + el.outerHTML);
    }
    if (tag === 'iframe') {
      const url = new URL(el.getAttribute('src') || 'about:blank', location.href);
      if (url.protocol !== 'https:' || url.host !== allowedFrameHost) say(el, 'frame ' + el.outerHTML);
      if (!el.hasAttribute('sandbox')) say(el, 'frame without sandbox');
    }
    if (tag === 'meta' && (el.httpEquiv || '').toLowerCase() === 'refresh') say(el, 'refresh ' + el.content);
    if (tag === 'form' && el.hasAttribute('action') && new URL(el.action, location.href).origin !== location.origin)
      say(el, 'form posting elsewhere ' + el.getAttribute('action'));
    if (tag === 'link' && el.href && new URL(el.href).origin !== location.origin && el.rel !== 'canonical')
      say(el, 'external link element ' + el.outerHTML);
    if (tag === 'a' && el.target) say(el, 'link with target ' + el.target);
  }
  return bad;
}
"""

_FIRE_EVENTS = """
(limit) => {
  const names = ['mouseover', 'mouseenter', 'pointerenter', 'pointerover', 'focus', 'focusin', 'blur',
                 'toggle', 'animationstart', 'transitionend', 'load', 'error', 'begin', 'start', 'input',
                 'change', 'keydown', 'wheel', 'scroll', 'pageshow'];
  for (const el of Array.from(document.querySelectorAll('*')).slice(0, limit)) {
    for (const name of names) {
      try { el.dispatchEvent(new Event(name)); } catch (e) {}
    }
  }
  for (const name of ['load', 'pageshow', 'hashchange', 'popstate']) window.dispatchEvent(new Event(name));
}
"""

POKED_ELEMENTS = 5000

_PIXEL = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


@dataclass
class Findings:
    """Everything suspicious seen on one page."""

    page: str
    hits: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    dom: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every finding, prefixed with its kind and the page."""
        return [
            f"{self.page}: {kind}: {item}"
            for kind, items in (
                ("hook", self.hits),
                ("script with payload marker", self.scripts),
                ("request", self.requests),
                ("navigation", self.navigations),
                ("DOM", self.dom),
            )
            for item in items
        ]


class PageInspector:
    """One browser context that inspects pages of a site served at ``site_url``.

    ``bypass_csp=True`` turns the pages' Content-Security-Policy off, so what is tested is
    the sanitiser and the templates alone, not the policy that backs them up.
    """

    def __init__(
        self,
        browser: Any,
        site_url: str,
        *,
        api_origin: str = "",
        image_host: str = "",
        frame_host: str = "",
        bypass_csp: bool = False,
    ) -> None:
        self.site = urlsplit(site_url)
        self.api_origin = api_origin
        self.image_host = image_host
        self.frame_host = frame_host
        self.context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True)
        self.context.add_init_script(_INIT_SCRIPT)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", self._on_request)
        self.page.on("framenavigated", self._on_navigation)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Debugger.enable")
        self._script_ids: list[str] = []
        self.cdp.on("Debugger.scriptParsed", lambda event: self._script_ids.append(event["scriptId"]))
        self.api_requests: list[str] = []
        self._current = Findings(page="")

    def close(self) -> None:
        self.context.close()

    # -- network -------------------------------------------------------------------------

    def _verdict(self, url: str, resource_type: str) -> str:
        """'site', 'api', 'image', 'frame', or why the request is unexpected."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"{parts.scheme}: URL"
        if parts.scheme == self.site.scheme and parts.netloc == self.site.netloc:
            return "site"
        if self.api_origin and url.startswith(self.api_origin + "/") and resource_type in ("fetch", "xhr", "ping", "preflight"):
            return "api"
        if self.image_host and parts.hostname == self.image_host and resource_type == "image":
            return "image"
        if self.frame_host and parts.hostname == self.frame_host and parts.scheme == "https" and resource_type == "document":
            return "frame"
        return f"unexpected host {parts.netloc} ({resource_type})"

    def _route(self, route: Any) -> None:
        request = route.request
        verdict = self._verdict(request.url, request.resource_type)
        if verdict == "site":
            route.continue_()
        elif verdict == "api":
            self.api_requests.append(f"{request.method} {request.url}")
            route.fulfill(
                status=200,
                headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type",
                         "Access-Control-Allow-Methods": "POST, OPTIONS"},
                content_type="application/json",
                body='{"success": true}',
            )
        elif verdict == "image":
            route.fulfill(status=200, content_type="image/gif", body=_PIXEL)
        elif verdict == "frame":
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>player</title>")
        else:
            self._current.requests.append(f"{verdict}: {request.url[:200]}")
            route.abort()

    def _on_request(self, request: Any) -> None:
        scheme = urlsplit(request.url).scheme
        if scheme not in ("http", "https"):
            self._current.requests.append(f"{scheme}: request {request.url[:200]}")

    def _on_navigation(self, frame: Any) -> None:
        url = frame.url
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https", "about") or (scheme == "about" and url not in ("about:blank", "about:srcdoc")):
            self._current.navigations.append(url[:200])
        elif scheme in ("http", "https") and frame == self.page.main_frame:
            if urlsplit(url).netloc != self.site.netloc:
                self._current.navigations.append(f"left the site: {url[:200]}")

    # -- one page ------------------------------------------------------------------------

    def inspect(self, url: str, *, poke: bool = True) -> Findings:
        """Load ``url``, check its DOM, poke its elements (unless ``poke=False``), and return
        what was caught."""
        self._current = findings = Findings(page=url)
        self._script_ids.clear()
        self.page.goto(url, wait_until="load")
        return self._collect(findings, poke)

    def inspect_typing(self, url: str, selector: str, text: str) -> Findings:
        """Load ``url``, type ``text`` into ``selector`` (a search box showing results as you
        type), and return what was caught once the results are shown."""
        self._current = findings = Findings(page=f"{url} typing {text!r}")
        self._script_ids.clear()
        self.page.goto(url, wait_until="load")
        self.page.locator(selector).fill(text)
        self.page.wait_for_timeout(400)  # the index shards arrive, the results render
        return self._collect(findings, poke=True)

    def _collect(self, findings: Findings, poke: bool) -> Findings:
        findings.dom = self.page.evaluate(_DOM_CHECK, {"allowedFrameHost": self.frame_host})
        if poke:
            self.page.evaluate(_FIRE_EVENTS, POKED_ELEMENTS)
            self.page.wait_for_timeout(20)  # let queued handlers and navigations run
        findings.hits = list(self.page.evaluate("window.__hgHits || []"))
        for frame in self.page.frames[1:]:
            try:
                findings.hits += frame.evaluate("window.__hgHits || []")
            except Exception:  # a cross-origin or closed frame: its own hooks are not ours to read
                pass
        for script_id in list(self._script_ids):
            try:
                source = self.cdp.send("Debugger.getScriptSource", {"scriptId": script_id})["scriptSource"]
            except Exception:  # collected already
                continue
            if MARKER in source:
                findings.scripts.append(source[:200])
        return findings
