/*
 * kolgraph charts (Chart.js).
 *
 * In:  every <canvas class="kg-chart" data-chart-url="..."> on the page. The URL answers a
 *      Chart.js configuration as JSON: {"type": "bar"|"line"|"doughnut"|..., "data": {...},
 *      "options": {...}}.
 * Out: a Chart.js chart on that canvas, exposed as `canvas._chart`; `canvas.dataset.state` is
 *      "ready" once drawn, "error" when the fetch or the configuration failed (a plain-text
 *      message is then put after the canvas).
 *
 * Only JSON is accepted (no callbacks, no HTML): labels and tooltips are drawn on the canvas
 * as text. Animations are off so that the charts are final as soon as they are drawn.
 */
(function () {
  "use strict";

  var ALLOWED_TYPES = ["bar", "line", "doughnut", "pie", "radar", "polarArea", "scatter", "bubble"];

  /** Checks the configuration's shape; returns it with animation off, or throws. */
  function sanitize(config) {
    if (!config || typeof config !== "object") {
      throw new Error("not a chart configuration");
    }
    if (ALLOWED_TYPES.indexOf(config.type) < 0) {
      throw new Error("unknown chart type " + JSON.stringify(config.type));
    }
    var data = config.data && typeof config.data === "object" ? config.data : {};
    var options = config.options && typeof config.options === "object" ? config.options : {};
    options.animation = false;
    if (options.responsive === undefined) {
      options.responsive = true;
    }
    return { type: config.type, data: data, options: options };
  }

  /** Puts a plain-text message after the canvas and marks it failed. */
  function fail(canvas, text) {
    var p = document.createElement("p");
    p.className = "kg-chart-message";
    p.textContent = text;
    canvas.insertAdjacentElement("afterend", p);
    canvas.dataset.state = "error";
  }

  /** GET `url` as JSON with the session cookie; rejects with "HTTP <status>" on an error. */
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); });
  }

  /** Replaces the canvas's chart with one drawn from `config`; returns the Chart. */
  function draw(canvas, config) {
    var safe = sanitize(config);
    if (canvas._chart) {
      canvas._chart.destroy();
    }
    canvas._chart = new window.Chart(canvas, safe);
    canvas.dataset.state = "ready";
    return canvas._chart;
  }

  /** Fetches one chart's configuration and draws it (a message after the canvas on failure). */
  function load(canvas) {
    if (typeof window.Chart !== "function") {
      fail(canvas, "The chart could not load (Chart.js missing).");
      return Promise.resolve(null);
    }
    canvas.dataset.state = "loading";
    return getJson(canvas.dataset.chartUrl)
      .then(function (config) { return draw(canvas, config); })
      .catch(function (err) {
        fail(canvas, "The chart could not be loaded (" + err.message + ").");
        return null;
      });
  }

  function init() {
    document.querySelectorAll("canvas.kg-chart[data-chart-url]").forEach(load);
  }

  window.kolgraphCharts = { load: load, sanitize: sanitize };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
