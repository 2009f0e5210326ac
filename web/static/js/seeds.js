/*
 * kolgraph campaign seeds page: the progress of a seed plan computed in the background.
 *
 * In:  <section id="seeds-progress" data-status-url="/influencers/seeds/status?k=…"
 *      data-i18n-error> holding a <progress> and a <span class="kg-seeds-stage">. The URL
 *      answers JSON {state: "running"|"done"|"error", stage, stage_text, fraction, message}.
 * Out: every second the stage (in the page's language) and the bar follow the plan; when
 *      the answer says done, or error with its status (400 a bad parameter, 503 not ready),
 *      the page reloads and shows the plan or the error; an unexpected server error (500)
 *      is shown in the section and polling stops. `section.dataset.state` is "running", then
 *      "done" or "error".
 * A failed request is retried after 3 seconds, its text shown from data-i18n-error.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function follow(section) {
    var bar = section.querySelector("progress");
    var stage = section.querySelector(".kg-seeds-stage");
    var url = section.dataset.statusUrl;
    section.dataset.state = "running";

    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store",
                   headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); })
        .then(function (data) {
          if (bar && typeof data.fraction === "number") {
            bar.value = data.fraction;
            bar.textContent = Math.round(data.fraction * 100) + "%";
          }
          if (stage) { stage.textContent = data.message || data.stage_text || data.stage || ""; }
          if (data.state === "running") {
            window.setTimeout(tick, POLL_MS);
          } else if (data.state === "error" && (!data.status || data.status === 500)) {
            // an unexpected server error: a reload would start the plan again; say it, stop
            section.dataset.state = "error";
            if (stage) { stage.textContent = data.message || ""; }
          } else {
            section.dataset.state = data.state;
            window.location.reload();
          }
        })
        .catch(function () {
          if (stage) {
            stage.textContent = section.dataset.i18nError || "The progress could not be read; retrying.";
          }
          window.setTimeout(tick, POLL_MS * 3);
        });
    }
    window.setTimeout(tick, POLL_MS);
  }

  function init() {
    var section = document.getElementById("seeds-progress");
    if (section && section.dataset.statusUrl) { follow(section); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
