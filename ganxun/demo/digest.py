"""A fingerprint of the generated data, to prove a seed gives the same place every time.

Rows are described by what they say, never by ids (sequences differ between
runs and databases) or timestamps: organisations by their chain of names,
people by ID number. Encrypted columns are compared as plain text, since each
write encrypts with a fresh nonce.

This is the digest of the *place and its people* (the foundation): its accounts
are the demo log-ins (personas.PERSONAS). The staff accounts and everything else
the training process adds are covered by demo/process/digest.py, which depends
on the process day as well as the seed.
"""

from __future__ import annotations

import hashlib

from ganxun.access.models import Account, RoleAssignment
from ganxun.demo.personas import PERSONA_NAMES
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher


def data_lines() -> list[str]:
    orgs = {pk: (name, parent) for pk, name, parent in Organisation.objects.values_list("pk", "name", "parent_id")}

    def place(pk) -> str:
        names = []
        while pk is not None:
            name, pk = orgs[pk]
            names.append(name)
        return "/".join(reversed(names))

    lines = [
        f"O|{place(pk)}|{kind}|{level}|{category}|{code}|{address}|{order}|{depth}|{path == _path(pk, orgs)}"
        for pk, kind, level, category, code, address, order, depth, path in Organisation.objects.values_list(
            "pk", "kind", "region_level", "category", "code", "address", "sort_order", "depth", "path")
    ]
    usernames = dict(Account.objects.filter(username__in=PERSONA_NAMES).values_list("pk", "username"))
    ids = {}
    for pk, *fields in Person.objects.values_list(
            "pk", "id_number", "name", "gender", "birth_date", "ethnicity", "political_status", "education", "phone",
            "account_id"):
        ids[pk] = fields[0]
        lines.append("P|" + "|".join(map(str, fields[:-1])) + f"|{usernames.get(fields[-1], '')}")
    cadre_ids = {}
    for pk, person, unit, *fields in Cadre.objects.values_list(
            "pk", "person_id", "unit_id", "position_title", "rank", "is_leader", "category", "position_since",
            "rank_since", "is_active"):
        cadre_ids[pk] = ids[person]
        lines.append(f"C|{ids[person]}|{place(unit)}|" + "|".join(map(str, fields)))
    for cadre, unit, *fields in CareerEvent.objects.values_list(
            "cadre_id", "unit_id", "kind", "date", "unit_name", "position_title", "rank", "is_leader", "note",
            "source"):
        lines.append(f"E|{cadre_ids[cadre]}|{place(unit) if unit else ''}|" + "|".join(map(str, fields)))
    expertise: dict[int, list[str]] = {}
    for teacher, code in Teacher.expertise.through.objects.values_list("teacher_id", "topic__code"):
        expertise.setdefault(teacher, []).append(code)
    for pk, person, institution, *fields in Teacher.objects.values_list(
            "pk", "person_id", "institution_id", "title", "is_internal", "employer", "bio", "is_active"):
        lines.append(f"T|{ids[person]}|{place(institution)}|" + "|".join(map(str, fields))
                     + "|" + ",".join(sorted(expertise.get(pk, []))))
    roles: dict[int, list[str]] = {}
    for account, role, scope in RoleAssignment.objects.current().values_list("account_id", "role", "scope_id"):
        roles.setdefault(account, []).append(f"{role}@{place(scope)}")
    for account in Account.objects.filter(username__in=PERSONA_NAMES):
        lines.append(f"A|{account.username}|{account.full_name}|{account.is_active}|{account.must_change_password}|"
                     f"{account.totp_secret}|{account.totp_enabled}|{','.join(sorted(roles.get(account.pk, [])))}")
    return sorted(lines)


def _path(pk, orgs) -> str:
    chain = []
    while pk is not None:
        chain.append(pk)
        pk = orgs[pk][1]
    return "/" + "".join(f"{p}/" for p in reversed(chain))


def data_digest() -> str:
    """SHA-256 over the sorted descriptions of every generated row."""
    digest = hashlib.sha256()
    for line in data_lines():
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
