"""The report's plots read right: labelled log ticks, zero-based value axes, an all-zero note."""

from __future__ import annotations

import re

from wildchat.analyze.figures import grouped_bars, lines


def tick_labels(svg: str) -> set[str]:
    # svg.fonttype "none" keeps labels as <text> elements
    return {label.strip() for label in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}


def test_a_log_axis_over_two_decades_has_several_labels() -> None:
    svg = grouped_bars(["1", "2", "3", ">10"], {"a": [66.0, 16.0, 8.0, 2.5]}, ylabel="%", log=True)
    assert {"5", "10", "20", "50"} <= tick_labels(svg)


def test_all_zero_data_gets_a_0_to_1_axis_and_a_note() -> None:
    for svg in (
        lines(["2023-04"], {"a": [0.0], "b": [None]}, ylabel="% of user turns", percent=True),
        grouped_bars(["user · Detoxify"], {"a": [0.0]}, ylabel="% of turns"),
    ):
        labels = tick_labels(svg)
        assert "all values are 0" in labels
        assert {"0.0", "1.0"} <= labels
        assert not any(label.startswith(("−", "-")) for label in labels)  # no −0.04


def test_a_single_month_starts_its_axis_at_zero() -> None:
    labels = tick_labels(lines(["2023-04"], {"a": [60.0]}, ylabel="conversations"))
    assert "0" in labels and "60" in labels and "57" not in labels
