"""The sizes of the demo place. Every scale runs the same code; only these numbers differ.

`small` is what `make demo` brings up; `city` is the benchmark scale of the
cadre list; `province` adds eight more cities and the province's own organs.
`tiny` is for tests (same shapes, a fraction of the rows) and is not offered
in the command's help.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The demo's "today": every age, career date and "since" is counted back from
# here, never from the clock, so a seed gives the same data on any day.
DEMO_TODAY = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int                 # 临江市 first; more only at province scale
    counties_per_city: int
    full_catalogue: bool        # False: the representative units only; True: every unit of the catalogue
    townships_per_county: int
    cadres_per_city: int
    province_organs: bool       # the province's own departments, universities, enterprises
    province_cadres: int
    # Teacher pool per city: internal teachers of the city party school and of
    # the cadre academy, of each county party school, and external experts.
    school_teachers: int
    academy_teachers: int
    county_school_teachers: int
    external_teachers: int
    # The training process of the first city (demo/process/): city classes per year (the
    # city's programme, at most its 48 regular classes), classes per year of every other
    # county's party school, items of 东城区's plan drawn from its survey, and the factor on
    # class sizes (30–120 at 1; tiny's few hundred cadres fill smaller classes).
    process_city_classes: int = 54
    process_county_classes: int = 7
    process_plan_topics: int = 8
    process_size_factor: float = 1.0


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", cities=1, counties_per_city=2, full_catalogue=False, townships_per_county=3,
                  cadres_per_city=400, province_organs=False, province_cadres=0,
                  school_teachers=10, academy_teachers=3, county_school_teachers=2, external_teachers=6,
                  process_city_classes=10, process_county_classes=2, process_plan_topics=4, process_size_factor=0.45),
    "small": Scale("small", cities=1, counties_per_city=10, full_catalogue=False, townships_per_county=3,
                   cadres_per_city=3_000, province_organs=False, province_cadres=0,
                   school_teachers=40, academy_teachers=10, county_school_teachers=4, external_teachers=30),
    "city": Scale("city", cities=1, counties_per_city=10, full_catalogue=True, townships_per_county=8,
                  cadres_per_city=15_000, province_organs=False, province_cadres=0,
                  school_teachers=40, academy_teachers=10, county_school_teachers=4, external_teachers=30),
    "province": Scale("province", cities=9, counties_per_city=10, full_catalogue=True, townships_per_county=8,
                      cadres_per_city=15_000, province_organs=True, province_cadres=15_000,
                      school_teachers=40, academy_teachers=10, county_school_teachers=4, external_teachers=30),
}

PUBLIC_SCALES = ("small", "city", "province")
