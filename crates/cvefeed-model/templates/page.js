(function () {
  "use strict";
  var table = document.getElementById("cves");
  var controls = document.getElementById("controls");
  if (!table || !controls || !table.tBodies.length) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);

  var label = document.createElement("label");
  label.htmlFor = "status-filter";
  label.textContent = "Show";
  var select = document.createElement("select");
  select.id = "status-filter";
  [["all", "all CVEs"], ["attention", "without a published fix"], ["open", "open"],
   ["unfixed", "unfixed"], ["unknown", "unknown"], ["fixed", "fixed"], ["rejected", "rejected"]].forEach(function (o) {
    var option = document.createElement("option");
    option.value = o[0];
    option.textContent = o[1];
    select.appendChild(option);
  });
  select.addEventListener("change", function () {
    var want = select.value;
    rows.forEach(function (row) {
      var status = row.getAttribute("data-status");
      var show = want === "all" ||
        (want === "attention" ? row.classList.contains("attention") : status === want);
      row.hidden = !show;
    });
  });
  controls.appendChild(label);
  controls.appendChild(select);

  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, column) {
    var key = th.getAttribute("data-key");
    if (!key) return;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var descending = th.getAttribute("aria-sort") !== "descending";
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var value = function (row) { return row.cells[column].getAttribute("data-sort") || ""; };
      rows.sort(function (a, b) {
        var x = value(a), y = value(b);
        var order = key === "severity" ? parseFloat(x) - parseFloat(y) : (x < y ? -1 : x > y ? 1 : 0);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
