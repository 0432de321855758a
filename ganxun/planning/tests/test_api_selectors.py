"""The selectors and the service the API added to planning: filtered lists, counts, the
audience preview and reordering questions."""

from __future__ import annotations

import pytest

from ganxun.core.errors import Conflict, DomainError, Forbidden
from ganxun.planning import plan_services, services
from ganxun.planning.models import Survey
from ganxun.planning.plan_selectors import plan_history, plan_queryset_for
from ganxun.planning.selectors import survey_audience_preview, survey_queryset_for, survey_with_counts
from ganxun.planning.tests.builders import make_survey, questions
from ganxun.planning.tests.plan_builders import approved_plan, make_plan


def test_survey_queryset_hides_drafts_from_readers_and_filters(cast, actor):
    opened = make_survey(cast)
    draft = make_survey(cast, opened=False)
    alice, bob = actor(cast.alice), actor(cast.bob)
    assert set(survey_queryset_for(alice)) == {opened, draft}
    assert list(survey_queryset_for(bob)) == [opened]
    assert list(survey_queryset_for(alice, status=Survey.Status.DRAFT)) == [draft]
    assert list(survey_queryset_for(alice, year=draft.closes_on.year + 1)) == []
    assert list(survey_queryset_for(actor(cast.charlie))) == []


def test_survey_counts_are_those_of_the_callers_invitations(cast, actor):
    survey = make_survey(cast, named=[cast.cadres_a[1], cast.cadres_a[3]])
    [row] = survey_with_counts(actor(cast.bob), [survey])
    assert (row.invited, row.answered, row.rate, row.named_count) == (1, 0, 0.0, 2)  # only 张伟 is in unit A1


def test_the_audience_preview_follows_the_opening_rules(cast, actor):
    survey = make_survey(cast, opened=False, named=[cast.cadres_a[1], cast.cadres_a[2], cast.cadres_a[3]])
    cast.cadres_a[2].is_active = False
    cast.cadres_a[2].save()
    cast.cadres_a[3].unit = cast.unit_b1
    cast.cadres_a[3].save()
    # A named cadre who moved out of the owner's subtree, and one who left, are not invited.
    assert [(row["unit__name"], row["count"]) for row in survey_audience_preview(survey)] == [("东城区发展和改革局", 1)]
    assert services.survey_open(actor=actor(cast.alice), survey=survey) == 1
    assert [(row["unit_id"], row["count"]) for row in survey_audience_preview(survey)] == [(cast.unit_a1.pk, 1)]


def test_question_reorder_sets_the_whole_order_once(cast, actor):
    alice = actor(cast.alice)
    survey = make_survey(cast, opened=False)
    ids = list(survey.questions.values_list("pk", flat=True))[::-1]
    services.question_reorder(actor=alice, survey=survey, question_ids=ids)
    services.question_reorder(actor=alice, survey=survey, question_ids=ids)
    assert list(survey.questions.values_list("pk", "order")) == [(pk, i) for i, pk in enumerate(ids, 1)]
    for wrong in (ids[:-1], ids + [ids[0]], ids[:-1] + [999999]):
        with pytest.raises(DomainError) as exc:
            services.question_reorder(actor=alice, survey=survey, question_ids=wrong)
        assert exc.value.field == "question_ids"
    with pytest.raises(Forbidden):
        services.question_reorder(actor=actor(cast.bob), survey=survey, question_ids=ids)
    services.survey_open(actor=alice, survey=survey)
    with pytest.raises(Conflict):
        services.question_reorder(actor=alice, survey=survey, question_ids=ids[::-1])
    assert list(survey.questions.values_list("pk", flat=True)) == ids
    assert questions(survey)["single"].order == 5


def test_plan_queryset_filters_by_year_and_status(cast, actor):
    draft = make_plan(cast, year=2028)
    approved = approved_plan(cast)
    alice = actor(cast.alice)
    assert list(plan_queryset_for(alice)) == [draft, approved]
    assert list(plan_queryset_for(alice, year=2027)) == [approved]
    assert list(plan_queryset_for(alice, status="draft")) == [draft]
    assert plan_queryset_for(alice, status="approved").get().item_count == 1


def test_plan_history_rows_name_their_field(cast, actor):
    plan = approved_plan(cast)
    item = plan.items.get()
    plan_services.plan_adjust(actor=actor(cast.alice), plan=plan, reason_kind="cancel", reason="取消", item=item)
    [adjustment] = plan_history(plan)
    assert [row["field"] for row in adjustment.rows if row["changed"]] == ["is_active"]
