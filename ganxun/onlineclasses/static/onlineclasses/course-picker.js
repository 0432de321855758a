// The course picker of a themed class's form: search results (htmx) offer 加为必修 / 加为选修; an
// added course becomes a row of the chosen table (course_<id>, order_<id>, posted with the form);
// 移除 drops the row. The server checks every posted course again on save.
(function () {
  function rows() { return document.querySelectorAll("#chosen-courses tbody tr[data-course-id]"); }

  function nextOrder() {
    var max = 0;
    rows().forEach(function (tr) {
      var value = parseInt(tr.querySelector('input[name^="order_"]').value, 10);
      if (value > max) max = value;
    });
    return max + 1;
  }

  function markAdded(id) {
    var result = document.querySelector('[data-result-course="' + id + '"] [data-add-buttons]');
    if (!result) return;
    var badge = document.createElement("span");
    badge.className = "badge bg-green-lt course-added";
    badge.textContent = "已加入";
    result.replaceWith(badge);
  }

  function addRow(button) {
    var id = button.dataset.addCourse;
    var body = document.querySelector("#chosen-courses tbody");
    if (body.querySelector('tr[data-course-id="' + id + '"]')) { markAdded(id); return; }
    var tr = document.getElementById("course-row-template").content.firstElementChild.cloneNode(true);
    tr.dataset.courseId = id;
    var label = tr.querySelector('[data-slot="title"]');
    label.textContent = button.dataset.title; label.htmlFor = "course_" + id;
    var badge = tr.querySelector('[data-slot="badge"]');
    if (button.dataset.requiredCourse || button.dataset.series) {
      var b = document.createElement("span");
      b.className = button.dataset.requiredCourse ? "badge bg-blue-lt" : "badge";
      b.textContent = button.dataset.requiredCourse ? "公共必修" : button.dataset.series;
      badge.append(b);
    }
    tr.querySelector('input[name="chosen"]').value = id;
    tr.querySelector('[data-slot="owner"]').textContent = button.dataset.owner;
    tr.querySelector('[data-slot="minutes"]').textContent = button.dataset.minutes;
    var select = tr.querySelector("select");
    select.name = select.id = "course_" + id; select.value = button.dataset.kind;
    var order = tr.querySelector('input[type="number"]');
    order.name = "order_" + id; order.value = nextOrder();
    order.setAttribute("aria-label", button.dataset.title + "的序号");
    tr.querySelector("[data-remove-course]").setAttribute("aria-label", "移除" + button.dataset.title);
    body.insertBefore(tr, body.querySelector("[data-empty-row]"));
    body.querySelector("[data-empty-row]").hidden = true;
    markAdded(id);
  }

  // Enter in the search box searches; it must not submit the class form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "course-search") event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-course]");
    if (add) { addRow(add); return; }
    var remove = event.target.closest("[data-remove-course]");
    if (remove) {
      remove.closest("tr").remove();
      document.querySelector("#chosen-courses [data-empty-row]").hidden = rows().length > 0;
      // Refresh the results so the removed course can be added again.
      if (window.htmx) window.htmx.trigger("#course-search", "search");
    }
  });
})();
