"""Reading built pages the way a reader (or a link checker) would, with the stdlib parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class ParsedPage(HTMLParser):
    """All elements with their attributes, plus the visible text of selected tags."""

    elements: list[Element] = field(default_factory=list)
    _open: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in {"img", "meta", "link", "br", "hr", "input", "source"}:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e for e in self.elements
            if e.tag == tag and all(attrs_match(e.attrs.get(k.rstrip("_")), v) for k, v in attrs.items())
        ]

    def text_of(self, tag: str, **attrs: str) -> str:
        found = self.find_all(tag, **attrs)
        return " ".join(found[0].text.split()) if found else ""


def attrs_match(actual: str | None, expected: str) -> bool:
    if actual is None:
        return False
    return expected in actual.split() if expected and " " not in expected else actual == expected


def parse(path: Path) -> ParsedPage:
    page = ParsedPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def local_targets(site: Path, page_file: Path) -> list[tuple[str, Path]]:
    """Every same-site href/src in a page, with the file it points at."""
    page = parse(page_file)
    out = []
    for element in page.elements:
        for attr in ("href", "src"):
            value = element.attrs.get(attr)
            if not value or element.tag in {"base"}:
                continue
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith("#"):
                continue
            target_path = unquote(parts.path)
            if target_path.startswith("/"):
                target = site / target_path.lstrip("/")
            else:
                target = (page_file.parent / target_path).resolve()
            if value.endswith("/") or target.is_dir():
                target = target / "index.html"
            out.append((value, target))
    return out


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
