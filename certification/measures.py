from org import options
from targets.measures import Dimension, Measure, Source, registry

registry.register(
    Measure("certification.certificates", "取证人数", "人", (
        Dimension("certificate_type", "证书类型", options.values("certificate_type")),
        Dimension("level", "等级", options.values("skill_level")),
        Dimension("occupation", "职业（工种）"),
        Dimension("industry", "行业", options.values("industry")),
    ), Source(model="certification.CertificateFigure", date_field="period", value="count",
              dimensions={"certificate_type": "certificate_type", "level": "level",
                          "occupation": "occupation", "industry": "industry"})),
)
