"""Teacher leave and substitution: proposals for the sessions a leave touches, and the
date-specific overrides staff accept (the weekly timetable is never rewritten)."""

from timetabling.leave.proposals import Calendar, Candidate, Gap, MoveOption, Session
from timetabling.leave.services import (
    LeaveForbidden,
    faculty_leave_create,
    leave_gaps,
    session_override_accept,
    uncovered_gaps,
)

__all__ = [
    "Calendar",
    "Candidate",
    "Gap",
    "LeaveForbidden",
    "MoveOption",
    "Session",
    "faculty_leave_create",
    "leave_gaps",
    "session_override_accept",
    "uncovered_gaps",
]
