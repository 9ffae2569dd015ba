// The weekly schedule editor's "Add a range" button. Without this script the page still works:
// it always offers a few empty rows. With it, each click adds one more, numbered after the last
// (Django's formset counts its rows in the TOTAL_FORMS field).
"use strict";
document.querySelectorAll(".schedule-editor").forEach(function (editor) {
  var button = editor.querySelector("[data-schedule-add]");
  var template = editor.querySelector("template[data-schedule-empty]");
  var rows = editor.querySelector("[data-schedule-rows]");
  var total = editor.querySelector("input[name$='-TOTAL_FORMS']");
  if (!button || !template || !rows || !total) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var added = rows.querySelector("select[name$='-" + index + "-weekday']");
    if (added) {
      added.focus();
    }
  });
});
