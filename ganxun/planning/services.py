"""Writes of the needs survey: drafting, questions, opening (audience), closing, answering."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre
from ganxun.planning.models import Answer, Question, QuestionOption, Survey, SurveyInvitation, SurveyResponse
from ganxun.topics.models import Topic

MANAGE = "surveys.manage"


class SurveyAnswerError(DomainError):
    """Answers refused; `errors` maps question id → Chinese message, so the form marks each question."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("请检查标红的题目后再提交。", code="invalid_answers")
        self.errors = errors


def _check_survey_rights(actor, survey: Survey) -> None:
    scope.require(actor, MANAGE)
    scope.require_within(actor, survey.owner_org, message="未找到该调研。")


def _require_draft(survey: Survey) -> None:
    # The stored status decides (a caller may hold a stale copy); the row lock makes
    # concurrent "open" and question edits queue.
    status = Survey.objects.select_for_update().values_list("status", flat=True).get(pk=survey.pk)
    if status != Survey.Status.DRAFT:
        raise Conflict("调研已发布，题目和调研范围不能再修改。", code="not_draft")


def _clean_audience(actor, *, audience_root: Organisation, named_cadres) -> list[Cadre]:
    scope.require_within(actor, audience_root, message="调研范围不在您的管理范围内。")
    if audience_root.kind not in (Organisation.Kind.REGION, Organisation.Kind.UNIT):
        raise DomainError("调研范围须为行政区域或单位。", field="audience_root")
    named = list(named_cadres or [])
    for cadre in named:
        if not scope.path_within(actor, cadre.unit.path):
            raise DomainError(f"指定人员“{cadre.person.name}”不在您的管理范围内。", field="named_cadres")
    return named


def _check_fields(*, title: str, closes_on: dt.date) -> None:
    if not (title or "").strip():
        raise DomainError("请填写标题。", field="title")
    if closes_on < timezone.localdate():
        raise DomainError("截止日期不能早于今天。", field="closes_on")


@transaction.atomic
def survey_create(*, actor, title: str, description: str = "", closes_on: dt.date, audience_root: Organisation,
                  audience_rank: str = "", audience_category: str = "", named_cadres=(), request=None) -> Survey:
    scope.require(actor, MANAGE)
    _check_fields(title=title, closes_on=closes_on)
    named = _clean_audience(actor, audience_root=audience_root, named_cadres=named_cadres)
    survey = Survey.objects.create(
        title=title.strip(), description=description.strip(), closes_on=closes_on, owner_org=actor.active_role.scope,
        created_by=actor, audience_root=audience_root, audience_rank=audience_rank,
        audience_category=audience_category,
    )
    survey.named_cadres.set(named)
    audit_record(action="survey.create", actor=actor, request=request, target=survey)
    return survey


@transaction.atomic
def survey_update(*, actor, survey: Survey, title: str, description: str = "", closes_on: dt.date,
                  audience_root: Organisation, audience_rank: str = "", audience_category: str = "",
                  named_cadres=(), request=None) -> Survey:
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    _check_fields(title=title, closes_on=closes_on)
    named = _clean_audience(actor, audience_root=audience_root, named_cadres=named_cadres)
    survey.title, survey.description, survey.closes_on = title.strip(), description.strip(), closes_on
    survey.audience_root, survey.audience_rank, survey.audience_category = audience_root, audience_rank, audience_category
    survey.save()
    survey.named_cadres.set(named)
    audit_record(action="survey.update", actor=actor, request=request, target=survey)
    return survey


def _clean_options(kind: str, options: list[str]) -> list[str]:
    labels = [label.strip() for label in options if label and label.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(labels) < 2:
            raise DomainError("单选题和多选题至少需要两个选项。", field="options")
        if len(set(labels)) != len(labels):
            raise DomainError("选项不能重复。", field="options")
        if any(len(label) > 100 for label in labels):
            raise DomainError("每个选项不超过 100 字。", field="options")
        return labels
    return []


def _clean_max(kind: str, max_choices: int | None, option_count: int) -> int | None:
    if kind == Question.Kind.TOPICS:
        if not max_choices or max_choices < 1:
            raise DomainError("培训内容偏好题须填写最多可选数（至少 1）。", field="max_choices")
        return max_choices
    if kind == Question.Kind.MULTIPLE:
        if max_choices is not None and not (1 <= max_choices <= option_count):
            raise DomainError("最多可选数须在 1 到选项数之间。", field="max_choices")
        return max_choices
    return None


@transaction.atomic
def question_add(*, actor, survey: Survey, kind: str, text: str, required: bool = True,
                 max_choices: int | None = None, options: list[str] = (), request=None) -> Question:
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    if kind not in Question.Kind.values:
        raise DomainError("请选择题型。", field="kind")
    if not (text or "").strip():
        raise DomainError("请填写题目。", field="text")
    labels = _clean_options(kind, list(options))
    max_choices = _clean_max(kind, max_choices, len(labels))
    last = survey.questions.aggregate(m=Max("order"))["m"] or 0
    question = Question.objects.create(survey=survey, order=last + 1, kind=kind, text=text.strip(),
                                       required=required, max_choices=max_choices)
    QuestionOption.objects.bulk_create(
        [QuestionOption(question=question, order=i, label=label) for i, label in enumerate(labels, 1)]
    )
    audit_record(action="survey.question_add", actor=actor, request=request, target=survey,
                 detail={"question": question.pk, "kind": kind, "text": question.text, "options": labels})
    return question


@transaction.atomic
def question_update(*, actor, question: Question, text: str, required: bool = True,
                    max_choices: int | None = None, options: list[str] = (), request=None) -> Question:
    """Change a draft question; its kind stays (remove and add to change the kind)."""
    survey = question.survey
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    if not (text or "").strip():
        raise DomainError("请填写题目。", field="text")
    labels = _clean_options(question.kind, list(options))
    question.text, question.required = text.strip(), required
    question.max_choices = _clean_max(question.kind, max_choices, len(labels))
    question.save()
    if question.has_options:
        question.options.all().delete()
        QuestionOption.objects.bulk_create(
            [QuestionOption(question=question, order=i, label=label) for i, label in enumerate(labels, 1)]
        )
    audit_record(action="survey.question_update", actor=actor, request=request, target=survey,
                 detail={"question": question.pk, "text": question.text, "options": labels})
    return question


@transaction.atomic
def question_remove(*, actor, question: Question, request=None) -> None:
    _check_survey_rights(actor, question.survey)
    _require_draft(question.survey)
    audit_record(action="survey.question_remove", actor=actor, request=request, target=question.survey,
                 detail={"question": question.pk, "text": question.text})
    question.delete()


@transaction.atomic
def question_move(*, actor, question: Question, up: bool, request=None) -> None:
    """Swap the question with its neighbour above (up) or below."""
    survey = question.survey
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    questions = list(survey.questions.order_by("order", "id"))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for order, q in enumerate(questions, 1):
        q.order = order
    Question.objects.bulk_update(questions, ["order"])
    audit_record(action="survey.question_order", actor=actor, request=request, target=survey,
                 detail={"order": [q.pk for q in questions]})


@transaction.atomic
def question_reorder(*, actor, survey: Survey, question_ids: list[int], request=None) -> list[Question]:
    """Put the draft's questions in the given order (every question exactly once).

    Idempotent: sending the same order again changes nothing. Used by the API, where a
    client states the whole order instead of moving one question at a time."""
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    questions = {q.pk: q for q in survey.questions.all()}
    ids = [int(pk) for pk in question_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(questions):
        raise DomainError("请按新顺序列出本调研的全部题目，每题一次。", field="question_ids")
    ordered = [questions[pk] for pk in ids]
    if [q.pk for q in sorted(questions.values(), key=lambda q: (q.order, q.pk))] == ids:
        return ordered  # the same order again: nothing changes
    for order, question in enumerate(ordered, 1):
        question.order = order
    Question.objects.bulk_update(ordered, ["order"])
    audit_record(action="survey.question_order", actor=actor, request=request, target=survey,
                 detail={"order": ids})
    return ordered


def survey_audience(survey: Survey):
    """The cadres the survey goes to: the named list when there is one, else serving cadres
    in units under the root, filtered by rank and category."""
    named = survey.named_cadres.all()
    if named.exists():
        return named.filter(is_active=True)
    qs = Cadre.objects.filter(is_active=True, unit__path__startswith=survey.audience_root.path)
    if survey.audience_rank:
        qs = qs.filter(rank=survey.audience_rank)
    if survey.audience_category:
        qs = qs.filter(category=survey.audience_category)
    return qs


@transaction.atomic
def survey_open(*, actor, survey: Survey, request=None) -> int:
    """Freeze the questions and materialise the audience; returns the number invited."""
    _check_survey_rights(actor, survey)
    _require_draft(survey)
    survey.refresh_from_db()
    if not survey.questions.exists():
        raise DomainError("调研还没有题目，不能发布。")
    if survey.closes_on < timezone.localdate():
        raise DomainError("截止日期已过，请先修改截止日期。", field="closes_on")
    # Only cadres still inside the owner's scope (a named cadre may have moved away since).
    cadres = list(survey_audience(survey).filter(unit__path__startswith=survey.owner_org.path)
                  .values_list("pk", "unit_id"))
    if not cadres:
        raise DomainError("调研范围内没有在职干部，不能发布。", field="audience_root")
    SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(survey=survey, cadre_id=cadre_id, unit_id=unit_id) for cadre_id, unit_id in cadres],
        batch_size=1000,
    )
    survey.status, survey.opened_at = Survey.Status.OPEN, timezone.now()
    survey.save(update_fields=["status", "opened_at", "updated_at"])
    audit_record(action="survey.open", actor=actor, request=request, target=survey,
                 detail={"audience": len(cadres)})
    return len(cadres)


@transaction.atomic
def survey_close(*, actor, survey: Survey, request=None) -> Survey:
    _check_survey_rights(actor, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        raise Conflict("只有进行中的调研可以结束。")
    survey.status, survey.closed_at = Survey.Status.CLOSED, timezone.now()
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(action="survey.close", actor=actor, request=request, target=survey)
    return survey


def _as_ids(value) -> list[int]:
    values = value if isinstance(value, (list, tuple, set)) else ([value] if value not in (None, "") else [])
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError from None


def _clean_answer(question: Question, value, option_ids: set[int], active_topics: set[int]):
    """(rating, text, option ids, topic ids) for one question, or a Chinese message."""
    kind = question.kind
    if kind == Question.Kind.TEXT:
        text = (value or "").strip() if isinstance(value, str) else ""
        if not text:
            return "此题为必答题。" if question.required else None
        if len(text) > 2000:
            return "回答不超过 2000 字。"
        return (None, text, [], [])
    if kind == Question.Kind.RATING:
        if value in (None, ""):
            return "此题为必答题。" if question.required else None
        try:
            rating = int(value)
        except (TypeError, ValueError):
            return "评分须为 1 到 5 的整数。"
        if not 1 <= rating <= 5:
            return "评分须为 1 到 5 的整数。"
        return (rating, "", [], [])
    try:
        ids = list(dict.fromkeys(_as_ids(value)))
    except ValueError:
        return "选择无效。"
    if not ids:
        return "此题为必答题。" if question.required else None
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if not set(ids) <= option_ids:
            return "选项不属于此题。"
        if kind == Question.Kind.SINGLE and len(ids) > 1:
            return "此题只能选一项。"
        if question.max_choices and len(ids) > question.max_choices:
            return f"此题最多选 {question.max_choices} 项。"
        return (None, "", ids, [])
    if not set(ids) <= active_topics:
        return "所选培训内容不存在或已停用。"
    if question.max_choices and len(ids) > question.max_choices:
        return f"此题最多选 {question.max_choices} 项。"
    return (None, "", [], ids)


@transaction.atomic
def survey_answer(*, actor, survey: Survey, answers: dict, request=None) -> SurveyResponse:
    """Validate every answer, then replace the cadre's previous answers (all or nothing).

    `answers` maps question id → option id / list of ids (single, multiple, topics),
    an integer 1–5 (rating) or a string (text).
    """
    scope.require(actor, "self.view")
    invitation = (SurveyInvitation.objects.select_for_update()
                  .filter(survey=survey, cadre__person__account=actor).first())
    if invitation is None:
        raise NotFound("未找到该调研。")
    survey = invitation.survey
    if not survey.accepts_answers:
        raise Conflict("调研已结束，不能再提交或修改。", code="closed")
    questions = list(survey.questions.prefetch_related("options"))
    active_topics = set(Topic.objects.filter(is_active=True).values_list("pk", flat=True))
    errors: dict[int, str] = {}
    cleaned: dict[int, tuple] = {}
    for question in questions:
        result = _clean_answer(question, answers.get(question.pk, answers.get(str(question.pk))),
                               {o.pk for o in question.options.all()}, active_topics)
        if isinstance(result, str):
            errors[question.pk] = result
        elif result is not None:
            cleaned[question.pk] = result
    if errors:
        raise SurveyAnswerError(errors)
    now = timezone.now()
    response, created = SurveyResponse.objects.get_or_create(
        invitation=invitation, defaults={"submitted_at": now, "updated_at": now})
    if not created:
        response.answers.all().delete()
        response.updated_at = now
        response.save(update_fields=["updated_at"])
    for question_id, (rating, text, option_ids, topic_ids) in cleaned.items():
        answer = Answer.objects.create(response=response, question_id=question_id, rating=rating, text=text)
        if option_ids:
            answer.options.set(option_ids)
        if topic_ids:
            answer.topics.set(topic_ids)
    audit_record(action="survey.answer", actor=actor, request=request, target=survey,
                 detail={"replaced": not created})
    return response
