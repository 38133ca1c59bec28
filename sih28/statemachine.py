"""Compare-and-set state machines on a model's status column.

A state machine is a table of named :class:`Move` s (from which states, to which state,
why a refused move is refused) and one function per move in the module that owns the
machine. Every function goes through :func:`apply_move`, which issues one
``UPDATE ... SET status = <to> WHERE pk = <id> AND status IN (<from>) [AND <guard>]``.
The database decides: of two callers that move the same row from the same (possibly stale)
reading, exactly one updates a row and the other is refused with :class:`TransitionRefused`,
which names the move and the state the row is really in. A refusal is never silent.

Why not a library: django-fsm-2's ``@transition`` changes the field on the in-memory
instance and ``ConcurrentTransitionMixin`` then saves the instance filtered on the state it
was *loaded* with (``status = <loaded>``), not on the move's set of sources, and cannot add
the lease guards a job needs (``started_at``, ``heartbeat_at``, ``cancel_requested``);
saving the instance would also write back every other column it loaded (progress,
heartbeat) over concurrent writes. viewflow's ``fsm`` works the same way, on an instance.
One ``UPDATE`` per move, built here in a few lines, does all of it.

A machine that must keep an audit record (who moved what, when) writes it in the same
transaction as the move, in its own move functions, after :func:`apply_move` succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from sih28.errors import ConflictError, NotFoundError


@dataclass(frozen=True)
class Move:
    """One allowed move: ``name`` from any of ``sources`` to ``target``.

    ``refusal`` completes "<thing> <id> is <state>; ..." when the row is in another state,
    e.g. "only a completed job can be published". ``guard`` says in words what else must
    hold and ``writes`` what else the move records (documentation for the table; the move
    function passes the actual condition and values).
    """

    name: str
    sources: frozenset[str]
    target: str
    refusal: str
    guard: str = ""
    writes: str = ""


class TransitionRefused(ConflictError):
    """A move found its row in another state (or its guard no longer held): 409.

    ``current`` is the state the row is in now; when it is one of the move's sources, the
    guard failed (the lease was taken over, a cancel was requested, ...).
    """

    def __init__(self, move: Move, *, label: str, pk: Any, current: str) -> None:
        self.move = move
        self.pk = pk
        self.current = current
        super().__init__(
            f"{label} {pk} is {current}; {move.refusal}.",
            extra={"move": move.name, "status": current},
        )

    @property
    def guard_failed(self) -> bool:
        return self.current in self.move.sources


def moves_table(moves: Mapping[str, Move]) -> str:
    """The moves as a Markdown table (for the documentation; a test keeps the two equal)."""
    lines = ["| move | from | to | only if | also writes |", "|---|---|---|---|---|"]
    for move in moves.values():
        sources = ", ".join(sorted(move.sources))
        lines.append(
            f"| `{move.name}` | {sources} | {move.target} | {move.guard or '-'} "
            f"| {move.writes or '-'} |"
        )
    return "\n".join(lines)


def apply_move(
    model: type[models.Model],
    move: Move,
    pk: Any,
    *,
    label: str,
    guard: Mapping[str, Any] | None = None,
    field: str = "status",
    values: Mapping[str, Any] | None = None,
) -> None:
    """Move row ``pk`` of ``model`` by ``move`` in one compare-and-set ``UPDATE``.

    ``guard`` adds lookups the row must match too; ``values`` are written with the new
    state. Raises :class:`TransitionRefused` (the row is elsewhere) or ``NotFoundError``.
    """
    manager = model._default_manager
    updated = manager.filter(
        pk=pk, **{f"{field}__in": sorted(move.sources)}, **(guard or {})
    ).update(**{field: move.target}, **(values or {}))
    if updated:
        return
    current = manager.filter(pk=pk).values_list(field, flat=True).first()
    if current is None:
        raise NotFoundError(f"{label} {pk} does not exist.")
    raise TransitionRefused(move, label=label, pk=pk, current=str(current))
