from org import options
from targets.grid import Axis, Block, GridSpec

from .models import CertificateFigure, level_fits

CERTIFICATE_GRID = GridSpec(
    model=CertificateFigure,
    app="certification",
    # Option sets (#26): a kind or level an administrator adds is a row or column of the next
    # page.
    rows=Axis("certificate_type", "证书类型", options.choices("certificate_type")),
    cols=Axis("level", "等级", options.choices("skill_level")),
    blocks=(Block("count", "取证人数"),),
    cell_enabled=level_fits,
)
