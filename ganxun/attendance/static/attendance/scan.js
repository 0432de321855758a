// Learner scan page: read the check-in QR code with the camera (html5-qrcode) or from a
// photo, take the token out of the URL it carries, and post it. The server decides the rest.
(function () {
  var reader = document.getElementById("qr-reader");
  var form = document.getElementById("scan-form");
  if (!reader || !form || !window.Html5Qrcode) return;
  var input = form.querySelector("[name=t]");
  var status = document.getElementById("scan-status");
  var scanner = new window.Html5Qrcode("qr-reader", { verbose: false });
  var done = false;

  function say(text) { status.textContent = text; }

  function tokenOf(text) {
    try {
      var url = new URL(text, window.location.href);
      var token = url.searchParams.get("t");
      if (token) return token;
    } catch (e) { /* not a URL: the code may carry the bare token */ }
    return String(text).trim();
  }

  function stopCamera() {
    return scanner.isScanning ? scanner.stop().catch(function () {}) : Promise.resolve();
  }

  function submit(text) {
    if (done) return;
    done = true;
    input.value = tokenOf(text);
    say("已识别，正在提交…");
    stopCamera().then(function () { form.submit(); });
  }

  function start() {
    if (scanner.isScanning) return;
    say("正在打开相机…");
    scanner.start(
      { facingMode: "environment" },
      { fps: 10, qrbox: function (w, h) { var s = Math.floor(Math.min(w, h) * 0.8); return { width: s, height: s }; } },
      submit,
      function () { /* no code in this frame */ }
    ).then(function () {
      say("请将班主任出示的二维码放入取景框内。");
    }).catch(function () {
      say("无法打开相机（未授权或不支持），请点“从相册选择”，选取二维码的照片。");
    });
  }

  document.getElementById("scan-start").addEventListener("click", start);
  document.getElementById("scan-file").addEventListener("change", function (event) {
    var file = event.target.files && event.target.files[0];
    if (!file) return;
    stopCamera().then(function () {
      say("正在识别图片…");
      return scanner.scanFile(file, false);
    }).then(submit).catch(function () {
      say("未能识别图片中的二维码，请换一张清晰的照片重试。");
    });
  });
  start();
})();
