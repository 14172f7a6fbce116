// PyTake dashboard: live updates over ws/updates/, toasts for bad news, the rows' action buttons
// (acknowledge, resume, sync, unpause). Plain JavaScript.
// Messages follow the live-updates format: each has type, id, organization_id, timestamp.
(function () {
  "use strict";

  var script = document.currentScript;
  var organizationId = script.dataset.organization;
  var sectionsUrl = script.dataset.sectionsUrl;
  var vocabulary = document.getElementById("badge-vocabulary");
  var badges = vocabulary ? JSON.parse(vocabulary.textContent) : { status: {}, quality: {} };
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
        window.PyTakeDates.render(section);
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
      lastEvent.replaceChildren(window.PyTakeDates.element(message.timestamp));
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
      newsOfTemplate(m);
      refreshSoon(["critical", "campaigns", "alerts"]);
    },
    "template.quality_changed": function (m) {
      updateTemplateRow(m);
      newsOfTemplate(m);
      refreshSoon(["critical", "alerts"]);
    },
    "template.category_changed": function () { refreshSoon(["templates"]); },
    "campaigns.paused": function () { refreshSoon(["campaigns"]); },
    "campaigns.resumed": function () { refreshSoon(["campaigns"]); },
    "campaigns.switched": function () { refreshSoon(["campaigns", "critical"]); },
    "alert.created": function (m) {
      newsOfAlert(m);
      refreshSoon(["alerts"]);
    },
    "alert.updated": function () { refreshSoon(["alerts"]); },
    "alert.acknowledged": function () { refreshSoon(["alerts"]); },
    "alert.resolved": function () { refreshSoon(["alerts"]); },
    // A number's or account's news may change what every template of it can do.
    "sending_path.changed": function (m) {
      newsOfSendingPath(m);
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
    if (!liveState) return; // a page without live updates (a template's own page)
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


  // --- News you notice: toasts, the tab's title, browser notifications -------------------------

  var toasts = document.getElementById("toasts");
  var MAX_TOASTS = 4;
  var baseTitle = document.title;
  var unseenCritical = 0;
  var notifyButton = document.getElementById("notify-me");
  var notifyState = document.getElementById("notify-state");

  function templateUrl(templateId) {
    return script.dataset.templateUrl.replace(script.dataset.placeholder, templateId);
  }

  function alertUrl(message) {
    if (script.dataset.alertUrl) return script.dataset.alertUrl.replace(script.dataset.placeholder, message.alert_id);
    if (message.template_id) return templateUrl(message.template_id) + "#alert-" + message.alert_id;
    return "#alert-" + message.alert_id;
  }

  function nameOf(message) {
    return (message.name || "A template") + (message.language ? " (" + message.language + ")" : "");
  }

  function newsOfTemplate(message) {
    var level = null;
    var sentence = null;
    if (message.type === "template.status_changed") {
      var status = badges.status[message.status];
      if (message.status === "DISABLED") level = "critical";
      else if (message.status === "PAUSED") level = "warning";
      if (level) sentence = nameOf(message) + " is now " + (status ? status.label : message.status).toLowerCase() + ".";
    } else if (message.quality_score === "RED") {
      level = "warning";
      sentence = nameOf(message) + ": its quality is now low.";
    }
    if (!level) return;
    notice({
      key: "template:" + message.template_id,
      level: level,
      sentence: sentence,
      detail: message.reason,
      href: templateUrl(message.template_id),
      linkText: "Open " + (message.name || "the template"),
    });
  }

  function newsOfSendingPath(message) {
    if (message.sending !== "stops") return;
    var number = message.phone_number;
    notice({
      key: number ? "number:" + number.id : "account:" + message.business_account_id,
      level: "critical",
      sentence: (number ? "Number " + number.display_phone_number : "A business account") + " cannot send.",
      detail: message.reason,
      href: "#sending-path",
      linkText: "See the sending path",
    });
  }

  function thingOf(message) {
    if (message.template_id) return "template:" + message.template_id;
    if (message.phone_number_id) return "number:" + message.phone_number_id;
    if (message.business_account_id) return "account:" + message.business_account_id;
    return "alert:" + message.alert_id;
  }

  function newsOfAlert(message) {
    var level = { CRITICAL: "critical", WARNING: "warning" }[message.severity];
    if (!level) return;
    notice({
      // An alert is news of its template, number or account: it takes that one's toast.
      key: thingOf(message),
      level: level,
      sentence: "Alert raised: " + (message.title || "see the open alerts"),
      detail: "",
      href: alertUrl(message),
      linkText: "Open the alert",
    });
  }

  // One toast per thing: news of the same thing replaces its toast; the oldest go past four.
  function notice(news) {
    if (!toasts) return;
    var toast = document.createElement("div");
    toast.className = "toast toast--" + news.level;
    toast.dataset.key = news.key;
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = (news.level === "critical" ? "Critical: " : "Warning: ") + news.sentence;
    text.appendChild(strong);
    if (news.detail) text.appendChild(document.createTextNode(" " + news.detail));
    var link = document.createElement("a");
    link.href = news.href;
    link.textContent = news.linkText;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close secondary";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () { toast.remove(); });
    toast.append(text, link, close);
    var previous = toasts.querySelector('[data-key="' + news.key + '"]');
    if (previous) previous.remove();
    toasts.prepend(toast);
    while (toasts.children.length > MAX_TOASTS) toasts.lastElementChild.remove();
    if (news.level === "critical") {
      unseenCritical += 1;
      showUnseen();
      notifyBrowser(news);
    }
  }

  function showUnseen() {
    document.title = unseenCritical ? "(" + unseenCritical + ") " + baseTitle : baseTitle;
  }

  function seen() {
    if (document.visibilityState !== "visible" || !unseenCritical) return;
    unseenCritical = 0;
    showUnseen();
  }

  window.addEventListener("focus", seen);
  document.addEventListener("visibilitychange", seen);
  // A person who clicks or types on the page has seen it.
  document.addEventListener("pointerdown", seen);
  document.addEventListener("keydown", seen);

  function notifyBrowser(news) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    var notification = new Notification("PyTake: " + news.sentence, {
      body: news.detail || "", tag: news.key,
    });
    notification.onclick = function () {
      window.focus();
      window.location.href = news.href;
    };
  }

  function showNotifyState() {
    if (!notifyButton) return;
    if (!("Notification" in window)) {
      notifyState.textContent = "This browser cannot show notifications.";
      return;
    }
    var permission = Notification.permission;
    notifyButton.hidden = permission !== "default";
    if (permission === "granted") notifyState.textContent = "Critical news also shows as a notification of this browser.";
    if (permission === "denied") notifyState.textContent = "Notifications are blocked in this browser's settings for this site.";
  }

  if (notifyButton) {
    // Asked only when the person presses the button, never on load.
    notifyButton.addEventListener("click", function () {
      Promise.resolve(Notification.requestPermission()).then(showNotifyState);
    });
    showNotifyState();
  }

  // --- The rows' buttons: the REST API with the session and the CSRF token ---------------------

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  var onDashboard = Boolean(document.querySelector("[data-section]"));

  // What each button does (the button's class names it): where it posts, its object's id, words
  // while it runs, and what follows success.
  var ACTIONS = {
    acknowledge: {
      url: script.dataset.acknowledgeUrl,
      id: "alertId", busy: "Acknowledging…",
      done: function () { return "Alert acknowledged."; },
      sections: ["alerts"],
    },
    resume: {
      url: script.dataset.resumeUrl,
      id: "campaignId", busy: "Resuming…",
      done: function (body) { return "Campaign " + (body.name || "") + " resumed."; },
      sections: ["campaigns", "critical"],
    },
    sync: {
      url: script.dataset.syncUrl,
      id: "accountId", busy: "Syncing…",
      done: function (body) {
        return "Sync " + (body.status_display || "requested").toLowerCase() +
          (typeof body.changes_applied === "number" ? ": " + body.changes_applied + " change(s) applied." : ".");
      },
      sections: [],
    },
    unpause: {
      url: script.dataset.unpauseUrl,
      id: "templateId", busy: "Asking Meta…",
      done: function (body) { return body.detail || "Meta was asked to lift the pause."; },
      sections: [],
    },
  };

  var ACTION_KINDS = Object.keys(ACTIONS);
  var ACTION_BUTTONS = ACTION_KINDS.map(function (name) { return "button." + name; }).join(", ");

  function answerOf(button) {
    var holder = button.closest("td, p, .actions") || button.parentNode;
    return holder.querySelector(".action-answer, .unpause-answer");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(ACTION_BUTTONS);
    if (!button || button.disabled) return;
    var action = ACTIONS[ACTION_KINDS.filter(function (name) {
      return button.classList.contains(name);
    })[0]];
    var label = button.textContent;
    var answer = answerOf(button);
    button.disabled = true;
    button.textContent = action.busy;
    fetch(action.url.replace("ID", button.dataset[action.id]), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.detail || "PyTake refused: HTTP " + response.status + ".");
          return body;
        });
      })
      .then(function (body) {
        var text = action.done(body);
        announce(text);
        if (answer) answer.textContent = text;
        button.disabled = false;
        button.textContent = label;
        if (!action.sections.length) return;
        if (onDashboard) action.sections.forEach(refreshSection);
        else window.location.reload();
      })
      .catch(function (error) {
        button.disabled = false;
        button.textContent = label;
        var text = error.message || "PyTake could not be reached.";
        if (answer) answer.textContent = text;
        announce(text);
      });
  });

  connect();
})();
