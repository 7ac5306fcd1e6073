"""Parser limits: every Markdown body renders within a size, time and memory budget.

markdown-it-py is pure Python: its time and memory grow with the input (about 3 s and 250 MB
per MB of ordinary Markdown on a 2-core machine, up to 15 s per MB for adversarial text such
as ``![`` repeated), so every body gets two budgets:

* **size** (memory): a body longer than :data:`MAX_MARKDOWN_CHARS` is cut at a paragraph
  break before the limit, and a visible notice says how much was left out;
* **time**: markdown-it's block and inline rule chains start with a rule that checks a clock
  (and the code-highlighting rule checks it before each block); a body still parsing after
  :data:`MAX_RENDER_SECONDS` is shown as plain, escaped text under a visible notice.

Only pathological bodies ever reach either limit; ordinary ones render exactly as before.
Nesting depth is capped separately by markdown-it's ``maxNesting`` (see ``markdown.py``).
:func:`plain_text_html` is also the fallback when rendering a body fails outright.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import MutableMapping
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from helpgen.render.sanitize import replace_lone_surrogates

__all__ = [
    "MAX_MARKDOWN_CHARS",
    "MAX_RENDER_SECONDS",
    "OverBudget",
    "check_clock",
    "cut_notice",
    "cut_to_limit",
    "CUT_NOTICE",
    "FAILED_NOTICE",
    "TOO_SLOW_NOTICE",
    "failed_notice",
    "install_clock_checks",
    "notice_html",
    "plain_text_html",
    "same_clock",
    "start_clock",
    "too_slow_notice",
]

MAX_MARKDOWN_CHARS = 2_500_000
"""Longest body rendered, in characters: about 2.5 MB of text, 650 MB of parser memory."""

MAX_RENDER_SECONDS = 20.0
"""Longest a body may take to parse and highlight before it is shown as plain text."""

_ENV_DEADLINE = "helpgen_deadline"
_ENV_BUDGET = "helpgen_budget"
_CUT_WINDOW = 0.9  # cut at a paragraph (or line) break in the last 10 % before the limit


class OverBudget(Exception):
    """Rendering one body took longer than its time budget."""


def start_clock(env: MutableMapping[str, Any], seconds: float = MAX_RENDER_SECONDS) -> None:
    """Give one parse (its markdown-it ``env``) ``seconds`` from now."""
    env[_ENV_DEADLINE] = time.perf_counter() + seconds
    env[_ENV_BUDGET] = seconds


def same_clock(env: MutableMapping[str, Any]) -> dict[str, Any]:
    """A fresh ``env`` for parsing the same body again, keeping its deadline."""
    return {key: env[key] for key in (_ENV_DEADLINE, _ENV_BUDGET) if key in env}


def check_clock(env: MutableMapping[str, Any]) -> None:
    """Raise :class:`OverBudget` when the parse owning ``env`` is past its deadline."""
    deadline = env.get(_ENV_DEADLINE)
    if deadline is not None and time.perf_counter() > deadline:
        raise OverBudget(f"took longer than {env.get(_ENV_BUDGET, MAX_RENDER_SECONDS):g} s to format")


def _block_clock(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    check_clock(state.env)
    return False  # never matches: it only looks at the clock


def _inline_clock(state: StateInline, silent: bool) -> bool:
    check_clock(state.env)
    return False


def install_clock_checks(md: MarkdownIt) -> None:
    """Put a clock check at the head of ``md``'s block and inline rule chains."""
    md.block.ruler.before(md.block.ruler.get_all_rules()[0], "helpgen_clock", _block_clock)
    md.inline.ruler.before(md.inline.ruler.get_all_rules()[0], "helpgen_clock", _inline_clock)


def cut_to_limit(markdown: str, limit: int = MAX_MARKDOWN_CHARS) -> tuple[str, int]:
    """``markdown`` cut to at most ``limit`` characters, and how many characters were left out.

    The cut falls on the last paragraph break (else line break) in the final tenth before the
    limit, so the kept part ends on a whole block whenever it can.
    """
    if len(markdown) <= limit:
        return markdown, 0
    floor = int(limit * _CUT_WINDOW)
    cut = markdown.rfind("\n\n", floor, limit)
    if cut < 0:
        cut = markdown.rfind("\n", floor, limit)
    if cut < 0:
        cut = limit
    return markdown[:cut], len(markdown) - cut


def notice_html(text: str) -> str:
    """A visible notice in a body, in the theme's ``.notice`` style (``text`` is escaped)."""
    return f'<p class="notice notice-content" role="note">{html.escape(text, quote=False)}</p>\n'


# The notices' English texts; a site's language gives its own (markdown.BodyTexts, from the
# catalog keys body.cut_notice, body.too_slow_notice and body.failed_notice).
CUT_NOTICE = "This text is too long to show in full: its last {count} characters are not shown."
TOO_SLOW_NOTICE = "This text is too complex to format, so it is shown as plain text."
FAILED_NOTICE = "This text could not be formatted, so it is shown as plain text."


def cut_notice(dropped_chars: int, text: str = CUT_NOTICE, thousands: str = ",") -> str:
    """The notice under a body that was cut to :data:`MAX_MARKDOWN_CHARS`."""
    return notice_html(text.replace("{count}", f"{dropped_chars:,}".replace(",", thousands)))


def too_slow_notice(text: str = TOO_SLOW_NOTICE) -> str:
    """The notice over a body that ran out of time and is shown as plain text."""
    return notice_html(text)


def failed_notice(text: str = FAILED_NOTICE) -> str:
    """The notice over a body whose rendering failed, shown as plain text instead."""
    return notice_html(text)


_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def plain_text_html(text: str) -> str:
    """``text`` as escaped paragraphs (split at blank lines, line breaks kept); no markup."""
    text = replace_lone_surrogates(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return "".join(
        "<p>" + html.escape(p.strip("\n"), quote=False).replace("\n", "<br>\n") + "</p>\n"
        for p in _BLANK_LINES.split(text)
        if p.strip()
    )
