/* The agenda page: the vendored EventCalendar fed by GET /api/practices/<slug>/agenda.
 *
 * The calendar draws "floating" wall-clock times: the API gives ISO times in the practice's zone
 * and the offset is dropped here, so 09:00 in the practice is drawn at 09:00 whatever the
 * browser's zone. Going back (a range to fetch, a drop to save), the wall clock is turned into
 * an instant with the practice's zone through Intl, daylight-saving changes included.
 * Everything the script needs comes from data-* attributes of #agenda (CSP: no inline script).
 */
(function () {
  "use strict";

  var root = document.getElementById("agenda");
  if (!root || !window.EventCalendar) {
    return;
  }
  var data = root.dataset;
  var zone = data.zone;
  var statusLine = document.querySelector(".agenda-status");
  var overlapLine = document.querySelector(".agenda-overlap");
  var openRanges = [];
  var shownResources = "";
  var calendar;

  // --- time: wall clock in the practice's zone <-> instants ---------------------------------

  var partsFormat = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit"
  });

  function offsetMinutes(instant) {
    var parts = {};
    partsFormat.formatToParts(new Date(instant)).forEach(function (part) {
      parts[part.type] = +part.value;
    });
    var asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return Math.round((asUtc - instant) / 60000);
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  /* The wall clock the calendar shows (a Date whose local fields are the practice's time). */
  function wallText(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  /* That wall clock as a UTC instant, ISO 8601. */
  function instantOf(date) {
    var wall = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate(),
      date.getHours(), date.getMinutes(), date.getSeconds());
    var guess = wall - offsetMinutes(wall) * 60000;
    guess = wall - offsetMinutes(guess) * 60000;
    return new Date(guess).toISOString();
  }

  function offsetText(minutes) {
    var sign = minutes < 0 ? "-" : "+";
    minutes = Math.abs(minutes);
    return sign + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  function floating(iso) {
    return iso.slice(0, 19);
  }

  // --- messages ------------------------------------------------------------------------------

  function say(text) {
    statusLine.textContent = text;
  }

  function hideOverlap() {
    overlapLine.hidden = true;
    overlapLine.retry = null;
  }

  // --- data ----------------------------------------------------------------------------------

  function readableText(color) {
    var value = parseInt((color || "#3b82f6").slice(1), 16);
    var r = (value >> 16) & 255, g = (value >> 8) & 255, b = value & 255;
    return (0.299 * r + 0.587 * g + 0.114 * b) > 160 ? "#111827" : "#ffffff";
  }

  function toEvents(answer) {
    var events = [];
    answer.appointments.forEach(function (item, index) {
      events.push({
        id: item.id ? "a:" + item.id : "busy:" + index,
        resourceIds: [item.practitioner_id],
        start: floating(item.start),
        end: floating(item.end),
        title: item.title,
        backgroundColor: item.color,
        textColor: readableText(item.color),
        editable: item.editable,
        classNames: ["agenda-appointment", "agenda-" + item.status],
        extendedProps: {kind: "appointment", url: item.url, moveUrl: item.move_url}
      });
    });
    answer.personal_events.forEach(function (item, index) {
      events.push({
        id: "p:" + item.id + ":" + index,
        resourceIds: [item.practitioner_id],
        start: floating(item.start),
        end: floating(item.end),
        title: item.title,
        editable: false,
        classNames: ["agenda-personal"],
        extendedProps: {kind: "personal", url: item.url}
      });
    });
    answer.working_hours.forEach(function (item) {
      events.push({
        resourceIds: [item.practitioner_id],
        start: floating(item.start),
        end: floating(item.end),
        display: "background",
        classNames: ["agenda-open"]
      });
    });
    return events;
  }

  function showResources(resources) {
    var key = resources.map(function (r) { return r.id; }).join(",");
    if (key === shownResources) {
      return;
    }
    shownResources = key;
    fitWidth(calendar.getView());
    calendar.setOption("resources", resources.map(function (r) {
      return {id: r.id, title: r.name, extendedProps: {editable: r.editable}};
    }));
  }

  function fetchEvents(info, success, failure) {
    var query = new URLSearchParams({start: instantOf(info.start), end: instantOf(info.end)});
    if (data.chosen) {
      data.chosen.split(",").forEach(function (id) { query.append("practitioner", id); });
    }
    if (data.center) {
      query.append("center", data.center);
    }
    fetch(data.api + "?" + query.toString(), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        openRanges = answer.working_hours;
        showResources(answer.resources);
        success(toEvents(answer));
      })
      .catch(function (error) {
        say(data.textFailed);
        failure(error);
      });
  }

  // --- clicks --------------------------------------------------------------------------------

  /* The center a practitioner works at, at that wall clock, if the schedule says. */
  function centerAt(practitionerId, text) {
    if (data.center) {
      return data.center;
    }
    for (var i = 0; i < openRanges.length; i++) {
      var range = openRanges[i];
      if (String(range.practitioner_id) === String(practitionerId) &&
          floating(range.start).slice(0, 16) <= text && text < floating(range.end).slice(0, 16)) {
        return String(range.center_id);
      }
    }
    return "";
  }

  function onDateClick(info) {
    if (info.allDay) {
      // The month view: open that day.
      calendar.setOption("date", info.date);
      calendar.setOption("view", "resourceTimeGridDay");
      return;
    }
    var resource = info.resource;
    if (!data.newUrl || !resource || !resource.extendedProps.editable) {
      return;
    }
    var start = wallText(info.date);
    var query = new URLSearchParams({practitioner: resource.id, start: start});
    var center = centerAt(resource.id, start);
    if (center) {
      query.set("center", center);
    }
    window.location.assign(data.newUrl + "?" + query.toString());
  }

  function onEventClick(info) {
    var url = info.event.extendedProps.url;
    if (url) {
      window.location.assign(url);
    }
  }

  // --- moves ---------------------------------------------------------------------------------

  function csrfHeaders() {
    return {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": data.csrf};
  }

  function move(event, practitionerId, allowOverlap) {
    var body = {
      start: instantOf(event.start),
      end: instantOf(event.end),
      practitioner_id: practitionerId ? +practitionerId : null,
      allow_overlap: allowOverlap
    };
    return fetch(event.extendedProps.moveUrl, {
      method: "POST", credentials: "same-origin", headers: csrfHeaders(), body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return {status: response.status, answer: answer};
      });
    });
  }

  function onChange(info) {
    hideOverlap();
    var resourceId = info.newResource ? info.newResource.id : null;
    var event = info.event;
    move(event, resourceId, false).then(function (result) {
      if (result.status === 200) {
        say(data.textMoved);
        return;
      }
      info.revert();
      say(data.textRefused + " " + (result.answer.detail || result.status));
      if (result.status === 409 && data.canOverbook === "1") {
        overlapLine.hidden = false;
        overlapLine.retry = function () {
          move(event, resourceId, true).then(function (again) {
            hideOverlap();
            if (again.status === 200) {
              say(data.textMoved);
            } else {
              say(data.textRefused + " " + (again.answer.detail || again.status));
            }
            calendar.refetchEvents();
          });
        };
      }
    }).catch(function () {
      info.revert();
      say(data.textFailed);
    });
  }

  overlapLine.querySelector(".agenda-allow-overlap").addEventListener("click", function () {
    if (overlapLine.retry) {
      overlapLine.retry();
    }
  });
  overlapLine.querySelector(".agenda-dismiss").addEventListener("click", function () {
    hideOverlap();
    say("");
  });

  // --- the calendar --------------------------------------------------------------------------

  /* Enough room for each column (practitioner x day) to read a name; the wrapper scrolls. */
  function fitWidth(view) {
    var days = {resourceTimeGridDay: 1, resourceTimeGridWeek: 7}[view.type];
    var columns = days ? days * Math.max(1, shownResources.split(",").length) : 7;
    root.style.setProperty("--agenda-min-width", days ? (3 + columns * 6) + "rem" : "0");
  }

  function remember(info) {
    fitWidth(info.view);
    var names = {resourceTimeGridDay: "day", resourceTimeGridWeek: "week", dayGridMonth: "month"};
    var place = {view: names[info.view.type] || "week", date: wallText(info.view.currentStart).slice(0, 10)};
    var url = new URL(window.location.href);
    Object.keys(place).forEach(function (name) {
      url.searchParams.set(name, place[name]);
      // The choice of columns keeps the view and the dates shown.
      var field = document.querySelector(".agenda-choice input[name=" + name + "]");
      if (field) {
        field.value = place[name];
      }
    });
    window.history.replaceState(null, "", url.toString());
  }

  calendar = window.EventCalendar.create(root, {
    view: data.view,
    date: data.date,
    timeZone: offsetText(offsetMinutes(Date.now())),
    locale: document.documentElement.lang || "en",
    firstDay: 1,
    height: "auto",
    slotMinTime: "07:00",
    slotMaxTime: "21:00",
    flexibleSlotTimeLimits: true,
    slotDuration: "00:15",
    slotLabelInterval: "01:00",
    allDaySlot: false,
    nowIndicator: true,
    dayMaxEvents: true,
    editable: false,
    eventResizableFromStart: false,
    headerToolbar: {start: "prev,next today", center: "title", end: "resourceTimeGridDay,resourceTimeGridWeek,dayGridMonth"},
    buttonText: function (text) {
      text.resourceTimeGridDay = data.textDay;
      text.resourceTimeGridWeek = data.textWeek;
      text.dayGridMonth = data.textMonth;
      text.today = data.textToday;
      return text;
    },
    resources: [],
    eventSources: [{events: fetchEvents}],
    dateClick: onDateClick,
    eventClick: onEventClick,
    eventDrop: onChange,
    eventResize: onChange,
    datesSet: remember
  });
})();
