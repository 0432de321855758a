"""A first slice of the training process for the demo city (the first city only, every scale).

东城区's org department runs a needs survey among its serving cadres, generates its 2026
annual plan from the answers, has it approved by the city and adjusts it once; the city
party school holds a year of classes with timetables. Everything goes through the
planning and classes services (rights, four-eyes rule, clash checks, audit trail), except
the survey answers: generated cadres have no accounts, so their responses are written in
bulk; the `cadre` persona answers through survey_answer like any learner.

The services refuse dates in the past (a survey's closing date), so the survey is created
with today's real date and then moved back to late 2025, where it belongs before a 2026
plan. Random choices come from random.Random("<seed>/process/<part>"); dates count from
DEMO_TODAY.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.classes import services as class_services
from ganxun.classes.models import ClassStatus, SessionKind, Slot
from ganxun.demo.scales import DEMO_TODAY
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher
from ganxun.planning import plan_services
from ganxun.planning import services as survey_services
from ganxun.planning.models import Answer, PlanAdjustment, Question, Survey, SurveyInvitation, SurveyResponse
from ganxun.topics.models import Topic

RESPONSE_RATE = 0.65
# Topic appeal by rank: leaders want leadership, risk and development; general staff want
# law, digital skills and writing-level knowledge. Codes from topics/seed.py.
TOPIC_WEIGHTS: dict[str, dict[str, int]] = {
    "01.01": {"county": 6, "section": 5, "general": 4},
    "01.05": {"county": 5, "section": 4, "general": 3},
    "02.02": {"county": 3, "section": 3, "general": 3},
    "02.06": {"county": 4, "section": 3, "general": 2},
    "03.01": {"county": 7, "section": 5, "general": 2},
    "03.03": {"county": 3, "section": 4, "general": 5},
    "03.04": {"county": 4, "section": 6, "general": 4},
    "03.05": {"county": 6, "section": 4, "general": 2},
    "03.06": {"county": 3, "section": 4, "general": 2},
    "03.08": {"county": 3, "section": 5, "general": 7},
    "03.09": {"county": 7, "section": 4, "general": 1},
    "04.01": {"county": 3, "section": 3, "general": 4},
    "04.02": {"county": 2, "section": 3, "general": 5},
}
LENGTHS = [("1–2天", 3), ("3–5天", 6), ("1–2周", 3), ("1个月以上", 1)]
FORMATS = [("专题讲座", 5), ("结构化研讨", 4), ("现场教学", 6), ("案例教学", 5), ("网络培训", 3)]
REMARKS = ["希望多安排现场教学，少一些照本宣科。", "建议课程结合东城区实际案例。", "希望培训时间避开年底工作高峰。",
           "希望增加数字化办公和数据分析方面的内容。", "建议分层分类办班，一般干部和领导干部分开。",
           "希望提供课件和学习资料，便于会后复习。", "建议增加小组研讨时间。", "希望邀请基层一线的同志分享经验。"]

# City-level classes of the party school: (title, topic code, type, start, days).
CITY_CLASSES = [
    ("临江市新任科级领导干部任职培训班", "03.09", "appointment", dt.date(2026, 6, 8), 5),
    ("临江市年轻干部理论培训班", "01.01", "theory", dt.date(2026, 8, 17), 5),
    ("临江市基层党组织书记示范培训班", "03.10", "in_service", dt.date(2026, 8, 31), 4),
    ("临江市数字政府建设专题培训班", "03.08", "in_service", dt.date(2026, 9, 21), 3),
    ("临江市应急管理能力提升培训班", "03.05", "in_service", dt.date(2026, 11, 16), 3),
]
ROOMS = [("报告厅", 200), ("第一教室", 80), ("第二教室", 60), ("研讨室", 40)]
PLAN_CLASS_WEEKDAY = 0  # plan classes open on the second Monday of their month


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("/".join(str(p) for p in (seed, "process", *parts)))


def _actor(username: str, role: str) -> Account:
    account = Account.objects.get(username=username)
    account.active_role = RoleAssignment.objects.current().filter(account=account, role=role).select_related(
        "scope").order_by("id").first()
    return account


def _weighted_sample(rng: random.Random, weighted: list[tuple[object, int]], k: int) -> list:
    pool, chosen = list(weighted), []
    while pool and len(chosen) < k:
        item = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        chosen.append(pool.pop(item)[0])
    return chosen


def generate_process(*, seed: int, county: Organisation, city: Organisation, school: Organisation) -> dict[str, int]:
    """Survey, plan and classes for the first city; returns counts for the run summary."""
    county_admin = _actor("county_admin", Role.ORG_DEPT_ADMIN)
    survey, responses = _survey(seed, county_admin, county)
    plan = _plan(county_admin, survey, school)
    classes, sessions = _classes(seed, school, city, plan)
    return {"survey_responses": responses, "plan_items": plan.items.count(), "classes": classes,
            "sessions": sessions}


# --- needs survey ------------------------------------------------------------------------------

def _survey(seed: int, actor: Account, county: Organisation) -> tuple[Survey, int]:
    survey = survey_services.survey_create(
        actor=actor, title=f"{county.name}2026年度干部教育培训需求调研", closes_on=timezone.localdate(),
        description="为科学编制2026年度干部教育培训计划，请结合岗位需要如实填写，约需5分钟。",
        audience_root=county)
    add = survey_services.question_add
    topics_q = add(actor=actor, survey=survey, kind=Question.Kind.TOPICS, max_choices=3,
                   text="您最希望参加哪些内容的培训？（最多选3项）")
    length_q = add(actor=actor, survey=survey, kind=Question.Kind.SINGLE, text="您认为一期培训的适宜时长是？",
                   options=[label for label, _ in LENGTHS])
    format_q = add(actor=actor, survey=survey, kind=Question.Kind.MULTIPLE, max_choices=3,
                   text="您更喜欢哪些培训方式？（最多选3项）", options=[label for label, _ in FORMATS])
    rating_q = add(actor=actor, survey=survey, kind=Question.Kind.RATING,
                   text="您对上一年度参加的培训总体满意度如何？（1分最低，5分最高）")
    text_q = add(actor=actor, survey=survey, kind=Question.Kind.TEXT, required=False,
                 text="对今后的干部教育培训工作，您还有什么意见和建议？")
    survey_services.survey_open(actor=actor, survey=survey)
    topics = Topic.objects.in_bulk(list(TOPIC_WEIGHTS), field_name="code")
    length_ids = list(length_q.options.values_list("pk", flat=True))
    format_ids = list(format_q.options.values_list("pk", flat=True))
    rng = _rng(seed, "survey")

    def answers_for(rank: str) -> dict:
        band = rank if rank in ("county", "section") else ("county" if rank in ("bureau", "provincial") else "general")
        chosen = _weighted_sample(rng, [(code, w[band]) for code, w in TOPIC_WEIGHTS.items()], rng.choice([2, 3, 3]))
        result = {topics_q.pk: [topics[c].pk for c in chosen],
                  length_q.pk: length_ids[_weighted_sample(rng, [(i, w) for i, (_, w) in enumerate(LENGTHS)], 1)[0]],
                  format_q.pk: [format_ids[i] for i in _weighted_sample(
                      rng, [(i, w) for i, (_, w) in enumerate(FORMATS)], rng.choice([1, 2, 3]))],
                  rating_q.pk: rng.choices([2, 3, 4, 5], weights=[1, 4, 10, 6])[0]}
        if rng.random() < 0.25:
            result[text_q.pk] = rng.choice(REMARKS)
        return result

    # Ordered by ID number (plain in Python): its keyed hash differs between installations.
    invitations = sorted(SurveyInvitation.objects.filter(survey=survey).select_related("cadre__person"),
                         key=lambda i: i.cadre.person.id_number)
    persona = Account.objects.filter(username="cadre").first()
    bulk: list[tuple[SurveyInvitation, dict]] = []
    for invitation in invitations:
        answers = answers_for(invitation.cadre.rank)
        if persona is not None and invitation.cadre.person.account_id == persona.pk:
            persona.active_role = RoleAssignment.objects.current().filter(account=persona, role=Role.CADRE).first()
            survey_services.survey_answer(actor=persona, survey=survey, answers=answers)
        elif rng.random() < RESPONSE_RATE:
            bulk.append((invitation, answers))
    _bulk_answers(survey, bulk)
    survey_services.survey_close(actor=actor, survey=survey)
    # Back to where it belongs: collected in November 2025, before the 2026 plan.
    tz = timezone.get_current_timezone()
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=dt.date(2025, 11, 30), opened_at=dt.datetime(2025, 11, 10, 9, 0, tzinfo=tz),
        closed_at=dt.datetime(2025, 11, 30, 18, 0, tzinfo=tz))
    survey.refresh_from_db()
    return survey, SurveyResponse.objects.filter(invitation__survey=survey).count()


def _bulk_answers(survey: Survey, rows: list[tuple[SurveyInvitation, dict]]) -> None:
    """The generated cadres' answers: no accounts, so written in bulk, with one audit entry."""
    questions = {q.pk: q for q in survey.questions.all()}
    stamp = dt.datetime(2025, 11, 20, 10, 0, tzinfo=timezone.get_current_timezone())
    responses = SurveyResponse.objects.bulk_create(
        [SurveyResponse(invitation=invitation, submitted_at=stamp, updated_at=stamp) for invitation, _ in rows],
        batch_size=1000)
    answers, links = [], []
    for response, (_, values) in zip(responses, rows):
        for question_id, value in values.items():
            kind = questions[question_id].kind
            answers.append(Answer(response=response, question_id=question_id,
                                  rating=value if kind == Question.Kind.RATING else None,
                                  text=value if kind == Question.Kind.TEXT else ""))
            links.append((kind, value if isinstance(value, list) else [value]))
    Answer.objects.bulk_create(answers, batch_size=2000)
    option_rows, topic_rows = [], []
    for answer, (kind, ids) in zip(answers, links):
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            option_rows += [Answer.options.through(answer_id=answer.pk, questionoption_id=i) for i in ids]
        elif kind == Question.Kind.TOPICS:
            topic_rows += [Answer.topics.through(answer_id=answer.pk, topic_id=i) for i in ids]
    Answer.options.through.objects.bulk_create(option_rows, batch_size=2000)
    Answer.topics.through.objects.bulk_create(topic_rows, batch_size=2000)
    audit_record(action="survey.answer", actor=None, target=survey, detail={"demo": True, "responses": len(rows)})


# --- annual plan -------------------------------------------------------------------------------

def _plan(actor: Account, survey: Survey, school: Organisation):
    plan = plan_services.plan_generate_from_survey(actor=actor, survey=survey, year=2026, top_n=6)
    # The generated draft names the county's own party school; 东城区 commissions the city
    # party school instead, whose classes below follow these items.
    for item in plan.items.prefetch_related("topics").order_by("month", "pk"):
        plan_services.plan_item_update(
            actor=actor, item=item, title=item.title, topics=list(item.topics.all()),
            training_type=item.training_type, target_ranks=item.target_ranks,
            target_categories=item.target_categories, institution=school, month=item.month, days=item.days,
            credit_hours=item.credit_hours, capacity=item.capacity, budget=Decimal(item.capacity * 800),
            note=f"{item.note}；委托市委党校承办")
    plan_services.plan_submit(actor=actor, plan=plan)
    approver = _actor("orgadmin", Role.ORG_DEPT_ADMIN)
    plan_services.plan_approve(actor=approver, plan=plan, comment="同意。请按计划组织实施，注意控制培训经费。")
    plan_services.plan_adjust(
        actor=actor, plan=plan, reason_kind=PlanAdjustment.Kind.ADD,
        reason="根据区委工作安排，临时增加一期基层治理能力提升培训。",
        title="基层治理能力提升专题培训班", topics=[Topic.objects.get(code="03.04")], training_type="in_service",
        target_ranks=["section", "general"], target_categories=["grassroots"], institution=school, month=10,
        days=3, capacity=50, budget=Decimal("40000"), note="区委临时增加；委托市委党校承办")
    plan.refresh_from_db()
    return plan


# --- classes and timetables ----------------------------------------------------------------------

def _second_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(PLAN_CLASS_WEEKDAY - first.weekday()) % 7 + 7)


def _status_for(start: dt.date, end: dt.date, today: dt.date) -> str:
    if end < today - dt.timedelta(days=30):
        return ClassStatus.ARCHIVED
    if end < today:
        return ClassStatus.CLOSED
    if start <= today:
        return ClassStatus.RUNNING
    if start <= today + dt.timedelta(days=30):
        return ClassStatus.ENROLLING
    if start <= today + dt.timedelta(days=60):
        return ClassStatus.NOTICE_ISSUED
    return ClassStatus.DRAFT


def _classes(seed: int, school: Organisation, city: Organisation, plan) -> tuple[int, int]:
    actor = _actor("school_admin", Role.INSTITUTION_ADMIN)
    rooms = [class_services.room_create(actor=actor, institution=school, name=name, capacity=capacity)
             for name, capacity in ROOMS]
    head_teachers = list(Account.objects.filter(
        assignments__in=RoleAssignment.objects.current().filter(role=Role.HEAD_TEACHER, scope=school))
        .distinct().order_by("username"))
    pool = sorted(Teacher.objects.filter(institution=school, is_active=True).select_related("person"),
                  key=lambda t: t.person.id_number)
    persona_teacher = Teacher.objects.filter(person__account__username="teacher").first()
    bases = list(Organisation.objects.filter(kind=Organisation.Kind.BASE, is_active=True,
                                             path__startswith=city.path).order_by("path"))
    topics = {t.code: t for t in Topic.objects.all()}
    specs = []
    for item in plan.items.filter(is_active=True).prefetch_related("topics").order_by("month", "pk"):
        topic = item.topics.first()
        specs.append((f"东城区{item.title}", topic.code if topic else "03.01", item.training_type,
                      _second_monday(2026, item.month), min(item.days, 5), item.pk, item.capacity))
    specs += [(title, code, kind, start, days, None, 60) for title, code, kind, start, days in CITY_CLASSES]
    specs.sort(key=lambda s: (s[3], s[0]))
    rng = _rng(seed, "classes")
    booked: set[tuple] = set()  # ("t", teacher pk, date, slot) / ("r", room pk, date, slot)
    created = sessions = 0
    for index, (title, code, kind, start, days, item_id, capacity) in enumerate(specs):
        end = start + dt.timedelta(days=days - 1)
        training_class = class_services.class_create(
            actor=actor, institution=school, organiser=city,
            head_teacher=head_teachers[index % len(head_teachers)] if head_teachers else None,
            topics=[topics[code]] if code in topics else [],
            data={"title": title, "training_type": kind, "start_date": start, "end_date": end,
                  "place": school.name, "mode": "offline", "capacity": capacity,
                  "hours_per_half_day": Decimal("3"), "plan_item_id": item_id})
        sessions += _timetable(rng, actor, training_class, topics.get(code), days, rooms, pool,
                               persona_teacher if index % 3 == 0 else None, bases, booked)
        target = _status_for(start, end, DEMO_TODAY)
        order = list(ClassStatus.values)
        for status in (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING, ClassStatus.RUNNING, ClassStatus.CLOSED,
                       ClassStatus.ARCHIVED):
            if order.index(status) > order.index(target):
                break
            class_services.class_transition(actor=actor, training_class=training_class, to=status)
        created += 1
    return created, sessions


LECTURE_TITLES = ["{t}专题辅导", "深入学习{t}", "{t}的实践与思考", "新形势下{t}的重点任务"]


def _timetable(rng, actor, training_class, topic, days, rooms, pool, persona_teacher, bases, booked) -> int:
    """2–5 days of morning/afternoon sessions; skips a teacher or room already booked in that slot."""
    name = topic.name if topic else "干部履职能力"
    main = rooms[0] if training_class.capacity > 80 else rng.choice(rooms[1:3])
    seminar = rooms[3]
    count = 0
    for day in range(days):
        date = training_class.start_date + dt.timedelta(days=day)
        for slot in (Slot.MORNING, Slot.AFTERNOON):
            last = day == days - 1 and slot == Slot.AFTERNOON
            if day == 0 and slot == Slot.MORNING:
                kind, title = SessionKind.LECTURE, f"开班式暨{name}专题辅导"
            elif last and days >= 3:
                kind, title = SessionKind.EXAM, "结业考试"
            elif last:
                kind, title = SessionKind.DISCUSSION, "结构化研讨与学习交流"
            elif day == 1 and slot == Slot.AFTERNOON and bases:
                kind, title = SessionKind.ON_SITE, "现场教学"
            elif slot == Slot.AFTERNOON:
                kind, title = rng.choice([(SessionKind.DISCUSSION, f"结构化研讨：{name}"),
                                          (SessionKind.CASE_STUDY, f"案例教学：{name}典型案例分析")])
            else:
                kind, title = SessionKind.LECTURE, rng.choice(LECTURE_TITLES).format(t=name)
            data = {"date": date, "slot": slot, "kind": kind, "title": title, "topic": topic}
            if kind == SessionKind.ON_SITE:
                base = rng.choice(bases)
                data["base"], data["title"] = base, f"现场教学：{base.name}"
            else:
                room = seminar if kind in (SessionKind.DISCUSSION, SessionKind.CASE_STUDY) else main
                if day == 0 and slot == Slot.MORNING:
                    room = rooms[0]  # the opening ceremony is in the lecture hall
                if ("r", room.pk, date, slot) in booked:
                    room = next((r for r in rooms if ("r", r.pk, date, slot) not in booked), None)
                if room is not None:
                    data["room"] = room
                    booked.add(("r", room.pk, date, slot))
            if kind != SessionKind.EXAM:
                wanted = persona_teacher if (persona_teacher and day == 0 and slot == Slot.AFTERNOON) else None
                free = [t for t in pool if ("t", t.pk, date, slot) not in booked]
                teacher = wanted if wanted is not None and wanted in free else (rng.choice(free) if free else None)
                if teacher is not None:
                    data["teacher"] = teacher
                    booked.add(("t", teacher.pk, date, slot))
            class_services.session_add(actor=actor, training_class=training_class, data=data)
            count += 1
    return count
