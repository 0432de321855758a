// Course test and reflection pages: the countdown that submits the paper at 0:00 (the server
// keeps the real deadline and grades a late paper as overdue), and the reflection's length
// counter (characters without whitespace, as the server counts them).
(function () {
  "use strict";
  var countdown = document.getElementById("countdown");
  var paper = document.getElementById("paper");
  if (countdown && paper) {
    var end = Date.now() + parseInt(countdown.getAttribute("data-seconds"), 10) * 1000;
    var sent = false;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      countdown.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 60) countdown.parentNode.classList.add("bg-red-lt");
      if (left === 0 && !sent) { sent = true; paper.submit(); }
    };
    paper.addEventListener("submit", function () { sent = true; });
    tick();
    setInterval(tick, 1000);
  }
  var areas = document.querySelectorAll("textarea[data-min-length]");
  Array.prototype.forEach.call(areas, function (area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    var min = parseInt(area.getAttribute("data-min-length"), 10);
    var update = function () {
      var n = area.value.replace(/\s/g, "").length;
      counter.textContent = "已写 " + n + " 字" + (n < min ? "，还差 " + (min - n) + " 字" : "，已达到要求");
      counter.classList.toggle("text-danger", n < min);
    };
    area.addEventListener("input", update);
    update();
  });
})();
