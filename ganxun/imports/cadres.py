"""Cadre rows: checking them (validation and again at import) and upserting a batch of them.

The key is the ID number's keyed hash. A known person whose cadre record lies
inside the importer's scope is updated where the row's values differ; one whose
cadre record lies elsewhere is refused; an unknown one is created. A cell left
blank in an optional column keeps what is registered (an import never erases).
Everything per batch is done with a handful of bulk queries, never per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone

from ganxun.core.crypto import keyed_hash
from ganxun.core.masking import mask_id_number, mask_phone
from ganxun.core.text import clean
from ganxun.imports.bulk import Inserter
from ganxun.imports.columns import CADRE_LAYOUT
from ganxun.imports.resolve import OrgIndex
from ganxun.org.models import Organisation
from ganxun.people.choices import CareerEventKind
from ganxun.people.models import Cadre, CareerEvent, Person
from ganxun.people.services import career_changes
from ganxun.people.validation import FieldError, clean_cadre, clean_person

LAYOUT = CADRE_LAYOUT
HEADER = {c.key: c.header for c in LAYOUT.columns}
# Fields compared on update; optional ones only when the row fills them.
PERSON_COMPARED = ("name", "gender", "birth_date", "ethnicity", "political_status", "education")
CADRE_COMPARED = ("rank", "category", "is_leader", "position_title", "position_since", "rank_since")
OPTIONAL = frozenset({"ethnicity", "phone", "is_leader", "position_title", "position_since", "rank_since"})

ELSEWHERE = "该身份证号已登记在其他单位，如需调入请联系上级组织部门办理调动"
INACTIVE = "该干部已标记离职，请先在干部信息中恢复在职后再导入"
MASKED_ID = "身份证号为脱敏显示值（含*），导出文件中的身份证号不能用于导入，请填写完整号码"
MASKED_PHONE = "手机号为脱敏显示值（含*），请填写完整号码或留空（留空保留原号码）"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str


def shown_value(key: str, value: object) -> str:
    """The value as a problem report stores it: ID numbers and phones masked (they are personal data)."""
    text = clean(value)[:200]
    if key == "id_number":
        return mask_id_number(text)
    if key == "phone":
        return mask_phone(text)
    return text


@dataclass
class CadreRow:
    row: int
    person: dict
    cadre: dict
    unit: Organisation | None
    raw: dict[str, object]
    id_hash: str | None
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def provided(self) -> frozenset[str]:
        """Columns this row fills (only they may change a registered record)."""
        return frozenset(key for key, value in self.raw.items() if _filled(value))

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, key_or_header: str, value: object, reason: str) -> None:
        header = HEADER.get(key_or_header, key_or_header)
        key = key_or_header if key_or_header in HEADER else ""
        self.problems.append(Problem(self.row, header, shown_value(key, value), reason[:300]))


def _filled(value: object) -> bool:
    return not (value is None or (isinstance(value, str) and not value.strip()))


def check_row(number: int, raw: dict[str, object], index: OrgIndex) -> CadreRow:
    """Everything that can be said about one row without the database's people (units come from `index`)."""
    person, person_errors = clean_person(raw)
    cadre, cadre_errors = clean_cadre(raw)
    id_number = person.get("id_number")
    result = CadreRow(number, person, cadre, None, raw, keyed_hash(id_number) if id_number else None)
    for error in person_errors + cadre_errors:
        result.add(error.field, error.value, _reason(error, raw))
    unit, miss = index.unit_for_cadre(raw.get("unit_code"), raw.get("unit_name"))
    if miss is not None:
        result.add(miss.column, miss.value, miss.reason)
    result.unit = unit
    return result


def _reason(error: FieldError, raw: dict[str, object]) -> str:
    if error.field == "id_number" and "*" in clean(raw.get("id_number")):
        return MASKED_ID
    if error.field == "phone" and "*" in clean(raw.get("phone")):
        return MASKED_PHONE
    return error.message


def existing_problem(unit_path: str | None, is_active: bool | None, scope_path: str) -> str | None:
    """What the database says about an ID number already known (None: create or update is fine)."""
    if unit_path is None:
        return None  # unknown, or a person without a cadre record (e.g. a teacher): becomes a cadre
    if not unit_path.startswith(scope_path):
        return ELSEWHERE
    if not is_active:
        return INACTIVE
    return None


class FileValidator:
    """Validation of a whole file in chunks: per-row checks, duplicates within the file, the database."""

    def __init__(self, index: OrgIndex):
        self.index = index
        self.first_row_of: dict[str, int] = {}
        self.reported_first: set[int] = set()

    def check_chunk(self, rows: list[tuple[int, dict[str, object]]]) -> list[Problem]:
        """Problems of these rows; a duplicate also reports the earlier row it repeats, once."""
        results = [check_row(number, raw, self.index) for number, raw in rows]
        problems: list[Problem] = []
        for result in results:
            if result.id_hash is None:
                continue
            first = self.first_row_of.setdefault(result.id_hash, result.row)
            if first != result.row:
                result.add("id_number", result.person["id_number"], f"与第 {first} 行的身份证号重复")
                if first not in self.reported_first:
                    self.reported_first.add(first)
                    shown = shown_value("id_number", result.person["id_number"])
                    problems.append(Problem(first, HEADER["id_number"], shown, f"与第 {result.row} 行的身份证号重复"))
        hashes = [r.id_hash for r in results if r.id_hash]
        known = {
            h: (path, active) for h, path, active in
            Person.objects.filter(id_number_hash__in=hashes).values_list(
                "id_number_hash", "cadre__unit__path", "cadre__is_active")
        } if hashes else {}
        for result in results:
            if result.id_hash in known:
                reason = existing_problem(*known[result.id_hash], self.index.scope_path)
                if reason:
                    result.add("id_number", result.person["id_number"], reason)
            problems.extend(result.problems)
        return problems


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


PERSON_INSERT = ("name", "id_number", "id_number_hash", "gender", "birth_date", "ethnicity", "political_status",
                 "education", "phone", "phone_hash", "created_at", "updated_at")
CADRE_INSERT = ("person", "unit", *CADRE_COMPARED, "is_active", "created_at", "updated_at")
EVENT_INSERT = ("cadre", "kind", "date", "unit", "unit_name", "position_title", "rank", "is_leader", "note", "source",
                "created_at")


def _person_values(row: CadreRow, now) -> tuple:
    p = row.person
    return (p["name"], p["id_number"], row.id_hash, p["gender"], p["birth_date"], p["ethnicity"],
            p["political_status"], p["education"], p["phone"], keyed_hash(p["phone"]) if p["phone"] else "", now, now)


def _cadre_values(row: CadreRow, person_id: int, now) -> tuple:
    return (person_id, row.unit.pk, *(row.cadre[key] for key in CADRE_COMPARED), True, now, now)


def _event_values(event: CareerEvent, now) -> tuple:
    return (event.cadre_id, event.kind, event.date, event.unit_id, event.unit_name, event.position_title, event.rank,
            event.is_leader, event.note, event.source, now)


def _appointment_values(row: CadreRow, cadre_id: int, today: dt.date, now) -> tuple:
    """The appointment event of a new cadre with a post, as EVENT_INSERT values."""
    data = row.cadre
    return (cadre_id, CareerEventKind.APPOINTMENT.value, data["position_since"] or today, row.unit.pk, row.unit.name,
            data["position_title"], data["rank"], data["is_leader"], "", CareerEvent.Source.IMPORT.value, now)


def apply_batch(rows: list[CadreRow], *, scope_path: str) -> BatchOutcome:
    """Upsert the rows (already checked against the file) inside the caller's transaction."""
    outcome = BatchOutcome()
    today = timezone.localdate()
    now = timezone.now()
    hashes = [r.id_hash for r in rows]
    # Lock the known persons of this batch so a concurrent edit cannot interleave (no-op on SQLite,
    # whose IMMEDIATE transactions already serialise writers).
    known = {
        p.id_number_hash: p for p in Person.objects.select_for_update(of=("self",))
        .filter(id_number_hash__in=hashes).select_related("cadre", "cadre__unit").defer("id_number", "phone")
    }
    new_persons: list[CadreRow] = []
    new_cadres: list[tuple[CadreRow, int | None]] = []  # person id None: the person is new too
    person_updates: dict[int, Person] = {}
    person_fields: set[str] = set()
    phone_updates: list[Person] = []
    cadre_updates: list[Cadre] = []
    cadre_fields: set[str] = set()
    events: list[CareerEvent] = []

    for row in rows:
        person = known.get(row.id_hash)
        cadre = getattr(person, "cadre", None) if person is not None else None
        if cadre is not None:
            reason = existing_problem(cadre.unit.path, cadre.is_active, scope_path)
            if reason:
                row.add("id_number", row.person["id_number"], reason)
                outcome.problems.extend(row.problems)
                continue
        if person is None:
            new_persons.append(row)
            new_cadres.append((row, None))
            outcome.created += 1
            continue
        changed_person = _diff_person(person, row)
        phone_changed = _diff_phone(person, row)
        if cadre is None:
            new_cadres.append((row, person.pk))
            outcome.created += 1
        else:
            changed_cadre, new_events = _diff_cadre(cadre, row, today)
            if changed_cadre:
                cadre.updated_at = now
                cadre_updates.append(cadre)
                cadre_fields.update(changed_cadre)
                events.extend(new_events)
            if changed_person or phone_changed or changed_cadre:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        if changed_person:
            person.updated_at = now
            person_updates[person.pk] = person
            person_fields.update(changed_person)
        if phone_changed:
            phone_updates.append(person)

    if person_fields:
        Person.objects.bulk_update(list(person_updates.values()), [*sorted(person_fields), "updated_at"])
    if phone_updates:
        for person in phone_updates:
            person.updated_at = now
        Person.objects.bulk_update(phone_updates, ["phone", "phone_hash", "updated_at"])
    if cadre_updates:
        Cadre.objects.bulk_update(cadre_updates, [*sorted(cadre_fields), "updated_at"])
    if new_persons:
        Inserter(Person, PERSON_INSERT).insert(_person_values(row, now) for row in new_persons)
        person_ids = dict(Person.objects.filter(id_number_hash__in=[r.id_hash for r in new_persons])
                          .values_list("id_number_hash", "id"))
        new_cadres = [(row, person_id or person_ids[row.id_hash]) for row, person_id in new_cadres]
    if new_cadres:
        Inserter(Cadre, CADRE_INSERT).insert(_cadre_values(row, person_id, now) for row, person_id in new_cadres)
        cadre_ids = dict(Cadre.objects.filter(person_id__in=[pid for _, pid in new_cadres])
                         .values_list("person_id", "id"))
        appointments = [_appointment_values(row, cadre_ids[pid], today, now) for row, pid in new_cadres
                        if row.cadre["position_title"] or row.cadre["position_since"]]
    else:
        appointments = []
    if events or appointments:
        Inserter(CareerEvent, EVENT_INSERT).insert([*(_event_values(e, now) for e in events), *appointments])
    return outcome


def _diff_person(person: Person, row: CadreRow) -> list[str]:
    changed = []
    for key in PERSON_COMPARED:
        if key in OPTIONAL and key not in row.provided:
            continue
        value = row.person.get(key)
        if value is not None and getattr(person, key) != value:
            setattr(person, key, value)
            changed.append(key)
    return changed


def _diff_phone(person: Person, row: CadreRow) -> bool:
    phone = row.person.get("phone") or ""
    if not phone or keyed_hash(phone) == person.phone_hash:
        return False
    person.phone = phone
    person.phone_hash = keyed_hash(phone)
    return True


def _diff_cadre(cadre: Cadre, row: CadreRow, today: dt.date) -> tuple[list[str], list[CareerEvent]]:
    new = {key: getattr(cadre, key) for key in CADRE_COMPARED}
    for key in CADRE_COMPARED:
        if key in OPTIONAL and key not in row.provided:
            continue
        new[key] = row.cadre[key]
    changed = [key for key in CADRE_COMPARED if getattr(cadre, key) != new[key]]
    if row.unit.pk != cadre.unit_id:
        changed.append("unit")
    if not changed:
        return [], []
    # The row's 任现职时间 dates the change; without one, the change is dated today.
    effective = (row.cadre["position_since"] if "position_since" in row.provided else None) or today
    events = career_changes(cadre, new, row.unit, effective)
    for event in events:
        event.source = CareerEvent.Source.IMPORT
    for key in CADRE_COMPARED:
        setattr(cadre, key, new[key])
    cadre.unit = row.unit
    return changed, events
