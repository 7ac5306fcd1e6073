"""Message catalogs: every text a theme shows, per language, and the ``t()`` / date / number helpers.

A catalog is a JSON file ``locales/{language}.json`` mapping message keys to texts
(``"article.more_in": "More in {category}"``); a text that depends on a count is an object of
CLDR plural forms (``{"one": "{count} article", "other": "{count} articles"}``). Catalogs are
layered, lowest first: the themes the site's theme extends, the theme, the site's own
``locales/`` folder; a layer replaces whole keys, so a site changes one string or adds a
language by writing just those keys. A key the chosen language lacks falls back to English,
with one warning per build naming the catalog and the keys.

Texts are plain text, never markup or templates: ``t()`` returns a ``str`` that Jinja's
autoescaping escapes, and ``{name}`` placeholders are filled by name only (no attribute or
index access), so a catalog or a parameter holding ``{{`` or ``<script>`` prints as text.
Dates and numbers are formatted by Babel (CLDR data) in the catalog's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import babel
import babel.dates
import babel.numbers

if TYPE_CHECKING:
    from helpgen.render.markdown import BodyTexts

__all__ = [
    "Catalog",
    "CatalogError",
    "load_catalog",
    "default_catalog",
    "catalog_dirs",
    "available_languages",
    "LANGUAGE_TAG",
]

FALLBACK_LANGUAGE = "en"
LOCALES_FOLDER = "locales"
# A BCP 47 language tag as sites write it: "en", "de", "ja", "pt-BR", "zh-Hant".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
_DATE_KEY = "date.format"  # a CLDR date pattern, e.g. "d MMM y"
_MINUTES = re.compile(r"(\d{1,4})\s*min")


class CatalogError(Exception):
    """A catalog file is unreadable or malformed, a language has none, or a key is unknown."""


# A catalog's texts: key -> text, and "key#form" -> text for each plural form.
Messages = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Catalog:
    """The texts of one language over the English fallback, plus where they came from.

    It is part of ``SiteSettings``, so every page's fingerprint (and the no-change check of
    the whole site) covers every text: editing a catalog re-renders the pages.
    """

    language: str = FALLBACK_LANGUAGE
    messages: Messages = ()
    fallback: Messages = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def _texts(self) -> dict[str, str]:
        return dict(self.messages)

    @cached_property
    def _fallback_texts(self) -> dict[str, str]:
        return dict(self.fallback)

    @cached_property
    def locale(self) -> babel.Locale:
        """The Babel locale for dates, numbers and plural rules (English when Babel lacks it)."""
        try:
            return babel.Locale.parse(self.language.replace("-", "_"))
        except (ValueError, babel.UnknownLocaleError):
            try:
                return babel.Locale.parse(self.language.split("-")[0])
            except (ValueError, babel.UnknownLocaleError):
                return babel.Locale.parse(FALLBACK_LANGUAGE)

    @property
    def direction(self) -> str:
        """The script direction of the language, for ``<html dir>``: ``ltr``, or ``rtl`` (Arabic, Hebrew...)."""
        return "rtl" if self.locale.text_direction == "rtl" else "ltr"

    def _lookup(self, key: str) -> str | None:
        text = self._texts.get(key)
        return text if text is not None else self._fallback_texts.get(key)

    def text(self, key: str, /, **params: Any) -> str:
        """The text of ``key`` with ``{name}`` placeholders filled in (plain text, escape it).

        With a ``count`` parameter, a plural key picks the language's CLDR plural form
        (``one``/``other``...); ``count`` is shown formatted for the language (``1,234``).
        Raises :class:`CatalogError` for a key no catalog has.
        """
        template: str | None = None
        if "count" in params:
            count = params["count"]
            form = self._plural_form(count)
            # The language's own forms if it has the key at all; else English's (never a mix).
            for texts in (self._texts, self._fallback_texts):
                template = texts.get(f"{key}#{form}") or texts.get(f"{key}#other")
                if template is not None:
                    break
            if isinstance(count, (int, float)) and not isinstance(count, bool):
                params = {**params, "count": self.number(count)}
        if template is None:
            template = self._lookup(key)
        if template is None:
            template = self._lookup(f"{key}#other")
        if template is None:
            raise CatalogError(f"message key {key!r} is not in the {self.language!r} or English catalog")

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(params[name]) if name in params else match.group(0)

        return _PLACEHOLDER.sub(fill, template)

    def _plural_form(self, count: Any) -> str:
        """The CLDR plural form of ``count`` in this language; ``other`` for what is not a number."""
        if not isinstance(count, (int, float)) or isinstance(count, bool):
            return "other"
        try:
            return self.locale.plural_form(count)
        except (ArithmeticError, ValueError):  # infinite or NaN (bad API data)
            return "other"

    def script_texts(self, names: Mapping[str, str]) -> dict[str, str]:
        """Texts for a browser script (a ``data-i18n`` JSON attribute): ``name -> text``.

        ``names`` maps the script's names to message keys. Placeholders stay unfilled for the
        script to fill; a plural key gives ``name_one``, ``name_other`` ... for the plural forms
        this language uses. Raises :class:`CatalogError` for an unknown key.
        """
        texts: dict[str, str] = {}
        forms = sorted(set(self.locale.plural_form.tags) | {"other"}, key=_PLURAL_FORMS.index)
        for name, key in names.items():
            plain = self._lookup(key)
            if plain is not None:
                texts[name] = plain
                continue
            if self._lookup(f"{key}#other") is None:
                raise CatalogError(f"message key {key!r} is not in the {self.language!r} or English catalog")
            for form in forms:
                texts[f"{name}_{form}"] = self._lookup(f"{key}#{form}") or self._lookup(f"{key}#other") or ""
        return texts

    def body_texts(self) -> "BodyTexts":
        """Callout titles, permalink labels and notices for rendered bodies (``body.*`` keys)."""
        from helpgen.render.markdown import CALLOUT_KINDS, BodyTexts  # late: markdown loads Pygments

        return BodyTexts(
            callouts=tuple((kind, self.text(f"body.callout_{kind}")) for kind in CALLOUT_KINDS),
            permalink=self.text("body.permalink"),
            permalink_to=self.text("body.permalink_to"),  # {heading} is filled by the renderer
            cut_notice=self.text("body.cut_notice"),  # {count} too
            too_slow_notice=self.text("body.too_slow_notice"),
            failed_notice=self.text("body.failed_notice"),
            thousands_separator=babel.numbers.get_group_symbol(self.locale),
        )

    def minutes(self, value: Any) -> str:
        """A reading time as cStar sends it (``"3 min"``) in this language (``3 Min.``, ``3 分``);
        any other text as it is."""
        match = _MINUTES.fullmatch(value.strip()) if isinstance(value, str) else None
        return self.text("article.minutes", count=int(match.group(1))) if match else ("" if value is None else str(value))

    def number(self, value: int | float) -> str:
        """A number as readers of this language write it (``1,234`` / ``1.234``).

        Values Babel cannot format (infinite, NaN, beyond its precision: bad API data) are
        written plainly rather than failing the page.
        """
        try:
            return babel.numbers.format_decimal(value, locale=self.locale)
        except (ArithmeticError, ValueError):
            return str(value)

    def date(self, value: Any) -> str:
        """An ISO timestamp as a reader's date in this language; empty when missing or invalid."""
        parsed = parse_timestamp(value)
        if parsed is None:
            return ""
        pattern = self._lookup(_DATE_KEY) or "medium"
        return babel.dates.format_date(parsed.astimezone(timezone.utc).date(), format=pattern, locale=self.locale)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (``Z`` allowed) as an aware datetime; None when missing or invalid."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _read_catalog(path: Path) -> dict[str, str]:
    """One catalog file, flattened: plural objects become ``key#form`` entries."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: expected an object of message keys")
    flat: dict[str, str] = {}
    for key, value in raw.items():
        if key.startswith("_"):  # "_comment" and the like
            continue
        if isinstance(value, str):
            flat[key] = value
        elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            unknown = set(value) - set(_PLURAL_FORMS)
            if unknown:
                raise CatalogError(
                    f"{path}: key {key!r}: unknown plural form {sorted(unknown)[0]!r} "
                    f"(use {', '.join(_PLURAL_FORMS)})"
                )
            if "other" not in value:
                raise CatalogError(f"{path}: key {key!r}: a plural text needs an \"other\" form")
            for form, text in value.items():
                flat[f"{key}#{form}"] = text
        else:
            raise CatalogError(f"{path}: key {key!r}: expected a text or an object of plural forms")
    return flat


def _file_for(folder: Path, language: str) -> Path | None:
    """``{language}.json`` in ``folder``, else the file of its base language (``pt-BR`` → ``pt``)."""
    for name in (language, language.split("-")[0]):
        candidate = folder / f"{name}.json"
        if candidate.is_file():
            return candidate
    return None


def catalog_dirs(theme_roots: Iterable[Path], site_locales: Path | None) -> list[Path]:
    """The catalog folders of a build, lowest priority first (themes' ``locales/``, then the site's)."""
    folders = [root / LOCALES_FOLDER for root in theme_roots]
    if site_locales is not None:
        folders.append(site_locales)
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder not in unique:
            unique.append(folder)
    return unique


def available_languages(folders: Iterable[Path]) -> list[str]:
    """Every language some catalog folder has a file for."""
    return sorted({p.stem for folder in folders for p in folder.glob("*.json")})


def _base_key(key: str) -> str:
    return key.split("#", 1)[0]


def _merged(folders: list[Path], language: str) -> tuple[dict[str, str], list[Path]]:
    merged: dict[str, str] = {}
    used: list[Path] = []
    for folder in folders:
        path = _file_for(folder, language)
        if path is not None:
            layer = _read_catalog(path)
            redefined = {_base_key(k) for k in layer}  # a key replaced whole, plural forms included
            merged = {k: v for k, v in merged.items() if _base_key(k) not in redefined}
            merged.update(layer)
            used.append(path)
    return merged, used


def load_catalog(folders: list[Path], language: str) -> Catalog:
    """The catalog of ``language`` layered over ``folders`` (lowest priority first).

    Raises :class:`CatalogError` when no folder has a catalog for the language or English,
    or a file is malformed. Keys the language lacks fall back to English; the catalog's
    ``warnings`` name them.
    """
    english, english_files = _merged(folders, FALLBACK_LANGUAGE)
    if not english_files:
        raise CatalogError(f"no English catalog ({FALLBACK_LANGUAGE}.json) in {', '.join(map(str, folders)) or 'any theme'}")
    texts, files = _merged(folders, language)
    if not files:
        raise CatalogError(
            f"[site].language = {language!r}: no message catalog for it (available: "
            f"{', '.join(available_languages(folders))}; add locales/{language}.json to the site to add one)"
        )
    warnings: list[str] = []
    missing = sorted({_base_key(k) for k in english} - {_base_key(k) for k in texts})
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        warnings.append(
            f"catalog {files[-1]}: {len(missing)} message(s) missing in {language!r}, shown in English: {shown}"
        )
    return Catalog(
        language=language,
        messages=tuple(sorted(texts.items())),
        fallback=tuple(sorted(english.items())),
        warnings=tuple(warnings),
    )


_DEFAULT: dict[str, Catalog] = {}


def default_catalog(language: str = FALLBACK_LANGUAGE) -> Catalog:
    """The built-in default theme's catalog of ``language`` (what a bare ``SiteSettings()`` uses)."""
    if language not in _DEFAULT:
        from helpgen.render.templates import find_theme  # late: templates imports this module

        theme = find_theme("default", Path("."))
        _DEFAULT[language] = load_catalog(catalog_dirs([theme.root], None), language)
    return _DEFAULT[language]

