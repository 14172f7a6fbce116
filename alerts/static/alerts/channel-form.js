// The notification channel form shows the fields of the chosen kind only (email: recipients;
// Slack: URL; webhook: URL and secret). Hidden fields are disabled, so they are not sent either;
// the server checks each kind's fields again.
(function () {
  "use strict";

  var script = document.currentScript;

  function start() {
    var data = document.getElementById("channel-kind-fields");
    if (!data) return;
    var kindFields = JSON.parse(data.textContent);
    var select = document.getElementById("id_kind");
    var fixedKind = script && script.dataset.kind;
    var all = {};
    Object.keys(kindFields).forEach(function (kind) {
      kindFields[kind].forEach(function (name) { all[name] = true; });
    });

    function show(kind) {
      var shown = kindFields[kind] || [];
      Object.keys(all).forEach(function (name) {
        var row = document.querySelector(".form-row.field-" + name);
        if (!row) return;
        var visible = shown.indexOf(name) !== -1;
        row.hidden = !visible;
        row.querySelectorAll("input, textarea, select").forEach(function (input) {
          input.disabled = !visible;
        });
      });
    }

    if (select) {
      select.addEventListener("change", function () { show(select.value); });
      show(select.value);
    } else if (fixedKind) {
      show(fixedKind);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
