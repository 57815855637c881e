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
