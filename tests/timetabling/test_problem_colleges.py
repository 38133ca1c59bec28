"""The problem builder on colleges as they are: subgroups, elective baskets, students,
shifts, room features and closures, teachers' limits and preferences, fixed sessions, and
scopes that pull in partner batches."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from academics import models as am
from tests import factories
from tests.timetabling.colleges import basket_with_options, enrol, students
from timetabling import generation
from timetabling import optimizer as opt
from timetabling.models import JobStatus, TimetableSlot

pytestmark = pytest.mark.django_db


def _build(**scope):
    job = generation.generation_job_create(user=None, time_limit_s=2, enqueue=False, **scope)
    return job, generation.generation_problem_build(job=job)


def _cells(slots) -> set[tuple[int, int]]:
    return {(s.day, p) for s in slots for p in range(s.period, s.period + s.length)}


def _class(gen, offering: am.Offering) -> opt.ClassSpec:
    return next(c for c in gen.problem.classes if offering in gen.offerings_of[c.id])


def _section_with_labs(grid_days=5):
    """Section CE-3A (60 students) with lab groups CE-3A-1 (30) and CE-3A-2 (30): a theory
    subject for the whole section, one lab each for the groups."""
    dept = factories.DepartmentFactory(code="CE")
    parent = factories.BatchFactory(code="CE-3A", department=dept, size=60)
    g1 = factories.BatchFactory(code="CE-3A-1", department=dept, size=30, parent=parent)
    g2 = factories.BatchFactory(code="CE-3A-2", department=dept, size=30, parent=parent)
    theory = factories.SubjectFactory(
        code="CE301", department=dept, sessions_per_week=2, min_days=2
    )
    lab = factories.SubjectFactory(
        code="CE3L1",
        department=dept,
        kind="lab",
        sessions_per_week=1,
        periods_per_session=2,
        min_days=1,
        room_features="computers",
    )
    offerings = {
        "theory": factories.OfferingFactory(batch=parent, subject=theory),
        "lab1": factories.OfferingFactory(batch=g1, subject=lab),
        "lab2": factories.OfferingFactory(batch=g2, subject=lab),
    }
    return parent, g1, g2, offerings


# --- subgroups ------------------------------------------------------------------------------


def test_a_parents_class_occupies_its_subgroups_with_the_parents_size(grid):
    factories.RoomFactory()
    parent, g1, g2, offerings = _section_with_labs()
    _, gen = _build()
    theory = _class(gen, offerings["theory"])
    assert theory.batches == (parent.pk, g1.pk, g2.pk)
    assert theory.size == 60  # the section's students, not section + groups
    lab1 = _class(gen, offerings["lab1"])
    assert lab1.batches == (g1.pk,) and lab1.size == 30
    assert lab1.room_features == frozenset({"computers"})
    assert gen.issues == []


def test_siblings_share_a_time_and_never_meet_with_their_parent(grid):
    """Monday only, 2 + 2 periods: the section's two lectures and the groups' two-period
    labs fit only if the labs run in parallel and the lectures stay clear of them."""
    am.TimeSlot.objects.filter(day__gt=0).delete()
    factories.RoomFactory(code="LH1", kind="lecture")
    factories.RoomFactory(code="LAB1", kind="lab", features="computers")
    factories.RoomFactory(code="LAB2", kind="lab", features="computers")
    parent, g1, g2, offerings = _section_with_labs()
    am.Subject.objects.filter(code="CE301").update(min_days=1)
    job = generation.generation_job_create(user=None, time_limit_s=5, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    cells = {
        b: {
            (s.day, p)
            for s in job.slots.filter(batch=b)
            for p in range(s.period, s.period + s.length)
        }
        for b in (parent, g1, g2)
    }
    assert cells[g1] == cells[g2]  # siblings at the same time
    assert not cells[parent] & cells[g1]  # never with their parent
    assert job.slots.count() == 4  # the parent's lectures are saved once, for the parent


def test_a_scope_takes_the_subgroups_of_its_batches_and_they_inherit_the_shift(grid):
    factories.RoomFactory()
    evening = am.Shift.objects.create(code="EVE", name="Evening", periods="3-4")
    parent, g1, g2, _ = _section_with_labs()
    parent.shift = evening
    parent.save()
    job, gen = _build(batch="CE-3A")
    assert gen.batch_ids == {parent.pk, g1.pk, g2.pk}
    assert JobParams_notes(job) == ()  # its own subgroups are not "pulled in"
    batches = {b.id: b for b in gen.problem.batches}
    morning = frozenset((d, p) for d in range(5) for p in (0, 1))
    assert batches[parent.pk].unavailable == morning
    assert batches[g1.pk].unavailable == morning  # inherited
    assert gen.problem.names["shifts"] == {parent.pk: "EVE", g1.pk: "EVE", g2.pk: "EVE"}


def JobParams_notes(job):  # noqa: N802 - reads as what it returns
    return generation.JobParams.of(job).scope_notes


# --- baskets and students ----------------------------------------------------------------


def _final_year_with_basket():
    dept = factories.DepartmentFactory(code="CS")
    a = factories.BatchFactory(code="CS-7A", department=dept, size=40)
    b = factories.BatchFactory(code="CS-7B", department=dept, size=40)
    a1 = factories.BatchFactory(code="CS-7A-1", department=dept, size=20, parent=a)
    core = factories.OfferingFactory(
        batch=a, subject=factories.SubjectFactory(code="CS701", department=dept)
    )
    lab = factories.OfferingFactory(
        batch=a1,
        subject=factories.SubjectFactory(
            code="CS7L1",
            department=dept,
            kind="lab",
            sessions_per_week=1,
            periods_per_session=2,
            min_days=1,
        ),
    )
    ml = factories.SubjectFactory(
        code="CS741", department=dept, sessions_per_week=4, kind="lab", room_features="gpu"
    )
    nlp = factories.SubjectFactory(code="CS742", department=dept, sessions_per_week=4)
    iot = factories.SubjectFactory(code="CS743", department=dept, sessions_per_week=4)
    t_ml, t_nlp, t_iot = (factories.FacultyFactory(department=dept) for _ in range(3))
    basket, (o_ml, o_nlp, o_iot) = basket_with_options(
        code="CS-EL1",
        batches=[a, b],
        options=[(ml, t_ml), (nlp, t_nlp), (iot, t_iot)],
        sessions_per_week=3,
        periods_per_session=1,
        min_days=2,
    )
    in_a1, in_a, in_b = students(a1, 2), students(a, 2), students(b, 3)
    enrol(in_a1 + in_b[:1], o_ml)
    enrol(in_a + in_b[1:], o_nlp)
    return locals()


def test_each_basket_option_is_one_class_of_the_basket(grid):
    factories.RoomFactory()
    c = _final_year_with_basket()
    job, gen = _build()
    ml = _class(gen, c["o_ml"].offerings.first())
    assert gen.offerings_of[ml.id] == list(c["o_ml"].offerings.order_by("batch__code"))
    assert ml.basket == c["basket"].pk and ml.faculty == c["t_ml"].pk
    # sessions, length and spread from the basket; kind and features from the subject
    assert (ml.sessions_per_week, ml.periods_per_session, ml.min_days) == (3, 1, 2)
    assert ml.kind == opt.RoomKind.LAB and ml.room_features == frozenset({"gpu"})
    assert ml.size == 3  # the students enrolled in it
    assert ml.batches == (c["a"].pk, c["b"].pk, c["a1"].pk)
    assert gen.problem.names["baskets"] == {c["basket"].pk: "CS-EL1"}
    assert gen.problem.names["classes"][ml.id] == "CS741 (CS-EL1)"
    # a fixed session may name a lab group for its section's option
    am.FixedSession.objects.create(batch=c["a1"], subject=c["ml"], day=2, period=3)
    gen = generation.generation_problem_build(job=job)
    assert _class(gen, c["o_ml"].offerings.first()).pins == (
        opt.Pin(day=2, period=2, reason="fixed"),
    )
    # nobody chose IoT: the job cannot run and says why
    assert gen.issues == ["Nobody is enrolled in CS743 of basket CS-EL1."]


def test_a_student_attends_their_batch_its_parent_and_the_option_they_chose(grid):
    factories.RoomFactory()
    c = _final_year_with_basket()
    _, gen = _build()
    cid = {o: _class(gen, o).id for o in (c["core"], c["lab"])}
    ml = _class(gen, c["o_ml"].offerings.first()).id
    nlp = _class(gen, c["o_nlp"].offerings.first()).id
    loads = {s.id: set(s.classes) for s in gen.problem.students}
    assert len(loads) == 7
    assert loads[c["in_a1"][0].pk] == {cid[c["core"]], cid[c["lab"]], ml}
    assert loads[c["in_a"][0].pk] == {cid[c["core"]], nlp}
    assert loads[c["in_b"][0].pk] == {ml}
    assert gen.problem.names["students"][c["in_b"][0].pk] == c["in_b"][0].roll_number


def test_an_option_session_is_saved_once_per_batch_of_its_basket(grid):
    for k in range(3):
        factories.RoomFactory(code=f"LH{k}", capacity=60)
    factories.RoomFactory(code="GPU1", kind="lab", features="gpu")
    factories.RoomFactory(code="LAB1", kind="lab")
    c = _final_year_with_basket()
    c["o_iot"].delete()
    job = generation.generation_job_create(user=None, time_limit_s=3, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    for option in (c["o_ml"], c["o_nlp"]):
        slots = list(TimetableSlot.objects.filter(job=job, offering__basket_option=option))
        sessions = Counter((s.day, s.period) for s in slots)
        assert len(sessions) == 3 and set(sessions.values()) == {2}  # CS-7A and CS-7B
        assert {s.batch_id for s in slots} == {c["a"].pk, c["b"].pk}
        assert sum(s.primary for s in slots) == 3
    # ordinary classes as before: one slot per session of their own batch
    assert job.slots.filter(offering=c["core"]).count() == 3
    assert set(job.slots.filter(offering=c["lab"]).values_list("batch", flat=True)) == {c["a1"].pk}


# --- rooms, teachers, fixed sessions -------------------------------------------------------


def test_rooms_teachers_and_fixed_sessions_reach_the_problem(grid):
    lab_room = factories.RoomFactory(code="LAB1", kind="lab", features="computers;projector")
    am.RoomUnavailability.objects.create(room=lab_room, day=2, period=3)
    parent, g1, g2, offerings = _section_with_labs()
    teacher = offerings["theory"].faculty
    teacher.max_consecutive, teacher.max_gaps_per_day = 2, 1
    teacher.save()
    am.FacultyPreference.objects.create(faculty=teacher, day=0, period=1, preference="prefer")
    am.FacultyPreference.objects.create(faculty=teacher, day=4, period=4, preference="avoid")
    am.FixedSession.objects.create(
        batch=parent, subject=offerings["theory"].subject, day=1, period=2, room=lab_room
    )
    am.FixedSession.objects.create(batch=g2, subject=offerings["lab1"].subject, day=3, period=1)
    _, gen = _build()
    room = next(r for r in gen.problem.rooms if r.id == lab_room.pk)
    assert room.features == frozenset({"computers", "projector"})
    assert room.unavailable == frozenset({(2, 2)})
    fac = next(f for f in gen.problem.faculty if f.id == teacher.pk)
    assert (fac.max_consecutive, fac.max_gaps_per_day) == (2, 1)
    assert fac.prefer == frozenset({(0, 0)}) and fac.avoid == frozenset({(4, 3)})
    assert _class(gen, offerings["theory"]).pins == (
        opt.Pin(day=1, period=1, room=lab_room.pk, reason="fixed"),
    )
    assert _class(gen, offerings["lab2"]).pins == (opt.Pin(day=3, period=0, reason="fixed"),)
    assert _class(gen, offerings["lab1"]).pins == ()


def test_a_fixed_session_may_name_any_batch_of_a_combined_class(grid):
    factories.RoomFactory()
    inst = factories.small_institution(departments=1)
    common = next(o for o in inst["offerings"] if o.group and o.batch.code == "DEP1B2")
    am.FixedSession.objects.create(batch=common.batch, subject=common.subject, day=4, period=4)
    stray = factories.SubjectFactory(code="NOTTAUGHT")
    am.FixedSession.objects.create(batch=common.batch, subject=stray, day=0, period=1)
    _, gen = _build()
    cls = _class(gen, common)
    assert len(gen.offerings_of[cls.id]) == 2
    assert cls.pins == (opt.Pin(day=4, period=3, reason="fixed"),)
    assert gen.issues == [
        "The fixed session of NOTTAUGHT for DEP1B2 names a class that is not taught to that batch."
    ]


# --- scopes that pull in partner batches ---------------------------------------------------


def _evaluator_knows_pins() -> bool:
    """Whether the independent evaluator counts a pinned session held elsewhere."""
    problem = opt.Problem(
        grid=opt.TimeGrid(days=1, periods_per_day=2),
        rooms=(opt.Room(id=1, kind=opt.RoomKind.LECTURE, capacity=10),),
        faculty=(),
        batches=(opt.Batch(id=1, size=5),),
        classes=(
            opt.ClassSpec(
                id=1,
                kind=opt.RoomKind.LECTURE,
                faculty=None,
                batches=(1,),
                sessions_per_week=1,
                pins=(opt.Pin(day=0, period=1),),
            ),
        ),
    )
    return opt.evaluate(problem, [opt.Session(1, 0, 0, 1)]).hard_total > 0


def test_a_batch_scope_says_which_batches_it_pulls_in_and_keeps_their_other_classes(grid):
    inst = factories.small_institution(departments=1)
    b1, b2 = inst["batches"]
    whole = generation.generation_job_create(user=None, time_limit_s=3, enqueue=False)
    whole = generation.generation_job_run(job_id=whole.pk)
    assert whole.status == JobStatus.COMPLETED, whole.error
    generation.timetable_publish_direct(job_id=whole.pk, user=None)

    out = io.StringIO()
    call_command("generate_timetable", "--batch", b1.code, "--time-limit", "3", stdout=out)
    assert "scope batch DEP1B1 also takes DEP1B2 (combined class DEP1C1)" in out.getvalue()

    job = generation.generation_job_create(user=None, batch=b1.code, time_limit_s=3, enqueue=False)
    gen = generation.generation_problem_build(job=job)
    assert gen.scope_notes == ["scope batch DEP1B1 also takes DEP1B2 (combined class DEP1C1)"]
    published = {
        (s.offering_id, s.day, s.period - 1, s.room_id)
        for s in TimetableSlot.objects.filter(active=True)
    }
    for o in inst["offerings"]:
        cls = _class(gen, o)
        if o.batch == b2 and not o.group:  # B2's own classes stay where they are
            assert len(cls.pins) == o.subject.sessions_per_week
            assert {(o.pk, p.day, p.period, p.room) for p in cls.pins} <= published
        else:  # B1's classes and the tying combined class move
            assert cls.pins == ()


@pytest.mark.skipif(
    not _evaluator_knows_pins(), reason="the optimizer on this branch does not honour pins yet"
)
def test_a_pulled_in_batch_keeps_its_published_sessions(grid):
    inst = factories.small_institution(departments=1)
    b1, b2 = inst["batches"]
    whole = generation.generation_job_create(user=None, time_limit_s=3, enqueue=False)
    whole = generation.generation_job_run(job_id=whole.pk)
    generation.timetable_publish_direct(job_id=whole.pk, user=None)
    job = generation.generation_job_create(user=None, batch=b1.code, time_limit_s=3, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    kept = {
        (s.offering_id, s.day, s.period, s.room_id)
        for s in job.slots.filter(batch=b2, offering__group="")
    }
    assert kept == {
        (s.offering_id, s.day, s.period, s.room_id)
        for s in TimetableSlot.objects.filter(active=True, batch=b2, offering__group="")
    }


def test_a_basket_ties_its_batches_into_a_scope(grid):
    factories.RoomFactory()
    c = _final_year_with_basket()
    job, gen = _build(batch="CS-7B")
    assert gen.batch_ids == {c["a"].pk, c["b"].pk, c["a1"].pk}
    assert JobParams_notes(job) == ("scope batch CS-7B also takes CS-7A (elective basket CS-EL1)",)


def test_build_queries_stay_fixed_as_the_college_grows(grid):
    factories.RoomFactory()
    _final_year_with_basket()
    job = generation.generation_job_create(user=None, enqueue=False)
    with CaptureQueriesContext(connection) as few:
        generation.generation_problem_build(job=job)
    job.delete()
    dept = am.Department.objects.get(code="CS")
    for k in range(4):
        parent = factories.BatchFactory(department=dept, code=f"CS-5{k}")
        group = factories.BatchFactory(department=dept, code=f"CS-5{k}-1", parent=parent)
        factories.OfferingFactory(batch=parent)
        factories.OfferingFactory(batch=group)
        people = students(group, 3)
        _, options = basket_with_options(
            code=f"CS-EL5{k}",
            batches=[parent],
            options=[(factories.SubjectFactory(), factories.FacultyFactory()) for _ in range(2)],
        )
        enrol(people[:2], options[0])
        enrol(people[2:], options[1])
        am.FixedSession.objects.create(batch=parent, subject=options[0].subject, day=0, period=1)
        am.FacultyPreference.objects.create(
            faculty=options[1].faculty, day=1, period=1, preference="avoid"
        )
    job = generation.generation_job_create(user=None, enqueue=False)
    with CaptureQueriesContext(connection) as many:
        gen = generation.generation_problem_build(job=job)
    assert len(gen.problem.classes) >= 15 and len(gen.problem.students) >= 19
    assert len(many.captured_queries) == len(few.captured_queries) <= 16


def test_a_lab_group_alone_stays_clear_of_its_sections_published_lectures(grid):
    factories.RoomFactory(code="LH1")
    factories.RoomFactory(code="LAB1", kind="lab", features="computers")
    parent, g1, g2, offerings = _section_with_labs()
    whole = generation.generation_job_create(user=None, time_limit_s=3, enqueue=False)
    whole = generation.generation_job_run(job_id=whole.pk)
    assert whole.status == JobStatus.COMPLETED, whole.error
    generation.timetable_publish_direct(job_id=whole.pk, user=None)

    job, gen = _build(batch="CE-3A-1")
    assert gen.batch_ids == {g1.pk} and JobParams_notes(job) == ()
    lectures = [f for f in gen.problem.fixed if parent.pk in f.batches]
    assert len(lectures) == 2  # the section's two published lectures
    assert all(set(f.batches) == {parent.pk, g1.pk, g2.pk} for f in lectures)
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    section = _cells(TimetableSlot.objects.filter(active=True, batch=parent))
    assert not _cells(job.slots.filter(batch=g1)) & section
