// The status page follows reloads: it asks GET /v1/status (the public REST
// API) every few seconds and shows itself afresh when a reload happened.
"use strict";
(function () {
  var live = document.getElementById("status-live");
  if (!live || !window.fetch) return;
  var gen = live.dataset.generation || "";
  var last = live.dataset.last || "";
  function check() {
    fetch(live.dataset.status, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        var g = s.generation ? String(s.generation) : "";
        var l = s.last_reload ? s.last_reload.at : "";
        if (g !== gen || l !== last) {
          var hint = document.getElementById("refresh-hint");
          if (hint) hint.hidden = false;
          window.location.reload();
        }
      })
      .catch(function () { /* the server is restarting: try again later */ });
  }
  setInterval(check, 2000);
})();
