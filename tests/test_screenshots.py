"""The README's screenshots of the example site, light and dark, taken in headless Chromium.

``HELPGEN_UPDATE_SCREENSHOTS=1 python -m pytest tests/test_screenshots.py`` rewrites
``docs/screenshots/light.png`` and ``dark.png``; otherwise the screenshots go to a temporary
folder (CI never dirties the checkout) and are checked the same way, as are the committed ones.
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from helpgen.build import build_site
from helpgen.config import load_config
from tests.conftest import EXAMPLE_SITE, REPO
from tests.sitehost import StaticHost

SCREENSHOTS = REPO / "docs" / "screenshots"
SIZE = (1280, 800)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _pixels(page, data: bytes) -> dict[str, float]:
    """Decode the PNG in the browser: mean luminance (0-255) and the number of distinct colours."""
    return page.evaluate(
        """async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.width; canvas.height = img.height;
            const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, img.width, img.height).data;
            let sum = 0; const colours = new Set();
            for (let i = 0; i < d.length; i += 4) {
                sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
                if (i % 64 === 0) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            }
            return {luminance: sum / (d.length / 4), colours: colours.size};
        }""",
        "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
    )


def _check(page, light: bytes, dark: bytes) -> None:
    assert _png_size(light) == _png_size(dark) == SIZE
    measured = {name: _pixels(page, data) for name, data in (("light", light), ("dark", dark))}
    assert measured["light"]["luminance"] > 170 and measured["dark"]["luminance"] < 80, measured
    for name in ("light", "dark"):
        assert measured[name]["colours"] > 200, (name, "looks blank", measured)


@pytest.mark.browser
def test_screenshots_of_the_example_site_light_and_dark(tmp_path: Path, browser) -> None:
    target = SCREENSHOTS if os.environ.get("HELPGEN_UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out, "cache_dir": tmp_path / "cache"}, environ={})
    build_site(replace(config, analytics=False))  # nothing leaves the machine
    shots: dict[str, bytes] = {}
    with StaticHost(out) as host:
        for scheme in ("light", "dark"):
            context = browser.new_context(
                color_scheme=scheme, viewport={"width": SIZE[0], "height": SIZE[1]}, reduced_motion="reduce"
            )
            page = context.new_page()
            page.goto(host.url)
            page.wait_for_load_state("networkidle")
            page.evaluate("document.fonts.ready")
            shots[scheme] = page.screenshot()
            (target / f"{scheme}.png").write_bytes(shots[scheme])
            context.close()
    checker = browser.new_page()
    _check(checker, shots["light"], shots["dark"])
    # The committed screenshots the README shows are real too.
    _check(checker, (SCREENSHOTS / "light.png").read_bytes(), (SCREENSHOTS / "dark.png").read_bytes())
    checker.close()


def test_the_readme_shows_both_screenshots() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/screenshots/light.png" in readme and "docs/screenshots/dark.png" in readme
