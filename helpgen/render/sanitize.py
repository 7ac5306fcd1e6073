"""The nh3 (ammonia) policies that decide which HTML may reach a page.

Two policies, both allow-lists:

* **article** — Markdown written by the team's support agents, which may embed raw HTML.
  Keeps formatting, headings with ids, tables, code with Pygments classes, images, links,
  ``<details>``, ``<kbd>``, ``<mark>``, footnotes, callouts and disabled task-list checkboxes.
  ``<iframe>`` survives only with an ``https`` ``src`` on a host of ``[security]
  iframe_hosts`` (empty by default: no iframes); it is then sandboxed, lazy, sent with a
  fixed ``allow`` and referrer policy, and emptied of content. Any other iframe is removed.
* **customer** — community posts and comments, written by anyone. No ids, no classes, no
  ``h1``/``h2``, no ``<details>``, no image sizes; every link gets
  ``rel="nofollow ugc noopener"`` and no ``target``.

Both drop every event handler, ``style`` attribute, form, script, SVG and MathML, and
allow only ``http``, ``https``, ``mailto`` and relative URLs (ammonia parses the attribute as a
browser would, so entity-, whitespace- and case-obfuscated ``javascript:`` is caught too).
Every ``<img>`` is made ``loading="lazy"``.

Both functions can also rewrite each ``href``/``src`` through a :data:`LinkResolver` during the
same pass; a rewritten URL is checked again by :func:`is_safe_url`, since ammonia checks the
scheme before the rewrite.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from urllib.parse import urlsplit

import nh3
from pygments.token import STANDARD_TYPES

__all__ = [
    "ALLOWED_URL_SCHEMES",
    "LinkResolver",
    "is_allowed_frame_src",
    "is_safe_url",
    "replace_lone_surrogates",
    "sanitize_article_html",
    "sanitize_customer_html",
]

logger = logging.getLogger(__name__)

LinkResolver = Callable[[str], str | None]
"""Gets an ``href``/``src`` as written (entity-decoded); returns its replacement, or ``None``
to keep it."""

ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
"""URL schemes allowed in ``href`` and ``src``; scheme-less (relative) URLs are allowed too."""

# (tag, attribute) pairs that hold a URL a LinkResolver may rewrite.
_URL_ATTRIBUTES: frozenset[tuple[str, str]] = frozenset({("a", "href"), ("img", "src")})

# Elements whose *content* is dropped with them: their text would otherwise show up as text.
_CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    "applet iframe math noembed noframes noscript object plaintext script select style svg "
    "template textarea title xmp".split()
)

# Every class Pygments' HtmlFormatter writes for a standard token type ("k", "nf", ...).
PYGMENTS_CLASSES: frozenset[str] = frozenset(name for name in STANDARD_TYPES.values() if name)

CALLOUT_KINDS: tuple[str, ...] = ("note", "tip", "important", "warning", "caution")
"""The GitHub alert kinds, in the order GitHub documents them."""

# WHATWG URL parsing strips leading/trailing C0 controls and spaces and removes tabs and
# newlines anywhere, before it looks for the scheme: do the same, so "java\tscript:" is seen.
_URL_STRIP = "".join(chr(c) for c in range(0x21))
_URL_REMOVE = re.compile(r"[\t\n\r]")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> str:
    """Return ``text`` with lone UTF-16 surrogates (valid in JSON, not in UTF-8) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


_FRAME_SRC = re.compile(r"https://[^\s\\\"'<>`]+")


def is_allowed_frame_src(url: str, hosts: Set[str]) -> bool:
    """Return whether ``url`` is a plain ``https`` URL on one of ``hosts`` (exact, lowercase)."""
    if not _FRAME_SRC.fullmatch(url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.username is None
        and parts.password is None
        and port is None
        and (parts.hostname or "") in hosts
    )


def is_safe_url(url: str) -> bool:
    """Return whether a browser would treat ``url`` as relative or as an allowed scheme."""
    cleaned = _URL_REMOVE.sub("", url.strip(_URL_STRIP))
    match = _URL_SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in ALLOWED_URL_SCHEMES


@dataclass(frozen=True, eq=False)
class _Policy:
    """The arguments of one :class:`nh3.Cleaner`, minus the per-call attribute filter."""

    tags: Set[str]
    attributes: Mapping[str, Set[str]]
    allowed_classes: Mapping[str, Set[str]] = field(default_factory=dict)
    tag_attribute_values: Mapping[str, Mapping[str, Set[str]]] = field(default_factory=dict)
    set_tag_attribute_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    link_rel: str | None = None
    frame_hosts: frozenset[str] = frozenset()  # iframe src hosts; empty: no <iframe> at all

    def cleaner(
        self, attribute_filter: Callable[[str, str, str], str | None] | None = None
    ) -> nh3.Cleaner:
        """Build the nh3 cleaner for this policy (cheap: tens of microseconds)."""
        return nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags=set(_CLEAN_CONTENT_TAGS - self.tags),
            attributes={tag: set(names) for tag, names in self.attributes.items()},
            attribute_filter=attribute_filter,
            strip_comments=True,
            link_rel=self.link_rel,
            tag_attribute_values={
                tag: {name: set(values) for name, values in attrs.items()}
                for tag, attrs in self.tag_attribute_values.items()
            },
            set_tag_attribute_values={
                tag: dict(attrs) for tag, attrs in self.set_tag_attribute_values.items()
            },
            url_schemes=set(ALLOWED_URL_SCHEMES),
            allowed_classes={tag: set(names) for tag, names in self.allowed_classes.items()},
        )

    @cached_property
    def plain_cleaner(self) -> nh3.Cleaner:
        """The cleaner without an attribute filter, built once and reused."""
        return self.cleaner()


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TABLE_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})

ARTICLE_POLICY = _Policy(
    tags=frozenset(
        "a abbr b blockquote br caption cite code col colgroup dd del details dfn div dl dt em "
        "figcaption figure hr i img input ins kbd li mark ol p pre q s samp section small span "
        "strong sub summary sup table tbody td tfoot th thead time tr u ul var wbr".split()
    )
    | frozenset(_HEADINGS),
    attributes={
        "*": frozenset({"title", "lang"}),
        "a": frozenset({"href", "id", "aria-label"}),
        "img": frozenset({"src", "alt", "width", "height"}),
        **{heading: frozenset({"id"}) for heading in _HEADINGS},
        "li": frozenset({"id"}),
        "ol": frozenset({"start", "reversed"}),
        "th": frozenset({"colspan", "rowspan", "scope"}),
        "td": frozenset({"colspan", "rowspan"}),
        "col": frozenset({"span"}),
        "colgroup": frozenset({"span"}),
        "details": frozenset({"open"}),
        "time": frozenset({"datetime"}),
        "pre": frozenset({"data-lang"}),
    },
    allowed_classes={
        "div": frozenset({"table-wrap", "callout", *(f"callout-{k}" for k in CALLOUT_KINDS)}),
        "p": frozenset({"callout-title"}),
        "pre": frozenset({"highlight"}),
        "span": PYGMENTS_CLASSES,
        "a": frozenset({"heading-anchor", "footnote-backref"}),
        "sup": frozenset({"footnote-ref"}),
        "section": frozenset({"footnotes"}),
        "hr": frozenset({"footnotes-sep"}),
        "ol": frozenset({"footnotes-list", "contains-task-list"}),
        "ul": frozenset({"contains-task-list"}),
        "li": frozenset({"footnote-item", "task-list-item"}),
        "input": frozenset({"task-list-item-checkbox"}),
        "th": _TABLE_ALIGN_CLASSES,
        "td": _TABLE_ALIGN_CLASSES,
    },
    tag_attribute_values={
        "div": {"role": frozenset({"note"})},
        "input": {"type": frozenset({"checkbox"}), "checked": frozenset({"", "checked"})},
    },
    set_tag_attribute_values={
        # An <input> is only ever a read-only task-list checkbox, whatever was written.
        "input": {"type": "checkbox", "disabled": "disabled"},
        "img": {"loading": "lazy"},
    },
    link_rel=None,
)

# What an allowed iframe gets, whatever was written: the player still works (scripts, its own
# origin, fullscreen, popups to the video site), but it cannot navigate the help page away.
FRAME_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox"
FRAME_ALLOW = "fullscreen; picture-in-picture; encrypted-media"
FRAME_REFERRER_POLICY = "strict-origin-when-cross-origin"  # video hosts need the origin


@cache
def article_policy(iframe_hosts: frozenset[str] = frozenset()) -> _Policy:
    """The article policy, allowing iframes from ``iframe_hosts`` (none when empty)."""
    if not iframe_hosts:
        return ARTICLE_POLICY
    return replace(
        ARTICLE_POLICY,
        tags=ARTICLE_POLICY.tags | {"iframe"},
        attributes={
            **ARTICLE_POLICY.attributes,
            "iframe": frozenset({"src", "title", "width", "height", "allowfullscreen"}),
        },
        set_tag_attribute_values={
            **ARTICLE_POLICY.set_tag_attribute_values,
            "iframe": {
                "sandbox": FRAME_SANDBOX,
                "allow": FRAME_ALLOW,
                "referrerpolicy": FRAME_REFERRER_POLICY,
                "loading": "lazy",
            },
        },
        frame_hosts=iframe_hosts,
    )


CUSTOMER_LINK_REL = "nofollow ugc noopener"

CUSTOMER_POLICY = _Policy(
    tags=frozenset(
        "a blockquote br code del em h3 h4 h5 h6 hr img li ol p pre s strong table tbody td th "
        "thead tr ul".split()
    ),
    attributes={
        "a": frozenset({"href", "title"}),
        "img": frozenset({"src", "alt", "title"}),
        "ol": frozenset({"start"}),
    },
    set_tag_attribute_values={"img": {"loading": "lazy"}},
    link_rel=CUSTOMER_LINK_REL,
)


_FRAME_SIZE = re.compile(r"[0-9]{1,4}")
# nh3 serialises attribute values with <, > and " escaped, and an iframe's content is raw text
# that cannot contain "</iframe>": so this finds every iframe of sanitised output exactly.
_SANITISED_IFRAME = re.compile(r"<iframe\b([^<>]*)>.*?</iframe>", re.DOTALL)


_SANITISED_ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_FRAME_ATTRIBUTE_ORDER = ("src", "title", "width", "height", "allowfullscreen", "allow", "sandbox", "referrerpolicy", "loading")


def _finish_iframes(html: str) -> str:
    """Drop iframes whose ``src`` was refused; empty the others and order their attributes.

    nh3 adds the fixed attributes in no particular order, so they are put in a fixed one:
    the same article must always give the same bytes.
    """

    def finish(match: re.Match[str]) -> str:
        attributes = dict(_SANITISED_ATTRIBUTE.findall(match.group(1)))
        if "src" not in attributes:
            return ""
        ordered = "".join(
            f' {name}="{attributes[name]}"' for name in _FRAME_ATTRIBUTE_ORDER if name in attributes
        )
        return f"<iframe{ordered}></iframe>"

    return _SANITISED_IFRAME.sub(finish, html) if "<iframe" in html else html


def _frame_attribute(policy: _Policy, attribute: str, value: str) -> str | None:
    if attribute == "src":
        return value if is_allowed_frame_src(value, policy.frame_hosts) else None
    if attribute in ("width", "height"):
        return value if _FRAME_SIZE.fullmatch(value) else None
    return value


def _clean(html: str, policy: _Policy, resolve_link: LinkResolver | None) -> str:
    html = replace_lone_surrogates(html)  # nh3 would raise on them
    if resolve_link is None and not policy.frame_hosts:
        return policy.plain_cleaner.clean(html)

    # nh3 swallows exceptions raised in the filter (it strips the attribute and reports to
    # sys.unraisablehook); keep the first one and raise it here instead.
    errors: list[Exception] = []

    def rewrite_url(tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe":
            return _frame_attribute(policy, attribute, value)
        if (tag, attribute) not in _URL_ATTRIBUTES or errors or resolve_link is None:
            return value
        try:
            replacement = resolve_link(value)
        except Exception as exc:  # re-raised below, once nh3 has returned
            errors.append(exc)
            return value
        if replacement is None:
            return value
        if not is_safe_url(replacement):
            logger.warning("dropping unsafe URL %r that the link resolver returned", replacement)
            return None
        return replacement

    cleaned = policy.cleaner(rewrite_url).clean(html)
    if errors:
        raise errors[0]
    return _finish_iframes(cleaned) if policy.frame_hosts else cleaned


def sanitize_article_html(
    html: str, *, resolve_link: LinkResolver | None = None, iframe_hosts: Iterable[str] = ()
) -> str:
    """Return ``html`` reduced to the article allow-list, its URLs rewritten by ``resolve_link``.

    ``iframe_hosts`` (lowercase host names) are the only hosts an ``<iframe src>`` may name.
    """
    return _clean(html, article_policy(frozenset(iframe_hosts)), resolve_link)


def sanitize_customer_html(html: str, *, resolve_link: LinkResolver | None = None) -> str:
    """Return ``html`` reduced to the strict customer allow-list, with nofollow/ugc links."""
    return _clean(html, CUSTOMER_POLICY, resolve_link)
