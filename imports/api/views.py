"""POST /api/v1/quota-tables/: a quota table as JSON (issue #18), read by the same code as the
Excel quota import (imports/quotas.py) — the same headings, names, aliases, checks and error
list; all or nothing; idempotent (children are matched on their parent and unit or
department, so the same table twice changes nothing)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiExample, extend_schema
from openpyxl.utils import column_index_from_string
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from org.api.idempotency import idempotent

from .. import quotas
from ..reader import ImportForbidden, ImportRefused, Sheet
from . import serializers as s


def _sheet(data: dict) -> tuple[Sheet, list[str]]:
    keys: list[str] = []
    for row in data["rows"]:
        keys += [k for k in row["values"] if k not in keys]
    header = ["地区" if data["axis"] == "region" else "部门", *keys]
    rows = [[row["name"], *(str(row["values"][k]) if k in row["values"] else "" for k in keys)]
            for row in data["rows"]]
    return Sheet(name="JSON", rows=[header, *rows], hidden=False), keys


def _issues(issues, keys: list[str], count: int) -> list[dict]:
    found = []
    for issue in issues:
        row = issue.row - 2 if issue.row and 2 <= issue.row < count + 2 else None
        letters = "".join(c for c in (issue.column or "") if c.isascii() and c.isalpha())
        position = column_index_from_string(letters) - 1 if letters else None
        field = ("name" if position == 0 else f"values.{keys[position - 1]}"
                 if position and position - 1 < len(keys) else "")
        found.append({"row": row, "field": field, "message": issue.message})
    return found


class QuotaTableView(APIView):
    @extend_schema(request=s.QuotaTableSerializer,
                   responses={200: s.QuotaResultSerializer, 201: s.QuotaResultSerializer},
                   summary="Decompose a plan's targets from a quota table (JSON)",
                   examples=[OpenApiExample("Two districts, headings as offices write them",
                                            request_only=True, value={
                       "plan": "wenzhou-2021", "axis": "region", "rows": [
                           {"name": "鹿城区", "values": {"职业技能培训（人次）": 12000,
                                                      "其中：新增高技能人才（人）": 1500}},
                           {"name": "温州经开区", "values": {"职业技能培训（人次）": 6000,
                                                        "其中：新增高技能人才（人）": 700}}],
                       "dry_run": True})])
    @idempotent
    def post(self, request):
        """Each row's values become child targets under the plan's target for that indicator
        at the issuing unit, as the Excel quota table does. A 400 lists every error by row
        index and field, and nothing is saved; `dry_run` answers what would change."""
        serializer = s.QuotaTableSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sheet, keys = _sheet(data)
        run = quotas.analyse if data["dry_run"] else quotas.apply
        try:
            analysis = run([sheet], user=request.user, plan=data["plan"],
                           year=data.get("year"), file_name="API")
        except ImportForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except ImportRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        count = len(data["rows"])
        body = {"applied": analysis.ok and not data["dry_run"], "rows": analysis.rows,
                "created": len(analysis.create), "updated": len(analysis.update),
                "unchanged": analysis.unchanged,
                "errors": _issues(analysis.errors, keys, count),
                "warnings": _issues(analysis.warnings, keys, count)}
        if analysis.errors:
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED if body["applied"] and body["created"]
                        else status.HTTP_200_OK)
