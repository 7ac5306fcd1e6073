"""Draft articles for the preview server: read through the admin API, merged into a snapshot.

Only ``helpgen serve --drafts`` calls this, and it builds into its own private folder;
``helpgen build`` never does. The page planner publishes only ``published`` and public
articles, so a draft is handed to it as published and its slug is listed in
``Config.preview_drafts``, which puts the "Draft" banner on its page
(``partials/draft_banner.html``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import Mapping

from helpgen.content.snapshot import Snapshot
from helpgen.cstar._models import Article
from helpgen.cstar.admin import API_KEY_ENV, TEAM_ID_ENV, CStarClient

__all__ = ["DraftCredentialsMissing", "admin_client_from_env", "pull_drafts", "with_drafts", "is_draft"]

log = logging.getLogger("helpgen.drafts")


class DraftCredentialsMissing(Exception):
    """``--drafts`` without ``CSTAR_API_KEY`` and ``CSTAR_TEAM_ID``; the message names them."""


def is_draft(article: Article) -> bool:
    """True for an article readers of the published site cannot see."""
    return article.status != "published" or not article.is_public


def admin_client_from_env(
    api_url: str, *, timeout: float = 30.0, max_retries: int = 3, environ: Mapping[str, str] | None = None
) -> CStarClient:
    """A :class:`CStarClient` from ``CSTAR_API_KEY`` and ``CSTAR_TEAM_ID``."""
    env = os.environ if environ is None else environ
    key, team_id = env.get(API_KEY_ENV, "").strip(), env.get(TEAM_ID_ENV, "").strip()
    missing = [name for name, value in ((API_KEY_ENV, key), (TEAM_ID_ENV, team_id)) if not value]
    if missing:
        raise DraftCredentialsMissing(
            f"--drafts needs {' and '.join(missing)} in the environment "
            "(a secret key sk_live_... and the team's id, from cStar's dashboard)"
        )
    try:
        return CStarClient(key, team_id, base_url=api_url, timeout=timeout, max_retries=max_retries)
    except ValueError as exc:
        raise DraftCredentialsMissing(str(exc)) from None


def pull_drafts(client: CStarClient) -> list[Article]:
    """Every article readers cannot see yet (drafts, unpublished), each with its ``content``."""
    drafts = []
    for summary in client.iter_articles():
        if not is_draft(summary):
            continue
        drafts.append(summary if summary.has_content else client.article(summary.slug or summary.id))
    log.info("drafts: %d unpublished article(s) to preview", len(drafts))
    return drafts


def with_drafts(snapshot: Snapshot, drafts: list[Article]) -> tuple[Snapshot, tuple[str, ...]]:
    """``snapshot`` plus ``drafts`` shown as articles, and the drafts' slugs (for the banner).

    A draft whose id or slug a published article already has is left out: the published
    version is what the preview of that page shows.
    """
    taken_ids = {a.id for a in snapshot.articles}
    taken_slugs = {a.slug for a in snapshot.articles}
    added = []
    for draft in drafts:
        if not draft.slug or draft.id in taken_ids or draft.slug in taken_slugs:
            continue
        taken_ids.add(draft.id)
        taken_slugs.add(draft.slug)
        added.append(replace(draft, status="published", is_public=True))
    merged = replace(snapshot, articles=(*snapshot.articles, *added))
    return merged, tuple(sorted(a.slug for a in added))
