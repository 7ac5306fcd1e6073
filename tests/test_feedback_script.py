"""The views and feedback snippet as built: its size budget, its markup and its switches.

The browser behaviour is in ``test_feedback_browser.py``; this module checks the built files
and the ``[analytics]`` configuration without a browser.
"""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import ConfigError, load_config
from helpgen.content.snapshot import load_snapshot
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import parse

GZIP_BUDGET = 2048  # bytes; issue 4: "<= 2 KB gzipped"
SNAPSHOT = load_snapshot(EXAMPLE_SITE / "snapshot")
ARTICLE = SNAPSHOT.articles[0].slug


def build(out: Path, **changes: object) -> Path:
    """The example site built into ``out`` (with its own cache folder, so builds run in parallel)."""
    overrides = {"out_dir": out, "cache_dir": out.with_name(out.name + "-cache")}
    config = load_config(EXAMPLE_SITE, overrides=overrides, environ={})
    build_site(replace(config, **changes))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("snippet") / "site")


def feedback_scripts(page_file: Path) -> list[dict[str, str]]:
    return [s.attrs for s in parse(page_file).find_all("script") if "feedback." in s.attrs.get("src", "")]


def test_the_built_script_is_at_most_2_kb_gzipped(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [script] = (built / "assets").glob("feedback.*.js")
    raw = script.read_bytes()
    compressed = len(gzip.compress(raw, compresslevel=9, mtime=0))
    with capsys.disabled():
        print(f"\n{script.name}: {len(raw)} bytes, {compressed} bytes gzipped (-9); budget {GZIP_BUDGET}")
    assert compressed <= GZIP_BUDGET, f"{script.name} is {compressed} bytes gzipped, over the {GZIP_BUDGET}-byte budget"


def test_the_script_is_external_deferred_and_hashed(built: Path) -> None:
    [attrs] = feedback_scripts(built / "articles" / ARTICLE / "index.html")
    src = attrs["src"]
    assert src.startswith("../../assets/feedback.") and src.endswith(".js")
    assert len(src.split(".")[-2]) == 10  # the content hash
    assert (built / "articles" / ARTICLE / src).resolve().is_file()
    assert "defer" in attrs
    assert attrs["data-api"] == "https://www.cstar.help"
    assert attrs["data-team"] == "kettle"
    assert attrs["data-article"] == ARTICLE  # the API's slug, for the API's URL
    assert "data-respect-dnt" in attrs
    [element] = [s for s in parse(built / "articles" / ARTICLE / "index.html").find_all("script") if s.attrs == attrs]
    assert element.text.strip() == ""  # settings travel in data- attributes, never inline code


def test_every_page_loads_the_script_but_only_articles_name_one(built: Path) -> None:
    home = feedback_scripts(built / "index.html")
    assert len(home) == 1 and "data-article" not in home[0]  # retries queued feedback only
    for page in ("404.html", "community/index.html"):
        [attrs] = feedback_scripts(built / page)
        assert "data-article" not in attrs
    for article in SNAPSHOT.articles:
        [attrs] = feedback_scripts(built / "articles" / article.slug / "index.html")
        assert attrs["data-article"] == article.slug


def test_the_widget_is_rendered_hidden_and_accessible(built: Path) -> None:
    page = parse(built / "articles" / ARTICLE / "index.html")
    [widget] = page.find_all("section", **{"data-feedback": ""})
    assert "hidden" in widget.attrs and widget.attrs["aria-labelledby"] == "feedback-title"
    assert page.text_of("h2", id="feedback-title") == "Was this article helpful?"
    buttons = page.find_all("button", **{"aria-pressed": "false"})
    assert [(b.attrs["data-helpful"], b.text) for b in buttons] == [("true", "Yes"), ("false", "No")]
    [textarea] = page.find_all("textarea")
    assert textarea.attrs["maxlength"] == "2000"
    assert textarea.attrs["aria-describedby"] == "feedback-count"
    [label] = page.find_all("label", for_="feedback-text")
    assert label.attrs["data-yes"] and label.attrs["data-no"]
    assert "hidden" in page.find_all("form", class_="feedback-form")[0].attrs
    assert page.text_of("p", id="feedback-count") == "0 / 2000 characters"


@pytest.mark.parametrize(
    ("changes", "script", "widget"),
    [
        ({"analytics": False}, False, False),
        ({"feedback": False}, True, False),
        ({"respect_dnt": False}, True, True),
        ({"team": ""}, True, True),  # the snapshot names the team
    ],
)
def test_switches(tmp_path: Path, changes: dict[str, object], script: bool, widget: bool) -> None:
    out = build(tmp_path / "site", **changes)
    page = out / "articles" / ARTICLE / "index.html"
    scripts = feedback_scripts(page)
    assert len(scripts) == (1 if script else 0)
    assert len(parse(page).find_all("section", **{"data-feedback": ""})) == (1 if widget else 0)
    if scripts:
        assert ("data-respect-dnt" in scripts[0]) == changes.get("respect_dnt", True)
        assert scripts[0]["data-team"] == "kettle"
    if not script:
        assert "feedback." not in (out / "index.html").read_text(encoding="utf-8")


def test_hostile_team_and_api_values_stay_inside_their_attributes(tmp_path: Path) -> None:
    team = '"><script>alert(1)</script>'
    out = build(tmp_path / "site", team=team, api_url="https://api.example/x?a=1&b=\"2\"")
    html = (out / "articles" / ARTICLE / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    [attrs] = feedback_scripts(out / "articles" / ARTICLE / "index.html")
    assert attrs["data-team"] == team
    assert attrs["data-api"] == 'https://api.example/x?a=1&b="2"'


def write_config(site: Path, analytics: str) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    (site / "helpgen.toml").write_text(f"[analytics]\n{analytics}\n", encoding="utf-8")
    return site


def test_analytics_keys_default_on(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert (config.analytics, config.respect_dnt, config.feedback) == (True, True, True)


def test_analytics_keys_are_read(tmp_path: Path) -> None:
    site = write_config(tmp_path / "s", "enabled = true\nrespect_dnt = false\nfeedback = false")
    config = load_config(site, environ={})
    assert (config.analytics, config.respect_dnt, config.feedback) == (True, False, False)


@pytest.mark.parametrize("key", ["respect_dnt", "feedback"])
def test_analytics_keys_must_be_booleans(tmp_path: Path, key: str) -> None:
    site = write_config(tmp_path / "s", f'{key} = "no"')
    with pytest.raises(ConfigError, match=rf"helpgen\.toml: \[analytics\]\.{key}: expected true or false"):
        load_config(site, environ={})


def test_unknown_analytics_key_names_the_known_ones(tmp_path: Path) -> None:
    site = write_config(tmp_path / "s", "dnt = true")
    with pytest.raises(ConfigError, match=r"\[analytics\]\.dnt: unknown key \(known: enabled, respect_dnt, feedback\)"):
        load_config(site, environ={})


def test_an_incremental_rebuild_follows_the_switches(tmp_path: Path) -> None:
    out = tmp_path / "site"
    page = out / "articles" / ARTICLE / "index.html"
    build(out)
    assert len(parse(page).find_all("section", **{"data-feedback": ""})) == 1
    build(out, feedback=False)
    assert parse(page).find_all("section", **{"data-feedback": ""}) == []
    build(out, analytics=False)
    assert feedback_scripts(page) == [] and feedback_scripts(out / "index.html") == []
