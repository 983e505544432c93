/* After htmx swaps in another week of slots, keep keyboard and screen-reader users oriented:
   announce the new week in a live region that stays on the page, and move focus to the
   week's heading (the link that had focus was replaced by the swap). */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var current = document.querySelector("#slots .date-switch__current");
    if (!current) {
      return;
    }
    var status = document.getElementById("slots-status");
    if (status) {
      status.textContent = current.textContent;
    }
    current.focus();
  });
})();
