"""A realistic, seeded institution as CSV files in the ``import_csv --dir`` format.

About 50 batches in 5 departments and 4 semesters, 70-100 faculty, 40-60 rooms, a week of
6 days x 7 periods (two breaks a day, a short Saturday), theory subjects of 3-4 sessions,
labs of 2-3 periods, combined classes (first- and second-year mathematics taught to two
sections together) and some faculty unavailability.

``--college`` makes it a college as it is: lab-heavy sections (semesters 3 and 5) split into
2-3 lab groups that take the labs, final-year sections with two elective baskets per
department and one open elective across departments, and every student with their
enrolments (50/30/20 and similar, not even). ``--placement`` adds (and implies
``--college``) an evening shift for a third of the sections, features on every lab that
the lab subjects need, a few closed rooms, limits and prefer/avoid periods for 40 % of the
teachers and 5 % of the sessions fixed. ``--scale 2`` doubles the sections (and rooms).

    python -m benchmarks.institution --out DIR [--seed N] [--college] [--placement] [--scale N]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT")
# 7 periods: a short break after period 2, lunch after period 4
PERIOD_TIMES = (
    ("09:00", "09:50"),
    ("09:50", "10:40"),
    ("10:55", "11:45"),
    ("11:45", "12:35"),
    ("13:25", "14:15"),
    ("14:15", "15:05"),
    ("15:05", "15:55"),
)
SATURDAY_PERIODS = 4  # a short Saturday: mornings only

DEPARTMENTS = {
    "CSE": ("Computer Science and Engineering", 3),  # (name, sections per semester)
    "ECE": ("Electronics and Communication Engineering", 3),
    "ME": ("Mechanical Engineering", 2),
    "CE": ("Civil Engineering", 2),
    "EEE": ("Electrical and Electronics Engineering", 2),
}
SERVICE_DEPARTMENT = ("BSH", "Basic Sciences and Humanities")
SEMESTERS = (1, 3, 5, 7)
TARGET_LOAD = 12  # periods a week a faculty member is given, at most
MAX_WEEK, MAX_DAY = 18, 4


@dataclass
class Teacher:
    employee_id: str
    department: str
    load: int = 0


@dataclass(frozen=True)
class College:
    """What of a college as it is to generate (all off: the first round's institution)."""

    subgroups: bool = False  # lab-heavy sections split into lab groups
    electives: bool = False  # final-year baskets, the open elective, students, enrolments
    placement: bool = False  # shifts, lab features, closures, teacher wishes, fixed sessions
    scale: int = 1  # sections per semester (and rooms) multiplied by this

    @classmethod
    def of(cls, *, college: bool, placement: bool, scale: int) -> College:
        college = college or placement
        return cls(subgroups=college, electives=college, placement=placement, scale=scale)


LEGACY = College()
SUBGROUPS = {"CSE": 3, "ECE": 3, "ME": 2, "CE": 2, "EEE": 2}  # lab groups of a lab-heavy section
LAB_HEAVY_SEMESTERS = (3, 5)
FINAL_SEMESTER = 7
BASKET_SECTIONS = 3  # a department basket spans at most this many sections
OPEN_SECTIONS = 12  # an open elective spans at most this many sections
BASKET_SHARES = (0.5, 0.3, 0.2)
OPEN_SHARES = (0.3, 0.22, 0.17, 0.13, 0.1, 0.08)
LAB_FEATURES = {
    "CSE": "computers",
    "ECE": "electronics",
    "EEE": "electronics",
    "ME": "workshop",
    "CE": "cad",
}
EVENING = ("EVE", "Evening", "3-7")
FIXED_SHARE = 0.05
WISH_SHARE = 0.4


@dataclass
class Section:
    """A section being generated, for the college parts added after the loop."""

    code: str
    department: str
    semester: int
    students: list[tuple[str, str]]  # (roll number, batch code: the section or a lab group)
    shift: str = ""


@dataclass
class Theory:
    """An ordinary one-period offering that may be fixed: (batch, subject, teacher)."""

    batch: str
    subject: str
    teacher: str
    sessions: int


@dataclass
class Institution:
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def add(self, csv_kind: str, /, **row: object) -> None:
        self.rows.setdefault(csv_kind, []).append(row)

    def write(self, out: Path) -> dict[str, int]:
        out.mkdir(parents=True, exist_ok=True)
        counts = {}
        for kind, rows in self.rows.items():
            with (out / f"{kind}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            counts[kind] = len(rows)
        return counts


def generate(seed: int = 1, college: College = LEGACY) -> Institution:
    """Build the institution's rows (deterministic for a seed and options; the default is
    the first round's institution, row for row)."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1000)  # the college parts draw from their own stream
    inst = Institution()
    scale = college.scale
    for code, (name, _) in DEPARTMENTS.items():
        inst.add("departments", code=code, name=name)
    inst.add("departments", code=SERVICE_DEPARTMENT[0], name=SERVICE_DEPARTMENT[1])

    for day_index, day in enumerate(DAYS):
        periods = SATURDAY_PERIODS if day_index == 5 else len(PERIOD_TIMES)
        for p in range(periods):
            start, end = PERIOD_TIMES[p]
            inst.add("timeslots", day=day, period=p + 1, start=start, end=end)

    # rooms: lecture rooms for one section, halls for combined classes, labs
    rooms: list[dict[str, object]] = []
    for i in range(1, 32 * scale + 1):
        rooms.append(
            dict(
                code=f"LH-{100 + i}",
                capacity=rng.choice((60, 66, 72)),
                kind="lecture",
                building=f"Block {'ABCD'[i % 4]}",
            )
        )
    for i in range(1, 4 * scale + 1):
        rooms.append(dict(code=f"HALL-{i}", capacity=150, kind="lecture", building="Main Block"))
    for i in range(1, 14 * scale + 1):
        rooms.append(
            dict(
                code=f"LAB-{i:02d}",
                capacity=rng.choice((60, 66, 72)),
                kind="lab",
                building="Lab Block",
            )
        )
    if college.electives:  # rooms for the big elective options
        for i in range(1, 4 * scale + 1):
            rooms.append(dict(code=f"SH-{i}", capacity=100, kind="lecture", building="Main"))
        for i in range(1, scale + 1):
            rooms.append(dict(code=f"AUD-{i}", capacity=250, kind="lecture", building="Main"))
    if college.subgroups:  # smaller labs for the lab groups
        for i in range(1, 12 * scale + 1):
            rooms.append(dict(code=f"GLAB-{i:02d}", capacity=36, kind="lab", building="Lab Block"))
    _room_features(rooms, college)
    for room in rooms:
        inst.add("rooms", **room)

    teachers: dict[str, list[Teacher]] = {d: [] for d in (*DEPARTMENTS, SERVICE_DEPARTMENT[0])}

    def teacher_for(dept: str, periods: int, busy: frozenset[str] = frozenset()) -> Teacher:
        """The least loaded teacher of ``dept`` with room for ``periods`` more, not one of
        ``busy`` (the other options of a basket meet at the same times)."""
        pool = [
            t
            for t in teachers[dept]
            if t.load + periods <= TARGET_LOAD and t.employee_id not in busy
        ]
        if pool:
            chosen = min(pool, key=lambda t: (t.load, t.employee_id))
        else:
            chosen = Teacher(f"{dept}{len(teachers[dept]) + 1:03d}", dept)
            teachers[dept].append(chosen)
        chosen.load += periods
        return chosen

    sections_all: list[Section] = []
    theory: list[Theory] = []
    for dept, (_, sections) in DEPARTMENTS.items():
        for sem in SEMESTERS:
            batch_codes = [f"{dept}-{sem}{_letters(s)}" for s in range(sections * scale)]
            split = college.subgroups and sem in LAB_HEAVY_SEMESTERS
            lab_groups: dict[str, list[str]] = {}
            for code in batch_codes:
                size = rng.randint(48, 60)
                row: dict[str, object] = dict(
                    code=code,
                    name=f"{dept} semester {sem} section {code.rsplit('-', 1)[1][1:]}",
                    department=dept,
                    semester=sem,
                    size=size,
                )
                if not college.subgroups:
                    inst.add("batches", **row)
                    continue
                section = Section(code, dept, sem, [])
                sections_all.append(section)
                inst.add("batches", **row, parent="", shift="")
                groups = SUBGROUPS[dept] if split else 0
                lab_groups[code] = [f"{code}-{g + 1}" for g in range(groups)]
                for g, group in enumerate(lab_groups[code]):
                    members = len(range(g, size, groups))
                    inst.add(
                        "batches",
                        code=group,
                        name=f"{dept} semester {sem} section {code[-1]} lab group {g + 1}",
                        department=dept,
                        semester=sem,
                        size=members,
                        parent=code,
                        shift="",
                    )
                for k in range(size):
                    home = lab_groups[code][k % groups] if groups else code
                    section.students.append((f"{code}-{k + 1:03d}", home))
            # the department's own theory subjects and labs (a final year with electives
            # has two core subjects: the baskets take the rest of its week)
            own = []
            core = 2 if college.electives and sem == FINAL_SEMESTER else 4
            for k in range(1, 5):
                sessions = rng.choice((3, 3, 4))
                if k <= core:
                    own.append((f"{dept}{sem}0{k}", "theory", sessions, 1))
            for k in range(1, (3 if sem in (3, 5) else 2)):
                own.append((f"{dept}{sem}L{k}", "lab", 1, rng.choice((2, 3))))
            for subject, kind, sessions, length in own:
                subject_row: dict[str, object] = dict(
                    code=subject,
                    name=f"{dept} {kind} {subject[-2:]}",
                    department=dept,
                    kind=kind,
                    sessions_per_week=sessions,
                    periods_per_session=length,
                    min_days="",
                )
                if college.subgroups:
                    needs = LAB_FEATURES[dept] if kind == "lab" and college.placement else ""
                    subject_row["room_features"] = needs
                inst.add("subjects", **subject_row)
                # one teacher takes as many sections of a subject as their load allows
                for code in batch_codes:
                    # a split section's labs are taught to each of its lab groups
                    takers = (lab_groups.get(code) or [code]) if kind == "lab" else [code]
                    for batch in takers:
                        t = teacher_for(dept, sessions * length)
                        inst.add(
                            "offerings",
                            batch=batch,
                            subject=subject,
                            faculty=t.employee_id,
                            group="",
                        )
                        if kind == "theory":
                            theory.append(Theory(batch, subject, t.employee_id, sessions))
            # mathematics from the service department, combined for pairs of sections
            if sem in (1, 3):
                subject = f"MA{sem}01-{dept}"
                maths: dict[str, object] = dict(
                    code=subject,
                    name=f"Mathematics {sem} for {dept}",
                    department=SERVICE_DEPARTMENT[0],
                    kind="theory",
                    sessions_per_week=3,
                    periods_per_session=1,
                    min_days="",
                )
                if college.subgroups:
                    maths["room_features"] = ""
                inst.add("subjects", **maths)
                for i in range(0, len(batch_codes), 2):
                    pair = batch_codes[i : i + 2]
                    t = teacher_for(SERVICE_DEPARTMENT[0], 3)
                    group = f"{subject}-G{i // 2 + 1}" if len(pair) > 1 else ""
                    for code in pair:
                        inst.add(
                            "offerings",
                            batch=code,
                            subject=subject,
                            faculty=t.employee_id,
                            group=group,
                        )

    if college.electives:
        _electives(inst, extra, sections_all, teacher_for)

    for dept, pool in teachers.items():
        for t in pool:
            teacher_row: dict[str, object] = dict(
                employee_id=t.employee_id,
                name=f"Faculty {t.employee_id}",
                email=f"{t.employee_id.lower()}@example.edu",
                department=dept,
                max_hours_per_week=MAX_WEEK,
                max_hours_per_day=MAX_DAY,
            )
            if college.subgroups:
                limited = college.placement and extra.random() < 0.5
                teacher_row["max_consecutive"] = 3 if limited else ""
                teacher_row["max_gaps_per_day"] = 2 if limited else ""
            inst.add("faculty", **teacher_row)
    # some faculty are unavailable for a few periods (a morning, a late afternoon)
    all_teachers = [t for pool in teachers.values() for t in pool]
    for t in rng.sample(all_teachers, k=max(1, len(all_teachers) // 6)):
        day = rng.randrange(5)
        first = rng.choice((1, 5))
        for period in range(first, first + rng.choice((2, 3))):
            inst.add(
                "faculty_unavailability", employee_id=t.employee_id, day=DAYS[day], period=period
            )
    if college.subgroups:
        for section in sections_all:
            for roll, batch in section.students:
                inst.add(
                    "students",
                    roll_number=roll,
                    name=f"Student {roll}",
                    email=f"{roll.lower()}@example.edu",
                    batch=batch,
                )
    if college.placement:
        _placement(inst, extra, sections_all, theory, all_teachers)
    return inst


def _letters(index: int) -> str:
    """Section letters: A, B, ... Z, AA, AB, ..."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _room_features(rooms: list[dict[str, object]], college: College) -> None:
    """With placement, every lab has the features of the department it serves (labs are
    shared out in proportion to the departments' sections) and a projector."""
    if not college.subgroups:
        return
    cycle = [d for d, (_, sections) in DEPARTMENTS.items() for _ in range(sections)]
    labs = [r for r in rooms if r["kind"] == "lab"]
    for room in rooms:
        room["features"] = ""
    if not college.placement:
        return
    for big in (True, False):
        own = [r for r in labs if (int(str(r["capacity"])) > 40) == big]
        for i, room in enumerate(own):
            room["features"] = f"{LAB_FEATURES[cycle[(i * 5) % len(cycle)]]};projector"


def _shares(students: list[tuple[str, str]], shares: tuple[float, ...]) -> list[list[str]]:
    """Students split by ``shares`` (the first option takes the largest share)."""
    counts = [math.floor(len(students) * s) for s in shares]
    counts[0] += len(students) - sum(counts)
    out, at = [], 0
    for n in counts:
        out.append([roll for roll, _ in students[at : at + n]])
        at += n
    return out


def _electives(inst: Institution, rng: random.Random, sections: list[Section], teacher_for) -> None:
    """Two baskets per department in the final year (per group of up to three sections),
    one open elective across departments (per group of up to twelve sections); every
    student enrolled in one option of each of their baskets, unevenly."""
    finals = [s for s in sections if s.semester == FINAL_SEMESTER]

    def basket(
        code: str,
        name: str,
        members: list[Section],
        options: list[tuple[str, str]],
        shares: tuple[float, ...],
    ) -> None:
        inst.add(
            "baskets",
            code=code,
            name=name,
            batches=";".join(s.code for s in members),
            sessions_per_week=3,
            periods_per_session=1,
            min_days=3,
        )
        taken: set[str] = set()  # a basket's options meet at once: one teacher each
        for subject, dept in options:
            t = teacher_for(dept, 3, frozenset(taken))
            taken.add(t.employee_id)
            inst.add("basket_options", basket=code, subject=subject, faculty=t.employee_id)
        students = [st for s in members for st in s.students]
        rng.shuffle(students)
        for (subject, _), rolls in zip(options, _shares(students, shares), strict=True):
            for roll in rolls:
                inst.add("enrollments", roll_number=roll, basket=code, subject=subject)

    def subject(code: str, dept: str, name: str) -> None:
        inst.add(
            "subjects",
            code=code,
            name=name,
            department=dept,
            kind="theory",
            sessions_per_week=3,
            periods_per_session=1,
            min_days="",
            room_features="",
        )

    for dept in DEPARTMENTS:
        own = [s for s in finals if s.department == dept]
        for chunk in range(0, len(own), BASKET_SECTIONS):
            members = own[chunk : chunk + BASKET_SECTIONS]
            for k in (1, 2):
                code = f"{dept}-7-EL{k}" + (f"-{chunk // BASKET_SECTIONS + 1}" if chunk else "")
                options = []
                for j in range(1, len(BASKET_SHARES) + 1):
                    subj = f"{code}-{j}".replace("-", "")
                    subject(subj, dept, f"{dept} elective {k}.{j}")
                    options.append((subj, dept))
                basket(code, f"{dept} final-year elective {k}", members, options, BASKET_SHARES)
    offered = [*DEPARTMENTS, SERVICE_DEPARTMENT[0]]
    for chunk in range(0, len(finals), OPEN_SECTIONS):
        members = finals[chunk : chunk + OPEN_SECTIONS]
        code = "OE-7" + (f"-{chunk // OPEN_SECTIONS + 1}" if chunk else "")
        options = []
        for dept in offered[: len(OPEN_SHARES)]:
            subj = f"OE7{dept}{chunk // OPEN_SECTIONS + 1}"
            subject(subj, dept, f"Open elective by {dept}")
            options.append((subj, dept))
        basket(code, "Open elective", members, options, OPEN_SHARES)


def _placement(
    inst: Institution,
    rng: random.Random,
    sections: list[Section],
    theory: list[Theory],
    teachers: list[Teacher],
) -> None:
    """An evening shift for a third of the sections, a few closed rooms, prefer/avoid
    periods for 40 % of the teachers and 5 % of the sessions fixed where nothing clashes."""
    code, name, periods = EVENING
    inst.add("shifts", code=code, name=name, periods=periods)
    evening = {s.code for s in sections[2::3]}
    for row in inst.rows["batches"]:
        if row["code"] in evening:
            row["shift"] = code
    for s in sections:
        s.shift = code if s.code in evening else ""
    first_evening = int(periods.split("-")[0])

    rooms = [r["code"] for r in inst.rows["rooms"]]
    for room in rng.sample(rooms, k=max(1, len(rooms) // 20)):
        day = rng.randrange(5)
        for period in (6, 7):
            inst.add("room_unavailability", room=room, day=DAYS[day], period=period)

    for t in rng.sample(teachers, k=round(len(teachers) * WISH_SHARE)):
        if rng.random() < 0.5:  # mornings of three days
            cells = [(d, p) for d in rng.sample(range(5), 3) for p in (1, 2, 3)]
            wish = "prefer"
        else:  # the last periods of the week
            cells = [(d, 7) for d in range(5)] + [(4, 6)]
            wish = "avoid"
        for day, period in cells:
            inst.add(
                "faculty_preferences",
                employee_id=t.employee_id,
                day=DAYS[day],
                period=period,
                preference=wish,
            )

    # 5 % of all sessions fixed: one session of an ordinary lecture each, where its section
    # (and lab groups), its teacher and the teacher's unavailability leave it free
    sessions = sum(int(str(o.get("sessions_per_week", 0))) for o in _sessions(inst))
    wanted = round(sessions * FIXED_SHARE)
    family = {s.code: s for s in sections}
    away = {
        (r["employee_id"], DAYS.index(str(r["day"])), r["period"])
        for r in inst.rows.get("faculty_unavailability", [])
    }
    busy: set[tuple[str, int, int]] = set()
    teacher_days: set[tuple[str, int]] = set()
    fixed = 0
    for lecture in rng.sample(theory, k=len(theory)):
        if fixed >= wanted:
            break
        section = family.get(lecture.batch)
        low = first_evening if section and section.shift else 1
        for _ in range(20):
            day = rng.randrange(5)
            period = rng.randint(low, len(PERIOD_TIMES))
            if (
                (lecture.batch, day, period) in busy
                or (lecture.teacher, day, period) in busy
                or (lecture.teacher, day) in teacher_days
                or (lecture.teacher, day, period) in away
            ):
                continue
            busy.update({(lecture.batch, day, period), (lecture.teacher, day, period)})
            teacher_days.add((lecture.teacher, day))
            inst.add(
                "fixed_sessions",
                batch=lecture.batch,
                subject=lecture.subject,
                day=DAYS[day],
                period=period,
                room="",
            )
            fixed += 1
            break


def _sessions(inst: Institution) -> list[dict[str, object]]:
    """One row per class with its sessions a week (offerings joined with their subjects;
    a combined class and a basket option once)."""
    subjects = {r["code"]: r for r in inst.rows["subjects"]}
    seen: set[object] = set()
    out = []
    for o in inst.rows["offerings"]:
        key = (o["group"], o["subject"]) if o["group"] else id(o)
        if key not in seen:
            seen.add(key)
            out.append(subjects[o["subject"]])
    for b in inst.rows.get("baskets", []):
        for option in (r for r in inst.rows["basket_options"] if r["basket"] == b["code"]):
            out.append({"sessions_per_week": b["sessions_per_week"], "code": option["subject"]})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory for the CSV files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--college", action="store_true", help="lab groups, electives, students")
    parser.add_argument(
        "--placement",
        action="store_true",
        help="shifts, lab features, closures, teacher wishes, fixed sessions (implies --college)",
    )
    parser.add_argument("--scale", type=int, default=1, help="sections per semester x N")
    args = parser.parse_args(argv)
    college = College.of(college=args.college, placement=args.placement, scale=args.scale)
    counts = generate(args.seed, college).write(args.out)
    for kind, n in counts.items():
        print(f"{kind:<24} {n:>5}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
