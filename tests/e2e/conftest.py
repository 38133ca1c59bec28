"""Fixtures for the end-to-end drills: real Celery workers (see ``tests/services.py``)."""

from tests.services import celery_worker, celery_workers  # noqa: F401 - fixtures
