"""Pinned sessions: the office's pins on a draft become the optimizer's ``ClassSpec.pins``.

A session is pinned by pinning its slots (``TimetableSlot.pinned``; a combined class has a
slot per batch, all pinned together). When a scope is regenerated with stay-close, the
pinned sessions of the newest completed job of the same scope are held exactly where they
are (day, period and room); the new job's slots of those sessions are pinned again, so the
pins last through any number of regenerations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from timetabling import optimizer as opt
from timetabling.models import GenerationJob, JobStatus, TimetableSlot

REASON = "pinned"


def job_pins(*, job_id: int, class_of_offering: dict[int, int]) -> dict[int, tuple[opt.Pin, ...]]:
    """The pinned sessions of job ``job_id`` as pins per class id (one query)."""
    cells: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for offering_id, day, period, room_id in TimetableSlot.objects.filter(
        job_id=job_id, pinned=True
    ).values_list("offering_id", "day", "period", "room_id"):
        cid = class_of_offering.get(offering_id)
        if cid is not None:
            cells[cid][(day, period - 1)] = room_id
    return {
        cid: tuple(
            opt.Pin(day=d, period=p, room=r, reason=REASON) for (d, p), r in sorted(c.items())
        )
        for cid, c in cells.items()
    }


def pins_source(job: GenerationJob) -> int | None:
    """The newest completed job of ``job``'s scope (not ``job``) with a pinned slot."""
    same_scope = GenerationJob.objects.filter(
        status=JobStatus.COMPLETED, semester=job.semester, slots__pinned=True
    )
    # None matches only None (``department_id=None`` would be refused by the type checker)
    for field in ("department_id", "batch_id"):
        value = getattr(job, field)
        same_scope = same_scope.filter(
            **{f"{field}__isnull": True} if value is None else {field: value}
        )
    return (
        same_scope.exclude(pk=job.pk)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def with_pins(
    classes: Iterable[opt.ClassSpec],
    pins: dict[int, tuple[opt.Pin, ...]],
) -> list[opt.ClassSpec]:
    """``classes`` with ``pins`` added (never more pins than a class has sessions, never a
    second pin where the class is pinned already)."""
    out = []
    for c in classes:
        held = {(p.day, p.period) for p in c.pins}  # a fixed session is pinned already
        extra = tuple(p for p in pins.get(c.id, ()) if (p.day, p.period) not in held)
        if extra:
            keep = max(0, c.sessions_per_week - len(c.pins))
            c = replace(c, pins=c.pins + extra[:keep])
        out.append(c)
    return out


def regeneration_pins(
    *,
    job: GenerationJob,
    classes: list[opt.ClassSpec],
    class_of_offering: dict[int, int],
    stay_close: bool,
) -> list[opt.ClassSpec]:
    """The builder's classes with the scope's pins when ``job`` stays close, else as they are."""
    if not stay_close:
        return classes
    source = pins_source(job)
    if source is None:
        return classes
    return with_pins(classes, job_pins(job_id=source, class_of_offering=class_of_offering))


def pinned_cells(problem: opt.Problem) -> set[tuple[int, int, int]]:
    """(class id, day, period) of every session the office pinned, for saving slots."""
    return {
        (c.id, pin.day, pin.period)
        for c in problem.classes
        for pin in c.pins
        if pin.reason == REASON
    }
