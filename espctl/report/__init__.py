"""The deliverability report: metrics, SVG charts and the HTML renderer.

Public entry: :func:`render_report` over a :class:`ReportData`.
"""

from espctl.report.data import ReportData
from espctl.report.render import render_report

__all__ = ["ReportData", "render_report"]
