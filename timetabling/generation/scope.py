"""Which batches a job's scope covers."""

from __future__ import annotations

from collections import defaultdict

from academics.models import Batch, Offering


def scope_batch_ids(
    *, semester: int | None, department_id: int | None, batch_id: int | None
) -> set[int]:
    """The batches a scope covers, plus every partner batch of their combined classes.

    A combined class is generated as a whole, so its batches join the scope together.
    Two queries whatever the size of the institution.
    """
    qs = Batch.objects.all()
    if semester:
        qs = qs.filter(semester=semester)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if batch_id:
        qs = qs.filter(pk=batch_id)
    ids = set(qs.values_list("pk", flat=True))
    if not (semester or department_id or batch_id):
        return ids
    groups: dict[tuple[str, int, int], set[int]] = defaultdict(set)
    for group, subject_id, faculty_id, b in Offering.objects.exclude(group="").values_list(
        "group", "subject_id", "faculty_id", "batch_id"
    ):
        groups[(group, subject_id, faculty_id)].add(b)
    changed = True
    while changed:
        changed = False
        for members in groups.values():
            if members & ids and not members <= ids:
                ids |= members
                changed = True
    return ids
