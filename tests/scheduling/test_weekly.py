"""The weekly schedule rules (pure): which ranges overlap, so that each row at fault is named."""

from __future__ import annotations

from datetime import time

from hypothesis import given
from hypothesis import strategies as st

from carnet.scheduling.weekly import LineValues, overlap_errors, overlapping_pairs


def line(weekday: int, start: str, end: str, center: int = 1) -> LineValues:
    return LineValues(weekday, time.fromisoformat(start), time.fromisoformat(end), center)


def test_a_lunch_break_is_not_an_overlap() -> None:
    assert overlapping_pairs([line(0, "09:00", "12:00"), line(0, "12:00", "14:00")]) == []


def test_other_days_and_centers_do_not_overlap() -> None:
    lines = [line(0, "09:00", "12:00"), line(1, "10:00", "11:00"), line(0, "10:00", "11:00", 2)]
    assert overlapping_pairs(lines) == []


def test_a_long_range_is_reported_against_every_range_inside_it() -> None:
    lines = [line(0, "10:00", "11:00"), line(0, "09:00", "18:00"), line(0, "12:00", "13:00")]
    assert overlapping_pairs(lines) == [(1, 0), (1, 2)]
    assert overlap_errors(lines) == [
        "Monday: 09:00-18:00 and 10:00-11:00 overlap in the same center.",
        "Monday: 09:00-18:00 and 12:00-13:00 overlap in the same center.",
    ]


def test_an_inverted_range_is_left_to_its_own_message() -> None:
    assert overlapping_pairs([line(0, "12:00", "09:00"), line(0, "10:00", "11:00")]) == []


minutes = st.integers(min_value=0, max_value=24 * 60 - 1)
lines_strategy = st.lists(
    st.tuples(st.integers(0, 1), minutes, minutes, st.integers(1, 2)).map(
        lambda values: LineValues(
            values[0],
            time(values[1] // 60, values[1] % 60),
            time(values[2] // 60, values[2] % 60),
            values[3],
        )
    ),
    max_size=8,
)


def clash(a: LineValues, b: LineValues) -> bool:
    same_place = (a.weekday, a.center_id) == (b.weekday, b.center_id)
    valid = a.start < a.end and b.start < b.end
    return same_place and valid and a.start < b.end and b.start < a.end


@given(lines_strategy)
def test_every_range_at_fault_is_named_and_every_pair_named_overlaps(
    lines: list[LineValues],
) -> None:
    pairs = overlapping_pairs(lines)
    assert all(clash(lines[a], lines[b]) for a, b in pairs)
    named = {index for pair in pairs for index in pair}
    at_fault = {
        i for i, a in enumerate(lines) for j, b in enumerate(lines) if i != j and clash(a, b)
    }
    assert named == at_fault
    assert bool(overlap_errors(lines)) == bool(at_fault)
