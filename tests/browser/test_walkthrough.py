"""The training process end to end in a real browser (issue 3): a liaison nominates a cadre,
the org department approves, the institution opens the class, the cadre checks in on a
360 px phone by scanning the head teacher's rotating QR code **with the camera**, the head
teacher sees it in the live list and closes the class, and the cadre finds the credited hours
in the training archive.

The server runs on its own throwaway var dir (SQLite file), filled by walkthrough_data.py with
the persona cast and the real services — not the demo city. The camera is Chromium's fake
capture device playing a YUV4MPEG2 file of the QR code, written by the test from the token
on the head teacher's screen; the scan page decodes it with html5-qrcode, as on a phone.

Time: the server reads its own clock (nominations close before the class starts; a cadre
checks in while the session runs; a class closes only after its last session has ended), so
at two points walkthrough_data.py moves the class's dates to fit the clock instead of waiting.
"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import segno

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SKIP_REASON_NO_CHROMIUM,
    SKIP_REASON_POSTGRES,
    chromium_missing,
    no_sideways_scroll,
    on_postgres,
    prepare_var,
    run_json,
    running_server,
)

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason=SKIP_REASON_NO_CHROMIUM),
    pytest.mark.skipif(on_postgres(), reason=SKIP_REASON_POSTGRES),
]

DATA_SCRIPT = str(Path(__file__).with_name("walkthrough_data.py"))
WAIT_MS = 20_000  # generous for a loaded CI machine; every wait ends as soon as its condition holds
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36",
}
# Chromium's fake camera: no permission prompt, a fake device, playing the given .y4m file.
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# What the scan page's camera shows (for the failure report).
CAMERA_STATE = """(() => {
  const video = document.querySelector('#qr-reader video'), canvas = document.querySelector('#qr-reader canvas');
  if (!video) return '';
  let dark = '';
  if (canvas && canvas.width) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) count++;
    dark = ` (${Math.round(400 * count / pixels.length)}% dark)`;
  }
  return `camera ${video.videoWidth}x${video.videoHeight} shown ${video.clientWidth}x${video.clientHeight}`
    + ` playing=${!video.paused} time=${video.currentTime.toFixed(1)}`
    + ` scan area ${canvas ? canvas.width + 'x' + canvas.height : 'none'}${dark}`;
})()"""
# Logged to the console of a watched page: unhandled rejections, the scan page's status
# messages as they change, and form submissions.
WATCH_SCRIPT = """
window.addEventListener('unhandledrejection', (e) => console.log('unhandled rejection: ' + e.reason));
const submit = HTMLFormElement.prototype.submit;
HTMLFormElement.prototype.submit = function () { console.log('form submit ' + this.id); return submit.call(this); };
document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('scan-status');
  if (status) new MutationObserver(() => console.log('status: ' + status.textContent))
    .observe(status, {childList: true, characterData: true, subtree: true});
});
"""
SUCCESS_MESSAGE = ".alert-success[role=alert]"  # the flash message after a form (includes/messages.html)
FULL_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")


# The frames of the fake camera: the code's share of the frame's height and its offset from
# the centre (px). A camera held in the hand never shows the very same picture twice, and the
# decoder needs that: html5-qrcode's (zxing) misses about one code in ten when it is given one
# fixed picture at this size (measured on 100 random tokens; 0 misses in 400 with these frames).
CAMERA_FRAMES = ((0.77, 0, 0), (0.72, 5, -3), (0.66, -4, 4), (0.60, 2, 6))


def qr_video(text: str, path: Path, *, width: int = 640, height: int = 480) -> Path:
    """A YUV4MPEG2 (4:2:0) video, 10 frames a second, of the QR code of `text`: black modules on
    white with the 4-module quiet zone, near the centre (html5-qrcode reads the middle 80 % of the
    picture's height), one frame per entry of CAMERA_FRAMES, played in a loop. Only the luma
    plane carries the picture; both chroma planes are neutral (128)."""
    rows = [bytes(row) for row in segno.make(text, error="l", micro=False).matrix_iter(scale=1, border=4)]
    chroma = b"\x80" * (width * height // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for share, dx, dy in CAMERA_FRAMES:
            scale = int(min(width, height) * share) // len(rows)
            size = len(rows) * scale
            left, top = (width - size) // 2 + dx, (height - size) // 2 + dy
            luma = bytearray(b"\xff" * (width * height))
            for r, row in enumerate(rows):
                line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
                for k in range(scale):
                    offset = (top + r * scale + k) * width + left
                    luma[offset:offset + size] = line
            video.write(b"FRAME\n")
            video.write(luma)
            video.write(chroma)
    return path


def ends_with(text: str) -> re.Pattern:
    """An accessible name ending with `text`: Tabler's icon font puts a glyph before a link's
    label (the icon's CSS content is part of the accessible name)."""
    return re.compile(re.escape(text) + r"$")


def shown(hours: Decimal) -> str:
    """Hours as the pages print them (`floatformat:"-1"`): 3 → "3", 4.5 → "4.5"."""
    return format(hours.quantize(Decimal("0.1")).normalize(), "f")


class Walk:
    """The server of the walk-through, its data, and the personas' pages (for screenshots)."""

    def __init__(self, base: str, env: dict, data: dict):
        self.base, self.env, self.data = base, env, data
        self.pages: dict[str, object] = {}
        self.shots: Path | None = None
        self.browsers: list = []
        self.log: list[str] = []

    def keep(self, browser):
        """A browser the test launched itself, closed at the end even if a step fails."""
        self.browsers.append(browser)
        return browser

    def close(self) -> None:
        for browser in self.browsers:
            try:
                browser.close()
            except Exception:  # noqa: BLE001 — already closed
                pass

    def watch(self, page) -> None:
        """Keep the page's console messages and script errors for the failure report."""
        page.add_init_script(WATCH_SCRIPT)
        page.on("console", lambda message: self.log.append(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.log.append(f"page error: {error}"))

    def url(self, path: str) -> str:
        return self.base + path

    def time_passes(self, step: str) -> dict:
        return run_json(self.env, DATA_SCRIPT, step, str(self.data["class_id"]))

    def log_in(self, browser, username: str, **context_options):
        """A new browser context (its own cookies) logged in through the log-in page."""
        context = browser.new_context(**context_options)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        self.pages[username] = page
        page.goto(self.url("/login/"))
        page.fill("#id_username", username)
        page.fill("#id_password", self.data["password"])
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    @contextmanager
    def step(self, name: str):
        """A step of the walk: on failure, a screenshot of every persona's page is saved and
        named in the error."""
        try:
            yield
        except Exception as exc:
            saved = []
            for who, page in self.pages.items():
                try:
                    status = page.locator("#scan-status, #scan-message, .alert[role=alert]").all_inner_texts()
                    saved.append(f"{who} at {page.url} {status or ''} {page.evaluate(CAMERA_STATE)}")
                    path = self.shots / f"{name.split()[0]}-{who}.png"
                    scan_area = page.evaluate("(() => { const c = document.querySelector('#qr-reader canvas');"
                                              " return c ? c.toDataURL('image/png') : ''; })()")
                    if scan_area:
                        area = path.with_name(path.stem + "-scan-area.png")
                        area.write_bytes(base64.b64decode(scan_area.split(",", 1)[1]))
                        saved.append(f"  scan area {area}")
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(f"  screenshot {path}")
                except Exception:  # noqa: BLE001 — a closed page has nothing more to show
                    continue
            exc.add_note(f"walk-through step “{name}” failed; the personas' pages:\n" + "\n".join(saved)
                         + ("\nbrowser log:\n" + "\n".join(self.log) if self.log else ""))
            raise

    def assert_no_full_id_number(self, page) -> None:
        """The cadre's pages never carry the full ID number — not in the text, not in the HTML."""
        html = page.content()
        assert self.data["cadre_id_number"] not in html, f"{page.url} contains the cadre's full ID number"
        assert not FULL_ID_NUMBER.search(page.inner_text("body")), f"{page.url} shows a full ID number"


@pytest.fixture(scope="module")
def walk(tmp_path_factory, static_files, playwright_driver):
    env = prepare_var(tmp_path_factory.mktemp("walk-var"), static_files)
    data = run_json(env, DATA_SCRIPT, "setup")
    with running_server(env) as base:
        walk = Walk(base, env, data)
        yield walk
        walk.close()


def test_a_nominated_cadre_checks_in_by_camera_and_finds_the_credited_hours_in_the_archive(
        walk, browser, playwright_driver, tmp_path):
    from playwright.sync_api import expect

    data = walk.data
    walk.shots = tmp_path
    name, title, class_id = data["cadre_name"], data["class_title"], data["class_id"]
    # The class has one session, so one half-day: its credit hours (and the cadre's, who attends
    # it) are 1 × the hours of a half-day (3 by default).
    hours = 1 * Decimal(data["hours_per_half_day"])
    assert Decimal(data["credit_hours"]) == hours, "the set-up's class should hold sessions on one half-day"

    with walk.step("2 liaison-nominates"):
        liaison = walk.log_in(browser, data["liaison"], **DESKTOP)
        liaison.locator(".navbar").get_by_role("link", name="调训报名").click()
        liaison.get_by_role("link", name=title).click()
        expect(liaison.locator("#remaining"), "the unit's two seats are free").to_have_text("2", timeout=WAIT_MS)
        candidate = liaison.locator("#candidates .list-group-item", has_text=name)
        candidate.get_by_role("button", name="报名").click()
        expect(liaison.locator(SUCCESS_MESSAGE), "the nomination is confirmed").to_contain_text(
            f"已报名“{name}”，等待组织部门审核。", timeout=WAIT_MS)
        nominated = liaison.locator(".card", has=liaison.locator(".card-title", has_text="已报名")).locator(
            ".list-group-item", has_text=name)
        expect(nominated, "the nomination is listed as pending").to_contain_text("待审核", timeout=WAIT_MS)
        expect(liaison.locator("#remaining"), "one seat is left").to_have_text("1", timeout=WAIT_MS)

        response = liaison.goto(walk.url(f"/manage/roster/classes/{class_id}/review/"))
        assert response.status in (403, 404), f"the liaison opened the org department's review page ({response.status})"
        assert name not in liaison.content(), "the refused review page names the cadre"

    with walk.step("3 org-department-approves"):
        org = walk.log_in(browser, data["org_dept"], **DESKTOP)
        org.locator(".navbar").get_by_role("link", name=ends_with("调训")).click()
        org.get_by_role("link", name=title).click()
        org.get_by_role("link", name="审核名单").click()
        row = org.locator("tbody tr", has_text=name)
        expect(row, "the nomination waits for review").to_contain_text("待审核", timeout=WAIT_MS)
        # The cadre has no training on record: the review flags them as a cadre to prefer.
        expect(row.locator("[data-warning=untrained]"), "the 长期未训 warning is shown").to_have_text(
            "长期未训", timeout=WAIT_MS)
        row.get_by_role("button", name="确认", exact=True).click()
        expect(org.locator(SUCCESS_MESSAGE), "the approval gives seat number 1").to_contain_text(
            f"已确认“{name}”，学号 1。", timeout=WAIT_MS)
        row = org.locator("tbody tr", has_text=name)
        expect(row, "the row shows the approval").to_contain_text("已确认", timeout=WAIT_MS)
        expect(row, "the row shows the seat number").to_contain_text("学号 1", timeout=WAIT_MS)
        expect(org.locator("#count-approved")).to_have_text("1", timeout=WAIT_MS)

    with walk.step("3b class-opens"):
        # Time passes to the class day (nominations close before a class starts, so nominating and
        # checking in cannot happen on one day): the class is moved to today, its session to now.
        walk.time_passes("class-day")
        # On its day the head teacher opens the class (开班); it becomes 进行中.
        opening = walk.log_in(browser, data["head_teacher"], **DESKTOP)
        opening.goto(walk.url(f"/manage/classes/{class_id}/"))
        opening.locator("#start-class").click()
        expect(opening.locator(".page-title"), "the class is running").to_contain_text("进行中", timeout=WAIT_MS)

    with walk.step("4 head-teacher-shows-the-code"):
        teacher = walk.log_in(browser, data["head_teacher"], **DESKTOP)
        teacher.locator(".navbar").get_by_role("link", name=ends_with("班次")).click()
        teacher.get_by_role("link", name=title).click()
        teacher.get_by_role("link", name=ends_with("考勤")).click()
        teacher.get_by_role("link", name=ends_with("签到")).click()
        expect(teacher.locator("svg.checkin-qr"), "the QR code is on the screen").to_be_visible(timeout=WAIT_MS)
        roll_row = teacher.locator("#roll tbody tr", has_text=name)
        expect(roll_row, "the live list shows the cadre, not yet checked in").to_contain_text(
            "未签到", timeout=WAIT_MS)

    with walk.step("5 cadre-scans-with-the-camera"):
        cadre = walk.log_in(browser, data["cadre"], **PHONE)
        assert urlsplit(cadre.url).path == "/learn/", f"the cadre landed on {cadre.url}"
        assert no_sideways_scroll(cadre), "the learner home scrolls sideways at 360 px"
        walk.assert_no_full_id_number(cadre)
        # The scan page at 360 px (this browser has no camera: the photo button stays).
        cadre.get_by_role("link", name="扫码签到").click()
        expect(cadre.locator("label[for=scan-file]"), "the photo fallback is offered").to_be_visible(
            timeout=WAIT_MS)
        assert no_sideways_scroll(cadre), "the scan page scrolls sideways at 360 px"

        # The phone with a camera pointed at the screen: the token is read from the screen right
        # before the camera starts (a code is accepted for 20–40 s).
        checkin_url = teacher.locator("a[data-checkin-url]").get_attribute("href")
        assert parse_qs(urlsplit(checkin_url).query).get("t"), f"the QR code carries no token: {checkin_url}"
        walk.log.append(f"the code on the screen: {checkin_url}")
        video = qr_video(checkin_url, tmp_path / "checkin-qr.y4m")
        camera = walk.keep(playwright_driver.chromium.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, *FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]))
        phone_context = camera.new_context(storage_state=cadre.context.storage_state(), **PHONE)
        phone_context.set_default_timeout(WAIT_MS)
        phone = walk.pages["cadre-phone-camera"] = phone_context.new_page()
        walk.watch(phone)
        phone.goto(walk.url("/learn/checkin/"))  # no token in the address: only the camera can give it
        expect(phone.locator("#scan-message"), "the camera scan checks the cadre in").to_contain_text(
            "签到成功", timeout=WAIT_MS)
        expect(phone.locator(".scan-result[data-outcome=new]")).to_be_visible(timeout=WAIT_MS)
        expect(phone.locator(".scan-result"), "the result names the class").to_contain_text(title)
        assert no_sideways_scroll(phone), "the check-in result scrolls sideways at 360 px"
        walk.assert_no_full_id_number(phone)
        del walk.pages["cadre-phone-camera"]
        camera.close()

    with walk.step("6 live-list-shows-the-check-in"):
        # The live list polls every 4 s: wait for it, no reload.
        expect(roll_row, "the live list shows the cadre checked in").to_contain_text("已签到", timeout=WAIT_MS)
        expect(teacher.locator("[data-count=checked_in]")).to_have_text("1", timeout=WAIT_MS)

    with walk.step("7 session-ends"):
        # Time passes to the end of the session: a class closes only after its last session has
        # ended, and the session runs for another two hours — its end is moved to a second ago
        # instead of sleeping until then.
        walk.time_passes("session-over")

    with walk.step("8 head-teacher-closes-the-class"):
        teacher.locator(".breadcrumb").get_by_role("link", name=title).click()
        teacher.locator("#close-class").click()
        teacher.wait_for_url(re.compile(r"/close/$"))
        blockers = teacher.locator("#close-blockers")
        assert not blockers.count(), f"closing is refused: {blockers.inner_text() if blockers.count() else ''}"
        expect(teacher.locator("#preview-completed"), "the cadre completes").to_have_text("1 人", timeout=WAIT_MS)
        expect(teacher.locator("#preview-hours")).to_have_text(f"{shown(hours)} 学时", timeout=WAIT_MS)
        teacher.locator("#confirm-close").click()
        expect(teacher.locator(SUCCESS_MESSAGE), "the closing is confirmed").to_contain_text(
            "1 人结业", timeout=WAIT_MS)
        teacher.locator(".breadcrumb").get_by_role("link", name=title).click()
        expect(teacher.locator(".page-title"), "the class is closed").to_contain_text("已结业", timeout=WAIT_MS)
        expect(teacher.locator("#close-class"), "a closed class offers no closing").to_have_count(0)

    with walk.step("9 cadre-reads-the-archive"):
        cadre.goto(walk.url("/learn/"))
        cadre.locator(".learner-tabs").get_by_role("link", name="我的档案").click()
        expect(cadre.locator("#own-identity"), "the profile shows the masked ID number").to_contain_text(
            data["cadre_id_masked"], timeout=WAIT_MS)
        walk.assert_no_full_id_number(cadre)
        cadre.locator("#learn-archive-link").click()
        expect(cadre.locator("#archive-total-hours"), "the archive totals the class's hours").to_have_text(
            shown(hours), timeout=WAIT_MS)
        entry = cadre.locator(f"#archive-classes [data-class='{class_id}']")
        expect(entry, "the archive lists the class").to_contain_text(title, timeout=WAIT_MS)
        expect(entry.locator(".badge"), "the class is completed").to_have_text("结业")
        expect(entry.locator(".archive-class-hours"), "the class's credited hours").to_have_text(shown(hours))
        assert no_sideways_scroll(cadre), "the archive scrolls sideways at 360 px"
        walk.assert_no_full_id_number(cadre)
