"""Credit recognition from other platforms (学时互认), through ganxun.recognition.

`orgadmin` registers two sources of 临江市 (source_create, each with its first rule from 1
January of last year, so every day of the window has one):

* **学习强国** — points, 30 积分 = 1 学时, at most 20 学时 a year per cadre, approval needed;
* **江东干部网络学院** (the province's online academy) — hours, 1 = 1 学时, no cap, recognised
  on arrival (its records are the province's own).

Claims arrive as the platforms' exports, uploaded through recognition.uploads (validated row by
row, then imported): the `liaison` persona uploads its unit's monthly 学习强国 points (the
persona, itself and the two colleagues with learner accounts; one row names a cadre of another
unit and is reported as outside its scope), `orgadmin` the academy's records of the persona
cadres (`cadre`, `liaison`, `leader`, the learner accounts), which are recognised at once.
`county_admin` then decides the 学习强国 claims: rejects the liaison's 挑战答题 points with the
reason, approves the others in one batch — in date order, so where a cadre's months of one
year pass 20 学时 the claim that crosses the line is cut to what is left (and one with nothing
left is refused) — and leaves the persona's latest month pending. Recognised hours are in the ledger (mode recognised, source_ref recognition:<claim>).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from ganxun.access.roles import Role
from ganxun.demo.process.learners import Learner
from ganxun.demo.process.roster import persona_unit
from ganxun.demo.process.world import World, rng_for
from ganxun.people.models import Cadre
from ganxun.recognition import services, uploads
from ganxun.recognition.models import AmountUnit, ClaimStatus, RecognitionClaim, RecognitionSource

XUEXI = "学习强国"
POINTS_PER_HOUR, YEARLY_CAP_HOURS = 30, 20
CHALLENGE = "挑战答题积分"
REJECT_REASON = "挑战答题积分属于答题竞赛积分，不是学习时长，按规定不予折算学时。"
ACADEMY_COURSES = (
    ("推动高质量发展专题网络培训", 3), ("数字经济与数字化转型", 2), ("防范化解重大风险专题", 2),
    ("领导干部法治素养提升", 3), ("党史学习教育专题", 4), ("基层治理现代化专题", 2),
)


def _months_before(today: dt.date, count: int) -> list[dt.date]:
    """The last day of each of the `count` full months before `today`'s month, oldest first."""
    ends, day = [], today.replace(day=1) - dt.timedelta(days=1)
    for _ in range(count):
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def _workbook(headers: tuple[str, ...], rows: list[tuple]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "学习记录"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(actor, source: RecognitionSource, name: str, data: bytes):
    record = uploads.upload_create(actor=actor, source=source, upload=SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return uploads.upload_commit(actor=actor, upload=record)


def generate_recognition(world: World, learners: list[Learner]) -> None:
    rng = rng_for(world.seed, "recognition")
    org = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    since = dt.date(world.today.year - 1, 1, 1)
    xuexi = services.source_create(actor=org, name=XUEXI, unit=AmountUnit.POINTS, owner=world.city, effective_from=since,
                                   amount_per_hour=POINTS_PER_HOUR, yearly_cap_hours=YEARLY_CAP_HOURS,
                                   needs_approval=True)
    province = world.city.parent.name.removesuffix("省") if world.city.parent_id else world.city.name
    academy = services.source_create(actor=org, name=f"{province}干部网络学院", unit=AmountUnit.HOURS, owner=world.city,
                                     effective_from=since, amount_per_hour=1, needs_approval=False)
    by_name = {x.username: x.cadre for x in learners}
    for username in ("liaison", "leader"):
        cadre = Cadre.objects.filter(person__account__username=username).select_related("person", "unit").first()
        if cadre is not None:
            by_name[username] = cadre
    _xuexi_claims(world, rng, xuexi, by_name)
    _academy_claims(world, rng, org, academy, by_name)
    counts = dict.fromkeys(ClaimStatus.values, 0)
    for status in RecognitionClaim.objects.values_list("status", flat=True):
        counts[status] += 1
    world.add("recognition_sources", 2)
    for status, count in counts.items():
        world.add(f"recognition_claims_{status}", count)


def _xuexi_claims(world: World, rng, source: RecognitionSource, cadres: dict[str, Cadre]) -> None:
    unit = persona_unit(world)
    liaison = world.actor("liaison", Role.UNIT_LIAISON)
    if unit is None or "liaison" not in cadres:
        return
    months = _months_before(world.today, 4)
    rows, seq = [], 0

    def row(cadre: Cadre, month_end: dt.date, points: int, what: str) -> None:
        nonlocal seq
        seq += 1
        rows.append((cadre.person.id_number, cadre.person.name, f"XXQG-{month_end:%Y%m}-{seq:04d}", points,
                     month_end, f"{XUEXI} {month_end.year}年{month_end.month}月{what}"))

    # The persona: four months; the liaison: three and a month of quiz points; colleagues: two.
    people = [("cadre", months), ("liaison", months[1:]), ("cadre2", months[2:]), ("cadre3", months[2:])]
    for username, wanted in people:
        cadre = cadres.get(username)
        if cadre is None or cadre.unit_id != unit.pk:
            continue
        for month_end in wanted:
            row(cadre, month_end, rng.randrange(180, 301, 10), "专题学习积分")
    row(cadres["liaison"], months[-1], rng.randrange(60, 121, 10), CHALLENGE)
    # The platform's export also lists a cadre of another unit: the upload reports the row, imports the rest.
    outsider = next((c for name, c in cadres.items() if name.startswith("cadre") and c.unit_id != unit.pk), None)
    if outsider is not None:
        row(outsider, months[-1], rng.randrange(210, 331, 10), "专题学习积分")
    data = _workbook(("身份证号", "姓名", "记录编号", "学习积分", "取得日期", "学习内容"), rows)
    upload = _upload(liaison, source, f"{XUEXI}学习积分_{unit.name}_{months[0]:%Y年%m月}-{months[-1]:%m月}.xlsx", data)
    claims = list(RecognitionClaim.objects.filter(upload=upload).select_related("cadre__person")
                  .order_by("earned_on", "external_ref"))
    persona = cadres.get("cadre")
    pending = max((c for c in claims if persona and c.cadre_id == persona.pk), key=lambda c: c.earned_on, default=None)
    rejected = next((c for c in claims if c.title.endswith(CHALLENGE)), None)
    decider = world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    if rejected is not None:
        services.claim_reject(actor=decider, claim=rejected, reason=REJECT_REASON)
    approve = [c.pk for c in claims if c not in (pending, rejected)]
    if approve:
        services.claims_approve(actor=decider, claim_ids=approve)


def _academy_claims(world: World, rng, org, source: RecognitionSource, cadres: dict[str, Cadre]) -> None:
    """A few completed courses of the province's academy for each persona cadre, in the last half year."""
    rows = []
    for username in ("cadre", "liaison", "leader", "cadre4", "cadre5", "cadre6"):
        cadre = cadres.get(username)
        if cadre is None:
            continue
        for title, hours in rng.sample(ACADEMY_COURSES, k=2 if username in ("cadre", "leader") else 1):
            day = world.today - dt.timedelta(days=rng.randint(10, 180))
            rows.append((cadre.person.id_number, cadre.person.name, f"JDWX{day:%Y%m%d}{len(rows) + 1:04d}",
                         Decimal(hours), day, title))
    if rows:
        rows.sort(key=lambda r: (r[4], r[2]))
        data = _workbook(("身份证号码", "姓名", "学习记录编号", "学时", "完成日期", "课程名称"),
                         [(*r[:3], float(r[3]), *r[4:]) for r in rows])
        _upload(org, source, f"{source.name}学时记录_{world.today:%Y%m%d}.xlsx", data)
