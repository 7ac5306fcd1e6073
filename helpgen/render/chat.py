"""cStar's customer chat widget on every page: ``[chat]`` settings → the script tag and its CSP origin.

Off by default. When ``[chat] enabled = true``, ``partials/chat.html`` adds one external
``<script src=... defer>`` to every page (no inline script), carrying the team in a ``data-``
attribute, so the widget loads once the page is parsed and interactive. cStar does not document
the widget's address: helpgen's reading is ``{api_url}/widget/chat.js`` with the team slug in
``data-cstar-team``; ``[chat] script_url`` replaces it. The script's origin is added to the
page's Content-Security-Policy (``script-src``, ``style-src``, ``connect-src``, ``frame-src``),
and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpgen.config import Config, ConfigError
from helpgen.render.csp import api_origin

__all__ = ["ChatWidget", "WIDGET_PATH", "chat_widget"]

WIDGET_PATH = "/widget/chat.js"


@dataclass(frozen=True)
class ChatWidget:
    """``site.chat`` in templates: the widget script's URL and the team it serves."""

    script_url: str
    team: str

    @property
    def origin(self) -> str | None:
        """``scheme://host[:port]`` of the script, for the CSP."""
        return api_origin(self.script_url)


def chat_widget(config: Config, snapshot_team: str = "") -> ChatWidget | None:
    """The widget ``config`` asks for, or None when ``[chat]`` is off. Raises
    :class:`~helpgen.config.ConfigError` naming ``[chat].team`` when it is on without a team."""
    if not config.chat_enabled:
        return None
    where = str(config.config_file or "helpgen.toml")
    team = config.chat_team or config.team or snapshot_team
    if not team:
        raise ConfigError(
            f"{where}: [chat].team: the chat widget is enabled but no team is set "
            "(set [chat].team or [cstar].team)"
        )
    url = config.chat_script_url or config.api_url.rstrip("/") + WIDGET_PATH
    if api_origin(url) is None:
        raise ConfigError(f"{where}: [chat].script_url: expected an http(s) URL, got {url!r}")
    return ChatWidget(script_url=url, team=team)
