// Copy buttons of the access code card: shown only when the browser can copy (without
// JavaScript the code is plain text to select). The card may be swapped in by htmx.
(function () {
  "use strict";
  function reveal(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("button.copy-button[hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function (event) { reveal(event.target); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy-button");
    if (!button) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var card = button.closest(".access-code");
      var status = card && card.querySelector(".copy-status");
      if (status) status.textContent = button.dataset.copied;
      button.textContent = button.dataset.copied;
    });
  });
})();
