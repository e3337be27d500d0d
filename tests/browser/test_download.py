"""The readers' download on the built site: linked from the intro and from every page's menu.

A reader finds ``convlib-course.zip`` twice: the intro's "Run it yourself" links it, and every
page's download menu (the theme's button at the top) lists it after the page's own .ipynb, .md
and .pdf. Every page's menu must point at the zip the site serves beside its ``index.html``; in
headless Chromium, the intro's link and one chapter's menu entry must download it, byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sitetools import ARTIFACTS, SITE, pages

pytestmark = pytest.mark.browser

ZIP = SITE / "convlib-course.zip"
CHAPTER_PAGES = [p for p in pages() if p.startswith("chapters/0")]


def _download(tab, trigger) -> bytes:
    with tab.expect_download(timeout=10_000) as info:
        trigger()
    return Path(info.value.path()).read_bytes()


def test_the_zip_is_served_at_the_site_root():
    assert ZIP.exists() and ZIP.stat().st_size > 100_000, f"no readers' download at {ZIP}"


def test_the_intro_links_the_zip(browser, site_url):
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.goto(site_url + "chapters/intro.html", wait_until="load")
    section = tab.locator("section", has=tab.get_by_role("heading", name="How to run it")).first
    assert "Run it yourself" in section.inner_text()
    link = section.get_by_role("link", name="convlib-course.zip")
    assert _download(tab, link.click) == ZIP.read_bytes()
    context.close()


@pytest.mark.parametrize("page", [p for p in pages() if p.startswith("chapters/")])
def test_every_download_menu_points_at_the_zip(page):
    html = (SITE / page).read_text(encoding="utf-8")
    menu = re.search(r'<div class="dropdown dropdown-download-buttons">(.*?)</ul>', html, re.S)
    assert menu, f"{page} has no download menu"
    links = re.findall(r'<a href="([^"]+)"(?:(?!<a ).)*?all chapters \(\.zip\)', menu[1], re.S)
    assert links, f"the download menu of {page} does not offer the zip"
    target = urljoin(f"http://site/{page}", links[0])
    assert target == "http://site/convlib-course.zip", f"{page}: the menu's zip link is {links[0]}"


def test_a_chapters_download_menu_downloads_the_zip(browser, site_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    page = CHAPTER_PAGES[0]
    tab.goto(site_url + page, wait_until="load")
    tab.locator(".dropdown-download-buttons > button").click()
    entry = tab.locator(".dropdown-download-buttons a", has_text="all chapters (.zip)")
    entry.wait_for(state="visible", timeout=5_000)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "download-menu.png"))
    assert _download(tab, entry.click) == ZIP.read_bytes()
    context.close()
