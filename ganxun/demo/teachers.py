"""The teacher pool of a city: party-school and academy faculty, and external experts.

Internal teachers belong to a teaching department (教研部) whose field decides
their expertise topics. External experts are either serving officials (the
same Person as their cadre record, so one person stays one record) or
university and academy scholars.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ganxun.demo.cadres import CadrePlan, PersonPlan, insert_people, new_person
from ganxun.demo.names import Registry
from ganxun.people.choices import TeacherTitle
from ganxun.people.models import Teacher
from ganxun.topics.models import Topic

# 教研部 and the topic codes (topics/seed.py) its teachers cover.
DEPARTMENTS = [
    ("马克思主义理论教研部", ["01.01", "01.02", "01.03", "01.05"]),
    ("党史党建教研部", ["02.01", "02.02", "02.04", "03.10"]),
    ("经济学教研部", ["03.01", "03.02", "04.01", "03.12"]),
    ("政治与法学教研部", ["01.04", "03.03", "04.02", "03.11"]),
    ("公共管理教研部", ["03.04", "03.08", "03.09", "04.05"]),
    ("社会和生态文明教研部", ["03.05", "03.06", "03.07"]),
    ("文史教研部", ["02.05", "02.06", "04.03", "04.06", "04.07"]),
]
_INTERNAL_TITLES = [("professor", 20), ("assoc_professor", 35), ("lecturer", 45)]
_COUNTY_TITLES = [("assoc_professor", 25), ("lecturer", 75)]
_TITLE_AGE = {"professor": 48, "assoc_professor": 42, "lecturer": 33, "researcher": 50, "assoc_researcher": 42}
_SCHOLAR_TITLES = [("professor", 35), ("assoc_professor", 30), ("researcher", 20), ("assoc_researcher", 15)]


@dataclass(eq=False)
class TeacherPlan:
    person: PersonPlan
    institution: object
    title: str
    is_internal: bool
    employer: str
    topic_codes: list[str]
    bio: str
    pk: int | None = None
    shared_person: bool = False  # an official whose Person is already written with the cadre record


def _pick(rng: random.Random, table) -> str:
    values, weights = zip(*table)
    return rng.choices(values, weights)[0]


def _topic_names(codes: list[str], names: dict[str, str]) -> str:
    return "、".join(names[code] for code in codes)


class TeacherPlanner:
    def __init__(self, rng: random.Random, registry: Registry, *, today, id_regions: list[str]):
        self.rng = rng
        self.registry = registry
        self.today = today
        self.id_regions = id_regions
        topics = dict(Topic.objects.filter(is_active=True).values_list("code", "name"))
        leaves = sorted(code for code in topics if "." in code)
        # A taxonomy edited by hand may miss codes; fall back to any leaf topic.
        self.departments = [(name, [c for c in codes if c in topics] or leaves[:3]) for name, codes in DEPARTMENTS]
        self.topic_names = topics

    def _scholar(self, title: str, gender_share: float = 0.4) -> PersonPlan:
        rng = self.rng
        age = min(59, max(28, int(rng.gauss(_TITLE_AGE[title], 5))))
        person = new_person(rng, self.registry, rank=3, region_code=rng.choice(self.id_regions), today=self.today,
                            age=age, gender="F" if rng.random() < gender_share else "M")
        person.education = "doctorate" if rng.random() < 0.6 else "master"
        return person

    def internal(self, institution, count: int, titles=_INTERNAL_TITLES) -> list[TeacherPlan]:
        plans = []
        for index in range(count):
            department, codes = self.departments[index % len(self.departments)]
            title = _pick(self.rng, titles)
            chosen = sorted(self.rng.sample(codes, self.rng.randint(1, min(3, len(codes)))))
            label = TeacherTitle(title).label
            plans.append(TeacherPlan(
                person=self._scholar(title), institution=institution, title=title, is_internal=True, employer="",
                topic_codes=chosen,
                bio=f"{institution.name}{department}{label}，研究方向：{_topic_names(chosen, self.topic_names)}。",
            ))
        return plans

    def external(self, institutions: list, count: int, officials: list[CadrePlan], scholars_at: list[str]
                 ) -> list[TeacherPlan]:
        rng = self.rng
        plans = []
        officials = list(officials)
        rng.shuffle(officials)
        for index in range(count):
            institution = institutions[0] if rng.random() < 0.7 else institutions[-1]
            department, codes = rng.choice(self.departments)
            chosen = sorted(rng.sample(codes, rng.randint(1, min(2, len(codes)))))
            topics = _topic_names(chosen, self.topic_names)
            if index % 2 == 0 and officials:
                cadre = officials.pop()
                plans.append(TeacherPlan(
                    person=cadre.person, institution=institution, title="official", is_internal=False,
                    employer=cadre.unit.name, topic_codes=chosen, shared_person=True,
                    bio=f"{cadre.unit.name}{cadre.events[-1].title}，长期从事{topics}方面工作，受聘为兼职教师。",
                ))
                continue
            title = _pick(rng, _SCHOLAR_TITLES)
            employer = rng.choice(scholars_at)
            plans.append(TeacherPlan(
                person=self._scholar(title), institution=institution, title=title, is_internal=False,
                employer=employer, topic_codes=chosen,
                bio=f"{employer}{TeacherTitle(title).label}，主要研究{topics}。",
            ))
        return plans

    def city(self, city_plan, sizes, officials: list[CadrePlan], scholars_at: list[str]) -> list[TeacherPlan]:
        plans = self.internal(city_plan.party_school, sizes.school_teachers)
        plans += self.internal(city_plan.academy, sizes.academy_teachers)
        for school in city_plan.county_schools:
            plans += self.internal(school, sizes.county_school_teachers, titles=_COUNTY_TITLES)
        plans += self.external([city_plan.party_school, city_plan.academy], sizes.external_teachers,
                               officials, scholars_at)
        return plans


def insert_teachers(plans: list[TeacherPlan]) -> None:
    insert_people([plan.person for plan in plans if not plan.shared_person])
    rows = [
        Teacher(person_id=plan.person.pk, institution_id=plan.institution.pk, title=plan.title,
                is_internal=plan.is_internal, employer=plan.employer, bio=plan.bio)
        for plan in plans
    ]
    Teacher.objects.bulk_create(rows, batch_size=1000)
    topic_ids = dict(Topic.objects.values_list("code", "pk"))
    links = []
    for plan, row in zip(plans, rows):
        plan.pk = row.pk
        links += [Teacher.expertise.through(teacher_id=row.pk, topic_id=topic_ids[code]) for code in plan.topic_codes]
    Teacher.expertise.through.objects.bulk_create(links, batch_size=2000)
