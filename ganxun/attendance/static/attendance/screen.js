// Check-in screen: the countdown under the rotating QR code, full-screen display, and the
// "更正" buttons of the live list, which pick the cadre in the correction form below it.
(function () {
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (node) {
      var left = parseInt(node.getAttribute("data-countdown"), 10) - 1;
      if (left < 0) left = 0;
      node.setAttribute("data-countdown", String(left));
      node.textContent = String(left);
    });
  }
  setInterval(tick, 1000);

  document.addEventListener("click", function (event) {
    var full = event.target.closest("[data-fullscreen]");
    if (full) {
      var target = document.querySelector(full.getAttribute("data-fullscreen"));
      if (target && target.requestFullscreen) target.requestFullscreen();
      return;
    }
    var correct = event.target.closest("[data-correct]");
    if (correct) {
      var form = document.getElementById("correct-form");
      if (!form) return;
      form.querySelector("[name=enrollment]").value = correct.getAttribute("data-correct");
      form.scrollIntoView({ behavior: "smooth", block: "center" });
      form.querySelector("[name=reason]").focus();
    }
  });
})();
