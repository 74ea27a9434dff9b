"""Excel import benchmark: a 100,000-row monthly training report (PostgreSQL), as .xlsx,
as a legacy .xls over two sheets and as a GB18030 CSV.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_bench \\
        .venv/bin/python bench/import_bench.py [--peer-rows 10000] [--formats xlsx,xls,csv]

Writes bench/results/training-100k.xlsx (deterministic), then measures in one run:
- the bare read: python-calamine turning every row of the sheet into Python values;
- the portal's import of the same file (read + check + save + audit: what *确认导入* runs,
  `imports.services.run_apply`, on a stored batch), with its parts timed, its peak Python
  memory and the process's peak RSS; the same file again (nothing to save); a corrected file
  with every value changed (100,000 updates);
- django-import-export with its default settings (row by row, the usual peer path) on the same
  layout. It is slow enough that, by default, it imports the first --peer-rows rows and its
  time is scaled to the whole file (printed as such).
The .xls and CSV runs (#17) time validate + save against their own bare reads, xlrd and the
csv module. Prints validate + save / bare read (goal ≤ 4: the issue's "total import time
(validate + save)"), the rules, roll-up marks and audit entries that issues #4 and #7 add in the same
transaction, the whole confirm, and peak memory (goal ≤ 500 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from bench import national  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from progress.models import RollupMark  # noqa: E402
from training.models import TrainingFigure  # noqa: E402

ROWS = 100_000
MONTHS = 12
COMBOS = (("企业职工", "岗位技能提升培训"), ("农村转移劳动者", "就业技能培训"), ("脱贫人口", "就业技能培训"))
HEADER = ["单位", "月份", "培训对象", "培训类型", "培训人次", "其中：新入训人数", "结业人次",
          "培训后取证人次"]
FILE = ROOT / "bench" / "results" / "training-100k.xlsx"
XLS_FILE = FILE.with_suffix(".xls")
CSV_FILE = FILE.with_suffix(".csv")


def report_rows(counties: list[str], more: int = 0):
    """The report's data rows; `more` adds to every count (a corrected resubmission)."""
    rows = 0
    for index, name in enumerate(counties):
        for month in range(1, MONTHS + 1):
            for combo, (group, kind) in enumerate(COMBOS):
                if rows == ROWS:
                    return
                trained = 20 + (index * 7 + month * 5 + combo * 3) % 80 + more
                yield [name, f"{national.YEAR}-{month:02d}", group, kind, trained,
                       trained // 2, trained - 5, trained // 3]
                rows += 1


def build_file(counties: list[str], path: Path = FILE, more: int = 0) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("培训月报")
    sheet.append(HEADER)
    rows = 0
    for row in report_rows(counties, more):
        sheet.append(row)
        rows += 1
    book.save(path)
    return rows


def build_xls(counties: list[str], path: Path = XLS_FILE) -> int:
    """The same rows as an Excel 97–2003 workbook: 65,536 rows a sheet, so two sheets, the
    second under the header again (as an office splits a long report)."""
    import xlwt  # the dev dependency the import tests write .xls with

    book = xlwt.Workbook(encoding="utf-8")
    sheet, number, rows = None, 0, 0
    for row in report_rows(counties):
        if sheet is None or number == 65_536:
            sheet = book.add_sheet("培训月报" if sheet is None else f"培训月报-{rows // 65_535 + 1}")
            for c, value in enumerate(HEADER):
                sheet.write(0, c, value)
            number = 1
        for c, value in enumerate(row):
            sheet.write(number, c, value)
        number += 1
        rows += 1
    book.save(str(path))
    return rows


def build_csv(counties: list[str], path: Path = CSV_FILE) -> int:
    """The same rows as Chinese Excel or WPS saves a CSV: GB18030, CRLF."""
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    rows = 0
    for row in report_rows(counties):
        writer.writerow(row)
        rows += 1
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    return rows


def prepare() -> tuple[list[str], int]:
    """A fresh database with the synthetic country, and the report of its counties written
    to FILE: (county names, rows)."""
    bench.fresh_database()
    national.build_tree()
    counties = list(OrgUnit.objects.filter(level=3, name__startswith="合成")
                    .order_by("code").values_list("name", flat=True))
    return counties, build_file(counties)


def bare_read() -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(FILE))
    rows = workbook.get_sheet_by_index(0).to_python()
    return len(rows) - 1


def bare_read_xls() -> int:
    """Every row of both sheets as Python values (python-calamine, the portal's .xls reader,
    without the container checks)."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(XLS_FILE))
    return sum(len(workbook.get_sheet_by_index(i).to_python()) - 1
               for i in range(len(workbook.sheet_names)))


def bare_read_xlrd() -> int:
    """Every row of both sheets as Python values with xlrd 2.x, the usual .xls library: the
    baseline the goal names."""
    import xlrd

    book = xlrd.open_workbook(str(XLS_FILE), on_demand=True)
    rows = 0
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows += len([sheet.row_values(r) for r in range(sheet.nrows)]) - 1
    return rows


def bare_read_csv() -> int:
    """The csv module over the decoded text."""
    import csv
    import io

    text = CSV_FILE.read_bytes().decode("gb18030")
    return len(list(csv.reader(io.StringIO(text, newline="")))) - 1


def uploaded(user, path: Path = FILE) -> int:
    """The batch an upload stores (the file in the database), confirmed: what *确认导入*
    starts from. Returns its id."""
    import hashlib

    from imports.choices import ImportStatus
    from imports.models import ImportBatch

    data = path.read_bytes()
    return ImportBatch.objects.create(
        kind="training", basis="month", uploaded_by=user, file_name=path.name,
        file_size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
        status=ImportStatus.RUNNING).pk


def portal_import(batch_id: int) -> int:
    """What *确认导入* runs for a previewed batch (`imports.services.run_apply`): read the
    stored file, check it again, write it in one transaction, audit it. Returns the figures
    created or changed."""
    from imports import services
    from imports.choices import ImportStatus

    batch = services.run_apply(batch_id)
    if batch.status != ImportStatus.APPLIED and batch.created + batch.updated:
        raise SystemExit(f"import refused: {batch.status} {batch.message} {batch.errors[:5]}")
    return batch.created + batch.updated


# The parts of an import, timed by wrapping the functions that do them (the code under test is
# unchanged). "checking rows" is the rest of the analysis: the row check and the comparison
# with the stored figures, which run inside the COPY of the new figures (it reads them as they
# are found), so that the database stores them meanwhile.
# Each function is timed where the import code calls it: the name its module imported (a
# function timed in the module that defines it would time nothing once imported elsewhere).
PHASES = (
    ("reading (bare read + container checks + scans)", "imports.jobs", "read_file"),
    ("  of which zip and sheet checks", "imports.reader", "check_container"),
    ("  beside it: formula/hidden-row scans", "imports.reader", "_scan"),
    ("checking rows, new figures COPYed meanwhile", "imports.figures", "analyse"),
    ("  of which the COPY (rows checked as it reads)", "imports.figures", "insert_rows"),
    ("  of which the reporting lock", "imports.figures", "entry_problems"),
    ("writing changed figures (staging UPDATE)", "imports.figures", "update_rows"),
    ("validation rules", "imports.figures", "evaluate_rules_for"),
    ("roll-up marks", "imports.figures", "mark_for_rollup"),
    ("audit entries (new: SQL, changed: COPY)", "imports.figures", "record_figure_import"),
    ("commit (deferred foreign-key checks)", "django.db.backends.base.base", "commit"),
)


class Phases:
    """Wall and process-CPU seconds per phase of the imports run while it is active. CPU time
    is the steadier number on a shared machine (it leaves out waiting for the database)."""

    def __init__(self):
        import importlib

        from django.db.backends.base.base import BaseDatabaseWrapper

        self.wall: dict[str, float] = dict.fromkeys((p[0] for p in PHASES), 0.0)
        self.cpu = dict(self.wall)
        for label, module, name in PHASES:
            owner = BaseDatabaseWrapper if name == "commit" else importlib.import_module(module)
            setattr(owner, name, self._timed(label, getattr(owner, name)))

    def _timed(self, label, function):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - wall
                self.cpu[label] += time.process_time() - cpu
        return timed

    def reset(self) -> None:
        for label in self.wall:
            self.wall[label] = self.cpu[label] = 0.0

    def sum(self, *labels: str) -> float:
        return sum(self.wall[label] for label in labels)

    def report(self) -> str:
        return "\n".join(f"  {label:44s} {self.wall[label]:6.2f} s   cpu {self.cpu[label]:5.2f} s"
                         for label in self.wall if self.wall[label] >= 0.005)


def peer_import(limit: int) -> tuple[int, float]:
    """django-import-export, default settings, a resource for the same headers."""
    import tablib
    from import_export import fields, resources, widgets

    class MonthWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return dt.datetime.strptime(str(value), "%Y-%m").date()

    class TrainingFigureResource(resources.ModelResource):
        org_unit = fields.Field(attribute="org_unit", column_name="单位",
                                widget=widgets.ForeignKeyWidget(OrgUnit, "name"))
        period = fields.Field(attribute="period", column_name="月份", widget=MonthWidget())
        target_group = fields.Field(attribute="target_group", column_name="培训对象")
        training_type = fields.Field(attribute="training_type", column_name="培训类型")
        trained = fields.Field(attribute="trained", column_name="培训人次",
                               widget=widgets.IntegerWidget())
        persons = fields.Field(attribute="persons", column_name="其中：新入训人数",
                               widget=widgets.IntegerWidget())
        completed = fields.Field(attribute="completed", column_name="结业人次",
                                 widget=widgets.IntegerWidget())
        certified = fields.Field(attribute="certified", column_name="培训后取证人次",
                                 widget=widgets.IntegerWidget())

        class Meta:
            model = TrainingFigure
            fields = ("org_unit", "period", "target_group", "training_type", "trained",
                      "persons", "completed", "certified")
            import_id_fields = ("org_unit", "period", "target_group", "training_type")

    with FILE.open("rb") as handle:
        dataset = tablib.import_set(handle, format="xlsx")
    subset = tablib.Dataset(*dataset[:limit], headers=dataset.headers)
    start = time.perf_counter()
    result = TrainingFigureResource().import_data(subset, dry_run=False)
    elapsed = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export reported errors")
    return len(subset), elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-rows", type=int, default=10_000,
                        help="rows django-import-export imports (its time is scaled to the file)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare reads and imports measured in turn (the median is reported)")
    parser.add_argument("--formats", default="xlsx,xls,csv",
                        help="which files to measure: xlsx (with the peer), xls, csv")
    args = parser.parse_args()
    formats = args.formats.split(",")
    bench.require_postgresql()
    counties, rows = prepare()
    user = get_user_model().objects.create_superuser("bench", password=None)
    phases = Phases()
    if "xlsx" in formats:
        measure_xlsx(args, counties, rows, user, phases)
    for fmt in ("xls", "csv"):
        if fmt in formats:
            measure_other(fmt, counties, user, phases, args.rounds)


def measure_other(fmt: str, counties: list[str], user, phases: Phases, rounds_wanted: int) -> None:
    """The same 100,000 rows as .xls (two sheets) or GB18030 CSV: validate + save against the
    format's own bare read, median of the rounds."""
    path, build, bare_read_of, reader = (
        (XLS_FILE, build_xls, bare_read_xlrd, "xlrd") if fmt == "xls"
        else (CSV_FILE, build_csv, bare_read_csv, "csv module"))
    rows = build(counties)
    rounds = []
    for _round in range(rounds_wanted):
        TrainingFigure.objects.all().delete()
        RollupMark.objects.all().delete()
        phases.reset()
        start = time.perf_counter()
        assert bare_read_of() == rows
        bare = time.perf_counter() - start
        batch_id = uploaded(user, path)
        start = time.perf_counter()
        written = portal_import(batch_id)
        whole = time.perf_counter() - start
        assert written == rows == TrainingFigure.objects.count()
        core = phases.sum(*(p[0] for p in PHASES if not p[0].startswith(" ") and p[2] in (
            "read_file", "analyse", "commit")))
        reading = phases.sum(PHASES[0][0])
        own = None
        if fmt == "xls":  # the portal's own reader, python-calamine, read bare as well
            start = time.perf_counter()
            assert bare_read_xls() == rows
            own = time.perf_counter() - start
        rounds.append((core / bare, bare, core, reading, whole, own, phases.report()))
        print(f"{fmt} round {_round + 1}: bare read {bare:.2f} s, validate + save {core:.2f} s "
              f"(ratio {core / bare:.2f})", flush=True)
    ratio, bare, core, reading, whole, own, breakdown = sorted(rounds)[len(rounds) // 2]
    label = ".xls (2 sheets)" if fmt == "xls" else "CSV (GB18030)"
    print(f"{label} file: {path.relative_to(ROOT)}  {path.stat().st_size / 2**20:.1f} MB, "
          f"{rows:,} rows")
    print(f"{label}: bare read ({reader}) {bare:.2f} s; validate + save {core:.2f} s "
          f"(of which reading {reading:.2f} s); ratio {ratio:.2f} (goal ≤ 4); whole confirm "
          f"{whole:.2f} s")
    if own is not None:
        print(f"{label}: bare read with python-calamine (the portal's reader) {own:.2f} s; "
              f"validate + save is {core / own:.2f}× that")
    print(f"{label}, by part:")
    print(breakdown)


def measure_xlsx(args, counties: list[str], rows: int, user, phases: Phases) -> None:
    print(f"file: {FILE.relative_to(ROOT)}  {FILE.stat().st_size / 2**20:.1f} MB, {rows:,} rows, "
          f"{-(-rows // (MONTHS * len(COMBOS))):,} counties × "
          f"{MONTHS} months × {len(COMBOS)} categories", flush=True)

    changed_file = FILE.with_name("training-100k-corrected.xlsx")
    build_file(counties, changed_file, more=1)

    rounds = []
    for round_ in range(args.rounds):
        # Each round: the bare read, then the import into a database without the figures
        # (the audit trail keeps growing, as it does in use). The shared machine's speed
        # drifts between runs; the round with the median ratio is reported.
        if round_:
            TrainingFigure.objects.all().delete()
            RollupMark.objects.all().delete()
        phases.reset()
        start = time.perf_counter()
        assert bare_read() == rows
        bare = time.perf_counter() - start
        batch_id = uploaded(user)
        start, cpu = time.perf_counter(), time.process_time()
        written = portal_import(batch_id)
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert written == rows == TrainingFigure.objects.count()
        # What the goal names (validate + save) apart from the work #4 and #7 put in the
        # same transaction; the rest of the total is Python between the parts.
        core = phases.sum(*(p[0] for p in PHASES if not p[0].startswith(" ") and p[2] in (
            "read_file", "analyse", "commit")))
        extras = phases.sum(*(p[0] for p in PHASES if p[2] in (
            "evaluate_rules_for", "mark_for_rollup", "record_figure_import")))
        rounds.append((core / bare, bare, ours, ours_cpu, core, extras, phases.report()))
        print(f"round {round_ + 1}: bare read {bare:.2f} s, validate + save {core:.2f} s "
              f"(ratio {core / bare:.2f}), whole confirm {ours:.2f} s (ratio {ours / bare:.2f})",
              flush=True)
    ratios = sorted(rounds)
    _, bare, ours, ours_cpu, core, extras, breakdown = ratios[len(ratios) // 2]
    start = time.perf_counter()
    assert portal_import(uploaded(user)) == 0  # the same file again changes nothing
    again = time.perf_counter() - start
    phases.reset()
    start = time.perf_counter()
    assert portal_import(uploaded(user, changed_file)) == rows  # every row's values changed
    changed = time.perf_counter() - start
    changed_breakdown = phases.report()
    assert TrainingFigure.objects.count() == rows
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before any tracing
    # Memory in a separate run: tracing allocations slows Python down several times.
    TrainingFigure.objects.all().delete()
    batch_id = uploaded(user)
    tracemalloc.start()
    portal_import(batch_id)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    TrainingFigure.objects.all().delete()
    peer_rows, peer = peer_import(min(args.peer_rows, rows))
    peer_total = peer * rows / peer_rows
    peer_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median of {len(rounds)} rounds by the validate + save ratio:")
    print(f"bare read (python-calamine):        {bare:7.2f} s")
    print(f"portal import, validate + save:     {core:7.2f} s   ratio {core / bare:5.2f} (goal ≤ 4)"
          "   (read, check, COPY with its key checks, commit)")
    print(f"  + rules, marks, audit (#4, #7):   {extras:7.2f} s   ratio {extras / bare:5.2f}"
          "   (in the same transaction)")
    print(f"whole confirm (all of it):          {ours:7.2f} s   ratio {ours / bare:5.2f}"
          f"   process CPU {ours_cpu:.2f} s")
    print(f"same file again (nothing to save):  {again:7.2f} s")
    print(f"every value changed (100% updates): {changed:7.2f} s")
    print(f"django-import-export, defaults:     {peer:7.2f} s for {peer_rows:,} rows"
          + (f" → {peer_total:,.0f} s scaled to {rows:,}" if peer_rows < rows else "")
          + f"   ratio {peer_total / bare:6.1f} to the bare read, {peer_total / ours:5.1f}× the portal")
    print(f"peak memory: {rss:.0f} MB process RSS through the bare read and both imports "
          f"(goal ≤ 500 MB); {peak / 2**20:.0f} MB traced in Python during an import; "
          f"{peer_rss:.0f} MB RSS after tracing and django-import-export's load of the file")
    print("the import, by part (wall, and this process's CPU):")
    print(breakdown)
    print("every value changed, by part:")
    print(changed_breakdown)


if __name__ == "__main__":
    main()
