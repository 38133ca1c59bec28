"""Comparing variants in a real browser: ask for two, watch them finish, compare them side
by side, open one's grids, choose it and send it for review."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connections

from imports.services import institution_import
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.test_office_day import NEEDS_POSTGRES
from tests.tiny_institution import TINY
from timetabling.models import GenerationJob

pytestmark = [pytest.mark.django_db(transaction=True), NEEDS_POSTGRES]


def test_compare_two_variants_and_choose_one(page, shot, jobs_in_process):
    files = {}
    for kind, text in TINY.items():
        files[kind] = io.BytesIO(text.encode())
        files[kind].name = f"{kind}.csv"
    institution_import(files=files)
    factories.UserFactory(username="office1", role="staff")
    sign_in(page, "office1")
    page.goto("/office/generate/")
    page.get_by_label("Department").select_option("CSE")
    page.get_by_label("Time limit (seconds)").fill("5")
    page.get_by_label("Variants").fill("2")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r".*/office/jobs/\d+/$"))
    page.locator(".job-state", has_text="COMPLETED").wait_for(timeout=120_000)
    jobs = list(GenerationJob.objects.order_by("pk"))
    assert len(jobs) == 2
    page.get_by_role("link", name="Compare the variants").click()
    table = page.locator("#variants")
    table.locator("tr", has_text="COMPLETED").nth(1).wait_for(timeout=120_000)
    page.reload()
    rows = page.locator("#variants tr")
    assert rows.count() == 3, "a header and one row per variant"
    assert "jobs" in page.locator("text=sessions (").first.inner_text()
    shot(page, "variants-compared")
    second = jobs[1]
    page.get_by_role("link", name=re.compile(r"^Grids of variant")).nth(1).click()
    assert f"job={second.pk}" in page.url
    page.goto(f"/timetable/job/{second.pk}/review/")
    page.get_by_role("button", name="Choose").click()
    assert "Draft" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Submit").click()
    assert "Submitted" in page.get_by_role("heading", level=1).inner_text()
    shot(page, "variant-chosen-and-submitted")
    connections.close_all()
