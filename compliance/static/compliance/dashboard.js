// Enhancement only: a "Copy citation" button next to the citation, where the browser
// allows writing to the clipboard. Without JavaScript the citation is plain selectable text.
(function () {
  "use strict";
  var citation = document.getElementById("citation");
  if (!citation || !navigator.clipboard) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "copy-citation";
  button.textContent = "Copy citation";
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(citation.textContent.replace(/\s+/g, " ").trim()).then(
      function () { button.textContent = "Copied"; },
      function () { button.textContent = "Copy failed; select the text instead"; }
    );
  });
  citation.insertAdjacentElement("afterend", button);
})();

// Enhancement only: picking two points of a timeline chart fills the "Compare two dates"
// form (the form works without JavaScript). The earlier date goes first.
(function () {
  "use strict";
  var form = document.getElementById("compare-form");
  var chart = document.getElementById("timeline");
  if (!form || !chart) { return; }
  var from = document.getElementById("compare-from");
  var to = document.getElementById("compare-to");
  var picked = [];
  function pick(point) {
    var day = point.getAttribute("data-date");
    if (!day) { return; }
    picked.push(point);
    point.classList.add("picked");
    if (picked.length > 2) { picked.shift().classList.remove("picked"); }
    var days = picked.map(function (p) { return p.getAttribute("data-date"); }).sort();
    from.value = days[0];
    to.value = days[days.length - 1];
    if (picked.length === 2) { form.querySelector("button").focus(); }
  }
  chart.addEventListener("click", function (event) {
    var point = event.target.closest ? event.target.closest(".point") : null;
    if (point) { pick(point); }
  });
  chart.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("point")) {
      event.preventDefault();
      pick(event.target);
    }
  });
})();
