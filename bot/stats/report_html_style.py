"""The report page's one style sheet: readable on screen, clean when printed to PDF."""

from __future__ import annotations

STYLE = """
:root { color: #1a1a1a; background: #ffffff; }
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5;
  margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #1f5a96; }
.banner { border: 3px solid #8a1c1c; color: #8a1c1c; padding: .75rem 1rem; margin: 0 0 1rem; }
.glance { display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; }
.glance div { border: 1px solid #5c6670; padding: .75rem 1rem; min-width: 13rem; flex: 1; }
.glance dt { font-size: .95rem; }
.glance dd { font-size: 1.6rem; font-weight: 700; margin: 0; }
.pair { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure { flex: 1 1 26rem; margin: 0; }
figcaption { font-size: .9rem; margin-top: .25rem; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; flex: 0 1 auto; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 700; padding-bottom: .25rem; }
th, td { border: 1px solid #5c6670; padding: .25rem .6rem; }
td { text-align: right; }
thead th { background: #e8eef5; }
tbody th { text-align: left; font-weight: 400; }
abbr { text-decoration: none; }
footer { margin-top: 2rem; font-size: .9rem; }
@page { size: A4; margin: 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section { break-inside: avoid; }
  h2 { break-after: avoid; }
  .pair { gap: 1rem; }
  .banner { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  thead th { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""
