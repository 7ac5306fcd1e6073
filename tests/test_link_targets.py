"""Where links in content lead: the short ways for common links agree with urlsplit's reading."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from helpgen.render.pages import _LinkResolver


def _resolver() -> _LinkResolver:
    site = SimpleNamespace(
        article_paths={"reset": "articles/reset/", "a%20b": "articles/a-b/"},
        category_paths={"billing": "categories/billing/"},
        post_paths={"hello": "community/posts/hello/"},
        link_targets={},
        warnings=[],
    )
    return _LinkResolver(site, "articles/here/", "article 'here'", "api.example.com")  # type: ignore[arg-type]


PREFIXES = ["/", "//", "/articles/", "/categories/", "/community/posts/", "https://", "HTTPS://kettle.cstar.help/",
            "https://api.example.com/articles/", "http://example.com:80/", "mailto:", "", "#", "./", "../", " /"]
hrefs = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(PREFIXES),
    st.text(alphabet="reset billing hello/?#%:.-_ü\t\\@[]20", max_size=30),
)


@settings(max_examples=400)
@given(hrefs)
def test_every_href_leads_where_urlsplit_says(href: str) -> None:
    resolver = _resolver()
    assert resolver._resolve(href) == resolver._resolve_split(href)


def test_common_links_take_the_short_ways() -> None:
    resolver = _resolver()
    assert resolver._resolve("/articles/reset?x=1#top") == ("articles/reset/", "?x=1#top", None)
    assert resolver._resolve("/media/a.png") == ("media/a.png", "", None)
    assert resolver._resolve("/articles/gone") == ("articles/gone", "", ("article", "gone"))  # and a warning
    assert resolver._resolve("https://example.com/articles/reset") == (None, "", None)
    assert resolver._resolve("https://kettle.cstar.help/categories/billing#x") == ("categories/billing/", "#x", None)
    # Not URLs at all (urlsplit refuses them): left as written, never an error.
    assert resolver._resolve("//]") == resolver._resolve("http://[::1/a") == (None, "", None)
