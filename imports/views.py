from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certification.filters import CertificateFigureFilter
from certification.models import CertificateFigure
from certification.resources import CertificateFigureResource
from org.selectors import writable_units
from progress.filters import ProgressFilter
from progress.models import ProgressSnapshot
from progress.resources import ProgressResource
from skills_portal.exporting import export_response
from targets import selectors
from targets.filters import TargetFilter
from targets.resources import TargetResource
from training.filters import TrainingFigureFilter
from training.models import TrainingFigure
from training.resources import TrainingFigureResource

from . import services
from .choices import ImportStatus
from .forms import UploadForm
from .kinds import layout as layout_of
from .kinds import layouts, titles
from .models import ImportBatch
from .workbook import template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    can_upload = writable_units(request.user).exists()
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied(_("Your account may not enter figures."))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.IMPORT_MAX_BYTES:
                form.add_error("file", _("The file is %(size).1f MB; the limit is %(limit)d MB. "
                                         "Split it by month or region.")
                               % {"size": upload.size / 2**20,
                                  "limit": settings.IMPORT_MAX_BYTES // 2**20})
            else:
                try:
                    batch = services.upload(user=request.user, kind=form.cleaned_data["kind"],
                                            basis=form.cleaned_data["basis"],
                                            file_name=upload.name, data=upload.read(),
                                            options=form.options())
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    return redirect("imports:detail", pk=batch.pk)
    batches = ImportBatch.objects.for_user(request.user).select_related("uploaded_by")[:50]
    return render(request, "imports/list.html", {
        "form": form, "batches": batches, "can_upload": can_upload,
        "kinds": [(k, layout.title) for k, layout in layouts().items()],
        "limit_mb": settings.IMPORT_MAX_BYTES // 2**20,
    })


@login_required
def import_detail(request, pk):
    batch = get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)
    return render(request, "imports/detail.html", {
        "batch": batch, "title": dict(titles()).get(batch.kind, batch.kind),
        "can_confirm": batch.is_confirmable and batch.uploaded_by_id == request.user.pk,
        "running": batch.status == ImportStatus.RUNNING,
        "earlier": list(batch.earlier_uploads(request.user)[:5]),
    })


@login_required
@require_POST
def import_action(request, pk):
    batch = get_object_or_404(ImportBatch.objects.for_user(request.user, "change"), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            batch = services.confirm(batch, user=request.user)
            if batch.status == ImportStatus.APPLIED:
                messages.success(request, _("Imported: %(created)d created, %(updated)d updated, "
                                            "%(unchanged)d unchanged.")
                                 % {"created": batch.created, "updated": batch.updated,
                                    "unchanged": batch.unchanged})
        elif action == "names":
            choices = {key[len("name:"):]: value for key, value in request.POST.items()
                       if key.startswith("name:")}
            batch = services.choose_names(batch, user=request.user, choices=choices)
            messages.success(request, _("The names you chose are kept; the file was checked "
                                        "again."))
        elif action == "discard":
            services.discard(batch, user=request.user)
            messages.success(request, _("The upload was discarded; nothing was saved."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=batch.pk)


@login_required
def import_template(request, kind):
    layout = layout_of(kind)
    if layout is None:
        raise Http404
    response = HttpResponse(template(layout, user=request.user), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename=\"{kind}-template.xlsx\"; "
                                       f"filename*=UTF-8''{quote(layout.title + '导入模板.xlsx')}")
    return response


def _exports():
    return {
        "training": ("培训月报", lambda u: TrainingFigure.objects.for_user(u).select_related(
            "org_unit", "department", "programme").order_by("period", "org_unit__code", "pk"),
            TrainingFigureFilter, TrainingFigureResource),
        "certificates": ("取证月报", lambda u: CertificateFigure.objects.for_user(u).select_related(
            "org_unit", "department").order_by("period", "org_unit__code", "pk"),
            CertificateFigureFilter, CertificateFigureResource),
        "targets": ("目标", lambda u: selectors.target_list(u).select_related(
            "plan", "indicator", "org_unit", "department", "parent").order_by(
            "plan__code", "period_start", "indicator__code", "org_unit__code", "pk"),
            TargetFilter, TargetResource),
        "progress": ("进度", lambda u: ProgressSnapshot.objects.for_user(u).select_related(
            "target__plan", "target__org_unit", "target__department", "target__indicator")
            .order_by("period", "target__plan__code", "target__indicator__code",
                      "target__org_unit__code", "pk"),
            ProgressFilter, ProgressResource),
    }


@login_required
def export(request, kind, fmt):
    """The rows of a list, filtered with the list's FilterSet, as .xlsx or .csv."""
    exports = _exports()
    if kind not in exports or fmt not in ("xlsx", "csv"):
        raise Http404
    title, queryset, filterset_class, resource_class = exports[kind]
    filterset = filterset_class(request.GET or None, queryset=queryset(request.user),
                                request=request)
    if filterset.is_bound and not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponse(_("Invalid filter: %(errors)s") % {"errors": errors}, status=400,
                            content_type="text/plain; charset=utf-8")
    rows = filterset.qs if filterset.is_bound else queryset(request.user)
    return export_response(resource_class(), rows, fmt, title)
