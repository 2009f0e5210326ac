/*
 * kolgraph admin page: the log of a job, as the run writes it.
 *
 * In:  <section id="job-log" data-log-url="/admin/jobs/<id>/log" data-i18n-*> holding a
 *      <pre class="kg-log"> and a <span class="kg-job-status">. The URL answers JSON
 *      {text, next_offset, status, exit_code, done} for ?offset=N (bytes already shown).
 * Out: the log's new lines appended to the <pre> every second (kept scrolled to the end
 *      while the reader is at the end), the status and exit status shown; polling stops when
 *      the answer says done; the job's row of the job list (#jobs tr[data-job]) follows.
 *      `section.dataset.state` is "running", then "done".
 * Texts in the page's language come from the section's data-i18n-* attributes.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function statusText(section, data) {
    var text = section.dataset["i18n" + data.status.charAt(0).toUpperCase() + data.status.slice(1)]
      || data.status;
    if (data.exit_code !== null && data.exit_code !== undefined) {
      text += " · " + (section.dataset.i18nExit || "exit status {code}")
        .replace("{code}", String(data.exit_code));
    }
    return text;
  }

  function follow(section) {
    var pre = section.querySelector("pre.kg-log");
    var status = section.querySelector(".kg-job-status");
    var url = section.dataset.logUrl;
    var offset = 0;
    section.dataset.state = "running";

    function tick() {
      fetch(url + "?offset=" + offset, { credentials: "same-origin",
                                         headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); })
        .then(function (data) {
          var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          if (data.text) {
            pre.appendChild(document.createTextNode(data.text));
            if (atEnd) { pre.scrollTop = pre.scrollHeight; }
          }
          offset = data.next_offset;
          status.textContent = statusText(section, data);
          status.dataset.status = data.status;
          var row = document.querySelector('#jobs tr[data-job="' + data.job_id + '"]');
          if (row) {
            var cells = row.querySelectorAll("td.kg-job-state, td.kg-job-exit");
            if (cells.length === 2) {
              cells[0].textContent = statusText(section, { status: data.status, exit_code: null });
              cells[1].textContent = data.exit_code === null ? "" : String(data.exit_code);
            }
          }
          if (data.done) {
            section.dataset.state = "done";
          } else {
            window.setTimeout(tick, data.text ? 0 : POLL_MS);
          }
        })
        .catch(function () {
          status.textContent = section.dataset.i18nError || "The log could not be read; retrying.";
          window.setTimeout(tick, POLL_MS * 3);
        });
    }
    tick();
  }

  function init() {
    var section = document.getElementById("job-log");
    if (section && section.dataset.logUrl) { follow(section); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
