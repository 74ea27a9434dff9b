"""Subsidies pages: schemes with rule summary and remaining budget, claims with filters and the
approve / reject / pay actions, hand entry, vouchers and their steps, the admin; scoping and
masking on every page."""

import datetime as dt
from decimal import Decimal

import pytest

from competitions.models import Award, Competition
from org.models import Membership
from skills_portal.identity import id_number_check_char
from subsidies import services
from subsidies.choices import ClaimStatus, VoucherStatus
from subsidies.models import Claim, PersonCertificate, Scheme, SchemeBudget, SchemeRate
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LONGLING = "全国/云南省/保山市/龙陵县"
HITECH = "全国/河南省/南阳市/南阳高新技术产业开发区"


def make_id(n: int) -> str:
    first17 = f"53052319900101{n:03d}"
    return first17 + id_number_check_char(first17)


def login(client, org_unit=None, role="admin", **kwargs):
    user = UserFactory(**kwargs)
    if org_unit is not None:
        Membership.objects.create(user=user, org_unit=org_unit, role=role)
    client.force_login(user)
    return user


def gold(org_unit, n=1, on=dt.date(2023, 9, 20)):
    comp = Competition.objects.create(name=f"世赛{n}", level="世界技能大赛", organiser_unit=org_unit,
                                      start_date=on, end_date=on)
    return Award.objects.create(competition=comp, medal="金牌", recipient_name=f"选手{n}",
                                recipient_id_number=make_id(n), org_unit=org_unit, awarded_on=on)


def test_scheme_page_shows_rules_and_remaining_budget(client):
    medals = Scheme.objects.get(code="longling-competition-medals")
    year = dt.date.today().year
    SchemeBudget.objects.create(scheme=medals, year=year, amount=Decimal(500000))
    gold(unit(LONGLING))
    services.generate_claims(scheme=medals)
    services.approve_claim(user=UserFactory(is_superuser=True), claim=Claim.objects.get())
    login(client, is_superuser=True, is_staff=True)
    html = client.get("/subsidies/").content.decode()
    assert "补贴奖励方案" in html
    assert "世界技能大赛金牌 150,000元" in html  # rule summary
    assert "自治区技术能手奖励" in html and "2,000,000" in html
    assert "500,000" in html and "350,000" in html  # budget and what remains
    assert 'href="/subsidies/"' in client.get("/").content.decode()  # the nav link


def test_generate_approve_reject_pay_through_the_pages(client):
    longling = unit(LONGLING)
    gold(longling, 1)
    gold(longling, 2)
    clerk = login(client, longling, role="data_entry")
    medals = Scheme.objects.get(code="longling-competition-medals")
    response = client.post(f"/subsidies/{medals.pk}/generate/", follow=True)
    assert "新生成申领 2 件，共 300,000 元" in response.content.decode()
    first, second = Claim.objects.order_by("pk")
    assert first.created_by == clerk
    # The clerk sees the claims but has no decision buttons, and a decision is refused.
    html = client.get("/subsidies/claims/").content.decode()
    assert "选手1" in html and "核准</button>" not in html
    client.post(f"/subsidies/claims/{first.pk}/approve/")
    first.refresh_from_db()
    assert first.status == ClaimStatus.PENDING

    login(client, unit("全国/云南省/保山市"), role="reviewer")
    html = client.get("/subsidies/claims/").content.decode()
    assert "核准</button>" in html
    assert make_id(1) not in html and make_id(1)[:6] + "********" in html  # masked above
    client.post(f"/subsidies/claims/{first.pk}/approve/", {"next": "/subsidies/claims/"})
    first.refresh_from_db()
    assert first.status == ClaimStatus.APPROVED
    page = client.post(f"/subsidies/claims/{second.pk}/reject/", {"reason": ""}, follow=True)
    assert "请说明不予核准的理由" in page.content.decode()
    client.post(f"/subsidies/claims/{second.pk}/reject/", {"reason": "选派手续不全"})
    second.refresh_from_db()
    assert second.status == ClaimStatus.REJECTED and second.rejection_reason == "选派手续不全"
    page = client.post(f"/subsidies/claims/{first.pk}/pay/",
                       {"paid_on": dt.date.today().isoformat(), "reference": "龙财拨1号"},
                       follow=True)
    first.refresh_from_db()
    assert first.status == ClaimStatus.PAID and first.payment_reference == "龙财拨1号"
    filtered = client.get("/subsidies/claims/?status=paid").content.decode()
    assert "选手1" in filtered and "选手2" not in filtered


def test_a_refused_approval_says_why_in_chinese(client):
    hitech = unit(HITECH)
    per_hire = Scheme.objects.get(code="nanyang-certified-hire-subsidy")
    SchemeBudget.objects.create(scheme=per_hire, year=dt.date.today().year, amount=Decimal(0))
    cert = PersonCertificate.objects.create(
        org_unit=hitech, person_name="员工", id_number=make_id(5), certificate_type="职业技能等级证书",
        level="四级/中级工", occupation="焊工", certificate_number="X1", issued_on=dt.date(2023, 1, 1))
    from subsidies.models import Hire

    Hire.objects.create(org_unit=hitech, enterprise_name="企业A",
                        enterprise_code="91411300MA44XXXX0A", certificate=cert,
                        hired_on=dt.date(2023, 2, 1), insured_months=12)
    services.generate_claims(scheme=per_hire)
    login(client, hitech, role="reviewer")
    claim = Claim.objects.get()
    page = client.post(f"/subsidies/claims/{claim.pk}/approve/", follow=True)
    assert "不予核准" in page.content.decode() and "年度预算" in page.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_claim_pages_are_scoped(client):
    longling = unit(LONGLING)
    gold(longling)
    services.generate_claims(scheme=Scheme.objects.get(code="longling-competition-medals"))
    claim = Claim.objects.get()
    login(client, unit("全国/云南省/保山市/施甸县"), role="admin")
    assert "选手1" not in client.get("/subsidies/claims/").content.decode()
    assert client.post(f"/subsidies/claims/{claim.pk}/approve/").status_code == 404


def test_hand_entry_computes_and_refuses_a_second_claim(client):
    longling = unit(LONGLING)
    award = gold(longling)
    login(client, longling, role="data_entry")
    medals = Scheme.objects.get(code="longling-competition-medals")
    response = client.post("/subsidies/claims/new/", {"scheme": medals.pk, "award": award.pk})
    assert response.status_code == 302
    assert Claim.objects.get().amount == Decimal(150000)
    again = client.post("/subsidies/claims/new/", {"scheme": medals.pk, "award": award.pk})
    assert again.status_code == 200 and "不得重复申领" in again.content.decode()
    neither = client.post("/subsidies/claims/new/", {"scheme": medals.pk})
    assert "只选择一条" in neither.content.decode() or "恰好" in neither.content.decode()
    assert Claim.objects.count() == 1


def test_voucher_pages_issue_and_step(client):
    hitech = unit(HITECH)
    training = Scheme.objects.get(code="nanyang-training-voucher")
    SchemeRate.objects.create(scheme=training, certificate_level="四级/中级工", amount=1000)
    login(client, hitech, role="data_entry")
    today = dt.date.today()
    response = client.post("/subsidies/vouchers/new/", {
        "scheme": training.pk, "org_unit": hitech.pk, "person_name": "学员", "id_number":
        make_id(8), "occupation": "焊工", "issued_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=180)).isoformat()})
    assert response.status_code == 302
    voucher = training.vouchers.get()
    page = client.post(f"/subsidies/vouchers/{voucher.pk}/step/",
                       {"to_status": "certified", "on": today.isoformat()}, follow=True)
    assert "不得跳过任何环节" in page.content.decode()
    client.post(f"/subsidies/vouchers/{voucher.pk}/step/",
                {"to_status": "enrolled", "on": today.isoformat(), "institution": "培训学校"})
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ENROLLED
    html = client.get("/subsidies/vouchers/").content.decode()
    assert "已报名入训" in html and make_id(8) in html  # the holder's own unit sees the number
    assert "已过有效期" not in html and 'name="to_status" value="trained"' in html
    voucher.expires_on = voucher.issued_on = today - dt.timedelta(days=1)
    voucher.enrolled_on = voucher.issued_on
    voucher.save()
    html = client.get("/subsidies/vouchers/").content.decode()
    assert "已过有效期" in html and 'name="to_status"' not in html


def test_admin_pages_for_every_model(client):
    login(client, is_superuser=True, is_staff=True)
    for name in ("scheme", "personcertificate", "hire", "startupproject", "claim", "voucher"):
        assert client.get(f"/admin/subsidies/{name}/").status_code == 200, name
        if name not in ("claim",):
            assert client.get(f"/admin/subsidies/{name}/add/").status_code == 200, name
    medals = Scheme.objects.get(code="longling-competition-medals")
    html = client.get(f"/admin/subsidies/scheme/{medals.pk}/change/").content.decode()
    assert "150,000" in html or "150000" in html


def test_record_pages_enter_a_hire_that_becomes_a_claim(client):
    hitech = unit(HITECH)
    login(client, hitech, role="data_entry")
    for kind in ("certificates", "hires", "projects"):
        assert client.get(f"/subsidies/records/{kind}/").status_code == 200
        assert client.get(f"/subsidies/records/{kind}/new/").status_code == 200
    assert client.get("/subsidies/records/nothing/").status_code == 404
    bad = client.post("/subsidies/records/certificates/new/", {
        "org_unit": hitech.pk, "person_name": "员工", "id_number": "411301199001011234",
        "certificate_type": "职业技能等级证书", "level": "四级/中级工", "occupation": "焊工",
        "certificate_number": "H-1", "issued_on": "2023-01-05"})
    assert bad.status_code == 200 and "校验码" in bad.content.decode()
    client.post("/subsidies/records/certificates/new/", {
        "org_unit": hitech.pk, "person_name": "员工", "id_number": make_id(11),
        "certificate_type": "职业技能等级证书", "level": "四级/中级工", "occupation": "焊工",
        "certificate_number": "H-1", "issued_on": "2023-01-05"})
    cert = PersonCertificate.objects.get(certificate_number="H-1")
    response = client.post("/subsidies/records/hires/new/", {
        "org_unit": hitech.pk, "enterprise_name": "南阳某机械有限公司",
        "enterprise_code": "91411300MA44XXXX0A", "is_sme": "on", "certificate": cert.pk,
        "hired_on": "2023-03-01", "insured_months": "12"})
    assert response.status_code == 302
    services.generate_claims(scheme=Scheme.objects.get(code="nanyang-certified-hire-subsidy"))
    claim = Claim.objects.get()
    assert claim.amount == Decimal(1000) and claim.enterprise_name == "南阳某机械有限公司"
    # The hire is now paid by a claim: its facts are frozen, with a message saying so.
    from subsidies.models import Hire

    hire = Hire.objects.get()
    frozen = client.post(f"/subsidies/records/hires/{hire.pk}/edit/", {
        "org_unit": hitech.pk, "enterprise_name": "南阳某机械有限公司",
        "enterprise_code": "91411300MA44XXXX0A", "is_sme": "on", "certificate": cert.pk,
        "hired_on": "2023-04-01", "insured_months": "12"})
    assert frozen.status_code == 200 and "不能再修改" in frozen.content.decode()
    # A reviewer above sees the holder's number masked, and the edit page keeps it hidden.
    login(client, unit("全国/河南省/南阳市"), role="data_entry")
    html = client.get("/subsidies/records/certificates/").content.decode()
    assert make_id(11) not in html and make_id(11)[:6] + "********" in html
    edit = client.get(f"/subsidies/records/certificates/{cert.pk}/edit/").content.decode()
    assert make_id(11) not in edit


def test_admin_actions_approve_and_pay_through_the_services(client):
    longling = unit(LONGLING)
    gold(longling, 1)
    medals = Scheme.objects.get(code="longling-competition-medals")
    SchemeBudget.objects.create(scheme=medals, year=dt.date.today().year, amount=Decimal(100000))
    services.generate_claims(scheme=medals)
    claim = Claim.objects.get()
    login(client, is_superuser=True, is_staff=True)
    page = client.post("/admin/subsidies/claim/", {"action": "approve_selected",
                                                   "_selected_action": [claim.pk]}, follow=True)
    assert "剩余 100,000 元" in page.content.decode()  # over the budget: refused, and why
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    SchemeBudget.objects.filter(scheme=medals).update(amount=Decimal(150000))
    client.post("/admin/subsidies/claim/", {"action": "approve_selected",
                                            "_selected_action": [claim.pk]})
    client.post("/admin/subsidies/claim/", {"action": "pay_selected",
                                            "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
