// Improves the pages when JavaScript runs; they work without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init();
    }
    // After a refused form, put the keyboard focus on the error summary so it is read out first.
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
