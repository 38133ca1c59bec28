"""The generated colleges of the benchmarks: what they contain, that the builder reads them
whole, and that the greedy baseline keeps the rules it claims to keep."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from benchmarks.college_load import college_load
from benchmarks.colleges import preferences_met
from benchmarks.greedy import greedy_college
from benchmarks.institution import College, generate
from timetabling import generation
from timetabling.optimizer.domain import covered

pytestmark = pytest.mark.django_db

PLACEMENT = College.of(college=False, placement=True, scale=1)


def test_the_first_rounds_institution_has_none_of_the_new_kinds_or_columns():
    rows = generate(1).rows
    assert not {"students", "baskets", "shifts", "fixed_sessions"} & set(rows)
    assert set(rows["batches"][0]) == {"code", "name", "department", "semester", "size"}
    assert len(rows["batches"]) == 48


def test_a_college_has_lab_groups_uneven_electives_and_its_placement_rules():
    rows = generate(1, PLACEMENT).rows
    sections = [b for b in rows["batches"] if not b["parent"]]
    groups = [b for b in rows["batches"] if b["parent"]]
    assert len(sections) >= 48 and groups
    size = {b["code"]: b["size"] for b in rows["batches"]}
    for s in sections:
        mine = [g["size"] for g in groups if g["parent"] == s["code"]]
        assert not mine or (2 <= len(mine) <= 3 and sum(mine) == s["size"])
    # labs of a split section are on its groups, never on the section
    labs = {s["code"] for s in rows["subjects"] if s["kind"] == "lab"}
    split = {g["parent"] for g in groups}
    assert not [o for o in rows["offerings"] if o["subject"] in labs and o["batch"] in split]
    # two baskets per department in the final year and an open elective, chosen unevenly
    assert len(rows["baskets"]) == 2 * 5 + 1
    chosen = Counter((e["basket"], e["subject"]) for e in rows["enrollments"])
    for basket in rows["baskets"]:
        counts = sorted((n for (b, _), n in chosen.items() if b == basket["code"]), reverse=True)
        students = sum(size[c] for c in basket["batches"].split(";"))
        assert sum(counts) == students and counts[0] >= 0.29 * students > counts[-1]
    evening = [b for b in sections if b["shift"]]
    assert len(evening) == len(sections) // 3
    assert all(r["features"] for r in rows["rooms"] if r["kind"] == "lab")
    teachers = {f["employee_id"] for f in rows["faculty_preferences"]}
    assert len(teachers) == round(0.4 * len(rows["faculty"]))


def test_the_builder_reads_the_whole_college_and_the_greedy_keeps_its_rules():
    inst = generate(1, PLACEMENT)
    college_load(inst)
    job = generation.generation_job_create(user=None, enqueue=False)
    gen = generation.generation_problem_build(job=job)
    problem = gen.problem
    assert gen.issues == []
    assert len(problem.students) == len(inst.rows["students"])
    pins = sum(len(c.pins) for c in problem.classes)
    assert pins == len(inst.rows["fixed_sessions"])
    assert 0.04 <= pins / sum(c.sessions_per_week for c in problem.classes) <= 0.06  # 5 %
    assert sum(c.basket is not None for c in problem.classes) == len(inst.rows["basket_options"])
    evening = {b.id for b in problem.batches if b.unavailable}
    assert len(evening) == len(problem.names["shifts"]) > 0

    greedy = greedy_college(problem)
    assert greedy.sessions and greedy.unplaced < 0.2 * sum(
        c.sessions_per_week for c in problem.classes
    )
    classes = {c.id: c for c in problem.classes}
    rooms = {r.id: r for r in problem.rooms}
    batches = {b.id: b for b in problem.batches}
    starts = defaultdict(set)
    placed = defaultdict(set)
    for s in greedy.sessions:
        cls, room = classes[s.class_id], rooms[s.room]
        cells = covered(s.day, s.period, cls.periods_per_session)
        assert cls.room_features <= room.features
        assert not set(cells) & room.unavailable
        assert all(not set(cells) & batches[b].unavailable for b in cls.batches)
        if cls.basket is not None:
            starts[cls.basket].add((s.class_id, s.day, s.period))
        placed[cls.id].add((s.day, s.period))
    for basket, options in starts.items():  # all options of a basket at the same starts
        by_option = defaultdict(set)
        for cid, d, p in options:
            by_option[cid].add((d, p))
        assert len({frozenset(v) for v in by_option.values()}) == 1, basket
    pinned = [c for c in problem.classes if c.pins]
    assert all({(p.day, p.period) for p in c.pins} <= placed[c.id] for c in pinned)
    met, counted = preferences_met(problem, greedy.sessions)
    assert 0 < met <= counted
