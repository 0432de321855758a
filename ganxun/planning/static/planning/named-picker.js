// The named list of a survey: search results (htmx) offer 添加; an added cadre becomes a chip
// carrying a hidden input named_cadres; 移除 drops it. The form checks the ids again on save.
(function () {
  function chip(id, label, unit) {
    var span = document.createElement("span");
    span.className = "badge bg-blue-lt named-chip";
    span.dataset.cadreId = id;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "named_cadres"; input.value = id;
    var small = document.createElement("span");
    small.className = "text-secondary ms-1"; small.textContent = unit;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close ms-1"; close.dataset.removeChip = "";
    close.setAttribute("aria-label", "移除" + label);
    span.append(input, document.createTextNode(label), small, close);
    return span;
  }
  // Enter in the search box searches; it must not submit the survey form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "named-search") event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-cadre]");
    if (add) {
      var chips = document.getElementById("named-chips");
      var id = add.dataset.addCadre;
      if (!chips.querySelector('[data-cadre-id="' + id + '"]')) chips.append(chip(id, add.dataset.label, add.dataset.unit));
      add.disabled = true; add.textContent = "已添加";
      return;
    }
    var remove = event.target.closest("[data-remove-chip]");
    if (remove) remove.closest(".named-chip").remove();
  });
})();
