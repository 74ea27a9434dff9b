from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from org import options
from org.records import (
    can_write,
    changeable_ids,
    delete_record,
    edit_record,
    for_change,
    listing,
    require_writer,
)
from targets.entry import grid_page, resolve_page

from . import selectors
from .filters import TrainingCarrierFilter
from .forms import TRAINING_GRID, TrainingCarrierForm
from .models import Programme, TrainingCarrier
from .services import TrainingSlice, delete_carrier, save_carrier, save_training_month


@login_required
def training_grid(request):
    page = resolve_page(request)
    params = request.GET
    programmes = list(Programme.objects.for_user(request.user).available_at(page["unit"])
                      .select_related("plan"))
    programme = next((p for p in programmes if str(p.pk) == params.get("programme")), None)
    subsidised = params.get("subsidised") == "1"
    industry = params.get("industry") if params.get("industry") in options.values("industry") \
        else ""
    slice_ = TrainingSlice(department=page["department"], programme=programme,
                           subsidised=subsidised, industry=industry)
    selectors = [
        {"name": "programme", "label": _("Programme"), "value": programme.pk if programme else "",
         "choices": [("", _("none (general training)"))]
         + [(p.pk, f"{p.name}（{p.plan.short_name}）") for p in programmes]},
        {"name": "subsidised", "label": _("Subsidised training"), "value": "1" if subsidised else "0",
         "choices": [("0", _("not subsidised")), ("1", _("government-subsidised"))]},
        {"name": "industry", "label": _("Industry"), "value": industry,
         "choices": [("", _("not broken down")), *options.choices("industry")]},
    ]
    return grid_page(
        request, spec=TRAINING_GRID, title=_("Monthly training report"), page=page,
        fixed=slice_.fixed(page["unit"], page["period"]), selectors=selectors,
        save=lambda data, **merge: save_training_month(
            user=request.user, org_unit=page["unit"], period=page["period"], slice_=slice_,
            data=data, **merge),
    )


@login_required
def carrier_list(request):
    base = selectors.carrier_list(request.user).order_by("org_unit__code", "carrier_type", "name")
    filterset = TrainingCarrierFilter(request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    return render(request, "training/carrier_list.html", {
        "filter": filterset, "page": page, "total": page.paginator.count,
        "querystring": querystring,
        "changeable": changeable_ids(TrainingCarrier, request.user, page.object_list),
        "can_write": can_write(request.user),
    })


def _save(user, obj):
    return save_carrier(user=user, carrier=obj)


@login_required
@require_http_methods(["GET", "POST"])
def carrier_create(request):
    require_writer(request.user)
    return edit_record(request, form_class=TrainingCarrierForm, instance=None, save=_save,
                       template="training/carrier_form.html",
                       success_url="training:carrier_list", context={"creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def carrier_edit(request, pk):
    carrier = for_change(selectors.carrier_for, request.user, pk)
    return edit_record(request, form_class=TrainingCarrierForm, instance=carrier, save=_save,
                       template="training/carrier_form.html",
                       success_url="training:carrier_list", context={"creating": False})


@login_required
@require_http_methods(["GET", "POST"])
def carrier_delete(request, pk):
    carrier = for_change(selectors.carrier_for, request.user, pk)
    return delete_record(
        request, obj=carrier,
        delete=lambda user, obj: delete_carrier(user=user, carrier=obj),
        template="training/carrier_confirm_delete.html", success_url="training:carrier_list",
        context={})
