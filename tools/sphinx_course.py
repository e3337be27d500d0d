"""A small Sphinx extension for the course site.

- It loads ``course-early.js`` before every other script on every page (priority 1), so that its
  settings for require.js, FontAwesome and MathJax are in place before those scripts run; see the
  comments in ``assets/course-early.js``.
- It adds the readers' download, ``convlib-course.zip`` (every chapter, convlib and a lock, built
  by ``tools/build_bundle.py`` beside the site's ``index.html``), to every page's download menu,
  after the theme's own entries (.ipynb, .md, .pdf).
- It resolves a Markdown link to a numbered target of another chapter, such as
  ``[(1.3)](01-operations.ipynb#eq-layer)`` or
  ``[Exercise 3.1](03-input-gradient.ipynb#ex-ch3-grad-input)``, to that equation, exercise or
  figure, and checks that the link's text carries the number the site gives it: a warning (an
  error in the strict build) names the link whose number is wrong. Such links read well in
  JupyterLab too, where ``{eq}`` and ``{ref}`` cannot reach into another notebook: the rules
  are in ``tests/test_chapter_references.py``, which holds every chapter to them.
- It writes the site's root ``index.html``, the page a reader lands on first, as a real page: a
  language, a title and a link a reader can follow, around the instant redirect to the book's
  first chapter (sphinx-external-toc writes a bare ``<meta>`` refresh, with no title or
  language, which screen readers announce as an untitled page).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import NoUri
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

BUNDLE = "convlib-course.zip"
# The text of a link that names a numbered target: "(1.3)", "Fig. 1.1", "Exercise 3.1 (...)".
_NUMBERED_TEXT = re.compile(r"\(?(?:[A-Z][a-z]*\.?\s+)?\d+(?:\.\d+)+\b")
logger = logging.getLogger(__name__)


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


class NumberedTargetLinks(SphinxPostTransform):
    """Resolve ``[text](chapter.ipynb#label)`` to a numbered target and check its number."""

    default_priority = 8  # before MyST's own resolver (9), which knows only heading anchors

    def run(self, **kwargs):
        """Resolve every such link of the document."""
        math, std = self.env.get_domain("math"), self.env.get_domain("std")
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst":
                continue
            if node.get("refdomain") == "doc" and node.get("reftargetid"):
                self._resolve(node, node["reftarget"], node["reftargetid"])
        # [Fig. 1.1](#label) in the target's own chapter: docutils links it; check its number.
        for node in list(self.document.findall(nodes.reference)):
            label = node.get("refid")
            if label and _NUMBERED_TEXT.match(node.astext()):
                docname = (math.equations.get(label) or std.labels.get(label) or (None,))[0]
                if docname == self.env.docname:
                    self._resolve(node, docname, label, replace=False)

    def _resolve(self, node, docname: str, label: str, replace: bool = True) -> None:
        env, builder = self.env, self.app.builder
        math, std = env.get_domain("math"), env.get_domain("std")
        fromdoc = node.get("refdoc", env.docname)
        contnode = nodes.inline(node.astext(), node.astext())
        implicit = addnodes.pending_xref("", refdoc=fromdoc, refexplicit=False)
        if math.equations.get(label, (None,))[0] == docname:
            target = math.resolve_xref(env, fromdoc, builder, "eq", label, implicit, contnode)
        elif std.labels.get(label, (None,))[0] == docname:
            try:
                target = std.resolve_xref(
                    env, fromdoc, builder, "numref", label, implicit, contnode
                )
            except NoUri:
                return
        else:
            return  # not a numbered target: MyST resolves it, or warns
        if target is None:
            return
        number = target.astext()
        text = node.astext()
        if number.split()[-1] not in text:
            logger.warning(
                f"the link [{text}] to {label} in {docname} should carry its number, {number}",
                location=node,
            )
        if replace:
            where = {k: target[k] for k in ("refuri", "refid") if k in target}
            link = nodes.reference("", "", internal=True, **where)
            link += node[0].deepcopy()
            node.replace_self(link)


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
    """Register the early script, the download entry, the link resolver and the root page."""
    app.add_js_file("course-early.js", priority=1)
    # sphinx-book-theme fills the header buttons at priority 501.
    app.connect("html-page-context", add_bundle_to_download_menu, priority=502)
    app.add_post_transform(NumberedTargetLinks)
    # After sphinx-external-toc's own index (default priority 500), which it writes only when
    # there is none; this one replaces it on every build.
    app.connect("build-finished", write_index, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
