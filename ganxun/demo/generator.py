"""Generate the demo place into an empty database, deterministically for a seed.

Every random choice comes from a random.Random seeded with the seed and the
part being built ("<seed>/cadres/3391"), and every date of the place and its
people counts back from scales.DEMO_TODAY, so the data (names, ID numbers,
tree, careers) is the same on every run with the same seed. Only timestamps
such as created_at differ.

The training process (demo/process/) runs on the real clock instead: the
services check real time, so its year of classes is anchored at the process
day, today's local date unless `today` is given (tests). The same seed and the
same process day give the same process data.

Volumes go in with bulk_create (ids come back, paths are set once ids are
known, personal data is encrypted by the model field on the way in); the few
accounts and roles go through access.services. The whole run is one
transaction: a failure leaves the database as empty as it was.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from ganxun.access.models import Account
from ganxun.demo import catalogue as cat
from ganxun.demo.cadres import CadrePlan, insert_cadres, insert_people, new_person, plan_cadres
from ganxun.demo.models import DemoRun
from ganxun.demo.names import Registry
from ganxun.demo.personas import PERSONAS, create_personas
from ganxun.demo.process import generate_process
from ganxun.demo.scales import DEMO_TODAY, SCALES
from ganxun.demo.teachers import TeacherPlanner, insert_teachers
from ganxun.demo.tree import CityPlan, TreePlanner, county_names, insert_tree
from ganxun.org.models import Organisation
from ganxun.people.models import Person

# The persona unit: a county bureau with a nested sub-unit, in the first county.
PERSONA_UNIT = "{county}发展和改革局"


class GenerationRefused(Exception):
    """The database is not empty, or the process day lies ahead; the message (Chinese) says what to do."""


def database_has_data() -> bool:
    """Organisations, people or accounts exist (topics are seeded by migration and do not count)."""
    return Organisation.objects.exists() or Person.objects.exists() or Account.objects.exists()


@dataclass
class Summary:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    process_day: dt.date | None = None

    def add(self, key: str, value: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + value


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("/".join(str(p) for p in (seed, *parts)))


def generate(*, scale: str, seed: int, step: Callable[[str], None] | None = None,
             today: dt.date | None = None) -> Summary:
    """Build the demo place of `scale` for `seed`, its training process anchored at `today`
    (default: the real local date); refuse a database that already holds data."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    real_today = timezone.localdate()
    today = today or real_today
    if today > real_today:
        raise GenerationRefused(f"培训流程日期 {today:%Y-%m-%d} 晚于今天（{real_today:%Y-%m-%d}）："
                                "结班、请假等业务按真实时间校验，不能生成未来日期的流程数据。")
    if database_has_data():
        raise GenerationRefused("数据库中已有数据：演示数据只能生成到空数据库中"
                                "（可用 demo_generate --reset 清空演示数据库后重新生成）。")
    step = step or (lambda message: None)
    sizes = SCALES[scale]
    summary = Summary(scale=scale, seed=seed, process_day=today)
    started = time.perf_counter()
    with transaction.atomic():
        registry = Registry()
        planner = TreePlanner(_rng(seed, "tree"), registry, full_catalogue=sizes.full_catalogue,
                              townships_per_county=sizes.townships_per_county)
        province = planner.province()
        insert_tree([province])
        summary.add("organisations", 1)
        county_lists = [c[:sizes.counties_per_city] for c in county_names(_rng(seed, "counties"), sizes.cities)]
        all_counties = [prefix + suffix for (_, prefix), counties in zip(cat.CITIES, county_lists)
                        for _, suffix in counties]
        if sizes.province_organs:
            _province_organs(seed, planner, registry, province, sizes, all_counties, summary, step)
        first: tuple[CityPlan, list[CadrePlan], list] | None = None
        for index, counties in enumerate(county_lists):
            name, prefix = cat.CITIES[index]
            city = planner.city(province, name, prefix, counties)
            insert_tree(city.nodes)
            city_counties = [c.code for c in city.counties]
            cadres = plan_cadres(_rng(seed, "cadres", prefix), registry, units=city.units,
                                 total=sizes.cadres_per_city, id_regions=city_counties, today=DEMO_TODAY)
            events = insert_cadres(cadres)
            teacher_planner = TeacherPlanner(_rng(seed, "teachers", prefix), registry, today=DEMO_TODAY,
                                             id_regions=city_counties)
            officials = [c for c in cadres if c.unit.level == "city" and c.unit.tier == "dept"
                         and c.post.rank == 2 and c.post.is_leader]
            teachers = teacher_planner.city(city, sizes, officials, [f"{name[:-1]}大学", "江东大学",
                                                                     "江东省社会科学院", "江东师范大学"])
            insert_teachers(teachers)
            _count(summary, city.nodes, cadres, events, teachers)
            step(f"{name}：{len(city.nodes)} 个组织，{len(cadres)} 名干部，{len(teachers)} 名师资")
            if first is None:
                first = (city, cadres, teachers)
        summary.add("persons", _personas(seed, registry, province, *first))
        summary.add("accounts", len(PERSONAS))
        step(f"演示账号：{len(PERSONAS)} 个")
        city_plan = first[0]
        process = generate_process(seed=seed, sizes=sizes, today=today,
                                   county=Organisation.objects.get(pk=city_plan.counties[0].pk),
                                   city=Organisation.objects.get(pk=city_plan.city.pk))
        for key, value in process.items():
            summary.add(key, value)
        step(f"培训流程（{today:%Y-%m-%d}）：{process.get('classes', 0)} 个班次、{process.get('sessions', 0)} 节课，"
             f"{process.get('enrollments', 0)} 人次报名，{process.get('closed_classes', 0)} 个班次已结业，"
             f"登记学时 {process.get('credit_records', 0)} 条")
        summary.seconds = round(time.perf_counter() - started, 2)
        DemoRun.objects.create(scale=scale, seed=seed, seconds=summary.seconds, counts=summary.counts,
                               process_day=today)
    # Fresh planner statistics: right after a bulk load the planner believes the tables are
    # empty and picks nested loops that make the city's cadre list ten times slower.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return summary


def _count(summary: Summary, nodes, cadres, events: int, teachers) -> None:
    summary.add("organisations", len(nodes))
    summary.add("regions", sum(1 for n in nodes if n.kind == Organisation.Kind.REGION))
    summary.add("units", sum(1 for n in nodes if n.kind == Organisation.Kind.UNIT))
    summary.add("cadres", len(cadres))
    summary.add("career_events", events)
    summary.add("teachers", len(teachers))
    summary.add("persons", len(cadres) + sum(1 for t in teachers if not t.shared_person))


def _province_organs(seed, planner, registry, province, sizes, all_counties, summary, step) -> None:
    organs = planner.province_organs(province)
    insert_tree(organs)
    units = [n for n in organs if n.kind == Organisation.Kind.UNIT]
    cadres = plan_cadres(_rng(seed, "cadres", province.code), registry, units=units, total=sizes.province_cadres,
                         id_regions=all_counties, today=DEMO_TODAY)
    events = insert_cadres(cadres)
    school, academy = (n for n in organs if n.kind == Organisation.Kind.INSTITUTION)
    teacher_planner = TeacherPlanner(_rng(seed, "teachers", province.code), registry, today=DEMO_TODAY,
                                     id_regions=all_counties)
    teachers = teacher_planner.internal(school, sizes.school_teachers) + teacher_planner.internal(
        academy, sizes.academy_teachers)
    officials = [c for c in cadres if c.unit.tier == "dept" and c.post.rank == 1 and c.post.is_leader]
    teachers += teacher_planner.external([school, academy], sizes.external_teachers, officials,
                                         ["江东大学", "江东省社会科学院", "江东师范大学"])
    insert_teachers(teachers)
    _count(summary, organs, cadres, events, teachers)
    step(f"{province.name}省直：{len(organs)} 个组织，{len(cadres)} 名干部，{len(teachers)} 名师资")


def _personas(seed, registry, province, city: CityPlan, cadres: list[CadrePlan], teachers) -> int:
    """The persona accounts; returns how many new Person records (the admins) were written."""
    county = city.counties[0]
    unit_name = PERSONA_UNIT.format(county=county.name)
    unit = next(n for n in city.nodes if n.name == unit_name)
    in_unit = [c for c in cadres if c.unit is unit]
    # The cadre persona: a 乡科级 cadre with the longest history; the liaison: a 一般干部 of the same unit.
    others = in_unit[1:] or in_unit  # never the head, unless the unit is the head alone
    cadre = max((c for c in others if c.post.rank == 3), key=lambda c: len(c.events), default=others[0])
    liaison = next((c for c in others if c.post.rank == 4 and c is not cadre),
                   next((c for c in in_unit if c is not cadre), cadre))
    mayor = next(c for c in cadres if c.unit.tier == "government" and c.unit.level == "city"
                 and c.post.title.endswith("市长") and not c.post.title.startswith(("副", "常务")))
    school_teachers = [t for t in teachers if t.institution is city.party_school and t.is_internal]
    teacher = next((t for t in school_teachers if t.title == "assoc_professor"), school_teachers[0])
    head_teacher = next((t for t in school_teachers if t.title == "lecturer" and t is not teacher),
                        next(t for t in school_teachers if t is not teacher))
    people = {"unit_cadre": cadre.person.pk, "unit_liaison": liaison.person.pk, "mayor": mayor.person.pk,
              "school_teacher": teacher.person.pk, "school_head_teacher": head_teacher.person.pk}
    rng = _rng(seed, "personas")
    staff = []
    for persona in PERSONAS:
        if persona.person == "new":
            staff.append(new_person(rng, registry, rank=3, region_code=rng.choice([c.code for c in city.counties]),
                                    today=DEMO_TODAY))
    insert_people(staff)
    people.update({p.username: plan.pk for p, plan in zip((p for p in PERSONAS if p.person == "new"), staff)})
    anchors = {"province": province.pk, "city": city.city.pk, "county": county.pk,
               "school": city.party_school.pk, "unit": unit.pk}
    create_personas(seed=seed, anchors=anchors, people=people)
    return len(staff)
