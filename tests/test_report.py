"""``helpgen report``: the content-health report, its thresholds and ``--fail-on`` for CI.

Each test builds a site (the example, or a crafted copy of it) and runs the command as a team
would, then reads report.json and report.html.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.cli import main
from helpgen.config import load_config
from helpgen.content.snapshot import Snapshot, load_snapshot, save_snapshot
from helpgen.cstar._models import Comment, PostThread
from tests.conftest import EXAMPLE_SITE

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %} ${7*7}'


def run_report(site: Path, *args: str):
    return CliRunner().invoke(main, ["report", str(site), *args], catch_exceptions=False)


def build(site: Path) -> None:
    build_site(load_config(site, environ={}))


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory):
    """The example site built once and reported on (JSON, exit code)."""
    import shutil

    site = tmp_path_factory.mktemp("report") / "site"
    shutil.copytree(EXAMPLE_SITE, site, ignore=shutil.ignore_patterns("_site", ".helpgen-cache"))
    build(site)
    result = run_report(site, "--fail-on", "broken_links,missing_images,empty_categories,stale")
    return site, result, json.loads((site / "_report" / "report.json").read_text())


def test_the_example_site_passes_and_lists_what_deserves_attention(example_report) -> None:
    site, result, report = example_report
    assert result.exit_code == 0, result.output
    assert not (site / "_site" / "report.html").exists()  # never published
    assert report["counts"]["broken_links"] == report["counts"]["missing_images"] == 0
    assert report["counts"]["empty_categories"] == report["counts"]["stale"] == 0
    assert report["findings"]["unhelpful"] == [
        {
            "title": "Why was a payment declined?",
            "slug": "why-was-a-payment-declined-g20f7cv0",
            "path": "articles/why-was-a-payment-declined-g20f7cv0/",
            "views": 4870,
            "helpful": 61,
            "not_helpful": 148,
            "helpful_ratio": 0.29,
        }
    ]
    # Questions only ([report] question_topics): most votes first, none with an official answer.
    assert [(q["title"], q["votes"]) for q in report["findings"]["unanswered_questions"]] == [
        ("Multi-currency: which exchange rate is used on the invoice?", 27),
        ("Xero sync creates duplicate contacts", 17),
        ("API pagination: has_more is false but there are more invoices", 15),
        ("Rechnungsnummern zum Jahreswechsel zurücksetzen?", 12),
        ("Partial payments: how do they show on the client statement?", 8),
        ('Zapier "Invoice paid" trigger fires twice for partial payments', 6),
        ("Recurring invoice on the 31st: what happens in 30-day months?", 5),
    ]
    assert [(w["title"], w["words"]) for w in report["findings"]["unique_title_words"]] == [
        ("Integrations overview", ["overview"]),
        ("Manage push notifications", ["push"]),
    ]
    html = (site / "_report" / "report.html").read_text()
    assert "Why was a payment declined?" in html and "29%" in html
    assert 'href="https://help.kettlehq.com/articles/why-was-a-payment-declined-g20f7cv0/"' in html
    assert "  1  unhelpful" in result.output


def crafted(snapshot: Snapshot) -> Snapshot:
    """The example with one problem of every kind, and hostile text in every title."""
    category = replace(snapshot.categories[0], id="cat_empty", slug="empty-shelf", name=f"Empty {HOSTILE}", sort_order=99)
    first = snapshot.articles[0]
    broken = replace(
        first, id="art_broken", slug="broken-links-here", title=f"Broken {HOSTILE}",
        content="See [this](/articles/no-such-article) and [that](../missing-page/).\n\n![diagram](/media/missing.png)\n",
        view_count=10,
    )
    stale = replace(
        snapshot.articles[1], id="art_stale", slug="stale-but-popular", title="Stale but popular",
        view_count=9000, updated_at="2024-01-01T00:00:00Z", helpful_count=10, not_helpful_count=90,
    )
    thread = snapshot.threads[0]
    question = replace(
        thread.post, id="pst_hot", slug="hot-question", title=f"Hot {HOSTILE}", status="open", vote_count=500,
        is_pinned=False, topic_id=next(t.id for t in snapshot.topics if t.slug == "questions-and-answers"), topic_slug=None,
    )
    return replace(
        snapshot,
        categories=snapshot.categories + (category,),
        articles=snapshot.articles + (broken, stale),
        threads=snapshot.threads + (PostThread(post=question, comments=(Comment(id="c1", body="me too"),)),),
    )


@pytest.fixture
def crafted_site(example_copy: Path) -> Path:
    save_snapshot(crafted(load_snapshot(example_copy / "snapshot")), example_copy / "snapshot")
    build(example_copy)
    return example_copy


def test_fail_on_exits_1_on_a_crafted_snapshot_and_lists_every_kind(crafted_site: Path) -> None:
    result = run_report(crafted_site, "--fail-on", "broken_links")
    assert result.exit_code == 1, result.output
    assert "broken_links" in result.output
    report = json.loads((crafted_site / "_report" / "report.json").read_text())
    assert [(f["slug"], f["urls"]) for f in report["findings"]["broken_links"]] == [
        ("broken-links-here", ["../../articles/no-such-article", "../missing-page/"])
    ]
    assert [f["slug"] for f in report["findings"]["missing_images"]] == ["broken-links-here"]
    assert [f["slug"] for f in report["findings"]["empty_categories"]] == ["empty-shelf"]
    assert report["findings"]["stale"][0]["slug"] == "stale-but-popular"
    assert report["findings"]["stale"][0]["months_since_update"] == 34
    assert report["findings"]["unhelpful"][0]["slug"] == "stale-but-popular"
    assert report["findings"]["unanswered_questions"][0]["slug"] == "hot-question"
    for kind in ("missing_images", "empty_categories", "stale", "unhelpful", "unanswered_questions"):
        assert run_report(crafted_site, "--fail-on", kind).exit_code == 1, kind
    assert run_report(crafted_site, "--fail-on", "all").exit_code == 1


def test_the_html_escapes_customer_text(crafted_site: Path) -> None:
    run_report(crafted_site)
    html = (crafted_site / "_report" / "report.html").read_text()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "${7*7}" in html and "{% raw %}" in html  # printed, never evaluated
    assert html.count("Empty &lt;script&gt;") == 1 and html.count("Hot &lt;script&gt;") == 1


def test_thresholds_come_from_helpgen_toml(crafted_site: Path) -> None:
    config = crafted_site / "helpgen.toml"
    config.write_text(config.read_text().replace("stale_months = 12", "stale_months = 40\nmax_helpful_ratio = 0.05"))
    result = run_report(crafted_site)
    assert result.exit_code == 0, result.output
    report = json.loads((crafted_site / "_report" / "report.json").read_text())
    assert report["counts"]["stale"] == 0 and report["counts"]["unhelpful"] == 0
    assert report["thresholds"]["stale_months"] == 40


@pytest.mark.parametrize(
    "line, message",
    [
        ("max_helpful_ratio = 2", "[report].max_helpful_ratio: expected a number from 0 to 1, got int 2"),
        ("stale_months = 0", "[report].stale_months: expected a whole number, 1 or more"),
        ('min_views = "many"', "[report].min_views: expected a whole number, 0 or more, got str"),
        ("question_topics = [1]", "[report].question_topics: expected a list of topic slugs"),
        ("colour = 1", "[report].colour: unknown key"),
    ],
)
def test_bad_thresholds_name_the_file_and_the_key(example_copy: Path, line: str, message: str) -> None:
    config = example_copy / "helpgen.toml"
    config.write_text(config.read_text().split("\n[report]")[0] + f"\n[report]\n{line}\n")
    result = run_report(example_copy)
    assert result.exit_code == 2
    assert f"{config}: {message}" in result.output


def test_unknown_fail_on_kind_and_missing_content_are_clear_errors(tmp_path: Path) -> None:
    result = run_report(tmp_path, "--fail-on", "typos")
    assert result.exit_code == 2 and "--fail-on: unknown kind 'typos'" in result.output
    result = run_report(tmp_path)
    assert result.exit_code == 1 and "no content to report on" in result.output


def test_the_report_is_never_written_into_the_published_site(example_report) -> None:
    site, _, _ = example_report
    result = run_report(site, "--out-report", str(site / "_site" / "health"))
    assert result.exit_code == 2 and "is inside the published site" in result.output
    assert not (site / "_site" / "health").exists()
