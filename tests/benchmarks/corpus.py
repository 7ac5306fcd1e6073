"""Deterministic generator of realistic benchmark sites, as :class:`Snapshot` objects.

``generate_snapshot(10_000, 3_000)`` builds a help center of 10,000 articles and 3,000
community posts that looks like a real cStar team's content: categories with icons and colours,
help-article titles, Markdown bodies with a long-tailed length distribution (headings, lists,
tables, code, callouts, images, links to other articles), words drawn with a Zipf-like law over
a few thousand real English words (:mod:`tests.benchmarks.vocabulary`), long-tailed views and
votes, and community threads in several languages with official answers. The same seed always
gives the same snapshot, byte for byte; nothing depends on the clock or on global state.

``mutate(snapshot, 0.01)`` gives a later state of the same site (1% of the articles edited), for
incremental-build benchmarks. ``write_corpus`` saves a snapshot folder that
``helpgen build --snapshot`` and the project's cStar test server both read.

Command line::

    python -m tests.benchmarks.corpus OUT_DIR --articles 10000 --posts 3000 [--seed 42]
"""

from __future__ import annotations

import argparse
import calendar
import itertools
import math
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from helpgen.content.snapshot import Snapshot, save_snapshot
from helpgen.cstar._models import (
    POST_STATUSES,
    Article,
    Attachment,
    Category,
    Comment,
    LibraryStats,
    Post,
    PostThread,
    Topic,
)
from tests.benchmarks.vocabulary import (
    ACTION_VERBS,
    ENGLISH_WORDS,
    FILE_FORMATS,
    FOREIGN_TITLES,
    FOREIGN_WORDS,
    HELP_AREAS,
    INTEGRATIONS,
    PERSON_NAMES,
    UI_LABELS,
)

__all__ = [
    "generate_snapshot", "write_corpus", "mutate", "main", "category_count", "generate_categories", "slugify",
    "CORPUS_END",
]

CORPUS_END = "2026-11-20T08:00:00Z"
"""The instant a generated snapshot was "pulled"; all its dates lie in the two years before."""

_END = calendar.timegm(time.strptime(CORPUS_END, "%Y-%m-%dT%H:%M:%SZ"))
_START = _END - 730 * 86_400
_DAY = 86_400

_MEDIAN_WORDS = 440  # lognormal target; sections overshoot it, so articles come out at a median ~500 words, a few ~5,000
_LENGTH_SIGMA = 0.72
_MAX_WORDS = 6_000
_WORDS_PER_MINUTE = 200

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_COLOURS = (
    "#f97316", "#7c3aed", "#0ea5e9", "#16a34a", "#dc2626", "#ca8a04", "#db2777", "#0d9488",
    "#4f46e5", "#65a30d", "#9333ea", "#2563eb", "#ea580c", "#475569", "#be123c", "#059669",
)
_CATEGORY_QUALIFIERS = (
    "advanced", "for admins", "for accountants", "Enterprise", "legacy plans", "EU",
    "US & Canada", "for developers",
)
_CALLOUT_KINDS = ("NOTE", "NOTE", "TIP", "TIP", "IMPORTANT", "WARNING", "CAUTION")
_CODE_LANGUAGES = ("bash", "json", "python", "javascript", "html", "yaml", "sql", "csv", "text")
_API_RESOURCES = ("invoices", "payments", "customers", "products", "refunds", "webhooks", "reports", "expenses")
_INLINE_CODE = (
    "invoice_id", "status", "api_key", "INV-0042", "/v1/invoices", "{{customer.name}}",
    "{{invoice.total}}", "due_date", "Settings > Billing", "429", "X-RateLimit-Remaining",
    "currency", "amount_due", "webhook_secret", "Ctrl + K", ".csv", "UTF-8", "external_id",
)
_STAFF_NAMES = ("Maya Lindqvist (Support)", "Jordan Reyes (Support)", "Aisha Bello (Product)", "Tom Becker (Support)")
_HEADINGS = (
    "Before you start", "Overview", "How it works", "Step by step", "Troubleshooting",
    "Frequently asked questions", "Limits", "What happens next", "Permissions you need",
    "On the mobile app", "Good to know", "Known issues", "Related settings", "Examples",
)

# title template, and whether it needs an export-like verb (for "to {format}")
_TITLE_TEMPLATES = (
    "How to {verb} {subject}", "How to {verb} {subject}", "{Verb} {subject}", "{Verb} {subject}",
    "Export {subject} to {format}", "Download {subject} as {format}", "Why can't I {verb} {subject}?", "{Subject} not working",
    "Troubleshooting {subject}", "Understanding {subject}", "{Subject}: frequently asked questions",
    "Can I {verb} {subject}?", "{Subject} explained", "Set up {subject}",
    "Sync {subject} with {integration}", "What happens to {subject} when I cancel?",
    "{Verb} {subject} on the mobile app", "{Verb} {subject} in bulk",
)
_TITLE_VARIANTS = (" (legacy)", " on mobile", " for admins", " (new editor)", " in the EU", " — older plans")
_EXCERPT_TEMPLATES = (
    "Step-by-step instructions to {verb} {subject}.", "Everything you need to know about {thing}.",
    "What to check when {thing} do not work as expected.", "Learn how to {verb} {subject} in a few clicks.",
    "A quick guide to {thing}, with screenshots and examples.", "Answers to common questions about {thing}.",
)

_TOPICS = (
    # name, slug, description, share of posts, status weights
    ("Questions & answers", "questions-and-answers",
     "Ask how to do something, or why something works the way it does.", 0.40,
     {"open": 3, "answered": 4, "officially_answered": 3}),
    ("Feature requests", "feature-requests",
     "Suggest improvements and vote for the ideas you want most.", 0.20,
     {"open": 3, "under_review": 2, "planned": 2, "not_planned": 1, "completed": 2}),
    ("Bug reports", "bug-reports",
     "Something not working? Tell us what you did, what you expected and what happened.", 0.15,
     {"open": 3, "under_review": 3, "completed": 3, "not_planned": 1}),
    ("Tips & tricks", "tips-and-tricks", "Share your workflows, shortcuts and templates.", 0.10,
     {"open": 7, "answered": 3}),
    ("Integrations & API", "integrations-and-api",
     "Connecting other tools, webhooks and building on the API.", 0.10,
     {"open": 4, "answered": 3, "officially_answered": 3}),
    ("Announcements", "announcements", "Product news, releases and maintenance windows.", 0.05,
     {"open": 1}),
)
_POST_TITLES = {
    "questions-and-answers": (
        "How do I {verb} {subject}?", "Is it possible to {verb} {subject}?",
        "{Subject} not showing up after the update", "Can't {verb} {subject}", "Question about {subject}",
        "Best way to {verb} {subject}?",
    ),
    "feature-requests": (
        "Feature request: {verb} {subject} in bulk", "Please add {format} export for {subject}",
        "Option to {verb} {subject} automatically", "Support for {integration}",
        "Let us {verb} {subject} from the mobile app",
    ),
    "bug-reports": (
        "{Subject} broken since the last update", "Error when I try to {verb} {subject}",
        "{integration} sync fails with a timeout", "Wrong totals on {subject}",
        "Blank page when I open {subject}",
    ),
    "tips-and-tricks": (
        "Tip: {verb} {subject} faster with shortcuts", "How we {verb} {subject} at our agency",
        "My workflow for {subject}", "Template for {subject} (free to copy)",
    ),
    "integrations-and-api": (
        "{integration} integration: how to {verb} {subject}", "Webhook not firing for {subject}",
        "API returns 429 when I {verb} {subject}", "Pagination question for {subject}",
    ),
    "announcements": (
        "New: {subject} now support {format} export", "Scheduled maintenance this weekend",
        "Changes to {subject} coming next month", "Release notes: {subject} and {integration}",
    ),
}
_LANGUAGES = (("en", 80), ("de", 6), ("es", 6), ("fr", 5), ("ja", 3))
_HOSTILE_SNIPPETS = (
    "<b>urgent</b>", "line one<br>line two", "<script>alert('hi')</script>",
    '<img src="x" onerror="alert(1)">', '<a href="javascript:alert(1)">click</a>',
    "<iframe src=\"https://evil.example\"></iframe>",
)


# --------------------------------------------------------------------------- small helpers


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _seconds(iso: str | None) -> int:
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) if iso else _START


def slugify(text: str) -> str:
    """Lowercase ASCII words of ``text`` joined by hyphens ("Can't log in?" → "cant-log-in")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "").lower()).strip("-")


def _short_slug(text: str, max_len: int = 60) -> str:
    slug = slugify(text)
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bare(subject: str) -> str:
    """"your password" → "password", for titles that start with the subject."""
    for article in ("your ", "the ", "a "):
        if subject.startswith(article):
            return subject[len(article):]
    return subject


def _read_time(words: int) -> str:
    return f"{max(1, round(words / _WORDS_PER_MINUTE))} min"


class _Ids:
    """Unique random identifiers with a prefix (``art_...``), drawn from one rng."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def make(self, prefix: str, length: int, alphabet: str = _ID_CHARS) -> str:
        while True:
            value = prefix + "".join(self._rng.choices(alphabet, k=length))
            if value not in self._seen:
                self._seen.add(value)
                return value


def _fill(template: str, verb: str, subject: str, fmt: str, integration: str) -> str:
    return template.format(
        verb=verb, Verb=_capitalise(verb), subject=subject, Subject=_capitalise(_bare(subject)),
        format=fmt, integration=integration,
    )


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class _LinkTarget:
    slug: str
    title: str


class _Writer:
    """Markdown prose from a Zipf-like draw over :data:`ENGLISH_WORDS`, using one rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Zipf–Mandelbrot weights over the frequency-ordered list: a few words are everywhere.
        cumulative = list(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(ENGLISH_WORDS))))
        self._choices = rng.choices
        self._cumulative = cumulative

    def words(self, n: int) -> list[str]:
        return self._choices(ENGLISH_WORDS, cum_weights=self._cumulative, k=n)

    def sentence(self, topic: Sequence[str], links: Sequence[_LinkTarget], n: int | None = None) -> str:
        rng = self.rng
        words = self.words(n if n is not None else rng.randint(6, 20))
        # Real articles repeat what they are about: put the topic's words into the prose.
        if topic and rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(topic))
        roll = rng.random()
        if roll < 0.08:
            i = rng.randrange(len(words))
            words[i] = f"**{rng.choice(UI_LABELS)}**"
        elif roll < 0.13:
            i = rng.randrange(len(words))
            words[i] = f"*{words[i]}*"
        elif roll < 0.19:
            words.insert(rng.randrange(len(words) + 1), f"`{rng.choice(_INLINE_CODE)}`")
        elif roll < 0.24 and links:
            target = rng.choice(links)
            words.append(f"(see [{target.title}](/articles/{target.slug}))")
        words[0] = _capitalise(words[0])
        if len(words) > 9 and rng.random() < 0.3:
            words[rng.randrange(3, len(words) - 3)] += ","
        return " ".join(words) + ("?" if rng.random() < 0.03 else ".")

    def paragraph(self, topic: Sequence[str], links: Sequence[_LinkTarget], sentences: int) -> str:
        return " ".join(self.sentence(topic, links) for _ in range(sentences))

    def heading(self, topic: Sequence[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(_HEADINGS)
        if roll < 0.65 and topic:
            return f"{_capitalise(rng.choice(ACTION_VERBS))} {rng.choice(topic)}"
        return _capitalise(" ".join(self.words(rng.randint(2, 5))))

    def step(self, topic: Sequence[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:
            return f"Open **{rng.choice(UI_LABELS)}** > **{rng.choice(UI_LABELS)}**."
        if roll < 0.45:
            return f"Click **{rng.choice(UI_LABELS)}**."
        if roll < 0.6 and topic:
            return f"{_capitalise(rng.choice(ACTION_VERBS))} the {rng.choice(topic)} you want, then choose **{rng.choice(UI_LABELS)}**."
        return self.sentence(topic, (), rng.randint(4, 12))

    def bullet_list(self, topic: Sequence[str], links: Sequence[_LinkTarget], numbered: bool) -> str:
        rng = self.rng
        lines: list[str] = []
        count = rng.randint(3, 8)
        nested_at = rng.randrange(count) if rng.random() < 0.25 else -1
        for i in range(count):
            text = self.step(topic) if numbered else self.sentence(topic, links, rng.randint(3, 12))
            lines.append(f"{i + 1}. {text}" if numbered else f"- {text}")
            if i == nested_at:
                indent = "   " if numbered else "  "
                for _ in range(rng.randint(2, 4)):
                    lines.append(f"{indent}- {self.sentence(topic, (), rng.randint(3, 8))}")
        return "\n".join(lines)

    def table(self, topic: Sequence[str]) -> str:
        rng = self.rng
        columns = rng.randint(2, 4)
        header = [_capitalise(" ".join(self.words(rng.randint(1, 2)))) for _ in range(columns)]
        if topic:
            header[0] = _capitalise(rng.choice(topic))
        rows = ["| " + " | ".join(header) + " |", "|" + "---|" * columns]
        for _ in range(rng.randint(2, 8)):
            cells = [f"**{rng.choice(UI_LABELS)}**"] + [
                " ".join(self.words(rng.randint(1, 6))) for _ in range(columns - 1)
            ]
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def code(self, team: str) -> str:
        rng = self.rng
        lang = rng.choice(_CODE_LANGUAGES)
        resource = rng.choice(_API_RESOURCES)
        n = rng.randint(1, 100)
        field = rng.choice(("id", "status", "amount", "currency", "created_at", "email"))
        if lang == "bash":
            body = (f'curl -s "https://api.example.com/v1/{resource}?limit={n}" \\\n'
                    f'  -H "Authorization: Bearer $API_KEY" | jq \'.data[].{field}\'')
        elif lang == "json":
            body = (f'{{\n  "id": "{resource[:3]}_{n:05d}",\n  "status": "paid",\n'
                    f'  "amount": {n * 125},\n  "currency": "EUR",\n  "metadata": {{"team": "{team}"}}\n}}')
        elif lang == "python":
            body = ("import requests\n\n"
                    f'resp = requests.get("https://api.example.com/v1/{resource}", params={{"page": {n}}}, timeout=30)\n'
                    "resp.raise_for_status()\n"
                    f'for item in resp.json()["data"]:\n    print(item["{field}"])')
        elif lang == "javascript":
            body = (f'const res = await fetch("/v1/{resource}?limit={n}", {{\n'
                    '  headers: { Authorization: `Bearer ${apiKey}` },\n});\n'
                    f"const {{ data }} = await res.json();\nconsole.log(data.map((x) => x.{field}));")
        elif lang == "html":
            body = (f'<script src="https://widget.example.com/embed.js" data-team="{team}" async></script>\n'
                    f'<div id="help-widget" data-topic="{resource}"></div>')
        elif lang == "yaml":
            body = f"webhook:\n  url: https://example.com/hooks/{resource}\n  events:\n    - {resource}.created\n    - {resource}.updated\n  retries: {n % 5 + 1}"
        elif lang == "sql":
            body = f"SELECT {field}, COUNT(*) AS n\nFROM {resource}\nWHERE created_at >= '2026-01-01'\nGROUP BY {field}\nORDER BY n DESC\nLIMIT {n};"
        elif lang == "csv":
            body = "date,reference,amount,currency\n" + "\n".join(
                f"2026-0{m}-1{m},INV-{n + m:04d},{(n + m) * 37}.50,EUR" for m in range(1, rng.randint(3, 7))
            )
        else:
            body = f"Error {rng.choice((400, 401, 403, 404, 409, 422, 429, 500))}: {' '.join(self.words(rng.randint(4, 9)))}"
        return f"```{lang}\n{body}\n```"

    def callout(self, topic: Sequence[str], links: Sequence[_LinkTarget]) -> str:
        rng = self.rng
        text = self.paragraph(topic, links, rng.randint(1, 2))
        return f"> [!{rng.choice(_CALLOUT_KINDS)}]\n> {text}"

    def image(self, folder: str) -> str:
        rng = self.rng
        alt = _capitalise(" ".join(self.words(rng.randint(3, 8))))
        name = "-".join(slugify(w) for w in self.words(rng.randint(1, 3)) if slugify(w)) or "screenshot"
        ext = rng.choice(("png", "png", "svg", "jpg"))
        return f"![{alt}](/media/{folder}/{name}-{rng.randint(1, 99)}.{ext})"

    def article_body(
        self,
        target_words: int,
        topic: Sequence[str],
        links: Sequence[_LinkTarget],
        related: Sequence[_LinkTarget],
        media_folder: str,
        team: str,
    ) -> tuple[str, int]:
        """(Markdown, word count) of an article of about ``target_words`` words.

        Words are counted as a reader (and ``readTime``) would: whitespace-separated tokens
        of every block, markup included.
        """
        rng = self.rng
        blocks: list[str] = []
        words = 0

        def add(block: str) -> None:
            nonlocal words
            blocks.append(block)
            words += len(block.split())

        add(self.paragraph(topic, links, rng.randint(2, 6)))
        sections = max(0, round(target_words / 180) - 1) if target_words > 150 else 0
        per_section = (target_words - words) / max(1, sections)
        for _ in range(sections):
            add(f"## {self.heading(topic)}")
            section_end = words + per_section
            subsections = rng.random() < 0.3
            while words < section_end:
                roll = rng.random()
                if subsections and roll < 0.12:
                    add(f"### {self.heading(topic)}")
                    roll = 0.0  # a sub-heading is followed by prose
                if roll < 0.55:
                    add(self.paragraph(topic, links, rng.randint(2, 6)))
                elif roll < 0.67:
                    add(self.bullet_list(topic, links, numbered=False))
                elif roll < 0.78:
                    add(self.bullet_list(topic, links, numbered=True))
                elif roll < 0.84:
                    add(self.table(topic))
                elif roll < 0.90:
                    add(self.code(team))
                elif roll < 0.96:
                    add(self.callout(topic, links))
                else:
                    add(self.image(media_folder))
        while words < target_words * 0.8:
            add(self.paragraph(topic, links, rng.randint(2, 6)))
        if related and rng.random() < 0.4:
            add("## Related articles")
            add("\n".join(f"- [{t.title}](/articles/{t.slug})" for t in related))
        return "\n\n".join(blocks) + "\n", words


# --------------------------------------------------------------------------- library


@dataclass(frozen=True)
class _ArticlePlan:
    """An article before its body exists (bodies link to other articles' slugs)."""

    id: str
    title: str
    slug: str
    category: int
    subject: str
    verb: str
    tags: tuple[str, ...]
    published: int


def _topic_words(title: str, tags: Sequence[str]) -> tuple[str, ...]:
    stop = {"how", "to", "the", "your", "a", "can", "i", "why", "what", "when", "on", "in", "with", "for", "not", "and", "to"}
    words = [w for w in re.findall(r"[a-z][a-z'-]+", title.lower()) if w not in stop]
    return tuple(dict.fromkeys(words + [t for t in tags if "-" not in t]))


def _make_categories(rng: random.Random, ids: _Ids, count: int) -> list[tuple[Category, int]]:
    """``count`` categories, each with the index of its :data:`HELP_AREAS` seed."""
    out: list[tuple[Category, int]] = []
    used: set[str] = set()
    qualifiers = itertools.cycle(_CATEGORY_QUALIFIERS)
    for index in range(count):
        area = index % len(HELP_AREAS)
        name, icon, description, _subjects = HELP_AREAS[area]
        if index >= len(HELP_AREAS):
            qualifier = next(qualifiers)
            name = f"{name}: {qualifier}"
            description = f"{description} ({_capitalise(qualifier)}.)"
        slug = slugify(name)
        while slug in used:
            slug = f"{slug}-{index}"
        used.add(slug)
        created = _START + rng.randint(0, 20 * _DAY)
        out.append((
            Category(
                id=ids.make("cat_", 10, _ALNUM),
                name=name,
                slug=slug,
                description=description,
                icon=icon,
                color=_COLOURS[index % len(_COLOURS)],
                sort_order=index + 1,
                is_public=True,
                created_at=_iso(created),
                updated_at=_iso(rng.randint(created, _END)),
            ),
            area,
        ))
    return out


def category_count(articles: int) -> int:
    """How many categories a site of ``articles`` articles has: about one per 150, 6 to 80."""
    return min(80, max(6, round(articles / 150)))


def generate_categories(count: int, *, seed: int = 42) -> list[Category]:
    """``count`` categories as :func:`generate_snapshot` makes them (without article counts)."""
    rng = random.Random(seed)
    return [category for category, _area in _make_categories(rng, _Ids(rng), count)]


def _plan_articles(
    rng: random.Random, ids: _Ids, categories: list[tuple[Category, int]], count: int
) -> list[_ArticlePlan]:
    # Some categories are much bigger than others, as on real help centers.
    weights = [rng.lognormvariate(0, 0.6) for _ in categories]
    assigned = list(range(min(count, len(categories))))
    assigned += rng.choices(range(len(categories)), weights=weights, k=count - len(assigned))
    titles: set[str] = set()
    slugs: set[str] = set()
    plans: list[_ArticlePlan] = []
    for cat_index in assigned:
        _cat, area = categories[cat_index]
        area_name, _icon, _desc, subjects = HELP_AREAS[area]
        if plans and rng.random() < 0.03:
            # A colliding-looking title: an existing one again, or with a small variant.
            other = rng.choice(plans)
            title = other.title + (rng.choice(_TITLE_VARIANTS) if rng.random() < 0.6 else "")
            subject, verb = other.subject, other.verb
        else:
            for _attempt in range(6):
                subject = rng.choice(subjects)
                verb = rng.choice(ACTION_VERBS)
                template = rng.choice(_TITLE_TEMPLATES)
                title = _fill(template, verb, subject, rng.choice(FILE_FORMATS), rng.choice(INTEGRATIONS))
                if title not in titles:
                    break
            else:
                title += rng.choice(_TITLE_VARIANTS)
        titles.add(title)
        while True:
            slug = f"{_short_slug(title)}-{''.join(rng.choices(_ALNUM, k=8))}"
            if slug not in slugs:
                slugs.add(slug)
                break
        tags = [slugify(_bare(subject)), slugify(area_name), slugify(verb)]
        tags += rng.sample(("how-to", "troubleshooting", "beginner", "admin", "mobile", "api", "billing", "settings"), rng.randint(0, 2))
        plans.append(_ArticlePlan(
            id=ids.make("art_", 10),
            title=title,
            slug=slug,
            category=cat_index,
            subject=subject,
            verb=verb,
            tags=tuple(dict.fromkeys(t for t in tags if t)),
            published=rng.randint(_START + 21 * _DAY, _END - _DAY),
        ))
    # GET /articles order: by category (sortOrder), oldest first within a category.
    plans.sort(key=lambda p: (p.category, p.published, p.id))
    return plans


def _article_length(rng: random.Random) -> int:
    return min(_MAX_WORDS, max(40, int(rng.lognormvariate(math.log(_MEDIAN_WORDS), _LENGTH_SIGMA))))


def _excerpt(rng: random.Random, subject: str, verb: str) -> str:
    return rng.choice(_EXCERPT_TEMPLATES).format(subject=subject, thing=_bare(subject), verb=verb)


def _write_articles(
    writer: _Writer,
    plans: list[_ArticlePlan],
    categories: list[tuple[Category, int]],
    team: str,
) -> list[Article]:
    rng = writer.rng
    targets = [_LinkTarget(p.slug, p.title) for p in plans]
    by_category: dict[int, list[_LinkTarget]] = {}
    for plan, target in zip(plans, targets):
        by_category.setdefault(plan.category, []).append(target)
    articles: list[Article] = []
    for plan in plans:
        category, _area = categories[plan.category]
        siblings = [t for t in by_category[plan.category] if t.slug != plan.slug]
        others = [t for t in (rng.choice(targets) for _ in range(3)) if t.slug != plan.slug] if len(targets) > 1 else []
        links = rng.sample(siblings, min(3, len(siblings))) + others
        related = rng.sample(siblings, min(len(siblings), rng.randint(2, 4)))
        topic = _topic_words(plan.title, plan.tags)
        content, words = writer.article_body(_article_length(rng), topic, links, related, category.slug, team)
        created = max(_START, plan.published - rng.randint(0, 14 * _DAY))
        updated = plan.published if rng.random() < 0.35 else rng.randint(plan.published, _END)
        age = (_END - plan.published) / (_END - _START)
        views = int(rng.lognormvariate(math.log(250), 1.5) * (0.3 + age))
        excerpt = _excerpt(rng, plan.subject, plan.verb)
        articles.append(Article(
            id=plan.id,
            title=plan.title,
            slug=plan.slug,
            excerpt=excerpt,
            content=content,
            category_id=category.id,
            category_slug=category.slug,
            category_name=category.name,
            tags=plan.tags,
            status="published",
            is_public=True,
            view_count=views,
            helpful_count=int(views * rng.uniform(0.005, 0.06)),
            not_helpful_count=int(views * rng.uniform(0.0, 0.015)),
            read_time=_read_time(words),
            meta_description=excerpt,
            published_at=_iso(plan.published),
            created_at=_iso(created),
            updated_at=_iso(updated),
        ))
    return articles


def _popular(articles: Sequence[Article]) -> tuple[Article, ...]:
    """GET /popular?limit=10: the ten most viewed, as summaries (list order breaks ties)."""
    ranked = sorted(range(len(articles)), key=lambda i: (-articles[i].view_count, i))
    return tuple(articles[i].summary() for i in ranked[:10])


# --------------------------------------------------------------------------- community


def _comment_count(rng: random.Random) -> int:
    mean = 10.0 if rng.random() < 0.08 else 3.0  # a few hot threads
    return min(30, int(rng.expovariate(1 / mean)))


def _post_title(rng: random.Random, topic_slug: str, language: str) -> str:
    if language != "en":
        return rng.choice(FOREIGN_TITLES[language])
    _name, _icon, _desc, subjects = rng.choice(HELP_AREAS)
    return _fill(
        rng.choice(_POST_TITLES[topic_slug]), rng.choice(ACTION_VERBS), rng.choice(subjects),
        rng.choice(FILE_FORMATS), rng.choice(INTEGRATIONS),
    )


def _foreign_text(rng: random.Random, language: str, sentences: int) -> str:
    words = FOREIGN_WORDS[language]
    joiner, end = ("", "。") if language == "ja" else (" ", ".")
    out = []
    for _ in range(sentences):
        sentence = joiner.join(rng.choices(words, k=rng.randint(5, 16)))
        out.append(_capitalise(sentence) + end)
    return joiner.join(out)


def _customer_text(
    writer: _Writer, language: str, topic: Sequence[str], links: Sequence[_LinkTarget], median_words: int
) -> str:
    """A customer's post or comment: short, informal, sometimes with code, a list or raw HTML."""
    rng = writer.rng
    target = max(5, int(rng.lognormvariate(math.log(median_words), 0.8)))
    paragraphs: list[str] = []
    words = 0
    while words < target:
        sentences = rng.randint(1, 4)
        if language == "en":
            text = writer.paragraph(topic, links if rng.random() < 0.3 else (), sentences)
        else:
            text = _foreign_text(rng, language, sentences)
        paragraphs.append(text)
        words += text.count(" ") + 1 if language != "ja" else len(text) // 3
        roll = rng.random()
        if roll < 0.05:
            paragraphs.append(writer.code("bench"))
        elif roll < 0.09:
            paragraphs.append(writer.bullet_list(topic, (), numbered=rng.random() < 0.5))
    if rng.random() < 0.02:
        # Customers paste HTML, on purpose or not: the site must show it inert.
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), rng.choice(_HOSTILE_SNIPPETS))
    return "\n\n".join(paragraphs) + "\n"


def _make_topics(ids: _Ids) -> list[tuple[str, str, str, float, dict[str, int], str]]:
    return [(name, slug, desc, share, statuses, ids.make("top_", 8, _ALNUM)) for name, slug, desc, share, statuses in _TOPICS]


def _make_threads(
    writer: _Writer, ids: _Ids, count: int, articles: Sequence[Article]
) -> tuple[list[Topic], list[PostThread]]:
    rng = writer.rng
    topics = _make_topics(ids)
    targets = [_LinkTarget(a.slug, a.title) for a in articles]
    languages = [code for code, _ in _LANGUAGES]
    language_weights = [w for _, w in _LANGUAGES]
    chosen_topics = rng.choices(range(len(topics)), weights=[t[3] for t in topics], k=count)
    # Every status appears at least once (when there are enough posts), in a topic that uses it.
    forced: dict[int, str] = {}
    if count >= len(POST_STATUSES):
        for position, status in zip(rng.sample(range(count), len(POST_STATUSES)), POST_STATUSES):
            forced[position] = status
            chosen_topics[position] = next(i for i, t in enumerate(topics) if status in t[4])
    slugs: set[str] = set()
    threads: list[PostThread] = []
    for position, topic_index in enumerate(chosen_topics):
        _name, topic_slug, _desc, _share, status_weights, topic_id = topics[topic_index]
        announcement = topic_slug == "announcements"
        language = "en" if announcement else rng.choices(languages, weights=language_weights)[0]
        status = forced.get(position) or rng.choices(list(status_weights), weights=list(status_weights.values()))[0]
        title = _post_title(rng, topic_slug, language)
        post_id = ids.make("post_", 12, _ALNUM)
        base = _short_slug(title, 70) or f"post-{post_id[5:13]}"
        slug, n = base, 1
        while slug in slugs:
            n += 1
            slug = f"{base}-{n}"
        slugs.add(slug)
        links = rng.sample(targets, min(2, len(targets)))
        topic_words = _topic_words(title, ())
        created = rng.randint(_START, _END - 3600)

        n_comments = _comment_count(rng)
        if status in ("answered", "officially_answered") and n_comments == 0:
            n_comments = rng.randint(1, 3)
        official_at = rng.randrange(n_comments) if status == "officially_answered" else -1
        comments: list[Comment] = []
        at = created
        for c in range(n_comments):
            at = min(_END, at + int(rng.expovariate(1 / (2 * _DAY))) + 60)
            official = c == official_at
            comments.append(Comment(
                id=ids.make("com_", 12, _ALNUM),
                body=_customer_text(writer, "en" if official else language, topic_words, links, 40),
                author_name=rng.choice(_STAFF_NAMES) if official else rng.choice(PERSON_NAMES),
                is_official=official,
                created_at=_iso(at),
            ))
        attachments: tuple[Attachment, ...] = ()
        if rng.random() < 0.05:
            filename = f"screenshot-{rng.randint(1000, 9999)}.png"
            attachments = (Attachment(
                filename=filename, content_type="image/png",
                size_bytes=rng.randint(20_000, 900_000), url=f"/media/community/{filename}",
            ),)
        votes = int(rng.paretovariate(1.2)) - 1
        if topic_slug == "feature-requests":
            votes *= 4
        post = Post(
            id=post_id,
            title=title,
            slug=slug,
            body=_customer_text(writer, language, topic_words, links, 70),
            topic_id=topic_id,
            topic_slug=topic_slug,
            status=status,
            vote_count=votes,
            comment_count=len(comments),
            is_pinned=rng.random() < (0.3 if announcement else 0.005),
            is_locked=rng.random() < (0.5 if announcement else 0.1 if status in ("completed", "not_planned") else 0.01),
            author_name=rng.choice(_STAFF_NAMES) if announcement else rng.choice(PERSON_NAMES),
            attachments=attachments,
            created_at=_iso(created),
            updated_at=_iso(max(created, at)),
        )
        threads.append(PostThread(post=post, comments=tuple(comments)))
    # GET /posts?sort=recent: newest first.
    threads.sort(key=lambda t: (t.post.created_at or "", t.post.id), reverse=True)
    post_counts: dict[str, int] = {}
    for thread in threads:
        post_counts[thread.post.topic_id or ""] = post_counts.get(thread.post.topic_id or "", 0) + 1
    topic_models = [
        Topic(id=topic_id, name=name, slug=slug, description=desc, sort_order=i + 1, post_count=post_counts.get(topic_id, 0))
        for i, (name, slug, desc, _share, _statuses, topic_id) in enumerate(topics)
    ]
    return topic_models, threads


# --------------------------------------------------------------------------- public API


def generate_snapshot(articles: int, posts: int, *, seed: int = 42, team: str = "bench") -> Snapshot:
    """A realistic site of ``articles`` articles and ``posts`` community posts; same seed, same site."""
    if articles < 0 or posts < 0:
        raise ValueError(f"articles and posts must be >= 0, got {articles} and {posts}")
    rng = random.Random(seed)
    ids = _Ids(rng)
    writer = _Writer(rng)
    categories = _make_categories(rng, ids, category_count(articles))
    plans = _plan_articles(rng, ids, categories, articles)
    article_list = _write_articles(writer, plans, categories, team)
    counts: dict[str, int] = {}
    for article in article_list:
        counts[article.category_id or ""] = counts.get(article.category_id or "", 0) + 1
    category_list = [replace(c, article_count=counts.get(c.id, 0)) for c, _area in categories]
    topics, threads = _make_threads(writer, ids, posts, article_list)
    return Snapshot(
        team=team,
        categories=tuple(category_list),
        articles=tuple(article_list),
        popular=_popular(article_list),
        stats=LibraryStats(
            total_articles=len(article_list),
            total_categories=len(category_list),
            total_views=sum(a.view_count for a in article_list),
        ),
        topics=tuple(topics),
        threads=tuple(threads),
        pulled_at=CORPUS_END,
    )


def write_corpus(folder: str | Path, articles: int, posts: int, *, seed: int = 42) -> Path:
    """Generate a site and save it as a snapshot folder; returns the folder."""
    return save_snapshot(generate_snapshot(articles, posts, seed=seed), folder)


def mutate(snapshot: Snapshot, fraction: float, *, seed: int = 1) -> Snapshot:
    """A later state of the same site: ``round(fraction * articles)`` articles get new content.

    The edited articles keep their id, slug, title and category; their ``content`` and
    ``readTime`` change and their ``updatedAt`` moves past every date in ``snapshot`` (so
    incremental pulls see them). Popular summaries follow; ``pulledAt`` moves on. Deterministic
    for a given snapshot, fraction and seed.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    rng = random.Random(f"helpgen-bench-mutate:{seed}")
    writer = _Writer(rng)
    articles = list(snapshot.articles)
    chosen = sorted(rng.sample(range(len(articles)), round(fraction * len(articles))))
    latest = max([_seconds(a.updated_at) for a in articles] + [_seconds(snapshot.pulled_at)])
    targets = [_LinkTarget(a.slug, a.title) for a in articles]
    changed: dict[str, Article] = {}
    newest = latest
    for index in chosen:
        old = articles[index]
        others = [t for t in rng.sample(targets, min(5, len(targets))) if t.slug != old.slug]
        topic = _topic_words(old.title, old.tags)
        media = old.category_slug or "articles"
        while True:
            content, words = writer.article_body(_article_length(rng), topic, others, others[:3], media, snapshot.team)
            if content != old.content:
                break
        updated = latest + rng.randint(60, _DAY)
        newest = max(newest, updated)
        articles[index] = replace(old, content=content, read_time=_read_time(words), updated_at=_iso(updated))
        changed[old.slug] = articles[index]
    popular = tuple(changed[p.slug].summary() if p.slug in changed else p for p in snapshot.popular)
    return replace(
        snapshot,
        articles=tuple(articles),
        popular=popular,
        pulled_at=_iso(newest + 300),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.benchmarks.corpus OUT_DIR --articles N --posts N [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.corpus",
        description="Write a deterministic, realistic benchmark site as a helpgen snapshot folder "
        "(readable by `helpgen build --snapshot` and by the project's cStar test server).",
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="snapshot folder to write (created if needed)")
    parser.add_argument("--articles", type=int, default=10_000, help="number of articles (default 10000)")
    parser.add_argument("--posts", type=int, default=3_000, help="number of community posts (default 3000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same site (default 42)")
    args = parser.parse_args(argv)
    if args.articles < 0 or args.posts < 0:
        parser.error("--articles and --posts must be >= 0")
    started = time.perf_counter()
    snapshot = generate_snapshot(args.articles, args.posts, seed=args.seed)
    generated = time.perf_counter()
    save_snapshot(snapshot, args.out_dir)
    written = time.perf_counter()
    size = sum(p.stat().st_size for p in args.out_dir.rglob("*.json"))
    comments = sum(len(t.comments) for t in snapshot.threads)
    print(
        f"{args.out_dir}: {len(snapshot.categories)} categories, {len(snapshot.articles)} articles, "
        f"{len(snapshot.topics)} topics, {len(snapshot.threads)} posts, {comments} comments, "
        f"{size / 1e6:.1f} MB; generated in {generated - started:.2f} s, written in {written - generated:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
