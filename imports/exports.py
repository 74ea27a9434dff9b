"""Exports of the list pages' rows (figures, targets, progress), filtered as the list was.

A small export answers in the request; one above EXPORT_INLINE_ROWS rows is built by a
Celery job (`ExportJob`) and downloaded when ready (issue #21): a national administrator's
export of every training figure is 1.78 million rows, minutes of work and tens of MB, which no
request should hold."""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.filters import CertificateFigureFilter
from certification.models import CertificateFigure
from certification.resources import CertificateFigureResource
from progress.filters import ProgressFilter
from progress.models import ProgressSnapshot
from progress.resources import ProgressResource
from skills_portal.exporting import XLSX_MAX_ROWS, write_export
from targets import selectors
from targets.filters import TargetFilter
from targets.resources import TargetResource
from training.filters import TrainingFigureFilter
from training.models import TrainingFigure
from training.resources import TrainingFigureResource

from .choices import ExportStatus
from .models import ExportJob

logger = logging.getLogger(__name__)
FORMATS = ("xlsx", "csv")


class ExportRefused(Exception):
    """An export that cannot be built as asked; the message is for the user."""


def _kinds():
    return {
        "training": ("培训月报", lambda u: TrainingFigure.objects.for_user(u).select_related(
            "org_unit", "department", "programme").order_by("period", "org_unit__code", "pk"),
            TrainingFigureFilter, TrainingFigureResource),
        "certificates": ("取证月报", lambda u: CertificateFigure.objects.for_user(u).select_related(
            "org_unit", "department").order_by("period", "org_unit__code", "pk"),
            CertificateFigureFilter, CertificateFigureResource),
        "targets": ("目标", lambda u: selectors.target_list(u).select_related(
            "plan", "indicator", "org_unit", "department", "parent", "implements__plan").order_by(
            "plan__code", "period_start", "indicator__code", "org_unit__code", "pk"),
            TargetFilter, TargetResource),
        "progress": ("进度", lambda u: ProgressSnapshot.objects.for_user(u).select_related(
            "target__plan", "target__org_unit", "target__department", "target__indicator")
            .order_by("period", "target__plan__code", "target__indicator__code",
                      "target__org_unit__code", "pk"),
            ProgressFilter, ProgressResource),
    }


def exists(kind: str, fmt: str) -> bool:
    return kind in _kinds() and fmt in FORMATS


def title_of(kind: str) -> str:
    return _kinds()[kind][0]


def rows_for(kind: str, user, query: QueryDict, request=None):
    """(title, rows, resource) of an export as `user` may see it, filtered by `query` with
    the list's FilterSet. Raises ExportRefused naming the filters that are wrong."""
    title, queryset, filterset_class, resource_class = _kinds()[kind]
    filterset = filterset_class(query or None, queryset=queryset(user), request=request)
    if filterset.is_bound and not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        raise ExportRefused(_("Invalid filter: %(errors)s") % {"errors": errors})
    rows = filterset.qs if filterset.is_bound else queryset(user)
    return title, rows, resource_class()


class _UserRequest:
    """What a FilterSet reads of a request (the user), for a job run outside one."""

    def __init__(self, user):
        self.user = user


def build(job: ExportJob) -> ExportJob:
    """Write the job's file (in a worker, or in the request when the broker is down)."""
    job.status = ExportStatus.RUNNING
    job.save(update_fields=["status"])
    try:
        query = QueryDict(job.query)
        title, rows, resource = rows_for(job.kind, job.requested_by, query,
                                         _UserRequest(job.requested_by))
        count = rows.count() if job.fmt == "xlsx" else 0
        if count > XLSX_MAX_ROWS:
            raise ExportRefused(
                f"共 {count:,} 行，超过 Excel 工作表 {XLSX_MAX_ROWS:,} 行的上限。"
                "请导出 CSV，或按月份、地区筛选后分别导出。")
        out = io.BytesIO()
        job.rows = write_export(resource, rows, job.fmt, title, out)
        job.content = out.getvalue()
        job.status, job.message = ExportStatus.DONE, ""
    except ExportRefused as exc:
        job.status, job.message = ExportStatus.FAILED, str(exc)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        job.status, job.message = ExportStatus.FAILED, "导出失败（系统错误），请稍后重试或联系管理员。"
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "rows", "content", "finished_at"])
    return job


def stalled(job: ExportJob) -> bool:
    """Whether a job still waiting or running has taken longer than any export should."""
    limit = dt.timedelta(minutes=settings.EXPORT_STALLED_MINUTES)
    return timezone.now() - job.created_at > limit


def forget_old(user) -> None:
    """A user's exports are kept EXPORT_KEEP_DAYS days."""
    since = timezone.now() - dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    ExportJob.unscoped.filter(requested_by=user, created_at__lt=since).delete()
