"""The built website, read as a reader would: every page in headless Chromium, with no network.

A page passes when it loads with no failed request, no request leaving the machine, no
JavaScript error, no console error, and, where it has mathematics, every formula typeset by the
site's own MathJax with no TeX error. A screenshot of every page is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from sitetools import ARTIFACTS, SITE, pages

pytestmark = pytest.mark.browser


PAGES = pages()


def test_site_has_every_chapter():
    expected = {"chapters/intro.html", "chapters/notation.html", "chapters/errata.html"}
    assert expected <= set(PAGES), f"missing pages: {sorted(expected - set(PAGES))}"
    assert len([p for p in PAGES if p.startswith("chapters/0")]) >= 1


def test_no_page_loads_anything_from_outside(site_url):
    """Static check of the HTML: no script, stylesheet, font or image from another host."""
    import re

    offenders = {}
    for page in PAGES:
        html = (SITE / page).read_text(encoding="utf-8")
        hits = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        # Links a reader may click are fine; resources the page loads are not.
        loaded = [
            h
            for h in hits
            if re.search(rf'<(?:script|img|link[^>]*stylesheet)[^>]*"{re.escape(h)}"', html)
        ]
        if loaded:
            offenders[page] = loaded
    assert not offenders, f"pages that load resources from the network: {offenders}"


@pytest.mark.parametrize("reader", PAGES, indirect=True)
def test_page_loads_offline_with_math_typeset(reader):
    tab, page = reader.tab, reader.page
    if reader.has_math:
        untypeset = tab.locator(".math:not(:has(mjx-container))").count()
        tex_errors = tab.locator("mjx-merror").all_inner_texts()
        assert untypeset == 0, f"{page}: {untypeset} formulas not typeset"
        assert not tex_errors, f"{page}: TeX errors {tex_errors}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / (page.replace("/", "__") + ".png")), full_page=False)
    assert not reader.outside, f"{page}: requests leaving the machine: {reader.outside}"
    assert not reader.failed, f"{page}: failed requests: {reader.failed}"
    assert not reader.errors, f"{page}: {reader.errors}"


SOLUTION_PAGES = [p for p in PAGES if 'class="solution dropdown' in (SITE / p).read_text("utf-8")]


def test_exercises_have_folded_solutions():
    assert len(SOLUTION_PAGES) >= 5, f"pages with folded solutions: {SOLUTION_PAGES}"


@pytest.mark.parametrize("reader", SOLUTION_PAGES, indirect=True)
def test_a_click_on_a_solution_title_opens_it(reader):
    tab = reader.tab
    solution = tab.locator(".solution.dropdown").first
    body = solution.locator("section").first
    assert not body.is_visible(), "a solution should start folded"
    url = tab.url
    title = solution.locator(".admonition-title")
    title.scroll_into_view_if_needed()
    title.click()
    body.wait_for(state="visible", timeout=5_000)
    assert tab.url == url, "the click jumped away instead of opening the solution"
    title.click()  # folded again, as the next check expects to find it
    body.wait_for(state="hidden", timeout=5_000)
    assert not reader.errors, reader.errors
