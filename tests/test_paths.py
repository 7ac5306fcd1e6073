"""Slugs to paths: safe, readable, unique, and never outside the site."""

from __future__ import annotations

import posixpath

from hypothesis import given, strategies as st

from helpgen.render.paths import SitePaths, relative_url, safe_segment


def test_plain_slug_is_kept() -> None:
    assert safe_segment("reset-password-mn46zcig") == "reset-password-mn46zcig"


def test_unicode_stays_readable() -> None:
    assert safe_segment("Zahlungen-ändern") == "zahlungen-ändern"
    assert safe_segment("請求書の送信") == "請求書の送信"


def test_traversal_and_separators_are_neutralised() -> None:
    for slug in ["../../etc/passwd", "/abs/path", "a\\b", "..", ".", "a/../../b", "\x00\x1fx"]:
        segment = safe_segment(slug)
        assert segment and "/" not in segment and "\\" not in segment
        assert segment not in (".", "..") and not segment.startswith(".")


def test_reserved_names_are_renamed() -> None:
    for slug in ["assets", "media", "con", "nul", ""]:
        assert safe_segment(slug) != slug
    # `index` is an ordinary folder name under articles/ and keeps its readable name.
    assert safe_segment("index") == "index"


def test_long_slugs_are_capped_and_stay_distinct() -> None:
    a = safe_segment("a" * 300)
    b = safe_segment("a" * 299 + "b")
    assert len(a.encode()) <= 120 and len(b.encode()) <= 120
    assert a != b


def test_collisions_get_distinct_stable_paths_and_a_warning() -> None:
    paths = SitePaths()
    first = paths.assign("article", "articles/", "art_1", "Reset-Password")
    second = paths.assign("article", "articles/", "art_2", "reset password")
    assert first == "articles/reset-password/"
    assert second != first and second.startswith("articles/reset-password-")
    assert len(paths.warnings) == 1
    assert "art_2" in paths.warnings[0] and "art_1" in paths.warnings[0]
    again = SitePaths()
    again.assign("article", "articles/", "art_1", "Reset-Password")
    assert again.assign("article", "articles/", "art_2", "reset password") == second


def test_reserved_section_paths_cannot_be_taken() -> None:
    paths = SitePaths()
    paths.reserve("community/posts/", "posts section")
    topic = paths.assign("topic", "community/", "top_1", "posts")
    assert topic != "community/posts/"


def test_relative_urls() -> None:
    assert relative_url("", "") == "./"
    assert relative_url("articles/x/", "") == "../../"
    assert relative_url("articles/x/", "categories/y/") == "../../categories/y/"
    assert relative_url("community/posts/p/", "assets/style.1.css") == "../../../assets/style.1.css"
    assert relative_url("", "articles/ü/") == "articles/%C3%BC/"


@given(st.text(max_size=400))
def test_any_slug_gives_one_safe_segment(slug: str) -> None:
    segment = safe_segment(slug)
    assert segment
    assert "/" not in segment and "\\" not in segment and "\x00" not in segment
    assert len(segment.encode("utf-8")) <= 120
    assert posixpath.normpath(f"articles/{segment}").startswith("articles/")
    assert safe_segment(slug) == segment


@given(st.one_of(st.text(alphabet="abcxyz0189-.A_ ", max_size=130), st.sampled_from(["assets", "media", "con", "lpt1", "index", "a" * 120, "a" * 121])))
def test_plain_slugs_take_the_short_way_to_the_same_segment(slug: str) -> None:
    from helpgen.render.paths import _made_safe

    assert safe_segment(slug) == _made_safe(slug)
