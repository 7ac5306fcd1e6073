"""The site's Content-Security-Policy: what a page of the default theme may load and run.

Defence in depth behind the sanitiser: even if some markup slipped through, a page runs only
scripts from the site itself (no inline script, no ``eval``), connects only to the site (the
search index) and to the cStar API (views and feedback, when analytics are on), and frames
only the configured video hosts. Styles come only from the site's stylesheets (the theme has
no inline ``style``; category colours are classes, see ``colors.py``). Images may come from
the site and any ``https`` host, since articles and posts show images hosted elsewhere.

The one inline ``<script>`` a page has is its JSON-LD (``type="application/ld+json"``, see
``seo.py``): a data block, which browsers never execute, so ``script-src`` needs no exception
(no ``'unsafe-inline'``, no hash); its JSON is escaped so it cannot end the element.

The policy goes into every page as ``<meta http-equiv="Content-Security-Policy">``;
:func:`header_policy` is the same policy with the directives a ``<meta>`` cannot carry, for
the HTTP header the README shows for nginx and Netlify.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["api_origin", "content_security_policy", "header_policy"]

_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")


def api_origin(api_url: str) -> str | None:
    """``scheme://host[:port]`` of an ``http(s)`` API URL, or None when it is not one."""
    try:
        parts = urlsplit(api_url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def content_security_policy(
    *, connect_origins: Iterable[str] = (), frame_hosts: Iterable[str] = (), widget_origins: Iterable[str] = ()
) -> str:
    """The policy for a ``<meta>`` tag: ``connect_origins`` besides the site itself (the API's
    origin), ``frame_hosts`` whose ``https`` pages articles may embed, ``widget_origins`` of
    third-party widgets (cStar's chat, ``render/chat.py``) that load scripts and styles,
    connect and show frames from their own origin."""
    widgets = sorted({o for o in widget_origins if o})
    connect = ["'self'", *sorted({o for o in connect_origins if o} | set(widgets))]
    frames = [f"https://{host}" for host in sorted(set(frame_hosts)) if _HOST.fullmatch(host)]
    frames = sorted(set(frames) | set(widgets))
    directives = [
        "default-src 'none'",
        " ".join(["script-src 'self'", *widgets]),
        " ".join(["style-src 'self'", *widgets]),
        "img-src 'self' https:",
        "font-src 'self'",
        "connect-src " + " ".join(connect),
        "frame-src " + (" ".join(frames) if frames else "'none'"),
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


def header_policy(meta_policy: str) -> str:
    """The same policy as an HTTP header, adding what a ``<meta>`` cannot (framing by others)."""
    return f"{meta_policy}; frame-ancestors 'self'"
