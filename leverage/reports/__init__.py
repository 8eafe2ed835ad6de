"""Reports: what leaves the app as a file.

Owns: the board pack (`boardpack`: its content gathered once, laid out as PDF or PowerPoint), chart
images drawn by Chromium (`chart_images`) and Excel workbooks that keep text as text (`excel`).

May import: `leverage.core` and the domains (`survey`, `compare`, `aims`, `workshops`).
"""
