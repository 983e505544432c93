"""Make the portal's icons from static/icons/icon.svg: PNGs for app icons and a favicon.ico,
rendered by Debian's Chromium through Playwright (nothing is downloaded).

    python -m audit.icons      (or `make icons`)

The files are committed; run this again after changing the SVG.
"""

import os
import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# name: (size, full_bleed). Full-bleed icons fill the square (for masks and iOS's own
# rounding); the others keep the SVG's rounded corners on transparency.
PNGS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),
}
ICO_SIZES = (16, 32, 48)


def svg(full_bleed: bool) -> str:
    text = (ICONS / "icon.svg").read_text()
    return text.replace(' rx="96"', "") if full_bleed else text


def render(page, size: int, full_bleed: bool) -> bytes:
    page.set_viewport_size({"width": size, "height": size})
    markup = svg(full_bleed).replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
    page.set_content(f'<html><body style="margin:0;background:transparent">{markup}</body></html>')
    return page.locator("svg").screenshot(omit_background=True)


def ico(pngs: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding PNG images (read by every current browser)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, data in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(device_scale_factor=1)
        for name, (size, full_bleed) in PNGS.items():
            (ICONS / name).write_bytes(render(page, size, full_bleed))
            print(f"static/icons/{name}: {size}×{size}")
        favicon = [(size, render(page, size, False)) for size in ICO_SIZES]
        (ICONS / "favicon.ico").write_bytes(ico(favicon))
        print(f"static/icons/favicon.ico: {', '.join(str(s) for s in ICO_SIZES)} px")
        browser.close()


if __name__ == "__main__":
    main()
