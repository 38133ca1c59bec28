"""What changed between two timetables, without a database."""

from __future__ import annotations

from timetabling.changes import Place, SlotRow, timetable_changes


def row(offering: int, day: int, period: int, room: str, batch: str = "ECE-3B") -> SlotRow:
    return SlotRow(offering, batch, f"S{offering}", Place(day, period, room))


def test_unchanged_room_only_and_time_moves_are_told_apart() -> None:
    before = [row(1, 0, 1, "LH-201"), row(1, 2, 1, "LH-201"), row(2, 1, 3, "LH-202")]
    after = [row(1, 0, 1, "LH-201"), row(1, 2, 1, "LH-205"), row(2, 4, 2, "LH-202")]
    changes = timetable_changes(before, after)
    assert [(c.before, c.after) for c in changes.room_moves] == [
        (Place(2, 1, "LH-201"), Place(2, 1, "LH-205"))
    ]
    assert [(c.before, c.after) for c in changes.time_moves] == [
        (Place(1, 3, "LH-202"), Place(4, 2, "LH-202"))
    ]
    assert changes.sessions == 3
    assert changes.share(changes.time_moves) == round(1 / 3, 4)
    assert (changes.added, changes.removed) == (0, 0)


def test_a_session_that_changes_day_and_room_is_a_time_move() -> None:
    changes = timetable_changes([row(1, 0, 1, "LH-201")], [row(1, 3, 1, "LH-205")])
    assert len(changes.time_moves) == 1 and changes.time_moves[0].in_time
    assert changes.room_moves == ()


def test_interchangeable_sessions_that_merely_swap_order_did_not_move() -> None:
    before = [row(1, 0, 1, "LH-201"), row(1, 2, 1, "LH-201")]
    after = [row(1, 2, 1, "LH-201"), row(1, 0, 1, "LH-201")]
    changes = timetable_changes(before, after)
    assert changes.time_moves == () and changes.room_moves == ()


def test_new_and_dropped_classes_are_counted_not_called_moves() -> None:
    changes = timetable_changes([row(1, 0, 1, "LH-201")], [row(2, 0, 1, "LH-201")])
    assert (changes.added, changes.removed) == (1, 1)
    assert changes.time_moves == () and changes.room_moves == ()


def test_nothing_published_yet() -> None:
    changes = timetable_changes([], [])
    assert changes.sessions == 0 and changes.share(changes.time_moves) == 0.0
