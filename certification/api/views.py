"""Viewsets of the certification API: figures written through the certificate grid's
service."""

from __future__ import annotations

from targets.api.figures import FigureViewSet

from ..filters import CertificateFigureFilter
from ..forms import CERTIFICATE_GRID
from ..models import CertificateFigure
from ..services import CertificateSlice, save_certificate_month
from .serializers import CertificateFigureSerializer


class CertificateFigureViewSet(FigureViewSet):
    """Monthly certificate figures: one row per cell of the certificate report (unit,
    department, month, occupation, industry; certificate type × level). Writes go through the
    certificate grid's service: its checks, scope, reporting lock, audit and roll-up marks
    apply."""

    spec = CERTIFICATE_GRID
    serializer_class = CertificateFigureSerializer
    filterset_class = CertificateFigureFilter
    ordering_fields = ["period", "count", "id"]
    # As the training figures: through the (month, unit) index.
    ordering = ["-period", "-org_unit_id", "certificate_type", "level", "id"]

    def scoped_queryset(self, user):
        return CertificateFigure.objects.for_user(user).select_related("org_unit", "entered_by")

    def slice_of(self, key):
        return CertificateSlice(department=key["department"],
                                occupation=(key["occupation"] or "").strip(),
                                industry=key["industry"])

    def save_page(self, *, key, slice_, data, only):
        return save_certificate_month(user=self.request.user, org_unit=key["org_unit"],
                                      period=key["period"], slice_=slice_, data=data,
                                      only=only)
