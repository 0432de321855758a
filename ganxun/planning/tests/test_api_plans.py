"""/api/v1/plans: the annual training plan through the API — items, four eyes, adjustments."""

from __future__ import annotations

import json

from ganxun.audit.models import AuditEntry
from ganxun.planning import plan_services
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem
from ganxun.planning.services import survey_create
from ganxun.planning.tests.builders import make_survey, topic
from ganxun.planning.tests.plan_builders import answer_topics, approved_plan, city_admin, county_school, make_plan
from ganxun.testing import Kind, make_org, with_role

API = "/api/v1"


def _send(client, method, path, body=None):
    return getattr(client, method)(f"{API}{path}", json.dumps(body if body is not None else {}),
                                   content_type="application/json")


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _error(response, status=400) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _item_body(cast, **overrides) -> dict:
    body = {"title": "乡村振兴专题培训班", "topic_ids": [topic("03.01").pk], "training_type": "in_service",
            "target_ranks": ["county", "section"], "target_categories": ["party_gov"],
            "institution_id": cast.party_school.pk, "month": 5, "days": 3, "capacity": 50, "budget": "30000"}
    return {**body, **overrides}


# --- list and detail -------------------------------------------------------------------------

def test_it_lists_the_plans_in_scope(cast, token_client):
    plan = make_plan(cast, items=2)
    make_plan(cast, items=0, year=2028)
    page = _ok(token_client(cast.alice).get(f"{API}/plans"))
    assert [(p["year"], p["item_count"], p["total_hours"], p["total_capacity"], p["total_budget"])
            for p in page["items"]] == [(2028, 0, 0, 0, 0), (2027, 2, 36.0, 100, 60000.0)]
    assert page["items"][1]["region_name"] == "东城区" and page["items"][1]["status_label"] == "草稿"
    assert [p["id"] for p in _ok(token_client(cast.alice).get(f"{API}/plans?year=2027"))["items"]] == [plan.pk]
    assert _ok(token_client(cast.alice).get(f"{API}/plans?status=approved"))["count"] == 0
    # The city sees its counties' plans; the party school the plans that give it classes.
    assert _ok(token_client(city_admin(cast)).get(f"{API}/plans"))["count"] == 2
    assert [p["id"] for p in _ok(token_client(cast.ivan).get(f"{API}/plans"))["items"]] == [plan.pk]
    assert _ok(token_client(cast.charlie).get(f"{API}/plans"))["count"] == 0
    assert token_client(cast.bob).get(f"{API}/plans").status_code == 403


def test_the_detail_has_items_and_totals(cast, token_client):
    plan = make_plan(cast, items=2)
    plan_services.plan_item_add(actor=with_role(cast.alice), plan=plan, title="理论班", topics=[topic("01.01")],
                                training_type="theory", target_ranks=[], target_categories=[],
                                institution=None, month=9, days=5, credit_hours="28", capacity=60, budget="0")
    body = _ok(token_client(cast.alice).get(f"{API}/plans/{plan.pk}"))
    assert (body["status"], body["version"], body["editable"], body["created_by_name"]) == ("draft", 0, True, "艾丽")
    assert [(i["title"], i["month"], i["credit_hours"]) for i in body["items"]] == [
        ("班次1", 1, 18.0), ("班次2", 2, 18.0), ("理论班", 9, 28.0)]
    first = body["items"][0]
    assert (first["training_type_label"], first["target_ranks_labels"], first["target_categories_labels"],
            first["institution_name"], first["budget"]) == (
        "在职培训", ["乡科级"], ["党政机关"], "中共临江市委党校", 30000.0)
    assert body["items"][2]["topics"] == [{"id": topic("01.01").pk, "code": "01.01", "name": topic("01.01").name}]
    assert (body["item_count"], body["total_hours"], body["total_capacity"]) == (3, 64.0, 160)
    assert {(t["training_type_label"], t["items"]) for t in body["totals_by_type"]} == {
        ("在职培训", 2), ("党的理论教育和党性教育专题培训", 1)}


def test_other_regions_plans_are_404(cast, token_client):
    plan = make_plan(cast)
    item = plan.items.get()
    charlie = token_client(cast.charlie)
    for method, path, body in [
        ("get", f"/plans/{plan.pk}", None), ("get", f"/plans/{plan.pk}/history", None),
        ("post", f"/plans/{plan.pk}/items", _item_body(cast)),
        ("patch", f"/plans/{plan.pk}/items/{item.pk}", {"capacity": 10}),
        ("post", f"/plans/{plan.pk}/submit", None), ("post", f"/plans/{plan.pk}/approve", {}),
    ]:
        assert _error(_send(charlie, method, path, body) if method != "get" else charlie.get(f"{API}{path}"),
                      404)["code"] == "not_found", path
    assert token_client(cast.alice).get(f"{API}/plans/999999").status_code == 404
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.DRAFT and plan.items.get().capacity == 50


# --- drafting --------------------------------------------------------------------------------

def test_it_creates_a_plan_once_per_year(cast, token_client):
    client = token_client(cast.alice)
    body = _ok(_send(client, "post", "/plans", {"year": 2027}), 201)
    assert (body["title"], body["region_id"], body["status"], body["items"]) == (
        "东城区2027年度干部教育培训计划", cast.county_a.pk, "draft", [])
    again = _error(_send(client, "post", "/plans", {"year": 2027, "title": "重复"}), 409)
    assert again["field"] == "year" and again["message"] == "东城区2027年度的计划已存在。"
    assert _error(_send(client, "post", "/plans", {"year": 1999}))["field"] == "year"
    assert AnnualPlan.objects.count() == 1
    assert _send(token_client(cast.ivan), "post", "/plans", {"year": 2028}).status_code == 403


def test_it_adds_an_item_with_every_field(cast, token_client):
    plan = make_plan(cast, items=0)
    body = _ok(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/items",
                     _item_body(cast, note="与乡村振兴局联办")), 201)
    assert (body["title"], body["training_type"], body["target_ranks"], body["target_ranks_labels"]) == (
        "乡村振兴专题培训班", "in_service", ["county", "section"], ["县处级", "乡科级"])
    assert (body["institution_id"], body["month"], body["days"], body["credit_hours"], body["capacity"],
            body["budget"], body["note"], body["is_active"]) == (
        cast.party_school.pk, 5, 3, 18.0, 50, 30000.0, "与乡村振兴局联办", True)
    assert [t["code"] for t in body["topics"]] == ["03.01"]
    assert AuditEntry.objects.filter(action="plan.item_add").count() == 1


def test_it_reports_every_bad_item_field_at_once_and_saves_nothing(cast, token_client):
    plan = make_plan(cast, items=0)
    school_b = make_org("中共西山县委党校", Kind.INSTITUTION, cast.county_b)
    body = _error(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/items", _item_body(
        cast, title="", training_type="vacation", target_ranks=["emperor"], month=13, days=0, capacity=0,
        budget="-1", topic_ids=[999999], institution_id=school_b.pk)))
    assert body["code"] == "invalid_item"
    assert {e["field"] for e in body["errors"]} == {
        "title", "training_type", "target_ranks", "month", "days", "capacity", "budget", "topic_ids",
        "institution_id"}
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["month"] == "月份须在 1 到 12 之间。"
    assert messages["institution_id"] == "承办机构须为您可选的培训机构。"
    assert not PlanItem.objects.exists()


def test_it_changes_only_the_item_fields_sent_and_withdraws(cast, token_client):
    plan = make_plan(cast)
    item = plan.items.get()
    client = token_client(cast.alice)
    body = _ok(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"capacity": 45, "institution_id": None}))
    assert (body["capacity"], body["institution_id"], body["title"], body["credit_hours"], body["budget"]) == (
        45, None, "班次1", 18.0, 30000.0)
    assert _error(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"days": 0}))["errors"][0][
        "field"] == "days"

    body = _ok(_send(client, "post", f"/plans/{plan.pk}/items/{item.pk}/withdraw"))
    assert body["is_active"] is False
    assert _ok(_send(client, "post", f"/plans/{plan.pk}/items/{item.pk}/withdraw"))["is_active"] is False
    # An item reached through another plan's path is 404.
    other = make_plan(cast, year=2028)
    assert _send(client, "patch", f"/plans/{other.pk}/items/{item.pk}", {"capacity": 1}).status_code == 404


# --- workflow ----------------------------------------------------------------------------------

def test_submit_needs_institutions_and_freezes_the_items(cast, token_client):
    plan = make_plan(cast)
    item = plan.items.get()
    client = token_client(cast.alice)
    _ok(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"institution_id": None}))
    body = _error(_send(client, "post", f"/plans/{plan.pk}/submit"))
    assert (body["code"], body["message"]) == ("no_institution", "以下班次尚未选择承办机构：班次1。")
    _ok(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"institution_id": county_school(cast).pk}))

    body = _ok(_send(client, "post", f"/plans/{plan.pk}/submit"))
    assert (body["status"], body["submitted_by_name"], body["editable"]) == ("submitted", "艾丽", False)
    assert _error(_send(client, "post", f"/plans/{plan.pk}/submit"), 409)["code"] == "not_editable"
    assert _error(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"capacity": 1}), 409)[
        "code"] == "not_editable"
    assert _send(client, "post", f"/plans/{plan.pk}/items", _item_body(cast)).status_code == 409


def test_the_submitter_cannot_approve_but_another_admin_can(cast, token_client):
    plan = make_plan(cast)
    _ok(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/submit"))
    body = _error(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/approve", {}), 403)
    assert (body["code"], body["message"]) == ("four_eyes", "提交人不能审批自己提交的计划，请由另一位管理员审批。")
    assert _error(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/return", {"comment": "x"}), 403)[
        "code"] == "four_eyes"
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.SUBMITTED

    cindy = city_admin(cast)
    body = _ok(_send(token_client(cindy), "post", f"/plans/{plan.pk}/approve", {"comment": "同意"}))
    assert (body["status"], body["version"], body["decided_by_name"], body["decision_comment"]) == (
        "approved", 1, "辛迪", "同意")
    assert _error(_send(token_client(cindy), "post", f"/plans/{plan.pk}/approve", {}), 409)["code"] == "not_submitted"
    # Roles without plans.approve: 403 before anything else.
    assert _send(token_client(cast.ivan), "post", f"/plans/{plan.pk}/approve", {}).status_code == 403


def test_a_returned_plan_needs_a_comment_and_is_editable_again(cast, token_client):
    plan = make_plan(cast)
    _ok(_send(token_client(cast.alice), "post", f"/plans/{plan.pk}/submit"))
    cindy = token_client(city_admin(cast))
    assert _error(_send(cindy, "post", f"/plans/{plan.pk}/return", {"comment": " "}))["field"] == "comment"
    body = _ok(_send(cindy, "post", f"/plans/{plan.pk}/return", {"comment": "请补充预算"}))
    assert (body["status"], body["status_label"], body["decision_comment"], body["editable"]) == (
        "returned", "已退回", "请补充预算", True)
    item = plan.items.get()
    assert _ok(_send(token_client(cast.alice), "patch", f"/plans/{plan.pk}/items/{item.pk}",
                     {"budget": 40000}))["budget"] == 40000.0


# --- adjustments and history -------------------------------------------------------------------

def test_adjustments_record_every_change_of_an_approved_plan(cast, token_client):
    plan = approved_plan(cast)
    item = plan.items.get()
    client = token_client(cast.alice)
    # Direct edits are refused once approved.
    assert _error(_send(client, "patch", f"/plans/{plan.pk}/items/{item.pk}", {"capacity": 1}), 409)[
        "code"] == "not_editable"

    added = _ok(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                      {"kind": "add", "reason": "上级新部署", **_item_body(cast, title="安全生产专题班")}), 201)
    assert (added["version"], added["kind_label"], added["item_title"], added["before"]) == (
        2, "临时增加", "安全生产专题班", None)
    changed = _ok(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                        {"kind": "change", "reason": "场地调整", "item_id": item.pk, "month": 8}), 201)
    assert changed["version"] == 3
    assert [(row["field"], row["before"], row["after"]) for row in changed["changes"] if row["changed"]] == [
        ("month", "1", "8")]
    body = _error(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                        {"kind": "cancel", "reason": "取消", "item_id": item.pk, "month": 9}))
    assert body["field"] == "month"
    cancelled = _ok(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                          {"kind": "cancel", "reason": "经费压减", "item_id": item.pk}), 201)
    assert (cancelled["version"], cancelled["after"]["is_active"]) == (4, False)
    assert _error(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                        {"kind": "cancel", "reason": "再取消", "item_id": item.pk}), 409)["field"] == "item_id"

    plan.refresh_from_db()
    assert plan.version == 4 and PlanAdjustment.objects.filter(plan=plan).count() == 3
    history = _ok(client.get(f"{API}/plans/{plan.pk}/history"))
    assert history["version"] == 4
    assert (history["approval"]["version"], history["approval"]["decided_by_name"]) == (1, "辛迪")
    assert [(a["version"], a["kind"], a["reason"]) for a in history["adjustments"]] == [
        (2, "add", "上级新部署"), (3, "change", "场地调整"), (4, "cancel", "经费压减")]


def test_an_adjustment_names_its_bad_fields(cast, token_client):
    plan = approved_plan(cast)
    other = make_plan(cast, year=2028)
    client = token_client(cast.alice)
    assert _error(_send(client, "post", f"/plans/{plan.pk}/adjustments", {"kind": "change"}))["field"] == "reason"
    assert _error(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                        {"kind": "change", "reason": "调整"}))["field"] == "item_id"
    assert _error(_send(client, "post", f"/plans/{plan.pk}/adjustments",
                        {"kind": "change", "reason": "调整", "item_id": other.items.get().pk}), 404)["field"] == "item_id"
    body = _error(_send(client, "post", f"/plans/{plan.pk}/adjustments", {"kind": "add", "reason": "新增", "month": 0}))
    assert {"title", "training_type", "month", "days", "capacity"} <= {e["field"] for e in body["errors"]}
    # A draft is edited directly, not adjusted.
    assert _error(_send(client, "post", f"/plans/{other.pk}/adjustments",
                        {"kind": "add", "reason": "新增", **_item_body(cast)}), 409)["code"] == "not_approved"
    plan.refresh_from_db()
    assert plan.version == 1


def test_the_history_of_an_unapproved_plan_is_empty(cast, token_client):
    plan = make_plan(cast)
    assert _ok(token_client(cast.alice).get(f"{API}/plans/{plan.pk}/history")) == {
        "plan_id": plan.pk, "version": 0, "approval": None, "adjustments": []}


# --- generating from a survey --------------------------------------------------------------------

def test_it_generates_a_draft_from_the_survey_demand(cast, token_client):
    survey = make_survey(cast)
    answer_topics(survey, [[topic("03.01"), topic("01.01")], [topic("03.01")], [topic("02.01")]])
    body = _ok(_send(token_client(cast.alice), "post", "/plans/generate",
                     {"survey_id": survey.pk, "year": 2027, "top_n": 2, "underserved_n": 0}), 201)
    assert (body["status"], body["source_survey_id"], body["source_survey_title"]) == (
        "draft", survey.pk, "2027年度培训需求调研")
    assert [(i["title"], i["month"], i["capacity"], i["training_type"]) for i in body["items"]] == [
        (f"{topic('03.01').name}专题培训班", 1, 40, "in_service"),
        (f"{topic('01.01').name}专题培训班", 7, 40, "theory")]


def test_it_refuses_to_generate_from_a_survey_it_may_not_use(cast, token_client):
    client = token_client(cast.alice)
    draft = make_survey(cast, opened=False)
    body = _error(_send(client, "post", "/plans/generate", {"survey_id": draft.pk, "year": 2027}))
    assert (body["field"], body["message"]) == ("survey_id", "请选择本区域已发布的调研。")
    foreign = survey_create(actor=with_role(cast.charlie), title="西山县调研", audience_root=cast.county_b,
                            closes_on=draft.closes_on)
    for survey_id in (foreign.pk, 999999):
        assert _error(_send(client, "post", "/plans/generate", {"survey_id": survey_id, "year": 2027}), 404)[
            "field"] == "survey_id"
    assert _error(_send(client, "post", "/plans/generate", {"survey_id": make_survey(cast).pk, "year": 2027,
                                                            "top_n": 31}))["field"] == "top_n"
    assert not AnnualPlan.objects.exists()


def test_the_plan_list_and_detail_take_the_same_number_of_queries_for_more_rows(cast, token_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(cast.alice)
    plan = make_plan(cast, items=1)

    def count(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}{url}").status_code == 200
        return len(captured)

    count("/plans")  # the token's first use is recorded once
    before = (count("/plans"), count(f"/plans/{plan.pk}"))
    for year in (2028, 2029):
        make_plan(cast, items=0, year=year)
    for month in (3, 4):
        plan_services.plan_item_add(actor=with_role(cast.alice), plan=plan, title=f"{month}月班",
                                    topics=[topic("03.01")], training_type="in_service", target_ranks=[],
                                    target_categories=[], institution=cast.party_school, month=month, days=1,
                                    credit_hours=None, capacity=40, budget=None)
    assert (count("/plans"), count(f"/plans/{plan.pk}")) == before
