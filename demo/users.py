"""Demo accounts, one per kind of user, for trying the portal on the embedded default."""

from django.contrib.auth import get_user_model
from django.db import transaction

from org.choices import Role
from org.models import Department, Membership, OrgUnit

from .reports import attribute_demo_reports

# (username, full name, unit path, department name or None, role, staff)
DEMO_USERS = [
    ("ningxia_admin", "宁夏人社厅管理员", "全国/宁夏回族自治区", None, Role.ADMIN, True),
    ("wenzhou_admin", "温州市人社局管理员", "全国/浙江省/温州市", None, Role.ADMIN, True),
    ("wenzhou_reviewer", "温州市人社局审核员", "全国/浙江省/温州市", None, Role.REVIEWER, False),
    ("lucheng_clerk", "鹿城区人社局填报员", "全国/浙江省/温州市/鹿城区", None, Role.DATA_ENTRY, False),
    ("longwan_clerk", "龙湾区人社局填报员", "全国/浙江省/温州市/龙湾区", None, Role.DATA_ENTRY, False),
    ("wenzhou_emergency", "温州市应急管理局统计员", "全国/浙江省/温州市", "市应急管理局",
     Role.DATA_ENTRY, False),
    ("baoshan_reviewer", "保山市人社局审核员", "全国/云南省/保山市", None, Role.REVIEWER, False),
    ("longling_clerk", "龙陵县人社局填报员", "全国/云南省/保山市/龙陵县", None, Role.DATA_ENTRY,
     False),
    ("guizhou_viewer", "贵州省人社厅查看者", "全国/贵州省", None, Role.VIEWER, False),
]


def _unit(path: str) -> OrgUnit:
    node, missing = OrgUnit.unscoped.at_path(path)
    if node is None:
        raise OrgUnit.DoesNotExist(f"no org unit {missing!r} on the path {path!r}")
    return node


@transaction.atomic
def create_demo_users(password: str) -> list[tuple[str, str]]:
    User = get_user_model()
    created = []
    admin, _ = User.objects.get_or_create(username="admin")
    admin.is_superuser = admin.is_staff = True
    admin.first_name = "系统管理员"
    admin.set_password(password)
    admin.save()
    created.append(("admin", "系统管理员（全部数据）"))
    for username, full_name, path, dept_name, role, staff in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = full_name
        user.is_staff = staff
        user.set_password(password)
        user.save()
        unit = _unit(path)
        department = Department.unscoped.get(org_unit=unit, name=dept_name) if dept_name else None
        Membership.unscoped.get_or_create(user=user, org_unit=unit, department=department, role=role)
        created.append((username, full_name))
    # The demo reports were generated before the accounts: name who submitted and reviewed.
    attribute_demo_reports(dict(User.objects.filter(
        username__in=[u[0] for u in DEMO_USERS]).values_list("username", "pk")))
    return created
