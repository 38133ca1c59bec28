"""A realistic, seeded institution as CSV files in the ``import_csv --dir`` format.

About 50 batches in 5 departments and 4 semesters, 70-100 faculty, 40-60 rooms, a week of
6 days x 7 periods (two breaks a day, a short Saturday), theory subjects of 3-4 sessions,
labs of 2-3 periods, combined classes (first- and second-year mathematics taught to two
sections together) and some faculty unavailability.

    python -m benchmarks.institution --out DIR [--seed N]
"""

from __future__ import annotations

import argparse
import csv
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


def generate(seed: int = 1) -> Institution:
    """Build the institution's rows (deterministic for a seed)."""
    rng = random.Random(seed)
    inst = Institution()
    for code, (name, _) in DEPARTMENTS.items():
        inst.add("departments", code=code, name=name)
    inst.add("departments", code=SERVICE_DEPARTMENT[0], name=SERVICE_DEPARTMENT[1])

    for day_index, day in enumerate(DAYS):
        periods = SATURDAY_PERIODS if day_index == 5 else len(PERIOD_TIMES)
        for p in range(periods):
            start, end = PERIOD_TIMES[p]
            inst.add("timeslots", day=day, period=p + 1, start=start, end=end)

    # rooms: lecture rooms for one section, halls for combined classes, labs
    for i in range(1, 33):
        inst.add(
            "rooms",
            code=f"LH-{100 + i}",
            capacity=rng.choice((60, 66, 72)),
            kind="lecture",
            building=f"Block {'ABCD'[i % 4]}",
        )
    for i in range(1, 5):
        inst.add("rooms", code=f"HALL-{i}", capacity=150, kind="lecture", building="Main Block")
    for i in range(1, 15):
        inst.add(
            "rooms",
            code=f"LAB-{i:02d}",
            capacity=rng.choice((60, 66, 72)),
            kind="lab",
            building="Lab Block",
        )

    teachers: dict[str, list[Teacher]] = {d: [] for d in (*DEPARTMENTS, SERVICE_DEPARTMENT[0])}

    def teacher_for(dept: str, periods: int) -> Teacher:
        pool = [t for t in teachers[dept] if t.load + periods <= TARGET_LOAD]
        if pool:
            chosen = min(pool, key=lambda t: (t.load, t.employee_id))
        else:
            chosen = Teacher(f"{dept}{len(teachers[dept]) + 1:03d}", dept)
            teachers[dept].append(chosen)
        chosen.load += periods
        return chosen

    for dept, (_, sections) in DEPARTMENTS.items():
        for sem in SEMESTERS:
            batch_codes = [f"{dept}-{sem}{chr(65 + s)}" for s in range(sections)]
            for code in batch_codes:
                inst.add(
                    "batches",
                    code=code,
                    name=f"{dept} semester {sem} section {code[-1]}",
                    department=dept,
                    semester=sem,
                    size=rng.randint(48, 60),
                )
            # the department's own theory subjects and labs
            own = []
            for k in range(1, 5):
                sessions = rng.choice((3, 3, 4))
                own.append((f"{dept}{sem}0{k}", "theory", sessions, 1))
            for k in range(1, (3 if sem in (3, 5) else 2)):
                own.append((f"{dept}{sem}L{k}", "lab", 1, rng.choice((2, 3))))
            for subject, kind, sessions, length in own:
                inst.add(
                    "subjects",
                    code=subject,
                    name=f"{dept} {kind} {subject[-2:]}",
                    department=dept,
                    kind=kind,
                    sessions_per_week=sessions,
                    periods_per_session=length,
                    min_days="",
                )
                # one teacher takes as many sections of a subject as their load allows
                for code in batch_codes:
                    t = teacher_for(dept, sessions * length)
                    inst.add(
                        "offerings", batch=code, subject=subject, faculty=t.employee_id, group=""
                    )
            # mathematics from the service department, combined for pairs of sections
            if sem in (1, 3):
                subject = f"MA{sem}01-{dept}"
                inst.add(
                    "subjects",
                    code=subject,
                    name=f"Mathematics {sem} for {dept}",
                    department=SERVICE_DEPARTMENT[0],
                    kind="theory",
                    sessions_per_week=3,
                    periods_per_session=1,
                    min_days="",
                )
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

    for dept, pool in teachers.items():
        for t in pool:
            inst.add(
                "faculty",
                employee_id=t.employee_id,
                name=f"Faculty {t.employee_id}",
                email=f"{t.employee_id.lower()}@example.edu",
                department=dept,
                max_hours_per_week=MAX_WEEK,
                max_hours_per_day=MAX_DAY,
            )
    # some faculty are unavailable for a few periods (a morning, a late afternoon)
    all_teachers = [t for pool in teachers.values() for t in pool]
    for t in rng.sample(all_teachers, k=max(1, len(all_teachers) // 6)):
        day = rng.randrange(5)
        first = rng.choice((1, 5))
        for period in range(first, first + rng.choice((2, 3))):
            inst.add(
                "faculty_unavailability", employee_id=t.employee_id, day=DAYS[day], period=period
            )
    return inst


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory for the CSV files")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    counts = generate(args.seed).write(args.out)
    for kind, n in counts.items():
        print(f"{kind:<24} {n:>5}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
