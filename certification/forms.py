from targets.grid import Axis, Block, GridSpec

from .choices import CertificateType, SkillLevel
from .models import CertificateFigure, level_fits

CERTIFICATE_GRID = GridSpec(
    model=CertificateFigure,
    app="certification",
    rows=Axis("certificate_type", "证书类型", tuple(CertificateType.choices)),
    cols=Axis("level", "等级", tuple(SkillLevel.choices)),
    blocks=(Block("count", "取证人数"),),
    cell_enabled=level_fits,
)
