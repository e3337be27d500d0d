"""A small Sphinx extension for the course site.

- It loads ``course-early.js`` before every other script on every page (priority 1), so that its
  settings for require.js, FontAwesome and MathJax are in place before those scripts run; see the
  comments in ``assets/course-early.js``.
- It adds the readers' download, ``convlib-course.zip`` (every chapter, convlib and a lock, built
  by ``tools/build_bundle.py`` beside the site's ``index.html``), to every page's download menu,
  after the theme's own entries (.ipynb, .md, .pdf).
"""

from __future__ import annotations

BUNDLE = "convlib-course.zip"


def add_bundle_to_download_menu(app, pagename, templatename, context, doctree):
    """Append the course's zip to the download menu that sphinx-book-theme built for the page."""
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](BUNDLE, 1),
                    "text": "all chapters (.zip)",
                    "tooltip": "Download every chapter with convlib, to run in JupyterLab",
                    "icon": "fas fa-file-zipper",
                    "label": "download-course-button",
                }
            )


def setup(app):
    """Register the early script and the download entry with Sphinx."""
    app.add_js_file("course-early.js", priority=1)
    # sphinx-book-theme fills the header buttons at priority 501.
    app.connect("html-page-context", add_bundle_to_download_menu, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
