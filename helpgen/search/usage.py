"""The usage boost: how much readers' own numbers lift a document in search, as one multiplier each.

The help desk's snapshot says how each page is used: an article's ``viewCount`` and its
"Was this helpful?" votes (``helpfulCount``/``notHelpfulCount``), a community post's votes and
whether it has an answer. :func:`usage_multipliers` turns them into one multiplier per search
document, ``m = 1 + weight × quantise(u)``, with a usage value ``u`` in [0, 1]:

* articles: ``u = (popularity + helpfulness) / 2``, where popularity is the view count on a
  log scale against the site's highest view count *rounded up to a power of ten* (so the
  scale moves only when the top article crosses 10×, not on every cron run), and
  helpfulness is ``(helpful + 1) / (helpful + not helpful + 2)`` (Laplace smoothing: an
  article without votes is neutral, 0.5, and one vote moves it a little, not to 0 or 1);
* posts: ``u = (popularity + answered) / 2``, popularity from the post's votes on the same
  kind of scale (against the highest post vote count), answered = 1 with an official answer,
  0.75 when the status is ``answered``, 0.5 otherwise.

``u`` is rounded *down* to steps of 1/:data:`STEPS` before it is used. The export multiplies
every (term, document) score by ``m``, so a change of ``m`` rewrites all that document's
postings: the coarse steps keep the small view changes of each cron run from changing the
index (a document's ``m`` moves only when its ``u`` crosses a step).

The boost is bounded: ``1 ≤ m ≤ 1 + weight``. A weight of 0 turns it off (no multipliers at
all, so the index is byte for byte the one without a boost).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from helpgen.search.documents import ARTICLE, POST

__all__ = [
    "DEFAULT_USAGE_BOOST",
    "MAX_USAGE_BOOST",
    "STEPS",
    "article_usage",
    "post_usage",
    "quantise",
    "multiplier",
    "usage_multipliers",
    "document_multipliers",
]

DEFAULT_USAGE_BOOST = 0.2
"""``[search] usage_boost``: a document readers use most scores at most 20% above one nobody uses."""

MAX_USAGE_BOOST = 1.0
"""The largest weight the config accepts (``m`` at most 2): usage breaks near-ties; it must
not outweigh the words."""

STEPS = 8
"""``u`` is rounded down to multiples of 1/8: ``m`` takes at most 9 values."""

_MIN_SCALE = 10  # the log scale's top is at least 10 views (votes): a new site's 3 views are not "the most popular"


def _scale_top(highest: int) -> int:
    """The smallest power of ten at or above ``highest`` (at least :data:`_MIN_SCALE`)."""
    top = _MIN_SCALE
    while top < highest:
        top *= 10
    return top


def _log_share(count: int, top: int) -> float:
    """``count`` on a log scale from 0 (none) to 1 (``top``)."""
    return min(1.0, math.log1p(max(0, count)) / math.log1p(top))


def article_usage(views: int, helpful: int, not_helpful: int, highest_views: int) -> float:
    """An article's usage value in [0, 1] (see the module docstring)."""
    helpful, not_helpful = max(0, helpful), max(0, not_helpful)
    helpfulness = (helpful + 1) / (helpful + not_helpful + 2)
    return (_log_share(views, _scale_top(highest_views)) + helpfulness) / 2


def post_usage(votes: int, status: str, has_official_answer: bool, highest_votes: int) -> float:
    """A community post's usage value in [0, 1] (see the module docstring)."""
    if has_official_answer or status == "officially_answered":
        answered = 1.0
    elif status == "answered":
        answered = 0.75
    else:
        answered = 0.5
    return (_log_share(votes, _scale_top(highest_votes)) + answered) / 2


def quantise(usage: float) -> float:
    """``usage`` rounded down to a multiple of 1/:data:`STEPS`, within [0, 1]."""
    return min(STEPS, max(0, math.floor(usage * STEPS))) / STEPS


def multiplier(usage: float, weight: float) -> float:
    """``1 + weight × quantise(usage)``: between 1 and ``1 + weight``."""
    return 1.0 + weight * quantise(usage)


def usage_multipliers(pages: Iterable[Any], weight: float) -> dict[str, float]:
    """``{page path: m}`` for the article and post pages of a site; empty when ``weight`` is 0.

    Only the pages' own numbers are read (``article.view_count``, ``helpful_count``,
    ``not_helpful_count``; ``post.vote_count``, ``post.status`` and the official comments),
    so the multipliers are a pure function of the snapshot and the weight.
    """
    if not 0 <= weight <= MAX_USAGE_BOOST:
        raise ValueError(f"usage boost must be between 0 and {MAX_USAGE_BOOST}, got {weight!r}")
    if weight == 0:
        return {}
    articles: list[tuple[str, Any]] = []
    posts: list[tuple[str, Any, bool]] = []
    for page in pages:
        if page.kind == ARTICLE:
            articles.append((page.path, page.context["article"]))
        elif page.kind == POST:
            official = any(c.is_official for c in page.context.get("comments", ()))
            posts.append((page.path, page.context["post"], official))
    highest_views = max((a.view_count for _, a in articles), default=0)
    highest_votes = max((p.vote_count for _, p, _ in posts), default=0)
    boosts: dict[str, float] = {}
    for path, article in articles:
        usage = article_usage(article.view_count, article.helpful_count, article.not_helpful_count, highest_views)
        boosts[path] = multiplier(usage, weight)
    for path, post, official in posts:
        boosts[path] = multiplier(post_usage(post.vote_count, post.status, official, highest_votes), weight)
    return boosts


def document_multipliers(paths: Iterable[str], boosts: Mapping[str, float]) -> list[float]:
    """The multiplier of each document path in order (1 for a path without one)."""
    return [boosts.get(path, 1.0) for path in paths]
