"""Shared fixtures: the bundled demo plan is solved once per test session; the `slow` marker.

`pytest` alone skips tests marked ``@pytest.mark.slow`` (pyproject.toml ``addopts``);
``.ci/run`` runs them all (``-m "slow or not slow"``).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILES = {
    ROOT / "requests" / "demo.xlsx",
    *(ROOT / "catalogs" / "default").iterdir(),
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _demo_key(inputs: Any) -> tuple[Any, ...] | None:
    """A key for the bundled demo's inputs (None for any other input: those always solve)."""
    files = [Path(p).resolve() for _, p in inputs.files]
    demo = {p.resolve() for p in DEMO_FILES}
    if not files or not all(p in demo for p in files) or inputs.scenario is not None:
        return None
    return (
        tuple((role, str(p), _sha(Path(p))) for role, p in inputs.files),
        inputs.settings.model_dump_json(),
    )


@pytest.fixture(scope="session", autouse=True)
def demo_plan_once() -> Iterator[dict[tuple[Any, ...], Any]]:
    """`planner.api.run_plan` memoised for the bundled demo (same files, same settings): the
    CLI tests that plan the demo share one solve; each gets its own deep copy of the result."""
    import planner.api as api

    real = api.run_plan
    cache: dict[tuple[Any, ...], Any] = {}

    def run_plan(inputs: Any) -> Any:
        key = _demo_key(inputs)
        if key is None:
            return real(inputs)
        if key not in cache:
            cache[key] = real(inputs)
        return copy.deepcopy(cache[key])

    api.run_plan = run_plan  # type: ignore[assignment]
    try:
        yield cache
    finally:
        api.run_plan = real  # type: ignore[assignment]
