"""`aidplan plan` and `aidplan catalog` as a user runs them: exit codes, messages, files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from planner.cli import _register, app
from tests.factories import old_plan_bytes

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "catalogs" / "default"
DEMO_REQUESTS = ROOT / "requests" / "demo.xlsx"

_register()
runner = CliRunner()


def summary_figures(wb: openpyxl.Workbook) -> dict[str, object]:
    """The Summary's figure -> value pairs (the table under the headline sentence)."""
    rows = list(wb["Summary"].iter_rows(values_only=True))
    top = [r[0] for r in rows].index("Figure")
    return {r[0]: r[1] for r in rows[top + 1 :] if r[0] is not None}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_demo_plan_writes_all_sheets(in_tmp: Path) -> None:
    result = runner.invoke(app, ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG)])
    assert result.exit_code == 0, result.output
    out = in_tmp / "outputs" / "plan-demo.xlsx"
    assert out.is_file()
    wb = openpyxl.load_workbook(out, read_only=True)
    for sheet in ("Summary", "Allocations", "Requests", "Donors", "Corridors", "Inputs"):
        assert sheet in wb.sheetnames
    summary = summary_figures(wb)
    assert isinstance(summary["Fulfilment score"], float)
    assert 0 < summary["Fulfilment score"] <= 1
    assert summary["Solver status"] == "optimal"
    # every number a number cell
    header = [c for c in next(wb["Allocations"].iter_rows(max_row=1, values_only=True))]
    first = next(wb["Allocations"].iter_rows(min_row=2, max_row=2, values_only=True))
    row = dict(zip(header, first, strict=True))
    for col in ("Quantity (units)", "Cost (EUR)", "Weight (t)", "Dispatch week", "Arrival week"):
        assert isinstance(row[col], int | float), col
    assert "fulfilment score" in result.output


def test_json_output_matches_workbook(in_tmp: Path) -> None:
    result = runner.invoke(
        app,
        ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG), "--json", "--out", "p.xlsx"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds only the JSON; the summary goes to stderr
    assert set(data) >= {"summary", "allocations", "requests", "donors", "corridors", "inputs"}
    wb = openpyxl.load_workbook(in_tmp / "p.xlsx", read_only=True)
    rows = sum(1 for _ in wb["Allocations"].iter_rows(min_row=2))
    assert len(data["allocations"]) == rows > 0
    assert data["summary"]["status"] == "optimal"


@pytest.mark.slow
def test_cbc_gives_the_same_value(in_tmp: Path) -> None:
    values = []
    for solver in ("highs", "cbc"):
        r = runner.invoke(
            app,
            [
                "plan",
                str(DEMO_REQUESTS),
                "--catalog",
                str(DEMO_CATALOG),
                "--solver",
                solver,
                "--out",
                f"{solver}.xlsx",
            ],
        )
        assert r.exit_code == 0, r.output
        wb = openpyxl.load_workbook(in_tmp / f"{solver}.xlsx", read_only=True)
        values.append(summary_figures(wb)["Value"])
    assert values[0] == pytest.approx(values[1], rel=1e-4)


def test_bad_solver_is_exit_2() -> None:
    r = runner.invoke(app, ["plan", str(DEMO_REQUESTS), "--solver", "gurobi"])
    assert r.exit_code == 2
    assert "expected highs or cbc" in r.output


def test_invalid_catalog_is_exit_2_and_writes_nothing(in_tmp: Path) -> None:
    bad = in_tmp / "cat"
    shutil.copytree(DEMO_CATALOG, bad)
    offers = (bad / "offers.csv").read_text(encoding="utf-8").splitlines()
    cols = offers[0].split(",")
    fields = offers[1].split(",")
    fields[cols.index("quantity")] = "ten"
    fields[cols.index("donor_id")] = "atlantis"
    offers[1] = ",".join(fields)
    (bad / "offers.csv").write_text("\n".join(offers) + "\n", encoding="utf-8")
    existing = in_tmp / "keep.xlsx"
    precious = old_plan_bytes("precious")
    existing.write_bytes(precious)
    r = runner.invoke(
        app, ["plan", str(DEMO_REQUESTS), "--catalog", str(bad), "--out", str(existing)]
    )
    assert r.exit_code == 2
    assert "offers.csv › row 2 › quantity" in r.output
    assert "unknown donor 'atlantis'" in r.output
    assert "Traceback" not in r.output
    assert existing.read_bytes() == precious


def test_existing_plan_replaced_atomically(in_tmp: Path) -> None:
    target = in_tmp / "plan.xlsx"
    target.write_bytes(old_plan_bytes())
    r = runner.invoke(
        app, ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG), "--out", str(target)]
    )
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(target, read_only=True).sheetnames[0] == "Summary"
    assert not list(in_tmp.glob(".plan.xlsx.*"))  # no temporary file left behind


def test_catalog_command() -> None:
    r = runner.invoke(app, ["catalog", "--catalog", str(DEMO_CATALOG)])
    assert r.exit_code == 0, r.output
    assert "valid" in r.output


def test_formula_like_text_stays_text(in_tmp: Path) -> None:
    """A donor named '=HYPERLINK(...)' reaches the Donors sheet as text, never as a formula."""
    cat = in_tmp / "cat"
    shutil.copytree(DEMO_CATALOG, cat)
    donors = (cat / "donors.csv").read_text(encoding="utf-8").splitlines()
    cols = donors[0].split(",")
    fields = donors[1].split(",")
    fields[cols.index("name")] = '=HYPERLINK("http://x";"click")'
    donors[1] = ",".join(f'"{f}"' if "HYPERLINK" in f else f for f in fields).replace(
        '"=HYPERLINK("http://x";"click")"', '"=HYPERLINK(""http://x"";""click"")"'
    )
    (cat / "donors.csv").write_text("\n".join(donors) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["plan", str(DEMO_REQUESTS), "--catalog", str(cat), "--out", "f.xlsx"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(in_tmp / "f.xlsx")  # not read-only: data_type is reliable
    names = [c for c in wb["Donors"]["B"][1:]]
    hit = [c for c in names if str(c.value).startswith("=HYPERLINK")]
    assert hit and all(c.data_type == "s" for c in hit)


def test_written_plan_is_readable_by_others(in_tmp: Path) -> None:
    """The atomic write must not leave the plan private (mkstemp's 0600)."""
    import os

    old = os.umask(0o022)
    try:
        r = runner.invoke(app, ["plan", str(DEMO_REQUESTS), "--out", "m.xlsx"])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert (in_tmp / "m.xlsx").stat().st_mode & 0o777 == 0o644


def test_version_and_help() -> None:
    from planner import __version__

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"aidplan {__version__}"
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    assert "--debug" in r.output and "--version" in r.output
    assert "<bool>" not in r.output
    commands = r.output.split("Commands:")[1]
    assert "every problem if invalid)." in " ".join(
        commands.split()
    )  # not cut short (click: "...")
    r = runner.invoke(app, ["plan", "--help"])
    assert r.exit_code == 0 and "--json" in r.output and "<bool>" not in r.output


def test_python_m_planner_cli_runs_the_command_line() -> None:
    """`python -m planner.cli …` (how `-X importtime` measures a plan run, issue 17) runs the
    command line: before, it imported the module and exited 0 with no output."""
    import subprocess
    import sys

    from planner import __version__

    r = subprocess.run(
        [sys.executable, "-m", "planner.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and r.stdout.strip() == f"aidplan {__version__}"


def test_default_out_names_the_scenario() -> None:
    from planner.commands.plan import default_out

    assert default_out(Path("x/spring.xlsx")) == Path("outputs/plan-spring.xlsx")
    assert default_out(None, "rail cut") == Path("outputs/plan-demo-rail_cut.xlsx")
    # path separators, dots and other characters never leave the outputs folder
    assert default_out(Path("a b.xlsx"), "../../etc/x: ×0.5") == Path(
        "outputs/plan-a_b-etc_x_x0.5.xlsx"
    )
    assert default_out(Path("r.xlsx"), "///") == Path("outputs/plan-r-plan.xlsx")


def test_scenario_plan_does_not_overwrite_the_base_plan(in_tmp: Path) -> None:
    """`plan --scenario` without --out writes plan-<requests>-<scenario>.xlsx."""
    scen = in_tmp / "cut.toml"
    scen.write_text('name = "budget cut"\nbudget_scale = 0.75\n', encoding="utf-8")
    base = runner.invoke(app, ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG)])
    assert base.exit_code == 0, base.output
    r = runner.invoke(
        app, ["plan", str(DEMO_REQUESTS), "--catalog", str(DEMO_CATALOG), "--scenario", str(scen)]
    )
    assert r.exit_code == 0, r.output
    out = in_tmp / "outputs" / "plan-demo-budget_cut.xlsx"
    assert out.is_file() and (in_tmp / "outputs" / "plan-demo.xlsx").is_file()
    assert summary_figures(openpyxl.load_workbook(out))["Scenario"] == "budget cut"


BLAS_PROBE = (
    "import os, planner.cli, numpy; "
    "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_command_line_runs_numpy_with_one_blas_thread() -> None:
    """planner.cli sets OPENBLAS_NUM_THREADS=1 before NumPy starts its thread pool
    (docs/decisions/0012): the process then has one thread, where the default pool would add
    one per further core. A value the user set is kept."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "2"
    kept = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert kept[0] == "2"
    if (os.cpu_count() or 1) > 1:
        assert int(kept[1]) == 2  # the pool the user asked for: the probe counts right


def test_gap_text_keeps_the_digit_that_mip_gap_decides() -> None:
    """mip_gap is 0.01 %: a gap of 0.0136 % must read 0.0136 % (not 0.01 %, which looks like
    it meets it), and 0.01049 % must not round to 0.010 %; gaps from 0.1 % on keep two
    decimals; no bound prints as a dash."""
    from planner.cli_common import gap_text

    assert gap_text(0.000136) == "0.0136%"
    assert gap_text(0.0000352) == "0.00352%"
    assert gap_text(0.0001049) == "0.0105%"
    assert gap_text(0.0025) == "0.25%"
    assert gap_text(0.0) == "0.00%"
    assert gap_text(float("nan")) == "–"
