"""The needs survey (需求调研) of 东城区 in the November before each plan year.

Built and closed through the planning services (the `cadre` persona answers through
survey_answer like any learner). Generated cadres have no accounts, so their responses are
written in bulk with one audit entry. The services refuse a closing date in the past, so the
survey is created with today's real date and then moved back to November of the year before.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.demo.process.world import World, rng_for
from ganxun.planning import services as survey_services
from ganxun.planning.models import Answer, Question, Survey, SurveyInvitation, SurveyResponse
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


def weighted_sample(rng, weighted: list[tuple[object, int]], k: int) -> list:
    pool, chosen = list(weighted), []
    while pool and len(chosen) < k:
        item = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        chosen.append(pool.pop(item)[0])
    return chosen


def needs_survey(world: World, year: int) -> Survey:
    """The closed survey for the plan of `year`, answered by about 65 % of 东城区's cadres."""
    actor = world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    county = world.county
    survey = survey_services.survey_create(
        actor=actor, title=f"{county.name}{year}年度干部教育培训需求调研", closes_on=timezone.localdate(),
        description=f"为科学编制{year}年度干部教育培训计划，请结合岗位需要如实填写，约需5分钟。",
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
    length_ids = list(length_q.options.order_by("pk").values_list("pk", flat=True))
    format_ids = list(format_q.options.order_by("pk").values_list("pk", flat=True))
    rng = rng_for(world.seed, "survey", year)

    def answers_for(rank: str) -> dict:
        band = rank if rank in ("county", "section") else ("county" if rank in ("bureau", "provincial") else "general")
        chosen = weighted_sample(rng, [(code, w[band]) for code, w in TOPIC_WEIGHTS.items()], rng.choice([2, 3, 3]))
        result = {topics_q.pk: [topics[c].pk for c in chosen],
                  length_q.pk: length_ids[weighted_sample(rng, [(i, w) for i, (_, w) in enumerate(LENGTHS)], 1)[0]],
                  format_q.pk: [format_ids[i] for i in weighted_sample(
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
    _bulk_answers(survey, bulk, year)
    survey_services.survey_close(actor=actor, survey=survey)
    # Back to where it belongs: collected in November, before the plan year.
    tz = timezone.get_current_timezone()
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=dt.date(year - 1, 11, 30), opened_at=dt.datetime(year - 1, 11, 10, 9, 0, tzinfo=tz),
        closed_at=dt.datetime(year - 1, 11, 30, 18, 0, tzinfo=tz))
    survey.refresh_from_db()
    world.add("survey_responses", SurveyResponse.objects.filter(invitation__survey=survey).count())
    return survey


def _bulk_answers(survey: Survey, rows: list[tuple[SurveyInvitation, dict]], year: int) -> None:
    """The generated cadres' answers: no accounts, so written in bulk, with one audit entry."""
    questions = {q.pk: q for q in survey.questions.all()}
    stamp = dt.datetime(year - 1, 11, 20, 10, 0, tzinfo=timezone.get_current_timezone())
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
