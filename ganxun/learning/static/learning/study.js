// Study page: launch a study session, then send a heartbeat every N seconds with the playback
// position, rate and page visibility. The server decides what counts (learning.rules); this
// script only reports and obeys "pause" (another device or tab took over).
(function () {
  "use strict";
  var root = document.getElementById("study");
  if (!root) return;
  var video = document.getElementById("study-video");
  var notice = document.getElementById("study-notice");
  var resume = document.getElementById("study-resume");
  var status = document.getElementById("study-status");
  var bar = document.getElementById("study-bar");
  var percent = document.getElementById("study-percent");
  var session = null;
  var seq = 0;
  var timer = null;
  var stopped = false;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    });
  }

  function say(text) {
    if (!text) { notice.classList.add("d-none"); return; }
    notice.textContent = text;
    notice.classList.remove("d-none");
  }

  function show(result) {
    var share = result.required_seconds ? Math.min(100, Math.floor(result.total_seconds * 100 / result.required_seconds)) : 0;
    bar.style.width = share + "%";
    bar.parentNode.setAttribute("aria-valuenow", share);
    percent.textContent = share + "%";
    status.textContent = result.completed ? "已完成本课程，学时已记入培训档案。"
      : "已认定 " + result.total_seconds + " 秒，完成需 " + result.required_seconds + " 秒。";
  }

  function beat() {
    if (!session || stopped) return;
    seq += 1;
    var body = {
      token: session.token, seq: seq,
      position: video ? Math.max(0, video.currentTime || 0) : 0,
      rate: video ? (video.playbackRate || 1) : 1,
      visible: document.visibilityState === "visible"
    };
    post(root.dataset.heartbeatUrl, body).then(function (answer) {
      if (!answer.ok) { say(answer.data.message || "学习记录暂时无法保存，请稍后重试。"); return; }
      show(answer.data);
      if (answer.data.pause) {
        stopped = true;
        if (video) video.pause();
        clearInterval(timer);
        say(answer.data.message);
        resume.classList.remove("d-none");
        return;
      }
      say(answer.data.message);
    }).catch(function () { say("网络中断，恢复后将继续记录。"); });
  }

  function launch() {
    post(root.dataset.launchUrl).then(function (answer) {
      if (!answer.ok) { say(answer.data.message || "无法开始学习。"); return; }
      session = answer.data;
      seq = 0;
      stopped = false;
      resume.classList.add("d-none");
      say("");
      if (video && session.start_position > 0) {
        var seek = function () { video.currentTime = session.start_position; };
        if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, {once: true});
      }
      if (video) {
        video.addEventListener("ratechange", function () {
          if (video.playbackRate > session.max_rate) say("倍速超过 " + session.max_rate + " 倍时不计学习时长。");
        });
      }
      clearInterval(timer);
      timer = setInterval(beat, session.heartbeat_seconds * 1000);
    });
  }

  resume.addEventListener("click", launch);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beat();  // report the switch away at once
  });
  launch();
})();
