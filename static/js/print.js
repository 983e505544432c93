/* The "Print" button of a printable page (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var button = document.getElementById("print-letter");
  if (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }
})();
