"""Rendering across processes: forked workers, the build process comparing fingerprints first,
and the site files made by a worker meanwhile, must publish exactly what one process does,
and an incremental build exactly what a clean build does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import Config, load_config
from helpgen.content.snapshot import Snapshot
from helpgen.render.bodies import ARTICLE, BodyCache, BodyNotRendered, BodyRenderer
from helpgen.render.paths import safe_segment
from helpgen.render.site_writer import MIN_PAGES_PER_WORKER
from helpgen.workers import can_fork
from tests.benchmarks.corpus import generate_snapshot, mutate
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import tree_bytes

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked (not on this platform)")


def _config(where: Path) -> Config:
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": where / "site", "cache_dir": where / "cache"}, environ={})
    return replace(config, snapshot_dir=None)


def _clean(snapshot: Snapshot, where: Path) -> dict[str, bytes]:
    """A from-scratch build in one process, to compare with."""
    config = _config(where)
    build_site(config, snapshot=snapshot, jobs=1)
    return tree_bytes(config.out_dir)


@pytest.fixture(scope="module")
def states() -> tuple[Snapshot, Snapshot, Snapshot]:
    """A site big enough to fork render workers, a later state with a few articles edited, and
    one with most of them edited (enough pages to render for the workers again)."""
    base = generate_snapshot(2 * MIN_PAGES_PER_WORKER + 20, 60, seed=5)
    few = mutate(base, 0.01, seed=1)
    many = mutate(few, 0.7, seed=2)
    return base, few, many


def test_forked_rendering_publishes_what_one_process_publishes(tmp_path: Path, states) -> None:
    base, few, many = states
    forked, single = _config(tmp_path / "forked"), _config(tmp_path / "single")

    first = build_site(forked, snapshot=base, jobs=2)
    build_site(single, snapshot=base, jobs=1)
    assert first.pages_written >= 2 * MIN_PAGES_PER_WORKER
    # A worker saved the content-keyed caches while the pages were compared and rendered.
    for config in (forked, single):
        assert (config.cache_dir / "related.marshal").stat().st_size > 0
        assert any((config.cache_dir / "search-export").iterdir()) and any((config.cache_dir / "search-terms").iterdir())
    assert tree_bytes(forked.out_dir) == tree_bytes(single.out_dir)
    assert (forked.out_dir / "llms-full.txt").is_file() and (forked.out_dir / "sitemap.xml").is_file()

    # A few articles edited: only their pages and the pages that list or link them change.
    edited = {safe_segment(a.slug) for a, b in zip(base.articles, few.articles) if a.content != b.content}
    assert 0 < len(edited) < 10
    report = build_site(forked, snapshot=few, jobs=2)
    reasons = {r["page"]: r["reason"] for r in report.rendered}
    for slug in edited:
        assert reasons[f"articles/{slug}/index.html"] == "content changed"
    assert report.pages_rendered < report.pages_written // 4
    assert report.pages_rendered + report.pages_unchanged == report.pages_written
    published = tree_bytes(forked.out_dir)
    assert published == _clean(few, tmp_path / "clean-few")
    edited_copy = f"articles/{sorted(edited)[0]}.md"
    assert published[edited_copy].decode("utf-8").endswith(
        next(a.content for a in few.articles if safe_segment(a.slug) == sorted(edited)[0]).strip("\n") + "\n"
    )
    build_site(single, snapshot=few, jobs=1)
    assert tree_bytes(single.out_dir) == published

    # Most articles edited: the pages to render go to the workers again.
    report = build_site(forked, snapshot=many, jobs=2)
    assert report.pages_rendered >= MIN_PAGES_PER_WORKER
    assert report.pages_rendered + report.pages_unchanged == report.pages_written
    assert tree_bytes(forked.out_dir) == _clean(many, tmp_path / "clean-many")

    # Nothing changed but one published page was damaged: it is put right, the rest kept.
    page = next(p for p in sorted(forked.out_dir.glob("articles/*/index.html")))
    page.write_bytes(b"defaced")
    report = build_site(forked, snapshot=many, jobs=2)
    assert report.pages_rendered == 1
    assert tree_bytes(forked.out_dir) == _clean(many, tmp_path / "clean-many-again")


def test_comparing_fingerprints_never_renders_a_new_body(tmp_path: Path) -> None:
    renderer = BodyRenderer(BodyCache(tmp_path / "bodies"))
    resolve = lambda href: None  # noqa: E731
    with renderer.known_bodies_only():
        with pytest.raises(BodyNotRendered):
            renderer.fingerprint(ARTICLE, "# New\n\n[a link](https://example.com/)\n", resolve, "article 'new'")
    assert renderer.cache.misses == 0  # nothing was rendered
    # Outside it the body is rendered once to learn its links; then it is known.
    known = renderer.fingerprint(ARTICLE, "# New\n\n[a link](https://example.com/)\n", resolve, "article 'new'")
    assert known[-1] == (("https://example.com/", None),)
    with renderer.known_bodies_only():
        assert renderer.fingerprint(ARTICLE, "# New\n\n[a link](https://example.com/)\n", resolve) == known
