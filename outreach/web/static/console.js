// Board drag and drop: dropping a card on a column presses that card's own button for the
// column's stage, so only the moves the server offered (the legal ones) can be made, and the
// move goes through the same form and checks as the button. No inline script (the CSP
// forbids it); re-bound after each htmx swap.
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll(".card[draggable=true]").forEach(function (card) {
      card.addEventListener("dragstart", function (ev) {
        ev.dataTransfer.setData("text/plain", card.id);
      });
    });
    root.querySelectorAll(".column").forEach(function (column) {
      column.addEventListener("dragover", function (ev) {
        ev.preventDefault();
        column.classList.add("over");
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("over");
      });
      column.addEventListener("drop", function (ev) {
        ev.preventDefault();
        column.classList.remove("over");
        var card = document.getElementById(ev.dataTransfer.getData("text/plain"));
        if (!card) { return; }
        var button = card.querySelector('button.move[data-to="' + column.dataset.stage + '"]');
        var warning = document.getElementById("illegal");
        if (!button) {
          if (warning) { warning.classList.remove("hidden"); }
          return;
        }
        if (warning) { warning.classList.add("hidden"); }
        button.click();
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { bind(ev.target); });
})();
