"""The project's published OpenAPI schema, loaded by schemathesis through the WSGI app.

``SCHEMA["/api/path/"]["GET"].Case(...)`` makes one request in-process and
``case.call_and_validate()`` checks the answer against the schema; ``tests/test_schema_fuzz.py``
generates the requests instead.
"""

from __future__ import annotations

import schemathesis
from schemathesis.config import SchemathesisConfig

from sih28.wsgi import application
from timetabling.generation import JobMetrics, PenaltyCount

#: Seed of the fuzz run and its examples per operation and phase (raise it locally for a
#: deeper search: the run grows in proportion).
SEED = 25
MAX_EXAMPLES = 5

#: A schema-valid request may still name a record that does not exist or break a rule of
#: the domain that a schema cannot express ("no offerings in this scope"): 400 then.
VALID_BUT_REFUSED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "checks": {"positive_data_acceptance": {"expected-statuses": VALID_BUT_REFUSED}},
    }
)

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def sample_metrics() -> dict:
    """A completed job's metrics as a run writes them, with every nullable value null."""
    return JobMetrics(
        status="FEASIBLE",
        hard_violations=0,
        hard_by_kind={},
        penalties={"isolated_periods": PenaltyCount(count=2, weight=3)},
        soft_penalty=6,
        objective=None,
        bound=None,
        variables=10,
        constraints=20,
        solve_time_s=0.5,
        time_to_first_feasible_s=None,
        classes=1,
        sessions=3,
        slots=3,
        fixed_sessions=0,
        stay_close=False,
        moved=None,
        previous_sessions=0,
        build_time_s=0.1,
        save_time_s=0.1,
    ).as_json()
