// On a phone the admin's tables are cards (admin-health.css): each cell says its column's name,
// copied here from the table's header, since the header row itself is hidden there.
(function () {
  "use strict";

  function label(table) {
    var names = Array.prototype.map.call(
      table.querySelectorAll("thead th"),
      function (th) { return th.textContent.replace(/\s+/g, " ").trim(); }
    );
    if (!names.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (names[index] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[index]);
      });
    });
  }

  function start() {
    document.querySelectorAll("#result_list, .health-section table, table.delivery-headers").forEach(label);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
