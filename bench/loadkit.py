"""Month-end load on a real server (issue #25): the stacks started from the project's own
scripts and commands, the actors (clerks, reviewers, officials, partner departments) as HTTP
clients over loopback, and the check afterwards that every acknowledged save was kept.

Used by `bench/load.py` (both stacks, two minutes) and by `tests/load/test_embedded_server.py`
(the embedded default, a few seconds). Nothing here imports Django: each stack's commands run in
their own processes with their own settings, as an operator would run them."""

from __future__ import annotations

import contextlib
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
CELERY = str(Path(PY).with_name("celery"))
DEMO_DAY = "2025-10-03"
PASSWORD = "load-bench-password-2026"  # noqa: S105 - the scratch accounts of a run

# Clerks, reviewers and officials made for the run: one clerk per county (token and unit),
# printed as JSON by `manage.py shell`.
ACTORS = r"""
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from org.models import Membership, OrgUnit
User = get_user_model()
counties = list(OrgUnit.unscoped.filter(level=3).order_by("code", "pk")[:{clerks}])
# More clerks than counties: a county's second clerk (lane 1) enters other target groups.
cities = list(OrgUnit.unscoped.filter(pk__in={{c.parent_id for c in counties}}))
out = {{"clerks": [], "reviewers": [], "officials": [], "partners": []}}
def make(name, unit, role, department=None):
    user, created = User.objects.get_or_create(username=name)
    if created:
        user.set_password({password!r})
        user.save()
    Membership.unscoped.get_or_create(user=user, org_unit=unit, department=department, role=role)
    return {{"user": name, "token": Token.objects.get_or_create(user=user)[0].key,
            "unit": unit.pk, "name": unit.name}}
for i in range({clerks}):
    clerk = make(f"load_clerk_{{i}}", counties[i % len(counties)], "data_entry")
    clerk["lane"] = i // len(counties)
    out["clerks"].append(clerk)
for i, city in enumerate(cities):
    out["reviewers"].append(make(f"load_reviewer_{{i}}", city, "reviewer"))
for i, city in enumerate(cities):
    out["officials"].append(make(f"load_official_{{i}}", city.parent or city, "viewer"))
# Partner departments: a statistician of each of the first city bureaus with a sector (市应急管理局,
# 市农业农村局 …), uploading their sector's monthly report as an .xlsx.
from org.models import Department
for i, dept in enumerate(Department.objects.filter(org_unit__level=2).exclude(sector="")
                         .select_related("org_unit").order_by("org_unit__code", "pk")[:{partners}]):
    partner = make(f"load_partner_{{i}}", dept.org_unit, "data_entry", dept)
    partner.update(department=dept.pk, department_name=dept.name)
    out["partners"].append(partner)
print("ACTORS" + json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    """One way of running the portal: its environment, its server and helper processes."""

    name: str
    env: dict
    workdir: Path
    port: int = field(default_factory=free_port)
    processes: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, quiet: bool = True) -> str:
        done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, text=True,
                              capture_output=True, timeout=1800)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self, *, demo: bool) -> None:
        """Migrate, load the five seed plans and (with `demo`) the demo's figures, reports and
        accounts, as `scripts/serve` does."""
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("load_seed_plans")
        if demo:
            self.manage("generate_demo_figures")
            self.manage("generate_demo_reports", "--as-of", "2025-09")
            self.manage("rollup", "--from", "2025-01", "--to", "2025-09")
            if self.env.get("DEBUG") != "0":  # demo accounts exist only in debug mode;
                self.manage("create_demo_users")  # the run's own actors are made anyway

    def actors(self, clerks: int, partners: int = 0) -> dict:
        out = self.manage("shell", "-c", ACTORS.format(clerks=clerks, partners=partners,
                                                       password=PASSWORD))
        actors = json.loads(out.split("ACTORS", 1)[1])
        if len(actors["clerks"]) < clerks or not actors["officials"]:
            raise RuntimeError(f"{self.name}: only {len(actors['clerks'])} clerks could be made")
        return actors

    def start(self) -> None:
        log = open(self.workdir / f"{self.name}-server.log", "w")  # noqa: SIM115 - kept open
        self.processes.append(subprocess.Popen(
            self.server_command(), cwd=ROOT, env=self.env, stdout=log, stderr=log,
            start_new_session=True))
        if self.env.get("REDIS_URL"):
            worker_log = open(self.workdir / f"{self.name}-worker.log", "w")  # noqa: SIM115
            self.processes.append(subprocess.Popen(
                [CELERY, "-A", "skills_portal", "worker", "--concurrency", "2", "--pool",
                 "threads", "--loglevel", "WARNING"], cwd=ROOT, env=self.env,
                stdout=worker_log, stderr=worker_log, start_new_session=True))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"{self.name}: the server did not answer within 2 minutes")

    def server_command(self) -> list[str]:
        """The embedded default as scripts/serve runs it (2 workers of 8 threads); the
        production-like stack with the Dockerfile's own gunicorn options (its CMD). For an
        experiment, LOAD_WORKERS and LOAD_THREADS replace the worker and thread counts."""
        if self.env.get("REDIS_URL"):
            options = dockerfile_gunicorn_options()
        else:
            options = ["--worker-class", "gthread", "--workers", "2", "--threads", "8",
                       "--backlog", "2048", "--timeout", "300"]
        for flag, variable in (("--workers", "LOAD_WORKERS"), ("--threads", "LOAD_THREADS")):
            if os.environ.get(variable) and flag in options:
                options[options.index(flag) + 1] = os.environ[variable]
        return [GUNICORN, "skills_portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                *options]

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()


def dockerfile_gunicorn_options() -> list[str]:
    """The gunicorn options of the Dockerfile's CMD, without its address and access log: what
    the production image runs is what the benchmark measures."""
    command = next(json.loads(line[len("CMD"):]) for line in
                   (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    options = command[command.index("skills_portal.wsgi:application") + 1:]
    for flag in ("--bind", "--access-logfile"):
        if flag in options:
            at = options.index(flag)
            del options[at:at + 2]
    return options


def embedded(workdir: Path) -> Stack:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'portal.sqlite3'}", PORTAL_TODAY=DEMO_DAY,
               CACHE_DIR=str(workdir / "cache"),
               LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="skills_portal.settings.base")
    return Stack("embedded", env, workdir)


def production_like(workdir: Path, database_url: str, redis_url: str) -> Stack:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, PORTAL_TODAY=DEMO_DAY,
               LOG_LEVEL="WARNING", DEBUG="0", SECRET_KEY="load-bench-" + "x" * 40,
               ALLOWED_HOSTS="127.0.0.1,localhost",
               # The production settings, reached over plain loopback HTTP: no TLS redirect.
               DJANGO_SETTINGS_MODULE="skills_portal.settings.production",
               SECURE_SSL_REDIRECT="0", AXES_PROXY_COUNT="0")
    return Stack("production-like", env, workdir)


def fresh_services(database_url: str, redis_url: str) -> None:
    """An empty scratch PostgreSQL database and Redis database for the production-like run."""
    from urllib.parse import urlsplit

    import psycopg2
    import redis

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432,
                             user=parts.username or "postgres", password=parts.password,
                             dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    redis.Redis.from_url(redis_url).flushdb()


# --- the actors ---------------------------------------------------------------------------
@dataclass
class Tally:
    saves: list = field(default_factory=list)      # (unit, month, cell, value, ms) acknowledged
    save_ms: list = field(default_factory=list)
    grid_ms: list = field(default_factory=list)    # of which through the grid
    api_ms: list = field(default_factory=list)     # and through the API
    dashboard_ms: list = field(default_factory=list)
    errors: list = field(default_factory=list)     # (what, status or exception)
    approvals: list = field(default_factory=list)  # report ids approved
    imports: list = field(default_factory=list)    # (batch id, rows) a partner confirmed
    import_ms: list = field(default_factory=list)  # upload to applied
    login_s: float = 0.0                           # the sessions opened before the clock
    lock = threading.Lock()

    def add(self, name: str, value) -> None:
        with self.lock:
            getattr(self, name).append(value)


def call(method: str, url: str, token: str, body: dict | None = None,
         timeout: float = 60) -> tuple[int, dict | list | None, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json",
        "Accept": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    elapsed = (time.perf_counter() - start) * 1000
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = None
    return status, parsed, elapsed


GROUPS = ("企业职工", "农村转移劳动者", "脱贫人口")
SECOND_CLERK_MONTHS = ["2024-06", "2022-09"]
TYPES = ("岗位技能提升培训", "就业技能培训")


class Browser:
    """A clerk's browser: cookies kept by hand (the production settings mark them Secure and
    the loopback is plain HTTP, so the requests say they came through the TLS proxy, as
    nginx's X-Forwarded-Proto does)."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}
        self.secure = {"X-Forwarded-Proto": "https"}

    def open(self, path: str, form: dict | None = None) -> tuple[int, str, float]:
        from urllib.parse import urlencode

        headers = {**self.secure, "Cookie": "; ".join(f"{k}={v}" for k, v in
                                                     self.cookies.items()),
                   "Referer": self.base.replace("http://", "https://") + path,
                   "Origin": self.base.replace("http://", "https://")}
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method="POST" if form is not None else "GET")
        opener = urllib.request.build_opener(_NoRedirect)
        start = time.perf_counter()
        try:
            response = opener.open(request, timeout=60)
            status, body = response.status, response.read().decode()
            cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode(errors="replace")
            cookies = exc.headers.get_all("Set-Cookie") or []
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, body, (time.perf_counter() - start) * 1000

    def upload(self, path: str, fields: dict, name: str, content: bytes) -> tuple[int, str]:
        """POST a form with one file (multipart), as the import page's form sends it."""
        boundary = f"----load{random.getrandbits(64):x}"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                 f"{value}\r\n".encode() for key, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {**self.secure, "Cookie": "; ".join(f"{k}={v}" for k, v in
                                                     self.cookies.items()),
                   "Referer": self.base.replace("http://", "https://") + path,
                   "Origin": self.base.replace("http://", "https://"),
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}
        request = urllib.request.Request(self.base + path, data=b"".join(parts),
                                         headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=120)
            return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", "") or ""

    def login(self, username: str) -> bool:
        status, page, _ms = self.open("/accounts/login/")
        token = _CSRF.search(page)
        status, _body, _ms = self.open("/accounts/login/", {
            "username": username, "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else ""})
        return status == 302


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_LOADED = re.compile(r'name="loaded" value="([^"]*)"')
_CELL = re.compile(r'<input id="([^"]+)" name="\1" value="([^"]*)"[^>]*aria-label="([^"]*)"')


def grid_save(browser: Browser, actor: dict, month: str, group: str, kind: str,
              trained: int) -> tuple[str, float]:
    """The training grid of the unit's month as a clerk saves it: the page read, one cell
    changed, every cell posted back. ("ok" | "refused" | error, ms of the save)."""
    path = f"/entry/training/?unit={actor['unit']}&month={month}"
    status, page, _ms = browser.open(path)
    if status != 200:
        return f"grid page {status}", 0.0
    cells = {name: (value, label) for name, value, label in _CELL.findall(page)}
    if not cells or re.search(r'<input id="[^"]+"[^>]* disabled', page):
        return "refused", 0.0  # a locked month: its inputs are disabled, nothing to save
    form = {name: value for name, (value, _label) in cells.items()}
    # aria-label: "<block> <row label> <column label>"; a row's label may add a note to its
    # value (农村转移劳动者（农民工）).
    wanted = [name for name, (_v, label) in cells.items()
              if label.startswith(f"培训人次 {group}") and label.endswith(f" {kind}")]
    if not wanted:
        return "no such cell", 0.0
    form[wanted[0]] = str(trained)
    token = _CSRF.search(page)
    form["csrfmiddlewaretoken"] = token.group(1) if token else ""
    loaded = _LOADED.search(page)  # the numbers as the page showed them: only changes are saved
    if loaded:
        form["loaded"] = html.unescape(loaded.group(1))
    status, _body, ms = browser.open(path, form)
    if status == 302:
        return "ok", ms
    return ("refused" if status in (200, 400) else f"grid save {status}"), ms


def clerk(stack: Stack, actor: dict, tally: Tally, until: float, months: list[str],
          seed: int, browser: Browser) -> None:
    rng = random.Random(seed)
    lane = actor.get("lane", 0)
    # A county's second clerk enters other months, so that two clerks never save the same
    # cell (the page would rightly refuse the second: changed since it was opened).
    own_months = months if lane == 0 else SECOND_CLERK_MONTHS
    while time.time() < until:
        month = rng.choice(own_months)
        group = rng.choice(GROUPS)
        kind = rng.choice(TYPES)
        trained = rng.randint(1, 500)
        if rng.random() < 0.5:  # half the saves through the grid, half through the API
            try:
                outcome, ms = grid_save(browser, actor, month, group, kind, trained)
            except Exception as exc:
                tally.add("errors", ("grid", repr(exc)))
                continue
            if outcome == "ok":
                tally.add("saves", (actor["unit"], month, group, kind, trained, time.time()))
                tally.add("save_ms", ms)
                tally.add("grid_ms", ms)
            elif outcome != "refused":
                tally.add("errors", ("grid", outcome))
            time.sleep(rng.uniform(1.0, 3.0))
            continue
        try:
            status, _body, ms = call("POST", stack.url + "/api/v1/training-figures/",
                                     actor["token"], {
                                         "org_unit": actor["unit"], "period": month,
                                         "target_group": group, "training_type": kind,
                                         "trained": trained, "persons": 0, "completed": 0,
                                         "certified": 0})
        except Exception as exc:  # a reset or a timeout: counted, never hidden
            tally.add("errors", ("save", repr(exc)))
            continue
        if status in (200, 201):
            tally.add("saves", (actor["unit"], month, group, kind, trained, time.time()))
            tally.add("save_ms", ms)
            tally.add("api_ms", ms)
        elif status != 400:  # 400: a locked (approved) month, a right refusal
            tally.add("errors", ("save", status))
        # A clerk types a cell's numbers and saves: a save every 1–3 s each, far faster than a
        # person at month-end, so that 20 clerks send 10 saves a second.
        time.sleep(rng.uniform(1.0, 3.0))


def reviewer(stack: Stack, actor: dict, tally: Tally, until: float, month: str,
             seed: int) -> None:
    rng = random.Random(seed)
    while time.time() < until:
        status, body, _ms = call("GET", stack.url + f"/api/v1/monthly-reports/?subtree_of="
                                 f"{actor['unit']}&period={month}&status=submitted",
                                 actor["token"])
        if status != 200:
            tally.add("errors", ("reports", status))
        for report in (body or {}).get("results", [])[:2] if status == 200 else []:
            verb = "approve" if rng.random() < 0.7 else "return"
            payload = {"comment": "月末压测退回"} if verb == "return" else {}
            status, _b, _ms = call("POST", stack.url +
                                   f"/api/v1/monthly-reports/{report['id']}/{verb}/",
                                   actor["token"], payload)
            if status in (200, 201) and verb == "approve":
                tally.add("approvals", report["id"])
            elif status >= 500:
                tally.add("errors", (verb, status))
        time.sleep(rng.uniform(1.0, 3.0))


def official(stack: Stack, actor: dict, tally: Tally, until: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.time() < until:
        status, _b, ms = call("GET", stack.url + "/api/v1/dashboard/", actor["token"])
        if status == 200:
            tally.add("dashboard_ms", ms)
        else:
            tally.add("errors", ("dashboard", status))
        status, _b, _ms = call("GET", stack.url + "/api/v1/bulletins/", actor["token"])
        if status != 200:
            tally.add("errors", ("bulletins", status))
        time.sleep(rng.uniform(0.5, 2.0))


PARTNER_HEADER = ["单位", "部门", "月份", "培训对象", "培训类型", "培训人次"]
PARTNER_MONTHS = ["2025-09", "2025-08"]


def partner_workbook(actor: dict, month: str, values: list[int]) -> bytes:
    """A partner department's monthly report: its own unit and department, every target group
    and training type of the month."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(PARTNER_HEADER)
    cells = [(g, k) for g in GROUPS for k in TYPES]
    for (group, kind), value in zip(cells, values, strict=True):
        sheet.append([actor["name"], actor["department_name"], month, group, kind, value])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


_STATUS = re.compile(r'<strong id="import-status">([^<]*)</strong>')


def partner(stack: Stack, actor: dict, tally: Tally, until: float, seed: int,
            browser: Browser) -> None:
    """Uploads the department's report, waits for the preview, confirms, waits for the import
    to finish: every 5–15 s. The confirmed batches are checked afterwards (`imported`)."""
    rng = random.Random(seed)
    while time.time() < until:
        month = rng.choice(PARTNER_MONTHS)
        values = [rng.randint(1, 900) for _ in range(len(GROUPS) * len(TYPES))]
        start = time.perf_counter()
        try:
            status, page, _ms = browser.open("/imports/")
            token = _CSRF.search(page)
            status, location = browser.upload("/imports/", {
                "csrfmiddlewaretoken": token.group(1) if token else "", "kind": "training",
                "basis": "month"}, f"{actor['department_name']}{month}.xlsx",
                partner_workbook(actor, month, values))
            if status != 302 or "/imports/" not in location:
                tally.add("errors", ("upload", status))
                time.sleep(rng.uniform(5, 15))
                continue
            path = "/imports/" + location.rstrip("/").split("/imports/", 1)[1] + "/"
            batch = int(path.strip("/").split("/")[-1])
            page = _wait_for_batch(browser, path)
            if 'value="confirm"' not in page:
                tally.add("errors", ("preview", (_STATUS.search(page) or [None, "?"])[1]))
                time.sleep(rng.uniform(5, 15))
                continue
            token = _CSRF.search(page)
            status, _body, _ms = browser.open(path + "action/", {
                "csrfmiddlewaretoken": token.group(1) if token else "", "action": "confirm"})
            if status != 302:
                tally.add("errors", ("confirm", status))
                continue
            _wait_for_batch(browser, path)
        except Exception as exc:  # a reset or a timeout: counted, never hidden
            tally.add("errors", ("import", repr(exc)))
            continue
        tally.add("imports", (batch, actor["unit"], actor["department"], month, values))
        tally.add("import_ms", (time.perf_counter() - start) * 1000)
        time.sleep(rng.uniform(5, 15))


def _wait_for_batch(browser: Browser, path: str, seconds: float = 120) -> str:
    """The batch page once its preview or import has finished (the page refreshes itself
    while a job runs)."""
    deadline = time.time() + seconds
    while True:
        status, page, _ms = browser.open(path)
        if status != 200 or 'http-equiv="refresh"' not in page or time.time() > deadline:
            return page
        time.sleep(1)


def open_sessions(stack: Stack, actors: list[dict], tally: Tally) -> list[Browser | None]:
    """Each browser actor logged in, all at once, before the month-end is played: at
    month-end the clerks are already at their desks, and a login is a password hash (PBKDF2,
    about half a second of CPU) that would otherwise land in the first seconds of the run.
    The storm is timed on its own (`tally.login_s`). None: that login failed (an error)."""
    browsers = [Browser(stack.url) for _ in actors]
    start = time.perf_counter()

    def login(i: int) -> None:
        try:
            if not browsers[i].login(actors[i]["user"]):
                raise RuntimeError("refused")
        except Exception as exc:  # counted, never hidden
            tally.add("errors", ("login", actors[i]["user"], repr(exc)))
            browsers[i] = None

    threads = [threading.Thread(target=login, args=(i,)) for i in range(len(actors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    tally.login_s = time.perf_counter() - start
    return browsers


def play(stack: Stack, actors: dict, *, seconds: float, clerks: int, reviewers: int,
         officials: int, months: list[str], review_month: str, partners: int = 0,
         announce=None) -> Tally:
    tally = Tally()
    clerk_actors = actors["clerks"][:clerks]
    partner_actors = (actors.get("partners") or [])[:partners]
    browsers = open_sessions(stack, clerk_actors + partner_actors, tally)
    if announce:
        announce(f"{len(browsers)} sessions opened at once in {tally.login_s:.1f} s; "
                 f"playing {seconds:.0f} s")
    until = time.time() + seconds
    threads = []
    for i, actor in enumerate(clerk_actors):
        if browsers[i] is not None:
            threads.append(threading.Thread(target=clerk, args=(stack, actor, tally, until,
                                                                months, i, browsers[i])))
    pool = actors["reviewers"] or []
    for i in range(reviewers if pool else 0):
        threads.append(threading.Thread(target=reviewer, args=(
            stack, pool[i % len(pool)], tally, until, review_month, 1000 + i)))
    pool = actors["officials"] or []
    for i in range(officials if pool else 0):
        threads.append(threading.Thread(target=official, args=(
            stack, pool[i % len(pool)], tally, until, 2000 + i)))
    for i, actor in enumerate(partner_actors):
        browser = browsers[len(clerk_actors) + i]
        if browser is not None:
            threads.append(threading.Thread(target=partner, args=(stack, actor, tally, until,
                                                                  3000 + i, browser)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    return tally


def python_speed_ms(rounds: int = 5) -> float:
    """How long this machine takes for a fixed piece of pure Python (the best of a few rounds,
    in ms): the same code ran twice as slowly on some days as on others (a shared machine's
    neighbours), so a run's latencies are read beside it."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += len(str(i))
        best = min(best, time.perf_counter() - start)
    return best * 1000


class MachineBusy:
    """The share of the machine's CPU time in use from this object's making to `stop()`, whoever
    used it (this stack, the load generator, other tenants), from /proc/stat; None where there
    is no /proc/stat."""

    def __init__(self):
        self.first = self._sample()
        self.share: float | None = None

    @staticmethod
    def _sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                ticks = [int(x) for x in f.readline().split()[1:]]
        except OSError:
            return None
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all

    def stop(self) -> float | None:
        last = self._sample()
        if self.first and last and last[1] > self.first[1]:
            self.share = 1 - (last[0] - self.first[0]) / (last[1] - self.first[1])
        return self.share


# What a save left in the database: the last acknowledged value of each cell, and its audit.
CHECK = r"""
import json, datetime as dt
from training.models import TrainingFigure
from audit.models import AuditEntry
wanted = json.loads({wanted!r})
missing, wrong, unaudited = 0, 0, 0
for unit, month, group, kind, value in wanted:
    row = TrainingFigure.objects.filter(org_unit_id=unit, period=dt.date.fromisoformat(month + "-01"),
        target_group=group, training_type=kind, department__isnull=True,
        programme__isnull=True, subsidised=False, industry="").first()
    if row is None:
        missing += 1
    elif row.trained != value:
        wrong += 1
    elif not AuditEntry.objects.filter(model_label="training.trainingfigure", object_id=str(row.pk)).exists():
        unaudited += 1
print("CHECK" + json.dumps({{"missing": missing, "wrong": wrong, "unaudited": unaudited}}))
"""


def kept(stack: Stack, tally: Tally) -> tuple[int, int, dict]:
    """(kept, acknowledged, detail): the last acknowledged value of every cell, read back."""
    last: dict[tuple, tuple] = {}
    for unit, month, group, kind, value, at in sorted(tally.saves, key=lambda s: s[5]):
        last[(unit, month, group, kind)] = (value, at)
    wanted = [[*key, value] for key, (value, _at) in last.items()]
    out = stack.manage("shell", "-c", CHECK.format(wanted=json.dumps(wanted)))
    detail = json.loads(out.split("CHECK", 1)[1])
    bad = detail["missing"] + detail["wrong"] + detail["unaudited"]
    return len(wanted) - bad, len(wanted), detail


IMPORTED = r"""
import json, datetime as dt
from imports.models import ImportBatch
from training.models import TrainingFigure
wanted = json.loads({wanted!r})
groups, kinds = {groups!r}, {kinds!r}
bad = []
for batch, unit, department, month, values in wanted:
    status = ImportBatch.objects.get(pk=batch).status
    if status != "applied":
        bad.append([batch, status])
        continue
    cells = [(g, k) for g in groups for k in kinds]
    for (group, kind), value in zip(cells, values):
        row = TrainingFigure.objects.filter(org_unit_id=unit, department_id=department,
            period=dt.date.fromisoformat(month + "-01"), target_group=group, training_type=kind,
            programme__isnull=True, subsidised=False, industry="").first()
        if row is None or row.trained != value:
            bad.append([batch, group, kind, value, row and row.trained])
print("IMPORTED" + json.dumps(bad))
"""


def imported(stack: Stack, tally: Tally) -> tuple[int, int, list]:
    """(applied as confirmed, confirmed, what differs): each partner's last import of each month
    is what the database holds for its department (an earlier one of the same month was
    overwritten by the later, as it should be)."""
    last: dict[tuple, tuple] = {}
    for batch, unit, department, month, values in tally.imports:
        last[(unit, department, month)] = (batch, unit, department, month, values)
    wanted = list(last.values())
    out = stack.manage("shell", "-c", IMPORTED.format(wanted=json.dumps(wanted),
                                                      groups=list(GROUPS), kinds=list(TYPES)))
    bad = json.loads(out.split("IMPORTED", 1)[1])
    return len(tally.imports) - len({b[0] for b in bad}), len(tally.imports), bad


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
