"""Bar charts drawn on the server as inline SVG: they print, and need no JavaScript."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 34, 32


def bar_chart(bars, *, title, unit="次"):
    """An SVG bar chart of ``bars`` (``[(label, value)]``), with each bar's value written above it."""
    bars = list(bars)
    top = max([value for _label, value in bars] + [1])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(bars), 1)
    bar_w = max(min(step * 0.6, 60), 4)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - 4}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#000"/>',
        f'<text x="2" y="12">{escape(unit)}</text>',
        f'<text x="{WIDTH // 2}" y="12" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        h = plot_h * value / top
        x = PAD_LEFT + i * step + (step - bar_w) / 2
        y = HEIGHT - PAD_BOTTOM - h
        cx = x + bar_w / 2
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#3b6ea5"/>')
        parts.append(f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every label is escaped above
