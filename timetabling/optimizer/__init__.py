"""Pure-Python timetable optimizer: a :class:`Problem` in, a :class:`Result` out.

Only the standard library and OR-Tools are imported here; nothing from Django or the rest of
the project.
"""

from .anneal import warm_up
from .evaluate import Evaluation, MovedCounts, TeacherPenalties, evaluate, moved_counts
from .model import (
    Batch,
    ClassSpec,
    Faculty,
    FixedSession,
    Penalty,
    Pin,
    Problem,
    Progress,
    Remedy,
    Result,
    Room,
    RoomKind,
    Session,
    Slot,
    SolveOptions,
    Stats,
    Status,
    StudentLoad,
    TimeGrid,
    Weights,
)
from .solver import solve

__all__ = [
    "Batch",
    "ClassSpec",
    "Evaluation",
    "Faculty",
    "FixedSession",
    "MovedCounts",
    "Penalty",
    "Pin",
    "Problem",
    "Progress",
    "Remedy",
    "Result",
    "Room",
    "RoomKind",
    "Session",
    "Slot",
    "SolveOptions",
    "Stats",
    "TeacherPenalties",
    "Status",
    "StudentLoad",
    "TimeGrid",
    "Weights",
    "evaluate",
    "moved_counts",
    "solve",
    "warm_up",
]
