"""Reads of the needs survey, always through the scope gate.

Results are computed over the invitations the actor may see: the org department sees its
whole audience, a unit liaison only the invitations of their unit subtree (so their rates
and counts are their unit's). Answers are anonymous in results: no query here returns who
answered what; who has not answered is only a count per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.planning.models import Answer, Question, QuestionOption, Survey, SurveyInvitation
from ganxun.topics.models import Topic

VIEW = "surveys.view"


def survey_list_for(actor) -> list[Survey]:
    """Surveys in scope, with invited/answered counts over the invitations the actor may see.
    Drafts are shown only to those who may manage surveys."""
    return survey_with_counts(actor, list(survey_queryset_for(actor)))


def survey_queryset_for(actor, *, status: str = "", year: int | None = None) -> QuerySet[Survey]:
    """Surveys in scope, newest first (drafts only for surveys.manage); `year` is the year of
    the closing date."""
    qs = scope.scoped(actor, Survey.objects.select_related("owner_org", "audience_root"), permission=VIEW).distinct()
    if not scope.can(actor, "surveys.manage"):
        qs = qs.exclude(status=Survey.Status.DRAFT)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(closes_on__year=year)
    return qs.order_by("-created_at", "-id")


def survey_with_counts(actor, rows: list[Survey]) -> list[Survey]:
    """Set `invited`, `answered` and `rate` on each survey, counted over the invitations the
    actor may see (a liaison: their unit subtree), and `named_count` (the size of a targeted
    survey's named list). Two queries for all rows."""
    ids = [s.pk for s in rows]
    invitations = scope.scoped(actor, SurveyInvitation, permission=VIEW).filter(survey__in=ids)
    counts = {r["survey_id"]: r for r in invitations.values("survey_id").annotate(
        invited=Count("id"), answered=Count("response"))}
    named = dict(Survey.named_cadres.through.objects.filter(survey_id__in=ids).values("survey_id")
                 .annotate(n=Count("id")).values_list("survey_id", "n"))
    for survey in rows:
        row = counts.get(survey.pk, {})
        survey.invited, survey.answered = row.get("invited", 0), row.get("answered", 0)
        survey.rate = (survey.answered / survey.invited) if survey.invited else None
        survey.named_count = named.get(survey.pk, 0)
    return rows


def survey_audience_preview(survey: Survey) -> list[dict]:
    """Who the survey goes to, per unit: [{unit_id, unit__name, count}] in tree order.

    A draft: the cadres `survey_open` would invite now (services.survey_audience, restricted to
    the owner's subtree as opening does). An open or closed survey: the invitations fixed when
    it opened (with the unit at that time). The caller has checked surveys.manage on the owner.
    """
    if survey.is_draft:
        from ganxun.planning.services import survey_audience  # the one definition of the audience

        qs = survey_audience(survey).filter(unit__path__startswith=survey.owner_org.path)
    else:
        qs = survey.invitations.all()
    return list(qs.values("unit_id", "unit__name", "unit__path").annotate(count=Count("id"))
                .order_by("unit__path"))


def survey_get_for(actor, pk, *, permission: str = VIEW) -> Survey:
    """One survey (404 for missing and not-yours alike). Drafts need surveys.manage."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = scope.scoped(actor, Survey.objects.select_related("owner_org", "audience_root"), permission=permission)
    survey = qs.filter(pk=pk).distinct().first()
    if survey is None or (survey.is_draft and not scope.can(actor, "surveys.manage")):
        raise NotFound()
    return survey


def question_get_for(actor, pk) -> Question:
    try:
        question = Question.objects.select_related("survey").get(pk=int(pk))
    except (Question.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    survey_get_for(actor, question.survey_id, permission="surveys.manage")
    return question


def survey_questions(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("options"))


@dataclass
class InvitedSurvey:
    survey: Survey
    answered: bool
    accepts_answers: bool


def surveys_of_learner(actor) -> list[InvitedSurvey]:
    """Open and closed surveys the actor (a cadre) is invited to, newest first."""
    invitations = (scope.scoped(actor, SurveyInvitation, permission="self.view")
                   .filter(cadre__person__account=actor).exclude(survey__status=Survey.Status.DRAFT)
                   .select_related("survey").annotate(answered=Count("response")).order_by("-survey__opened_at"))
    return [InvitedSurvey(i.survey, bool(i.answered), i.survey.accepts_answers) for i in invitations]


def learner_survey_get(actor, pk) -> tuple[Survey, SurveyInvitation]:
    """A survey the actor is invited to, with their invitation; NotFound otherwise."""
    invitation = (scope.scoped(actor, SurveyInvitation, permission="self.view")
                  .filter(survey_id=pk if str(pk).isdigit() else 0, cadre__person__account=actor)
                  .exclude(survey__status=Survey.Status.DRAFT).select_related("survey").first())
    if invitation is None:
        raise NotFound()
    return invitation.survey, invitation


def previous_answers(invitation: SurveyInvitation) -> dict[int, object]:
    """The cadre's own submitted answers, keyed by question id, to fill the form again."""
    result: dict[int, object] = {}
    answers = Answer.objects.filter(response__invitation=invitation).prefetch_related("options", "topics")
    for answer in answers:
        ids = [o.pk for o in answer.options.all()] or [t.pk for t in answer.topics.all()]
        result[answer.question_id] = answer.rating if answer.rating is not None else (answer.text or ids)
    return result


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    options: list[tuple[str, int]] = field(default_factory=list)
    ratings: list[tuple[int, int]] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    option_ids: list[int] = field(default_factory=list)  # beside `options`, in the same order
    topic_ids: list[int] = field(default_factory=list)  # beside `topics`, in the same order


@dataclass
class SurveyResults:
    invited: int
    answered: int
    units: list[dict]
    questions: list[QuestionResult]
    topic_ranking: list[dict]

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def survey_results(actor, survey: Survey) -> SurveyResults:
    """Response rates per unit and per-question aggregates over the invitations in scope.

    Definitions: rate = responses / invitations (invitations fixed when the survey opened);
    an option's count = responses choosing it; a rating's average = mean of given ratings;
    topic demand = number of respondents choosing the topic in any topic question, ranked,
    with its share = demand / respondents.
    """
    invitations = scope.scoped(actor, SurveyInvitation, permission=VIEW).filter(survey=survey)
    units = list(invitations.values("unit_id", "unit__name", "unit__path")
                 .annotate(invited=Count("id"), answered=Count("response")).order_by("unit__path"))
    for row in units:
        row["missing"] = row["invited"] - row["answered"]
        row["rate"] = row["answered"] / row["invited"]
    invited = sum(r["invited"] for r in units)
    answered = sum(r["answered"] for r in units)

    answers = Answer.objects.filter(question__survey=survey, response__invitation__in=invitations)
    results = {q.pk: QuestionResult(q) for q in survey.questions.all()}
    for row in answers.values("question_id").annotate(n=Count("id")):
        results[row["question_id"]].answered = row["n"]
    for option in QuestionOption.objects.filter(question__survey=survey).annotate(
            n=Count("answers", filter=Q(answers__in=answers))).order_by("question_id", "order", "id"):
        results[option.question_id].options.append((option.label, option.n))
        results[option.question_id].option_ids.append(option.pk)
    for row in answers.filter(rating__isnull=False).values("question_id", "rating").annotate(n=Count("id")):
        results[row["question_id"]].ratings.append((row["rating"], row["n"]))
    for result in results.values():
        if result.question.kind == Question.Kind.RATING:
            counts = dict(result.ratings)
            result.ratings = [(value, counts.get(value, 0)) for value in range(1, 6)]
            total = sum(counts.values())
            result.average = round(sum(v * n for v, n in counts.items()) / total, 2) if total else None
    for question_id, text in answers.exclude(text="").order_by("id").values_list("question_id", "text"):
        results[question_id].texts.append(text)
    through = Answer.topics.through.objects.filter(answer__in=answers)
    for row in (through.values("answer__question_id", "topic_id", "topic__name").annotate(n=Count("id"))
                .order_by("answer__question_id", "-n", "topic__code")):
        results[row["answer__question_id"]].topics.append((row["topic__name"], row["n"]))
        results[row["answer__question_id"]].topic_ids.append(row["topic_id"])

    ranking = []
    for topic in (Topic.objects.filter(survey_answers__in=answers)
                  .annotate(n=Count("survey_answers__response", distinct=True)).order_by("-n", "code")):
        ranking.append({"topic_id": topic.pk, "topic": topic.name, "code": topic.code, "count": topic.n,
                        "share": topic.n / answered if answered else 0})
    return SurveyResults(invited, answered, units, list(results.values()), ranking)
