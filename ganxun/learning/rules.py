"""The anti-idling rules of study credit (挂机, 刷课, 多开): how many seconds one heartbeat earns.

Pure functions of the session's previous heartbeat and this one; services.study_heartbeat applies
them under a lock and then the two caps (the day's cap and the course's duration).

Definition — a heartbeat received `elapsed` seconds (server clock) after the previous one of its
session (or after the launch) credits:

* nothing when the page was hidden (`visible` false), when the playback rate exceeds
  GANXUN_STUDY_MAX_RATE, when `elapsed` exceeds GANXUN_STUDY_MAX_GAP_SECONDS (idle), or when
  elapsed ≤ 0;
* for video: with `delta` = position − previous position and `expected` = elapsed × rate, and a
  tolerance of GANXUN_STUDY_POSITION_TOLERANCE_SECONDS plus 10 % of `expected`:
  - nothing when delta < −GANXUN_STUDY_SEEK_ALLOWANCE_SECONDS (jumped back) or
    delta > expected + tolerance (jumped forward past unwatched content: the skipped part, and
    so this interval, earns nothing);
  - `elapsed` when delta ≥ expected − tolerance (played all along);
  - otherwise delta ÷ rate, the time the video actually played (paused or buffering for part of
    the interval; nothing when it did not move);
* for documents: `elapsed` (reading time; no position to check).

The credit is wall-clock time, never content time: at 1.5× a learner covers 45 s of video in
30 s and earns 30 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

from ganxun.learning.models import Verdict


@dataclass(frozen=True)
class Judgement:
    seconds: float
    verdict: str


def max_rate() -> float:
    return float(settings.GANXUN_STUDY_MAX_RATE)


def judge(*, elapsed: float, visible: bool, rate: float, is_video: bool, previous_position: float,
          position: float) -> Judgement:
    if not visible:
        return Judgement(0, Verdict.HIDDEN)
    if rate > max_rate() + 1e-9:
        return Judgement(0, Verdict.RATE)
    if elapsed > settings.GANXUN_STUDY_MAX_GAP_SECONDS:
        return Judgement(0, Verdict.IDLE)
    if elapsed <= 0:
        return Judgement(0, Verdict.PAUSED)
    if not is_video:
        return Judgement(elapsed, Verdict.CREDITED)
    delta = position - previous_position
    expected = elapsed * rate
    tolerance = settings.GANXUN_STUDY_POSITION_TOLERANCE_SECONDS + 0.1 * expected
    if delta < -settings.GANXUN_STUDY_SEEK_ALLOWANCE_SECONDS:
        return Judgement(0, Verdict.BACKWARDS)
    if delta > expected + tolerance:
        return Judgement(0, Verdict.SEEK)
    if delta >= expected - tolerance:
        return Judgement(elapsed, Verdict.CREDITED)
    played = max(delta, 0) / rate
    if played <= 0:
        return Judgement(0, Verdict.PAUSED)
    return Judgement(min(played, elapsed), Verdict.PARTIAL)


def check_numbers(*, seq, position, rate) -> None:
    """Refuse heartbeats whose numbers no player sends (NaN, negative, absurd)."""
    from ganxun.core.errors import DomainError

    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 10_000_000:
        raise DomainError("心跳序号无效。", field="seq")
    for name, value, top in (("position", position, 10 * 24 * 3600), ("rate", rate, 16)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise DomainError("心跳数据无效。", field=name)
        if value < 0 or value > top or (name == "rate" and value == 0):
            raise DomainError("心跳数据超出范围。", field=name)
