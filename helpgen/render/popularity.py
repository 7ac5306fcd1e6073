"""Popular and trending articles: which articles the home, category and 404 pages list.

Pure: articles, view counts and the view history in, ordered lists out.

* **Popular overall**: the API's ``/popular`` list (mapped to current articles), falling back
  to ``viewCount`` (see ``render.pages``); **popular in a category**: its articles with at
  least one view, most viewed first (ties by title).
* **Trending**: the largest view growth per day. For each article, the baseline is the oldest
  kept sample (``content.view_history``) that is older than the current snapshot, at most
  :data:`~helpgen.content.view_history.WINDOW` old, and has the article; then

      views_per_day = round((views_now - views_then) * 86400 / max(now - then, MIN_SPAN))

  Articles with less than one view per day of growth (a first build, an article first seen
  now, a counter that went down) are not trending. Ties: title, then id.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence, TypeVar

from helpgen.content.view_history import WINDOW, ViewSample

__all__ = ["MIN_SPAN", "view_growth", "most_viewed", "trending"]

MIN_SPAN = 3600
"""Growth is measured over at least an hour, so a cron interval of minutes does not inflate it."""

_Article = TypeVar("_Article")


def view_growth(history: Sequence[ViewSample], current: ViewSample) -> dict[str, int]:
    """Article id → whole views per day gained, for articles that gained at least one a day."""
    usable = sorted((s for s in history if s.at < current.at and current.at - s.at <= WINDOW), key=lambda s: s.at)
    growth: dict[str, int] = {}
    if not usable:
        return growth
    for article_id, views in current.views.items():
        baseline = next((s for s in usable if article_id in s.views), None)
        if baseline is None:
            continue
        gained = views - baseline.views[article_id]
        if gained <= 0:
            continue
        per_day = round(gained * 86400 / max(current.at - baseline.at, MIN_SPAN))
        if per_day >= 1:
            growth[article_id] = per_day
    return dict(sorted(growth.items()))


def most_viewed(articles: Iterable[_Article], limit: int) -> list[_Article]:
    """Articles with at least one view, most viewed first (ties by title, then id)."""
    viewed = [a for a in articles if getattr(a, "view_count", 0) > 0]
    viewed.sort(key=lambda a: (-a.view_count, a.title.lower(), a.id))  # type: ignore[attr-defined]
    return viewed[:limit]


def trending(articles: Iterable[_Article], growth: Mapping[str, int], limit: int) -> list[tuple[_Article, int]]:
    """``(article, views per day)`` of the fastest-growing ``articles``, fastest first."""
    rising = [(a, growth[a.id]) for a in articles if a.id in growth]  # type: ignore[attr-defined]
    rising.sort(key=lambda pair: (-pair[1], pair[0].title.lower(), pair[0].id))  # type: ignore[attr-defined]
    return rising[:limit]
