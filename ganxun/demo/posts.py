"""Who holds which post in a unit: ranks, leader or not, and the title on the record.

Rank follows the level of the unit: a county bureau is headed at 乡科级, a city
bureau at 县处级, a province department at 厅局级; leadership bodies (party
committee, government, congress, CPPCC) hold the level's leading rank. Below
the head come deputies, senior non-leading ranks (调研员, 主任科员), the next
rank down as section chiefs, and 一般干部. The fractions are tuned so the whole
city shows the pyramid of a real one: a handful of 厅局级, about 10 % 县处级,
about 35 % 乡科级, the rest 一般干部.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

RANKS = ["provincial", "bureau", "county", "section", "general"]  # people.choices.Rank, highest first
LEADING_RANK = {"province": 0, "city": 1, "county": 2}
LEADERSHIP_TIERS = frozenset({"committee", "government", "congress", "cppcc"})
CIVIL_SERVICE_CATEGORIES = frozenset({"party_gov", "grassroots"})

_NON_LEADING = {
    0: ["一级巡视员"],
    1: ["一级巡视员", "二级巡视员"],
    2: ["一级调研员", "二级调研员", "三级调研员", "四级调研员"],
    3: ["一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员"],
    4: ["一级科员", "二级科员", "一级科员"],
}

# (suffix or prefix test, head title, deputy title), first match wins.
_HEAD_TITLES = [
    ("纪律检查委员会", "书记", "副书记"),
    ("政法委员会", "书记", "副书记"),
    ("共青团", "书记", "副书记"),
    ("编制委员会办公室", "主任", "副主任"),
    ("委员会", "主任", "副主任"),
    ("部", "部长", "副部长"),
    ("办公室", "主任", "副主任"),
    ("办公厅", "主任", "副主任"),
    ("厅", "厅长", "副厅长"),
    ("局", "局长", "副局长"),
    ("法院", "院长", "副院长"),
    ("检察院", "检察长", "副检察长"),
    ("总工会", "主席", "副主席"),
    ("妇女联合会", "主席", "副主席"),
    ("医院", "院长", "副院长"),
    ("保健院", "院长", "副院长"),
    ("大学", "校长", "副校长"),
    ("学院", "院长", "副院长"),
    ("中学", "校长", "副校长"),
    ("小学", "校长", "副校长"),
    ("学校", "校长", "副校长"),
    ("电视台", "台长", "副台长"),
    ("图书馆", "馆长", "副馆长"),
    ("有限公司", "董事长", "副总经理"),
    ("中心", "主任", "副主任"),
]


@dataclass(frozen=True)
class Post:
    title: str
    rank: int  # index into RANKS
    is_leader: bool


def head_rank(unit) -> int:
    """Rank index of the unit's head (see the module docstring)."""
    lead = LEADING_RANK[unit.level]
    if unit.tier in LEADERSHIP_TIERS:
        return lead
    if unit.tier == "township":
        return 3
    if unit.parent is not None and unit.parent.kind == "unit":
        return min(head_rank(unit.parent) + 1, 3)
    return min(lead + 1 + unit.head_offset, 3)


def _head_and_deputy(unit) -> tuple[str, list[str]]:
    name = unit.name
    if unit.tier == "township":
        if name.endswith("街道办事处"):
            return "党工委书记", ["办事处主任", "党工委副书记", "办事处副主任", "办事处副主任", "人大工委主任",
                                "纪工委书记", "办事处副主任"]
        town = "乡" if name.endswith("乡人民政府") else "镇"
        return "党委书记", [f"{town}长", "党委副书记", f"副{town}长", f"副{town}长", "人大主席", "纪委书记",
                           "武装部部长", f"副{town}长"]
    for marker, head, deputy in _HEAD_TITLES:
        if name.endswith(marker) or name.startswith(marker):
            if marker == "有限公司":
                return head, ["总经理", "党委副书记", deputy, deputy, deputy]
            return head, [deputy] * 5
    return "负责人", ["副职"] * 5


def _mid_titles(unit, rank: int) -> tuple[str, str]:
    """Leader titles one rank below the head (section chiefs and their deputies)."""
    if unit.category == "enterprise":
        return "部门经理", "部门副经理"
    if unit.tier == "hospital":
        return "科室主任", "科室副主任"
    if rank <= 2:
        return "处长", "副处长"
    return "科长", "副科长"


def title_for(unit, rank: int, is_leader: bool, rng: random.Random) -> str:
    """The title of a non-head post of `rank` in `unit` (past posts in careers, staff of a unit)."""
    top = head_rank(unit)
    if unit.tier in LEADERSHIP_TIERS:
        # A past post in a leadership body is a member's (副县长, 县委常委).
        return _member_title(unit)
    if is_leader and rank == top:
        return rng.choice(_head_and_deputy(unit)[1])
    if is_leader and rank == top + 1 and rank < 4:
        chief, deputy = _mid_titles(unit, rank)
        return chief if rng.random() < 0.45 else deputy
    if unit.category in CIVIL_SERVICE_CATEGORIES:
        if rank == 4 and unit.level == "county" and rng.random() < 0.12 and unit.tier != "township":
            return "股长"
        return rng.choice(_NON_LEADING[rank])
    if rank <= 2:
        return "高级主管"
    if rank == 3:
        return "主管"
    return "职员" if unit.category == "enterprise" else "干事"


def _member_title(unit) -> str:
    title, _ = unit.leadership_posts[-1]
    return title.format(s=unit.region.name[-1])


def leadership_posts(unit) -> list[Post]:
    suffix = unit.region.name[-1]
    rank = LEADING_RANK[unit.level]
    return [Post(title.format(s=suffix), rank, True) for title, count in unit.leadership_posts for _ in range(count)]


def unit_posts(unit, n: int, rng: random.Random) -> list[Post]:
    """The `n` current posts of a unit, head first."""
    if unit.tier in LEADERSHIP_TIERS:
        return leadership_posts(unit)
    top = head_rank(unit)
    head_title, deputy_titles = _head_and_deputy(unit)
    posts = [Post(head_title, top, True)]
    if unit.tier == "township":
        leaders = min(len(deputy_titles), max(2, round(n * 0.3)), n - 1)
        posts += [Post(title, top, True) for title in deputy_titles[:leaders]]
        posts += [Post(title_for(unit, top, False, rng), top, False) for _ in range(round(n * 0.1))]
    else:
        deputies = min(max(1, round(n * 0.12)), 4, n - 1)
        posts += [Post(deputy_titles[i], top, True) for i in range(deputies)]
        senior = 0.08 if top <= 2 else 0.05
        posts += [Post(title_for(unit, top, False, rng), top, False) for _ in range(round(n * senior))]
        if top + 1 < 4:
            posts += [Post(title_for(unit, top + 1, True, rng), top + 1, True) for _ in range(round(n * 0.15))]
            posts += [Post(title_for(unit, top + 1, False, rng), top + 1, False) for _ in range(round(n * 0.12))]
        else:
            posts += [Post(title_for(unit, top, False, rng), top, False) for _ in range(round(n * 0.12))]
    posts = posts[:n]
    while len(posts) < n:
        posts.append(Post(title_for(unit, 4, False, rng), 4, False))
    return posts


# Share of the whole city's cadres a rank should reach (the pyramid of the module docstring).
PYRAMID = ((2, 0.10), (3, 0.35))


def balance_ranks(posts: list[tuple[object, Post]], rng: random.Random) -> list[tuple[object, Post]]:
    """Raise non-leading grades until 县处级 and 乡科级 reach their share of the city.

    Unit shapes alone give the right pyramid only for one mix of units: a city
    with many county bureaus (headed at 乡科级) would come out short of 县处级.
    Real cities fill that gap the same way, with non-leading grades (职级并行:
    a veteran county official becomes 四级调研员, a veteran clerk 四级主任科员),
    so the shortfall is made up by raising non-leaders of civil-service units.
    """
    posts = list(posts)
    total = len(posts)
    for rank, share in PYRAMID:
        need = round(total * share) - sum(1 for _, post in posts if post.rank == rank)
        if need <= 0:
            continue
        candidates = [
            index for index, (unit, post) in enumerate(posts)
            if post.rank == rank + 1 and not post.is_leader and unit.category in CIVIL_SERVICE_CATEGORIES
            and unit.tier not in LEADERSHIP_TIERS
        ]
        titles = _NON_LEADING[rank][-2:]  # the entry grades of the rank
        for index in sorted(rng.sample(candidates, min(need, len(candidates)))):
            unit, _ = posts[index]
            posts[index] = (unit, Post(rng.choice(titles), rank, False))
    return posts
