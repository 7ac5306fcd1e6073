"""The admin ``CStarClient`` against the test server's admin endpoints, over real HTTP."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.content.drafts import DraftCredentialsMissing, admin_client_from_env, pull_drafts, with_drafts
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.cstar import CStarError, CStarNotFoundError
from helpgen.cstar.admin import CStarClient
from helpgen.testing.cstar_server import DEFAULT_TEAM_ID, CStarTestServer
from tests.conftest import EXAMPLE_SITE

KEY = "sk_live_admin_test_7a6b5c"


@pytest.fixture
def server(tmp_path: Path):
    snap_dir = tmp_path / "served"
    shutil.copytree(EXAMPLE_SITE / "snapshot", snap_dir)
    snapshot = load_snapshot(snap_dir)
    drafts = tuple(
        replace(snapshot.articles[0], id=f"art_d{n}", slug=f"draft-{n}", title=f"Draft {n}", status="draft", content=f"Body {n}")
        for n in range(130)  # more than one page of 100
    )
    save_snapshot(replace(snapshot, articles=(*snapshot.articles, *drafts)), snap_dir)
    with CStarTestServer(snap_dir, admin_key=KEY) as srv:
        yield srv


def test_lists_every_article_over_pages_and_gets_one_with_content(server: CStarTestServer) -> None:
    with CStarClient(KEY, DEFAULT_TEAM_ID, base_url=server.url) as client:
        everything = list(client.iter_articles())
        assert len(everything) == 45 + 130
        assert all(a.content is None for a in everything)  # summaries
        only_drafts = list(client.iter_articles(status="draft"))
        assert [a.slug for a in only_drafts[:2]] == ["draft-0", "draft-1"] and len(only_drafts) == 130
        article = client.article("draft-7")
        assert (article.title, article.status, article.content) == ("Draft 7", "draft", "Body 7")
        with pytest.raises(CStarNotFoundError):
            client.article("no-such-draft")
    pages = [r.query.get("page") for r in server.requests if r.path == "/api/v1/articles" and "status" not in r.query]
    assert pages == ["1", "2"]


def test_pull_drafts_fetches_bodies_and_merges_them_for_the_preview(server: CStarTestServer) -> None:
    with CStarClient(KEY, DEFAULT_TEAM_ID, base_url=server.url) as client:
        drafts = pull_drafts(client)
    assert len(drafts) == 130 and all(d.content for d in drafts)
    public = load_snapshot(EXAMPLE_SITE / "snapshot")
    merged, slugs = with_drafts(public, drafts)
    assert len(merged.articles) == 45 + 130 and len(slugs) == 130
    assert all(a.status == "published" for a in merged.articles)  # so the planner shows them
    # A draft that collides with a published slug is left out: the published one is shown.
    clash = replace(drafts[0], id="art_x", slug=public.articles[0].slug)
    assert with_drafts(public, [clash])[1] == ()


def test_a_wrong_key_fails_without_ever_showing_the_key(server: CStarTestServer, caplog) -> None:
    wrong = "sk_live_wrong_key_123456"
    caplog.set_level(logging.DEBUG)
    with CStarClient(wrong, DEFAULT_TEAM_ID, base_url=server.url, max_retries=0) as client:
        assert wrong not in repr(client)
        with pytest.raises(CStarError) as info:
            list(client.iter_articles())
    assert "401" in str(info.value) and "/api/v1/articles" in str(info.value)
    assert wrong not in str(info.value) and wrong not in caplog.text


def test_a_wrong_team_is_404(server: CStarTestServer) -> None:
    with CStarClient(KEY, "00000000-0000-0000-0000-000000000000", base_url=server.url, max_retries=0) as client:
        with pytest.raises(CStarNotFoundError):
            client.articles()


@pytest.mark.parametrize("key", ["", "pk_live_123456789", "sk_live_ with space", "hunter2hunter2"])
def test_only_secret_keys_are_accepted_and_never_echoed(key: str) -> None:
    with pytest.raises(ValueError) as info:
        CStarClient(key, DEFAULT_TEAM_ID)
    assert "CSTAR_API_KEY" in str(info.value)
    if key:
        assert key not in str(info.value)


def test_credentials_come_from_the_environment() -> None:
    with pytest.raises(DraftCredentialsMissing, match="CSTAR_API_KEY and CSTAR_TEAM_ID"):
        admin_client_from_env("https://www.cstar.help", environ={})
    client = admin_client_from_env("https://www.cstar.help", environ={"CSTAR_API_KEY": KEY, "CSTAR_TEAM_ID": DEFAULT_TEAM_ID})
    assert client.team_id == DEFAULT_TEAM_ID
    client.close()
