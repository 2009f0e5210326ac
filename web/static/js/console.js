/*
 * The console's graph view: draws the nodes and relationships of a result, given by the
 * server as JSON in the data-graph attribute of #console-graph
 * ({"nodes": [{"id", "label", "labels", "title"}], "edges": [{"id", "source", "target", "label"}]}),
 * with Cytoscape.js (vendored). Nodes are coloured by their first label; drag, zoom and pan;
 * a "Fit to view" button (its text from data-i18n-fit). Sets data-state (loading, ready,
 * error) on the view and keeps the Cytoscape instance as element._cy (the browser tests use both).
 */
(function () {
  "use strict";

  var PALETTE = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377",
                 "#bbbbbb", "#332288", "#117733", "#882255", "#44aa99", "#999933"];

  function colourOf(labels, seen) {
    var key = (labels && labels[0]) || "";
    if (!(key in seen)) {
      seen[key] = PALETTE[Object.keys(seen).length % PALETTE.length];
    }
    return seen[key];
  }

  function claimCytoscapeStylesheet() {
    // Cytoscape inserts a <style> into <head> unless this id exists; the CSP forbids it
    // (app.css carries the rule instead, as network.js explains).
    var id = "__________cytoscape_stylesheet";
    if (!document.getElementById(id)) {
      var placeholder = document.createElement("meta");
      placeholder.id = id;
      placeholder.name = "cytoscape-stylesheet";
      placeholder.content = "css/app.css";
      document.head.appendChild(placeholder);
    }
  }

  function draw(container) {
    container.dataset.state = "loading";
    var graph;
    try {
      graph = JSON.parse(container.dataset.graph);
    } catch (err) {
      container.dataset.state = "error";
      return;
    }
    if (typeof cytoscape !== "function") {
      container.dataset.state = "error";
      return;
    }
    var seen = {};
    var elements = graph.nodes.map(function (n) {
      return {group: "nodes", data: {id: n.id, label: n.label, title: n.title,
                                     colour: colourOf(n.labels, seen)}};
    }).concat(graph.edges.map(function (e) {
      return {group: "edges", data: {id: e.id, source: e.source, target: e.target,
                                     label: e.label}};
    }));
    claimCytoscapeStylesheet();
    var cy = cytoscape({
      container: container,
      elements: elements,
      wheelSensitivity: 0.3,
      maxZoom: 1.6,  // a few nodes are not blown up to fill the view
      style: [
        {selector: "node", style: {"background-color": "data(colour)", "label": "data(label)",
                                   "font-size": 11, "width": 18, "height": 18,
                                   "text-valign": "bottom", "text-margin-y": 3,
                                   "text-max-width": 120, "text-wrap": "ellipsis"}},
        {selector: "edge", style: {"width": 1.5, "line-color": "#9aa4b1",
                                   "target-arrow-color": "#9aa4b1",
                                   "target-arrow-shape": "triangle", "curve-style": "bezier",
                                   "label": "data(label)", "font-size": 8, "color": "#555",
                                   "text-rotation": "autorotate",
                                   "text-background-color": "#fff",
                                   "text-background-opacity": 0.85,
                                   "text-background-padding": 1}}
      ],
      layout: {name: graph.nodes.length > 1 ? "cose" : "grid", animate: false, fit: true,
               padding: 20}
    });
    cy.on("mouseover", "node", function (evt) {
      container.title = evt.target.data("title") || "";
    });
    container._cy = cy;
    var resizing = null;
    window.addEventListener("resize", function () {  // e.g. a phone turned: keep all in view
      clearTimeout(resizing);
      resizing = setTimeout(function () { cy.resize(); cy.fit(undefined, 20); }, 100);
    });
    var fit = document.createElement("button");
    fit.type = "button";
    fit.className = "secondary kg-network-fit";
    fit.textContent = container.dataset.i18nFit || "Fit to view";
    fit.addEventListener("click", function () { cy.fit(undefined, 20); });
    container.insertAdjacentElement("afterend", fit);
    container.dataset.state = "ready";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("console-graph");
    if (container) {
      draw(container);
    }
  });
}());
