"""Small, accessible SVG charts rendered on the server: pure functions from plain data to escaped markup.

Every chart scales to its container through its viewBox, is named by its <title> and repeats its data in
words in its <desc>, so a screen reader gets the numbers. Colours come from the ``chart-*`` classes in
site.css; series differ by marker shape or fill pattern as well as colour. Labels are already translated.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

__all__ = [
    "bar_chart",
    "bin_counts",
    "grouped_bar_chart",
    "histogram",
    "line_chart",
    "text_columns",
    "truncate_label",
    "wrap_label",
]

# 16-unit text in a 440-unit viewBox stays at 12 CSS px down to a 330 px wide chart (a card on a phone).
WIDTH = 440
FONT = 16
CHAR = (
    9.6  # estimated advance of a narrow character at FONT (.6 em, as DejaVu Sans lower case); wide counts 2
)
PAD = 8
LABEL_COLUMNS = 18
LEGEND_COLUMNS = 22
LEGEND_ROW = 26
LINE = 18  # between the lines of a wrapped label
SWATCH = 22
ROW = 32
BAR = 20
VALUE_GAP = 16  # between a bar's track and its value, which the width estimate may undercount
PLOT_HEIGHT = 180
STYLES = 5  # distinct series styles; a sixth series reuses the first style
PATTERNS = {
    2: '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.2"/>',
    3: '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.2"/>',
    4: '<circle cx="3" cy="3" r="1.4" fill="#fff"/>',
}
PATTERN_ROTATION = {2: 45, 3: -45, 4: 0}

Number = float | int | Decimal


def text_columns(text: str) -> int:
    """Display width in columns: CJK and other wide characters count 2, combining marks 0."""
    return sum(_char_columns(char) for char in text)


def truncate_label(text: str, max_columns: int) -> str:
    """``text`` cut to at most ``max_columns`` display columns, ending in "…" when anything was cut."""
    if text_columns(text) <= max_columns:
        return text
    kept: list[str] = []
    used = 1  # the ellipsis
    for char in text:
        width = _char_columns(char)
        if used + width > max_columns:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + "…"


def wrap_label(text: str, max_columns: int) -> list[str]:
    """``text`` whole, in lines of at most ``max_columns`` display columns (a longer word gets its own
    lines), broken at spaces where there are any; CJK text breaks between characters."""
    lines: list[str] = []
    line = ""
    for word in _words(text):
        candidate = line + word
        if line and text_columns(candidate.rstrip()) > max_columns:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line = candidate
        while text_columns(line.rstrip()) > max_columns:
            cut = _fit(line, max_columns)
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _words(text: str) -> list[str]:
    """Break opportunities: a run of non-wide characters with its trailing spaces, or one wide character; a
    hyphen ends a run, so "types-match" breaks after "types-" as a browser would break it."""
    words: list[str] = []
    for char in text:
        narrow_run = _char_columns(char) < 2 and not words[-1].endswith((" ", "-")) if words else False
        if words and (char == " " or (narrow_run and _char_columns(words[-1][-1]) < 2)):
            words[-1] += char
        else:
            words.append(char)
    return words


def _fit(text: str, max_columns: int) -> int:
    used = 0
    for index, char in enumerate(text):
        used += _char_columns(char)
        if used > max_columns:
            return max(index, 1)
    return len(text)


def bin_counts(values: Iterable[Number | None], bins: Sequence[float]) -> list[int]:
    """How many values fall in each bin [a, b), the last closed; None, NaN and out-of-range are skipped."""
    edges = _edges(bins)
    counts = [0] * max(len(edges) - 1, 0)
    if not counts:
        return counts
    for raw in values:
        value = _number(raw)
        if value is None or value < edges[0] or value > edges[-1]:
            continue
        counts[min(bisect_right(edges, value) - 1, len(counts) - 1)] += 1
    return counts


def bar_chart(
    items: Sequence[tuple[str, float | Decimal | None]],
    *,
    title: str,
    empty_text: str,
    max_value: float = 100,
    unit: str = "%",
    target: float | None = None,
    target_label: str = "",
) -> SafeString:
    """Horizontal bars (label, bar, value) with an optional dashed target line such as a pass mark.

    Items whose value is None are left out; the scale grows past ``max_value`` when a value or the target
    exceeds it. ``unit`` is appended as given, so pass " pts" with its space if one is wanted.
    """
    rows = [(str(label), value) for label, raw in items if (value := _number(raw)) is not None]
    if not rows:
        return _empty(title, empty_text)
    mark = _number(target)
    scale = _scale(max_value, [value for _, value in rows] + ([mark] if mark is not None else []))
    shown = [wrap_label(label, LABEL_COLUMNS) for label, _ in rows]
    values = [_format(value, unit) for _, value in rows]
    x0 = PAD + max(_width(line) for lines in shown for line in lines) + 8
    x1 = WIDTH - PAD - max(_width(text) for text in values) - VALUE_GAP
    top = PAD + (LEGEND_ROW if mark is not None else 0)
    parts: list[SafeString] = []
    bottom = top
    for (label, value), lines, text in zip(rows, shown, values, strict=True):
        height = max(ROW, len(lines) * LINE + ROW - BAR)
        middle = bottom + height / 2
        bottom += height
        parts += [
            format_html('<g class="chart-row"><title>{}: {}</title>', label, text),
            _lines(x0 - 8, middle, lines, "chart-label", anchor="end"),
            _rect(x0, middle - BAR / 2, x1 - x0, BAR, "chart-track"),
            _rect(x0, middle - BAR / 2, (x1 - x0) * _fraction(value, scale), BAR, "chart-bar"),
            _text(WIDTH - PAD, middle, text, "chart-value", anchor="end"),
            SafeString("</g>"),
        ]
    parts.append(_line(x0, top, x0, bottom, "chart-axis"))
    summary = ", ".join(f"{label} {text}" for (label, _), text in zip(rows, values, strict=True))
    if mark is not None:
        x = x0 + (x1 - x0) * _fraction(mark, scale)
        caption = truncate_label(" ".join(filter(None, [str(target_label), _format(mark, unit)])), 40)
        half = _width(caption) / 2
        parts += [
            _line(x, top - 4, x, bottom, "chart-target"),
            _text(
                min(max(x, PAD + half), WIDTH - PAD - half),
                PAD + LEGEND_ROW / 2 - 2,
                caption,
                "chart-target-label",
                anchor="middle",
            ),
        ]
        summary += f"; {caption}"
    return _svg("bars", bottom + PAD, title, summary, parts)


def histogram(
    values: Sequence[float | Decimal] = (),
    *,
    title: str,
    empty_text: str,
    bins: Sequence[float] = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001),
    x_label: str = "",
    y_label: str = "",
    highlight_from: float | None = None,
    counts: Sequence[int] | None = None,
) -> SafeString:
    """Vertical bars of counts per bin [a, b) (the last closed), each count written above its bar.

    Bins whose lower edge is at or above ``highlight_from`` (a pass mark) get ``chart-bar-highlight``, and a
    dashed line marks the threshold so the split does not rest on colour alone. ``counts`` (one per bin)
    stands for values already binned, so the cost does not grow with how many values were counted.
    """
    edges = _edges(bins)
    if counts is None:
        counts = bin_counts(values, edges)
    elif len(counts) != len(edges) - 1:
        raise ValueError("one count per bin")
    if sum(counts) == 0:
        return _empty(title, empty_text)
    threshold = _number(highlight_from)
    top_count, step = _nice_top(max(counts), integer=True)
    ticks = _ticks(top_count, step)
    tick_labels = [_format(tick, "") for tick in ticks]
    edge_labels = [_format(edge, "") for edge in edges]
    plot_top = PAD + 24
    plot_bottom = plot_top + PLOT_HEIGHT
    x0 = PAD + (FONT + 8 if y_label else 0) + max(_width(text) for text in tick_labels) + 8
    x1 = WIDTH - PAD - max(_width(edge_labels[-1]) / 2, 2)
    span = edges[-1] - edges[0]

    def at(edge: float) -> float:
        return x0 + (x1 - x0) * (edge - edges[0]) / span

    parts = _grid(ticks, tick_labels, top_count, x0, x1, plot_top, PLOT_HEIGHT)
    ranges: list[str] = []
    for (low, high), (label_low, label_high), count in zip(
        pairwise(edges), pairwise(edge_labels), counts, strict=True
    ):
        left, right = at(low) + 1, at(high) - 1
        height = PLOT_HEIGHT * count / top_count
        css = "chart-bar chart-bar-highlight" if threshold is not None and low >= threshold else "chart-bar"
        text = f"{label_low}–{label_high}: {count}"
        ranges.append(text)
        parts += [
            format_html("<g><title>{}</title>", text),
            _rect(left, plot_bottom - height, max(right - left, 0), height, css),
        ]
        if _width(str(count)) <= right - left + 4:
            parts.append(
                _text(
                    (left + right) / 2, plot_bottom - height - 11, str(count), "chart-value", anchor="middle"
                )
            )
        parts.append(SafeString("</g>"))
    parts.append(_line(x0, plot_bottom, x1, plot_bottom, "chart-axis"))
    if threshold is not None and edges[0] <= threshold <= edges[-1]:
        parts.append(_line(at(threshold), plot_top - 8, at(threshold), plot_bottom, "chart-target"))
    labels = _spaced([(at(edge), text) for edge, text in zip(edges, edge_labels, strict=True)])
    parts += [_text(x, plot_bottom + 16, text, "chart-tick", anchor="middle") for x, text in labels]
    bottom = plot_bottom + 30
    if x_label:
        short = truncate_label(str(x_label), int((x1 - x0) / CHAR))
        parts.append(_text((x0 + x1) / 2, bottom + 8, short, "chart-axis-label", anchor="middle"))
        bottom += 24
    if y_label:
        short = truncate_label(str(y_label), int(PLOT_HEIGHT / CHAR))
        middle = plot_top + PLOT_HEIGHT / 2
        parts.append(
            format_html(
                '<text class="chart-axis-label" x="{}" y="{}" text-anchor="middle" dy=".35em" '
                'transform="rotate(-90 {} {})">{}</text>',
                _n(PAD + FONT / 2),
                _n(middle),
                _n(PAD + FONT / 2),
                _n(middle),
                short,
            )
        )
    heading = " · ".join(str(label) for label in (x_label, y_label) if label)
    summary = ", ".join(ranges)
    return _svg("histogram", bottom + PAD, title, f"{heading}: {summary}" if heading else summary, parts)


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date | datetime | float, float | None]]]],
    *,
    title: str,
    empty_text: str,
    y_max: float = 100,
    unit: str = "%",
    x_format: Callable[[Any], str] | None = None,
    target_series: tuple[str, Sequence[tuple[Any, float]]] | None = None,
) -> SafeString:
    """Lines with point markers and a legend; dates and datetimes are spaced by time, numbers linearly.

    Points with a None value are skipped (the line joins its neighbours). The optional dashed target series
    (planned progress by due date, say) is drawn under the others. Empty when no series has a point.
    """
    lines = [(str(name), _points(points)) for name, points in series]
    target = (str(target_series[0]), _points(target_series[1])) if target_series else None
    if not any(points for _, points in lines):
        return _empty(title, empty_text)
    everything = [point for _, points in [*lines, *([target] if target else [])] for point in points]
    label_of = x_format or _default_x_format([original for _, original, _ in everything])
    top_value, step = _nice_top(_scale(y_max, [value for _, _, value in everything]))
    ticks = _ticks(top_value, step)
    tick_labels = [_format(tick, unit) for tick in ticks]
    first: dict[float, Any] = {}
    for position, original, _ in sorted(everything, key=lambda point: point[0]):
        first.setdefault(position, original)
    x_texts = [(position, label_of(original)) for position, original in first.items()]

    entries: list[tuple[str, Callable[[float, float], SafeString]]] = []
    if target:
        entries.append((target[0], lambda x, y: _line(x, y, x + SWATCH, y, "chart-line chart-target")))
    for index, (name, _) in enumerate(lines):
        entries.append((name, lambda x, y, i=index: _line_swatch(x, y, i)))
    parts, legend_height = _legend(entries, PAD)
    plot_top = PAD + legend_height + 16
    plot_bottom = plot_top + PLOT_HEIGHT
    x0 = max(PAD + max(_width(text) for text in tick_labels) + 10, PAD + _width(x_texts[0][1]) / 2)
    x1 = WIDTH - PAD - max(_width(x_texts[-1][1]) / 2, 8)
    low, high = x_texts[0][0], x_texts[-1][0]

    def at(position: float) -> float:
        return (x0 + x1) / 2 if high == low else x0 + (x1 - x0) * (position - low) / (high - low)

    def level(value: float) -> float:
        return plot_bottom - PLOT_HEIGHT * _fraction(value, top_value)

    parts += _grid(ticks, tick_labels, top_value, x0, x1, plot_top, PLOT_HEIGHT)
    parts.append(_line(x0, plot_bottom, x1, plot_bottom, "chart-axis"))
    labels = _spaced([(at(position), text) for position, text in x_texts])
    parts += [_text(x, plot_bottom + 16, text, "chart-tick", anchor="middle") for x, text in labels]
    styled = [(target, "chart-target", None)] if target else []
    styled += [(line, f"chart-s{index % STYLES}", index) for index, line in enumerate(lines)]
    summaries: list[str] = []
    for (name, points), css, index in styled:
        if not points:
            continue
        said = [f"{label_of(original)} {_format(value, unit)}" for _, original, value in points]
        summaries.append(f"{name}: {', '.join(said)}")
        coordinates = [(at(position), level(value)) for position, _, value in points]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline class="chart-line {}" fill="none" points="{}"/>',
                    css,
                    " ".join(f"{_n(x)},{_n(y)}" for x, y in coordinates),
                )
            )
        for (x, y), text in zip(coordinates, said, strict=True):
            tip = f"{name}, {text}"
            if index is None:
                parts.append(
                    format_html(
                        '<circle class="chart-target-point" cx="{}" cy="{}" r="3.5">'
                        "<title>{}</title></circle>",
                        _n(x),
                        _n(y),
                        tip,
                    )
                )
            else:
                parts.append(_marker(index, x, y, tip))
    return _svg("line", plot_bottom + 26 + PAD, title, "; ".join(summaries), parts)


def grouped_bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    empty_text: str,
    max_value: float = 100,
    unit: str = "%",
) -> SafeString:
    """One block per group (skill area) with one horizontal bar per series (person) and a legend.

    Meant for 2–5 series, told apart by colour, fill pattern and order. A None value keeps its slot with a
    dash and no bar; groups without any value are left out.
    """
    people = [(str(name), [_number(value) for value in values]) for name, values in series]
    blocks = []
    for index, group in enumerate(groups):
        row = [values[index] if index < len(values) else None for _, values in people]
        if any(value is not None for value in row):
            blocks.append((str(group), row))
    if not blocks:
        return _empty(title, empty_text)
    scale = _scale(max_value, [value for _, row in blocks for value in row if value is not None])
    uid = _uid("grouped", title, repr(blocks), repr([name for name, _ in people]))
    texts = [[_format(value, unit) if value is not None else "–" for value in row] for _, row in blocks]
    x0 = PAD
    x1 = WIDTH - PAD - max(_width(text) for row in texts for text in row) - VALUE_GAP
    used = sorted({index % STYLES for index in range(len(people))} & PATTERNS.keys())
    parts: list[SafeString] = [SafeString("<defs>")]
    for style in used:
        parts.append(
            format_html(
                '<pattern id="{}-p{}" width="6" height="6" patternUnits="userSpaceOnUse" '
                'patternTransform="rotate({})">{}</pattern>',
                uid,
                style,
                PATTERN_ROTATION[style],
                SafeString(PATTERNS[style]),
            )
        )
    parts.append(SafeString("</defs>"))
    legend, legend_height = _legend(
        [
            (name, lambda x, y, i=index: _bar(x + 3, y - 8, 16, 16, i % STYLES, uid))
            for index, (name, _) in enumerate(people)
        ],
        PAD,
    )
    parts += legend
    y = PAD + legend_height + 8
    summaries: list[str] = []
    slot = BAR + 2
    for (group, row), row_texts in zip(blocks, texts, strict=True):
        lines = wrap_label(group, int((WIDTH - 2 * PAD) / CHAR))
        parts.append(
            _lines(PAD, y + 13 + (len(lines) - 1) * LINE / 2, lines, "chart-label chart-group-label")
        )
        y += 26 + (len(lines) - 1) * LINE
        said = []
        for index, ((name, _), value, text) in enumerate(zip(people, row, row_texts, strict=True)):
            middle = y + slot / 2
            parts += [
                format_html('<g class="chart-row"><title>{} — {}: {}</title>', group, name, text),
                _rect(x0, middle - BAR / 2, x1 - x0, BAR, "chart-track"),
            ]
            if value is not None:
                parts.append(
                    _bar(x0, middle - BAR / 2, (x1 - x0) * _fraction(value, scale), BAR, index % STYLES, uid)
                )
                said.append(f"{name} {text}")
            parts += [_text(WIDTH - PAD, middle, text, "chart-value", anchor="end"), SafeString("</g>")]
            y += slot
        summaries.append(f"{group}: {', '.join(said)}")
        y += 10
    return _svg("grouped", y - 10 + PAD, title, "; ".join(summaries), parts, uid=uid)


def _char_columns(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> float:
    return text_columns(text) * CHAR


def _number(raw: object) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError, ArithmeticError):
        return None
    return value if math.isfinite(value) else None


def _edges(bins: Iterable[object]) -> list[float]:
    return sorted({edge for raw in bins if (edge := _number(raw)) is not None})


def _scale(limit: object, values: Iterable[float]) -> float:
    peak = max([_number(limit) or 0.0, *values])
    return peak if peak > 0 else 1.0


def _fraction(value: float, scale: float) -> float:
    return min(max(value / scale, 0.0), 1.0)


def _nice_top(peak: float, *, integer: bool = False) -> tuple[float, float]:
    """``peak`` rounded up to a whole number of steps of 1, 2, 2.5 or 5 × 10ⁿ, about four steps."""
    peak = peak if peak > 0 else 1.0
    raw = peak / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(math.ceil(step)))
    return math.ceil(peak / step - 1e-9) * step, step


def _ticks(top: float, step: float) -> list[float]:
    return [index * step for index in range(round(top / step) + 1)]


def _format(value: float, unit: str) -> str:
    rounded = round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"
    return f"{text}{unit}"


def _n(value: float) -> str:
    text = f"{value:.1f}"
    text = text.removesuffix(".0")
    return "0" if text == "-0" else text


def _position(raw: object) -> float | None:
    if isinstance(raw, datetime):
        return (raw if raw.tzinfo else raw.replace(tzinfo=UTC)).timestamp()
    if isinstance(raw, date):
        return datetime.combine(raw, time(0), tzinfo=UTC).timestamp()
    return _number(raw)


def _points(points: Iterable[tuple[Any, Any]]) -> list[tuple[float, Any, float]]:
    kept = [
        (position, x, value)
        for x, y in points
        if (position := _position(x)) is not None and (value := _number(y)) is not None
    ]
    return sorted(kept, key=lambda point: point[0])


def _default_x_format(xs: Sequence[Any]) -> Callable[[Any], str]:
    """ISO-style dates (the year only when the points span years), times only when they matter."""
    if not xs or not all(isinstance(x, date) for x in xs):
        return lambda x: _format(number, "") if (number := _number(x)) is not None else str(x)
    days = {x.date() if isinstance(x, datetime) else x for x in xs}
    day_format = "%m-%d" if len({day.year for day in days}) == 1 else "%Y-%m-%d"
    timed = any(isinstance(x, datetime) and x.time() != time(0) for x in xs)
    time_format = "%H:%M" if len(days) == 1 else f"{day_format} %H:%M"

    def label(x: Any) -> str:
        return x.strftime(time_format if timed and isinstance(x, datetime) else day_format)

    return label


def _spaced(labels: list[tuple[float, str]], gap: float = 12) -> list[tuple[float, str]]:
    """The labels (centre, text) that fit side by side: always the first, and the last when it can."""

    def clear(left: tuple[float, str], right: tuple[float, str]) -> bool:
        return right[0] - left[0] >= (_width(left[1]) + _width(right[1])) / 2 + gap

    kept: list[tuple[float, str]] = []
    for label in labels:
        if not kept or clear(kept[-1], label):
            kept.append(label)
    if labels and kept[-1] != labels[-1] and len(kept) > 1 and clear(kept[-2], labels[-1]):
        kept[-1] = labels[-1]
    return kept


def _uid(*key: str) -> str:
    # Derived from the content, so rendering stays pure; identical charts on one page share identical ids.
    return "chart-" + hashlib.blake2s("\x1f".join(key).encode(), digest_size=5).hexdigest()


def _join(parts: Iterable[SafeString]) -> SafeString:
    # Every part was built by format_html (or is a constant), so joining them keeps the markup safe.
    return SafeString("".join(parts))


def _empty(title: str, empty_text: str) -> SafeString:
    return format_html(
        '<p class="chart-empty"><span class="visually-hidden">{}: </span>{}</p>', title, empty_text
    )


def _svg(
    kind: str, height: float, title: str, desc: str, parts: list[SafeString], uid: str | None = None
) -> SafeString:
    uid = uid or _uid(kind, str(title), desc)
    head = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-type-{}" '
        'viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMidYMin meet" role="img" '
        'aria-labelledby="{}-title {}-desc" font-size="{}">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        kind,
        WIDTH,
        _n(height),
        uid,
        uid,
        FONT,
        uid,
        title,
        uid,
        desc,
    )
    return _join([head, *parts, SafeString("</svg>")])


def _text(x: float, y: float, text: str, css: str, *, anchor: str = "start") -> SafeString:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}" dy=".35em">{}</text>',
        css,
        _n(x),
        _n(y),
        anchor,
        text,
    )


def _lines(x: float, middle: float, lines: list[str], css: str, *, anchor: str = "start") -> SafeString:
    """One <text> of one or more lines, centred as a block on ``middle``."""
    if len(lines) == 1:
        return _text(x, middle, lines[0], css, anchor=anchor)
    first = middle - (len(lines) - 1) * LINE / 2
    spans = [
        format_html('<tspan x="{}" y="{}" dy=".35em">{}</tspan>', _n(x), _n(first + index * LINE), line)
        for index, line in enumerate(lines)
    ]
    return format_html('<text class="{}" text-anchor="{}">{}</text>', css, anchor, _join(spans))


def _rect(x: float, y: float, width: float, height: float, css: str) -> SafeString:
    return format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>',
        css,
        _n(x),
        _n(y),
        _n(max(width, 0)),
        _n(max(height, 0)),
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> SafeString:
    return format_html(
        '<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>', css, _n(x1), _n(y1), _n(x2), _n(y2)
    )


def _bar(x: float, y: float, width: float, height: float, style: int, uid: str) -> SafeString:
    bar = _rect(x, y, width, height, f"chart-bar chart-s{style}")
    if style not in PATTERNS:
        return bar
    return format_html(
        '{}<rect class="chart-pattern" fill="url(#{}-p{})" x="{}" y="{}" width="{}" height="{}"/>',
        bar,
        uid,
        style,
        _n(x),
        _n(y),
        _n(max(width, 0)),
        _n(max(height, 0)),
    )


def _marker(index: int, x: float, y: float, tip: str = "") -> SafeString:
    """A filled shape per series (circle, square, triangle, diamond, inverted triangle) with its value."""
    style = index % STYLES
    shapes = {
        0: f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5"',
        1: f'<rect x="{_n(x - 4.5)}" y="{_n(y - 4.5)}" width="9" height="9"',
        2: f'<path d="M{_n(x)} {_n(y - 6)}L{_n(x + 6)} {_n(y + 4.5)}H{_n(x - 6)}Z"',
        3: f'<path d="M{_n(x)} {_n(y - 6)}L{_n(x + 6)} {_n(y)}L{_n(x)} {_n(y + 6)}L{_n(x - 6)} {_n(y)}Z"',
        4: f'<path d="M{_n(x)} {_n(y + 6)}L{_n(x + 6)} {_n(y - 4.5)}H{_n(x - 6)}Z"',
    }
    tag = shapes[style].split(" ", 1)[0][1:]
    if not tip:
        return format_html('{} class="chart-point chart-s{}"/>', SafeString(shapes[style]), style)
    return format_html(
        '{} class="chart-point chart-s{}"><title>{}</title></{}>', SafeString(shapes[style]), style, tip, tag
    )


def _line_swatch(x: float, y: float, index: int) -> SafeString:
    return _join(
        [_line(x, y, x + SWATCH, y, f"chart-line chart-s{index % STYLES}"), _marker(index, x + SWATCH / 2, y)]
    )


def _legend(
    entries: Sequence[tuple[str, Callable[[float, float], SafeString]]], top: float
) -> tuple[list[SafeString], float]:
    """Legend entries flowed into rows across the chart width; returns the parts and the height used."""
    parts = [SafeString('<g class="chart-legend">')]
    x, y = float(PAD), top + LEGEND_ROW / 2
    extra = 0.0  # the height a wrapped entry adds to the current row
    for label, swatch in entries:
        lines = wrap_label(label, LEGEND_COLUMNS)
        width = SWATCH + 6 + max(_width(line) for line in lines)
        if x > PAD and x + width > WIDTH - PAD:
            x, y, extra = float(PAD), y + LEGEND_ROW + extra, 0.0
        block = [
            format_html('<tspan x="{}" dy="{}">{}</tspan>', _n(x + SWATCH + 6), LINE, line)
            for line in lines[1:]
        ]
        parts += [
            format_html("<g><title>{}</title>", label),
            swatch(x, y),
            format_html(
                '<text class="chart-label" x="{}" y="{}" dy=".35em">{}{}</text>',
                _n(x + SWATCH + 6),
                _n(y),
                lines[0],
                _join(block),
            ),
            SafeString("</g>"),
        ]
        extra = max(extra, (len(lines) - 1) * LINE)
        x += width + 18
    parts.append(SafeString("</g>"))
    return parts, y + LEGEND_ROW / 2 + extra - top


def _grid(
    ticks: Sequence[float],
    labels: Sequence[str],
    top: float,
    x0: float,
    x1: float,
    plot_top: float,
    height: float,
) -> list[SafeString]:
    parts: list[SafeString] = []
    for tick, label in zip(ticks, labels, strict=True):
        y = plot_top + height - height * tick / top
        parts += [_line(x0, y, x1, y, "chart-grid"), _text(x0 - 8, y, label, "chart-tick", anchor="end")]
    return parts
