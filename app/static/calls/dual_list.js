/* Dual list of clusters (K-5): available on the left, chosen in order on the right.
   Progressive enhancement of the server-rendered form: the list writes the same
   rank_<id> fields the form posts without JavaScript, and the server checks everything
   again. Keyboard: Enter moves the selected clusters across, Alt+Up/Down reorders;
   every button is a real, labelled button and focus stays where the user works. */
(function () {
  "use strict";
  var root = document.getElementById("dual-list");
  var form = document.getElementById("choices-form");
  if (!root || !form) { return; }
  var available = document.getElementById("dl-available");
  var chosen = document.getElementById("dl-chosen");
  var table = document.getElementById("rank-table");
  var counter = document.getElementById("dl-counter");
  var saveButton = document.getElementById("save-choices");
  var finalButton = document.getElementById("final-submit");
  var dirtyHint = document.getElementById("dirty-hint");
  var declarations = form.querySelectorAll("input.declaration");
  var required = parseInt(root.getAttribute("data-required"), 10);
  var counterText = root.getAttribute("data-counter");

  table.hidden = true;
  root.hidden = false;

  function options(select) { return Array.prototype.slice.call(select.options); }

  function rankField(id) { return form.querySelector('input[name="rank_' + id + '"]'); }

  function sync(dirty) {
    options(available).forEach(function (o) { rankField(o.value).value = ""; });
    options(chosen).forEach(function (o, i) { rankField(o.value).value = String(i + 1); });
    counter.textContent = counterText.replace("{count}", String(chosen.options.length));
    if (dirty && finalButton) {
      finalButton.disabled = true;
      if (dirtyHint) { dirtyHint.hidden = false; }
    }
  }

  function sortByOrder(select) {
    options(select).sort(function (a, b) {
      return parseInt(a.getAttribute("data-order"), 10) - parseInt(b.getAttribute("data-order"), 10);
    }).forEach(function (o) { select.appendChild(o); });
  }

  function move(from, to, all) {
    var moving = options(from).filter(function (o) { return all || o.selected; });
    if (!moving.length) { return; }
    var first = moving[0].index;
    options(to).forEach(function (o) { o.selected = false; });
    moving.forEach(function (o) { to.appendChild(o); o.selected = false; });
    if (to === available) { sortByOrder(available); }
    var next = from.options[Math.min(first, from.options.length - 1)];
    if (next) { next.selected = true; }
    sync(true);
  }

  function shift(step) {
    var list = options(chosen);
    var i;
    if (step < 0) {
      for (i = 1; i < list.length; i++) {
        if (list[i].selected && !list[i - 1].selected) { chosen.insertBefore(list[i], list[i - 1]); list = options(chosen); }
      }
    } else {
      for (i = list.length - 2; i >= 0; i--) {
        if (list[i].selected && !list[i + 1].selected) { chosen.insertBefore(list[i + 1], list[i]); list = options(chosen); }
      }
    }
    sync(true);
  }

  function on(id, handler) {
    var button = document.getElementById(id);
    button.addEventListener("click", function (event) { event.preventDefault(); handler(); button.focus(); });
  }
  on("dl-right", function () { move(available, chosen, false); });
  on("dl-left", function () { move(chosen, available, false); });
  on("dl-all-right", function () { move(available, chosen, true); });
  on("dl-all-left", function () { move(chosen, available, true); });
  on("dl-up", function () { shift(-1); });
  on("dl-down", function () { shift(1); });

  available.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); move(available, chosen, false); available.focus(); }
  });
  chosen.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === "Delete") { event.preventDefault(); move(chosen, available, false); chosen.focus(); }
    else if (event.altKey && event.key === "ArrowUp") { event.preventDefault(); shift(-1); }
    else if (event.altKey && event.key === "ArrowDown") { event.preventDefault(); shift(1); }
  });
  available.addEventListener("dblclick", function () { move(available, chosen, false); });
  chosen.addEventListener("dblclick", function () { move(chosen, available, false); });

  // "Save choices" only when every declaration is accepted (K-5).
  function declarationsAccepted() {
    return Array.prototype.every.call(declarations, function (box) { return box.checked; });
  }
  function updateSave() { saveButton.disabled = !declarationsAccepted(); }
  Array.prototype.forEach.call(declarations, function (box) { box.addEventListener("change", updateSave); });
  updateSave();
  sync(false);

  // "Final submission": a Yes/No dialog (K-7); "No" leaves everything as it is.
  var finalForm = document.getElementById("final-form");
  var dialog = document.getElementById("confirm-final");
  if (finalForm && dialog && typeof dialog.showModal === "function") {
    finalForm.addEventListener("submit", function (event) {
      if (document.getElementById("final-confirm").value === "yes") { return; }
      event.preventDefault();
      dialog.showModal();
      document.getElementById("confirm-no").focus();
    });
    document.getElementById("confirm-yes").addEventListener("click", function () {
      document.getElementById("final-confirm").value = "yes";
      document.getElementById("confirm-yes").disabled = true;
      finalForm.submit();
    });
    document.getElementById("confirm-no").addEventListener("click", function () {
      dialog.close();
      finalButton.focus();
    });
  }
}());
