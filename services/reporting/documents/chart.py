"""The chart of on-time rate by unit: matplotlib (Agg) → PNG bytes, with a CJK font.

The font is looked up in this order: an explicit path; a CJK font fontconfig knows
(fonts-noto-cjk in the image: Noto Sans CJK SC); the Noto Sans CJK SC that the ``mplfonts``
wheel ships (a pinned test dependency: a checkout's virtualenv has it). Without any of them the
chart still renders, its Chinese labels as empty boxes. mplfonts' SimHei.ttf is never used:
it is a licensed font.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure  # a bare Figure renders with Agg: no pyplot, no global backend

from .model import UnitRow

_SYSTEM_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
_BAR, _LINE = "#C00000", "#404040"


@lru_cache(maxsize=4)
def cjk_font(path: str | None = None) -> font_manager.FontProperties | None:
    """The CJK font the chart uses, or None when the machine has none."""
    candidates = [path] if path else []
    candidates += list(_SYSTEM_CANDIDATES)
    try:
        import mplfonts

        candidates.append(str(Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"))
    except ImportError:
        pass
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return font_manager.FontProperties(fname=candidate)
    return None


def on_time_chart(rows: tuple[UnitRow, ...] | list[UnitRow], *, width_mm: float = 156, font_path: str | None = None) -> bytes:
    """A horizontal bar per unit, best on top, its rate printed at the bar's end; PNG at 200 dpi."""
    rated = [r for r in rows if r.on_time_rate is not None]  # a unit that closed nothing has no bar
    ordered = sorted(rated, key=lambda r: (-(r.on_time_rate or 0.0), r.rank or 0, r.unit))
    n = max(len(ordered), 1)
    height_mm = min(max(14 + 5.2 * n, 60), 185)  # leaves room for the caption on the page
    font = cjk_font(font_path)
    label_size = 9 if n <= 25 else 6.5 if n <= 45 else 5.5
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=200)
    ax = fig.add_subplot()
    positions = range(len(ordered))
    rates = [(r.on_time_rate or 0.0) * 100 for r in ordered]
    ax.barh(list(positions), rates, color=_BAR, height=0.66)
    ax.set_yticks(list(positions), [r.unit for r in ordered], fontproperties=font, fontsize=label_size)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20%", "40%", "60%", "80%", "100%"], fontsize=label_size)
    ax.set_title("各单位按期办结率", fontproperties=font, fontsize=11)
    for y, rate in zip(positions, rates, strict=True):
        ax.text(rate + 1, y, f"{rate:.1f}%", va="center", fontsize=label_size - 1, color=_LINE)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(pad=0.6)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
