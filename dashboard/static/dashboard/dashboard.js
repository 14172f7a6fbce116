// PyTake dashboard: live updates over ws/updates/, acknowledge buttons. Plain JavaScript.
// Messages follow the live-updates format: each has type, id, organization_id, timestamp.
(function () {
  "use strict";

  var script = document.currentScript;
  var organizationId = script.dataset.organization;
  var sectionsUrl = script.dataset.sectionsUrl;
  var acknowledgeUrl = script.dataset.acknowledgeUrl;
  var unpauseUrl = script.dataset.unpauseUrl;
  var badges = JSON.parse(document.getElementById("badge-vocabulary").textContent);
  var liveState = document.getElementById("live-state");
  var announcer = document.getElementById("announcer");
  var pageQuery = new URLSearchParams(window.location.search);

  // --- The page's sections, reloaded from the server as fragments ------------------------------

  var pendingSections = {};
  var refreshTimer = null;

  function refreshSoon(names) {
    names.forEach(function (name) { pendingSections[name] = true; });
    clearTimeout(refreshTimer);
    // Coalesce a burst of messages (a batch of changes) into one reload per section.
    refreshTimer = setTimeout(function () {
      var names = Object.keys(pendingSections);
      pendingSections = {};
      names.forEach(refreshSection);
    }, 150);
  }

  function refreshSection(name) {
    var section = document.querySelector('[data-section="' + name + '"]');
    if (!section) return;
    var url = sectionsUrl.replace("NAME", name) + window.location.search;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var hadFocus = section.contains(document.activeElement);
        section.innerHTML = html;
        if (hadFocus) {
          var heading = section.querySelector("h2");
          if (heading) heading.focus();
        }
      })
      .catch(function () { /* the next message or reconnect reloads it */ });
  }

  // --- Rows changed in place from a message ----------------------------------------------------

  function setBadge(cell, kind, value) {
    var entry = badges[kind][value];
    var badge = cell && cell.querySelector(".badge");
    if (!entry || !badge) return;
    badge.textContent = entry.label;
    badge.className = "badge badge--" + entry.tone;
  }

  // The server's `date:"j M Y, H:i e"` in UTC ("4 Dec 2026, 13:23 UTC"), so a row changed live
  // reads like the rows the server rendered, whatever the browser's locale or time zone.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function twoDigits(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function formatServerTime(isoTimestamp) {
    var when = new Date(isoTimestamp);
    return when.getUTCDate() + " " + MONTHS[when.getUTCMonth()] + " " + when.getUTCFullYear() +
      ", " + twoDigits(when.getUTCHours()) + ":" + twoDigits(when.getUTCMinutes()) + " UTC";
  }

  function updateTemplateRow(message) {
    var row = document.querySelector('tr[data-template-id="' + message.template_id + '"]');
    if (!row) {
      refreshSoon(["templates"]);
      return;
    }
    if (message.status) setBadge(row.querySelector('[data-cell="status"]'), "status", message.status);
    if (message.quality_score) {
      setBadge(row.querySelector('[data-cell="quality"]'), "quality", message.quality_score);
    }
    if (typeof message.why === "string") {
      row.querySelector('[data-cell="reason"]').textContent = message.why;
    }
    var lastEvent = row.querySelector('[data-cell="last-event"]');
    if (lastEvent && message.timestamp) {
      var time = document.createElement("time");
      time.dateTime = message.timestamp;
      time.textContent = formatServerTime(message.timestamp);
      lastEvent.replaceChildren(time);
    }
    row.classList.remove("changed");
    void row.offsetWidth; // restart the highlight
    row.classList.add("changed");
    var entry = message.status && badges.status[message.status];
    if (entry) announce((message.name || "A template") + " is now " + entry.label + ".");
  }

  function announce(text) {
    announcer.textContent = text;
  }

  // A template's change raises or resolves its alerts in the same transaction, so its message
  // reloads the alerts too, whether or not an alert message follows.
  var handlers = {
    "template.status_changed": function (m) {
      updateTemplateRow(m);
      refreshSoon(["critical", "campaigns", "alerts"]);
    },
    "template.quality_changed": function (m) {
      updateTemplateRow(m);
      refreshSoon(["critical", "alerts"]);
    },
    "template.category_changed": function () { refreshSoon(["templates"]); },
    "campaigns.paused": function () { refreshSoon(["campaigns"]); },
    "campaigns.resumed": function () { refreshSoon(["campaigns"]); },
    "campaigns.switched": function () { refreshSoon(["campaigns", "critical"]); },
    "alert.created": function () { refreshSoon(["alerts"]); },
    "alert.updated": function () { refreshSoon(["alerts"]); },
    "alert.acknowledged": function () { refreshSoon(["alerts"]); },
    "alert.resolved": function () { refreshSoon(["alerts"]); },
    // A number's or account's news may change what every template of it can do.
    "sending_path.changed": function () {
      refreshSoon(["sending_path", "critical", "campaigns", "alerts"]);
    },
  };

  // --- The socket: indicator, reconnect with backoff, resume from the last id ------------------

  var socket = null;
  // The newest message the page already reflects: any later one is asked for on connecting.
  var lastId = script.dataset.lastMessageId ? Number(script.dataset.lastMessageId) : null;
  var attempts = 0;
  var pingTimer = null;
  var everConnected = false;

  function showState(state, text) {
    liveState.dataset.state = state;
    liveState.querySelector(".live-text").textContent = text;
  }

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var query = pageQuery.get("organization")
      ? "?organization=" + encodeURIComponent(pageQuery.get("organization"))
      : "";
    return scheme + window.location.host + "/ws/updates/" + query;
  }

  function connect() {
    showState(everConnected ? "reconnecting" : "connecting",
      everConnected ? "Live updates: reconnecting…" : "Live updates: connecting…");
    socket = new WebSocket(socketUrl());
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", onClose);
  }

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (error) { return; }
    if (message.type === "hello") {
      attempts = 0;
      if (lastId === null) {
        lastId = message.last_id;
      } else if (message.last_id > lastId) {
        // Messages came while the page loaded or the socket was down: ask for them.
        socket.send(JSON.stringify({ type: "resume", since: lastId }));
      }
      everConnected = true;
      showState("connected", "Live updates: connected");
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, 25000);
      return;
    }
    if (message.type === "resume.truncated") {
      window.location.reload();
      return;
    }
    if (organizationId && message.organization_id && String(message.organization_id) !== organizationId) {
      return;
    }
    if (typeof message.id === "number") {
      if (lastId !== null && message.id <= lastId) return; // already seen
      lastId = message.id;
    }
    var handler = handlers[message.type];
    if (handler) handler(message);
  }

  function onClose(event) {
    clearInterval(pingTimer);
    if (event.code === 4401 || event.code === 4403) {
      showState("offline", "Live updates: not allowed (log in again)");
      return;
    }
    // 1 s, 2 s, 4 s … up to 30 s, with jitter so many browsers do not return at once.
    var delay = Math.min(30000, 1000 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    showState("reconnecting", "Live updates: offline, retrying in " + Math.round(delay / 1000) + " s");
    setTimeout(connect, delay);
  }

  // --- Acknowledge buttons: the REST API with the session and the CSRF token -------------------

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.acknowledge");
    if (!button) return;
    button.disabled = true;
    button.textContent = "Acknowledging…";
    fetch(acknowledgeUrl.replace("ID", button.dataset.alertId), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.detail || "The alert could not be acknowledged.");
        });
      })
      .then(function () {
        announce("Alert acknowledged.");
        return refreshSection("alerts");
      })
      .catch(function (error) {
        button.disabled = false;
        button.textContent = "Acknowledge";
        announce(error.message);
      });
  });

  // --- Unpause buttons: ask Meta to lift a pause by pacing; Meta's answer shown beside ---------

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.unpause");
    if (!button) return;
    var answer = button.parentNode.querySelector(".unpause-answer");
    button.disabled = true;
    button.textContent = "Asking Meta…";
    fetch(unpauseUrl.replace("ID", button.dataset.templateId), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var text = body.detail || "Meta's answer could not be read.";
          if (answer) answer.textContent = text;
          announce(text);
          button.disabled = false;
          button.textContent = "Unpause (ask Meta)";
        });
      })
      .catch(function () {
        button.disabled = false;
        button.textContent = "Unpause (ask Meta)";
        announce("PyTake could not be reached.");
      });
  });

  connect();
})();
