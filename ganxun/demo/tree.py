"""The organisation tree of the demo place: planned in memory, then written in bulk.

A plan node (`OrgPlan`) carries what the generator needs beyond the model's
fields (level, tier, headcount weight). Nodes are inserted level by level so
each parent's id is known; the materialised path is set right after, once the
node's own id is known, exactly as org.services does for a single node.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ganxun.demo import catalogue as cat
from ganxun.demo.names import Registry
from ganxun.org.models import Organisation

Kind = Organisation.Kind
Level = Organisation.RegionLevel

_CREDIT_PREFIX = {"party_gov": "11", "grassroots": "11", "public_inst": "12", "university": "12", "enterprise": "91"}
_KIND_ORDER = {Kind.ORG_DEPT: 0, Kind.INSTITUTION: 1, Kind.BASE: 2, Kind.REGION: 3, Kind.UNIT: 4}
_LEVEL_FACTOR = {"province": 1.6, "city": 1.0, "county": 0.55}


@dataclass(eq=False)
class OrgPlan:
    name: str
    kind: str
    level: str                      # province / city / county: the level of government it belongs to
    parent: "OrgPlan | None"
    region_level: str = ""
    category: str = ""
    code: str | None = None
    tier: str = ""
    weight: float = 0.0
    head_offset: int = 0
    leadership_posts: list = field(default_factory=list)
    sort_order: int = 0
    address: str = ""
    pk: int | None = None
    path: str = ""

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    @property
    def region(self) -> "OrgPlan":
        node = self
        while node.kind != Kind.REGION:
            node = node.parent
        return node


@dataclass
class CityPlan:
    city: OrgPlan
    org_dept: OrgPlan
    party_school: OrgPlan
    academy: OrgPlan
    counties: list[OrgPlan]
    county_org_depts: list[OrgPlan]
    county_schools: list[OrgPlan]
    nodes: list[OrgPlan]            # every node of the city, parents first

    @property
    def units(self) -> list[OrgPlan]:
        return [node for node in self.nodes if node.kind == Kind.UNIT]


class TreePlanner:
    def __init__(self, rng: random.Random, registry: Registry, *, full_catalogue: bool, townships_per_county: int):
        self.rng = rng
        self.registry = registry
        self.full = full_catalogue
        self.townships_per_county = townships_per_county

    def _add(self, nodes: list[OrgPlan], node: OrgPlan) -> OrgPlan:
        if node.code is None:
            prefix = "11" if node.kind == Kind.ORG_DEPT else _CREDIT_PREFIX.get(node.category, "12")
            if node.tier == "mass":
                prefix = "13"
            node.code = self.registry.credit_code(self.rng, prefix, node.region.code)
        if not node.address and node.kind != Kind.REGION:
            region = node.region
            place = region.name if region.level != "county" else region.parent.name + region.name
            node.address = f"{place}{self.rng.choice(cat.ROADS)}{self.rng.randrange(1, 300)}号"
        # Siblings list org department, institutions, bases and regions before the many units.
        node.sort_order = _KIND_ORDER[node.kind] * 10_000 + len(nodes)
        nodes.append(node)
        return node

    def province(self) -> OrgPlan:
        name, code = cat.PROVINCE
        return OrgPlan(name=name, kind=Kind.REGION, level="province", parent=None, region_level=Level.PROVINCE,
                       code=code)

    def _units(self, nodes: list[OrgPlan], region: OrgPlan, level: str, short: str) -> None:
        for template in cat.UNIT_CATALOGUE:
            self._unit(nodes, template, region, region, level, short)

    def _unit(self, nodes, template: cat.UnitTemplate, parent: OrgPlan, region: OrgPlan, level: str,
              short: str) -> None:
        pattern = template.name_at(level)
        wanted = level == "province" or self.full or ("c" if level == "city" else "x") in template.small
        if pattern is None or not wanted:
            return
        posts = []
        if template.tier in ("committee", "government", "congress", "cppcc"):
            table = cat.LEADERSHIP_POSTS_COUNTY if level == "county" else cat.LEADERSHIP_POSTS
            posts = table[template.tier]
        node = self._add(nodes, OrgPlan(
            name=pattern.format(p=region.name, c=short), kind=Kind.UNIT, level=level, parent=parent,
            category=template.category, tier=template.tier, head_offset=template.head_offset,
            weight=template.weight * _LEVEL_FACTOR[level] * self.rng.uniform(0.75, 1.35), leadership_posts=posts,
        ))
        for sub in template.subs:
            self._unit(nodes, sub, node, region, level, short)

    def province_organs(self, province: OrgPlan) -> list[OrgPlan]:
        nodes: list[OrgPlan] = []
        p = province.name
        self._add(nodes, OrgPlan(name=f"中共{p}委组织部", kind=Kind.ORG_DEPT, level="province", parent=province))
        self._add(nodes, OrgPlan(name=f"中共{p}委党校", kind=Kind.INSTITUTION, level="province", parent=province))
        self._add(nodes, OrgPlan(name=f"{p[:-1]}干部学院", kind=Kind.INSTITUTION, level="province", parent=province))
        self._add(nodes, OrgPlan(name=f"{p}党性教育基地", kind=Kind.BASE, level="province", parent=province))
        self._units(nodes, province, "province", p[:-1])
        return nodes

    def city(self, province: OrgPlan, name: str, prefix: str, counties: list[tuple[str, str]]) -> CityPlan:
        nodes: list[OrgPlan] = []
        short = name[:-1]
        city = self._add(nodes, OrgPlan(name=name, kind=Kind.REGION, level="city", parent=province,
                                        region_level=Level.CITY, code=f"{prefix}00"))
        org_dept = self._add(nodes, OrgPlan(name=f"中共{name}委组织部", kind=Kind.ORG_DEPT, level="city", parent=city))
        school = self._add(nodes, OrgPlan(name=f"中共{name}委党校", kind=Kind.INSTITUTION, level="city", parent=city))
        academy = self._add(nodes, OrgPlan(name=f"{short}干部学院", kind=Kind.INSTITUTION, level="city", parent=city))
        for pattern in cat.BASES:
            self._add(nodes, OrgPlan(name=pattern.format(p=name), kind=Kind.BASE, level="city", parent=city))
        self._units(nodes, city, "city", short)
        plan = CityPlan(city=city, org_dept=org_dept, party_school=school, academy=academy, counties=[],
                        county_org_depts=[], county_schools=[], nodes=nodes)
        for county_name, suffix in counties:
            self._county(plan, county_name, f"{prefix}{suffix}")
        return plan

    def _county(self, plan: CityPlan, name: str, code: str) -> None:
        nodes = plan.nodes
        county = self._add(nodes, OrgPlan(name=name, kind=Kind.REGION, level="county", parent=plan.city,
                                          region_level=Level.COUNTY, code=code))
        plan.counties.append(county)
        plan.county_org_depts.append(self._add(nodes, OrgPlan(
            name=f"中共{name}委组织部", kind=Kind.ORG_DEPT, level="county", parent=county)))
        plan.county_schools.append(self._add(nodes, OrgPlan(
            name=f"中共{name}委党校", kind=Kind.INSTITUTION, level="county", parent=county)))
        self._units(nodes, county, "county", name[:-1])
        for town in self._townships(name):
            self._add(nodes, OrgPlan(
                name=f"{name}{town}", kind=Kind.UNIT, level="county", parent=county, category="grassroots",
                tier="township", weight=cat.TOWNSHIP_WEIGHT * self.rng.uniform(0.75, 1.35),
            ))

    def _townships(self, county_name: str) -> list[str]:
        count = self.townships_per_county
        if county_name.endswith("区"):
            return [f"{stem}街道办事处" for stem in self.rng.sample(cat.STREET_STEMS, count)]
        towns = self.rng.sample(cat.TOWN_STEMS, count)
        streets = 2 if county_name.endswith("市") else 0
        names = [f"{stem}街道办事处" for stem in self.rng.sample(cat.STREET_STEMS, streets)]
        for stem in towns[streets:]:
            names.append(f"{stem}乡人民政府" if self.rng.random() < 0.25 else f"{stem}镇人民政府")
        return names


def county_names(rng: random.Random, cities: int) -> list[list[tuple[str, str]]]:
    """Counties of every city: 临江市's are fixed, the others drawn without repeats."""
    result = [list(cat.LINJIANG_COUNTIES)]
    taken = {name[:-1] for name, _ in cat.LINJIANG_COUNTIES}
    stems = [a + b for a in cat.COUNTY_STEM_FIRST for b in cat.COUNTY_STEM_SECOND if a + b not in taken]
    rng.shuffle(stems)
    for _ in range(cities - 1):
        result.append([(stems.pop() + kind, code) for kind, code in cat.COUNTY_SHAPE])
    return result


def insert_tree(nodes: list[OrgPlan]) -> None:
    """Write plan nodes (parents first; parents from earlier calls already have pks)."""
    by_depth: dict[int, list[OrgPlan]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        rows = [
            Organisation(
                name=node.name, kind=node.kind, region_level=node.region_level, category=node.category,
                code=node.code, parent_id=node.parent.pk if node.parent else None, depth=depth,
                # Unique placeholder until the id is known (the code is unique too).
                path=f"/pending-{node.code}/", sort_order=node.sort_order, address=node.address,
            )
            for node in level
        ]
        Organisation.objects.bulk_create(rows, batch_size=500)
        for node, row in zip(level, rows):
            node.pk = row.pk
            node.path = f"{node.parent.path if node.parent else '/'}{row.pk}/"
            row.path = node.path
        Organisation.objects.bulk_update(rows, ["path"], batch_size=500)
