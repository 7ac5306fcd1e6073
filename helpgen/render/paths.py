"""The one place where slugs become URL paths and file names.

Slugs come from the API and are not file names: they may be ``index``, 300 characters long,
Unicode, contain separators or ``..``, or collide once normalised. :class:`SitePaths` turns
each (kind, id, slug) into a safe, stable path segment, gives colliding items distinct URLs
(the first in content order keeps the plain one) and records a warning naming both.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

__all__ = ["SitePaths", "safe_segment", "relative_url", "output_file", "markdown_copy_path", "absolute_url"]

MAX_SEGMENT_BYTES = 120
_RESERVED = {"", ".", "..", "assets", "media", "index.html", "404.html"}
# Windows device names: a folder called "con" cannot be checked out or synced there.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
# Lowercase ASCII letters and digits in dash-separated runs: nothing for safe_segment to change.
_PLAIN_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|#%&+;=@\[\]{}^`'!$,()\s]+")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def safe_segment(slug: str) -> str:
    """A file-system- and URL-safe version of ``slug``: readable, Unicode kept, never empty.

    Lowercases, NFC-normalises, turns separators, controls, whitespace and URL-special
    characters into ``-``, strips leading dots and dashes, caps the length at 120 UTF-8 bytes
    (with a hash of the full slug so long slugs stay distinct) and renames reserved names.
    """
    if len(slug) <= MAX_SEGMENT_BYTES and _PLAIN_SLUG.match(slug) and slug not in _RESERVED and slug not in _WINDOWS_RESERVED:
        return slug  # the common case, already safe: every step below would leave it as it is
    return _made_safe(slug)


def _made_safe(slug: str) -> str:
    text = unicodedata.normalize("NFC", slug).lower()
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    if len(text.encode("utf-8")) > MAX_SEGMENT_BYTES:
        cut = text.encode("utf-8")[: MAX_SEGMENT_BYTES - 9].decode("utf-8", "ignore").rstrip("-.")
        text = f"{cut}-{_short_hash(slug)}"
    if text in _RESERVED or text.split(".")[0] in _WINDOWS_RESERVED:
        text = f"{text or 'item'}-{_short_hash(slug)}"
    return text


@dataclass
class SitePaths:
    """Assigns every page a unique site path (``articles/reset-password/``) once per build.

    ``taken`` holds every path in use; an item's path depends only on its kind, slug, id and
    the order items are assigned, so the same content always gets the same URLs.
    """

    taken: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _by_item: dict[tuple[str, str], str] = field(default_factory=dict)

    def assign(self, kind: str, prefix: str, item_id: str, slug: str) -> str:
        """The site path for one item (idempotent for the same kind and id)."""
        key = (kind, item_id)
        if key in self._by_item:
            return self._by_item[key]
        segment = safe_segment(slug or item_id or kind)
        path = f"{prefix}{segment}/"
        if path in self.taken:
            other = self.taken[path]
            path = f"{prefix}{segment}-{_short_hash(kind + ':' + item_id + ':' + slug)}/"
            self.warnings.append(
                f"{kind} {slug!r} (id {item_id}) collides with {other} at /{prefix}{segment}/; "
                f"it is published at /{path}"
            )
        self.taken[path] = f"{kind} {slug!r} (id {item_id})"
        self._by_item[key] = path
        return path

    def reserve(self, path: str, owner: str) -> None:
        """Mark a fixed path (``community/posts/``) as used so no slug can take it."""
        self.taken[path] = owner


def output_file(path: str) -> str:
    """The file a site path is written to: ``articles/x/`` → ``articles/x/index.html``."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def markdown_copy_path(path: str) -> str:
    """The Markdown copy of a page at a site path: ``articles/x/`` → ``articles/x.md``.

    The page's folder name is already a safe segment, so the copy sits next to that folder.
    """
    if not path.endswith("/") or not path.strip("/"):
        raise ValueError(f"no Markdown copy for site path {path!r}")
    return path[:-1] + ".md"


def absolute_url(base_url: str, path: str) -> str:
    """Site path ``path`` as an absolute, percent-encoded URL under ``base_url`` (ending in ``/``)."""
    return base_url + quote(path, safe="/-._~!$&'()*+,;=:@%")


def relative_url(from_path: str, to_path: str) -> str:
    """The URL of site path ``to_path`` as written in the page at ``from_path``.

    Both are site paths (``""`` is home, ``articles/x/`` a page, ``assets/a.css`` a file).
    The result is percent-encoded and relative, so the site works from any subfolder.
    """
    depth = from_path.count("/")
    prefix = "../" * depth
    target = prefix + to_path
    return quote(target, safe="/#?=&-._~") or "./"
