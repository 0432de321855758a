"""The call notice (调训通知) as a PDF with Chinese fonts, and its content."""

from __future__ import annotations

import re
import zlib

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from ganxun.roster.documents import notice_context, notice_pdf
from ganxun.roster.models import CallMode, CallStatus, NamedCadre
from ganxun.roster.tests.factories import county_class, make_call, make_quota
from ganxun.testing import make_session
from ganxun.topics.models import Topic

pytestmark = pytest.mark.django_db


def _font_names(pdf: bytes) -> set[str]:
    """The /BaseFont names of a PDF (WeasyPrint keeps them in compressed object streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return {name.decode() for chunk in chunks for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", chunk)}


def _quota_call(cast):
    topic = Topic.objects.create(code="T01", name="党史学习教育")
    training_class = county_class(cast, title="东城区年轻干部培训班", topics=[topic])
    make_session(training_class)
    make_session(training_class, slot="afternoon")
    call = make_call(training_class, document_no="东组通〔2026〕15号", requirements="请自带笔记本电脑。",
                     target_ranks=["section"], issuer=cast.org_dept_a)
    make_quota(call, cast.unit_a1, 3, note="35岁以下")
    make_quota(call, cast.unit_a2, 2)
    return call


def test_the_notice_renders_as_a_pdf_with_the_noto_cjk_fonts(cast):
    pdf = notice_pdf(_quota_call(cast))
    assert pdf.startswith(b"%PDF-")
    fonts = _font_names(pdf)
    assert fonts, "the PDF embeds no font"
    # Every font is a subset of Noto Serif/Sans CJK (the subset prefix "ABCDEF+" varies).
    assert all(re.fullmatch(r"[A-Z]{6}\+Noto-?(Serif|Sans)-?CJK.*", name) for name in fonts), fonts
    assert any("Serif" in name for name in fonts) and any("Sans" in name for name in fonts)


def test_the_notice_holds_the_class_the_quota_table_and_the_issuer(cast):
    call = _quota_call(cast)
    html = render_to_string("roster/notice_pdf.html", notice_context(call))
    for text in ("东组通〔2026〕15号", "关于举办东城区年轻干部培训班的通知", "中共东城区委组织部", "中共临江市委党校",
                 "党史学习教育", "在职培训", "线下", "6 学时", "乡科级", "东城区发展和改革局", "35岁以下",
                 "请自带笔记本电脑。", "王老师", f"{call.nomination_deadline:%Y年%-m月%-d日}"):
        assert text in html, text
    assert re.search(r"<td>东城区教育局</td><td class=\"num\">2</td>", html)
    assert re.search(r"合计</td><td class=\"num\">5</td>", html)
    assert "草稿" not in html


def test_a_named_notice_lists_name_unit_and_post_but_no_id_number(cast):
    call = make_call(county_class(cast), mode=CallMode.NAMED, status=CallStatus.DRAFT)
    zhang = cast.cadres_a[1]
    NamedCadre.objects.create(call=call, cadre=zhang, unit=zhang.unit)
    html = render_to_string("roster/notice_pdf.html", notice_context(call))
    assert "<td>张伟</td><td>东城区发展和改革局</td><td>科员</td>" in html
    assert zhang.person.id_number not in html and zhang.person.id_number_masked not in html
    assert "（草稿）" in html
    assert _font_names(notice_pdf(call))


def test_bob_downloads_the_notice_of_his_quota(cast, login):
    call = _quota_call(cast)
    response = login(cast.bob).get(reverse("roster:notice", args=[call.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
