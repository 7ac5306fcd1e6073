"""Cron-grade builds: incremental pulls and renders, faults, the lock, and the last good site.

Every test pulls from the project's cStar test server over loopback HTTP and checks what a
user relies on: the published site is the right one (byte-identical to a clean build), or
exactly the previous one; the cache lets the next run finish; requests are spent only on
what changed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import ContentIncomplete, build_site
from helpgen.cli import main
from helpgen.config import Config, load_config
from helpgen.content.snapshot import Snapshot, load_snapshot, save_snapshot
from helpgen.cstar import CStarError
from helpgen.cstar._models import Comment, PostThread
from helpgen.lock import BuildLock, LockHeld
from helpgen.testing.cstar_server import CStarTestServer
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import tree_bytes

LIST_REQUESTS = 6  # categories, articles (1 page of 100), popular, stats, topics, posts (1 page)


@pytest.fixture
def served(tmp_path: Path):
    """A copy of the example snapshot served by the test server, and a site config for it."""
    snap_dir = tmp_path / "served"
    shutil.copytree(EXAMPLE_SITE / "snapshot", snap_dir)
    with CStarTestServer(snap_dir) as server:
        config = load_config(
            EXAMPLE_SITE,
            overrides={
                "out_dir": tmp_path / "site",
                "cache_dir": tmp_path / "cache",
                "api_url": server.url,
            },
            environ={},
        )
        config = replace(config, snapshot_dir=None, max_retries=1, analytics=False)
        yield server, snap_dir, config


def change(server: CStarTestServer, snap_dir: Path, edit) -> Snapshot:
    """Apply ``edit`` to the served snapshot and make the server serve the new state."""
    new = edit(load_snapshot(snap_dir))
    save_snapshot(new, snap_dir)
    server.reload()
    return new


def clean_build(config: Config, snapshot: Snapshot, where: Path) -> Path:
    """A from-scratch build of ``snapshot`` (fresh cache, fresh output) to compare with.

    It starts from the incremental build's redirect history (old URLs are the site's memory,
    not a rendering shortcut), so both publish the same redirects.
    """
    out = where / "clean"
    history = config.cache_dir / "redirects.json"
    if history.is_file():
        (where / "clean-cache").mkdir(parents=True, exist_ok=True)
        shutil.copy2(history, where / "clean-cache" / "redirects.json")
    build_site(replace(config, out_dir=out, cache_dir=where / "clean-cache"), snapshot=snapshot)
    return out


def later(timestamp: str | None) -> str:
    return "2026-11-30T12:00:00Z" if timestamp is None or timestamp < "2026-11-30" else timestamp[:-1] + "1Z"


def test_unchanged_site_costs_only_the_list_requests_and_rewrites_nothing(served, tmp_path: Path) -> None:
    server, _, config = served
    first = build_site(config)
    assert first.api_requests == LIST_REQUESTS + first.articles + first.posts
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in config.out_dir.rglob("*") if p.is_file()}
    before_bytes = tree_bytes(config.out_dir)

    second = build_site(config)
    assert second.api_requests == LIST_REQUESTS
    assert second.pages_rendered == 0 and second.pages_unchanged == second.pages_written
    assert second.files_written == 0 and second.files_removed == 0
    assert tree_bytes(config.out_dir) == before_bytes
    after = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in config.out_dir.rglob("*") if p.is_file()}
    assert after == before  # same files, same mtimes: rsync and s3 sync upload nothing


def test_etags_turn_unchanged_lists_into_304s(served) -> None:
    server, _, config = served
    build_site(config)
    report = build_site(config)
    assert report.api_not_modified == LIST_REQUESTS


def test_one_article_changed_renders_only_its_page(served, tmp_path: Path) -> None:
    server, snap_dir, config = served
    build_site(config)
    popular = {a.id for a in load_snapshot(snap_dir).popular}

    def edit(s: Snapshot) -> Snapshot:
        target = next(a for a in s.articles if a.id not in popular and a.category_id)
        self_edit = replace(target, content=target.content + "\n\nOne more paragraph.\n", updated_at=later(target.updated_at))
        return replace(s, articles=tuple(self_edit if a.id == target.id else a for a in s.articles))

    new = change(server, snap_dir, edit)
    changed = next(a for a in new.articles if (a.content or "").endswith("One more paragraph.\n"))
    report = build_site(config)
    assert report.api_requests == LIST_REQUESTS + 1  # the lists, plus that one body
    assert report.articles_fetched == 1 and report.posts_fetched == 0
    # Its page shows its own update date in lists too, so the pages listing it follow.
    rendered = {r["page"]: r["reason"] for r in report.rendered}
    assert rendered[f"articles/{changed.slug}/index.html"] == "content changed"
    assert all(reason == "dependency changed" for page, reason in rendered.items() if changed.slug not in page)
    assert len(rendered) < report.pages_written / 4
    assert tree_bytes(config.out_dir) == tree_bytes(clean_build(config, new, tmp_path))


def test_every_kind_of_change_matches_a_clean_build(served, tmp_path: Path) -> None:
    server, snap_dir, config = served
    build_site(config)

    def edit(s: Snapshot) -> Snapshot:
        articles = list(s.articles)
        deleted = articles.pop(3)
        renamed_index = 5
        renamed = articles[renamed_index]
        articles[renamed_index] = replace(renamed, slug=renamed.slug + "-v2", updated_at=later(renamed.updated_at))
        added = replace(
            articles[0], id="art_newarticle", slug="brand-new-article-x1y2z3w4", title="A brand new article",
            content="## Fresh\n\nJust published.\n", updated_at="2026-11-30T12:00:00Z",
        )
        articles.insert(1, added)
        categories = list(s.categories)
        categories[0] = replace(categories[0], name=categories[0].name + " (renamed)")
        threads = list(s.threads)
        thread = threads[2]
        comment = Comment(id="com_new", body="Thanks, that fixed it!", author_name="Ada", created_at="2026-11-30T12:00:00Z")
        post = replace(thread.post, comment_count=thread.post.comment_count + 1, updated_at=later(thread.post.updated_at))
        threads[2] = PostThread(post=post, comments=thread.comments + (comment,))
        assert deleted.id != added.id
        return replace(s, articles=tuple(articles), categories=tuple(categories), threads=tuple(threads))

    new = change(server, snap_dir, edit)
    old_files = set(tree_bytes(config.out_dir))
    report = build_site(config)
    # lists + the added and the renamed article + the commented post's thread
    assert report.api_requests == LIST_REQUESTS + 2 + 1
    assert (report.articles_fetched, report.posts_fetched) == (2, 1)
    # A category name is in every page's navigation: every page depends on it.
    assert report.pages_rendered == report.pages_written
    assert report.files_removed >= 2  # the deleted article and the old slug
    old_slug = next(a.slug for a in load_snapshot(EXAMPLE_SITE / "snapshot").articles if a.slug + "-v2" in {b.slug for b in new.articles})
    assert b'http-equiv="refresh"' in (config.out_dir / "articles" / old_slug / "index.html").read_bytes()
    published = tree_bytes(config.out_dir)
    assert published == tree_bytes(clean_build(config, new, tmp_path))
    assert not (old_files - set(published)) <= {"x"}  # something was removed
    cached = load_snapshot(config.cache_dir / "content")
    assert {a.id for a in cached.articles} == {a.id for a in new.articles}


def test_related_lists_follow_a_tag_change_and_match_a_clean_build(served, tmp_path: Path) -> None:
    server, snap_dir, config = served
    build_site(config)
    old = load_snapshot(snap_dir)
    quickbooks = next(a for a in old.articles if a.slug.startswith("connect-kettle-to-quickbooks"))

    def edit(s: Snapshot) -> Snapshot:
        # "Keyboard shortcuts" takes the QuickBooks article's tags: it becomes related to it.
        target = next(a for a in s.articles if a.slug.startswith("keyboard-shortcuts"))
        edited = replace(target, tags=quickbooks.tags, updated_at=later(target.updated_at))
        return replace(s, articles=tuple(edited if a.id == target.id else a for a in s.articles))

    new = change(server, snap_dir, edit)
    report = build_site(config)
    rendered = {r["page"]: r["reason"] for r in report.rendered}
    assert rendered[f"articles/{quickbooks.slug}/index.html"] == "dependency changed"
    page = (config.out_dir / "articles" / quickbooks.slug / "index.html").read_text()
    related = page[page.index('id="related-articles-title"') :]
    assert "Keyboard shortcuts" in related[: related.index("</section>")]
    assert tree_bytes(config.out_dir) == tree_bytes(clean_build(config, new, tmp_path))


def test_template_change_rerenders_only_the_pages_that_use_it(served, tmp_path: Path) -> None:
    server, _, config = served
    site = tmp_path / "sitedir"
    (site / "templates").mkdir(parents=True)
    config = replace(config, site_dir=site, templates_dir=site / "templates")
    first = build_site(config)
    theme_topic = (Path(__file__).parent.parent / "themes" / "default" / "templates" / "topic.html").read_text()
    (site / "templates" / "topic.html").write_text(theme_topic.replace("</h1>", " · forum</h1>", 1))
    report = build_site(config)
    reasons = {r["page"]: r["reason"] for r in report.rendered}
    assert reasons and set(reasons.values()) == {"template changed"}
    assert len(reasons) == first.topics
    assert all(page.startswith("community/") for page in reasons)


def test_rate_limit_longer_than_max_wait_keeps_the_site_and_the_next_run_completes(served) -> None:
    server, _, config = served
    build_site(config)
    before = tree_bytes(config.out_dir)
    server.faults.rate_limit_next(1, retry_after=3600)
    with pytest.raises(ContentIncomplete) as info:
        build_site(config)
    assert "rate limit" in str(info.value).lower()
    assert tree_bytes(config.out_dir) == before
    report = build_site(config)
    assert report.api_requests == LIST_REQUESTS


def test_first_build_that_cannot_fetch_everything_publishes_nothing_then_resumes(served) -> None:
    import time

    server, _, config = served
    total = 45 + 35
    server.faults.rate_limit = LIST_REQUESTS + 30  # each window: the lists and 30 bodies
    server.faults.rate_limit_window = 3
    with pytest.raises(ContentIncomplete) as info:
        build_site(config)
    message = str(info.value)
    assert "still to fetch" in message and "next run continues" in message
    assert not config.out_dir.exists()
    status = (config.cache_dir / "pull.json").read_text()
    assert '"complete":false' in status

    import json

    reset = json.loads(status)["rate_limit_reset"]
    time.sleep(max(0.0, reset - time.time()) + 0.2)  # the next window
    with pytest.raises(ContentIncomplete):
        build_site(config)
    assert not config.out_dir.exists()

    server.faults.rate_limit = None
    reset = json.loads((config.cache_dir / "pull.json").read_text())["rate_limit_reset"]
    time.sleep(max(0.0, reset - time.time()) + 0.2)
    report = build_site(config)
    # Only what the two cut-short runs could not fetch is fetched now.
    assert report.articles_fetched + report.posts_fetched == total - 60
    assert (config.out_dir / "index.html").is_file()


def test_server_errors_beyond_retries_fail_cleanly_and_keep_progress(served) -> None:
    server, snap_dir, config = served
    build_site(config)
    before = tree_bytes(config.out_dir)
    new = change(
        server,
        snap_dir,
        lambda s: replace(s, articles=tuple(replace(a, updated_at=later(a.updated_at)) for a in s.articles)),
    )
    # A 5xx burst longer than the retries, on the tenth body: nine bodies are already in hand.
    tenth = new.articles[9].slug
    server.faults.fail_next(2, status=503, path_contains=f"/articles/{tenth}")
    with pytest.raises(CStarError, match="503"):
        build_site(config)
    assert tree_bytes(config.out_dir) == before
    # Truncated JSON, then dropped connections, beyond the retries.
    server.faults.truncate_next(2)
    with pytest.raises(CStarError, match="truncated"):
        build_site(config)
    server.faults.drop_next(2)
    with pytest.raises(CStarError):
        build_site(config)
    assert tree_bytes(config.out_dir) == before
    assert not [p for p in config.out_dir.parent.iterdir() if ".staging-" in p.name]

    report = build_site(config)
    assert report.articles_fetched == len(new.articles) - 9  # the nine kept from the failed run
    assert tree_bytes(config.out_dir) == tree_bytes(clean_build(config, new, config.out_dir.parent))


def test_a_second_build_exits_75_naming_the_lock_holder(served) -> None:
    _, _, config = served
    with BuildLock(config.cache_dir):
        with pytest.raises(LockHeld, match=f"PID {os.getpid()}"):
            build_site(config)
        result = CliRunner().invoke(
            main,
            ["build", str(EXAMPLE_SITE), "--cache", str(config.cache_dir), "--out", str(config.out_dir)],
        )
    assert result.exit_code == 75
    assert f"PID {os.getpid()}" in result.output


def test_a_stale_lock_file_is_taken_over(served) -> None:
    _, _, config = served
    config.cache_dir.mkdir(parents=True)
    (config.cache_dir / "build.lock").write_text('{"pid": 999999999, "started": 0}')
    report = build_site(config)
    assert report.pages_written > 0


def test_cli_exit_75_when_rate_limited_and_report_lists_reasons(served, tmp_path: Path) -> None:
    server, _, config = served
    base = ["build", str(EXAMPLE_SITE), "--team", "kettle", "--api-url", server.url, "--snapshot", ""]
    del base[-2:]
    args = base + ["--cache", str(config.cache_dir), "--out", str(tmp_path / "cli-site"), "--max-wait", "5"]
    toml = tmp_path / "s"
    toml.mkdir()
    (toml / "helpgen.toml").write_text("[cstar]\nmax_retries = 0\n")
    args[1] = str(toml)
    server.faults.rate_limit_next(1, retry_after=60)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 75, result.output
    assert not (tmp_path / "cli-site").exists()
    report_file = tmp_path / "r.json"
    result = CliRunner().invoke(main, args + ["--report", str(report_file)])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(report_file.read_text())
    assert report["api_requests"] > 0 and report["api_bytes"] > 0
    assert report["rendered"] and all(r["reason"] == "new page" for r in report["rendered"])
    assert report["files_written"] > 0


def test_sigterm_while_rendering_keeps_the_previous_site_and_the_next_run_completes(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from tests.benchmarks.corpus import write_corpus

    snap = write_corpus(tmp_path / "snap", 1500, 300)
    site, out = tmp_path / "s", tmp_path / "out"
    site.mkdir()
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    cmd = [sys.executable, "-m", "helpgen", "build", str(site), "--snapshot", str(snap), "--out", str(out), "-q"]
    subprocess.run(cmd, check=True, env=env, timeout=300)
    before = tree_bytes(out)

    proc = subprocess.Popen(cmd + ["--full"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        staging = [p for p in tmp_path.iterdir() if ".staging-" in p.name]
        if staging and (staging[0] / "articles").is_dir() and len(list((staging[0] / "articles").iterdir())) > 50:
            break
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("the build never reached the rendering stage")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 75, stderr
    assert "SIGTERM" in stderr and "left as it was" in stderr
    assert tree_bytes(out) == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]

    finished = subprocess.run(cmd, env=env, timeout=300, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert tree_bytes(out) == before


def test_a_window_too_small_for_the_list_pass_is_not_spent(served) -> None:
    server, _, config = served
    build_site(config)
    before = tree_bytes(config.out_dir)
    server.faults.rate_limit = LIST_REQUESTS - 2
    server.clear_log()
    with pytest.raises(ContentIncomplete, match="requests left"):
        build_site(config)
    assert len(server.requests) == 1  # it learned the budget from the first answer, and stopped
    server.clear_log()
    with pytest.raises(ContentIncomplete, match="rate limit resets around"):
        build_site(config)
    assert server.requests == []  # the cache remembers the window: not one request spent
    assert tree_bytes(config.out_dir) == before


def snapshot_config(tmp_path: Path) -> Config:
    """The example site's config, building from a snapshot in memory into ``tmp_path``."""
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": tmp_path / "site", "cache_dir": tmp_path / "cache"}, environ={})
    return replace(config, snapshot_dir=None)


def test_a_feed_that_appears_re_renders_the_pages_whose_head_links_to_it(tmp_path: Path, example_snapshot) -> None:
    # A post page's head links to its topic's Atom feed when the topic has one. Here another
    # post of the topic gets the first date, so the feed appears: the page shows nothing else
    # of that post, yet it must not keep its old head.
    config = snapshot_config(tmp_path)
    topic = "tips-and-show-and-tell"
    in_topic = [t.post.id for t in example_snapshot.threads if t.post.topic_slug == topic]
    assert len(in_topic) >= 2

    def dated(snapshot: Snapshot, post_ids: set[str]) -> Snapshot:
        threads = tuple(
            PostThread(post=replace(t.post, created_at=t.post.created_at if t.post.id in post_ids else None), comments=t.comments)
            if t.post.id in in_topic else t
            for t in snapshot.threads
        )
        return replace(snapshot, threads=threads)

    build_site(config, snapshot=dated(example_snapshot, set()))
    other = next(t.post.slug for t in example_snapshot.threads if t.post.id == in_topic[1])
    page_file = config.out_dir / "community" / "posts" / other / "index.html"
    assert f"{topic}/feed.xml" not in page_file.read_text()

    new = dated(example_snapshot, {in_topic[0]})
    report = build_site(config, snapshot=new)
    reasons = {r["page"]: r["reason"] for r in report.rendered}
    assert reasons[f"community/posts/{other}/index.html"] == "dependency changed"
    assert f'href="../../../community/{topic}/feed.xml"' in page_file.read_text()
    assert (config.out_dir / "community" / topic / "feed.xml").is_file()
    assert tree_bytes(config.out_dir) == tree_bytes(clean_build(config, new, tmp_path))


def test_a_page_whose_body_links_to_a_moved_article_is_re_rendered(tmp_path: Path, example_snapshot) -> None:
    # A link to the help center's own address becomes a relative link while its article
    # exists, and is left as written once the article moved away: the page that holds it
    # (in another category) must follow.
    config = snapshot_config(tmp_path)
    linking, moved = "install-the-kettle-mobile-app-ksbx4yuw", "recognise-phishing-emails-nrzzunwc"
    absolute = f"https://kettle.cstar.help/articles/{moved}"

    def edit(article):
        if article.slug == linking:
            return replace(article, content=article.content + f"\n\nSee also [phishing]({absolute}).\n")
        return article

    old = replace(example_snapshot, articles=tuple(edit(a) for a in example_snapshot.articles))
    build_site(config, snapshot=old)
    page_file = config.out_dir / "articles" / linking / "index.html"
    assert f'href="../../articles/{moved}/">phishing' in page_file.read_text()

    new = replace(old, articles=tuple(replace(a, slug=moved + "-v2") if a.slug == moved else a for a in old.articles))
    report = build_site(config, snapshot=new)
    assert f"articles/{linking}/index.html" in {r["page"] for r in report.rendered}
    assert f'href="{absolute}">phishing' in page_file.read_text()
    assert tree_bytes(config.out_dir) == tree_bytes(clean_build(config, new, tmp_path))
