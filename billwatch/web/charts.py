"""Charts drawn on the server as SVG (no script, no inline style: the CSP forbids both)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#7a7a7a")
# A tile-grid map: each state a square at (column, row), roughly where it lies.
TILES = {
    "AK": (0, 0),
    "ME": (11, 0),
    "VT": (10, 1),
    "NH": (11, 1),
    "WA": (1, 2),
    "ID": (2, 2),
    "MT": (3, 2),
    "ND": (4, 2),
    "MN": (5, 2),
    "IL": (6, 2),
    "WI": (7, 2),
    "MI": (8, 2),
    "NY": (9, 2),
    "RI": (10, 2),
    "MA": (11, 2),
    "OR": (1, 3),
    "NV": (2, 3),
    "WY": (3, 3),
    "SD": (4, 3),
    "IA": (5, 3),
    "IN": (6, 3),
    "OH": (7, 3),
    "PA": (8, 3),
    "NJ": (9, 3),
    "CT": (10, 3),
    "CA": (1, 4),
    "UT": (2, 4),
    "CO": (3, 4),
    "NE": (4, 4),
    "MO": (5, 4),
    "KY": (6, 4),
    "WV": (7, 4),
    "VA": (8, 4),
    "MD": (9, 4),
    "DE": (10, 4),
    "AZ": (2, 5),
    "NM": (3, 5),
    "KS": (4, 5),
    "AR": (5, 5),
    "TN": (6, 5),
    "NC": (7, 5),
    "SC": (8, 5),
    "DC": (9, 5),
    "OK": (4, 6),
    "LA": (5, 6),
    "MS": (6, 6),
    "AL": (7, 6),
    "GA": (8, 6),
    "HI": (0, 7),
    "TX": (4, 7),
    "FL": (9, 7),
    "US": (11, 7),
}


def _svg(width: int, height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(data: Sequence[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Horizontal bars with labels and values."""
    row, label_w, width = 22, 150, 560
    peak = max((v for _, v in data), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(data):
        y = 10 + i * row
        w = (width - label_w - 60) * value / peak
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">'
            f"{value:g}{escape(unit)}</text>"
        )
    if not data:
        parts.append('<text x="10" y="24" font-size="13">No data yet.</text>')
    return _svg(width, 20 + max(1, len(data)) * row, title, "".join(parts))


def stacked_columns(
    columns: Sequence[str], series: Mapping[str, Sequence[int]], title: str
) -> Markup:
    """Columns (e.g. months) stacked by series (e.g. states), with a legend."""
    width, height, left, bottom = 640, 260, 40, 40
    plot_h = height - bottom - 20
    totals = [sum(s[i] for s in series.values()) for i in range(len(columns))]
    peak = max(totals, default=0) or 1
    step = (width - left - 10) / max(1, len(columns))
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#444"/>',
        f'<text x="{left - 4}" y="24" text-anchor="end" font-size="11">{peak}</text>',
    ]
    for i, col in enumerate(columns):
        x, y = left + i * step + 2, float(height - bottom)
        for n, (_, values) in enumerate(series.items()):
            h = plot_h * values[i] / peak
            if h:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(1, step - 4):.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}"/>'
                )
        if len(columns) <= 12 or i % max(1, len(columns) // 12) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                f'font-size="10">{escape(col)}</text>'
            )
    for n, name in enumerate(series):
        x = left + n * 80
        parts.append(
            f'<rect x="{x}" y="{height - 16}" width="10" height="10" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 7}" font-size="11">{escape(name)}</text>'
        )
    if not columns:
        parts.append('<text x="50" y="60" font-size="13">No data yet.</text>')
    return _svg(width, height, title, "".join(parts))


def tile_map(counts: dict[str, int], title: str) -> Markup:
    """A tile-grid US map shaded by count, each tile labelled with its state and count."""
    size, gap = 44, 4
    peak = max(counts.values(), default=0) or 1
    parts = []
    for code, (col, row) in TILES.items():
        n = counts.get(code, 0)
        shade = 0.12 + 0.88 * n / peak if n else 0.0
        fill = f"rgba(209,73,91,{shade:.2f})" if n else "#e8e8e8"
        x, y = col * (size + gap), row * (size + gap)
        text_fill = "#fff" if shade > 0.55 else "#222"
        parts.append(
            f'<g><title>{code}: {n}</title><rect x="{x}" y="{y}" width="{size}" height="{size}" '
            f'rx="4" fill="{fill}"/><text x="{x + size / 2}" y="{y + 19}" text-anchor="middle" '
            f'font-size="12" fill="{text_fill}">{code}</text><text x="{x + size / 2}" '
            f'y="{y + 35}" text-anchor="middle" font-size="11" fill="{text_fill}">'
            f"{n or ''}</text></g>"
        )
    return _svg(12 * (size + gap), 8 * (size + gap), title, "".join(parts))
