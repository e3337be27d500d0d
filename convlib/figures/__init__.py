"""Figures and widgets for the course (matplotlib, ipywidgets): work in progress."""

from .forward import Operations, Window
from .gradients import InfluenceRegion, WeightGradient
from .rotation import PaddedSweep, Rot180
