// The new-appointment form, made quicker; it works the same without this script.
// - The SMS box follows the chosen type, the sync box and calendar the chosen practitioner
//   (their defaults, from the JSON the page carries), until staff tick or untick them by hand.
// - Typing in "Find a patient" refreshes the patient list, from the same page (GET), and picks
//   "An existing patient".
(function () {
  "use strict";
  var form = document.querySelector("form.appointment-form");
  var data = document.getElementById("appointment-defaults");
  if (!form || !data) return;
  var defaults = JSON.parse(data.textContent);
  var touched = {};

  function box(name) { return form.elements.namedItem(name); }
  ["sms_reminder", "sync_external", "target_calendar"].forEach(function (name) {
    var element = box(name);
    if (element) element.addEventListener("change", function () { touched[name] = true; });
  });
  function set(name, value) {
    var element = box(name);
    if (!element || touched[name]) return;
    if (element.type === "checkbox") element.checked = !!value; else element.value = value;
  }
  var kind = box("appointment_type");
  if (kind) kind.addEventListener("change", function () {
    var found = defaults.types[kind.value];
    if (found) set("sms_reminder", found.sms);
  });
  var practitioner = box("practitioner");
  if (practitioner) practitioner.addEventListener("change", function () {
    var found = defaults.practitioners[practitioner.value];
    if (!found) return;
    set("sync_external", found.sync);
    set("target_calendar", found.calendar);
  });

  var search = document.getElementById("patient-q");
  var picker = box("patient");
  if (!search || !picker) return;
  var timer = null;
  var asked = 0;
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
  function refresh() {
    var url = new URL(window.location.href);
    url.searchParams.set("patient_q", search.value);
    var mine = ++asked;
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== asked) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("form.appointment-form select[name=patient]");
        if (!fresh) return;
        var chosen = picker.value;
        picker.innerHTML = fresh.innerHTML;
        if (chosen && picker.querySelector('option[value="' + chosen + '"]')) picker.value = chosen;
        else if (picker.options.length === 2) picker.selectedIndex = 1;
        var existing = form.querySelector("input[name=patient_mode][value=existing]");
        if (existing) existing.checked = true;
      })
      .catch(function () { /* the Search button still works */ });
  }
})();
