"""The site-wide files made from the planned pages, besides the search index.

``sitemap.xml`` and ``robots.txt`` (:mod:`~helpgen.render.sitemap`), the Atom feeds
(:mod:`~helpgen.render.feeds`), and ``llms.txt``, ``llms-full.txt`` and each article's ``.md``
copy (:mod:`~helpgen.render.llms`). Data, not templates: one linear pass each over the pages,
written through the staged site in the publish stage (unchanged files are carried over).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from helpgen.render.feeds import feed_files
from helpgen.render.llms import llms_files
from helpgen.render.sitemap import ROBOTS, robots_txt, sitemap_files

__all__ = ["site_files"]


def site_files(pages: Sequence[Any], settings: Any, static_dir: Path | None = None) -> dict[str, bytes]:
    """``{site path: bytes}`` of the sitemap, robots.txt, feeds and AI-readable copies.

    A ``robots.txt`` in the site's own ``static/`` folder is the site's choice: none is generated then.
    """
    files: dict[str, bytes] = {}
    files.update(sitemap_files(pages, settings.base_url))
    if static_dir is None or not (static_dir / ROBOTS).is_file():
        files[ROBOTS] = robots_txt(settings.base_url)
    files.update(feed_files(pages, settings))
    files.update(llms_files(pages, settings))
    return files
