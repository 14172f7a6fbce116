// One way to print a moment (pytake/dates.py says the same in Python, rule for rule):
// "12 min ago" while recent, else "4 Dec 2026, 13:53", in the reader's time zone, with the exact
// time and zone on hover. Every <time data-when datetime="ISO"> on the page is kept current.
(function () {
  "use strict";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var MINUTE = 60;
  var HOUR = 60 * MINUTE;
  var DAY = 24 * HOUR;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  // The server prints the next page in this zone too (TimeZoneMiddleware reads the cookie).
  document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";

  // Numbers only, assembled here: locales differ in month names ("Sept") and punctuation.
  var numeric = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });

  function exact(date, options) {
    var parts = {};
    numeric.formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    var text = Number(parts.day) + " " + MONTHS[Number(parts.month) - 1] + " " + parts.year +
      ", " + parts.hour + ":" + parts.minute;
    if (options && options.seconds) text += ":" + parts.second;
    if (options && options.zone) text += " (" + zone + ")";
    return text;
  }

  function relative(date, now) {
    var elapsed = Math.trunc(((now || new Date()) - date) / 1000);
    var ahead = elapsed < 0;
    elapsed = Math.abs(elapsed);
    var amount;
    if (elapsed < MINUTE) return "just now";
    if (elapsed < HOUR) amount = Math.floor(elapsed / MINUTE) + " min";
    else if (elapsed < DAY) amount = Math.floor(elapsed / HOUR) + " h";
    else return exact(date);
    return ahead ? "in " + amount : amount + " ago";
  }

  function renderOne(element, now) {
    var date = new Date(element.getAttribute("datetime"));
    if (isNaN(date)) return;
    element.textContent = relative(date, now);
    element.title = exact(date, { seconds: true, zone: true });
  }

  // Every moment inside `root` (the document by default), or `root` itself if it is one.
  function render(root) {
    var now = new Date();
    root = root || document;
    if (root.matches && root.matches("time[data-when]")) renderOne(root, now);
    root.querySelectorAll("time[data-when]").forEach(function (element) { renderOne(element, now); });
  }

  // A new <time> for an ISO moment, printed the same way.
  function element(isoTimestamp) {
    var time = document.createElement("time");
    time.dateTime = isoTimestamp;
    time.setAttribute("data-when", "");
    renderOne(time, new Date());
    return time;
  }

  window.PyTakeDates = { zone: zone, exact: exact, relative: relative, render: render, element: element };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { render(); });
  } else {
    render();
  }
  setInterval(render, 30000);
})();
