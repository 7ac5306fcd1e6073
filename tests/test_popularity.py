"""Popular and trending lists on the home, category and 404 pages, and the view history.

The example site is built from its snapshot; trending needs two builds with the same cache
folder, the second from a later snapshot in which some articles gained views.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.content.view_history import (
    SAMPLE_EVERY,
    WINDOW,
    ViewSample,
    load_view_history,
    record_sample,
)
from helpgen.render.popularity import MIN_SPAN, view_growth
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import parse, tree_bytes

DAY = 86400


def section_fragment(page_file: Path, heading_id: str):
    """The parsed <section> labelled by ``heading_id`` (an empty page when there is none)."""
    from tests.htmltools import ParsedPage

    html = page_file.read_text(encoding="utf-8")
    start = html.find(f'aria-labelledby="{heading_id}"')
    page = ParsedPage()
    if start >= 0:
        page.feed("<section " + html[start : html.find("</section>", start)])
    page.close()
    return page


def section_items(page_file: Path, heading_id: str) -> list[str]:
    """Each item of a section's link list: its link text, then its meta items, joined by " | "."""
    page = section_fragment(page_file, heading_id)
    items: list[list[str]] = []
    for element in page.elements:
        classes = element.attrs.get("class", "").split()
        if element.tag == "li":
            items.append([])
        elif items and (element.tag == "a" or "meta-item" in classes):
            items[-1].append(" ".join(element.text.split()))
    return [" | ".join(parts) for parts in items]


@pytest.fixture
def example(tmp_path: Path):
    snapshot = load_snapshot(EXAMPLE_SITE / "snapshot")
    config = load_config(
        EXAMPLE_SITE,
        overrides={"out_dir": tmp_path / "site", "cache_dir": tmp_path / "cache"},
        environ={},
    )
    return snapshot, config


def later_snapshot(snapshot: Snapshot, days: float, gains: dict[str, int]) -> Snapshot:
    """``snapshot`` read ``days`` later, with ``gains`` views added per article slug prefix."""
    from datetime import datetime, timedelta, timezone

    then = datetime.fromisoformat(snapshot.pulled_at.replace("Z", "+00:00")) + timedelta(days=days)
    articles = tuple(
        replace(a, view_count=a.view_count + next((g for p, g in gains.items() if a.slug.startswith(p)), 0))
        for a in snapshot.articles
    )
    return replace(snapshot, articles=articles, pulled_at=then.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_home_and_404_list_the_api_popular_list_and_no_trending_on_a_first_build(example) -> None:
    snapshot, config = example
    build_site(config, snapshot=snapshot)
    expected = [a.title for a in snapshot.popular[:6]]
    home = section_fragment(config.out_dir / "index.html", "popular-title")
    assert [e.text.strip() for e in home.find_all("span", class_="article-title")] == expected
    assert section_items(config.out_dir / "404.html", "nf-popular-title") == expected
    # No history yet: nothing is trending anywhere.
    assert section_items(config.out_dir / "index.html", "trending-title") == []
    assert section_items(config.out_dir / "404.html", "nf-trending-title") == []


def test_category_page_lists_its_most_viewed_articles_with_their_views(example) -> None:
    snapshot, config = example
    build_site(config, snapshot=snapshot)
    payments = config.out_dir / "categories" / "payments" / "index.html"
    popular = section_fragment(payments, "category-popular-title")
    titles = [e.text.strip() for e in popular.find_all("span", class_="article-title")]
    views = [e.text.strip() for e in popular.find_all("span", class_="meta-item") if e.text.endswith(" views")]
    # Payments has eight articles; the five most viewed, with their view counts.
    assert list(zip(titles, views)) == [
        ("Why was a payment declined?", "4,870 views"),
        ("Payment processing fees", "3,215 views"),
        ("Connect a payment provider", "2,640 views"),
        ("Payouts: when does the money reach my bank?", "1,215 views"),
        ("Record a manual payment", "812 views"),
    ]
    assert parse(payments).text_of("h2", id="category-popular-title") == "Popular in Payments"


def test_trending_reacts_to_view_growth_between_two_builds(example, tmp_path: Path) -> None:
    snapshot, config = example
    build_site(config, snapshot=snapshot)
    # Two days later: quickbooks gained 600 views (300 a day), xero 200 (100 a day),
    # "keyboard shortcuts" 3 (1.5 a day -> 2); "welcome" lost views (a counter reset).
    grown = later_snapshot(
        snapshot, 2, {"connect-kettle-to-quickbooks": 600, "connect-kettle-to-xero": 200, "keyboard-shortcuts": 3, "welcome-to-kettle": -100,
                   "bank-transfers": 100}
    )
    report = build_site(config, snapshot=grown)
    assert report.pages_rendered > 0
    home = config.out_dir / "index.html"
    assert section_items(home, "trending-title") == [
        "Connect Kettle to QuickBooks Online | Integrations & API | +300 views a day",
        "Connect Kettle to Xero | Integrations & API | +100 views a day",
        "Bank transfers and direct debit | Payments | +50 views a day",
        "Keyboard shortcuts | Getting started | +2 views a day",
    ]
    assert section_items(config.out_dir / "404.html", "nf-trending-title")[0].startswith("Connect Kettle to QuickBooks")
    # Getting started (five articles) has no "Popular in" list: its full list shows them all.
    getting_started = config.out_dir / "categories" / "getting-started" / "index.html"
    assert section_items(getting_started, "category-popular-title") == []
    assert section_items(getting_started, "category-trending-title") == ["Keyboard shortcuts | +2 views a day"]
    # Payments lists its five most viewed; trending leaves those out rather than repeat them.
    payments = config.out_dir / "categories" / "payments" / "index.html"
    assert section_items(payments, "category-trending-title") == ["Bank transfers and direct debit | +50 views a day"]
    integrations = config.out_dir / "categories" / "integrations-and-api" / "index.html"
    assert "Connect Kettle to Xero" in " ".join(section_items(integrations, "category-popular-title"))
    assert section_items(integrations, "category-trending-title") == []
    security = config.out_dir / "categories" / "security-and-privacy" / "index.html"
    assert section_items(security, "category-trending-title") == []

    # The same snapshot and history, built from scratch, gives the same bytes.
    clean_cache = tmp_path / "clean-cache"
    clean_cache.mkdir()
    history = load_view_history(config.cache_dir / "views.json")
    assert len(history) == 2  # the first and the second build, two days apart
    from helpgen.content.view_history import save_view_history

    save_view_history(clean_cache / "views.json", history[:1])
    clean = replace(config, out_dir=tmp_path / "clean", cache_dir=clean_cache)
    build_site(clean, snapshot=grown, full=True)
    assert tree_bytes(clean.out_dir) == tree_bytes(config.out_dir)


def test_a_snapshot_older_than_the_history_shows_nothing_trending(example) -> None:
    snapshot, config = example
    build_site(config, snapshot=later_snapshot(snapshot, 3, {}))
    # The clock (the snapshot's pulledAt) went back a day, with more views: no trend from the future.
    build_site(config, snapshot=later_snapshot(snapshot, 2, {"connect-kettle-to-xero": 500}))
    assert section_items(config.out_dir / "index.html", "trending-title") == []
    assert [s.at for s in load_view_history(config.cache_dir / "views.json")] == [
        pytest.approx(s) for s in [later_time(snapshot, 2)]
    ]


def later_time(snapshot: Snapshot, days: float) -> float:
    from helpgen.content.view_history import snapshot_time

    return snapshot_time(snapshot) + days * DAY


def test_growth_is_per_day_from_the_oldest_sample_in_the_window() -> None:
    history = (
        ViewSample(at=0, views={"a": 100}),  # outside the window: ignored
        ViewSample(at=WINDOW - 2 * DAY + 10, views={"a": 1000, "b": 10}),
        ViewSample(at=WINDOW, views={"a": 1100, "b": 20, "c": 5}),
    )
    now = ViewSample(at=WINDOW + DAY + 10, views={"a": 1300, "b": 10, "c": 50, "d": 9000})
    # a: +300 over 3 days; b: back to its old count; c: first seen 1 day ago, +45; d: new, no baseline.
    assert view_growth(history, now) == {"a": 100, "c": 45}


def test_growth_over_a_cron_interval_is_measured_over_at_least_an_hour() -> None:
    history = (ViewSample(at=1000, views={"a": 10}),)
    assert view_growth(history, ViewSample(at=1000 + 600, views={"a": 20})) == {"a": round(10 * DAY / MIN_SPAN)}


def test_history_keeps_a_sample_per_interval_drops_old_future_and_deleted() -> None:
    history: tuple[ViewSample, ...] = ()
    history = record_sample(history, ViewSample(at=0, views={"a": 1, "b": 2}))
    history = record_sample(history, ViewSample(at=600, views={"a": 2, "b": 3}))  # too soon: not kept
    assert [s.at for s in history] == [0]
    history = record_sample(history, ViewSample(at=SAMPLE_EVERY, views={"a": 3}))  # b deleted
    assert [s.at for s in history] == [0, SAMPLE_EVERY]
    assert all("b" not in s.views for s in history)
    history = record_sample(history, ViewSample(at=WINDOW + 1, views={"a": 4}))  # the first is too old now
    assert [s.at for s in history] == [SAMPLE_EVERY, WINDOW + 1]
    history = record_sample(history, ViewSample(at=SAMPLE_EVERY - 1, views={"a": 5}))  # clock went back
    assert [s.at for s in history] == [SAMPLE_EVERY - 1]


def test_a_damaged_history_file_is_an_empty_history(tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    path.write_text('{"format": 1, "samples": [{"at": "x"}, {"at": 5, "views": {"a": 3, "b": "9", "c": true}}]')
    assert load_view_history(path) == ()  # not valid JSON at all
    path.write_text('{"format": 1, "samples": [{"at": "x"}, {"at": 5, "views": {"a": 3, "b": "9", "c": true}}]}')
    assert load_view_history(path) == (ViewSample(at=5.0, views={"a": 3}),)
