"""The public roadmap: feature requests by status, sorted by votes, with an Atom feed per status."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.cli import main
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import ParsedPage, local_targets, parse

ATOM = "{http://www.w3.org/2005/Atom}"


def groups(page_file: Path) -> dict[str, list[tuple[str, str]]]:
    """Section id → [(post title, votes)] of the roadmap page, in order."""
    html = page_file.read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    for section_id in ("roadmap-recent-title", "roadmap-under_review-title", "roadmap-planned-title",
                       "roadmap-completed-title", "roadmap-not_planned-title"):
        start = html.find(f'aria-labelledby="{section_id}"')
        if start < 0:
            continue
        page = ParsedPage()
        page.feed("<section " + html[start : html.find("</section>", start)])
        page.close()
        titles = [" ".join(a.text.split()) for a in page.find_all("a") if "post-title" in a.attrs.get("class", "") or a.attrs.get("href", "").find("community/posts/") >= 0]
        votes = [" ".join(e.text.split()) for e in page.find_all("span", class_="count")]
        out[section_id.removeprefix("roadmap-").removesuffix("-title")] = list(zip(titles, votes))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roadmap") / "site"
    build_site(load_config(EXAMPLE_SITE, overrides={"out_dir": out, "cache_dir": out.parent / "cache"}, environ={}))
    return out


def test_requests_are_grouped_by_status_and_sorted_by_votes(built: Path) -> None:
    found = groups(built / "roadmap" / "index.html")
    assert found == {
        "recent": [("Export expenses to CSV with receipt images", "96"), ("Dark mode for the web app", "182")],
        "under_review": [
            ("Custom domain for the client portal (pay.mycompany.com)", "141"),
            ("Offline mode: keep all customers and invoices on the phone", "38"),
            ("E-signature on quotes", "3"),
        ],
        "planned": [
            ("Payment plans: let clients pay an invoice in instalments", "287"),
            ("Multiple tax rates on a single line item (GST + PST)", "74"),
        ],
        "completed": [("Dark mode for the web app", "182"), ("Export expenses to CSV with receipt images", "96")],
        "not_planned": [
            ("Accept crypto payments (BTC / USDC)", "23"),
            ('Remove the "Sent with Kettle" footer on the free plan', "11"),
        ],
    }
    # One page per status too, which its feed links to.
    assert groups(built / "roadmap" / "planned" / "index.html") == {"planned": found["planned"]}
    community = parse(built / "community" / "index.html")
    assert any(a.attrs.get("href") == "../roadmap/" for a in community.find_all("a"))
    for page in (built / "roadmap").rglob("index.html"):
        for href, target in local_targets(built, page):
            assert target.is_file(), (page, href)


def test_each_status_has_an_atom_feed(built: Path) -> None:
    feed = ET.parse(built / "roadmap" / "planned" / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == "https://help.kettlehq.com/roadmap/planned/feed.xml"
    alternate = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert alternate == ["https://help.kettlehq.com/roadmap/planned/"]
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert sorted(titles) == sorted(
        ["Payment plans: let clients pay an invoice in instalments", "Multiple tax rates on a single line item (GST + PST)"]
    )
    for status in ("under_review", "completed", "not_planned"):
        assert ET.parse(built / "roadmap" / status / "feed.xml").getroot().findall(f"{ATOM}entry")
    head = (built / "roadmap" / "index.html").read_text()
    assert 'type="application/atom+xml" title="Roadmap: Planned" href="../roadmap/planned/feed.xml"' in head


def test_no_roadmap_without_topics_and_hostile_titles_are_escaped(example_copy: Path) -> None:
    config = example_copy / "helpgen.toml"
    config.write_text(config.read_text().split("\n[roadmap]")[0])
    out = example_copy / "_site"
    build_site(load_config(example_copy, environ={}))
    assert not (out / "roadmap").exists()
    assert "roadmap/" not in (out / "community" / "index.html").read_text()

    snapshot = load_snapshot(example_copy / "snapshot")
    threads = list(snapshot.threads)
    index = next(i for i, t in enumerate(threads) if t.post.status == "planned")
    hostile = '<script>alert(1)</script> {{ 7*7 }} ]]> &amp;'
    threads[index] = replace(threads[index], post=replace(threads[index].post, title=hostile, vote_count=9999))
    save_snapshot(replace(snapshot, threads=tuple(threads)), example_copy / "snapshot")
    config.write_text(config.read_text() + '\n[roadmap]\ntopics = ["feature-requests"]\n')
    build_site(load_config(example_copy, environ={}))
    page = (out / "roadmap" / "index.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} ]]&gt; &amp;amp;" in page
    feed = ET.parse(out / "roadmap" / "planned" / "feed.xml").getroot()
    assert hostile in [e.text for e in feed.iter(f"{ATOM}title")]  # the XML parser undoes the escaping
    assert b"<script>" not in (out / "roadmap" / "planned" / "feed.xml").read_bytes()


def test_bad_roadmap_topics_name_the_file_and_key(example_copy: Path) -> None:
    config = example_copy / "helpgen.toml"
    config.write_text(config.read_text().replace('topics = ["feature-requests"]', "topics = [1]"))
    result = CliRunner().invoke(main, ["build", str(example_copy)])
    assert result.exit_code == 2
    assert f"{config}: [roadmap].topics[0]: expected a topic slug string, got 1" in result.output
