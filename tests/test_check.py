"""``helpgen check``: broken internal links, missing images and links to unpublished articles."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.check import BROKEN_LINK, MISSING_IMAGE, UNPUBLISHED, Problem, check_site
from helpgen.cli import main
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot


def test_the_example_site_passes(tmp_path: Path, example_copy: Path) -> None:
    build_site(load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={}))
    result = CliRunner().invoke(main, ["check", str(example_copy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("checked ") and result.output.strip().endswith("no problems")
    report = check_site(tmp_path / "out", base_url="https://help.kettlehq.com/")
    assert report.pages > 100 and report.references > 1000


def test_a_broken_site_is_reported_and_exits_1(tmp_path: Path, example_copy: Path) -> None:
    snap = load_snapshot(example_copy / "snapshot")
    draft = replace(snap.articles[6], id="art_draft", slug="secret-pricing-draft", status="draft", title="Draft")
    private = replace(snap.articles[7], id="art_private", slug="internal-runbook", is_public=False, title="Private")
    broken = replace(
        snap.articles[0],
        content=(snap.articles[0].content or "")
        + "\n\nSee [the draft](/articles/secret-pricing-draft) and [the runbook](internal-runbook).\n\n"
        + "![Missing diagram](/media/no-such-diagram.png)\n\n[Old page](/nowhere/at-all/) and [fine](#top)\n"
        + "[External](https://example.com/missing) is not checked.\n"
        + f"[A heading that is not there](/articles/{snap.articles[1].slug}#no-such-heading), [nor here](#nope),"
        + f" [but this one is](/articles/{snap.articles[1].slug}#main)\n",
    )
    snap = replace(snap, articles=(broken,) + snap.articles[1:] + (draft, private))
    save_snapshot(snap, example_copy / "snapshot")
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={}))
    (out / "assets" / "favicon.svg").unlink()  # a file the pages link to goes missing after the build

    result = CliRunner().invoke(main, ["check", str(example_copy), "--out", str(out), "--json"])
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)["problems"]
    page = f"articles/{broken.slug}/index.html"
    found = {(p["kind"], p["target"]) for p in problems if p["page"] == page}
    assert found == {
        (UNPUBLISHED, "articles/secret-pricing-draft"),
        (UNPUBLISHED, f"articles/{broken.slug}/internal-runbook"),  # a bare slug, left as written
        (MISSING_IMAGE, "media/no-such-diagram.png"),
        (BROKEN_LINK, "nowhere/at-all/"),
        (BROKEN_LINK, "assets/favicon.svg"),
        (BROKEN_LINK, f"articles/{snap.articles[1].slug}/#no-such-heading"),
        (BROKEN_LINK, f"articles/{broken.slug}/#nope"),
    }
    # The favicon is missing on every page.
    assert sum(1 for p in problems if p["target"] == "assets/favicon.svg") == len(list(out.rglob("*.html")))

    plain = CliRunner().invoke(main, ["check", str(example_copy), "--out", str(out)])
    assert plain.exit_code == 1
    assert f"{page}: unpublished article: ../../articles/secret-pricing-draft" in plain.output
    assert f"{page}: missing image: ../../media/no-such-diagram.png" in plain.output
    assert plain.output.strip().endswith(f"{len(problems)} problems")


def test_without_a_built_site_check_says_so(tmp_path: Path, example_copy: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(example_copy), "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "no built site there" in result.output


def test_a_site_in_a_subfolder_passes_with_its_base_url(tmp_path: Path, example_copy: Path) -> None:
    config = load_config(example_copy, overrides={"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache"}, environ={})
    build_site(replace(config, base_url="https://example.org/docs/help/"))
    assert check_site(tmp_path / "out", base_url="https://example.org/docs/help/").ok
    # Read as if served from the root, the 404 page's absolute /docs/help/ links and the sitemap's
    # URLs go nowhere; every other page links relatively and still passes.
    wrong = check_site(tmp_path / "out", base_url="https://example.org/")
    assert wrong.problems and {p.page for p in wrong.problems} == {"404.html", "sitemap.xml"}


def test_sitemap_urls_must_be_pages_of_the_site(tmp_path: Path, example_copy: Path) -> None:
    out = tmp_path / "out"
    build_site(load_config(example_copy, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={}))
    article = load_snapshot(example_copy / "snapshot").articles[3]
    (out / "articles" / article.slug / "index.html").unlink()
    report = check_site(out, base_url="https://help.kettlehq.com/")
    assert Problem(BROKEN_LINK, "sitemap.xml", f"https://help.kettlehq.com/articles/{article.slug}/",
                   f"articles/{article.slug}/") in report.problems
    (out / "sitemap.xml").write_text("<urlset><url><loc>")
    assert str(next(p for p in check_site(out).problems if p.page == "sitemap.xml")) == "sitemap.xml: not valid XML"
