"""JupyterLab's settings for this course, read by ``make lab`` (``JUPYTER_CONFIG_PATH``).

- Saving a notebook writes its metadata as ``make execute`` does (``normalise_metadata`` in
  ``tools/execute_notebooks.py``): JupyterLab would otherwise store the kernel's display name and
  this machine's Python version, so that opening and saving a chapter would change it.
- JupyterLab neither asks for nor fetches news and update notices: it reaches no server but its
  own.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from execute_notebooks import normalise_metadata  # noqa: E402


def _normalise_before_save(model, **kwargs):
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        normalise_metadata(model["content"])


c = get_config()  # noqa: F821 - defined by the traitlets config loader
c.ContentsManager.pre_save_hook = _normalise_before_save
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
