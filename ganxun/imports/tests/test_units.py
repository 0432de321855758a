"""Unit workbooks: upsert by unit code, parents inside the scope (or earlier in the file), paths, refusals."""

import pytest

from ganxun.core.errors import Conflict
from ganxun.imports import services
from ganxun.imports.tests.helpers import UNIT_HEADERS, commit, problems_of, run_job
from ganxun.org.models import Organisation

pytestmark = pytest.mark.django_db


def unit_row(name, code, *, parent_code="", parent_name="", region_code="", category="党政机关", address="",
             sort_order=""):
    return [name, code, parent_code, parent_name, region_code, category, address, sort_order]


def test_it_creates_units_under_units_regions_and_earlier_rows_with_proper_paths(coded, actor):
    alice = actor(coded.alice)
    rows = [
        unit_row("东城区审计局", "91339101AU", region_code="339101", sort_order=5),
        unit_row("东城区审计局信息中心", "91339101AUX", parent_code="91339101AU", category="事业单位"),
        unit_row("东城区教育局招生办", "91339101A2Z", parent_name="东城区教育局"),
        unit_row("东城区统计局", "91339101ST"),  # no parent given: under alice's county
    ]
    job = commit(alice, run_job(alice, rows, kind="units", headers=UNIT_HEADERS))
    assert problems_of(job) == []
    assert (job.created_count, job.updated_count, job.skipped_count) == (4, 0, 0)
    audit = Organisation.objects.get(code="91339101AU")
    centre = Organisation.objects.get(code="91339101AUX")
    office = Organisation.objects.get(code="91339101A2Z")
    stats = Organisation.objects.get(code="91339101ST")
    assert (audit.parent, audit.kind, audit.sort_order, audit.path) == (
        coded.county_a, "unit", 5, f"{coded.county_a.path}{audit.pk}/")
    assert (centre.parent, centre.category, centre.path, centre.depth) == (
        audit, "public_inst", f"{audit.path}{centre.pk}/", audit.depth + 1)
    assert office.path == f"{coded.unit_a2.path}{office.pk}/"
    assert stats.parent == coded.county_a


def test_reimporting_units_updates_only_what_changed(coded, actor):
    alice = actor(coded.alice)
    rows = [unit_row("东城区审计局", "91339101AU", region_code="339101")]
    commit(alice, run_job(alice, rows, kind="units", headers=UNIT_HEADERS))
    again = commit(alice, run_job(alice, rows, kind="units", headers=UNIT_HEADERS))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1)
    renamed = [unit_row("东城区审计局（新）", "91339101AU", region_code="339101", address="人民路 1 号")]
    third = commit(alice, run_job(alice, renamed, kind="units", headers=UNIT_HEADERS))
    assert third.updated_count == 1
    unit = Organisation.objects.get(code="91339101AU")
    assert (unit.name, unit.address) == ("东城区审计局(新)", "人民路 1 号")  # cleaned like every name (NFKC)


def test_a_changed_parent_moves_the_unit_and_its_subtree(coded, actor):
    alice = actor(coded.alice)
    rows = [unit_row(coded.unit_a1.name, coded.unit_a1.code, parent_code=coded.unit_a2.code)]
    job = commit(alice, run_job(alice, rows, kind="units", headers=UNIT_HEADERS))
    assert job.updated_count == 1
    coded.unit_a1.refresh_from_db()
    coded.unit_a1_sub.refresh_from_db()
    assert coded.unit_a1.path == f"{coded.unit_a2.path}{coded.unit_a1.pk}/"
    assert coded.unit_a1_sub.path.startswith(coded.unit_a1.path)


def test_it_refuses_parents_outside_scope_deactivated_or_of_the_wrong_kind(coded, actor):
    alice = actor(coded.alice)
    coded.unit_a2.is_active = False
    coded.unit_a2.save(update_fields=["is_active"])
    rows = [
        unit_row("甲", "91X1", parent_code=coded.unit_b1.code),                # row 2: charlie's unit
        unit_row("乙", "91X2", parent_code=coded.unit_a2.code),                # row 3: deactivated parent
        unit_row("丙", "91X3", parent_name=coded.party_school.name),           # row 4: outside (city level)
        unit_row("丁", "91X4", parent_name=coded.org_dept_a.name),             # row 5: an org department
        unit_row("戊", "91X5", parent_code="91X9"),                            # row 6: unknown code
        unit_row("己", "91X6"), unit_row("己二", "91X6"),                      # rows 7, 8: duplicate code
        unit_row("庚", "91X7", parent_code="91X6"),                            # row 9: parent row is bad
        unit_row("辛", coded.unit_b1.code),                                     # row 10: code of another region
        unit_row("壬", "339101"),                                               # row 11: a region's code
        unit_row("", "91X8", category="宇宙机关", sort_order="前面"),           # row 12: name, category, order
    ]
    job = run_job(alice, rows, kind="units", headers=UNIT_HEADERS)
    found = problems_of(job)
    assert (2, "上级单位代码", "上级单位不在您的管理范围内") in found
    assert (3, "上级单位代码", "上级单位已停用，不能在其下导入") in found
    assert (4, "上级单位名称", "上级单位不在您的管理范围内") in found
    assert (5, "上级单位名称", "参训单位的上级必须是行政区域或另一个参训单位。") in found
    assert (6, "上级单位代码", "上级单位代码不存在") in found
    assert (7, "单位代码", "与第 8 行的单位代码重复") in found and (8, "单位代码", "与第 7 行的单位代码重复") in found
    assert (9, "上级单位代码", "上级单位（第 7 行）有错误，无法导入") in found
    assert (10, "单位代码", "该代码已被其他地区的组织使用") in found
    assert (11, "单位代码", "该代码属于行政区域，不能作为参训单位导入") in found
    assert {(12, "单位名称"), (12, "单位类别"), (12, "排序")} <= {(r, c) for r, c, _ in found}
    assert job.valid_rows == 0
    with pytest.raises(Conflict, match="没有可导入的有效行"):
        services.import_commit(actor=alice, job=job)
    assert not Organisation.objects.filter(code__startswith="91X").exists()


def test_only_roles_with_units_import_may_upload_units(coded, actor):
    from ganxun.core.errors import Forbidden
    from ganxun.imports.tests.helpers import upload_file

    with pytest.raises(Forbidden):
        services.import_upload(actor=actor(coded.bob), kind="units",
                               upload=upload_file([unit_row("甲", "91X1")], UNIT_HEADERS))


def test_a_registered_unit_without_parent_columns_keeps_its_place(coded, actor):
    alice = actor(coded.alice)
    rows = [unit_row("东城区价格监测中心（更名）", coded.unit_a1_sub.code, category="")]
    job = commit(alice, run_job(alice, rows, kind="units", headers=UNIT_HEADERS))
    assert job.updated_count == 1
    coded.unit_a1_sub.refresh_from_db()
    assert coded.unit_a1_sub.parent == coded.unit_a1 and coded.unit_a1_sub.category == "public_inst"
    assert coded.unit_a1_sub.name == "东城区价格监测中心(更名)"
