// Say so when the browser's time zone is not the practice's: the slots are in the practice's.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
  if (!zone) { return; }
  document.querySelectorAll("[data-practice-zone]").forEach(function (note) {
    if (note.getAttribute("data-practice-zone") !== zone) {
      note.querySelectorAll("[data-browser-zone]").forEach(function (span) { span.textContent = zone; });
      note.hidden = false;
    }
  });
})();
