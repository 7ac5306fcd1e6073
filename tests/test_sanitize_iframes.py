"""Article iframes: only ``https`` embeds from ``[security] iframe_hosts``, sandboxed and empty.

With no hosts configured (the default) there are no iframes at all; customer text never has
any, whatever is configured.
"""

from __future__ import annotations

import re

import pytest

from helpgen.render.markdown import render_article, render_customer
from helpgen.render.sanitize import (
    FRAME_ALLOW,
    FRAME_REFERRER_POLICY,
    FRAME_SANDBOX,
    is_allowed_frame_src,
    sanitize_article_html,
)

HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")
EMBED = '<iframe src="https://www.youtube-nocookie.com/embed/abc?start=10&amp;rel=0" width="560" height="315" title="Demo"></iframe>'


def test_no_iframes_without_configured_hosts() -> None:
    assert "<iframe" not in sanitize_article_html(EMBED)
    assert "<iframe" not in render_article(EMBED).html


def test_an_allowed_embed_is_sandboxed_lazy_and_in_a_fixed_attribute_order() -> None:
    html = sanitize_article_html(
        '<iframe src="https://www.youtube-nocookie.com/embed/abc?start=10&amp;rel=0" title="Demo &quot;x&quot;" '
        'width="560" height="315" allow="camera; microphone" allowfullscreen onload="alert(1)" '
        'sandbox="allow-top-navigation" style="position:fixed" srcdoc="x" name="n">'
        "<img src=x onerror=alert(1)>fallback text</iframe>",
        iframe_hosts=HOSTS,
    )
    assert html == (
        '<iframe src="https://www.youtube-nocookie.com/embed/abc?start=10&amp;rel=0" title="Demo &quot;x&quot;" '
        f'width="560" height="315" allowfullscreen="" allow="{FRAME_ALLOW}" sandbox="{FRAME_SANDBOX}" '
        f'referrerpolicy="{FRAME_REFERRER_POLICY}" loading="lazy"></iframe>'
    )
    # Stable: nh3 adds the fixed attributes in no particular order; the output never varies.
    assert {sanitize_article_html(EMBED, iframe_hosts=HOSTS) for _ in range(30)} == {
        sanitize_article_html(EMBED, iframe_hosts=HOSTS)
    }


@pytest.mark.parametrize(
    "src",
    [
        "http://www.youtube-nocookie.com/embed/x",  # not https
        "https://www.youtube-nocookie.com.evil.example/embed/x",  # suffix trick
        "https://evil.example/www.youtube-nocookie.com/",
        "https://user:pass@www.youtube-nocookie.com/embed/x",
        "https://www.youtube-nocookie.com:8443/embed/x",
        "https://youtube-nocookie.com/embed/x",  # a different host than configured
        "//www.youtube-nocookie.com/embed/x",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        " https://www.youtube-nocookie.com/embed/x",
        "https://www.youtube-nocookie.com\\@evil.example/",
        "",
    ],
)
def test_any_other_iframe_is_removed_entirely(src: str) -> None:
    html = sanitize_article_html(f'before<iframe src="{src}" width="1" height="1"></iframe>after', iframe_hosts=HOSTS)
    assert html == "beforeafter"
    assert not is_allowed_frame_src(src, frozenset(HOSTS))


def test_iframe_sizes_must_be_plain_numbers() -> None:
    html = sanitize_article_html(
        '<iframe src="https://player.vimeo.com/video/1" width="100%" height="9999999"></iframe>', iframe_hosts=HOSTS
    )
    assert "width" not in html and "height" not in html and "<iframe" in html


def test_embeds_in_markdown_articles_but_never_in_customer_text() -> None:
    source = f"## Watch\n\n{EMBED}\n\nAfter the video.\n"
    article = render_article(source, iframe_hosts=HOSTS).html
    assert len(re.findall(r"<iframe ", article)) == 1 and "After the video." in article
    assert "<iframe" not in render_customer(source)  # raw HTML is text there
    assert "&lt;iframe" in render_customer(source)
