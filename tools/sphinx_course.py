"""A small Sphinx extension for the course site.

* It loads ``course-early.js`` before every other script on every page (priority 1), so that its
  settings for require.js, FontAwesome and MathJax are in place before those scripts run; see the
  comments in ``assets/course-early.js``.
* It writes the site's root ``index.html``, the page a reader lands on first, as a real page: a
  language, a title and a link a reader can follow, around the instant redirect to the book's
  first chapter (sphinx-external-toc writes a bare ``<meta>`` refresh, with no title or
  language, which screen readers announce as an untitled page).
"""

from __future__ import annotations

import html
from pathlib import Path

INDEX = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta http-equiv="refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
</head>
<body>
<main>
<h1>{title}</h1>
<p><a href="{url}">Start reading: {first}</a></p>
</main>
</body>
</html>
"""


def write_index(app, exception) -> None:
    """Write ``index.html`` at the root of an HTML build whose root document is elsewhere."""
    if exception is not None or app.builder.format != "html":
        return
    root = app.config.root_doc
    if root == "index":
        return
    url = app.builder.get_target_uri(root)
    first = app.env.titles[root].astext() if root in app.env.titles else url
    page = INDEX.format(
        lang=html.escape(app.config.language or "en"),
        title=html.escape(app.config.html_title or first),
        url=html.escape(url, quote=True),
        first=html.escape(first),
    )
    Path(app.outdir, "index.html").write_text(page, encoding="utf-8")


def setup(app):
    """Register the early script and the root page with Sphinx."""
    app.add_js_file("course-early.js", priority=1)
    # After sphinx-external-toc's own index (default priority 500), which it writes only when
    # there is none; this one replaces it on every build.
    app.connect("build-finished", write_index, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
