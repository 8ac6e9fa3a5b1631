"""Server-rendered SVG charts: markup is well-formed, accessible, escaped, and geometry follows the data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingsite.charts import (
    bar_chart,
    bin_counts,
    grouped_bar_chart,
    histogram,
    line_chart,
    text_columns,
    truncate_label,
    wrap_label,
)

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2024, 5, 1), date(2024, 5, 3), date(2024, 5, 11)]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def every(root: ET.Element, tag: str, css: str | None = None) -> list[ET.Element]:
    found = root.iter(f"{SVG}{tag}")
    return [node for node in found if css is None or css in node.get("class", "").split()]


def num(node: ET.Element, attribute: str) -> float:
    return float(node.get(attribute, "nan"))


def examples() -> dict[str, str]:
    return {
        "bar": bar_chart(
            [("Fundamentals", 80), ("Growth", Decimal("45.5"))], title="Scores", empty_text="-", target=70
        ),
        "histogram": histogram(
            [5, 55, 65, 100], title="Scores", empty_text="-", x_label="Score", y_label="N"
        ),
        "line": line_chart(
            [("Alice", [(day, value) for day, value in zip(DAYS, [10, 40, 60], strict=True)])],
            title="Scores",
            empty_text="-",
            target_series=("Plan", [(DAYS[0], 0), (DAYS[-1], 100)]),
        ),
        "grouped": grouped_bar_chart(
            ["Fundamentals", "Growth"],
            [("Alice", [80, 45]), ("Bob", [60, 70])],
            title="Scores",
            empty_text="-",
        ),
    }


@pytest.mark.parametrize("kind", ["bar", "histogram", "line", "grouped"])
def test_every_chart_is_well_formed_scalable_and_labelled_by_its_title_and_desc(kind):
    root = parse(examples()[kind])

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 440 ")
    assert root.get("preserveAspectRatio")
    title_id, desc_id = root.get("aria-labelledby", "").split()
    by_id = {node.get("id"): node for node in root.iter()}
    assert by_id[title_id].tag == f"{SVG}title"
    assert by_id[title_id].text == "Scores"
    assert by_id[desc_id].tag == f"{SVG}desc"
    assert by_id[desc_id].text


def test_desc_states_the_data_in_words():
    descs = {kind: parse(markup).find(f"{SVG}desc").text for kind, markup in examples().items()}

    assert descs["bar"] == "Fundamentals 80%, Growth 45.5%; 70%"
    assert descs["histogram"].startswith("Score · N: 0–10: 1, 10–20: 0")
    assert descs["histogram"].endswith("90–100: 1")
    assert descs["line"] == "Plan: 05-01 0%, 05-11 100%; Alice: 05-01 10%, 05-03 40%, 05-11 60%"
    assert descs["grouped"] == "Fundamentals: Alice 80%, Bob 60%; Growth: Alice 45%, Bob 70%"


def test_labels_titles_and_empty_text_are_escaped():
    evil = "<script>alert(1)</script>"
    markups = [
        bar_chart([(evil, 50)], title=evil, empty_text="-", target=10, target_label=evil),
        histogram([1], title=evil, empty_text="-", x_label=evil, y_label=evil),
        line_chart([(evil, [(1, 2)])], title=evil, empty_text="-", x_format=lambda _: evil),
        grouped_bar_chart([evil], [(evil, [1])], title=evil, empty_text="-"),
        bar_chart([], title=evil, empty_text=evil),
    ]
    for markup in markups:
        assert "<script" not in markup
        root = parse(markup)
        assert any(evil in (node.text or "") for node in root.iter())


@pytest.mark.parametrize(
    "markup",
    [
        bar_chart([], title="Scores", empty_text="No data yet"),
        bar_chart([("A", None)], title="Scores", empty_text="No data yet"),
        histogram([], title="Scores", empty_text="No data yet"),
        histogram([None, 250], title="Scores", empty_text="No data yet"),  # type: ignore[list-item]
        line_chart([], title="Scores", empty_text="No data yet"),
        line_chart([("Alice", [(DAYS[0], None)])], title="Scores", empty_text="No data yet"),
        grouped_bar_chart([], [], title="Scores", empty_text="No data yet"),
        grouped_bar_chart(["A"], [("Alice", [None])], title="Scores", empty_text="No data yet"),
    ],
)
def test_no_data_renders_the_callers_text_with_the_title_for_screen_readers(markup):
    root = parse(markup)

    assert root.tag == "p"
    assert root.get("class") == "chart-empty"
    assert "".join(root.itertext()) == "Scores: No data yet"


def test_none_values_are_skipped():
    bars = parse(bar_chart([("A", 50), ("B", None), ("C", 25)], title="T", empty_text="-"))
    assert [node.text for node in every(bars, "text", "chart-label")] == ["A", "C"]

    grouped = parse(grouped_bar_chart(["G"], [("Alice", [50]), ("Bob", [None])], title="T", empty_text="-"))
    assert len(every(grouped, "rect", "chart-s1")) == 1  # only Bob's legend swatch, no bar
    assert [node.text for node in every(grouped, "text", "chart-value")] == ["50%", "–"]

    line = parse(line_chart([("A", [(1, 10), (2, None), (3, 30)])], title="T", empty_text="-"))
    assert len(every(line, "circle", "chart-point")) == 2 + 1  # two points and the legend marker


def test_zero_maximum_and_all_zero_values_draw_empty_bars_without_dividing_by_zero():
    bars = parse(bar_chart([("A", 0), ("B", 0)], title="T", empty_text="-", max_value=0))
    assert [num(node, "width") for node in every(bars, "rect", "chart-bar")] == [0, 0]

    grouped = parse(
        grouped_bar_chart(["G"], [("A", [0]), ("B", [0])], title="T", empty_text="-", max_value=0)
    )
    assert all(num(node, "width") == 0 for node in every(grouped, "rect", "chart-bar")[2:])

    line = parse(line_chart([("A", [(1, 0), (2, 0)])], title="T", empty_text="-", y_max=0))
    assert len(every(line, "polyline", "chart-line")) == 1

    zeros = parse(histogram([0, 0, 0], title="T", empty_text="-"))
    assert every(zeros, "text", "chart-value")[0].text == "3"


def test_a_single_point_is_drawn_as_a_marker_in_the_middle():
    root = parse(
        line_chart([("A", [(datetime(2024, 5, 1, 9, 30, tzinfo=UTC), 42)])], title="T", empty_text="-")
    )

    assert not every(root, "polyline")
    (point,) = every(root, "circle", "chart-point")[1:]
    axis = every(root, "line", "chart-axis")[0]
    assert num(point, "cx") == pytest.approx((num(axis, "x1") + num(axis, "x2")) / 2, abs=0.1)
    assert [node.text for node in every(root, "text", "chart-tick")][-1] == "09:30"


def test_text_columns_count_cjk_characters_twice():
    assert text_columns("abc") == 3
    assert text_columns("安全ab") == 6
    assert text_columns("e\u0301") == 1


@given(st.text(alphabet="ab安全与合规培训", max_size=40), st.integers(min_value=2, max_value=30))
def test_truncated_labels_fit_their_columns(text, columns):
    short = truncate_label(text, columns)

    assert text_columns(short) <= max(columns, text_columns(text) if short == text else 0)
    assert short == text or (short.endswith("…") and text.startswith(short[:-1]))


@given(st.text(alphabet="ab 安全与合规培训", max_size=60), st.integers(min_value=2, max_value=30))
def test_wrapped_labels_keep_every_character_and_fit_their_columns(text, columns):
    lines = wrap_label(text, columns)

    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_long_labels_wrap_whole_onto_lines_and_the_row_grows():
    label = "安全与合规培训课程的第一部分内容概述"
    root = parse(bar_chart([(label, 50), ("Community management", 20)], title="T", empty_text="-"))

    first, second = every(root, "text", "chart-label")
    assert [span.text for span in first.iter(f"{SVG}tspan")] == ["安全与合规培训课程", "的第一部分内容概述"]
    assert [span.text for span in second.iter(f"{SVG}tspan")] == ["Community", "management"]
    assert "…" not in "".join(root.itertext())
    assert every(root, "g", "chart-row")[0].find(f"{SVG}title").text == f"{label}: 50%"
    tracks = every(root, "rect", "chart-track")
    assert num(tracks[1], "y") - num(tracks[0], "y") > 32


def test_long_legend_entries_wrap_instead_of_being_cut():
    root = parse(
        line_chart(
            [("Required modules passed on time", [(DAYS[0], 10), (DAYS[1], 20)])],
            title="T",
            empty_text="-",
        )
    )

    legend = "".join(root.find(f".//{SVG}g[@class='chart-legend']").itertext())
    assert "Required modules" in legend
    assert "passed on time" in legend
    assert "…" not in legend


def test_bars_are_proportional_to_their_values_against_the_track():
    root = parse(bar_chart([("A", 80), ("B", 20), ("C", 100)], title="T", empty_text="-"))
    tracks = every(root, "rect", "chart-track")
    bars = every(root, "rect", "chart-bar")

    assert [num(bar, "width") / num(track, "width") for bar, track in zip(bars, tracks, strict=True)] == [
        pytest.approx(0.8, abs=0.01),
        pytest.approx(0.2, abs=0.01),
        pytest.approx(1.0, abs=0.01),
    ]


def test_values_above_max_value_widen_the_scale_instead_of_overflowing():
    root = parse(bar_chart([("A", 150), ("B", 75)], title="T", empty_text="-"))
    track = every(root, "rect", "chart-track")[0]

    assert [num(bar, "width") / num(track, "width") for bar in every(root, "rect", "chart-bar")] == [
        pytest.approx(1.0),
        pytest.approx(0.5, abs=0.01),
    ]


@pytest.mark.parametrize(("max_value", "share"), [(100, 0.7), (200, 0.35), (0, 1.0)])
def test_target_line_sits_at_its_share_of_the_scale_with_its_label(max_value, share):
    root = parse(
        bar_chart(
            [("A", 50)], title="T", empty_text="-", max_value=max_value, target=70, target_label="Pass mark"
        )
    )
    track = every(root, "rect", "chart-track")[0]
    (line,) = every(root, "line", "chart-target")

    assert num(line, "x1") == num(line, "x2")
    assert num(line, "x1") == pytest.approx(num(track, "x") + share * num(track, "width"), abs=0.1)
    assert every(root, "text", "chart-target-label")[0].text == "Pass mark 70%"


def test_bin_edges_are_half_open_except_the_last():
    assert bin_counts([0, 9.99, 10, 99.9, 100, 100.0001, 101, -1], [0, 10, 50, 100.0001]) == [2, 1, 3]
    assert bin_counts([5], [10]) == []
    assert bin_counts([None, float("nan"), Decimal("5")], [0, 10]) == [1]


@given(
    st.lists(st.floats(min_value=-50, max_value=150, allow_nan=False) | st.decimals(-50, 150, places=2)),
    st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=2, max_size=12, unique=True),
)
def test_bin_counts_sum_to_the_values_in_range(values, bins):
    low, high = min(bins), max(bins)

    assert sum(bin_counts(values, bins)) == sum(1 for value in values if low <= value <= high)


def test_histogram_bars_follow_counts_and_highlight_from_the_pass_mark():
    root = parse(histogram([5, 15, 15, 65, 95, 100], title="T", empty_text="-", highlight_from=60))
    bars = every(root, "rect", "chart-bar")
    heights = [num(bar, "height") for bar in bars]

    assert len(bars) == 10
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[9] == pytest.approx(heights[1])
    assert [bar.get("class") == "chart-bar chart-bar-highlight" for bar in bars] == [False] * 6 + [True] * 4
    (line,) = every(root, "line", "chart-target")
    assert num(line, "x1") == pytest.approx(num(bars[6], "x") - 1, abs=0.1)


def test_line_chart_spaces_dates_by_time():
    root = parse(line_chart([("A", list(zip(DAYS, [10, 20, 30], strict=True)))], title="T", empty_text="-"))
    xs = [num(point, "cx") for point in every(root, "circle", "chart-point")[1:]]

    assert (xs[1] - xs[0]) * 4 == pytest.approx(xs[2] - xs[1], abs=0.2)


def test_line_chart_accepts_numbers_mixed_dates_and_a_caller_format():
    mixed = [(DAYS[0], 10), (datetime(2024, 5, 2, 12, tzinfo=UTC), 20)]
    root = parse(line_chart([("A", mixed)], title="T", empty_text="-", x_format=lambda x: f"<{x:%d}>"))

    assert [node.text for node in every(root, "text", "chart-tick")][-2:] == ["<01>", "<02>"]


def test_grouped_series_get_distinct_styles_and_patterns():
    people = [(name, [10.0 * (index + 1)]) for index, name in enumerate("ABCDE")]
    root = parse(grouped_bar_chart(["G"], people, title="T", empty_text="-"))
    bars = every(root, "rect", "chart-bar")[len(people) :]

    assert [bar.get("class") for bar in bars] == [f"chart-bar chart-s{index}" for index in range(5)]
    patterns = {pattern.get("id") for pattern in every(root, "pattern")}
    assert len(patterns) == 3
    fills = [rect.get("fill") for rect in every(root, "rect", "chart-pattern")]
    assert {fill[5:-1] for fill in fills} == patterns  # url(#id)


def test_different_charts_get_different_ids():
    first = parse(bar_chart([("A", 1)], title="T", empty_text="-")).get("aria-labelledby")
    second = parse(bar_chart([("A", 2)], title="T", empty_text="-")).get("aria-labelledby")

    assert first != second


def test_a_hyphenated_label_breaks_after_a_hyphen_not_inside_a_word():
    assert wrap_label("community-types-match", 18) == ["community-types-", "match"]
    assert wrap_label("retention-definition-tf 38", 18) == ["retention-", "definition-tf 38"]
