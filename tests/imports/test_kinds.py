"""Each kind's facts live on its KindSpec: key, noun, reference lookup, named rows."""

from __future__ import annotations

import pytest

from imports.kinds import SPECS


def test_rows_are_named_tuples_of_the_kind_columns():
    spec = SPECS["faculty_unavailability"]
    row = spec.row._make(["F001", 1, 3])
    assert (row.employee_id, row.day, row.period) == ("F001", 1, 3)
    assert spec.key_of(row) == ("F001", 1, 3)
    assert spec.format_key(spec.key_of(row)) == '"F001" TUE 3'
    assert (
        SPECS["batches"].key_of(SPECS["batches"].row._make(["B1", "B", "CSE", 3, 30, None, None]))
        == "B1"
    )
    # A stored row is a plain tuple in column order: same key, equal to the named row.
    assert spec.values_key_of(("F001", 1, 3)) == ("F001", 1, 3)
    assert ("F001", 1, 3) == row


@pytest.mark.parametrize(
    ("kind", "lookup", "noun"),
    [
        ("departments", "code", "department"),
        ("faculty", "employee_id", "faculty member"),
        ("subjects", "code", "subject"),
        ("batches", "code", "batch"),
    ],
)
def test_referenced_kinds_know_their_lookup_and_noun(kind, lookup, noun):
    assert SPECS[kind].ref_lookup == lookup
    assert SPECS[kind].noun == noun


def test_every_reference_names_a_kind_with_a_single_key_or_says_which_columns_form_it():
    for spec in SPECS.values():
        for field in spec.fields:
            if not field.ref:
                continue
            target = SPECS[field.ref]
            if field.ref_key:  # a composite key: these columns of the row, in key order
                assert len(field.ref_key) == len(target.key) > 1
                assert set(field.ref_key) <= set(spec.columns)
            else:
                assert target.ref_lookup  # one key column, readable by values_list


def test_kinds_come_in_the_contracts_order_and_refer_only_backwards():
    assert tuple(SPECS) == (
        "departments",
        "rooms",
        "room_unavailability",
        "timeslots",
        "shifts",
        "faculty",
        "faculty_unavailability",
        "faculty_preferences",
        "subjects",
        "batches",
        "students",
        "offerings",
        "baskets",
        "basket_options",
        "enrollments",
        "fixed_sessions",
    )
    order = list(SPECS)
    for spec in SPECS.values():
        for field in spec.fields:
            if field.ref and field.ref != spec.kind:
                assert order.index(field.ref) < order.index(spec.kind), (spec.kind, field.column)
