"""Subsidies benchmark: generating a year of monthly allowance claims, and approving claims one
by one under the scheme row lock (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres skills_portal_subsidies_bench   # a scratch database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skills_portal_subsidies_bench \\
        .venv/bin/python bench/subsidies_bench.py [holders]

Loads the seed plans (idempotent), writes `holders` (default 2,000) 技师 / 高级技师 certificate
holders in 鹿城区 with issue dates spread over 2020–2021, then measures, in one run:
- `generate_claims` for Wenzhou's allowance (one claim per holder and whole month of 2021:
  computed, validated, audited and marked for the roll-up one by one);
- the same run again (nothing to create: the idempotent path);
- the bare lower bound: `bulk_create` of the same number of claim rows, nothing checked;
- `approve_claim` on 500 claims in a row (scheme lock, cap and budget sums, audit).
Everything the script writes is removed at the start of the next run.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402

bench.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from org.models import OrgUnit  # noqa: E402
from skills_portal.identity import id_number_check_char  # noqa: E402
from subsidies import services  # noqa: E402
from subsidies.models import Claim, PersonCertificate, Scheme, SchemeBudget  # noqa: E402
from targets.seeding import load_seed_plans  # noqa: E402

AS_OF = dt.date(2022, 1, 5)


def make_id(n: int) -> str:
    first17 = f"3303021985{n // 1000 % 12 + 1:02d}{n // 100 % 10 + 10:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def timed(fn):
    settings.DEBUG = True
    reset_queries()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    queries = len(connection.queries)
    settings.DEBUG = False
    return result, seconds, queries


def main(holders: int) -> None:
    assert connection.vendor == "postgresql", "run this on PostgreSQL"
    load_seed_plans(settings.FIXTURES_DIR)
    scheme = Scheme.objects.get(code="wenzhou-shortage-technician-allowance")
    lucheng = OrgUnit.objects.get(name="鹿城区", parent__name="温州市")
    Claim.objects.filter(scheme=scheme).delete()
    SchemeBudget.objects.filter(scheme=scheme).delete()
    PersonCertificate.objects.filter(certificate_number__startswith="BENCH-").delete()
    rng = random.Random(8)
    certificates = []
    for i in range(holders):
        issued = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(700))
        # One holder in ten leaves during 2021, some time after the certificate.
        ends = issued + dt.timedelta(days=30 + rng.randrange(300)) if i % 10 == 0 else None
        certificates.append(PersonCertificate(
            org_unit=lucheng, person_name=f"技师{i}", id_number=make_id(i),
            certificate_type="职业技能等级证书",
            level="二级/技师" if i % 3 else "一级/高级技师", occupation="电工",
            certificate_number=f"BENCH-{i:06d}", issued_on=issued, allowance_ends_on=ends))
    PersonCertificate.objects.bulk_create(certificates, batch_size=2000)

    report, seconds, queries = timed(lambda: services.generate_claims(scheme=scheme,
                                                                      as_of=AS_OF))
    created = report.created
    print(f"holders: {holders:,}; claims generated: {created:,} "
          f"({report.amount:,.0f} yuan)")
    print(f"generate_claims:        {seconds:7.2f} s  {queries:7,} queries  "
          f"{seconds / created * 1000:6.2f} ms per claim")
    again, seconds2, queries2 = timed(lambda: services.generate_claims(scheme=scheme,
                                                                       as_of=AS_OF))
    print(f"same run again:         {seconds2:7.2f} s  {queries2:7,} queries  "
          f"(created {again.created})")

    rows = list(Claim.objects.filter(scheme=scheme).values(
        "certificate_id", "period", "org_unit_id", "payee_name", "amount"))
    Claim.objects.filter(scheme=scheme).delete()
    _, bare, _ = timed(lambda: Claim.objects.bulk_create([
        Claim(scheme=scheme, explanation="—", submitted_on=AS_OF, **row) for row in rows],
        batch_size=2000))
    print(f"bare bulk_create:       {bare:7.2f} s  (no checks, no audit, no marks)  "
          f"ratio {seconds / bare:5.1f}")
    Claim.objects.filter(scheme=scheme).delete()
    services.generate_claims(scheme=scheme, as_of=AS_OF)

    SchemeBudget.objects.create(scheme=scheme, year=AS_OF.year, amount=10**9)
    user = get_user_model().objects.filter(username="subsidies-bench").first() or \
        get_user_model().objects.create(username="subsidies-bench", is_superuser=True)
    claims = list(Claim.objects.filter(scheme=scheme).order_by("pk")[:500])
    _, _, queries3 = timed(lambda: [  # the query log keeps 9,000 queries: count on 50
        services.approve_claim(user=user, claim=c, on=AS_OF) for c in claims[:50]])
    _, seconds3, _ = timed(lambda: [
        services.approve_claim(user=user, claim=c, on=AS_OF) for c in claims[50:]])
    n = len(claims) - 50
    print(f"approve_claim × {n}:    {seconds3:7.2f} s  {queries3 / 50:5.1f} "
          f"queries each  {seconds3 / n * 1000:6.2f} ms per approval")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
