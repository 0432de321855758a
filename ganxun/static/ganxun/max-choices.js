// Questions with a maximum number of choices (多选、培训内容偏好): once the maximum is ticked, the other
// boxes are disabled until one is unticked, and the count is shown. The server checks it again.
(function () {
  function update(box) {
    var max = parseInt(box.dataset.maxChoices, 10);
    var inputs = box.querySelectorAll('input[type="checkbox"]');
    var chosen = box.querySelectorAll('input[type="checkbox"]:checked').length;
    inputs.forEach(function (input) { input.disabled = !input.checked && chosen >= max; });
    var counter = box.querySelector("[data-choice-count]");
    if (counter) counter.textContent = "已选 " + chosen + "/" + max + " 项";
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-max-choices]").forEach(function (box) {
      if (box.closest("fieldset[disabled]")) return;
      box.addEventListener("change", function () { update(box); });
      update(box);
    });
  });
})();
