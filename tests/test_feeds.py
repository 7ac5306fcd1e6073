"""Atom feeds of the example site, read with ElementTree as a feed reader would."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.render.feeds import FEED_ENTRIES
from helpgen.render.templates import iso_date
from tests.htmltools import ParsedPage, parse

BASE = "https://help.kettlehq.com/"
A = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def html_of(text: str) -> ParsedPage:
    page = ParsedPage()
    page.feed(text)
    page.close()
    return page


def read_feed(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{A}{required}") is not None, required
    assert RFC3339.fullmatch(root.find(f"{A}updated").text)
    entries = root.findall(f"{A}entry")
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{A}{required}") is not None, required
        assert RFC3339.fullmatch(entry.find(f"{A}updated").text)
    updated = [e.find(f"{A}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    assert root.find(f"{A}updated").text == updated[0]
    return root


def test_site_feed_lists_the_most_recently_updated_articles(example_build: Path, example_snapshot) -> None:
    root = read_feed(example_build / "feed.xml")
    assert root.find(f"{A}id").text == BASE + "feed.xml"
    self_link = [link for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == BASE + "feed.xml"
    entries = root.findall(f"{A}entry")
    newest = sorted(example_snapshot.articles, key=lambda a: iso_date(a.updated_at), reverse=True)[:FEED_ENTRIES]
    assert len(entries) == min(FEED_ENTRIES, len(example_snapshot.articles))
    assert [e.find(f"{A}id").text for e in entries] == [f"{BASE}articles/{a.slug}/" for a in newest]
    first = entries[0]
    assert first.find(f"{A}title").text == newest[0].title
    assert first.find(f"{A}summary").text == " ".join(newest[0].excerpt.split())
    assert first.find(f"{A}link").get("href") == f"{BASE}articles/{newest[0].slug}/"
    # The full article, as sanitised HTML whose relative links resolve against the article's URL.
    content = first.find(f"{A}content")
    assert content.get("type") == "html" and content.get(XML_BASE) == f"{BASE}articles/{newest[0].slug}/"
    body = html_of(content.text)
    page_body = parse(example_build / "articles" / newest[0].slug / "index.html")
    headings = [h.text for h in body.find_all("h2")]
    assert headings and headings == [h.text for h in page_body.find_all("h2") if h.attrs.get("id") in
                                     {b.attrs.get("id") for b in body.find_all("h2")}]
    assert body.find_all("h2") and not body.find_all("script")


def test_each_category_and_topic_has_its_feed(example_build: Path, example_snapshot) -> None:
    for category in example_snapshot.categories:
        mine = [a for a in example_snapshot.articles if a.category_id == category.id]
        feed = example_build / "categories" / category.slug / "feed.xml"
        if not mine:
            assert not feed.exists()
            continue
        entries = read_feed(feed).findall(f"{A}entry")
        assert {e.find(f"{A}id").text for e in entries} == {f"{BASE}articles/{a.slug}/" for a in mine}
    for topic in example_snapshot.topics:
        posts = [t.post for t in example_snapshot.threads if t.post.topic_id == topic.id]
        feed = example_build / "community" / topic.slug / "feed.xml"
        if not posts:
            assert not feed.exists()
            continue
        entries = read_feed(feed).findall(f"{A}entry")
        newest = sorted(posts, key=lambda p: iso_date(p.created_at), reverse=True)[:FEED_ENTRIES]
        assert [e.find(f"{A}id").text for e in entries] == [f"{BASE}community/posts/{p.slug}/" for p in newest]
        assert entries[0].find(f"{A}author/{A}name").text == newest[0].author_name


def test_pages_link_their_feeds(example_build: Path, example_snapshot) -> None:
    category = example_snapshot.categories[0]
    page = parse(example_build / "categories" / category.slug / "index.html")
    hrefs = [link.attrs["href"] for link in page.find_all("link", rel="alternate", type="application/atom+xml")]
    folder = example_build / "categories" / category.slug
    assert [(folder / h).resolve() for h in hrefs] == [example_build / "feed.xml", folder / "feed.xml"]
    thread = next(t for t in example_snapshot.threads if t.post.topic_slug)
    post_page = parse(example_build / "community" / "posts" / thread.post.slug / "index.html")
    hrefs = [link.attrs["href"] for link in post_page.find_all("link", rel="alternate", type="application/atom+xml")]
    folder = example_build / "community" / "posts" / thread.post.slug
    assert [(folder / h).resolve() for h in hrefs] == [example_build / "feed.xml", example_build / "community" / thread.post.topic_slug / "feed.xml"]
    assert all((folder / h).resolve().is_file() for h in hrefs)


def test_feed_text_is_escaped_plain_text(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    evil = '<script>alert(1)</script> & <b>bold</b> ]]> \x00\x1b'
    article = replace(snap.articles[0], title=evil, excerpt=evil, updated_at="2030-01-01T00:00:00Z")
    thread = snap.threads[0]
    post = replace(thread.post, title=evil, body=evil, author_name=evil, created_at="2030-01-01T00:00:00+02:00")
    snap = replace(snap, articles=(article,) + snap.articles[1:], threads=(replace(thread, post=post),) + snap.threads[1:])
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={}))
    clean = "<script>alert(1)</script> & <b>bold</b> ]]>"
    site_feed = read_feed(out / "feed.xml")
    first = site_feed.find(f"{A}entry")
    assert first.find(f"{A}title").text == clean and first.find(f"{A}title").get("type") == "text"
    assert first.find(f"{A}summary").text == clean
    assert b"<script>" not in (out / "feed.xml").read_bytes()
    topic_feed = read_feed(out / "community" / post.topic_slug / "feed.xml")
    entry = topic_feed.find(f"{A}entry")
    assert entry.find(f"{A}title").text == clean and entry.find(f"{A}author/{A}name").text == clean
    content = html_of(entry.find(f"{A}content").text)  # customer text: raw HTML shown as text
    assert not content.find_all("script") and not content.find_all("b")
    assert "<script>alert(1)</script>" in " ".join(e.text for e in content.elements)
    assert entry.find(f"{A}updated").text == "2029-12-31T22:00:00Z"  # normalised to UTC
