"""The search page (``search/``) and the A–Z index of article titles (``search/a-z/{letter}/``).

Pure: links in, :class:`~helpgen.render.pages.Page` objects out. The search page works
without JavaScript: it lists the categories with their article counts, the most popular
articles and the A–Z letters. Each letter is one small page of titles (split into pages of
:data:`AZ_PAGE_SIZE` on a big site), so any article is a few clicks away.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpgen.render.i18n import Catalog, default_catalog

__all__ = ["AzLetter", "plan_search_pages", "az_key", "AZ_PAGE_SIZE", "SEARCH_PATH"]

SEARCH_PATH = "search/"
AZ_PAGE_SIZE = 200
SEARCH_POPULAR = 10
_KEYS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["0-9", "other"]
_LABELS = {"0-9": "0–9"}  # "other" is the catalog's az.other


@dataclass(frozen=True)
class AzLetter:
    """One letter of the A–Z index: ``key`` (``a``, ``0-9``, ``other``), label, first page, count."""

    key: str
    label: str
    path: str | None  # None when no title starts with it
    count: int


def az_key(title: str) -> str:
    """The A–Z letter a title is listed under: its first letter without accents, ``0-9`` or ``other``."""
    for char in unicodedata.normalize("NFKD", title.strip()):
        if unicodedata.combining(char):
            continue
        lower = char.lower()
        if "a" <= lower <= "z":
            return lower
        if char.isdigit():
            return "0-9"
        if char.isalpha():
            return "other"
    return "other"


def _sort_key(title: str) -> tuple[str, str]:
    base = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    return (base.casefold(), title)


def _az_path(key: str, number: int) -> str:
    return f"{SEARCH_PATH}a-z/{key}/" + (f"{number}/" if number > 1 else "")


def plan_search_pages(
    *,
    categories: Sequence[Any],
    topics: Sequence[Any],
    articles: Sequence[Any],
    popular: Sequence[Any],
    common: dict[str, Any],
    home: Any,
    crumb: Any,
    page: Any,
    catalog: Catalog | None = None,
) -> list[Any]:
    """The search page and every A–Z page, given the site's links.

    ``articles`` are ``ArticleLink`` objects; ``crumb`` and ``page`` are the ``Crumb`` and
    ``Page`` classes of :mod:`helpgen.render.pages` (passed in, so this module stays a leaf).
    Titles and labels come from ``catalog`` (the site's language; English by default).
    """
    text = (catalog or default_catalog()).text
    by_key: dict[str, list[Any]] = {key: [] for key in _KEYS}
    for article in articles:
        by_key[az_key(article.title)].append(article)
    for listed in by_key.values():
        listed.sort(key=lambda a: _sort_key(a.title))
    letters = [
        AzLetter(
            key=key,
            label=text("az.other") if key == "other" else _LABELS.get(key, key.upper()),
            path=_az_path(key, 1) if by_key[key] else None,
            count=len(by_key[key]),
        )
        for key in _KEYS
        if key != "other" or by_key[key]
    ]
    pages = [
        page(
            kind="search",
            path=SEARCH_PATH,
            template="search.html",
            title=text("search_page.title"),
            description=text("search_page.description"),
            context={
                **common,
                "breadcrumbs": [home],
                "categories": list(categories),
                "topics": list(topics),
                "popular": list(popular[:SEARCH_POPULAR]),
                "letters": letters,
            },
        )
    ]
    search_crumb = crumb(text("search_page.title"), SEARCH_PATH)
    for letter in letters:
        listed = by_key[letter.key]
        chunks = [listed[start : start + AZ_PAGE_SIZE] for start in range(0, len(listed), AZ_PAGE_SIZE)]
        for number, chunk in enumerate(chunks, start=1):
            pages.append(
                page(
                    kind="search_az",
                    path=_az_path(letter.key, number),
                    template="search_az.html",
                    title=text("az.title_page", letter=letter.label, page=number)
                    if number > 1
                    else text("az.title", letter=letter.label),
                    description=text("az.description", letter=letter.label),
                    context={
                        **common,
                        "breadcrumbs": [home, search_crumb],
                        "letter": letter,
                        "letters": letters,
                        "articles": chunk,
                        "page_number": number,
                        "page_count": len(chunks),
                        "prev_path": _az_path(letter.key, number - 1) if number > 1 else None,
                        "next_path": _az_path(letter.key, number + 1) if number < len(chunks) else None,
                    },
                )
            )
    return pages
