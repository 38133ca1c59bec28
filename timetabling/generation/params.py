"""What a job was asked to do, as one typed value stored in the job's ``params`` field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class JobParams:
    """``stay_close``: stay near the published timetable. ``batch_ids``: the scope's batches
    (None for jobs made before they were recorded). ``attempts``: runs started so far.
    ``seed``: the solver's random seed. ``scope_notes``: the batches the scope pulled in and
    through which class (``scope batch CE-3A also takes CE-3B (combined class MA301)``).
    ``weighting``: the named weighting of the soft penalties (``variants.WEIGHTINGS``; empty:
    the balanced one)."""

    stay_close: bool = False
    batch_ids: frozenset[int] | None = None
    attempts: int = 0
    seed: int = 0
    scope_notes: tuple[str, ...] = ()
    weighting: str = ""

    @classmethod
    def of(cls, job: Any) -> JobParams:
        data = job.params or {}
        ids = data.get("batch_ids")
        return cls(
            stay_close=bool(data.get("stay_close", False)),
            batch_ids=None if ids is None else frozenset(ids),
            attempts=int(data.get("attempts", 0)),
            seed=int(data.get("seed", 0)),
            scope_notes=tuple(str(n) for n in data.get("scope_notes") or ()),
            weighting=str(data.get("weighting", "")),
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stay_close": self.stay_close,
            "batch_ids": None if self.batch_ids is None else sorted(self.batch_ids),
            "attempts": self.attempts,
        }
        if self.seed:
            data["seed"] = self.seed
        if self.scope_notes:
            data["scope_notes"] = list(self.scope_notes)
        if self.weighting:
            data["weighting"] = self.weighting
        return data

    def next_attempt(self, batch_ids: set[int], scope_notes: Iterable[str] = ()) -> JobParams:
        return replace(
            self,
            batch_ids=frozenset(batch_ids),
            attempts=self.attempts + 1,
            scope_notes=tuple(scope_notes),
        )
