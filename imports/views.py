from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from org.selectors import writable_units
from skills_portal.exporting import download, export_response

from . import exports, services
from .choices import ExportStatus, ImportStatus
from .forms import UploadForm
from .kinds import layout as layout_of
from .kinds import layouts, titles
from .models import ExportJob, ImportBatch
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


@login_required
def export(request, kind, fmt):
    """The rows of a list, filtered with the list's FilterSet, as .xlsx or .csv: at once when
    there are few, else a page that offers to build the file in the background."""
    if not exports.exists(kind, fmt):
        raise Http404
    try:
        title, rows, resource = exports.rows_for(kind, request.user, request.GET, request)
    except exports.ExportRefused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    count = rows.count()
    if count <= settings.EXPORT_INLINE_ROWS:
        return export_response(resource, rows, fmt, title)
    return render(request, "imports/export_confirm.html", {
        "kind": kind, "fmt": fmt, "title": title, "count": count,
        "query": request.GET.urlencode(),
        "recent": ExportJob.objects.for_user(request.user).defer("content")[:5],
    })


@login_required
@require_POST
def export_start(request, kind, fmt):
    if not exports.exists(kind, fmt):
        raise Http404
    query = request.POST.get("query", "")
    try:
        exports.rows_for(kind, request.user, QueryDict(query), request)
    except exports.ExportRefused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    job = services.request_export(user=request.user, kind=kind, fmt=fmt, query=query)
    return redirect("imports:export_job", pk=job.pk)


@login_required
def export_job(request, pk):
    job = get_object_or_404(ExportJob.objects.for_user(request.user).defer("content"), pk=pk)
    working = job.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    # A job that never finished (its worker was stopped, its message lost) stops the page's
    # refreshing and offers to build the file again.
    stalled = working and exports.stalled(job)
    return render(request, "imports/export_job.html", {
        "job": job, "title": exports.title_of(job.kind),
        "working": working and not stalled, "stalled": stalled,
    })


@login_required
def export_download(request, pk):
    job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk,
                            status=ExportStatus.DONE)
    return download(bytes(job.content), job.fmt, exports.title_of(job.kind))
