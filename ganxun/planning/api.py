"""/api/v1/surveys and /api/v1/me/surveys — the needs survey (需求调研): parse → call a
service/selector of planning → serialise.

Back office (`surveys.view` / `surveys.manage`): list and detail in scope (drafts only for
managers, like the pages), drafting, questions, opening and closing, the audience preview
and the results (response rates per unit, per-question aggregates, the topic demand ranking),
counted over the invitations the caller may see — a unit liaison gets their unit subtree.
Answers are anonymous in every result. The Excel export stays a page.

Learner (`self.view`): the surveys the cadre is invited to, one of them with the cadre's own
current answers, and `PUT` of the answers: checked by planning.services.survey_answer like
the answer page and saved all or nothing; answering again replaces the previous answers.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of
from ganxun.api.schemas import text as text_of
from ganxun.core.errors import DomainError, NotFound
from ganxun.org.models import Category
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import Rank
from ganxun.people.models import Cadre
from ganxun.people.selectors import cadre_get_for
from ganxun.people.validation import FieldError
from ganxun.planning import services
from ganxun.planning.models import Question, Survey, SurveyResponse
from ganxun.planning.selectors import (
    learner_survey_get,
    previous_answers,
    question_get_for,
    survey_audience_preview,
    survey_get_for,
    survey_queryset_for,
    survey_questions,
    survey_results,
    survey_with_counts,
    surveys_of_learner,
)
from ganxun.topics.selectors import topic_list

router = Router(tags=["需求调研"])
LEARN = ["需求调研（学员）"]

VIEW, MANAGE, SELF = "surveys.view", "surveys.manage", "self.view"
Kind = Question.Kind
SurveyStatus = Survey.Status


# --- errors ----------------------------------------------------------------------------------

class FieldErrors(DomainError):
    """A refusal listing several fields at once (the error handler puts them in `errors`)."""

    def __init__(self, message: str, errors: list[FieldError], *, code: str = "invalid"):
        super().__init__(message, code=code, field=errors[0].field)
        self.errors = errors


SURVEY_FIELDS = {"audience_root": "audience_root_id", "named_cadres": "named_cadre_ids"}


@contextmanager
def api_fields(mapping: dict[str, str]):
    """Name the request's fields in a service's refusal (`audience_root` → `audience_root_id`)."""
    try:
        yield
    except DomainError as exc:
        exc.field = mapping.get(exc.field, exc.field)
        raise


# --- schemas ---------------------------------------------------------------------------------

class SurveyOptionOut(Schema):
    id: int
    label: str


class SurveyQuestionOut(Schema):
    id: int
    order: int
    kind: str
    kind_label: str
    text: str
    required: bool
    max_choices: int | None = Field(description="多选题、培训内容偏好题最多可选数")
    options: list[SurveyOptionOut] = Field(description="单选、多选题的选项")


class SurveyNamedCadreOut(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    status: str
    status_label: str
    closes_on: date
    accepts_answers: bool = Field(description="进行中且未过截止日期")
    owner_org_id: int
    owner_org_name: str
    audience_root_id: int
    audience_root_name: str
    audience_rank: str
    audience_rank_label: str
    audience_category: str
    audience_category_label: str
    targeted: bool = Field(description="个性化调研（指定人员名单）")
    invited: int = Field(description="应答人数（调用者范围内的邀请）")
    answered: int
    rate: float | None = Field(description="回收率 = 已答 ÷ 应答；无邀请时为 null")
    opened_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SurveyDetailOut(SurveyOut):
    named_count: int = Field(description="指定人员人数")
    named_cadres: list[SurveyNamedCadreOut] = Field(description="指定人员中调用者可查看的干部")
    questions: list[SurveyQuestionOut]


class SurveyFilters(Schema):
    status: SurveyStatus | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="截止日期所在年份")


class SurveyIn(Input):
    title: text_of(100)
    description: text_of(2000) = ""
    closes_on: date
    audience_root_id: Id = Field(description="调研范围：范围内的行政区域或单位；不在范围内为 404")
    audience_rank: Rank | None = Field(None, description="只调研该职级；不填为不限")
    audience_category: Category | None = Field(None, description="只调研该干部类别；不填为不限")
    named_cadre_ids: list[Id] = Field([], max_length=5000,
                                      description="个性化调研的指定人员；不为空时只调研这些人，忽略范围和筛选")


class SurveyPatchIn(Input):
    """Only the fields sent change (drafts only); null clears rank / category, [] the named list."""

    title: text_of(100) = None
    description: text_of(2000) = None
    closes_on: date = None
    audience_root_id: Id = None
    audience_rank: Rank | None = None
    audience_category: Category | None = None
    named_cadre_ids: list[Id] = Field(None, max_length=5000)


class SurveyQuestionIn(Input):
    kind: Kind
    text: text_of(300)
    required: bool = True
    max_choices: int | None = Field(None, ge=1, le=50, description="多选题可不填；培训内容偏好题必填")
    options: list[text_of(100)] = Field([], max_length=50, description="单选、多选题的选项（至少两个，不重复）")


class SurveyQuestionPatchIn(Input):
    """Only the fields sent change; a question's kind cannot change (remove it and add another).
    For single and multiple choice, `options` replaces the options."""

    text: text_of(300) = None
    required: bool = None
    max_choices: int | None = Field(None, ge=1, le=50, description="null 清除")
    options: list[text_of(100)] = Field(None, max_length=50)


class SurveyQuestionOrderIn(Input):
    question_ids: list[Id] = Field(max_length=200, description="本调研全部题目的 id，按新顺序，每题一次")


class SurveyAudienceUnitOut(Schema):
    unit_id: int
    unit_name: str
    count: int


class SurveyAudienceOut(Schema):
    survey_id: int
    materialised: bool = Field(description="false：草稿，按当前人员预估；true：发布时已确定的邀请名单")
    count: int
    units: list[SurveyAudienceUnitOut]


class SurveyOpenOut(SurveyOut):
    invited_now: int = Field(description="本次发布邀请的干部人数")


class SurveyUnitRateOut(Schema):
    unit_id: int
    unit_name: str
    invited: int
    answered: int
    missing: int
    rate: float


class SurveyCountOut(Schema):
    id: int
    label: str
    count: int


class SurveyRatingCountOut(Schema):
    value: int
    count: int


class SurveyQuestionResultOut(Schema):
    question_id: int
    order: int
    kind: str
    kind_label: str
    text: str
    answered: int = Field(description="作答人数")
    options: list[SurveyCountOut] = Field(description="单选、多选：每个选项的选择人数")
    ratings: list[SurveyRatingCountOut] = Field(description="评分：1–5 分各多少人")
    average: float | None = Field(description="评分平均分（保留两位小数）")
    topics: list[SurveyCountOut] = Field(description="培训内容偏好：每项的选择人数，多的在前")
    texts: list[str] = Field(description="文字题的回答（匿名）")


class SurveyTopicDemandOut(Schema):
    rank: int
    topic_id: int
    code: str
    name: str
    count: int = Field(description="在任一培训内容偏好题中选择该项的答卷人数")
    share: float = Field(description="占答卷比例 = count ÷ 已答人数")


class SurveyResultsOut(Schema):
    survey_id: int
    invited: int
    answered: int
    rate: float | None
    units: list[SurveyUnitRateOut]
    questions: list[SurveyQuestionResultOut]
    topic_ranking: list[SurveyTopicDemandOut]


class MySurveyOut(Schema):
    id: int
    title: str
    description: str
    status: str
    status_label: str
    closes_on: date
    accepts_answers: bool
    answered: bool


class MySurveyFilters(Schema):
    accepting: bool | None = Field(None, description="true 只列还可作答的调研，false 只列已不能作答的")


def _answer_value(value: Any) -> Any:
    """One clear message for an answer of the wrong shape (instead of one per union member)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        if len(value) > 4000 or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
            raise PydanticCustomError("ganxun_answer", "文字回答不超过 4000 字，且不能含控制字符")
        return value
    if isinstance(value, list) and len(value) <= 200 and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v < 2**63 for v in value):
        return value
    raise PydanticCustomError("ganxun_answer", "回答应为选项或分类 id 的列表、1–5 的整数或文本")


Answer = Annotated[int | str | list[int] | None, BeforeValidator(_answer_value)]


class MySurveyQuestionOut(SurveyQuestionOut):
    answer: Answer = Field(description="我的当前回答：选项或培训内容 id 列表、1–5 分或文字；未答为 null")


class SurveyTopicChoiceOut(Schema):
    id: int
    code: str
    name: str
    parent_code: str | None
    level: int


class MySurveyDetailOut(MySurveyOut):
    submitted_at: datetime | None
    updated_at: datetime | None
    questions: list[MySurveyQuestionOut]
    topic_choices: list[SurveyTopicChoiceOut] = Field(description="培训内容偏好题可选的分类（启用的，按编码）；没有此类题时为空")


class SurveyAnswersIn(Input):
    answers: dict[Id, Answer] = Field(description=(
        "题目 id → 回答。单选：选项 id（或只含一个 id 的列表）；多选：选项 id 列表；评分：1–5；"
        "文字：文本；培训内容偏好：分类 id 列表。未列出的题目视为未答。"))


# --- serialisers --------------------------------------------------------------------------------

def question_out(question: Question) -> dict:
    return {
        "id": question.pk, "order": question.order, "kind": question.kind, "kind_label": label(Kind, question.kind),
        "text": question.text, "required": question.required, "max_choices": question.max_choices,
        "options": [{"id": o.pk, "label": o.label} for o in question.options.all()],
    }


def survey_out(survey: Survey) -> dict:
    return {
        "id": survey.pk, "title": survey.title, "description": survey.description, "status": survey.status,
        "status_label": label(SurveyStatus, survey.status), "closes_on": survey.closes_on,
        "accepts_answers": survey.accepts_answers, "owner_org_id": survey.owner_org_id,
        "owner_org_name": survey.owner_org.name, "audience_root_id": survey.audience_root_id,
        "audience_root_name": survey.audience_root.name, "audience_rank": survey.audience_rank,
        "audience_rank_label": label(Rank, survey.audience_rank), "audience_category": survey.audience_category,
        "audience_category_label": label(Category, survey.audience_category),
        "targeted": survey.named_count > 0,
        "invited": survey.invited, "answered": survey.answered, "rate": survey.rate,
        "opened_at": survey.opened_at, "closed_at": survey.closed_at, "created_at": survey.created_at,
        "updated_at": survey.updated_at,
    }


def survey_detail_out(actor, survey: Survey) -> dict:
    """The survey as the caller may see it: counts over their invitations, named cadres in
    their cadre scope (the total as `named_count`), questions with options."""
    survey = survey_get_for(actor, survey.pk)  # fresh, after a write
    survey_with_counts(actor, [survey])
    visible = (scope.scoped(actor, survey.named_cadres.select_related("person", "unit"), permission="cadres.view")
               .order_by("unit__path", "person__name"))
    return {
        **survey_out(survey), "named_count": survey.named_count,
        "named_cadres": [{"id": c.pk, "name": c.person.name, "unit_id": c.unit_id, "unit_name": c.unit.name}
                         for c in visible],
        "questions": [question_out(q) for q in survey_questions(survey)],
    }


# --- back office: surveys -------------------------------------------------------------------

def _survey(actor, survey_id: int, perm: str = VIEW) -> Survey:
    return survey_get_for(actor, survey_id, permission=perm)


def _cadres(actor, ids: list[int]) -> list[Cadre]:
    """Named cadres by id, through the scope gate: any id not in scope is 404 (named_cadre_ids)."""
    cadres = []
    for pk in dict.fromkeys(ids):
        try:
            cadres.append(cadre_get_for(actor, pk))
        except NotFound as exc:
            exc.field = "named_cadre_ids"
            raise
    return cadres


def _root(actor, pk: int):
    try:
        return organisation_get_for(actor, pk)
    except NotFound as exc:
        exc.field = "audience_root_id"
        raise


@router.get("/surveys", response=responses({200: Page[SurveyOut]}, 400), summary="需求调研列表")
@permission(VIEW)
def survey_list(request, filters: Query[SurveyFilters], paging: Query[PageQuery]):
    """Surveys in the caller's scope, newest first (drafts only for `surveys.manage`), each with
    the invited / answered counts of the invitations the caller may see."""
    qs = survey_queryset_for(request.auth, status=filters.status.value if filters.status else "",
                             year=filters.year)
    page = page_of(qs, paging, lambda survey: survey)
    survey_with_counts(request.auth, page["items"])
    page["items"] = [survey_out(s) for s in page["items"]]
    return page


@router.get("/surveys/{survey_id}", response=responses({200: SurveyDetailOut}, 400, 404), summary="需求调研详情")
@permission(VIEW)
def survey_detail(request, survey_id: Id):
    return survey_detail_out(request.auth, _survey(request.auth, survey_id))


@router.post("/surveys", response=responses({201: SurveyDetailOut}, 400, 404), summary="新建需求调研（草稿）")
@permission(MANAGE)
def survey_add(request, payload: SurveyIn):
    """A draft owned by the caller's region. Not idempotent: a retried create makes a second
    draft (find it with `GET /surveys?status=draft`)."""
    actor = request.auth
    root = _root(actor, payload.audience_root_id)
    named = _cadres(actor, payload.named_cadre_ids)
    with api_fields(SURVEY_FIELDS):
        survey = services.survey_create(
            actor=actor, title=payload.title, description=payload.description, closes_on=payload.closes_on,
            audience_root=root, audience_rank=payload.audience_rank.value if payload.audience_rank else "",
            audience_category=payload.audience_category.value if payload.audience_category else "",
            named_cadres=named, request=request)
    return Status(201, survey_detail_out(actor, survey))


@router.patch("/surveys/{survey_id}", response=responses({200: SurveyDetailOut}, 400, 404, 409),
              summary="修改需求调研（草稿）")
@permission(MANAGE)
def survey_change(request, survey_id: Id, payload: SurveyPatchIn):
    """Only drafts change (409 `not_draft` once opened)."""
    actor = request.auth
    survey = _survey(actor, survey_id, MANAGE)
    sent = payload.model_dump(exclude_unset=True)
    root = _root(actor, sent["audience_root_id"]) if "audience_root_id" in sent else survey.audience_root
    named = _cadres(actor, sent["named_cadre_ids"]) if "named_cadre_ids" in sent else list(survey.named_cadres.all())

    def choice(name, current):
        return (getattr(sent[name], "value", None) or "") if name in sent else current

    with api_fields(SURVEY_FIELDS):
        services.survey_update(
            actor=actor, survey=survey, title=sent.get("title", survey.title),
            description=sent.get("description", survey.description), closes_on=sent.get("closes_on", survey.closes_on),
            audience_root=root, audience_rank=choice("audience_rank", survey.audience_rank),
            audience_category=choice("audience_category", survey.audience_category), named_cadres=named,
            request=request)
    return survey_detail_out(actor, survey)


@router.post("/surveys/{survey_id}/open", response=responses({200: SurveyOpenOut}, 400, 404, 409),
             summary="发布需求调研")
@permission(MANAGE)
def survey_publish(request, survey_id: Id):
    """Freezes the questions and invites the audience (one invitation per cadre, with the cadre's
    unit at this moment). Refused (400) without questions, after the closing date or with an
    empty audience. Not repeatable: a second call is 409 `not_draft`."""
    actor = request.auth
    survey = _survey(actor, survey_id, MANAGE)
    count = services.survey_open(actor=actor, survey=survey, request=request)
    survey = survey_with_counts(actor, [_survey(actor, survey.pk)])[0]
    return {**survey_out(survey), "invited_now": count}


@router.post("/surveys/{survey_id}/close", response=responses({200: SurveyOut}, 400, 404, 409),
             summary="结束需求调研")
@permission(MANAGE)
def survey_finish(request, survey_id: Id):
    """Only an open survey closes; a second call is 409 `conflict` (the survey stays closed)."""
    actor = request.auth
    survey = _survey(actor, survey_id, MANAGE)
    services.survey_close(actor=actor, survey=survey, request=request)
    return survey_out(survey_with_counts(actor, [_survey(actor, survey.pk)])[0])


@router.get("/surveys/{survey_id}/audience", response=responses({200: SurveyAudienceOut}, 400, 404),
            summary="调研对象预览")
@permission(MANAGE)
def survey_audience(request, survey_id: Id):
    """How many cadres the survey goes to, per unit. For a draft, who publishing now would invite
    (serving cadres under the scope with the rank / category filters, or the named list); for a
    published survey, the invitations fixed when it opened."""
    survey = _survey(request.auth, survey_id, MANAGE)
    units = survey_audience_preview(survey)
    return {"survey_id": survey.pk, "materialised": not survey.is_draft, "count": sum(u["count"] for u in units),
            "units": [{"unit_id": u["unit_id"], "unit_name": u["unit__name"], "count": u["count"]} for u in units]}


@router.get("/surveys/{survey_id}/results", response=responses({200: SurveyResultsOut}, 400, 404),
            summary="需求调研结果")
@permission(VIEW)
def survey_result(request, survey_id: Id):
    """Response rates per unit (unit at opening time), per-question aggregates and the topic
    demand ranking, over the invitations the caller may see: a unit liaison gets their unit
    subtree only. Anonymous: nothing says who answered what; who has not answered is only a
    count per unit. Definitions in docs/surveys.md."""
    actor = request.auth
    survey = _survey(actor, survey_id)
    results = survey_results(actor, survey)
    return {
        "survey_id": survey.pk, "invited": results.invited, "answered": results.answered, "rate": results.rate,
        "units": [{"unit_id": u["unit_id"], "unit_name": u["unit__name"], "invited": u["invited"],
                   "answered": u["answered"], "missing": u["missing"], "rate": u["rate"]} for u in results.units],
        "questions": [{
            "question_id": r.question.pk, "order": r.question.order, "kind": r.question.kind,
            "kind_label": label(Kind, r.question.kind), "text": r.question.text, "answered": r.answered,
            "options": [{"id": pk, "label": name, "count": n} for pk, (name, n) in zip(r.option_ids, r.options)],
            "ratings": [{"value": v, "count": n} for v, n in r.ratings], "average": r.average,
            "topics": [{"id": pk, "label": name, "count": n} for pk, (name, n) in zip(r.topic_ids, r.topics)],
            "texts": r.texts,
        } for r in results.questions],
        "topic_ranking": [{"rank": i, "topic_id": row["topic_id"], "code": row["code"], "name": row["topic"],
                           "count": row["count"], "share": row["share"]}
                          for i, row in enumerate(results.topic_ranking, 1)],
    }


# --- back office: questions -----------------------------------------------------------------

def _question(actor, survey_id: int, question_id: int) -> Question:
    survey = _survey(actor, survey_id, MANAGE)
    question = question_get_for(actor, question_id)
    if question.survey_id != survey.pk:
        raise NotFound()
    return question


@router.post("/surveys/{survey_id}/questions", response=responses({201: SurveyQuestionOut}, 400, 404, 409),
             summary="添加题目")
@permission(MANAGE)
def survey_question_add(request, survey_id: Id, payload: SurveyQuestionIn):
    """Add a question at the end of a draft (409 `not_draft` once opened). Kinds: single,
    multiple (options; optional maximum), rating (1–5), text, topics (maximum required).
    Not idempotent: a retried add appends a second question."""
    survey = _survey(request.auth, survey_id, MANAGE)
    question = services.question_add(actor=request.auth, survey=survey, kind=payload.kind.value, text=payload.text,
                                     required=payload.required, max_choices=payload.max_choices,
                                     options=payload.options, request=request)
    return Status(201, question_out(question))


@router.patch("/surveys/{survey_id}/questions/{question_id}", response=responses({200: SurveyQuestionOut}, 400, 404, 409),
              summary="修改题目")
@permission(MANAGE)
def survey_question_change(request, survey_id: Id, question_id: Id, payload: SurveyQuestionPatchIn):
    question = _question(request.auth, survey_id, question_id)
    sent = payload.model_dump(exclude_unset=True)
    services.question_update(
        actor=request.auth, question=question, text=sent.get("text", question.text),
        required=sent.get("required", question.required), max_choices=sent.get("max_choices", question.max_choices),
        options=sent.get("options", [o.label for o in question.options.all()]), request=request)
    return question_out(question_get_for(request.auth, question.pk))


@router.delete("/surveys/{survey_id}/questions/{question_id}", response=responses({204: None}, 400, 404, 409),
               summary="删除题目")
@permission(MANAGE)
def survey_question_remove(request, survey_id: Id, question_id: Id):
    """A retried delete is 404 (the question is gone)."""
    question = _question(request.auth, survey_id, question_id)
    services.question_remove(actor=request.auth, question=question, request=request)
    return Status(204, None)


@router.put("/surveys/{survey_id}/question-order", response=responses({200: list[SurveyQuestionOut]}, 400, 404, 409),
            summary="调整题目顺序")
@permission(MANAGE)
def survey_question_order(request, survey_id: Id, payload: SurveyQuestionOrderIn):
    """Put every question of the draft in the order given (idempotent)."""
    survey = _survey(request.auth, survey_id, MANAGE)
    services.question_reorder(actor=request.auth, survey=survey, question_ids=payload.question_ids, request=request)
    return [question_out(q) for q in survey_questions(survey)]


# --- the learner: my surveys ---------------------------------------------------------------------

def _my_survey_out(survey: Survey, answered: bool) -> dict:
    return {"id": survey.pk, "title": survey.title, "description": survey.description, "status": survey.status,
            "status_label": label(SurveyStatus, survey.status), "closes_on": survey.closes_on,
            "accepts_answers": survey.accepts_answers, "answered": answered}


def _my_survey_detail(actor, survey_id: int) -> dict:
    survey, invitation = learner_survey_get(actor, survey_id)
    response = SurveyResponse.objects.filter(invitation=invitation).first()
    questions = survey_questions(survey)
    values = previous_answers(invitation)
    has_topics = any(q.kind == Kind.TOPICS for q in questions)
    topics = topic_list().order_by("code") if has_topics else []
    return {
        **_my_survey_out(survey, response is not None),
        "submitted_at": response.submitted_at if response else None,
        "updated_at": response.updated_at if response else None,
        "questions": [{**question_out(q), "answer": values.get(q.pk)} for q in questions],
        "topic_choices": [{"id": t.pk, "code": t.code, "name": t.name,
                           "parent_code": t.parent.code if t.parent_id else None, "level": t.level} for t in topics],
    }


@router.get("/me/surveys", response=responses({200: Page[MySurveyOut]}, 400), tags=LEARN, summary="我的需求调研")
@permission(SELF)
def my_survey_list(request, filters: Query[MySurveyFilters], paging: Query[PageQuery]):
    """The surveys the calling cadre is invited to (published ones), newest first, with
    whether they still accept answers and whether the cadre has answered."""
    rows = surveys_of_learner(request.auth)
    if filters.accepting is not None:
        rows = [row for row in rows if row.accepts_answers == filters.accepting]
    start = (paging.page - 1) * paging.page_size
    return {"count": len(rows), "page": paging.page, "page_size": paging.page_size,
            "items": [_my_survey_out(row.survey, row.answered) for row in rows[start:start + paging.page_size]]}


@router.get("/me/surveys/{survey_id}", response=responses({200: MySurveyDetailOut}, 400, 404), tags=LEARN,
            summary="我的需求调研：题目和我的回答")
@permission(SELF)
def my_survey_detail(request, survey_id: Id):
    """A survey the cadre is invited to, with the cadre's current answers (404 when not invited)."""
    return _my_survey_detail(request.auth, survey_id)


@router.put("/me/surveys/{survey_id}/answers", response=responses({200: MySurveyDetailOut}, 400, 404, 409),
            tags=LEARN, summary="提交我的回答")
@permission(SELF)
def my_survey_answer(request, survey_id: Id, payload: SurveyAnswersIn):
    """Save the cadre's answers: every answer is checked (required, option of this question,
    one option for single choice, rating 1–5, maximum number of choices, active topics) and
    every problem is reported at once (`errors`, field `answers.<question id>`); then all are
    saved or none. Answering again before closing replaces the previous answers, so a retried
    PUT is harmless. After closing: 409 `closed`; not invited: 404."""
    actor = request.auth
    survey, _ = learner_survey_get(actor, survey_id)
    known = set(survey.questions.values_list("pk", flat=True))
    unknown = [FieldError(f"answers.{pk}", "不是本调研的题目。", str(pk)) for pk in payload.answers if pk not in known]
    try:
        with transaction.atomic():
            services.survey_answer(actor=actor, survey=survey, answers=dict(payload.answers), request=request)
            if unknown:
                raise FieldErrors("请检查标红的题目后再提交。", unknown, code="invalid_answers")
    except services.SurveyAnswerError as exc:
        errors = [FieldError(f"answers.{pk}", message) for pk, message in exc.errors.items()] + unknown
        raise FieldErrors(exc.message, errors, code=exc.code) from None
    return _my_survey_detail(actor, survey.pk)
