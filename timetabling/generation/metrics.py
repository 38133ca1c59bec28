"""What a completed run measured, as one typed value.

``JobMetrics`` is written once, by the run, into the job's ``metrics`` JSON field
(:meth:`JobMetrics.as_json`) and read back with :meth:`JobMetrics.of` by everything that
shows it: the ``generate_timetable`` command, the API serializer
(``timetabling.serializers.JobMetricsSerializer``) and the timetable pages. The JSON shape
is the one the API has always returned.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PenaltyCount:
    """One named soft penalty: how often it occurs and what each occurrence costs."""

    count: int
    weight: int

    @property
    def cost(self) -> int:
        return self.count * self.weight


@dataclass(frozen=True)
class TeacherPenaltyCount:
    """One teacher's unmet preferences in a timetable: idle periods beyond their daily
    allowance (``gap``), periods taught in an avoided period (``avoid``) and outside their
    preferred periods (``prefer``)."""

    employee_id: str
    gap: int
    avoid: int
    prefer: int

    @property
    def total(self) -> int:
        return self.gap + self.avoid + self.prefer


#: teachers listed in ``JobMetrics.teachers`` at most (those with the most unmet preferences)
TEACHERS_LISTED = 50


@dataclass(frozen=True)
class JobMetrics:
    """The result of a completed job, checked by the independent evaluator."""

    status: str  # the solver's status: OPTIMAL or FEASIBLE
    hard_violations: int
    hard_by_kind: dict[str, int]
    penalties: dict[str, PenaltyCount]
    soft_penalty: int
    objective: float | None
    bound: float | None
    variables: int
    constraints: int
    solve_time_s: float
    time_to_first_feasible_s: float | None
    classes: int
    sessions: int
    slots: int
    fixed_sessions: int
    stay_close: bool
    # published sessions not kept at their day, period and room (None: none were published)
    moved: int | None
    previous_sessions: int
    build_time_s: float
    save_time_s: float
    # ``moved`` split: sessions moved to another day or period, and kept there but moved to
    # another room (None: none were published, or the job predates the split)
    moved_in_time: int | None = None
    moved_room_only: int | None = None
    # teachers with unmet preferences, most first (at most TEACHERS_LISTED)
    teachers: list[TeacherPenaltyCount] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobMetrics:
        # fields added later have defaults: metrics of older jobs lack them
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["penalties"] = {
            name: PenaltyCount(count=p["count"], weight=p["weight"])
            for name, p in (data["penalties"] or {}).items()
        }
        values["teachers"] = [
            TeacherPenaltyCount(
                employee_id=t["employee_id"], gap=t["gap"], avoid=t["avoid"], prefer=t["prefer"]
            )
            for t in data.get("teachers") or []
        ]
        return cls(**values)

    @classmethod
    def of(cls, job: Any) -> JobMetrics | None:
        """The metrics of ``job`` (a GenerationJob), or None before it completed."""
        return cls.from_json(job.metrics) if job.metrics else None
