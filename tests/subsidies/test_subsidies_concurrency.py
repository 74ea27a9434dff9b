"""Two approvals at the same moment that together would pass a cap or a budget: on PostgreSQL
the scheme row lock serialises them and exactly one is refused. Real threads, real
connections, committed transactions (so the lock is a real lock)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from skills_portal.identity import id_number_check_char
from subsidies import services
from subsidies.choices import ClaimStatus
from subsidies.models import Claim, Hire, PersonCertificate, Scheme, SchemeBudget
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"),
]

CODE = "91411300MA44XXXX0A"


def make_id(n: int) -> str:
    first17 = f"4113011990{n // 1000 + 1:02d}01{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _race(claims, user, **kwargs):
    """Approve each claim in its own thread, all released at once; returns the outcomes."""
    barrier = threading.Barrier(len(claims))
    outcomes = {}

    def approve(claim):
        try:
            barrier.wait(timeout=10)
            services.approve_claim(user=user, claim=claim, **kwargs)
            outcomes[claim.pk] = "approved"
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[claim.pk] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(c,)) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def _hire_claims(scheme, hitech, count, *, start=0):
    certs = PersonCertificate.objects.bulk_create([
        PersonCertificate(org_unit=hitech, person_name=f"员工{i}", id_number=make_id(i),
                          certificate_type="职业技能等级证书", level="四级/中级工", occupation="焊工",
                          certificate_number=f"R{i:06d}", issued_on=dt.date(2023, 1, 1))
        for i in range(start, start + count)])
    hires = Hire.objects.bulk_create([
        Hire(org_unit=hitech, enterprise_name="企业A", enterprise_code=CODE, certificate=c,
             hired_on=dt.date(2023, 2, 1), insured_months=12) for c in certs])
    return [Claim(scheme=scheme, hire=h, org_unit=hitech, payee_name="企业A",
                  enterprise_name="企业A", enterprise_code=CODE, amount=Decimal(1000),
                  explanation="—", submitted_on=dt.date(2024, 3, 1)) for h in hires]


def test_two_concurrent_approvals_cannot_both_pass_the_enterprise_cap(seeded):
    hitech = unit("全国/河南省/南阳市/南阳高新技术产业开发区")
    per_hire = Scheme.objects.get(code="nanyang-certified-hire-subsidy")
    committed = _hire_claims(per_hire, hitech, 1999)
    for claim in committed:
        claim.status, claim.approved_on = ClaimStatus.APPROVED, dt.date(2024, 3, 2)
    Claim.objects.bulk_create(committed)
    racing = Claim.objects.bulk_create(_hire_claims(per_hire, hitech, 2, start=1999))
    root = UserFactory(is_superuser=True)

    outcomes = _race(racing, root)

    assert sorted(o if o == "approved" else "refused" for o in outcomes.values()) == \
        ["approved", "refused"]
    refused = next(o for o in outcomes.values() if o != "approved")
    assert refused.error_list[0].code == "cap"
    assert services.committed_total(per_hire, enterprise_code=CODE) == Decimal(2_000_000)


def test_two_concurrent_approvals_cannot_both_pass_the_annual_budget(seeded):
    hitech = unit("全国/河南省/南阳市/南阳高新技术产业开发区")
    per_hire = Scheme.objects.get(code="nanyang-certified-hire-subsidy")
    SchemeBudget.objects.create(scheme=per_hire, year=2026, amount=Decimal(1500))
    racing = Claim.objects.bulk_create(_hire_claims(per_hire, hitech, 2))
    outcomes = _race(racing, UserFactory(is_superuser=True), on=dt.date(2026, 1, 5))
    assert sorted(o if o == "approved" else "refused" for o in outcomes.values()) == \
        ["approved", "refused"]
    assert Claim.objects.filter(status=ClaimStatus.APPROVED).count() == 1
