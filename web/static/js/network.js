/*
 * kolgraph network view (Cytoscape.js with the fcose layout).
 *
 * In:  every <div class="kg-network" data-graph-url="..."> on the page (templates/_macros.html
 *      `network_view`). The URL answers JSON (web/network_view.py)
 *      {"nodes": [{"id", "label", "community_id", "kol_score", "url", "kol", "focus",
 *                  "followers_text", "score_text", "handle", "platforms": [{"name", "followers"}]}],
 *       "edges": [{"source", "target", "weight"}],
 *       "communities": [{"id", "title", "unassigned"}]}
 *      (only id, label, community_id, kol_score, url are required).
 * Out: a Cytoscape graph drawn in the div: node colour by community (a fixed colour-blind-safe
 *      palette keyed by community id, the unassigned community 0 grey), size by kol_score, KOLs
 *      ringed and always named (other names on hover or selection), edge width by weight, an
 *      fcose layout started from fixed positions (the same drawing on every load). Around it:
 *      a card for the person pointed at (mouse, tap, or arrow keys when the view has the
 *      keyboard focus), a "top N by score" choice that redraws, a "Fit" button, a legend and a
 *      text alternative (role=img, aria-label). A click (or Enter) on a node opens its `url`; a
 *      tap on a touch screen shows its card first. The instance is `div._cy`; `div.dataset.state`
 *      is "ready" once the layout has run, "empty" when there is nothing to draw, "error" when
 *      the fetch failed.
 *
 * Every text comes from the div's data-i18n-* attributes (the page's language) or from the JSON
 * (formatted by the server); labels are drawn on the canvas or set as textContent, never as
 * HTML. No style attribute or <style> is written (the CSP is `default-src 'self'`): colours
 * of the legend's swatches are set through the CSSOM.
 */
(function () {
  "use strict";

  // Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau), by community id 1, 2, ...
  var PALETTE = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
    "#f0e442", "#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"
  ];
  var UNASSIGNED_COLOUR = "#9aa0a6";
  var MIN_NODE = 12;
  var MAX_NODE = 48;
  var MIN_EDGE = 0.8;
  var MAX_EDGE = 6;
  var TOP_CHOICES = [20, 50, 100];
  var DEFAULT_TOP = 50;
  var FONT = "system-ui, \"PingFang SC\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", " +
    "\"WenQuanYi Zen Hei\", sans-serif";

  /** Palette colour of a community id (number or string); grey for 0 (unassigned) or none. */
  function communityColour(communityId) {
    if (communityId === null || communityId === undefined || communityId === "") {
      return UNASSIGNED_COLOUR;
    }
    var n = Number(communityId);
    if (!Number.isFinite(n)) {
      n = 0;
      var s = String(communityId);
      for (var i = 0; i < s.length; i++) {
        n = (n * 31 + s.charCodeAt(i)) | 0;
      }
      n = Math.abs(n) + 1;
    }
    n = Math.abs(Math.trunc(n));
    return n === 0 ? UNASSIGNED_COLOUR : PALETTE[(n - 1) % PALETTE.length];
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

  function text(value) {
    return value === null || value === undefined ? "" : String(value);
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
      var classes = (n.kol ? ["kol"] : []).concat(n.focus ? ["focus"] : []);
      elements.push({
        group: "nodes",
        classes: classes,
        data: {
          id: id,
          label: n.label === null || n.label === undefined ? id : String(n.label),
          url: typeof n.url === "string" ? n.url : "",
          community_id: n.community_id,
          kol_score: n.kol_score,
          kol: Boolean(n.kol),
          focus: Boolean(n.focus),
          score_text: text(n.score_text !== undefined ? n.score_text : n.kol_score),
          followers_text: text(n.followers_text),
          handle: text(n.handle),
          platforms: Array.isArray(n.platforms) ? n.platforms : [],
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
        "label": "",
        "font-size": 11,
        "font-family": FONT,
        "color": "#202124",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-outline-width": 2,
        "text-outline-color": "#ffffff",
        "min-zoomed-font-size": 6
      }
    },
    {
      selector: "node.kol",
      style: { "label": "data(label)", "border-width": 3, "border-color": "#202124",
               "font-weight": "bold", "z-index": 2 }
    },
    {
      selector: "node.focus",
      style: { "label": "data(label)", "border-width": 5, "border-style": "double",
               "border-color": "#202124", "font-weight": "bold", "z-index": 3 }
    },
    {
      selector: "node.hover, node:selected",
      style: { "label": "data(label)", "z-index": 9, "overlay-color": "#202124",
               "overlay-opacity": 0.12, "overlay-padding": 4 }
    },
    {
      selector: "edge",
      style: {
        "width": "data(width)",
        "line-color": "#b0b7c3",
        "opacity": 0.6,
        "curve-style": "haystack"
      }
    },
    {
      selector: "edge.near",
      style: { "line-color": "#5f6368", "opacity": 0.9 }
    }
  ];

  /** The view's text for `key` (its data-i18n-* attribute), else `fallback`. */
  function say(container, key, fallback) {
    var value = container.dataset[key];
    return value === undefined || value === "" ? fallback : value;
  }

  function element(tag, className, content) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (content !== undefined) {
      el.textContent = content;
    }
    return el;
  }

  /** Shows a plain-text status message inside the container. */
  function message(container, content, state) {
    container.replaceChildren(element("p", "kg-network-message", content));
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

  /** Highest score first; the person the view is about before everyone. */
  function byScore(a, b) {
    var fa = a.data("focus") ? 1 : 0;
    var fb = b.data("focus") ? 1 : 0;
    if (fa !== fb) {
      return fb - fa;
    }
    return (Number(b.data("kol_score")) || 0) - (Number(a.data("kol_score")) || 0) ||
      (a.id() < b.id() ? -1 : a.id() > b.id() ? 1 : 0);
  }

  /** The role=img label: size of the view and its five highest-scored persons. */
  function describe(container, cy) {
    var top = cy.nodes().sort(byScore).slice(0, 5).map(function (n) { return n.data("label"); });
    container.setAttribute("role", "img");
    container.setAttribute("aria-label", say(container, "i18nSummary",
      "Network of {nodes} persons and {ties} ties; highest KOL scores: {top}")
      .replace("{nodes}", cy.nodes().length).replace("{ties}", cy.edges().length)
      .replace("{top}", top.join(", ")));
  }

  /** The card of node `n` (texts only) in `card`; hides the card when `n` is null. */
  function fillCard(view, n) {
    var card = view.card;
    var container = view.container;
    if (!n) {
      card.hidden = true;
      card.replaceChildren();
      return;
    }
    var head = element("p", "kg-card-name");
    var link = element("a", "person-name", n.data("label"));
    link.href = n.data("url") || "#";
    head.append(link);
    if (n.data("kol")) {
      head.append(" ", element("span", "kg-card-kol", say(container, "i18nKol", "KOL")));
    }
    var parts = [head];
    if (n.data("handle")) {
      parts.push(element("p", "kg-card-handle", n.data("handle")));
    }
    var facts = element("dl", "kg-card-facts");
    var add = function (label, value, swatch) {
      if (value === "") {
        return;
      }
      var dd = element("dd");
      if (swatch) {
        var dot = element("span", "kg-swatch");
        dot.style.backgroundColor = swatch;
        dd.append(dot, " ");
      }
      dd.append(value);
      facts.append(element("dt", "", label), dd);
    };
    add(say(container, "i18nFollowers", "followers"), n.data("followers_text"));
    add(say(container, "i18nScore", "kol score"), n.data("score_text"));
    var cid = n.data("community_id");
    if (cid !== null && cid !== undefined) {
      add(say(container, "i18nCommunity", "community"), communityName(view, cid),
          communityColour(cid));
    }
    parts.push(facts);
    var platforms = n.data("platforms");
    if (platforms.length) {
      var list = element("ul", "kg-card-platforms");
      platforms.forEach(function (p) {
        list.append(element("li", "", text(p.name) + " " + text(p.followers)));
      });
      parts.push(list);
    }
    card.replaceChildren.apply(card, parts);
    card.dataset.node = n.id();
    card.hidden = false;
  }

  /** `#id title` of a community (the server's title), or `#id`. */
  function communityName(view, cid) {
    var c = view.communities[String(cid)];
    if (c && c.unassigned) {
      return c.title;
    }
    return "#" + cid + (c && c.title && c.title !== "#" + cid ? " " + c.title : "");
  }

  /** Shows `n`'s card and marks it and its ties; `null` goes back to the selected node. */
  function point(view, n) {
    var cy = view.cy;
    cy.nodes(".hover").removeClass("hover");
    cy.edges(".near").removeClass("near");
    var shown = n || cy.nodes(":selected").first();
    if (shown && shown.length) {
      shown.addClass("hover");
      shown.connectedEdges().addClass("near");
      fillCard(view, shown);
      // only a chosen (tapped, keyboard) person's card takes the pointer: a hover card
      // under the mouse would end the hover that shows it
      view.card.classList.toggle("kg-card-pinned", shown.selected());
    } else {
      fillCard(view, null);
    }
  }

  /** The legend: the communities shown (most persons first) and what marks and lines mean. */
  function fillLegend(view) {
    var container = view.container;
    var counts = {};
    view.cy.nodes().forEach(function (n) {
      var cid = n.data("community_id");
      if (cid !== null && cid !== undefined) {
        counts[cid] = (counts[cid] || 0) + 1;
      }
    });
    var ids = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || Number(a) - Number(b);
    });
    var list = element("ul", "kg-legend-communities");
    ids.forEach(function (cid) {
      var li = element("li");
      li.dataset.community = cid;
      var dot = element("span", "kg-swatch");
      dot.style.backgroundColor = communityColour(cid);
      li.append(dot, " " + communityName(view, cid) + " (" + counts[cid] + ")");
      list.append(li);
    });
    var kol = element("li", "kg-legend-kol");
    kol.append(element("span", "kg-swatch kg-swatch-kol"), " " + say(container, "i18nLegendKol",
      "dark ring and name: KOL (top 10% by KOL score); size grows with the score; other " +
      "names show on hover"));
    var edge = element("li", "kg-legend-edge");
    edge.append(element("span", "kg-swatch-edge"), " " + say(container, "i18nLegendEdge",
      "line: follows and interactions between two persons (thicker: more)"));
    var marks = element("ul", "kg-legend-marks");
    marks.append(kol, edge);
    view.legend.replaceChildren(
      element("h3", "kg-legend-title", say(container, "i18nLegend", "Legend")),
      element("p", "kg-legend-caption", say(container, "i18nLegendColour", "colour: community")),
      list, marks);
  }

  /** Starting positions: a spiral by score, highest in the middle (the same on every load). */
  function placeInitially(cy) {
    cy.nodes().sort(byScore).forEach(function (n, i) {
      var r = 30 * Math.sqrt(i);
      var a = i * 2.399963;
      n.position({ x: r * Math.cos(a), y: r * Math.sin(a) });
    });
  }

  function hasFcose() {
    try {
      return Boolean(window.cytoscape("layout", "fcose"));
    } catch (err) {
      return false;
    }
  }

  /** Runs the layout (fcose from the spiral; cose when fcose did not load); "ready" after. */
  function runLayout(view) {
    var container = view.container;
    var cy = view.cy;
    container.dataset.state = "layout";
    placeInitially(cy);
    var options = hasFcose() ? {
      name: "fcose",
      quality: "default",
      randomize: false,
      animate: false,
      fit: true,
      padding: 24,
      nodeDimensionsIncludeLabels: false,
      nodeRepulsion: function () { return 9000; },
      idealEdgeLength: function () { return 70; },
      edgeElasticity: function () { return 0.3; },
      gravity: 0.3,
      numIter: 2500,
      tile: true
    } : {
      name: "cose",
      animate: false,
      randomize: false,
      idealEdgeLength: function () { return 60; },
      nodeRepulsion: function () { return 8000; },
      numIter: 1000,
      fit: true,
      padding: 24
    };
    var layout = cy.layout(options);
    layout.one("layoutstop", function () {
      container.dataset.state = "ready";
    });
    layout.run();
  }

  /** Keeps the `n` highest-scored persons (all when `n` is "all") and their ties; redraws. */
  function showTop(view, n) {
    var cy = view.cy;
    var nodes = view.all.filter(function (el) { return el.group === "nodes"; });
    var limit = n === "all" ? nodes.length : Number(n);
    var order = nodes.slice().sort(function (a, b) {
      var fa = a.data.focus ? 1 : 0;
      var fb = b.data.focus ? 1 : 0;
      return fb - fa || (Number(b.data.kol_score) || 0) - (Number(a.data.kol_score) || 0) ||
        (a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0);
    });
    var keep = new Set(order.slice(0, limit).map(function (el) { return el.data.id; }));
    var subset = view.all.filter(function (el) {
      return el.group === "nodes" ? keep.has(el.data.id)
        : keep.has(el.data.source) && keep.has(el.data.target);
    });
    fillCard(view, null);
    cy.batch(function () {
      cy.elements().remove();
      cy.add(subset);
    });
    describe(view.container, cy);
    fillLegend(view);
    runLayout(view);
  }

  /** The "Show" choice: top 20 / 50 / 100 by score (those below the node count) or all. */
  function topChoice(view, total) {
    var container = view.container;
    var label = element("label", "kg-network-top");
    var select = element("select");
    TOP_CHOICES.filter(function (n) { return n < total; }).forEach(function (n) {
      var option = element("option", "", say(container, "i18nTop", "top {n} by KOL score")
        .replace("{n}", n));
      option.value = String(n);
      select.append(option);
    });
    var all = element("option", "", say(container, "i18nAll", "all {n}").replace("{n}", total));
    all.value = "all";
    select.append(all);
    select.value = total > DEFAULT_TOP ? String(DEFAULT_TOP) : "all";
    select.addEventListener("change", function () { showTop(view, select.value); });
    label.append(say(container, "i18nShow", "Show") + " ", select);
    return { label: label, select: select };
  }

  /** Arrow keys go from person to person (highest score first), Enter opens, Escape hides. */
  function keyboard(view) {
    var container = view.container;
    var cy = view.cy;
    container.tabIndex = 0;
    container.addEventListener("keydown", function (evt) {
      var order = cy.nodes().sort(byScore);
      if (!order.length) {
        return;
      }
      var current = cy.nodes(":selected").first();
      var at = current.length ? order.indexOf(current) : -1;
      var next = null;
      if (evt.key === "ArrowRight" || evt.key === "ArrowDown") {
        next = order[(at + 1) % order.length];
      } else if (evt.key === "ArrowLeft" || evt.key === "ArrowUp") {
        next = order[(at - 1 + order.length) % order.length];
      } else if (evt.key === "Home") {
        next = order[0];
      } else if (evt.key === "Enter" && current.length && current.data("url")) {
        window.location.assign(current.data("url"));
        return;
      } else if (evt.key === "Escape") {
        cy.nodes().unselect();
        point(view, null);
        return;
      } else {
        return;
      }
      evt.preventDefault();
      cy.nodes().unselect();
      next.select();
      point(view, next);
    });
  }

  /**
   * Puts the container in a frame with the card (over the view's corner), the tools (top-N
   * choice, Fit button, hint) and the legend after it; returns the view's parts.
   */
  function frame(container) {
    var box = element("div", "kg-network-frame");
    container.parentNode.insertBefore(box, container);
    box.append(container);
    var card = element("div", "kg-network-card");
    card.hidden = true;
    card.setAttribute("aria-live", "polite");
    var tools = element("div", "kg-network-tools");
    var legend = element("div", "kg-network-legend");
    box.append(tools, legend, card);
    return { container: container, card: card, tools: tools, legend: legend };
  }

  /** Draws `graph` in `container`; returns the Cytoscape instance. */
  function draw(container, graph) {
    var elements = toElements(graph);
    var total = elements.filter(function (el) { return el.group === "nodes"; }).length;
    if (!total) {
      message(container, say(container, "i18nEmpty", "No network to show."), "empty");
      return null;
    }
    claimCytoscapeStylesheet();
    var view = frame(container);
    view.all = elements;
    view.communities = {};
    (Array.isArray(graph.communities) ? graph.communities : []).forEach(function (c) {
      view.communities[String(c.id)] = { title: text(c.title), unassigned: Boolean(c.unassigned) };
    });
    var cy = window.cytoscape({
      container: container,
      elements: [],
      style: STYLE,
      minZoom: 0.1,
      maxZoom: 4,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false
    });
    view.cy = cy;
    container._cy = cy;
    cy.on("tap", "node", function (evt) {
      var touch = Boolean(evt.originalEvent) &&
        String(evt.originalEvent.type).indexOf("touch") === 0;
      if (touch && view.card.dataset.node !== evt.target.id()) {
        cy.nodes().unselect();
        evt.target.select();
        point(view, evt.target);
        return;
      }
      var url = evt.target.data("url");
      if (url) {
        window.location.assign(url);
      }
    });
    cy.on("tap", function (evt) {
      if (evt.target === cy) {
        cy.nodes().unselect();
        point(view, null);
      }
    });
    cy.on("mouseover", "node", function (evt) {
      container.classList.add("kg-network-pointer");
      point(view, evt.target);
    });
    cy.on("mouseout", "node", function () {
      container.classList.remove("kg-network-pointer");
      point(view, null);
    });
    container.addEventListener("mouseleave", function () {
      container.classList.remove("kg-network-pointer");
      point(view, null);
    });
    var refit = null;
    window.addEventListener("resize", function () {  // a turned phone: fit the new width
      window.clearTimeout(refit);
      refit = window.setTimeout(function () { cy.resize(); cy.fit(undefined, 24); }, 150);
    });
    var choice = topChoice(view, total);
    var fit = element("button", "secondary kg-network-fit", say(container, "i18nFit", "Fit to view"));
    fit.type = "button";
    fit.addEventListener("click", function () { cy.fit(undefined, 24); });
    var hint = element("span", "kg-muted kg-network-hint", say(container, "i18nHint",
      "Point at a person or tab here and use the arrow keys for details; click or Enter " +
      "opens the person."));
    view.tools.append(choice.label, " ", fit, " ", hint);
    keyboard(view);
    showTop(view, choice.select.value);
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
      message(container, say(container, "i18nError", "The network could not be loaded ({error}).")
        .replace("{error}", err.message), "error");
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
