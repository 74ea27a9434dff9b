from skills_portal.filters import FigureFilter

from .models import CertificateFigure


class CertificateFigureFilter(FigureFilter):
    class Meta:
        model = CertificateFigure
        fields = ["unit", "month_from", "month_to", "certificate_type", "level"]
