"""docs/api.md's Python example (#18) is run as it is written, with only `requests`, against a
live portal: a guide whose script fails is worse than none."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from progress.rollup import rollup_month
from targets.models import Target
from tests.api_helpers import member
from tests.conftest import unit

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"


def example() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(r"<!-- example:python -->\s*```python\n(.*?)```", text, re.S)
    assert found, "docs/api.md lost its Python example"
    return found.group(1)


def test_the_api_guides_requests_script_pushes_a_quota_table_and_reads_progress(
        live_server, seeded, tmp_path):
    admin = member(unit("全国/浙江省/温州市"), role="admin")
    out = io.StringIO()
    call_command("api_token", admin.username, stdout=out)
    token = out.getvalue().strip().split()[-1]
    rollup_month(dt.date(2021, 6, 1))
    script = tmp_path / "partner.py"
    script.write_text(example(), encoding="utf-8")
    env = {**os.environ, "PORTAL": live_server.url, "PORTAL_TOKEN": token}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    lucheng = Target.objects.get(plan__code="wenzhou-2021", org_unit__name="鹿城区",
                                 parent__org_unit__name="温州市",
                                 indicator__code="training_person_times",
                                 department__isnull=True)
    assert lucheng.value == 12000
    assert re.search(r"新增 \d+ 更新 \d+ 未变 \d+", run.stdout)
    assert "温州市" in run.stdout  # progress rows of the month were read back
    again = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           env=env, timeout=120)
    assert again.returncode == 0 and "新增 0 更新 0" in again.stdout  # the same table: nothing
