from django.urls import reverse

from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem
from ganxun.planning.tests.builders import make_survey, topic
from ganxun.planning.tests.plan_builders import answer_topics, approved_plan, city_admin, make_plan


def item_post(cast, **overrides) -> dict:
    data = {"title": "法治建设专题班", "training_type": "in_service", "topics": [str(topic("03.03").pk)],
            "target_ranks": ["section", "general"], "target_categories": ["party_gov"],
            "institution": str(cast.party_school.pk), "month": "4", "days": "2", "capacity": "45",
            "budget": "12000", "note": ""}
    data.update(overrides)
    return data


def test_alice_creates_a_plan_and_adds_an_item(cast, login):
    client = login(cast.alice)
    response = client.post(reverse("planning:plan_create"), {"year": "2027", "title": ""})
    plan = AnnualPlan.objects.get()
    assert response.status_code == 302 and plan.title == "东城区2027年度干部教育培训计划"
    form = client.get(reverse("planning:plan_item_add", args=[plan.pk])).content.decode()
    assert "<optgroup label=\"履职能力培训\">" in form and "中共临江市委党校" in form
    response = client.post(reverse("planning:plan_item_add", args=[plan.pk]), item_post(cast))
    assert response.status_code == 302
    item = plan.items.get()
    assert item.credit_hours == 12 and item.target_ranks == ["section", "general"]
    page = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert "法治建设专题班" in page and "乡科级、一般干部" in page and "12000" in page


def test_bad_item_fields_are_marked_and_nothing_is_saved(cast, login):
    plan = make_plan(cast, items=0)
    response = login(cast.alice).post(reverse("planning:plan_item_add", args=[plan.pk]),
                                      item_post(cast, month="13", days="0"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "月份须在 1 到 12 之间" in page and "天数须在 1 到 365 之间" in page
    response = login(cast.alice).post(reverse("planning:plan_item_add", args=[plan.pk]),
                                      item_post(cast, target_ranks=["emperor"], institution=str(cast.unit_a1.pk)))
    assert response.status_code == 400 and response.content.decode().count("is-invalid") >= 1
    assert not PlanItem.objects.exists()


def test_the_workflow_by_buttons_with_four_eyes(cast, login):
    plan = make_plan(cast)
    alice = login(cast.alice)
    assert alice.post(reverse("planning:plan_submit", args=[plan.pk])).status_code == 302
    detail = alice.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert "批准" in detail and "plan_approve" not in detail and "/approve/" not in detail  # no buttons for the submitter
    alice.post(reverse("planning:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.SUBMITTED
    cindy = login(city_admin(cast))
    response = cindy.post(reverse("planning:plan_return", args=[plan.pk]), {"comment": ""})
    assert response.status_code == 400 and "退回时请填写意见" in response.content.decode()
    cindy.post(reverse("planning:plan_return", args=[plan.pk]), {"comment": "请补充预算"})
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.RETURNED
    item = plan.items.get()
    assert alice.post(reverse("planning:plan_item_edit", args=[item.pk]), item_post(cast)).status_code == 302
    alice.post(reverse("planning:plan_submit", args=[plan.pk]))
    cindy.post(reverse("planning:plan_approve", args=[plan.pk]), {"comment": "同意"})
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.APPROVED and plan.version == 1


def test_after_approval_edits_are_refused_and_adjustments_recorded(cast, login):
    plan = approved_plan(cast)
    item = plan.items.get()
    alice = login(cast.alice)
    alice.post(reverse("planning:plan_item_edit", args=[item.pk]), item_post(cast, month="9"))
    item.refresh_from_db()
    assert item.month == 1
    response = alice.post(reverse("planning:plan_adjust", args=[plan.pk]) + f"?item={item.pk}",
                          item_post(cast, title="班次1", month="9", reason_kind="change", reason="避开汛期"))
    assert response.status_code == 302
    response = alice.post(reverse("planning:plan_adjust", args=[plan.pk]),
                          item_post(cast, title="应急管理专题班", reason_kind="add", reason="上级临时部署"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.version == 3 and PlanAdjustment.objects.filter(plan=plan).count() == 2
    history = alice.get(reverse("planning:plan_history", args=[plan.pk])).content.decode()
    assert "v1" in history and "v2" in history and "v3" in history
    assert "避开汛期" in history and "临时增加" in history and "应急管理专题班" in history
    assert "table-warning" in history  # the changed month is marked


def test_generate_from_survey_page(cast, login):
    survey = make_survey(cast)
    answer_topics(survey, [[topic("02.01")], [topic("02.01"), topic("03.01")]])
    client = login(cast.alice)
    assert survey.title in client.get(reverse("planning:plan_generate")).content.decode()
    response = client.post(reverse("planning:plan_generate"), {"survey": survey.pk, "year": "2027", "top_n": "8",
                                                             "underserved_n": "0"})
    plan = AnnualPlan.objects.get()
    assert response.status_code == 302 and plan.source_survey == survey
    assert list(plan.items.order_by("id").values_list("title", flat=True)) == ["理想信念专题培训班", "推动高质量发展专题培训班"]


def test_the_outsider_gets_404_everywhere(cast, login):
    plan = make_plan(cast)
    item = plan.items.get()
    charlie = login(cast.charlie)
    for name in ("plan_detail", "plan_history", "plan_item_add", "plan_adjust"):
        assert charlie.get(reverse(f"planning:{name}", args=[plan.pk])).status_code == 404, name
    assert charlie.get(reverse("planning:plan_item_edit", args=[item.pk])).status_code == 404
    for name in ("plan_submit", "plan_approve", "plan_return"):
        assert charlie.post(reverse(f"planning:{name}", args=[plan.pk]), {"comment": "x"}).status_code == 404, name
    assert charlie.post(reverse("planning:plan_item_withdraw", args=[item.pk])).status_code == 404
    assert "班次1" not in charlie.get(reverse("planning:plan_list")).content.decode()
    plan.refresh_from_db()
    item.refresh_from_db()
    assert plan.status == AnnualPlan.Status.DRAFT and item.is_active


def test_the_institution_admin_may_view_but_not_manage(cast, login):
    plan = make_plan(cast)
    ivan = login(cast.ivan)
    assert plan.title in ivan.get(reverse("planning:plan_list")).content.decode()
    page = ivan.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert "班次1" in page and "提交审批" not in page
    assert ivan.post(reverse("planning:plan_submit", args=[plan.pk])).status_code == 403
    assert ivan.post(reverse("planning:plan_item_add", args=[plan.pk]), item_post(cast)).status_code == 403
    assert ivan.post(reverse("planning:plan_approve", args=[plan.pk])).status_code == 403
    assert plan.items.count() == 1


def test_the_excel_export_lists_items_totals_and_versions(cast, login):
    import io

    from openpyxl import load_workbook

    from ganxun.audit.models import AuditEntry
    plan = approved_plan(cast)
    response = login(cast.alice).get(reverse("planning:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book["班次"].iter_rows(values_only=True))
    assert rows[3][1] == "班次1" and rows[3][8] == 18 and rows[-1][0] == "合计（有效班次）" and rows[-1][10] == 30000
    assert [r[:2] for r in book["版本记录"].iter_rows(min_row=2, values_only=True)] == [("v1", "批准")]
    assert AuditEntry.objects.filter(action="export.plan").count() == 1
    assert login(cast.charlie).get(reverse("planning:plan_export", args=[plan.pk])).status_code == 404


def test_withdraw_in_a_draft_and_cancel_after_approval_keep_the_rows(cast, login):
    alice = login(cast.alice)
    draft = make_plan(cast, items=2, year=2028)
    first = draft.items.get(title="班次1")
    assert alice.post(reverse("planning:plan_item_withdraw", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert not first.is_active and draft.items.count() == 2
    plan = approved_plan(cast)
    item = plan.items.get()
    response = alice.post(reverse("planning:plan_adjust", args=[plan.pk]) + f"?item={item.pk}",
                          item_post(cast, title="班次1", month="1", reason_kind="cancel", reason="经费压减"))
    assert response.status_code == 302
    item.refresh_from_db()
    plan.refresh_from_db()
    assert not item.is_active and plan.version == 2
    assert PlanAdjustment.objects.get(plan=plan).before["is_active"] is True
