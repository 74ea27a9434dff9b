"""What the competitions app feeds the roll-up. Demo rows (`is_demo`) are counted like any
others: they are marked, not excluded, so a demonstration shows the whole road."""

from org import options
from targets.measures import Dimension, Measure, Source, registry

# Option sets (#26): an indicator's filter takes the values an administrator has added.
LEVEL = Dimension("level", "竞赛级别", options.values("competition_level"))

_COMPETITION = {
    "model": "competitions.Competition",
    "date_field": "start_date",
    "unit_field": "organiser_unit",
    "department_field": "organiser_department",
    "dimensions": {"level": "level"},
}

registry.register(
    Measure("competitions.events", "举办竞赛场次", "场", (LEVEL,),
            source=Source(value=None, **_COMPETITION)),
    Measure("competitions.participants", "参赛及岗位练兵人次", "人次", (LEVEL,),
            source=Source(value="participants", **_COMPETITION)),
    Measure("competitions.awards", "获奖及荣誉人数", "人", (
        LEVEL,
        Dimension("honour_title", "荣誉称号", options.values("honour_title")),
        Dimension("honour_level", "荣誉级别", options.values("honour_level")),
    ), source=Source(
        model="competitions.Award",
        date_field="awarded_on",
        value=None,
        unit_field="org_unit",
        department_field="department",
        dimensions={"level": "competition__level", "honour_title": "honour_title",
                    "honour_level": "honour_level"},
    )),
)
