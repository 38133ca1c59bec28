"""The pre-commit hooks run exactly what ``make lint`` runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _make_lint_tools() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert recipe, "no lint target"
    lines = [line.strip() for line in recipe.group(1).splitlines()]
    return [re.sub(r"^(\$\(TEST_ENV\) )?\$\(VENV\)/bin/", "", line) for line in lines]


def _hook_tools() -> list[str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(hook["language"] == "system" for hook in hooks)
    return [hook["entry"].split(".venv/bin/", 1)[1] for hook in hooks]


def test_pre_commit_runs_what_make_lint_runs():
    tools = _make_lint_tools()
    assert "ruff format --check ." in tools
    assert _hook_tools() == tools
