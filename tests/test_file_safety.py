"""Nothing on disk is lost, no input ends in exit 1 (DESIGN.md §8, §2.1a, exit rule of §5).

Every refused run asserts its exit status, the key part of the message, that no traceback was
printed and that the SHA-256 of every input file is unchanged. The tiny case of
tests/data/toml-with-bom (3 items, 2 donors, 2 corridors, 3 request lines) keeps runs fast.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import _register, app
from planner.cli_common import term_text
from planner.errors import InputError
from planner.interrupt import Interrupted, deferred
from planner.io import atomic
from planner.io.atomic import OutputError, atomic_path, display
from planner.io.input_files import MAX_TOML_DEPTH, read_input_bytes, read_toml
from planner.io.output_paths import Output, check_outputs, output_issues, run_inputs
from planner.io.own_files import LAYOUTS, foreign_file
from planner.io.xlsx_write import atomic_path as atomic_path_reexported
from planner.io.xlsx_write import write_atomic
from planner.schema import Settings
from planner.whatif import plan_file_names
from tests.factories import old_plan_bytes

DATA = Path(__file__).resolve().parent / "data" / "toml-with-bom"

_register()
runner = CliRunner()


@pytest.fixture()
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the toml-with-bom case; the working folder is its parent."""
    folder = tmp_path / "case"
    shutil.copytree(DATA, folder)
    monkeypatch.chdir(tmp_path)
    return folder


def digests(*roots: Path) -> dict[str, str]:
    """SHA-256 of every file under ``roots`` (files or folders)."""
    out: dict[str, str] = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def refused(args: list[str], words: str, *inputs: Path, status: int = 2) -> str:
    """Run ``aidplan args``; assert the status, the words, no traceback, inputs unchanged."""
    before = digests(*inputs)
    result = runner.invoke(app, args)
    text = " ".join(result.output.split())
    assert result.exit_code == status, result.output
    assert words in text, result.output
    assert "Traceback" not in result.output
    assert digests(*inputs) == before
    return text


# -- outputs refused before any solving ---------------------------------------------------------


def test_out_is_the_request_workbook(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    req, cat = case / "req.xlsx", case / "catalog"

    def must_not_run(*args: object) -> None:
        raise AssertionError("read or solved before the output was checked")

    monkeypatch.setattr("planner.api.load_inputs", must_not_run)
    monkeypatch.setattr("planner.api.run_plan", must_not_run)
    refused(
        ["plan", str(req), "--catalog", str(cat), "--out", str(req)],
        "this is the request workbook of this run",
        case,
    )


@pytest.mark.parametrize("how", ["hard link", "symlink", "dot-dot"])
def test_out_reaches_the_request_workbook_another_way(case: Path, how: str) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    other = case / "other.xlsx"
    if how == "hard link":
        os.link(req, other)
    elif how == "symlink":
        other.symlink_to(req)
    else:
        other = case / "catalog" / ".." / "req.xlsx"
    refused(
        ["plan", str(req), "--catalog", str(cat), "--out", str(other)],
        "[output-is-input]",
        case,
    )


def test_out_is_a_catalog_file_or_scenario(case: Path) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    refused(
        ["plan", str(req), "--catalog", str(cat), "--out", str(cat / "items.csv")],
        "this is a catalog file of this run",
        case,
    )
    refused(
        [
            "plan",
            str(req),
            "--catalog",
            str(cat),
            "--scenario",
            str(case / "half.toml"),
            "--out",
            str(case / "half.toml"),
        ],
        "this is a scenario file of this run",
        case,
    )


def test_write_lp_and_whatif_out_on_the_request_workbook(case: Path) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    refused(
        [
            "plan",
            str(req),
            "--catalog",
            str(cat),
            "--write-lp",
            str(req),
            "--out",
            str(case / "p.xlsx"),
        ],
        "--write-lp",
        case,
    )
    assert not (case / "p.xlsx").exists()  # refused before solving: nothing written
    refused(
        ["whatif", str(req), "--catalog", str(cat), "--budget-scale", "1", "--out", str(req)],
        "this is the request workbook of this run",
        case,
    )


def test_out_not_a_regular_file(case: Path) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    folder = case / "folder.xlsx"
    folder.mkdir()
    base = ["plan", str(req), "--catalog", str(cat)]
    refused([*base, "--out", str(folder)], "found a folder [output-not-a-file]", case)
    refused([*base, "--out", "/dev/null"], "found a device [output-not-a-file]", case)
    fifo = case / "pipe.xlsx"
    os.mkfifo(fifo)
    refused([*base, "--out", str(fifo)], "found a FIFO (named pipe)", case / "req.xlsx", cat)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # the device is still a device


def test_wrong_extensions(case: Path) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    base = ["plan", str(req), "--catalog", str(cat)]
    refused([*base, "--out", str(case / "plan.csv")], "ending in .xlsx, found '.csv'", case)
    refused(
        [*base, "--write-lp", str(case / "model.txt")],
        "ending in .lp or .mps, found '.txt'",
        case,
    )
    refused(
        ["template", "--catalog", str(cat), "--out", str(case / "t.xls")],
        "ending in .xlsx",
        case,
    )


def test_folder_that_cannot_be_written(case: Path) -> None:
    req, cat = case / "req.xlsx", case / "catalog"
    # A file where a folder is needed: refused whoever runs the test, root included.
    refused(
        ["plan", str(req), "--catalog", str(cat), "--out", str(case / "req.xlsx" / "p.xlsx")],
        "is a file, not a folder; nothing was written [output-folder]",
        case,
    )


def test_read_only_folder_refused(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the probe file cannot be created in (EACCES, as for chmod 555 when not root:
    simulated here because tests run as root, who may write anywhere)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = atomic.tempfile.mkstemp

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs.get("dir"))) == ro:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("planner.io.output_paths.tempfile.mkstemp", denied)
    issues = output_issues([Output(ro / "p.xlsx", "--out", (".xlsx",), "plan workbook")])
    assert [i.code for i in issues] == ["output-folder"]
    assert "cannot be written: Permission denied" in issues[0].message


def test_out_over_a_file_aidplan_did_not_write(case: Path, tmp_path: Path) -> None:
    """Decision 0013: an existing file at an output path is replaced only when aidplan wrote it.
    Here another request workbook (not an input of this run), a filled-in template and a text
    file are refused, each left as it was; the plan written over its own earlier plan, and an
    empty file, are replaced."""
    req, cat = case / "req.xlsx", case / "catalog"
    other = tmp_path / "week3-requests.xlsx"
    shutil.copy(req, other)  # the request sheet of another week
    base = ["plan", str(req), "--catalog", str(cat)]
    text = refused([*base, "--out", str(other)], "[output-exists]", case, other)
    assert "is not a plan workbook aidplan wrote (a workbook with the sheets" in text
    assert "choose another file name, or move the file away first" in text
    template = tmp_path / "filled-template.xlsx"
    assert (
        runner.invoke(app, ["template", "--catalog", str(cat), "--out", str(template)]).exit_code
        == 0
    )
    refused([*base, "--out", str(template)], "[output-exists]", case, template)
    notes = tmp_path / "notes.lp"
    notes.write_text("my notes\n", encoding="utf-8")
    refused([*base, "--write-lp", str(notes)], "[output-exists]", case, notes)
    refused(
        ["whatif", str(req), "--catalog", str(cat), "--budget-scale", "1", "--out", str(other)],
        "[output-exists]",
        case,
        other,
    )
    # another kind of aidplan output: a stress run does not replace next week's --previous plan
    week1 = tmp_path / "plan-week1.xlsx"
    week1.write_bytes(old_plan_bytes())
    refused(
        ["stress", str(req), "--catalog", str(cat), "--samples", "1", "--out", str(week1)],
        "is not a stress workbook aidplan wrote (an aidplan plan workbook)",
        case,
        week1,
    )
    # aidplan's own earlier outputs, and an empty file, are replaced
    plan, model = tmp_path / "plan.xlsx", tmp_path / "model.lp"
    plan.touch()
    for _ in range(2):
        res = runner.invoke(app, [*base, "--out", str(plan), "--write-lp", str(model)])
        assert res.exit_code == 0, res.output
    assert plan.stat().st_size > 0 and model.read_text(encoding="utf-8").startswith("\\* aidplan")


def test_foreign_file_by_kind(tmp_path: Path) -> None:
    """What `foreign_file` takes for aidplan's own: one tiny file of each kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import openpyxl

    def book(path: Path, sheets: list[str]) -> Path:
        wb = openpyxl.Workbook()
        wb.active.title = sheets[0]  # type: ignore[union-attr]
        for name in sheets[1:]:
            wb.create_sheet(name)
        wb.save(path)
        return path

    plan_sheets = list(LAYOUTS["plan workbook"])
    assert foreign_file(book(tmp_path / "a.xlsx", plan_sheets)) is None
    # of the kind about to be written: a plan may replace a plan, a stress workbook may not
    assert foreign_file(tmp_path / "a.xlsx", "plan workbook") is None
    assert foreign_file(tmp_path / "a.xlsx", "stress workbook") == "an aidplan plan workbook"
    # a re-plan's plan has a Changes sheet: still a plan, not a changes workbook
    replan = book(tmp_path / "r.xlsx", [*plan_sheets, "Changes"])
    assert foreign_file(replan, "plan workbook") is None
    assert foreign_file(replan, "changes workbook") == "an aidplan plan workbook"
    assert foreign_file(book(tmp_path / "b.xlsx", ["Summary", "Changes"])) is None
    # every sheet of a plan but not Summary first, or one sheet missing: not aidplan's
    assert foreign_file(book(tmp_path / "c.xlsx", [*plan_sheets[1:], "Summary"])) is not None
    assert foreign_file(book(tmp_path / "d.xlsx", plan_sheets[:-1])) is not None
    (tmp_path / "e.xlsx").write_bytes(b"not a zip")
    assert foreign_file(tmp_path / "e.xlsx") == "a file that is not a workbook aidplan can read"
    (tmp_path / "empty.xlsx").touch()
    assert foreign_file(tmp_path / "empty.xlsx") is None
    fig = plt.figure()
    fig.savefig(tmp_path / "f.png", format="png")
    fig.savefig(tmp_path / "g.png", format="png", metadata={"Software": None})
    plt.close(fig)
    assert foreign_file(tmp_path / "f.png") is None
    assert foreign_file(tmp_path / "g.png") == "a PNG image aidplan did not draw"
    (tmp_path / "h.mps").write_text("*SENSE:Maximize\nNAME          aidplan\nROWS\n")
    (tmp_path / "i.mps").write_text("NAME          other\nROWS\n")
    assert foreign_file(tmp_path / "h.mps") is None
    assert foreign_file(tmp_path / "i.mps") is not None
    (tmp_path / "j.csv").write_text("a,b\n")
    assert foreign_file(tmp_path / "j.csv") == "a file aidplan did not write"


def test_two_outputs_on_one_file(case: Path) -> None:
    p = case / "p.xlsx"
    issues = output_issues(
        [
            Output(p, "--out", (".xlsx",), "plan workbook"),
            Output(case / "x" / ".." / "p.xlsx", "--plans", (".xlsx",), "plan workbook"),
        ]
    )
    assert [i.code for i in issues] == ["output-collision"]


def test_run_inputs_lists_every_catalog_file(case: Path) -> None:
    found = run_inputs(case / "req.xlsx", case / "catalog", [case / "half.toml"])
    names = sorted(p.name for _, p in found)
    assert names == sorted(
        ["req.xlsx", "half.toml"] + [p.name for p in (case / "catalog").iterdir()]
    )
    with pytest.raises(OutputError):
        check_outputs([Output(case / "half.toml", "--out", (".toml",), "x")], found)


# -- atomic writing -------------------------------------------------------------------------------


def test_atomic_names_are_short_and_private(tmp_path: Path) -> None:
    target = tmp_path / ("p" * 245 + ".xlsx")  # 250 characters: the longest names still work
    modes: list[int] = []

    def writer(tmp: Path) -> None:
        assert len(tmp.name) <= 32 and tmp.parent == tmp_path
        modes.append(stat.S_IMODE(os.stat(tmp).st_mode))
        tmp.write_bytes(b"new")

    write_atomic(target, writer)
    assert target.read_bytes() == b"new"
    assert modes == [0o600]  # private until the final chmod
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert atomic_path_reexported is atomic_path


def test_atomic_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)

    def boom(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise Interrupted(signal.SIGTERM)

    with pytest.raises(Interrupted):
        write_atomic(target, boom)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]
    write_atomic(target, lambda tmp: tmp.write_bytes(b"new"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's mode


def test_disk_full_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")

    def full(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as err:
        write_atomic(target, full)
    assert err.value.issues[0].code == "cannot-write"
    assert "No space left on device" in err.value.issues[0].message
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_symlinked_target_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"old")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    write_atomic(link, lambda tmp: tmp.write_bytes(b"new"))
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_disk_full_on_the_command_line(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while the plan is saved: exit 2 naming the file, old plan intact."""
    out = case / "p.xlsx"
    old = old_plan_bytes()
    out.write_bytes(old)

    def full(fd: int) -> None:  # the disk fills up as the written plan is synced
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("planner.io.atomic.os.fsync", full)
    refused(
        ["plan", str(case / "req.xlsx"), "--catalog", str(case / "catalog"), "--out", str(out)],
        "No space left on device; nothing was changed on disk [cannot-write]",
        case / "req.xlsx",
        case / "catalog",
    )
    assert out.read_bytes() == old
    assert sorted(p.name for p in case.iterdir() if p.name.startswith(".")) == []


# -- inputs: every bad file is exit 2 with a message ----------------------------------------------


def test_read_input_bytes_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def code(path: Path, limit: int = 100) -> str:
        with pytest.raises(InputError) as err:
            read_input_bytes(path, path.name, limit)
        return err.value.issues[0].code

    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)  # opened without blocking: the test would hang otherwise
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 101)
    ok = tmp_path / "ok.csv"
    ok.write_bytes(b"x" * 100)
    assert code(tmp_path / "none.csv") == "missing-file"
    assert code(loop) == "symlink-loop"
    assert code(fifo) == "not-a-file"
    assert code(Path("/dev/zero")) == "not-a-file"
    assert code(tmp_path) == "not-a-file"
    assert code(big) == "file-too-large"
    assert read_input_bytes(ok, "ok.csv", 100) == b"x" * 100

    def denied(*args: object, **kwargs: object) -> int:  # chmod 000 does not stop root
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("planner.io.input_files.os.open", denied)
    assert code(ok) == "unreadable"


def test_toml_with_bom_reads_like_without(tmp_path: Path) -> None:
    with_bom = read_toml(DATA / "half.toml", "half.toml")
    without = read_toml(DATA / "half-nobom.toml", "half-nobom.toml")
    assert with_bom == without == {"name": "half budget", "budget_scale": 0.5}


def test_toml_nesting(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")  # tomllib would recurse too far
    fine = tmp_path / "fine.toml"
    fine.write_text("a = " + "[" * (MAX_TOML_DEPTH - 1) + "]" * (MAX_TOML_DEPTH - 1) + "\n")
    with pytest.raises(InputError) as err:
        read_toml(deep, "deep.toml")
    assert err.value.issues[0].code == "bad-toml"
    assert "levels of nested" in err.value.issues[0].message
    assert read_toml(fine, "fine.toml")["a"] is not None  # the top table + 19 arrays = 20


def test_bom_case_plans_like_without_bom(case: Path) -> None:
    req = case / "req.xlsx"
    for catalog, scenario in (("catalog", "half.toml"), ("catalog-nobom", "half-nobom.toml")):
        result = runner.invoke(
            app,
            [
                "plan",
                str(req),
                "--catalog",
                str(case / catalog),
                "--scenario",
                str(case / scenario),
                "--out",
                str(case / f"{catalog}.xlsx"),
            ],
        )
        assert result.exit_code == 0, result.output
    assert "fulfilment score 100.0%" in result.output


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("symlink loop", "found a symbolic link that loops [symlink-loop]"),
        ("fifo", "found a FIFO (named pipe) [not-a-file]"),
        ("/dev/zero", "found a device [not-a-file]"),
        ("deep", "levels of nested tables and arrays [bad-toml]"),
        ("too large", "[file-too-large]"),
        ("inf weight", "priority weights must be finite and positive"),
        ("1e300 weight", "at most 1e+09 times the smallest"),
    ],
)
def test_bad_scenario_files(case: Path, kind: str, words: str) -> None:
    path = case / "s.toml"
    if kind == "symlink loop":
        path.symlink_to(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        path = Path("/dev/zero")
    elif kind == "deep":
        path.write_text("x = " + "{a=" * 40 + "1" + "}" * 40 + "\n")
    elif kind == "too large":
        path.write_text("# padding\n" * 200_000)
    else:
        big = "inf" if kind == "inf weight" else "1e300"
        path.write_text(f"[settings]\npriority_weights = {{1 = {big}, 2 = 100, 3 = 10, 4 = 1}}\n")
    refused(
        [
            "plan",
            str(case / "req.xlsx"),
            "--catalog",
            str(case / "catalog"),
            "--scenario",
            str(path),
            "--out",
            str(case / "p.xlsx"),
        ],
        words,
        case / "req.xlsx",
        case / "catalog",
    )
    assert not (case / "p.xlsx").exists()


@pytest.mark.parametrize(
    ("weights", "words"),
    [
        ("1 = inf", "finite and positive"),
        ("1 = nan", "finite and positive"),
        ("1 = 1e300", "at most 1e+09 times the smallest"),
        ("1 = 0", "finite and positive"),
    ],
)
def test_bad_priority_weights_in_planning_toml(case: Path, weights: str, words: str) -> None:
    (case / "catalog" / "planning.toml").write_text(
        f"start = 2026-01-05\n[priority_weights]\n{weights}\n2 = 100\n3 = 10\n4 = 1\n"
    )
    refused(["catalog", "--catalog", str(case / "catalog")], words, case)


def test_priority_weight_ratio_rule() -> None:
    """DESIGN.md §3: largest ≤ 1e9 × smallest; 1e9 exactly passes, just above does not."""
    Settings(priority_weights={1: 1e9, 2: 1.0, 3: 1.0, 4: 1.0})
    Settings(priority_weights={1: 1e-12, 2: 1e-12, 3: 1e-12, 4: 1e-12})
    with pytest.raises(ValueError, match="1e\\+09 times"):
        Settings(priority_weights={1: 1.000001e9, 2: 1.0, 3: 1.0, 4: 1.0})


@pytest.mark.parametrize(
    ("kind", "code"),
    [("symlink loop", "symlink-loop"), ("fifo", "not-a-file"), ("unreadable", "unreadable")],
)
def test_bad_catalog_and_request_files(
    case: Path, monkeypatch: pytest.MonkeyPatch, kind: str, code: str
) -> None:
    offers = case / "catalog" / "offers.csv"
    req = case / "req.xlsx"
    if kind == "unreadable":  # chmod 000 does not stop root, who runs these tests: simulated
        real_open = os.open

        def deny(path: object, *args: object, **kwargs: object) -> int:
            if Path(str(path)).name in ("offers.csv", "req.xlsx"):
                raise PermissionError(errno.EACCES, "Permission denied")
            return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr("planner.io.input_files.os.open", deny)
        bad_req = req
    else:
        offers.unlink()
        bad_req = case / "bad.xlsx"
        if kind == "symlink loop":
            offers.symlink_to(offers)
            bad_req.symlink_to(bad_req)
        else:
            os.mkfifo(offers)
            os.mkfifo(bad_req)
    refused(["catalog", "--catalog", str(case / "catalog")], f"[{code}]", req)
    if kind == "symlink loop":
        refused(["validate", str(bad_req), "--catalog", str(DATA / "catalog")], "[symlink-loop]")
    elif kind == "unreadable":
        refused(["validate", str(bad_req), "--catalog", str(DATA / "catalog")], "[unreadable]")
    else:
        refused(["validate", str(bad_req), "--catalog", str(DATA / "catalog")], "FIFO")


def test_time_limit_not_finite_is_exit_2(case: Path) -> None:
    refused(
        [
            "plan",
            str(case / "req.xlsx"),
            "--catalog",
            str(case / "catalog"),
            "--time-limit",
            "inf",
            "--out",
            str(case / "p.xlsx"),
        ],
        "time_limit_s: Input should be a finite number",
        case,
    )


# -- per-scenario plan names, terminal text -----------------------------------------------------


def test_plan_file_names_never_collide() -> None:
    names = plan_file_names(["cut A", "cut/A", "Cut a", "base"])
    assert len({n.casefold() for n in names}) == 4
    assert names[3] == "plan-base.xlsx"  # no clash: the plain name
    assert all(n.startswith("plan-cut_A-") or n.startswith("plan-Cut_a-") for n in names[:3])
    assert plan_file_names(["cut A", "cut/A"])[:2] == names[:2]  # stable: hash of the label


def test_whatif_plans_two_scenarios_one_safe_name(case: Path) -> None:
    for n, name in enumerate(("cut A", "cut/A")):
        (case / f"s{n}.toml").write_text(f'name = "{name}"\nbudget_scale = 0.5\n')
    plans = case / "plans"
    result = runner.invoke(
        app,
        [
            "whatif",
            str(case / "req.xlsx"),
            "--catalog",
            str(case / "catalog"),
            "--no-base",
            "--scenario",
            str(case / "s0.toml"),
            str(case / "s1.toml"),
            "--out",
            str(case / "w.xlsx"),
            "--plans",
            str(plans),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(list(plans.glob("plan-cut_A-*.xlsx"))) == 2


def test_term_text_shows_control_characters() -> None:
    assert term_text("a\x1b[31mred\x07", markup=False) == "a\\x1b[31mred\\x07"
    assert term_text("\u202eevil\x9b2J", markup=False) == "\\u202eevil\\x9b2J"
    assert term_text("[bold]x") == "\\[bold]x"
    assert term_text("a\nb", markup=False, single_line=True) == "a\\nb"


def test_catalog_never_prints_escape_sequences(case: Path) -> None:
    donors = case / "catalog" / "donors.csv"
    donors.write_text(
        "donor_id,name,budget_eur,corridors\n"
        "d1,Donor One,100000,road1\nd2,\x1b]0;owned\x07Donor [bold]Two\x1b[2J,,\n"
    )
    result = runner.invoke(app, ["catalog", "--catalog", str(case / "catalog")])
    assert result.exit_code in (0, 2), result.output  # 2 once control characters are refused
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "Traceback" not in result.output


def test_deferred_holds_a_signal_until_the_end() -> None:
    from planner import interrupt

    steps: list[str] = []
    with pytest.raises(Interrupted) as err, deferred():
        interrupt._on_signal(signal.SIGTERM, None)
        steps.append("clean-up finished")
    assert steps == ["clean-up finished"] and err.value.exit_status == 143


def test_display_relative_to_working_folder(case: Path) -> None:
    assert display(case / "req.xlsx") == "case/req.xlsx"


def test_an_output_without_extension_shows_the_file_to_give_in_that_folder(tmp_path: Path) -> None:
    """`--out outputs/` arrives as `outputs` (the slash is dropped): the error names the file
    to write instead, `outputs/plan.xlsx`; a wrong extension gets no such hint."""
    folder = tmp_path / "outputs"
    [issue] = output_issues([Output(folder, "--out", (".xlsx",), "plan workbook")])
    assert issue.code == "output-extension"
    assert "found no extension" in issue.message
    assert str(folder / "plan.xlsx") in issue.message
    [other] = output_issues([Output(tmp_path / "p.csv", "--out", (".xlsx",), "plan workbook")])
    assert "name the file in it" not in other.message
