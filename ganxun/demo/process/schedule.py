"""The year of classes: which class runs where and when, before anything is written.

City classes (the city org department's, at the city party school and the cadre academy)
come from templates that read like a real city's programme: 任职培训, 初任培训, 集中轮训, 专题
培训 …, several periods a year for some. A calendar year's schedule depends on the seed and the
year only, so two process days see the same classes where their windows overlap. Counties
other than 东城区 run a few classes a year at their party schools; 东城区's classes follow its
annual plan (plans.py). A handful of *anchored* classes are placed relative to the process
day, so every status and every persona has content on any day: the `cadre` persona's past
classes (A, B), the class running today (R, headed by `headteacher`), a two-week class
running now at the academy (L), the persona's upcoming class (U), and one closed, one
notice-issued and one draft class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ganxun.classes.models import ClassMode
from ganxun.demo.process.world import World, rng_for, weekday_on_or_after, weekdays_from
from ganxun.org.models import Organisation
from ganxun.topics.choices import TrainingType as T

PERIODS = "一二三四五六七八九十"
# Weight of each month in the city's programme (few classes around the Spring Festival and in August).
MONTH_WEIGHTS = [3, 1, 5, 5, 5, 5, 3, 2, 5, 4, 5, 3]
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6),
            (10, 7)}


@dataclass(frozen=True)
class Template:
    key: str
    title: str                      # without the region's name
    topics: tuple[str, ...]         # topic codes, topics/seed.py
    kind: str                       # TrainingType (条例 Art. 13)
    days: int
    size: tuple[int, int]           # at scale factor 1
    per_year: int = 1
    institution: str = "school"     # school | academy | county
    mode: str = ClassMode.OFFLINE
    ranks: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    call: str = "quota"             # quota | named (实名调训)
    base: str = ""                  # a teaching base for 现场教学: red | rural | clean
    gender: str = ""                # F: 女干部班
    non_party: bool = False         # 党外干部班
    max_age: int = 0                # 年轻干部 classes


CITY_TEMPLATES = (
    Template("leaders", "县处级领导干部进修班", ("01.01", "02.01"), T.THEORY, 5, (30, 37), ranks=("county",),
             call="named", base="red"),
    Template("new-county", "新任县处级领导干部任职培训班", ("03.09", "02.02"), T.APPOINTMENT, 5, (30, 36),
             ranks=("county",), call="named", base="clean"),
    Template("new-section", "新任科级领导干部任职培训班", ("03.09", "02.02"), T.APPOINTMENT, 5, (42, 52), per_year=3,
             ranks=("section",), base="clean"),
    Template("initial", "新录用公务员初任培训班", ("02.02", "04.02"), T.INITIAL, 5, (60, 110), ranks=("general",),
             max_age=35, base="red"),
    Template("rotation", "学习贯彻习近平新时代中国特色社会主义思想集中轮训班", ("01.01", "01.05"), T.ROTATION, 3,
             (80, 110), per_year=3, ranks=("county", "section")),
    Template("young", "年轻干部理论培训班", ("01.01", "01.03"), T.THEORY, 5, (37, 47), per_year=2,
             ranks=("section", "general"), max_age=40, base="red"),
    Template("party-secretaries", "基层党组织书记示范培训班", ("03.10", "03.04"), T.IN_SERVICE, 4, (42, 52),
             categories=("grassroots",), base="rural"),
    Template("digital", "数字政府建设专题培训班", ("03.08",), T.IN_SERVICE, 3, (32, 42), per_year=3,
             mode=ClassMode.BLENDED),
    Template("emergency", "应急管理能力提升培训班", ("03.05",), T.IN_SERVICE, 3, (32, 42)),
    Template("rural", "乡村振兴专题培训班", ("03.06",), T.IN_SERVICE, 4, (32, 47), per_year=2, institution="academy",
             base="rural"),
    Template("ecology", "生态文明建设专题研讨班", ("03.07",), T.IN_SERVICE, 3, (30, 36), institution="academy",
             ranks=("county",)),
    Template("law", "法治政府建设专题培训班", ("03.03", "04.02"), T.IN_SERVICE, 3, (32, 42)),
    Template("enterprise", "国有企业领导人员培训班", ("03.01", "04.01"), T.IN_SERVICE, 4, (30, 36),
             institution="academy", categories=("enterprise",)),
    Template("university", "高校中层干部培训班", ("03.10", "02.01"), T.IN_SERVICE, 4, (30, 36),
             categories=("university",)),
    Template("integrity", "党风廉政建设和警示教育专题培训班", ("02.06", "02.02"), T.THEORY, 2, (50, 70), per_year=3,
             base="clean"),
    Template("history", "党史学习教育专题培训班", ("02.04", "02.01"), T.THEORY, 3, (37, 47), per_year=2,
             institution="academy", base="red"),
    Template("women", "女干部培训班", ("03.09", "04.07"), T.IN_SERVICE, 3, (32, 42), gender="F"),
    Template("non-party", "党外干部培训班", ("01.04", "03.12"), T.IN_SERVICE, 3, (30, 36), non_party=True),
    Template("org-work", "组工干部业务培训班", ("03.10",), T.IN_SERVICE, 3, (32, 42)),
    Template("publicity", "宣传思想文化工作培训班", ("01.04", "04.03"), T.IN_SERVICE, 3, (30, 37)),
    Template("finance", "财政金融知识专题培训班", ("04.01",), T.IN_SERVICE, 2, (32, 52)),
    Template("security", "国家安全教育专题培训班", ("03.11",), T.THEORY, 2, (50, 70)),
    Template("wellbeing", "领导干部心理健康与压力管理网络专题讲座", ("04.07",), T.OTHER, 1, (40, 90), per_year=2,
             mode=ClassMode.ONLINE),
    Template("cyber", "网络安全与保密知识专题网络培训", ("03.11", "04.04"), T.OTHER, 1, (60, 110),
             mode=ClassMode.ONLINE),
    Template("statistics", "统计业务能力提升培训班", ("04.05",), T.IN_SERVICE, 2, (30, 37), mode=ClassMode.BLENDED),
    Template("innovation", "科技创新与产业升级专题培训班", ("04.04", "03.01"), T.IN_SERVICE, 3, (30, 37),
             institution="academy"),
    Template("opening-up", "对外开放与国际视野专题培训班", ("03.12", "04.06"), T.IN_SERVICE, 3, (30, 36),
             institution="academy"),
    Template("petitions", "信访与群众工作专题培训班", ("03.04", "02.03"), T.IN_SERVICE, 2, (32, 42)),
    Template("party-affairs", "机关党务干部培训班", ("03.10", "02.02"), T.IN_SERVICE, 3, (32, 47), per_year=2),
    Template("writing", "公文写作与调查研究能力提升培训班", ("04.05",), T.IN_SERVICE, 2, (32, 52), per_year=3),
    Template("reading", "领导干部读书班", ("01.02", "01.03"), T.THEORY, 3, (30, 36), ranks=("county",)),
    Template("township", "乡镇（街道）党政正职培训班", ("03.04", "03.06"), T.APPOINTMENT, 5, (32, 42),
             institution="academy", ranks=("section",), categories=("grassroots",), base="rural"),
    Template("economy", "经济工作专题培训班", ("03.01", "04.01"), T.IN_SERVICE, 3, (32, 42), per_year=3),
    Template("governance", "基层社会治理能力提升培训班", ("03.04",), T.IN_SERVICE, 3, (32, 47), per_year=3,
             institution="academy"),
    Template("risk", "防范化解重大风险专题研讨班", ("03.05", "03.11"), T.ROTATION, 2, (50, 80), ranks=("county",)),
)

COUNTY_TEMPLATES = (
    Template("c-section", "科级干部能力提升培训班", ("03.09", "04.05"), T.IN_SERVICE, 3, (30, 37), institution="county",
             ranks=("section",)),
    Template("c-secretaries", "村（社区）党组织书记培训班", ("03.10", "03.04"), T.IN_SERVICE, 3, (30, 42),
             institution="county", categories=("grassroots",)),
    Template("c-initial", "新录用公务员初任培训班", ("02.02", "04.02"), T.INITIAL, 3, (30, 36), institution="county",
             ranks=("general",)),
    Template("c-young", "年轻干部培训班", ("01.01", "03.02"), T.THEORY, 4, (30, 36), institution="county",
             max_age=40),
    Template("c-rotation", "学习贯彻党的创新理论专题轮训班", ("01.05", "01.01"), T.ROTATION, 2, (42, 62),
             institution="county"),
    Template("c-rural", "乡村振兴专题培训班", ("03.06",), T.IN_SERVICE, 3, (30, 37), institution="county"),
    Template("c-law", "干部法治素养提升培训班", ("03.03", "04.02"), T.IN_SERVICE, 2, (30, 42), institution="county"),
)

# Anchored classes (see the module docstring); their titles are not in the regular rotation.
ANCHORS = {
    "A": Template("a-economy", "推动高质量发展专题培训班", ("03.01", "04.01"), T.IN_SERVICE, 4, (40, 50)),
    "B": Template("b-section", "科级干部综合能力提升培训班", ("03.09", "04.05"), T.IN_SERVICE, 4, (40, 50),
                  ranks=("section", "general")),
    "C": Template("c-service", "优化政务服务专题培训班", ("03.08", "03.04"), T.IN_SERVICE, 3, (40, 50)),
    "R": Template("r-young", "年轻干部能力素质提升培训班", ("03.02", "03.09"), T.IN_SERVICE, 5, (40, 50),
                  ranks=("section", "general")),
    "L": Template("l-mid", "中青年干部培训班", ("01.01", "03.09"), T.THEORY, 10, (50, 60), institution="academy",
                  ranks=("county", "section"), call="named", max_age=45, base="red"),
    "U": Template("u-business", "优化营商环境专题培训班", ("03.02", "03.01"), T.IN_SERVICE, 3, (40, 50)),
    "N": Template("n-water", "水利和防汛抗旱工作专题培训班", ("03.05", "03.07"), T.IN_SERVICE, 3, (35, 45),
                  institution="academy"),
    "F": Template("f-data", "数据要素与数字经济专题培训班", ("03.08", "04.04"), T.IN_SERVICE, 3, (40, 50)),
}


@dataclass
class ClassSpec:
    """One class to create: where, when, for whom. `key` is its stable identity."""

    key: str
    title: str
    template: Template
    institution: Organisation
    organiser: Organisation
    days: list[dt.date]
    size: int
    planned: bool = False
    anchor: str = ""                  # A B C R L U N F D, or "" for a regular class
    plan_item_id: int | None = None
    month_item: object = None         # the 东城区 plan item it came from
    extra: dict = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        return self.days[0]

    @property
    def end(self) -> dt.date:
        return self.days[-1]

    @property
    def is_county(self) -> bool:
        return self.organiser.region_level == "county"


def _size(rng, template: Template, factor: float) -> int:
    low, high = template.size
    return max(8, round(rng.randint(low, high) * factor))


def _month_of(u: float) -> int:
    """The month at quantile u of the weighted year."""
    total, running = sum(MONTH_WEIGHTS), 0.0
    for index, weight in enumerate(MONTH_WEIGHTS):
        running += weight / total
        if u < running:
            return index + 1
    return 12


def _start_in(rng, year: int, month: int, days: int) -> dt.date:
    """A start day in the month: Monday for classes of five days or more, else Monday to the
    day that still ends the class by Friday; moved a week on when it would meet a holiday."""
    first = dt.date(year, month, 1)
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    offset = 0 if days >= 5 else rng.randint(0, 5 - days)
    start = monday + dt.timedelta(days=7 * rng.randint(0, 3) + offset)
    if start.month != month:
        start -= dt.timedelta(days=7)
    while any((d.month, d.day) in HOLIDAYS for d in weekdays_from(start, days)):
        start += dt.timedelta(days=7)
    return start


def _numbered(specs: list[ClassSpec]) -> None:
    """Templates held several times a year get 第一期, 第二期 … in date order."""
    by_template: dict[str, list[ClassSpec]] = {}
    for spec in specs:
        by_template.setdefault(spec.template.key, []).append(spec)
    for items in by_template.values():
        if len(items) > 1:
            for index, spec in enumerate(sorted(items, key=lambda s: s.start)):
                spec.title += f"（第{PERIODS[index] if index < 10 else index + 1}期）"


def _institution(world: World, template: Template, county: Organisation | None = None) -> Organisation:
    if template.institution == "academy":
        return world.academy
    if template.institution == "county":
        return world.county_schools[county.pk]
    return world.school


def city_year(world: World, year: int) -> list[ClassSpec]:
    """The city's regular classes of a calendar year (independent of the process day)."""
    rng = rng_for(world.seed, "schedule", "city", year)
    instances = [(t, i) for t in CITY_TEMPLATES for i in range(t.per_year)]
    target = world.city_classes_per_year
    if len(instances) > target:
        chosen = set(rng.sample(range(len(instances)), target))
        instances = [x for i, x in enumerate(instances) if i in chosen]
    counts: dict[str, int] = {}
    for template, _ in instances:
        counts[template.key] = counts.get(template.key, 0) + 1
    specs, seen = [], {}
    for template, _ in instances:
        index = seen[template.key] = seen.get(template.key, -1) + 1
        month = _month_of((index + rng.random()) / counts[template.key])
        start = _start_in(rng, year, month, template.days)
        specs.append(ClassSpec(
            key=f"city/{year}/{template.key}/{index}", title=f"{world.city.name}{template.title}", template=template,
            institution=_institution(world, template), organiser=world.city,
            days=weekdays_from(start, template.days), size=_size(rng, template, world.size_factor)))
    _numbered(specs)
    return specs


def county_year(world: World, county: Organisation, year: int) -> list[ClassSpec]:
    """A county's own classes at its party school (counties other than 东城区)."""
    rng = rng_for(world.seed, "schedule", county.code, year)
    count = world.county_classes_per_year
    first = rng.randrange(len(COUNTY_TEMPLATES))
    specs = []
    for index in range(count):
        template = COUNTY_TEMPLATES[(first + index) % len(COUNTY_TEMPLATES)]
        month = _month_of((index + rng.random()) / count)
        start = _start_in(rng, year, month, template.days)
        specs.append(ClassSpec(
            key=f"{county.code}/{year}/{template.key}/{index}", title=f"{county.name}{template.title}",
            template=template, institution=_institution(world, template, county), organiser=county,
            days=weekdays_from(start, template.days), size=_size(rng, template, world.size_factor)))
    # One county school has a handful of teachers and rooms: its classes do not overlap.
    specs.sort(key=lambda s: s.start)
    for before, after in zip(specs, specs[1:]):
        if after.start <= before.end:
            after.days = weekdays_from(before.end + dt.timedelta(days=3), after.template.days)
    _numbered(specs)
    return specs


def _anchor(world: World, letter: str, days: list[dt.date], rng) -> ClassSpec:
    template = ANCHORS[letter]
    return ClassSpec(key=f"anchor/{letter}/{days[0]:%Y%m%d}", title=f"{world.city.name}{template.title}",
                     template=template, institution=_institution(world, template), organiser=world.city, days=days,
                     size=_size(rng, template, world.size_factor), anchor=letter)


def anchors(world: World) -> list[ClassSpec]:
    """The classes placed relative to the process day (module docstring)."""
    today = world.today
    rng = rng_for(world.seed, "schedule", "anchors", today)
    back = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    ahead = lambda n: today + dt.timedelta(days=n)  # noqa: E731
    long_start = back(3) - dt.timedelta(days=back(3).weekday())
    specs = [
        _anchor(world, "A", weekdays_from(back(210), 4), rng),
        _anchor(world, "B", weekdays_from(back(105), 4), rng),
        _anchor(world, "C", weekdays_from(back(26), 3), rng),
        # Today's class has sessions on every day of its span, weekends included.
        _anchor(world, "R", [back(2) + dt.timedelta(days=i) for i in range(5)], rng),
        _anchor(world, "L", weekdays_from(long_start, 10), rng),
        _anchor(world, "U", weekdays_from(ahead(12), 3), rng),
        _anchor(world, "N", weekdays_from(ahead(38), 3), rng),
        _anchor(world, "F", weekdays_from(ahead(52), 3), rng),
    ]
    return specs


def city_and_county_specs(world: World) -> list[ClassSpec]:
    """Every city and county class of the calendar years the window touches (plan items are
    made for all of a plan year's classes; classes only for those inside the window)."""
    first, last = world.window
    specs: list[ClassSpec] = []
    for year in range(first.year, last.year + 1):
        specs += city_year(world, year)
        for county in world.counties:
            if county.pk != world.county.pk and county.pk in world.county_schools:
                specs += county_year(world, county, year)
    specs += anchors(world)
    plan_years = set(world.plan_years())
    for spec in specs:
        spec.planned = spec.organiser.pk == world.city.pk and spec.start.year in plan_years
    return specs


def in_window(world: World, spec: ClassSpec) -> bool:
    first, last = world.window
    return first <= spec.start <= last


def second_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(0 - first.weekday()) % 7 + 7)


def dongcheng_spec(world: World, item, *, anchor: str = "", start: dt.date | None = None) -> ClassSpec:
    """A 东城区 class from an item of its annual plan (at 中共东城区委党校)."""
    rng = rng_for(world.seed, "schedule", "dongcheng", item.plan.year, item.title)
    template = Template(f"d-{item.pk}", item.title, tuple(t.code for t in item.topics.all()) or ("03.01",),
                        item.training_type, min(item.days, 5), (item.capacity, item.capacity), institution="county",
                        ranks=tuple(item.target_ranks), categories=tuple(item.target_categories))
    start = start or weekday_on_or_after(second_monday(item.plan.year, item.month))
    title = item.title if item.title.startswith(world.county.name) else f"{world.county.name}{item.title}"
    spec = ClassSpec(key=f"dongcheng/{item.plan.year}/{item.title}", title=title, template=template,
                     institution=world.county_schools[world.county.pk], organiser=world.county,
                     days=weekdays_from(start, template.days),
                     size=max(8, round(rng.randint(30, 45) * world.size_factor)), planned=True, anchor=anchor,
                     plan_item_id=item.pk)
    return spec


def dongcheng_adhoc(world: World) -> ClassSpec:
    """东城区's enrolling class when it cannot be a plan adjustment (it falls in next year)."""
    rng = rng_for(world.seed, "schedule", "dongcheng", "adhoc", world.today)
    template = Template("d-adhoc", "科级干部履职能力提升培训班", ("03.04", "03.09"), T.IN_SERVICE, 3, (40, 50),
                        institution="county", ranks=("section",))
    start = weekday_on_or_after(world.today + dt.timedelta(days=16))
    return ClassSpec(key=f"dongcheng/adhoc/{start:%Y%m%d}", title=f"{world.county.name}{template.title}",
                     template=template, institution=world.county_schools[world.county.pk], organiser=world.county,
                     days=weekdays_from(start, template.days), size=_size(rng, template, world.size_factor),
                     anchor="D")
