/*
 * kolgraph network view (Cytoscape.js).
 *
 * In:  every <div class="kg-network" data-graph-url="..."> on the page. The URL answers JSON
 *      {"nodes": [{"id", "label", "community_id", "kol_score", "url"}],
 *       "edges": [{"source", "target", "weight"}]}.
 * Out: a Cytoscape graph drawn in the div: node size by kol_score, colour by community_id,
 *      edge width by weight, force layout (cose), drag / zoom / pan, a tap on a node opens its
 *      `url`. The instance is exposed as `div._cy`; `div.dataset.state` becomes "ready" once the
 *      layout has run, "empty" when there is nothing to draw, "error" when the fetch failed.
 *
 * Labels are Cytoscape data drawn on the canvas as text, never inserted as HTML. No inline
 * style attributes are written (the page's CSP is `default-src 'self'`).
 */
(function () {
  "use strict";

  // Colour-blind-friendly qualitative palette (Okabe-Ito + Tableau extras).
  var PALETTE = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
    "#f0e442", "#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"
  ];
  var MIN_NODE = 12;
  var MAX_NODE = 48;
  var MIN_EDGE = 0.8;
  var MAX_EDGE = 6;

  /** Palette colour for a community id (number or string); grey when missing. */
  function communityColour(communityId) {
    if (communityId === null || communityId === undefined || communityId === "") {
      return "#9aa0a6";
    }
    var n = Number(communityId);
    if (!Number.isFinite(n)) {
      n = 0;
      var s = String(communityId);
      for (var i = 0; i < s.length; i++) {
        n = (n * 31 + s.charCodeAt(i)) | 0;
      }
    }
    var k = Math.abs(Math.trunc(n)) % PALETTE.length;
    return PALETTE[k];
  }

  /** Returns a function mapping values of `key` in `items` linearly onto [lo, hi]. */
  function scaler(items, key, lo, hi) {
    var min = Infinity;
    var max = -Infinity;
    items.forEach(function (it) {
      var v = Number(it[key]);
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    });
    return function (value) {
      var v = Number(value);
      if (!Number.isFinite(v) || !Number.isFinite(min)) {
        return lo;
      }
      if (max === min) {
        return (lo + hi) / 2;
      }
      return lo + (hi - lo) * (v - min) / (max - min);
    };
  }

  /** Turns the API's JSON into Cytoscape element definitions (edges to unknown nodes dropped). */
  function toElements(graph) {
    var nodes = Array.isArray(graph.nodes) ? graph.nodes : [];
    var edges = Array.isArray(graph.edges) ? graph.edges : [];
    var size = scaler(nodes, "kol_score", MIN_NODE, MAX_NODE);
    var width = scaler(edges, "weight", MIN_EDGE, MAX_EDGE);
    var known = new Set();
    var elements = [];
    nodes.forEach(function (n) {
      var id = String(n.id);
      if (known.has(id)) {
        return;
      }
      known.add(id);
      elements.push({
        group: "nodes",
        data: {
          id: id,
          label: n.label === null || n.label === undefined ? id : String(n.label),
          url: typeof n.url === "string" ? n.url : "",
          community_id: n.community_id,
          kol_score: n.kol_score,
          size: size(n.kol_score),
          colour: communityColour(n.community_id)
        }
      });
    });
    edges.forEach(function (e, i) {
      var s = String(e.source);
      var t = String(e.target);
      if (!known.has(s) || !known.has(t) || s === t) {
        return;
      }
      elements.push({
        group: "edges",
        data: { id: "e" + i, source: s, target: t, weight: e.weight, width: width(e.weight) }
      });
    });
    return elements;
  }

  var STYLE = [
    {
      selector: "node",
      style: {
        "width": "data(size)",
        "height": "data(size)",
        "background-color": "data(colour)",
        "border-width": 1,
        "border-color": "#ffffff",
        "label": "data(label)",
        "font-size": 10,
        "font-family": "system-ui, \"PingFang SC\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", " +
          "\"WenQuanYi Zen Hei\", sans-serif",
        "color": "#202124",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-outline-width": 2,
        "text-outline-color": "#ffffff",
        "min-zoomed-font-size": 7
      }
    },
    {
      selector: "node:selected, node:active",
      style: { "border-width": 3, "border-color": "#202124" }
    },
    {
      selector: "edge",
      style: {
        "width": "data(width)",
        "line-color": "#b0b7c3",
        "opacity": 0.7,
        "curve-style": "haystack"
      }
    }
  ];

  /** Shows a plain-text status message inside the container. */
  function message(container, text, state) {
    var p = document.createElement("p");
    p.className = "kg-network-message";
    p.textContent = text;
    container.replaceChildren(p);
    container.dataset.state = state;
  }

  /**
   * Cytoscape adds a <style> element to <head> unless an element with this id exists; the CSP
   * blocks such inline styles, so a placeholder takes the id and app.css holds the rule
   * (`.__________cytoscape_container { position: relative; }`).
   */
  function claimCytoscapeStylesheet() {
    var id = "__________cytoscape_stylesheet";
    if (!document.getElementById(id)) {
      var placeholder = document.createElement("meta");
      placeholder.id = id;
      placeholder.name = "cytoscape-stylesheet";
      placeholder.content = "css/app.css";
      document.head.appendChild(placeholder);
    }
  }

  /**
   * A text alternative for the canvas (role=img with a label naming the most central persons)
   * and a "Fit" button after the view that brings every node back into sight.
   */
  function describe(container, cy) {
    var top = cy.nodes().sort(function (a, b) {
      return (Number(b.data("kol_score")) || 0) - (Number(a.data("kol_score")) || 0);
    }).slice(0, 5).map(function (n) { return n.data("label"); });
    container.setAttribute("role", "img");
    // texts in the page's language come from the container's data-i18n-* attributes
    var text = container.dataset;
    container.setAttribute("aria-label", (text.i18nSummary ||
      "Network of {nodes} persons and {ties} ties; highest KOL scores: {top}")
      .replace("{nodes}", cy.nodes().length).replace("{ties}", cy.edges().length)
      .replace("{top}", top.join(", ")));
    var next = container.nextElementSibling;
    if (next && next.classList.contains("kg-network-tools")) {
      return;
    }
    var tools = document.createElement("div");
    tools.className = "kg-network-tools";
    var fit = document.createElement("button");
    fit.type = "button";
    fit.className = "secondary kg-network-fit";
    fit.textContent = text.i18nFit || "Fit to view";
    fit.addEventListener("click", function () { cy.fit(undefined, 20); });
    var hint = document.createElement("span");
    hint.className = "kg-muted";
    hint.textContent = " " + (text.i18nHint || "Drag to move a person, scroll to zoom, click to open.");
    tools.append(fit, hint);
    container.insertAdjacentElement("afterend", tools);
  }

  /** Draws `graph` in `container`; returns the Cytoscape instance. */
  function draw(container, graph) {
    var elements = toElements(graph);
    if (!elements.some(function (el) { return el.group === "nodes"; })) {
      message(container, "No network to show.", "empty");
      return null;
    }
    claimCytoscapeStylesheet();
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      style: STYLE,
      minZoom: 0.1,
      maxZoom: 4,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false
    });
    container._cy = cy;
    cy.on("tap", "node", function (evt) {
      var url = evt.target.data("url");
      if (url) {
        window.location.assign(url);
      }
    });
    cy.on("mouseover", "node", function () { container.classList.add("kg-network-pointer"); });
    cy.on("mouseout", "node", function () { container.classList.remove("kg-network-pointer"); });
    var layout = cy.layout({
      name: "cose",
      animate: false,
      randomize: true,
      nodeDimensionsIncludeLabels: false,
      idealEdgeLength: function () { return 60; },
      nodeRepulsion: function () { return 8000; },
      numIter: 1000,
      fit: true,
      padding: 20
    });
    layout.one("layoutstop", function () {
      container.dataset.state = "ready";
    });
    describe(container, cy);
    layout.run();
    return cy;
  }

  /** GET `url` as JSON with the session cookie; rejects with "HTTP <status>" on an error. */
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); });
  }

  /** Fetches the graph of one container and draws it (a message in the container on failure). */
  function load(container) {
    var failed = function (err) {
      message(container, "The network could not be loaded (" + err.message + ").", "error");
      return null;
    };
    if (typeof window.cytoscape !== "function") {
      return Promise.resolve(failed(new Error("cytoscape missing")));
    }
    container.dataset.state = "loading";
    return getJson(container.dataset.graphUrl)
      .then(function (graph) { return draw(container, graph); }, failed);
  }

  function init() {
    document.querySelectorAll(".kg-network[data-graph-url]").forEach(load);
  }

  window.kolgraphNetwork = { load: load, toElements: toElements, communityColour: communityColour };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
