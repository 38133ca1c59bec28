"""Each rule of colleges as they are gives its exact ``FILE:ROW: column: message`` line,
in the institution's words, and writes nothing."""

from __future__ import annotations

import pytest

from academics import models as am
from tests.imports.colleges import FILES, write_all
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db

B = FILES["batches"].splitlines()[0] + "\n"  # the batches header
FIXED = "batch,subject,day,period,room\n"

CASES = [
    pytest.param(
        {"batches": B + "A,A,CSE,3,60,A,\nB,B,CSE,3,40,,\nA1,A1,CSE,3,30,A,\nA2,A2,CSE,3,30,A,\n"},
        ['inst/batches.csv:2: parent: batch "A" cannot be its own parent'],
        id="own-parent",
    ),
    pytest.param(
        {
            "batches": B
            + "A,A,CSE,3,60,A2,\nB,B,CSE,3,40,,\nA1,A1,CSE,3,30,A,\nA2,A2,CSE,3,30,A1,\n"
        },
        [
            "inst/batches.csv:2: parent: the parents form a cycle: A -> A2 -> A1 -> A",
            "inst/batches.csv:4: parent: the parents form a cycle: A1 -> A -> A2 -> A1",
            "inst/batches.csv:5: parent: the parents form a cycle: A2 -> A1 -> A -> A2",
        ],
        id="cycle",
    ),
    pytest.param(
        {
            "batches": B
            + "A,A,CSE,3,60,,DAY\nB,B,CSE,3,40,,\nA1,A1,CSE,5,30,A,\nA2,A2,CSE,3,30,A,\n"
        },
        [
            "inst/batches.csv:4: parent: a subgroup's semester must equal its parent's: \"A\" "
            "has semester 3, this row 5"
        ],
        id="subgroup-semester",
    ),
    pytest.param(
        {
            "batches": B
            + "A,A,CSE,3,60,,DAY\nB,B,CSE,3,40,,\nA1,A1,CSE,3,30,A,MORNING\nA2,A2,CSE,3,30,B,DAY\n"
        },
        [
            'inst/batches.csv:4: shift: a subgroup inherits its parent\'s shift: "A" has shift '
            '"DAY"; leave shift empty or write DAY',
            'inst/batches.csv:5: shift: a subgroup inherits its parent\'s shift: "B" has no '
            "shift; leave shift empty",
        ],
        id="subgroup-shift",
    ),
    pytest.param(
        {"shifts": "code,name,periods\nDAY,Day,1-6\nE,Evening,6to8\nX,X,5-3\n"},
        [
            "inst/shifts.csv:3: periods: '6to8' is not a period or a range like 1-5 (write "
            "ranges like 1-5 or 1-3;6-8)",
            "inst/shifts.csv:4: periods: '5-3': periods run from 1 to 48, first before last "
            "(write ranges like 1-5 or 1-3;6-8)",
        ],
        id="shift-periods",
    ),
    pytest.param(
        {
            "rooms": "code,capacity,kind,features\nLH-1,70,lecture,Projector;smart board\n"
            "LH-2,40,lecture,\nLAB-1,35,lab,computers\nLAB-2,35,lab,\n"
        },
        [
            "inst/rooms.csv:2: features: \"smart board\" is not a tag; use ';'-separated tags "
            "of letters, digits, '_' and '-' (computers;projector)"
        ],
        id="room-features",
    ),
    pytest.param(
        {
            "subjects": FILES["subjects"].replace(
                "CS1L,Programming Lab,CSE,lab,1,computers", "CS1L,Programming Lab,CSE,lab,1,pc's"
            )
        },
        [
            "inst/subjects.csv:3: room_features: \"pc's\" is not a tag; use ';'-separated tags "
            "of letters, digits, '_' and '-' (computers;projector)"
        ],
        id="subject-room-features",
    ),
    pytest.param(
        {
            "faculty_preferences": "employee_id,day,period,preference\n"
            "F1,MON,1,never\nF1,SUN,1,prefer\nF2,MON,9,avoid\n"
        },
        [
            'inst/faculty_preferences.csv:2: preference: must be one of prefer, avoid, not "never"',
            "inst/faculty_preferences.csv:3: period: SUN period 1 is not in the time grid",
            "inst/faculty_preferences.csv:4: period: MON period 9 is not in the time grid",
        ],
        id="preferences",
    ),
    pytest.param(
        {"room_unavailability": "room,day,period\nLH-9,MON,1\nLH-1,MON,0\n"},
        [
            'inst/room_unavailability.csv:2: room: no room "LH-9" in the database or in this '
            "import",
            'inst/room_unavailability.csv:3: period: must be a whole number >= 1, not "0"',
        ],
        id="room-closures",
    ),
    pytest.param(
        {"baskets": "code,name,batches,sessions_per_week,min_days\nOE,Open,A;B;Z,2,3\n"},
        [
            "inst/baskets.csv:2: min_days: must not exceed sessions_per_week (3 > 2)",
            'inst/baskets.csv:2: batches: no batch "Z" in the database or in this import',
        ],
        id="basket",
    ),
    pytest.param(
        {
            "offerings": FILES["offerings"] + "A,EL1,F3,\nB,CS1L,F2,basket:mine\n",
        },
        [
            "inst/offerings.csv:6: subject: batch A takes EL1 as option EL1 of basket OE "
            "(inst/basket_options.csv row 2); remove this row",
            'inst/offerings.csv:7: group: "basket:mine": groups starting with "basket:" are '
            "reserved for elective baskets' options (see basket_options)",
        ],
        id="offering-owned-by-an-option",
    ),
    pytest.param(
        {
            "rooms": "code,capacity,kind,features\nLH-1,70,lecture,\nLH-2,40,lecture,\n"
            "LAB-1,35,lab,computers\n",
            "subjects": FILES["subjects"] + "EL3,Elective Lab,CSE,lab,2,\n",
            "basket_options": "basket,subject,faculty\nOE,EL1,F3\nOE,EL2,F4\nOE,EL3,F1\n",
            "enrollments": FILES["enrollments"] + "R5,OE,EL3\n",
            "students": FILES["students"] + "R5,S5,,B\n",
        },
        [
            "inst/basket_options.csv:3: subject: EL2 needs a lecture room with projector, but "
            "no lecture room has them",
        ],
        id="option-room-features",
    ),
    pytest.param(
        {
            "rooms": "code,capacity,kind,features\nLH-1,70,lecture,projector\n",
            "subjects": FILES["subjects"] + "EL3,Elective Lab,CSE,lab,2,\n",
            "basket_options": "basket,subject,faculty\nOE,EL1,F3\nOE,EL2,F4\nOE,EL3,F1\n",
            "enrollments": FILES["enrollments"] + "R5,OE,EL3\n",
            "students": FILES["students"] + "R5,S5,,B\n",
            "offerings": "batch,subject,faculty\nA,CS1,F1\nB,CS1,F1\n",
            "room_unavailability": None,
        },
        [
            "inst/basket_options.csv:4: subject: EL3 needs a lab room, but there is no lab "
            "room in the database or in this import",
        ],
        id="option-room-kind",
    ),
    pytest.param(
        {"enrollments": "roll_number,basket,subject\nR1,OE,EL1\nR2,OE,EL9\nR3,OE,EL1\nR4,OE,EL1\n"},
        [
            "inst/basket_options.csv:3: subject: nobody is enrolled in option EL2 of basket "
            "OE; nobody can attend it",
            'inst/enrollments.csv:3: subject: "EL9" is not an option of basket "OE"',
        ],
        id="enrollment-option",
    ),
    pytest.param(
        {
            "batches": B + "A,A,CSE,3,60,,\nA1,A1,CSE,3,30,A,\nA2,A2,CSE,3,30,A,\nB,B,CSE,3,40,,\n"
            "C,C,CSE,3,40,,\n",
            "students": FILES["students"] + "R5,S5,,C\n",
            "enrollments": FILES["enrollments"] + "R5,OE,EL1\n",
        },
        [
            "inst/enrollments.csv:6: roll_number: student R5 is in batch C, which is not one of "
            "basket OE's batches (A;B) or their subgroups",
        ],
        id="enrollment-student",
    ),
    pytest.param(
        {
            "fixed_sessions": FIXED
            + "A,CS1,MON,1,LAB-1\nA1,CS1L,MON,1,LAB-2\nB,CS1L,TUE,1,\nA2,CS1L,TUE,6,LH-2\n"
        },
        [
            "inst/fixed_sessions.csv:2: room: LAB-1 is a lab room; CS1 needs a lecture room",
            "inst/fixed_sessions.csv:2: room: LAB-1 holds 35, but CS1 of A has 60 students",
            "inst/fixed_sessions.csv:3: room: LAB-2 lacks computers, which CS1L needs",
            "inst/fixed_sessions.csv:3: period: batch A1 already has a fixed session of CS1 of A "
            "on MON period 1 (row 2)",
            "inst/fixed_sessions.csv:4: subject: batch B has no class of CS1L: no offering or "
            "basket option teaches it",
            "inst/fixed_sessions.csv:5: period: a session of CS1L of A2 takes periods 6-7 of TUE, "
            "but period 7 is not in the time grid",
            "inst/fixed_sessions.csv:5: room: LH-2 is a lecture room; CS1L needs a lab room",
            "inst/fixed_sessions.csv:5: room: LH-2 lacks computers, which CS1L needs",
        ],
        id="fixed-sessions",
    ),
    pytest.param(
        {
            "fixed_sessions": FIXED
            + "A,CS1,MON,1,\nB,EL2,MON,1,\nA,EL1,TUE,1,\nB,EL1,TUE,1,\nA,EL1,WED,1,LH-2\n"
            "B,EL1,THU,2,\n"
        },
        [
            "inst/fixed_sessions.csv:3: period: batch A already has a fixed session of CS1 of A "
            "on MON period 1 (row 2)",
            "inst/fixed_sessions.csv:7: subject: 3 sessions of option EL1 of basket OE are "
            "fixed, but it meets twice a week",
        ],
        id="fixed-sessions-of-an-option",
    ),
]


@pytest.mark.parametrize(("replace", "expected"), CASES)
def test_college_rules(write, run_import, replace, expected):
    before = db_counts()
    run = run_import("--dir", write_all(write, **replace))
    assert not run.ok, run.stdout
    assert run.problems == expected
    assert "nothing was written" in run.message
    assert db_counts() == before
    assert am.Basket.objects.count() == am.Enrollment.objects.count() == 0


def test_stored_rows_take_part_in_the_rules(write, run_import):
    """A parent, an offering and a basket already in the database are judged like rows of
    the files."""
    assert run_import("--dir", write_all(write)).ok
    before = db_counts()
    write("batches.csv", B + "A3,A3,CSE,4,20,A,MORNING\n", folder="more")
    write("offerings.csv", "batch,subject,faculty\nB,EL2,F1\n", folder="more")
    write(
        "baskets.csv",
        "code,name,batches,sessions_per_week\nOE2,Second elective,A,2\n",
        folder="more",
    )
    write("basket_options.csv", "basket,subject,faculty\nOE2,CS1,F4\nOE2,EL1,F1\n", folder="more")
    run = run_import("--dir", "more")
    assert run.problems == [
        "more/batches.csv:2: parent: a subgroup's semester must equal its parent's: \"A\" has "
        "semester 3, this row 4",
        'more/batches.csv:2: shift: a subgroup inherits its parent\'s shift: "A" has shift '
        '"DAY"; leave shift empty or write DAY',
        "more/offerings.csv:2: subject: batch B takes EL2 as option EL2 of basket OE (stored); "
        "remove this row",
        "more/basket_options.csv:2: subject: batch A already has an offering of CS1 (stored); "
        "an option of basket OE2 cannot teach it too",
        "more/basket_options.csv:3: subject: batch A would take EL1 twice: in basket OE2 and "
        "as option EL1 of basket OE (stored)",
    ]
    assert db_counts() == before


def test_a_stored_subgroup_follows_its_parent(write, run_import):
    assert run_import("--dir", write_all(write)).ok
    write("batches.csv", B + "A,Section A,CSE,4,60,,MORNING\n", folder="more")
    run = run_import("--dir", "more", "--update")
    assert run.problems == [
        'more/batches.csv:2: semester: its subgroup "A1" has semester 3; a subgroup\'s semester '
        "must equal its parent's (4 here)",
        'more/batches.csv:2: semester: its subgroup "A2" has semester 3; a subgroup\'s semester '
        "must equal its parent's (4 here)",
        'more/batches.csv:2: shift: its subgroup "A2" has shift "DAY", but this batch has '
        'shift "MORNING"; a subgroup inherits its parent\'s shift',
    ]


def test_a_parent_later_in_the_file_and_a_subgroup_of_a_subgroup(write, run_import):
    batches = B + "A11,A11,CSE,3,10,A1,\nA1,A1,CSE,3,30,A,\nA,A,CSE,3,60,,\nB,B,CSE,3,40,,\n"
    students = "roll_number,name,email,batch\nR1,S1,,A11\nR2,S2,,A1\nR3,S3,,A\nR4,S4,,B\n"
    run = run_import(
        "--dir",
        write_all(
            write,
            batches=batches,
            students=students,
            offerings="batch,subject,faculty\nA,CS1,F1\nA1,CS1L,F2\nB,CS1,F1\n",
        ),
    )
    assert run.ok, run.stderr
    assert am.Batch.objects.get(code="A11").parent.parent.code == "A"


def test_an_option_nobody_is_left_in_after_an_update_is_named(write, run_import):
    assert run_import("--dir", write_all(write)).ok
    write(
        "enrollments.csv",
        "roll_number,basket,subject\nR2,OE,EL1\nR4,OE,EL1\n",
        folder="more",
    )
    run = run_import("--dir", "more", "--update")
    assert run.problems == [
        "more/enrollments.csv:2: subject: after this import nobody is enrolled in option EL2 "
        "of basket OE; nobody can attend it"
    ]
    assert am.Enrollment.objects.filter(option__subject__code="EL2").count() == 2


def test_an_option_needs_a_room_for_everyone_who_chose_it(write, run_import):
    # EL2 needs a projector: only LH-1 (70 seats) has one
    students = FILES["students"] + "".join(f"X{i},X,,B\n" for i in range(70))
    enrollments = FILES["enrollments"] + "".join(f"X{i},OE,EL2\n" for i in range(70))
    run = run_import("--dir", write_all(write, students=students, enrollments=enrollments))
    assert run.problems == [
        "inst/basket_options.csv:3: subject: 72 students chose EL2, but the largest room it "
        "can use holds 70",
    ]
