"""The people pages: cadre list/detail/create/edit/career/leave, the teacher pool, audited reveals."""

import datetime as dt

import pytest
from django.urls import reverse

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.core.idcard import make_id_number
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher
from ganxun.testing import make_account, make_cadre, make_org, make_teacher
from ganxun.topics.models import Topic

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def rows(response) -> str:
    """The table body of a list page (the search box and buttons echo the query, rows must not)."""
    page = html(response)
    return page[page.index("<tbody>"):page.index("</tbody>")]


def cadre_post(**overrides) -> dict:
    data = {
        "name": "周明", "id_number": make_id_number("330102", dt.date(1979, 6, 15), 21, "M"), "gender": "",
        "birth_date": "", "ethnicity": "汉族", "political_status": "cpc", "education": "bachelor",
        "phone": "13900001111", "position_title": "副局长", "rank": "county", "is_leader": "on",
        "category": "party_gov", "position_since": "2021-03", "rank_since": "",
    }
    data.update(overrides)
    return data


# --- list --------------------------------------------------------------------------------

def test_alice_sees_county_a_cadres_only(cast, login):
    page = html(login(cast.alice).get(reverse("people:cadre_list")))
    for name in ("卡萝", "张伟", "李娜", "王强"):
        assert name in page
    assert "赵敏" not in page and "钱进" not in page


def test_bob_sees_his_unit_and_its_sub_unit_only(cast, login):
    page = html(login(cast.bob).get(reverse("people:cadre_list")))
    assert "卡萝" in page and "张伟" in page and "李娜" in page
    assert "王强" not in page and "赵敏" not in page


def test_the_leader_reads_the_city_without_edit_export_or_import(cast, login):
    page = html(login(cast.leo).get(reverse("people:cadre_list")))
    assert "王强" in page and "赵敏" in page
    assert reverse("people:cadre_create") not in page
    assert "/manage/imports/export/cadres/" not in page
    assert "新增干部" not in page


def test_roles_without_cadres_view_get_403(cast, login):
    assert login(cast.tom).get(reverse("people:cadre_list")).status_code == 403
    assert login(cast.sam).get(reverse("people:cadre_list")).status_code == 403


def test_the_list_shows_masked_identity_and_never_the_full_values(cast, login):
    cadre = cast.cadres_a[1]
    page = html(login(cast.alice).get(reverse("people:cadre_list")))
    assert cadre.person.id_number_masked in page and "138****8000" in page
    assert cadre.person.id_number not in page and "13800138000" not in page
    assert "1980.05" in page and "领导" in page  # birth Y.m and the leader badge of 张伟


def test_search_by_exact_id_number_finds_the_cadre_but_a_partial_one_leaks_nothing(cast, login):
    client = login(cast.alice)
    person = cast.cadres_a[1].person
    found = rows(client.post(reverse("people:cadre_list"), {"q": person.id_number}, follow=True))
    assert "张伟" in found and "卡萝" not in found
    assert person.id_number_masked in found and person.id_number not in found
    # The keyed hash matches whole numbers only: a prefix finds no one.
    page = rows(client.post(reverse("people:cadre_list"), {"q": person.id_number[:14]}, follow=True))
    assert "张伟" not in page and "没有符合条件的干部" in page
    phone = client.post(reverse("people:cadre_list"), {"q": "13800138000"}, follow=True)
    assert rows(phone).count("<tr>") == 4
    # A county B number is not found from county A.
    page = html(client.post(reverse("people:cadre_list"), {"q": cast.cadres_b[0].person.id_number}, follow=True))
    assert "赵敏" not in page


def test_full_id_numbers_and_phones_never_travel_in_urls(cast, login):
    client = login(cast.alice)
    person = cast.cadres_a[1].person
    response = client.post(reverse("people:cadre_list"), {"q": person.id_number, "rank": "county"})
    assert response.status_code == 302
    assert person.id_number not in response["Location"] and "qh=" in response["Location"]
    assert "rank=county" in response["Location"]
    page = html(client.get(response["Location"]))
    assert "张伟" in rows(client.get(response["Location"])) and person.id_number not in page
    # The export link carries the same hidden search, so it exports the same rows.
    assert "qh=" in page.split("/manage/imports/export/cadres/?")[1][:120]
    # An old link with the number in the address is moved to the hidden form.
    old = client.get(reverse("people:cadre_list"), {"q": "13800138000"})
    assert old.status_code == 302 and "13800138000" not in old["Location"]
    # A name search stays readable (post/redirect/get).
    by_name = client.post(reverse("people:cadre_list"), {"q": "张伟"})
    assert by_name.status_code == 302 and "q=%E5%BC%A0%E4%BC%9F" in by_name["Location"]
    teacher = cast.tom_teacher.person
    to_teacher = login(cast.ivan).post(reverse("people:teacher_list"), {"q": teacher.id_number})
    assert teacher.id_number not in to_teacher["Location"] and "qh=" in to_teacher["Location"]


def test_unit_filter_keeps_the_selection_and_never_widens_the_scope(cast, login):
    page = html(login(cast.alice).get(reverse("people:cadre_list"), {"unit": cast.unit_a1.pk, "subunits": "0"}))
    assert "卡萝" in page and "李娜" not in page and "王强" not in page
    assert f'value="{cast.unit_a1.pk}" selected' in page
    page = html(login(cast.charlie).get(reverse("people:cadre_list"), {"unit": cast.unit_a1.pk}))
    assert "卡萝" not in page and "赵敏" not in page


def test_export_and_import_buttons_carry_the_same_filters(cast, login):
    page = html(login(cast.alice).get(reverse("people:cadre_list"), {"rank": "county", "page": "1"}))
    assert 'href="/manage/imports/export/cadres/?rank=county"' in page
    assert reverse("imports:index") in page
    assert reverse("people:cadre_create") in page


def test_pagination_splits_45_cadres_into_3_pages(cast, login):
    for i in range(41):
        make_cadre(f"测试{i:02d}", cast.unit_a2)
    client = login(cast.alice)
    first = client.get(reverse("people:cadre_list"))
    assert "共 45 条，第 1 / 3 页" in html(first)
    assert rows(first).count("<tr>") == 20
    last = client.get(reverse("people:cadre_list"), {"unit": cast.unit_a2.pk, "page": "3"})
    assert "第 3 / 3 页" in html(last) and f"unit={cast.unit_a2.pk}&amp;page=2" in html(last)
    assert rows(last).count("<tr>") == 2  # 42 cadres in A2: 20 + 20 + 2


# --- detail and reveal ---------------------------------------------------------------------

def test_detail_masks_identity_shows_career_and_account(cast, login):
    carol = cast.carol_cadre
    CareerEvent.objects.create(cadre=carol, kind="appointment", date=dt.date(2015, 7, 1), unit_name="东城区财政局",
                               position_title="科员", rank="general")
    page = html(login(cast.alice).get(reverse("people:cadre_detail", args=[carol.pk])))
    assert carol.person.id_number_masked in page and carol.person.id_number not in page
    assert "13800138000" not in page
    assert "东城区财政局" in page and "2015.07.01" in page
    assert "carol" in page  # her account
    assert reverse("people:cadre_reveal", args=[carol.pk]) in page
    assert reverse("people:cadre_edit", args=[carol.pk]) in page


def test_the_leader_sees_the_detail_without_reveal_or_edit(cast, login):
    client = login(cast.leo)
    pk = cast.carol_cadre.pk
    page = html(client.get(reverse("people:cadre_detail", args=[pk])))
    assert "卡萝" in page
    assert reverse("people:cadre_reveal", args=[pk]) not in page and "显示完整信息" not in page
    assert reverse("people:cadre_edit", args=[pk]) not in page
    assert client.post(reverse("people:cadre_reveal", args=[pk])).status_code == 403
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


def test_reveal_returns_the_full_values_and_is_audited(cast, login):
    person = cast.carol_cadre.person
    response = login(cast.alice).post(reverse("people:cadre_reveal", args=[cast.carol_cadre.pk]),
                                      HTTP_HX_REQUEST="true")
    page = html(response)
    assert response.status_code == 200
    assert person.id_number in page and "13800138000" in page
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="person.reveal")
    assert (entry.actor_username, entry.target_id) == ("alice", str(person.pk))


def test_reveal_only_accepts_post(cast, login):
    assert login(cast.alice).get(reverse("people:cadre_reveal", args=[cast.carol_cadre.pk])).status_code == 405


def test_outsider_gets_404_for_county_a_cadres(cast, login):
    client = login(cast.charlie)
    pk = cast.carol_cadre.pk
    assert client.get(reverse("people:cadre_detail", args=[pk])).status_code == 404
    assert client.post(reverse("people:cadre_reveal", args=[pk])).status_code == 404
    assert client.get(reverse("people:cadre_edit", args=[pk])).status_code == 404
    assert client.post(reverse("people:cadre_edit", args=[pk]), cadre_post(unit=cast.unit_b1.pk)).status_code == 404
    assert client.get(reverse("people:career_add", args=[pk])).status_code == 404
    assert client.post(reverse("people:career_add", args=[pk]), {"kind": "other", "date": "2010-01-01"}
                       ).status_code == 404
    assert client.post(reverse("people:cadre_set_active", args=[pk]), {"active": "0", "reason": "退休"}
                       ).status_code == 404
    cast.carol_cadre.refresh_from_db()
    assert cast.carol_cadre.is_active and cast.carol_cadre.unit_id == cast.unit_a1.pk
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


def test_bob_gets_404_for_a_cadre_of_another_unit_in_his_county(cast, login):
    assert login(cast.bob).get(reverse("people:cadre_detail", args=[cast.cadres_a[3].pk])).status_code == 404


# --- create and edit -------------------------------------------------------------------------

def test_create_registers_a_cadre_and_redirects_to_the_detail(cast, login):
    client = login(cast.alice)
    form_page = html(client.get(reverse("people:cadre_create"), {"unit": cast.unit_a2.pk}))
    assert "东城区教育局" in form_page and "西山县财政局" not in form_page
    response = client.post(reverse("people:cadre_create"), cadre_post(unit=cast.unit_a2.pk), follow=True)
    cadre = Cadre.objects.get(person__name="周明")
    assert response.redirect_chain[-1][0] == reverse("people:cadre_detail", args=[cadre.pk])
    assert "已登记干部“周明”" in html(response)
    assert (cadre.unit_id, cadre.rank, cadre.is_leader, cadre.person.gender) == (cast.unit_a2.pk, "county", True, "M")


def test_create_with_several_bad_fields_shows_every_error_and_creates_nothing(cast, login):
    bad = cadre_post(unit=cast.unit_a2.pk, id_number="330102197906150000", rank="", education="", phone="123",
                     birth_date="1979-13-40")
    response = login(cast.alice).post(reverse("people:cadre_create"), bad)
    page = html(response)
    assert response.status_code == 200
    assert "校验码" in page or "身份证号" in page
    assert page.count('class="invalid-feedback"') >= 5  # id_number, birth_date, education, phone, rank
    assert "不是有效的手机号或固定电话" in page
    assert page.count("必填") >= 2  # rank and education
    assert 'value="123"' in page  # what was typed stays in the form
    assert not Person.objects.filter(name="周明").exists()


def test_a_double_submitted_create_registers_once_and_says_why(cast, login):
    client = login(cast.alice)
    client.post(reverse("people:cadre_create"), cadre_post(unit=cast.unit_a2.pk))
    response = client.post(reverse("people:cadre_create"), cadre_post(unit=cast.unit_a2.pk))
    assert response.status_code == 200 and "该身份证号的干部已登记" in html(response)
    assert Cadre.objects.filter(person__name="周明").count() == 1


def test_bob_cannot_file_a_cadre_outside_his_unit(cast, login):
    response = login(cast.bob).post(reverse("people:cadre_create"), cadre_post(unit=cast.unit_a2.pk))
    assert response.status_code == 200 and "is-invalid" in html(response)
    assert not Person.objects.filter(name="周明").exists()


def test_edit_never_prints_the_full_id_number_and_a_blank_keeps_it(cast, login):
    cadre = cast.cadres_a[1]
    number = cadre.person.id_number
    client = login(cast.alice)
    page = html(client.get(reverse("people:cadre_edit", args=[cadre.pk])))
    assert number not in page and "13800138000" not in page and cadre.person.id_number_masked in page
    response = client.post(reverse("people:cadre_edit", args=[cadre.pk]), cadre_post(
        name="张伟", id_number="", phone="", unit=cadre.unit_id, rank="county", position_title="局长"))
    assert response.status_code == 302
    cadre.refresh_from_db()
    cadre.person.refresh_from_db()
    assert (cadre.person.id_number, cadre.person.phone, cadre.position_title) == (number, "13800138000", "局长")


def test_edit_that_raises_the_rank_writes_a_promotion(cast, login):
    cadre = cast.cadres_a[3]  # 王强, general
    response = login(cast.alice).post(reverse("people:cadre_edit", args=[cadre.pk]), cadre_post(
        name="王强", id_number="", phone="", unit=cadre.unit_id, rank="section", position_title="科员",
        is_leader="", position_since="", effective_date="2024-01-15"))
    assert response.status_code == 302
    event = CareerEvent.objects.get(cadre=cadre)
    assert (event.kind, event.rank, event.date) == ("promotion", "section", dt.date(2024, 1, 15))
    assert AuditEntry.objects.filter(action="cadre.update", target_id=str(cadre.pk)).exists()


def test_career_add_and_its_refusals(cast, login):
    client = login(cast.alice)
    pk = cast.carol_cadre.pk
    response = client.post(reverse("people:career_add", args=[pk]), {"kind": "appointment", "date": "2000-01-01",
                                                                      "unit_name": "东城区财政局"})
    assert "16 周岁" in html(response)
    response = client.post(reverse("people:career_add", args=[pk]), {"kind": "transfer", "date": "2012-09-01",
                                                                      "unit_name": "东城区财政局", "rank": "general"})
    assert response.status_code == 302
    assert CareerEvent.objects.filter(cadre_id=pk, kind="transfer", date=dt.date(2012, 9, 1)).count() == 1


def test_leaving_needs_a_reason_and_keeps_the_record(cast, login):
    client = login(cast.alice)
    cadre = cast.cadres_a[3]
    response = client.post(reverse("people:cadre_set_active", args=[cadre.pk]), {"active": "0", "reason": ""},
                           follow=True)
    assert "请填写离职原因" in html(response)
    client.post(reverse("people:cadre_set_active", args=[cadre.pk]), {"active": "0", "reason": "退休"})
    cadre.refresh_from_db()
    assert not cadre.is_active
    assert CareerEvent.objects.filter(cadre=cadre, kind="retirement").exists()
    assert "王强" not in rows(client.get(reverse("people:cadre_list")))
    assert "王强" in rows(client.get(reverse("people:cadre_list"), {"inactive": "1"}))
    client.post(reverse("people:cadre_set_active", args=[cadre.pk]), {"active": "1"})
    cadre.refresh_from_db()
    assert cadre.is_active


# --- teachers ------------------------------------------------------------------------------

@pytest.fixture
def rival(cast):
    """An institution admin of a county B school: an outsider for the city party school's pool."""
    school_b = make_org("西山县委党校", Organisation.Kind.INSTITUTION, cast.county_b)
    return make_account("ivy", Role.INSTITUTION_ADMIN, school_b)


def teacher_post(**overrides) -> dict:
    data = {
        "name": "吴教授", "id_number": make_id_number("330102", dt.date(1970, 2, 3), 31, "M"),
        "political_status": "cpc", "education": "doctorate", "ethnicity": "汉族", "phone": "13700001234",
        "title": "professor", "is_internal": "0", "employer": "江东大学", "bio": "长期研究基层治理。",
    }
    data.update(overrides)
    return data


def test_the_institution_admin_sees_the_pool_with_masked_phones(cast, login):
    page = html(login(cast.ivan).get(reverse("people:teacher_list")))
    assert "汤姆" in page and "讲师" in page and "本机构" in page
    assert "138****8000" in page and "13800138000" not in page
    assert reverse("people:teacher_create") in page


def test_teacher_pages_are_404_for_outsiders_and_403_without_the_permission(cast, login, rival):
    pk = cast.tom_teacher.pk
    assert login(cast.charlie).get(reverse("people:teacher_detail", args=[pk])).status_code == 404
    client = login(rival)
    assert client.get(reverse("people:teacher_detail", args=[pk])).status_code == 404
    assert client.get(reverse("people:teacher_edit", args=[pk])).status_code == 404
    assert client.post(reverse("people:teacher_edit", args=[pk]), teacher_post()).status_code == 404
    assert client.post(reverse("people:teacher_reveal", args=[pk])).status_code == 404
    assert client.post(reverse("people:teacher_set_active", args=[pk]), {"active": "0"}).status_code == 404
    assert "汤姆" not in html(client.get(reverse("people:teacher_list")))
    assert login(cast.alice).get(reverse("people:teacher_edit", args=[pk])).status_code == 403
    assert login(cast.bob).get(reverse("people:teacher_list")).status_code == 403
    cast.tom_teacher.refresh_from_db()
    assert cast.tom_teacher.is_active


def test_ivan_adds_an_external_teacher_with_expertise(cast, login):
    topics = list(Topic.objects.filter(code__in=["03.04", "03.06"]))
    client = login(cast.ivan)
    form_page = html(client.get(reverse("people:teacher_create")))
    assert "<optgroup" in form_page and "社会治理与群众工作" in form_page
    response = client.post(reverse("people:teacher_create"), {
        **teacher_post(), "institution": cast.party_school.pk, "expertise": [t.pk for t in topics]})
    teacher = Teacher.objects.get(person__name="吴教授")
    assert response.status_code == 302
    assert (teacher.is_internal, teacher.employer, teacher.title) == (False, "江东大学", "professor")
    assert set(teacher.expertise.values_list("code", flat=True)) == {"03.04", "03.06"}
    listing = html(client.get(reverse("people:teacher_list"), {"topic": topics[0].pk, "internal": "0"}))
    assert "吴教授" in listing and "汤姆" not in listing and "江东大学" in listing


def test_teacher_create_shows_all_errors_and_creates_nothing(cast, login):
    response = login(cast.ivan).post(reverse("people:teacher_create"), {
        **teacher_post(employer="", title="", id_number="123"), "institution": cast.party_school.pk})
    page = html(response)
    assert "外聘教师请填写工作单位" in page and "不是有效的职称" in page
    assert page.count('class="invalid-feedback"') >= 3
    assert not Teacher.objects.filter(person__name="吴教授").exists()


def test_ivan_edits_reveals_and_removes_a_teacher(cast, login):
    teacher = cast.tom_teacher
    client = login(cast.ivan)
    page = html(client.get(reverse("people:teacher_detail", args=[teacher.pk])))
    assert teacher.person.id_number not in page and reverse("people:teacher_reveal", args=[teacher.pk]) in page
    response = client.post(reverse("people:teacher_edit", args=[teacher.pk]), {
        **teacher_post(name="汤姆", id_number="", phone="", is_internal="1", employer="", title="assoc_professor"),
        "expertise": [Topic.objects.get(code="01.01").pk]})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.title == "assoc_professor" and teacher.person.phone == "13800138000"
    revealed = html(client.post(reverse("people:teacher_reveal", args=[teacher.pk])))
    assert teacher.person.id_number in revealed
    assert AuditEntry.objects.filter(action="person.reveal", actor_username="ivan").count() == 1
    client.post(reverse("people:teacher_set_active", args=[teacher.pk]), {"active": "0"})
    teacher.refresh_from_db()
    assert not teacher.is_active


def test_the_leader_reads_teachers_without_reveal_or_edit(cast, login):
    make_teacher("孙讲师", cast.party_school)
    client = login(cast.leo)
    assert "孙讲师" in html(client.get(reverse("people:teacher_list")))
    page = html(client.get(reverse("people:teacher_detail", args=[cast.tom_teacher.pk])))
    assert "显示完整信息" not in page and reverse("people:teacher_edit", args=[cast.tom_teacher.pk]) not in page
