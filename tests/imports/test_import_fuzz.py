"""Mutated workbooks: a seeded generator changes a few bytes of one XML part of a good file
(or of the zip itself) and uploads it. Each upload must be refused with a message or
previewed, never end in an unhandled error (a 500), and previews save nothing. Fuzzing this
way found the unsupported zip method and version (tests/test_imports.py)."""

import io
import random
import zipfile
from collections import Counter

import pytest

from imports import services
from imports.choices import ImportStatus
from targets.models import Plan
from tests import xlsx_corpus as corpus
from tests.factories import UserFactory
from tests.imports.test_import_grid_layout import MAY_BLOCKS, training_grid
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

# Pieces of spreadsheet XML and awkward values, inserted at random places.
TOKENS = [b"<", b">", b"/", b'"', b"=", b"&", b"&#0;", b"&amp;", b"1e999", b"-1", b"XFD1048576",
          b"A0", b'r=""', b't="s"', b't="e"', b't="inlineStr"', b"<f>", b"</f>", b"<v>", b"</v>",
          b"9" * 30, b"\x00", b"\xff", "中".encode(), b'ref="A1:XFD1"', b'hidden="1"',
          b'<c r="B2">', b"</row>", b'<row r="0">', b'<mergeCell ref="A1:B2"/>', b"NaN", b"inf",
          b't="b"', b't="d"', b't="str"']


def _mutate_xml(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        at, op = rng.randrange(len(out)), rng.random()
        if op < 0.3:
            out[at:at] = rng.choice(TOKENS)
        elif op < 0.5:
            del out[at:at + rng.randint(1, 40)]
        elif op < 0.7:
            out[at] = rng.randrange(256)
        elif op < 0.85:
            piece = out[at:at + rng.randint(1, 200)]
            where = rng.randrange(len(out))
            out[where:where] = piece
        else:
            del out[at:]
    return bytes(out)


def mutated(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.1:  # a byte of the zip itself
        out = bytearray(data)
        out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    parts = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
             if n.endswith((".xml", ".rels"))]
    target = rng.choice(parts)
    return corpus.rewrite(data, lambda name, content: None if name == "+" else (
        _mutate_xml(content, rng) if name == target else content))


def test_mutated_workbooks_are_refused_or_previewed_never_an_error(client):
    admin = UserFactory(username="fuzz_admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    rows = [["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "", "是", 40, 30, 35, 30],
            ["龙陵县", "2024-06", "企业职工", "岗位技能提升培训", "", "否", "1.2万", 0, 50, 0]]
    files = {
        "training": corpus.training(*rows, hidden_rows=(3,)),
        "grid": corpus.xlsx(training_grid(blocks=MAY_BLOCKS)),
        "quota": corpus.xlsx([["温州市技能人才培训指标分解表"], ["地区", "培训数", "取证数"],
                              ["鹿城", 12000, 8000], ["合计", 12000, 8000]]),
        "targets": client.get("/imports/export/targets.xlsx?plan=longling-2022").content,
    }
    assert files["targets"].startswith(b"PK")
    wenzhou = Plan.objects.get(code="wenzhou-2021")
    rng, seen = random.Random(20261122), Counter()
    for _ in range(160):
        kind = rng.choice(sorted(files))
        batch = services.upload(
            user=admin, kind="training" if kind == "grid" else kind, basis="month",
            file_name="mutated.xlsx", data=mutated(files[kind], rng),
            options={"plan": wenzhou.pk, "indicator": None, "year": 2021}
            if kind == "quota" else None)
        assert batch.status in (ImportStatus.REFUSED, ImportStatus.PREVIEWED), (
            kind, batch.status, batch.message)
        if batch.status == ImportStatus.REFUSED:
            assert batch.message and batch.content is None
        seen[batch.status] += 1
    assert not TrainingFigure.objects.exists()  # a preview writes no figure
    assert seen[ImportStatus.REFUSED] > 20 and seen[ImportStatus.PREVIEWED] > 20
