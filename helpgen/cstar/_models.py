"""Typed models of cStar's public objects, and the one place their JSON is read and written.

cStar has shipped several generations of these shapes (see ``shared/cstar-api.md``,
"Tolerance"): camelCase or snake_case keys, ``category`` as a name, a slug or an object,
missing optional fields. ``from_api`` accepts all of them, falls back to a default for a
value it cannot use (wrong type, null) and records what was wrong in the model's
``problems`` (see ``_checks.py``; never written back); ``to_api`` writes the contract's
own shape (camelCase for the Library, snake_case for the Community), so a saved snapshot is
also a fixture for the test server. Unknown fields are kept in ``extra`` and written back.

Most objects are already in the contract's own shape, with nothing wrong: ``from_api`` first
tries a fast reading for exactly those (each model's ``_PLAN``, a :class:`_Plan`: the
contract's key spelling, no unknown keys, every value of a type that is no problem), and
gives every other object to the detailed reading, which also words its problems. Both give
equal models (``tests/test_models_fast.py`` compares them on generated objects).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Generic, TypeVar

from ._checks import field_problems, is_timestamp

__all__ = [
    "Category",
    "Article",
    "ArticleSummary",
    "Topic",
    "Post",
    "Comment",
    "Attachment",
    "PostThread",
    "Pagination",
    "ArticlePage",
    "PostPage",
    "SearchResults",
    "LibraryStats",
    "snake_keys",
    "list_payload",
    "object_payload",
    "UnexpectedShape",
    "POST_STATUSES",
]

POST_STATUSES = (
    "open",
    "answered",
    "officially_answered",
    "planned",
    "not_planned",
    "completed",
    "under_review",
)

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SLUG_LIKE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@functools.lru_cache(maxsize=4096)
def _snake(key: str) -> str:
    # Cached: a 10,000-article snapshot converts the same few dozen keys half a million times.
    return _CAMEL_BOUNDARY.sub("_", key).lower()


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``obj`` with every top-level key in snake_case (first spelling wins)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        out.setdefault(_snake(str(key)), value)
    return out


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    """``value`` with lone UTF-16 surrogates (valid in JSON, not in UTF-8) as U+FFFD."""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


def _str(value: Any, default: str = "") -> str:
    if type(value) is str:  # the common case first: a 10,000-article load makes 150,000 calls
        return _text(value)
    if value is None or isinstance(value, (Mapping, list, tuple)):  # never a repr on a page
        return default
    return _text(value) if isinstance(value, str) else str(value)


def _opt_str(value: Any) -> str | None:
    if type(value) is str and value:
        return _text(value)
    if value is None or value == "" or isinstance(value, (Mapping, list, tuple)):
        return None
    return _text(value) if isinstance(value, str) else str(value)


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity
        return default


def _bool(value: Any, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    if isinstance(value, (int, float)):
        return bool(value)
    return default


def _str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if isinstance(v, Mapping):  # tags as objects: {"name": ..., "slug": ...}
                v = v.get("name") or v.get("slug")
            if v is not None and v != "":
                out.append(_str(v))
        return tuple(out)
    return ()


def _extra(raw: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if _snake(str(k)) not in known}


# --------------------------------------------------------------------------- Plain objects
# The fast reading of an object in the contract's own shape. Each reader below takes a field's
# raw value (``_ABSENT`` when the key is missing) and returns what the detailed reading makes
# of it, or raises ``_NotPlain`` for any value the detailed reading would report as a problem
# or convert in a way the reader does not (a number as text, a null count, ...).


class _Absent:
    """The value of a key the object does not have."""


_ABSENT: Any = _Absent()


class _NotPlain(Exception):
    """The object needs the detailed reading."""


def _plain_text(value: Any) -> str:
    """An identity or optional text field (``_str``): text, or "" for null or missing."""
    if type(value) is str:
        return _text(value)
    if value is None or value is _ABSENT:
        return ""
    raise _NotPlain


def _plain_opt_text(value: Any) -> str | None:
    """An optional text field (``_opt_str``): text, or None for "", null or missing."""
    if type(value) is str:
        return _text(value) if value else None
    if value is None or value is _ABSENT:
        return None
    raise _NotPlain


def _plain_body(value: Any) -> str | None:
    """An article's ``content``: text, or None (a summary) when null or missing."""
    if type(value) is str:
        return _text(value)
    if value is None or value is _ABSENT:
        return None
    raise _NotPlain


def _plain_required_text(default: str) -> Any:
    """A text field whose null is a problem: text, or ``default`` when missing."""

    def read(value: Any) -> str:
        if type(value) is str:
            return _text(value)
        if value is _ABSENT:
            return default
        raise _NotPlain

    return read


def _plain_flag(default: bool) -> Any:
    """A true/false field: a JSON boolean, or ``default`` when missing."""

    def read(value: Any) -> bool:
        if type(value) is bool:
            return value
        if value is _ABSENT:
            return default
        raise _NotPlain

    return read


def _plain_count(value: Any) -> int:
    """A count: a JSON whole number, or 0 when missing."""
    if type(value) is int:
        return value
    if value is _ABSENT:
        return 0
    raise _NotPlain


def _plain_date(value: Any) -> str | None:
    """A timestamp: a valid one, or None when null or missing."""
    if type(value) is str and is_timestamp(value):
        return _text(value)
    if value is None or value is _ABSENT:
        return None
    raise _NotPlain


def _plain_tags(value: Any) -> tuple[str, ...]:
    """Tags: a list of texts, or none when missing."""
    if type(value) is list:
        for tag in value:
            if type(tag) is not str:
                raise _NotPlain
        return tuple(_text(tag) for tag in value if tag)
    if value is _ABSENT:
        return ()
    raise _NotPlain


def _plain_attachments(value: Any) -> tuple["Attachment", ...]:
    """A post's attachments: a list of objects, or none when null or missing."""
    if type(value) is list:
        for item in value:
            if type(item) is not dict:
                raise _NotPlain
        return tuple(Attachment.from_api(item) for item in value)
    if value is None or value is _ABSENT:
        return ()
    raise _NotPlain


class _Plan:
    """How a model reads a plain object: each field's key, as the contract spells it, and its
    reader, in the model's field order (the model is made from the values positionally)."""

    def __init__(self, *fields: tuple[str, Callable[[Any], Any]]) -> None:
        self.fields = fields
        self.keys = frozenset(key for key, _ in fields)

    def read(self, raw: Mapping[str, Any]) -> list[Any] | None:
        """The fields of ``raw``, in order; None when it needs the detailed reading."""
        if type(raw) is not dict or not raw.keys() <= self.keys:
            return None  # another key style, an older shape or unknown (extra) fields
        get = raw.get
        try:
            return [read(get(key, _ABSENT)) for key, read in self.fields]
        except _NotPlain:
            return None


_Model = TypeVar("_Model")


def _plain_first(
    detailed: Callable[[type[_Model], Mapping[str, Any]], _Model]
) -> Callable[[type[_Model], Mapping[str, Any]], _Model]:
    """Make ``from_api`` read a plain object by the class's ``_PLAN``, any other with ``detailed``."""

    @functools.wraps(detailed)
    def from_api(cls: type[_Model], raw: Mapping[str, Any]) -> _Model:
        plain = cls._PLAN.read(raw)  # type: ignore[attr-defined]
        return detailed(cls, raw) if plain is None else cls(*plain)

    return from_api


# --------------------------------------------------------------------------- Library


@dataclass(frozen=True)
class Category:
    """A public knowledge-base category."""

    id: str
    name: str
    slug: str
    description: str = ""
    icon: str | None = None
    color: str | None = None
    sort_order: int = 0
    is_public: bool = True
    article_count: int = 0
    created_at: str | None = None
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False, repr=False)
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _FIELDS = {
        "id", "name", "slug", "description", "icon", "color", "sort_order",
        "is_public", "article_count", "created_at", "updated_at",
    }
    _PLAN = _Plan(
        ("id", _plain_text), ("name", _plain_text), ("slug", _plain_text),
        ("description", _plain_text), ("icon", _plain_opt_text), ("color", _plain_opt_text),
        ("sortOrder", _plain_count), ("isPublic", _plain_flag(True)), ("articleCount", _plain_count),
        ("createdAt", _plain_date), ("updatedAt", _plain_date),
    )

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Category":
        """Build a Category from any documented generation of its JSON."""
        d = snake_keys(raw)
        return cls(
            id=_str(d.get("id")),
            name=_str(d.get("name")),
            slug=_str(d.get("slug")),
            description=_str(d.get("description")),
            icon=_opt_str(d.get("icon")),
            color=_opt_str(d.get("color")),
            sort_order=_int(d.get("sort_order")),
            is_public=_bool(d.get("is_public"), True),
            article_count=_int(d.get("article_count")),
            created_at=_opt_str(d.get("created_at")),
            updated_at=_opt_str(d.get("updated_at")),
            extra=_extra(raw, cls._FIELDS),
            problems=field_problems("category", raw),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's camelCase JSON for this category."""
        out = {_camel(k): getattr(self, k) for k in _ordered(self._FIELDS, _CATEGORY_ORDER)}
        out.update(self.extra)
        return out


_CATEGORY_ORDER = (
    "id", "name", "slug", "description", "icon", "color", "sort_order", "is_public",
    "article_count", "created_at", "updated_at",
)

_ARTICLE_ORDER = (
    "id", "title", "slug", "excerpt", "content", "category_id", "category_slug",
    "category_name", "tags", "status", "is_public", "view_count", "helpful_count",
    "not_helpful_count", "read_time", "meta_description", "published_at", "created_at",
    "updated_at",
)


def _ordered(fields: set[str], order: tuple[str, ...]) -> list[str]:
    return [f for f in order if f in fields]


def _category_ref(d: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(id, slug, name) of an article's category, from whichever shape carries it."""
    cid = _opt_str(d.get("category_id"))
    cslug = _opt_str(d.get("category_slug"))
    cname = _opt_str(d.get("category_name"))
    ref = d.get("category")
    if isinstance(ref, Mapping):
        r = snake_keys(ref)
        cid = cid or _opt_str(r.get("id"))
        cslug = cslug or _opt_str(r.get("slug"))
        cname = cname or _opt_str(r.get("name"))
    elif isinstance(ref, str) and ref.strip():
        if _SLUG_LIKE.match(ref):
            cslug = cslug or ref
        else:
            cname = cname or ref
    return cid, cslug, cname


@dataclass(frozen=True)
class Article:
    """A published article. ``content`` is None for a summary (list, search, popular)."""

    id: str
    title: str
    slug: str
    excerpt: str = ""
    content: str | None = None
    category_id: str | None = None
    category_slug: str | None = None
    category_name: str | None = None
    tags: tuple[str, ...] = ()
    status: str = "published"
    is_public: bool = True
    view_count: int = 0
    helpful_count: int = 0
    not_helpful_count: int = 0
    read_time: str | None = None
    meta_description: str | None = None
    published_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False, repr=False)
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _FIELDS = set(_ARTICLE_ORDER) | {"category"}
    _PLAN = _Plan(
        ("id", _plain_text), ("title", _plain_text), ("slug", _plain_text),
        ("excerpt", _plain_text), ("content", _plain_body), ("categoryId", _plain_opt_text),
        ("categorySlug", _plain_opt_text), ("categoryName", _plain_opt_text), ("tags", _plain_tags),
        ("status", _plain_required_text("published")), ("isPublic", _plain_flag(True)),
        ("viewCount", _plain_count), ("helpfulCount", _plain_count), ("notHelpfulCount", _plain_count),
        ("readTime", _plain_opt_text), ("metaDescription", _plain_opt_text),
        ("publishedAt", _plain_date), ("createdAt", _plain_date), ("updatedAt", _plain_date),
    )

    @property
    def has_content(self) -> bool:
        """True when this object carries the article body (not just a summary)."""
        return self.content is not None

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Article":
        """Build an Article (or summary) from any documented generation of its JSON."""
        d = snake_keys(raw)
        cid, cslug, cname = _category_ref(d)
        content = d.get("content")
        return cls(
            id=_str(d.get("id")),
            title=_str(d.get("title")),
            slug=_str(d.get("slug")),
            excerpt=_str(d.get("excerpt")),
            content=None if content is None else _str(content),
            category_id=cid,
            category_slug=cslug,
            category_name=cname,
            tags=_str_tuple(d.get("tags")),
            status=_str(d.get("status"), "published"),
            is_public=_bool(d.get("is_public"), True),
            view_count=_int(d.get("view_count")),
            helpful_count=_int(d.get("helpful_count")),
            not_helpful_count=_int(d.get("not_helpful_count")),
            read_time=_opt_str(d.get("read_time")),
            meta_description=_opt_str(d.get("meta_description")),
            published_at=_opt_str(d.get("published_at")),
            created_at=_opt_str(d.get("created_at")),
            updated_at=_opt_str(d.get("updated_at")),
            extra=_extra(raw, cls._FIELDS),
            problems=field_problems("article", raw),
        )

    def to_api(self, *, with_content: bool = True) -> dict[str, Any]:
        """The contract's camelCase JSON; without ``content`` it is an ArticleSummary."""
        out: dict[str, Any] = {}
        for name in _ARTICLE_ORDER:
            if name == "content" and (not with_content or self.content is None):
                continue
            value = getattr(self, name)
            out[_camel(name)] = list(value) if isinstance(value, tuple) else value
        out.update(self.extra)
        return out

    def summary(self) -> "Article":
        """This article without its body."""
        return replace(self, content=None)


ArticleSummary = Article
"""A list, search or popular item: an :class:`Article` whose ``content`` is None."""


@dataclass(frozen=True)
class LibraryStats:
    """``GET /stats``."""

    total_articles: int = 0
    total_categories: int = 0
    total_views: int = 0

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "LibraryStats":
        """Build the stats from camelCase or snake_case JSON."""
        d = snake_keys(raw)
        return cls(
            total_articles=_int(d.get("total_articles")),
            total_categories=_int(d.get("total_categories")),
            total_views=_int(d.get("total_views")),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's camelCase JSON."""
        return {
            "totalArticles": self.total_articles,
            "totalCategories": self.total_categories,
            "totalViews": self.total_views,
        }


@dataclass(frozen=True)
class Pagination:
    """Where a paged list stands. ``has_more`` falls back to ``page < total_pages``."""

    page: int = 1
    limit: int = 20
    total: int = 0
    total_pages: int = 1
    has_more: bool = False

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | None) -> "Pagination | None":
        """Build a Pagination from its JSON; None when ``raw`` is not an object."""
        if not isinstance(raw, Mapping):
            return None
        d = snake_keys(raw)
        page = _int(d.get("page"), 1)
        limit = _int(d.get("limit", d.get("per_page")), 20)
        total = _int(d.get("total", d.get("total_count")))
        if d.get("total_pages") is not None:
            total_pages = _int(d.get("total_pages"), 0)
        else:
            # Older generations sent only total and limit.
            total_pages = -(-total // limit) if limit > 0 else 0
        if "has_more" in d and d["has_more"] is not None:
            has_more = _bool(d["has_more"])
        else:
            has_more = page < total_pages
        return cls(
            page=page,
            limit=limit,
            total=total,
            total_pages=total_pages,
            has_more=has_more,
        )


# --------------------------------------------------------------------------- Community


@dataclass(frozen=True)
class Topic:
    """A community topic (a forum section)."""

    id: str
    name: str
    slug: str
    description: str = ""
    sort_order: int = 0
    post_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False, repr=False)
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _FIELDS = {"id", "name", "slug", "description", "sort_order", "post_count"}
    _ORDER = ("id", "name", "slug", "description", "sort_order", "post_count")
    _PLAN = _Plan(
        ("id", _plain_text), ("name", _plain_text), ("slug", _plain_text),
        ("description", _plain_text), ("sort_order", _plain_count), ("post_count", _plain_count),
    )

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Topic":
        """Build a Topic from snake_case or camelCase JSON."""
        d = snake_keys(raw)
        return cls(
            id=_str(d.get("id")),
            name=_str(d.get("name")),
            slug=_str(d.get("slug")),
            description=_str(d.get("description")),
            sort_order=_int(d.get("sort_order")),
            post_count=_int(d.get("post_count")),
            extra=_extra(raw, cls._FIELDS),
            problems=field_problems("topic", raw),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's snake_case JSON."""
        out = {k: getattr(self, k) for k in self._ORDER}
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Attachment:
    """An image attached to a community post."""

    filename: str
    content_type: str = ""
    size_bytes: int = 0
    url: str = ""
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _PLAN = _Plan(
        ("filename", _plain_required_text("")), ("content_type", _plain_required_text("")),
        ("size_bytes", _plain_count), ("url", _plain_required_text("")),
    )

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Attachment":
        """Build an Attachment from snake_case or camelCase JSON."""
        d = snake_keys(raw)
        return cls(
            filename=_str(d.get("filename")),
            content_type=_str(d.get("content_type")),
            size_bytes=_int(d.get("size_bytes")),
            url=_str(d.get("url")),
            problems=field_problems("attachment", raw),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's snake_case JSON."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "url": self.url,
        }


@dataclass(frozen=True)
class Post:
    """A public community post. ``body`` is customer-written Markdown: hostile."""

    id: str
    title: str
    slug: str
    body: str = ""
    topic_id: str | None = None
    topic_slug: str | None = None
    status: str = "open"
    vote_count: int = 0
    comment_count: int = 0
    is_pinned: bool = False
    is_locked: bool = False
    author_name: str = ""
    attachments: tuple[Attachment, ...] = ()
    created_at: str | None = None
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False, repr=False)
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _ORDER = (
        "id", "title", "slug", "body", "topic_id", "topic_slug", "status", "vote_count",
        "comment_count", "is_pinned", "is_locked", "author_name", "attachments",
        "created_at", "updated_at",
    )
    _FIELDS = set(_ORDER) | {"topic"}
    _PLAN = _Plan(
        ("id", _plain_text), ("title", _plain_text), ("slug", _plain_text),
        ("body", _plain_required_text("")), ("topic_id", _plain_opt_text),
        ("topic_slug", _plain_opt_text), ("status", _plain_required_text("open")),
        ("vote_count", _plain_count), ("comment_count", _plain_count),
        ("is_pinned", _plain_flag(False)), ("is_locked", _plain_flag(False)),
        ("author_name", _plain_text), ("attachments", _plain_attachments),
        ("created_at", _plain_date), ("updated_at", _plain_date),
    )

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Post":
        """Build a Post from any documented generation of its JSON."""
        d = snake_keys(raw)
        topic_id = _opt_str(d.get("topic_id"))
        topic_slug = _opt_str(d.get("topic_slug"))
        topic = d.get("topic")
        if isinstance(topic, Mapping):
            t = snake_keys(topic)
            topic_id = topic_id or _opt_str(t.get("id"))
            topic_slug = topic_slug or _opt_str(t.get("slug"))
        elif isinstance(topic, str) and topic:
            topic_slug = topic_slug or topic
        attachments = d.get("attachments")
        return cls(
            id=_str(d.get("id")),
            title=_str(d.get("title")),
            slug=_str(d.get("slug")),
            body=_str(d.get("body")),
            topic_id=topic_id,
            topic_slug=topic_slug,
            status=_str(d.get("status"), "open"),
            vote_count=_int(d.get("vote_count")),
            comment_count=_int(d.get("comment_count")),
            is_pinned=_bool(d.get("is_pinned")),
            is_locked=_bool(d.get("is_locked")),
            author_name=_str(d.get("author_name")),
            attachments=tuple(
                Attachment.from_api(a)
                for a in (attachments if isinstance(attachments, (list, tuple)) else [])
                if isinstance(a, Mapping)
            ),
            created_at=_opt_str(d.get("created_at")),
            updated_at=_opt_str(d.get("updated_at")),
            extra=_extra(raw, cls._FIELDS),
            problems=field_problems("post", raw),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's snake_case JSON."""
        out: dict[str, Any] = {}
        for name in self._ORDER:
            value = getattr(self, name)
            if name == "attachments":
                value = [a.to_api() for a in value]
            out[name] = value
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Comment:
    """A comment on a community post; ``is_official`` marks an agent's official answer."""

    id: str
    body: str = ""
    author_name: str = ""
    is_official: bool = False
    created_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False, repr=False)
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    _ORDER = ("id", "body", "author_name", "is_official", "created_at")
    _FIELDS = set(_ORDER)
    _PLAN = _Plan(
        ("id", _plain_text), ("body", _plain_required_text("")), ("author_name", _plain_text),
        ("is_official", _plain_flag(False)), ("created_at", _plain_date),
    )

    @classmethod
    @_plain_first
    def from_api(cls, raw: Mapping[str, Any]) -> "Comment":
        """Build a Comment from snake_case or camelCase JSON."""
        d = snake_keys(raw)
        return cls(
            id=_str(d.get("id")),
            body=_str(d.get("body")),
            author_name=_str(d.get("author_name")),
            is_official=_bool(d.get("is_official")),
            created_at=_opt_str(d.get("created_at")),
            extra=_extra(raw, cls._FIELDS),
            problems=field_problems("comment", raw),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's snake_case JSON."""
        out = {k: getattr(self, k) for k in self._ORDER}
        out.update(self.extra)
        return out


_THREAD_KEYS = frozenset({"post", "comments"})


@dataclass(frozen=True)
class PostThread:
    """``GET /posts/{slug}``: a post with its comments, oldest first."""

    post: Post
    comments: tuple[Comment, ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)  # see _checks.py

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "PostThread":
        """Build a thread from ``{"post", "comments"}`` or a bare post carrying ``comments``."""
        if type(raw) is dict and raw.keys() <= _THREAD_KEYS:  # the contract's shape
            post, comments = raw.get("post"), raw.get("comments")
            if type(post) is dict and (comments is None or type(comments) is list):
                comments = comments or ()
                if all(type(c) is dict for c in comments):
                    return cls(post=Post.from_api(post), comments=tuple(map(Comment.from_api, comments)))
        d = snake_keys(raw)
        post_raw = d.get("post")
        if not isinstance(post_raw, Mapping):
            # Tolerance: a bare post with the comments beside its own fields.
            post_raw = {k: v for k, v in raw.items() if k != "comments"}
        comments = d.get("comments")
        if not isinstance(comments, (list, tuple)):
            comments = []
        return cls(
            post=Post.from_api(post_raw),
            comments=tuple(Comment.from_api(c) for c in comments if isinstance(c, Mapping)),
            problems=field_problems("thread", {k: v for k, v in raw.items() if k == "comments"}),
        )

    def to_api(self) -> dict[str, Any]:
        """The contract's ``{"post", "comments"}`` JSON."""
        return {"post": self.post.to_api(), "comments": [c.to_api() for c in self.comments]}


# --------------------------------------------------------------------------- Results

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class ArticlePage:
    """One page of ``GET /articles``: the summaries and where the list stands."""

    items: tuple[Article, ...]
    pagination: Pagination

    @property
    def has_more(self) -> bool:
        """True when a later page exists."""
        return self.pagination.has_more

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Article]:
        return iter(self.items)


@dataclass(frozen=True)
class PostPage:
    """One page of ``GET /posts``: the posts and how many match in total."""

    items: tuple[Post, ...]
    count: int
    offset: int = 0
    limit: int = 20

    @property
    def has_more(self) -> bool:
        """True when posts remain after this page."""
        return bool(self.items) and self.offset + len(self.items) < self.count

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Post]:
        return iter(self.items)


@dataclass(frozen=True)
class SearchResults(Generic[_Item]):
    """A search answer: items best first, and ``count`` matches in all."""

    items: tuple[_Item, ...]
    count: int

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[_Item]:
        return iter(self.items)


# --------------------------------------------------------------------------- Payloads


class UnexpectedShape(ValueError):
    """A body is JSON but not the shape its endpoint promises (a list, an object, ...)."""


def list_payload(data: Any, *keys: str, what: str = "items") -> list[Mapping[str, Any]]:
    """The list of objects in ``data``: ``data`` itself, or a list under one of ``keys``.

    Non-object entries are dropped; anything that is not a list raises :class:`UnexpectedShape`.
    """
    items: Any = data
    if isinstance(data, Mapping):
        items = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
    if not isinstance(items, list):
        raise UnexpectedShape(f"expected a list of {what}, got {_kind(data)}")
    return [item for item in items if isinstance(item, Mapping)]


def object_payload(data: Any, key: str, *, what: str = "object") -> Mapping[str, Any]:
    """The object in ``data``: ``data`` itself, or ``data[key]`` when it only wraps one."""
    if isinstance(data, Mapping):
        inner = data.get(key)
        if isinstance(inner, Mapping) and "id" not in data and "slug" not in data:
            return inner
        return data
    raise UnexpectedShape(f"expected {what} as a JSON object, got {_kind(data)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object with keys " + ", ".join(sorted(map(str, value))[:6])
    return type(value).__name__

