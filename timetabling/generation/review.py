"""A timetable's review: the allowed moves, who may make them, and the audit trail.

A COMPLETED job's slots are a timetable; its ``review`` column says where that timetable
is: ``draft`` -> ``submitted`` -> ``approved`` (or ``rejected``, which may be submitted
again) -> ``published`` -> ``superseded`` (once a later publication leaves none of its
slots active). Variants of one request start as ``variant``; choosing one makes it the
draft and sets the others aside (``not_chosen``). ``MOVES`` is the whole table
(``docs/generation.md`` shows it; a test keeps the two equal).

Every move is one compare-and-set ``UPDATE ... WHERE review IN (<from>)`` through
:func:`sih28.statemachine.apply_move`, and writes a :class:`~timetabling.models.ReviewEvent`
(who, when, from, to, comment) in the same transaction, a log line and a Sentry
breadcrumb. Who may move:

- submit, choose: admin and staff (and the command line, ``user=None``);
- approve, reject: an approver for the timetable's scope (``User.is_approver`` with
  ``User.department`` = the scope's department, or with no department: the whole
  institution) or an admin; never the user who submitted it;
- publish: admin, staff or an approver for the scope, and only an approved timetable;
- publish_direct: an admin or the command line (``user=None``), from draft, submitted or
  approved, with a comment saying so ("published from the command line").
"""

from __future__ import annotations

import logging
from typing import Any

import sentry_sdk
from django.db import transaction

from sih28.errors import ApplicationError, ConflictError
from sih28.permissions import ADMIN, MANAGERS, role_of
from sih28.statemachine import Move, apply_move
from timetabling.generation.create import GenerationForbidden
from timetabling.generation.publish import timetable_slots_switch
from timetabling.models import GenerationJob, JobStatus, ReviewEvent, ReviewState

logger = logging.getLogger(__name__)

COMMAND_LINE_COMMENT = "published from the command line"

_V, _N, _D = ReviewState.VARIANT.value, ReviewState.NOT_CHOSEN.value, ReviewState.DRAFT.value
_S, _A, _J = ReviewState.SUBMITTED.value, ReviewState.APPROVED.value, ReviewState.REJECTED.value
_P, _X = ReviewState.PUBLISHED.value, ReviewState.SUPERSEDED.value
_APPROVER = "an approver for the scope (or an admin), not the submitter"

MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("choose", frozenset({_V}), _D, "only a variant not yet chosen can be chosen",
             guard="admin or staff"),
        Move("set_aside", frozenset({_V}), _N, "only a variant not yet chosen can be set aside",
             guard="a sibling variant was chosen"),
        Move("submit", frozenset({_D, _J}), _S, "only a draft or rejected timetable can be "
             "submitted", guard="admin or staff"),
        Move("approve", frozenset({_S}), _A, "only a submitted timetable can be approved",
             guard=_APPROVER),
        Move("reject", frozenset({_S}), _J, "only a submitted timetable can be rejected",
             guard=f"{_APPROVER}; a comment"),
        Move("publish", frozenset({_A}), _P, "only an approved timetable can be published",
             guard="admin, staff or an approver for the scope",
             writes="`published_at`, the active slots (and supersedes, in one transaction)"),
        Move("publish_direct", frozenset({_D, _S, _A}), _P,
             "only a draft, submitted or approved timetable can be published",
             guard="an admin or the command line; a comment",
             writes="`published_at`, the active slots (and supersedes, in one transaction)"),
        Move("supersede", frozenset({_P}), _X, "only a published timetable can be superseded",
             guard="none of its slots is active any more"),
    )
}  # fmt: skip


class ReviewForbidden(GenerationForbidden):
    """The user may not make this move (403)."""


def can_approve(user: Any, job: GenerationJob) -> bool:
    """An admin, or an approver whose department is the job's scope (none: everything)."""
    if role_of(user) == ADMIN:
        return True
    if not getattr(user, "is_approver", False) or not user.is_active:
        return False
    if user.department_id is None:
        return True
    scope_department = job.department_id or (job.batch.department_id if job.batch else None)
    return scope_department == user.department_id


def _check_manager(user: Any, what: str) -> None:
    """Admin and staff; ``None`` is the command line."""
    if user is not None and role_of(user) not in MANAGERS:
        raise ReviewForbidden(f"Only admin and staff can {what} a timetable.")


def _record(
    job: GenerationJob, name: str, current: str, user: Any, comment: str, **values: Any
) -> ReviewEvent:
    """The move (compare-and-set), its audit row, a log line and a breadcrumb; call inside a
    transaction that holds the job row."""
    move = MOVES[name]
    apply_move(
        GenerationJob,
        move,
        job.pk,
        label="Timetable of job",
        field="review",
        values=values,
    )
    who = user if getattr(user, "pk", None) else None
    event = ReviewEvent.objects.create(
        job_id=job.pk,
        move=name,
        from_state=current,
        to_state=move.target,
        user=who,
        comment=comment,
    )
    actor = f"user {who.pk}" if who else "the command line"
    logger.info("timetable review: job %s %s -> %s (%s) by %s", job.pk, current, move.target,
                name, actor)  # fmt: skip
    sentry_sdk.add_breadcrumb(
        category="timetable.review",
        message=f"job {job.pk}: {name} ({current} -> {move.target})",
        data={"job_id": job.pk, "move": name, "from": current, "to": move.target},
        level="info",
    )
    return event


def _locked(job_id: int) -> GenerationJob:
    """The job, its row locked for this transaction; only a completed job is reviewed."""
    job = (
        GenerationJob.objects.select_for_update(of=("self",)).select_related("batch").get(pk=job_id)
    )
    if job.status != JobStatus.COMPLETED:
        raise ConflictError(
            f"Job {job.pk} is {job.status}; only a completed job's timetable can be reviewed.",
            extra={"status": job.status},
        )
    return job


def _submitter_id(job_id: int) -> int | None:
    event = ReviewEvent.objects.filter(job_id=job_id, move="submit").order_by("-at", "-id").first()
    return event.user_id if event else None


@transaction.atomic
def timetable_submit(*, job_id: int, user: Any, comment: str = "") -> GenerationJob:
    """draft (or rejected) -> submitted, for an approver to decide."""
    _check_manager(user, "submit")
    job = _locked(job_id)
    _record(job, "submit", job.review, user, comment)
    return GenerationJob.objects.get(pk=job_id)


def _check_approver(user: Any, job: GenerationJob, what: str) -> None:
    if not can_approve(user, job):
        raise ReviewForbidden(
            f"Only an approver for {job.scope_label} (or an admin) can {what} this timetable."
        )
    if _submitter_id(job.pk) == getattr(user, "pk", None):
        raise ReviewForbidden(f"You submitted this timetable, so someone else must {what} it.")


@transaction.atomic
def timetable_approve(*, job_id: int, user: Any, comment: str = "") -> GenerationJob:
    """submitted -> approved, by an approver for the scope who did not submit it."""
    job = _locked(job_id)
    _check_approver(user, job, "approve")
    _record(job, "approve", job.review, user, comment)
    return GenerationJob.objects.get(pk=job_id)


@transaction.atomic
def timetable_reject(*, job_id: int, user: Any, comment: str) -> GenerationJob:
    """submitted -> rejected, with the reason; it may be submitted again."""
    if not comment.strip():
        raise ApplicationError("Say why the timetable is rejected (comment).")
    job = _locked(job_id)
    _check_approver(user, job, "reject")
    _record(job, "reject", job.review, user, comment)
    return GenerationJob.objects.get(pk=job_id)


def _publish(job: GenerationJob, move: str, user: Any, comment: str) -> GenerationJob:
    _record(job, move, job.review, user, comment)
    for other_id in timetable_slots_switch(job_id=job.pk):
        other = GenerationJob.objects.select_for_update().get(pk=other_id)
        if other.review == _P:
            _record(other, "supersede", _P, user, f"superseded by job {job.pk}")
    return GenerationJob.objects.get(pk=job.pk)


@transaction.atomic
def timetable_publish(*, job_id: int, user: Any, comment: str = "") -> GenerationJob:
    """approved -> published: its slots become the published timetable of its batches; a
    published timetable left with no active slot becomes superseded."""
    job = _locked(job_id)
    if role_of(user) not in MANAGERS and not can_approve(user, job):
        raise ReviewForbidden(
            f"Only admin, staff or an approver for {job.scope_label} can publish this timetable."
        )
    return _publish(job, "publish", user, comment)


@transaction.atomic
def timetable_publish_direct(
    *, job_id: int, user: Any, comment: str = COMMAND_LINE_COMMENT
) -> GenerationJob:
    """An admin's (or the command line's) publication without the approval steps, recorded
    as such: draft, submitted or approved -> published."""
    if user is not None and role_of(user) != ADMIN:
        raise ReviewForbidden("Only an admin can publish a timetable without its approval.")
    if not comment.strip():
        raise ApplicationError("Say why the timetable is published without approval (comment).")
    return _publish(_locked(job_id), "publish_direct", user, comment)


@transaction.atomic
def variant_choose(*, job_id: int, user: Any, comment: str = "") -> GenerationJob:
    """A completed variant becomes the draft that goes for review; its siblings still
    waiting to be chosen are set aside (they stay, as history)."""
    _check_manager(user, "choose")
    job = GenerationJob.objects.get(pk=job_id)
    if job.variant_group is None:
        raise ConflictError(f"Job {job.pk} is not one of several variants.")
    # lock the whole group in one order, so two choosers of one group queue up
    group = list(
        GenerationJob.objects.select_for_update()
        .filter(variant_group=job.variant_group)
        .order_by("pk")
    )
    job = _locked(job_id)
    _record(job, "choose", job.review, user, comment)
    for sibling in group:
        if sibling.pk != job.pk and sibling.review == _V:
            _record(sibling, "set_aside", _V, user, f"job {job.pk} was chosen")
    return GenerationJob.objects.get(pk=job_id)


def review_log(*, job_id: int) -> list[ReviewEvent]:
    """The job's review trail, oldest first."""
    return list(
        ReviewEvent.objects.filter(job_id=job_id).select_related("user").order_by("at", "id")
    )
