"""`aidplan validate` and `aidplan template` as a user runs them: exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from planner.commands import template as template_cmd
from planner.commands import validate as validate_cmd
from tests.fixtures_requests import BAD, GOOD, write_test_catalog

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def make_app() -> typer.Typer:
    """An app with just these two commands (the real one registers every command once)."""
    app = typer.Typer(add_completion=False)

    @app.callback()
    def main() -> None:
        """aidplan (test)"""

    validate_cmd.register(app)
    template_cmd.register(app)
    return app


APP = make_app()


@pytest.fixture
def cat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_test_catalog(tmp_path / "catalog")


def test_validate_good_workbook_prints_a_summary(cat: Path) -> None:
    result = runner.invoke(
        APP, ["validate", str(GOOD / "messy-layout.xlsx"), "--catalog", str(cat)]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "valid, 7 request line(s)" in out
    assert "sheet 'Requests': 5 line(s), rows 5–10" in out
    assert "sheet 'Humanitarian': 2 line(s)" in out
    assert "ignored (no header with item and quantity): 'Notes'" in out
    assert "priorities: 2 critical, 2 high, 2 medium, 1 low" in out
    assert "8 warning(s):" in out
    assert "[total-row]" in out


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.iterdir()))
def test_validate_bad_file_exits_2_with_the_problem(name: str, cat: Path) -> None:
    result = runner.invoke(APP, ["validate", str(BAD / name), "--catalog", str(cat)])
    assert result.exit_code == 2, result.output
    assert "invalid input" in result.stderr
    assert "error(s):" in result.stderr
    assert f"{name}" in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_missing_file(cat: Path) -> None:
    result = runner.invoke(APP, ["validate", "nowhere.xlsx", "--catalog", str(cat)])
    assert result.exit_code == 2
    assert "nowhere.xlsx: expected a request workbook, found no such file [no-file]" in (
        result.stderr
    )


def test_validate_with_a_broken_catalog(cat: Path) -> None:
    (cat / "items.csv").write_text("item_id\n", encoding="utf-8")
    result = runner.invoke(APP, ["validate", str(GOOD / "macros.xlsm"), "--catalog", str(cat)])
    assert result.exit_code == 2
    assert "[missing-column]" in result.stderr


def test_template_then_validate(cat: Path, tmp_path: Path) -> None:
    result = runner.invoke(APP, ["template", "--catalog", str(cat)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "outputs" / "request-template.xlsx"
    assert out.is_file()
    assert "outputs/request-template.xlsx" in result.stdout
    before = out.read_bytes()
    again = runner.invoke(APP, ["template", "--catalog", str(cat)])
    assert again.exit_code == 2
    assert "[file-exists]" in again.stderr
    assert out.read_bytes() == before
    forced = runner.invoke(APP, ["template", "--catalog", str(cat), "--force"])
    assert forced.exit_code == 0, forced.output
    checked = runner.invoke(APP, ["validate", str(out), "--catalog", str(cat)])
    assert checked.exit_code == 0, checked.output
    assert "valid, 1 request line(s)" in checked.stdout


def test_template_custom_out(cat: Path, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "mine.xlsx"
    result = runner.invoke(APP, ["template", "--catalog", str(cat), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file()


@pytest.mark.parametrize("name", ["zip-bomb.xlsx", "entity-bomb.xlsx", "crc-damaged.xlsx"])
def test_real_command_line_refuses_hostile_files_without_traceback(
    name: str, tmp_path: Path
) -> None:
    cat = write_test_catalog(tmp_path / "catalog")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from planner.cli import main; main()",
            "validate",
            str(BAD / name),
            "--catalog",
            str(cat),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"tests/data/bad/{name}" in proc.stderr
    assert elapsed < 15  # interpreter start-up included; the check itself takes milliseconds
