// Sort the scoreboard table by the column whose heading is clicked. No library, no network.
// A cell's data-sort holds its sort key (a number, or text); an empty key sorts last either way.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function sortKey(cell, numeric) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    if (raw === "") return null;
    return numeric ? parseFloat(raw) : raw.toLocaleLowerCase();
  }

  function compare(a, b, direction) {
    if (a === null && b === null) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (a < b) return -direction;
    if (a > b) return direction;
    return 0;
  }

  function sortTable(table, column, direction) {
    var headers = table.tHead.rows[0].cells;
    var numeric = headers[column].getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      return { row: row, key: sortKey(row.cells[column], numeric), index: index };
    });
    keyed.sort(function (a, b) {
      return compare(a.key, b.key, direction) || a.index - b.index;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    for (var i = 0; i < headers.length; i++) {
      headers[i].removeAttribute("aria-sort");
    }
    headers[column].setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
  }

  function init(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, column) {
      var button = header.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var current = header.getAttribute("aria-sort");
        var first = header.getAttribute("data-first") === "descending" ? -1 : 1;
        var direction = current === "ascending" ? -1 : current === "descending" ? 1 : first;
        sortTable(table, column, direction);
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), init);
})();
