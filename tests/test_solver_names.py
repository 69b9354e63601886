"""Solver names: readable (``x[offer,request,corridor,week]``, ``offer_stock[us-stinger]``) and
unique by construction; ids that differ only in punctuation plan on both solvers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.api import load_inputs, run_plan
from planner.cli import _register, app
from planner.model.names import escape_id, lp_name, parse_lp_name, solver_name

CASES = Path(__file__).resolve().parent / "data" / "solver-name-collision"
_register()
runner = CliRunner()


def test_readable_names_keep_ordinary_punctuation() -> None:
    """``-`` and ``/`` stay in the readable form; the structure characters are escaped."""
    assert solver_name("offer_stock", ["us-stinger"]) == "offer_stock[us-stinger]"
    assert solver_name("x", ["o1", "UA/0001", "road1", 3]) == "x[o1,UA/0001,road1,3]"
    # ',' '[' ']' '%' and space would make names ambiguous: %XX of their UTF-8 bytes.
    assert escape_id("a,b [c]%") == "a%2Cb%20%5Bc%5D%25"


@pytest.mark.parametrize(
    "ids",
    [
        (("UA/0001",), ("UA-0001",)),
        (("o-tent",), ("o_tent",)),
        (("a,b", "c"), ("a", "b,c")),
        (("a%2Db",), ("a-b",)),
        (("Київ",), ("Kyiv",)),
    ],
)
def test_names_that_used_to_collide_stay_apart(ids: tuple[tuple[str, ...], ...]) -> None:
    """Different ids give different readable and LP-file names, and the LP form reads back."""
    a, b = (solver_name("x", list(i)) for i in ids)
    assert a != b
    assert lp_name(a) != lp_name(b)
    for i in ids:
        family, back = parse_lp_name(lp_name(solver_name("x", list(i))))
        assert (family, tuple(back)) == ("x", i)


def test_lp_names_use_only_lp_file_characters() -> None:
    """LP files allow letters, digits and a few symbols: brackets become parentheses,
    '-' and '/' are escaped: offer_stock(us%2Dstinger)."""
    assert lp_name("offer_stock[us-stinger]") == "offer_stock(us%2Dstinger)"
    assert lp_name("x[o1,UA/0001,road1,3]") == "x(o1,UA%2F0001,road1,3)"


@pytest.mark.parametrize("variant", ["", "variantB"])
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_collision_case_plans_on_both_solvers(variant: str, solver: str) -> None:
    """Request ids UA/0001 and UA-0001 (and offers o-tent, o_tent in variant B): both solvers
    plan, with the same value, and the model names every column and row uniquely."""
    folder = CASES / variant
    inputs = load_inputs(folder / "req.xlsx", folder / "catalog", overrides={"solver": solver})
    res = run_plan(inputs)
    assert res.solution.status == "optimal"
    cols = res.model.col_names()
    rows = [n for b in res.model.blocks for n in b.row_names()]
    assert len(set(cols)) == len(cols) and len(set(rows)) == len(rows)
    assert len({lp_name(n) for n in cols}) == len(cols)
    highs = run_plan(load_inputs(folder / "req.xlsx", folder / "catalog"))
    assert res.solution.value == pytest.approx(highs.solution.value, rel=1e-9)


def test_write_lp_on_the_collision_case(tmp_path: Path) -> None:
    """`--write-lp` writes readable names, and HiGHS reads the file back with them."""
    import highspy

    lp = tmp_path / "model.lp"
    out = tmp_path / "plan.xlsx"
    r = runner.invoke(
        app,
        ["plan", str(CASES / "req.xlsx"), "--catalog", str(CASES / "catalog"),
         "--solver", "cbc", "--out", str(out), "--write-lp", str(lp)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = lp.read_text()
    assert "UA%2F0001" in text and "UA%2D0001" in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(lp)) == highspy.HighsStatus.kOk
    names = h.getLp().col_names_
    assert any(n.startswith("x(") and "UA%2F0001" in n for n in names)
    assert len(set(names)) == len(names)
