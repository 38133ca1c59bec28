"""Variants: several complete timetables for one request, made by named weightings.

A request for K variants (``variants`` in the POST body, ``generate_timetable --variants
K``) creates K sibling jobs sharing one ``variant_group``; each is an ordinary job with its
own Celery task (so several workers solve them in parallel), its own ``variant_label`` and
its own weighting of the soft penalties and seed:

1. ``balanced``: today's weights;
2. ``compact``: compact days for students (idle periods and isolated lectures cost 4);
3. ``teachers``: teachers' preferences first (prefer 4, avoid 8, teachers' gaps 4);
4. ``rooms``: fewest room changes (a room change costs 6);
5. ``balanced-2``: today's weights with another seed.

The weightings, not a diversity term, make them differ: the optimizer is not asked to stay
away from the other variants (they run at the same time, so none is known yet).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from timetabling import optimizer as opt

MAX_VARIANTS = 5


@dataclass(frozen=True)
class Weighting:
    label: str
    title: str
    changes: tuple[tuple[str, int], ...]  # (Weights field, weight) over today's weights
    seed: int


WEIGHTINGS: tuple[Weighting, ...] = (
    Weighting("balanced", "Balanced (today's weights)", (), 0),
    Weighting(
        "compact",
        "Compact days for students",
        (("idle_gap", 4), ("isolated", 4)),
        1,
    ),
    Weighting(
        "teachers",
        "Teachers' preferences first",
        (("faculty_prefer", 4), ("faculty_avoid", 8), ("faculty_gap", 4)),
        2,
    ),
    Weighting("rooms", "Fewest room changes", (("room_change", 6),), 3),
    Weighting("balanced-2", "Balanced, another seed", (), 4),
)
BY_LABEL = {w.label: w for w in WEIGHTINGS}


def variant_weights(label: str, base: opt.Weights) -> opt.Weights:
    """``base`` with the named weighting's changes (an empty or unknown label: ``base``)."""
    weighting = BY_LABEL.get(label)
    if weighting is None:
        return base
    return dataclasses.replace(base, **dict(weighting.changes))


def variant_title(label: str) -> str:
    weighting = BY_LABEL.get(label)
    return weighting.title if weighting else label
