from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _

from org import options
from targets.entry import grid_page, resolve_page

from .forms import CERTIFICATE_GRID
from .services import CertificateSlice, save_certificate_month


@login_required
def certificate_grid(request):
    page = resolve_page(request)
    params = request.GET
    industry = params.get("industry") if params.get("industry") in options.values("industry") \
        else ""
    occupation = (params.get("occupation") or "").strip()[:60]
    slice_ = CertificateSlice(department=page["department"], occupation=occupation,
                              industry=industry)
    selectors = [
        {"name": "industry", "label": _("Industry"), "value": industry,
         "choices": [("", _("not broken down")), *options.choices("industry")]},
        {"name": "occupation", "label": _("Occupation (optional)"), "value": occupation,
         "placeholder": _("e.g. 养老护理员")},
    ]
    return grid_page(
        request, spec=CERTIFICATE_GRID, title=_("Monthly certificate report"), page=page,
        fixed=slice_.fixed(page["unit"], page["period"]), selectors=selectors,
        save=lambda data, **merge: save_certificate_month(
            user=request.user, org_unit=page["unit"], period=page["period"], slice_=slice_,
            data=data, **merge),
    )
