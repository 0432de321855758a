"""xAPI statements of course tests, reflections and the discussion, stored in our own LRS through
the same code path as external clients (ganxun.lrs.services.statements_store with the system client).

Activities (under `{site}/xapi/activities/course/<course>`):

* the course test `…/test` (type assessment); each question `…/question/<id>` (cmi.interaction,
  interactionType choice or true-false, with its choices and correctResponsesPattern);
* the reflection `…/reflection`; the discussion `…/discussion`.

Statements, each with a uuid5 id over what it records (a re-emission is stored once):

* `attempted` when an attempt starts — id over (attempted, attempt);
* at submission one `answered` per drawn question (result.response, result.success) and one
  `passed` or `failed` for the attempt (result.score scaled/raw/min/max, success, completion,
  duration); all share context.registration = the attempt's uuid5;
* `shared` for each submitted text of a reflection — id over (reflection, revision);
* `commented` for each discussion post — a reply carries the parent post's statement as
  context.statement.

Emission runs inside the caller's transaction, in its own savepoint (learning.statements.emit):
a refusal of the LRS never undoes the learner's submission: the statements go to the outbox
(ganxun.lrs.outbox) and are re-sent later with the same ids.
"""

from __future__ import annotations

import datetime as dt

from ganxun.coursework.models import OPTION_KEYS, QuestionKind
from ganxun.learning.statements import activity_id, emit, statement_id

VERBS = {
    "attempted": ("http://adlnet.gov/expapi/verbs/attempted", "开始作答"),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "作答"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "通过"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "未通过"),
    "shared": ("http://adlnet.gov/expapi/verbs/shared", "提交心得"),
    "commented": ("http://adlnet.gov/expapi/verbs/commented", "评论"),
}
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
COURSE = "http://adlnet.gov/expapi/activities/course"
DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
REFLECTION = "http://id.tincanapi.com/activitytype/essay"
RESPONSE_SEPARATOR = "[,]"  # xAPI's separator of a multiple-choice response

__all__ = ["emit", "emit_many", "attempted", "attempt_result", "shared", "commented", "test_activity_id", "question_activity_id",
           "post_statement_id", "attempt_registration"]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _agent(account) -> dict:
    from ganxun.lrs.services import agent_for_account

    return agent_for_account(account)


def _verb(name: str) -> dict:
    verb_id, label = VERBS[name]
    return {"id": verb_id, "display": {"zh-CN": label, "en-US": name}}


def test_activity_id(course) -> str:
    return f"{activity_id(course)}/test"


def question_activity_id(course, question_id) -> str:
    return f"{activity_id(course)}/question/{question_id}"


def attempt_registration(attempt) -> str:
    return statement_id("test-attempt", attempt.pk)


def post_statement_id(post) -> str:
    return statement_id("commented", post.pk)


def _course_activity(course) -> dict:
    return {"objectType": "Activity", "id": activity_id(course),
            "definition": {"type": COURSE, "name": {"zh-CN": course.title}}}


def _test_activity(course) -> dict:
    return {"objectType": "Activity", "id": test_activity_id(course),
            "definition": {"type": ASSESSMENT, "name": {"zh-CN": f"{course.title} · 课程测试"}}}


def _context(*, registration: str | None = None, parent: dict | None = None, grouping: dict | None = None) -> dict:
    context: dict = {"platform": "ganxun", "language": "zh-CN"}
    if registration:
        context["registration"] = registration
    activities = {}
    if parent:
        activities["parent"] = [parent]
    if grouping:
        activities["grouping"] = [grouping]
    if activities:
        context["contextActivities"] = activities
    return context


def _duration(seconds: float) -> str:
    return f"PT{max(int(seconds), 0)}S"


def attempted(*, attempt) -> dict:
    course = attempt.course
    return {
        "id": statement_id("attempted", attempt.pk), "actor": _agent(attempt.account), "verb": _verb("attempted"),
        "object": _test_activity(course), "timestamp": _iso(attempt.started_at),
        "context": _context(registration=attempt_registration(attempt), parent=_course_activity(course)),
    }


def _interaction(course, question: dict) -> dict:
    if question["kind"] == QuestionKind.TRUE_FALSE:
        definition = {"type": INTERACTION, "interactionType": "true-false",
                      "correctResponsesPattern": [question["answer"][0]]}
    else:
        definition = {"type": INTERACTION, "interactionType": "choice",
                      "correctResponsesPattern": [RESPONSE_SEPARATOR.join(question["answer"])],
                      "choices": [{"id": key, "description": {"zh-CN": text}}
                                  for key, text in zip(OPTION_KEYS, question["options"])]}
    definition["name"] = {"zh-CN": question["stem"][:200]}
    return {"objectType": "Activity", "id": question_activity_id(course, question["id"]), "definition": definition}


def attempt_result(*, attempt) -> list[dict]:
    """The statements of a submitted attempt: one `answered` per question, then `passed`/`failed`."""
    course = attempt.course
    registration = attempt_registration(attempt)
    at = _iso(attempt.submitted_at)
    actor = _agent(attempt.account)
    statements = []
    for question in attempt.questions:
        given = attempt.answers.get(str(question["id"]), [])
        response = RESPONSE_SEPARATOR.join(given) if question["kind"] != QuestionKind.TRUE_FALSE else (
            given[0] if given else "")
        statements.append({
            "id": statement_id("answered", attempt.pk, question["id"]), "actor": actor, "verb": _verb("answered"),
            "object": _interaction(course, question), "timestamp": at,
            "result": {"response": response, "success": sorted(given) == sorted(question["answer"])},
            "context": _context(registration=registration, parent=_test_activity(course),
                                grouping=_course_activity(course)),
        })
    total = attempt.question_count
    seconds = (min(attempt.submitted_at, attempt.deadline) - attempt.started_at).total_seconds()
    verb = "passed" if attempt.passed else "failed"
    statements.append({
        "id": statement_id(verb, attempt.pk), "actor": actor, "verb": _verb(verb),
        "object": _test_activity(course), "timestamp": at,
        "result": {"score": {"scaled": round(attempt.correct_count / total, 4) if total else 0,
                             "raw": attempt.correct_count, "min": 0, "max": total},
                   "success": bool(attempt.passed), "completion": True, "duration": _duration(seconds)},
        "context": _context(registration=registration, parent=_course_activity(course)),
    })
    return statements


def shared(*, reflection) -> dict:
    course = reflection.course
    return {
        "id": statement_id("reflection", reflection.pk, reflection.revision), "actor": _agent(reflection.account),
        "verb": _verb("shared"),
        "object": {"objectType": "Activity", "id": f"{activity_id(course)}/reflection",
                   "definition": {"type": REFLECTION, "name": {"zh-CN": f"{course.title} · 学习心得"}}},
        "timestamp": _iso(reflection.submitted_at),
        "result": {"response": reflection.text},
        "context": _context(parent=_course_activity(course)),
    }


def commented(*, post) -> dict:
    course = post.course
    context = _context(parent=_course_activity(course))
    if post.parent_id:
        context["statement"] = {"objectType": "StatementRef", "id": statement_id("commented", post.parent_id)}
    return {
        "id": post_statement_id(post), "actor": _agent(post.author), "verb": _verb("commented"),
        "object": {"objectType": "Activity", "id": f"{activity_id(course)}/discussion",
                   "definition": {"type": DISCUSSION, "name": {"zh-CN": f"{course.title} · 课程讨论"}}},
        "timestamp": _iso(post.created_at),
        "result": {"response": post.text},
        "context": context,
    }


def emit_many(build, **kwargs) -> bool:
    """learning.statements.emit for a builder that returns several statements (one batch; to the
    outbox together when the LRS fails)."""
    return emit(build, **kwargs)
