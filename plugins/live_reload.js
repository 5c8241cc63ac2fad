// make devserver: reload this page when Pelican has finished a new build (plugins/live_reload.py).
(function () {
  "use strict";
  var seen = null;

  function check() {
    fetch("/livereload.txt", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (stamp) {
        if (stamp === null) return;
        if (seen !== null && stamp !== seen) {
          window.location.reload();
          return;
        }
        seen = stamp;
      })
      .catch(function () { /* the server is restarting: ask again */ })
      .then(function () { window.setTimeout(check, 1000); });
  }

  check();
})();
