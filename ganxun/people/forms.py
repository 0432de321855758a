"""Input forms of the people pages. CadreFilterForm is shared by the list page and the export."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ganxun.core.errors import DomainError, NotFound
from ganxun.core.forms import TablerForm, add_domain_error
from ganxun.org.models import Category
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import (
    CareerEventKind,
    Education,
    Ethnicity,
    Gender,
    PoliticalStatus,
    Rank,
    TeacherTitle,
)
from ganxun.people.models import Cadre, Person, Teacher
from ganxun.people.search import identity_field
from ganxun.people.selectors import cadre_list_for, teacher_list_for
from ganxun.people.services import CADRE_FIELDS, PERSON_FIELDS, InvalidRecord
from ganxun.people.validation import FIELD_LABELS


class CadreFilterForm(forms.Form):
    """GET parameters of the cadre list (and of its export, which must select the same rows).

    q: name, or an exact ID number / phone; unit: organisation id (its sub-units
    included unless subunits=0); rank, category, gender: enum values;
    leader: "1" leaders only, "0" non-leaders; inactive=1 includes those who left.
    """

    q = forms.CharField(required=False, max_length=50, label="姓名/身份证号/手机号")
    qh = identity_field()
    unit = forms.IntegerField(required=False, min_value=1, label="单位")
    subunits = forms.ChoiceField(required=False, choices=[("1", "含下级单位"), ("0", "仅本单位")], label="范围")
    rank = forms.ChoiceField(required=False, choices=[("", "全部职级")] + list(Rank.choices), label="职级")
    category = forms.ChoiceField(required=False, choices=[("", "全部类别")] + list(Category.choices), label="干部类别")
    leader = forms.ChoiceField(required=False, choices=[("", "全部"), ("1", "领导职务"), ("0", "非领导职务")],
                               label="领导职务")
    gender = forms.ChoiceField(required=False, choices=[("", "全部")] + list(Gender.choices), label="性别")
    inactive = forms.BooleanField(required=False, label="含离职人员")

    def cadres(self, actor) -> QuerySet[Cadre]:
        """The selected cadres, through the scope gate. Invalid filters or an
        out-of-scope unit select nothing: a bad parameter never widens the list."""
        if not self.is_valid():
            return Cadre.objects.none()
        data = self.cleaned_data
        unit = None
        if data.get("unit"):
            try:
                unit = organisation_get_for(actor, data["unit"])
            except NotFound:
                return Cadre.objects.none()
        return cadre_list_for(
            actor,
            q=data.get("q") or "",
            unit=unit,
            include_subunits=data.get("subunits") != "0",
            rank=data.get("rank") or "",
            category=data.get("category") or "",
            is_leader={"1": True, "0": False}.get(data.get("leader") or ""),
            gender=data.get("gender") or "",
            include_inactive=bool(data.get("inactive")),
            identity=data.get("qh") or "",
        )


# --- record forms of the back-office pages ---------------------------------------------
#
# Fields are loose text and selects: the rules live in people/validation.py and the
# services, which report every problem of a record at once (InvalidRecord); the
# view puts each FieldError back on its field with `add_service_errors`.

def add_service_errors(form: forms.Form, exc: DomainError) -> None:
    """Map a service's refusal onto the form: each FieldError of an InvalidRecord on its field."""
    if isinstance(exc, InvalidRecord):
        for error in exc.errors:
            field = error.field if error.field in form.fields else None
            message = error.message if field else f"{FIELD_LABELS.get(error.field, error.field)}：{error.message}"
            form.add_error(field, message)
    else:
        add_domain_error(form, exc)


def _select(choices, blank: str | None = "请选择") -> forms.Select:
    return forms.Select(choices=([("", blank)] if blank is not None else []) + list(choices))


def _indented_units(units) -> list[tuple[int, str]]:
    """Unit options with sub-units indented under their parent unit (units arrive ordered by path)."""
    units = list(units)
    top = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - top) + u.name) for u in units]


def _mark_required(form: forms.Form, *names: str) -> None:
    """Show the asterisk of fields the service requires (the form itself stays lenient so that
    the service reports every problem of the record at once)."""
    for name in names:
        form.fields[name].show_required = True


class PersonForm(TablerForm):
    """The fields every person has. On edit, a blank ID number or phone keeps the stored one,
    so the full values never have to be printed into the page."""

    name = forms.CharField(label="姓名", max_length=100, required=False)
    id_number = forms.CharField(label="身份证号", max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    gender = forms.CharField(label="性别", required=False, widget=_select(Gender.choices, "按身份证号识别"))
    birth_date = forms.CharField(label="出生日期", max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "如 1980-05 或 1980-05-17"}),
                                 help_text="可留空，按身份证号识别。")
    ethnicity = forms.CharField(label="民族", required=False, initial="汉族", widget=_select(Ethnicity.choices, None))
    political_status = forms.CharField(label="政治面貌", required=False, widget=_select(PoliticalStatus.choices))
    education = forms.CharField(label="学历", required=False, widget=_select(Education.choices))
    phone = forms.CharField(label="手机号", max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args, person: Person | None = None, **kwargs):
        self.person = person
        if person is not None:
            kwargs.setdefault("initial", {}).update({
                "name": person.name, "gender": person.gender, "birth_date": person.birth_date.isoformat(),
                "ethnicity": person.ethnicity, "political_status": person.political_status,
                "education": person.education,
            })
        super().__init__(*args, **kwargs)
        _mark_required(self, "name", "political_status", "education")
        if person is None:
            _mark_required(self, "id_number")
        if person is not None:
            self.fields["id_number"].widget.attrs["placeholder"] = person.id_number_masked
            self.fields["id_number"].help_text = "留空表示不变；更正时填写完整的新号码。"
            self.fields["phone"].widget.attrs["placeholder"] = person.phone_masked or "未登记"
            self.fields["phone"].help_text = "留空表示不变。"
            self.fields["clear_phone"] = forms.BooleanField(label="删除已登记的手机号", required=False)
            self.fields["clear_phone"].widget.attrs["class"] = "form-check-input"

    def service_data(self) -> dict:
        """The raw values for the service; blanks on edit fall back to the stored ID number/phone."""
        data = {name: self.cleaned_data.get(name) for name in PERSON_FIELDS}
        if self.person is not None:
            if not data["id_number"]:
                data["id_number"] = self.person.id_number
            if not data["phone"] and not self.cleaned_data.get("clear_phone"):
                data["phone"] = self.person.phone
        return data


class CadreForm(PersonForm):
    """Person and post of a cadre; `effective_date` dates the career event a change of post writes."""

    unit = forms.TypedChoiceField(label="单位", coerce=int, required=False, empty_value=None)
    position_title = forms.CharField(label="职务", max_length=200, required=False)
    rank = forms.CharField(label="职级", required=False, widget=_select(Rank.choices))
    is_leader = forms.BooleanField(label="领导职务", required=False)
    category = forms.CharField(label="干部类别", required=False, widget=_select(Category.choices))
    position_since = forms.CharField(label="任现职时间", max_length=20, required=False,
                                     widget=forms.TextInput(attrs={"placeholder": "如 2021-03"}))
    rank_since = forms.CharField(label="任现职级时间", max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": "如 2021-03"}))

    def __init__(self, *args, units, cadre: Cadre | None = None, **kwargs):
        self.cadre = cadre
        if cadre is not None:
            kwargs.setdefault("initial", {}).update({
                "unit": cadre.unit_id, "position_title": cadre.position_title, "rank": cadre.rank,
                "is_leader": cadre.is_leader, "category": cadre.category,
                "position_since": cadre.position_since.isoformat() if cadre.position_since else "",
                "rank_since": cadre.rank_since.isoformat() if cadre.rank_since else "",
            })
            kwargs["person"] = cadre.person
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "请选择单位")] + _indented_units(units)
        _mark_required(self, "unit", "rank", "category")
        if cadre is not None:
            self.fields["effective_date"] = forms.DateField(
                label="变动生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text="调动、晋升或改任职务时写入任职经历的日期；留空按任现职时间或今天。")
            self.fields["effective_date"].widget.attrs["class"] = "form-control"

    def service_data(self) -> dict:
        data = super().service_data()
        data.update({name: self.cleaned_data.get(name) for name in CADRE_FIELDS})
        return data


class CareerEventForm(TablerForm):
    kind = forms.ChoiceField(label="类型", choices=CareerEventKind.choices)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit_name = forms.CharField(label="单位名称", max_length=100, required=False)
    position_title = forms.CharField(label="职务", max_length=100, required=False)
    rank = forms.ChoiceField(label="职级", required=False, choices=[("", "—")] + list(Rank.choices))
    is_leader = forms.BooleanField(label="领导职务", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class CadreLeaveForm(TablerForm):
    """Marking a cadre as left (the service requires a reason) or back."""

    reason = forms.CharField(label="离职原因", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：退休、调出本系统"}))
    date = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class TeacherFilterForm(TablerForm):
    """GET parameters of the teacher list: name or exact ID number/phone, institution, topic, internal."""

    q = forms.CharField(required=False, max_length=50, label="姓名/身份证号/手机号")
    qh = identity_field()
    institution = forms.IntegerField(required=False, min_value=1, label="培训机构")
    topic = forms.IntegerField(required=False, min_value=1, label="擅长领域")
    internal = forms.ChoiceField(required=False, choices=[("", "本机构与外聘"), ("1", "本机构"), ("0", "外聘")],
                                 label="来源")
    inactive = forms.BooleanField(required=False, label="含已移出")

    def teachers(self, actor) -> QuerySet[Teacher]:
        """Like CadreFilterForm.cadres: bad or out-of-scope filters select nothing."""
        if not self.is_valid():
            return Teacher.objects.none()
        data = self.cleaned_data
        institution = None
        if data.get("institution"):
            try:
                institution = organisation_get_for(actor, data["institution"])
            except NotFound:
                return Teacher.objects.none()
        return teacher_list_for(
            actor, q=data.get("q") or "", institution=institution, topic_id=data.get("topic"),
            is_internal={"1": True, "0": False}.get(data.get("internal") or ""),
            include_inactive=bool(data.get("inactive")), identity=data.get("qh") or "",
        )


def expertise_choices(roots, extra=()) -> list:
    """Active topics grouped by their top-level topic (for a multi-select), plus `extra`
    topics already on the record but no longer active, so saving does not drop them."""
    groups = []
    for root in roots:
        options = [(root.topic.pk, f"{root.topic.code} {root.topic.name}（总类）")]
        for child in root.children:
            options.append((child.topic.pk, f"{child.topic.code} {child.topic.name}"))
            options += [(g.topic.pk, f"\u3000{g.topic.code} {g.topic.name}") for g in child.children]
        groups.append((f"{root.topic.code} {root.topic.name}", options))
    if extra:
        groups.append(("已停用", [(t.pk, f"{t.code} {t.name}（已停用）") for t in extra]))
    return groups


class TeacherForm(PersonForm):
    institution = forms.TypedChoiceField(label="所属培训机构", coerce=int, required=False, empty_value=None)
    title = forms.CharField(label="职称", required=False, widget=_select(TeacherTitle.choices))
    is_internal = forms.ChoiceField(label="来源", choices=[("1", "本机构师资"), ("0", "外聘师资")], initial="1")
    employer = forms.CharField(label="工作单位", max_length=200, required=False, help_text="外聘教师必填。")
    expertise = forms.TypedMultipleChoiceField(label="擅长领域", coerce=int, required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 12}),
                                               help_text="可多选（按住 Ctrl 或 ⌘ 点选）。")
    bio = forms.CharField(label="简介", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, institutions=(), topic_roots=(), teacher: Teacher | None = None, **kwargs):
        self.teacher = teacher
        extra = []
        if teacher is not None:
            current = list(teacher.expertise.all())
            extra = [t for t in current if not t.is_active]
            kwargs.setdefault("initial", {}).update({
                "title": teacher.title, "is_internal": "1" if teacher.is_internal else "0",
                "employer": teacher.employer, "bio": teacher.bio, "expertise": [t.pk for t in current],
            })
            kwargs["person"] = teacher.person
        super().__init__(*args, **kwargs)
        self.fields["expertise"].choices = expertise_choices(topic_roots, extra)
        _mark_required(self, "title")
        if teacher is not None:
            del self.fields["institution"]  # the pool a teacher belongs to is fixed (teacher_update keeps it)
        else:
            self.fields["institution"].choices = [("", "请选择培训机构")] + [(o.pk, o.name) for o in institutions]
            _mark_required(self, "institution")

    def service_data(self) -> dict:
        data = super().service_data()
        data.update({name: self.cleaned_data.get(name) for name in ("title", "is_internal", "employer", "bio")})
        return data
