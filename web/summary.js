/* The appointment summary on the chat page (issue 19, item 3).

   The Rasa server sends the summary as one message whose bubble has the class
   "her2-summary" (channels/web_output.py). This adds two buttons under it: "Print or save
   as PDF" (the browser's print dialogue, where "Save as PDF" is one of the printers)
   and "Copy" (the summary's text to the clipboard). What is printed is the summary
   alone: the latest one is kept in #her2-summary-print, the only thing summary.css
   shows in print (so the browser's own Print command prints it too); "Print or save
   as PDF" under an earlier summary puts that one there first. */
(function () {
  "use strict";

  var SUMMARY = "her2-summary";
  var PRINT_AREA_ID = "her2-summary-print";

  function printArea() {
    var area = document.getElementById(PRINT_AREA_ID);
    if (!area) {
      area = document.createElement("section");
      area.id = PRINT_AREA_ID;
      area.setAttribute("aria-label", "Summary for printing");
      document.body.appendChild(area);
    }
    return area;
  }

  function summaryText(bubble) {
    return (bubble.innerText || "").trim();
  }

  function toPrint(bubble) {
    printArea().textContent = summaryText(bubble);
    document.body.classList.add("her2-has-summary");
  }

  function say(status, text) {
    status.textContent = "";
    // A fresh text each time, so screen readers announce a second "Copied" too.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "her2-offscreen";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  function copy(bubble, status) {
    var text = summaryText(bubble);
    var failed = "Sorry, I couldn't copy it. Please select the summary's text and copy it.";
    function fallback() {
      say(status, copyWithSelection(text) ? "Copied" : failed);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(status, "Copied"); },
                                               fallback);
    } else {
      fallback();
    }
  }

  function button(label, onClick) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = "her2-summary-button";
    el.textContent = label;
    el.addEventListener("click", function (event) {
      event.stopPropagation();
      onClick();
    });
    return el;
  }

  function addActions(bubble) {
    var next = bubble.nextElementSibling;
    if (next && next.classList.contains("her2-summary-actions")) return;
    var bar = document.createElement("div");
    bar.className = "her2-summary-actions";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Your appointment summary");
    var status = document.createElement("span");
    status.className = "her2-summary-status";
    status.setAttribute("role", "status");
    bar.appendChild(button("Print or save as PDF", function () {
      toPrint(bubble);
      window.print();
    }));
    bar.appendChild(button("Copy", function () { copy(bubble, status); }));
    bar.appendChild(status);
    // Beside the bubble, not in it: the bubble keeps the summary's text alone.
    bubble.insertAdjacentElement("afterend", bar);
  }

  function update(root) {
    var bubbles = root.querySelectorAll(".rw-response." + SUMMARY);
    bubbles.forEach(addActions);
    if (bubbles.length) toPrint(bubbles[bubbles.length - 1]);
  }

  window.HER2Chat.onChange(update);  // web/chat.js
})();
