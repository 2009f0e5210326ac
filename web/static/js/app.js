/*
 * kolgraph progressive enhancements. The pages work without this file; it adds:
 *
 * - sortable tables: a click (or Enter / Space) on a <th class="sortable"> sorts the rows of
 *   its table's <tbody> by that column, numbers numerically, text with the locale's collation;
 *   a cell's `data-sort-value` wins over its text. Headers holding a link (server-side sort)
 *   are left to the link. `aria-sort` tells which way the column is sorted.
 * - confirmation of dangerous actions: a form or button with `data-confirm="message"` (or a
 *   button with class `danger`) asks before it submits.
 * - auto-submit: changing a <select> of #leaderboard-filters submits the form.
 * - wide tables: a table of the main content wider than its place (on load or after a resize)
 *   is put in a `.kg-scroll` box that scrolls sideways on its own, so that a narrow screen
 *   never scrolls the whole page sideways (tables that fit keep their sticky headers).
 * - the header's menu button (narrow screens, see app.css): shows and hides #kg-menu, with
 *   `aria-expanded`; Escape closes the open menu and gives the focus back to the button.
 *
 * No inline styles or HTML are written (the page's CSP is `default-src 'self'`).
 */
(function () {
  "use strict";

  var NUMBER = /^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?(e[-+]?\d+)?%?$/i;

  /** The value a cell sorts by: a number when the text is one, else the trimmed text. */
  function sortKey(cell) {
    if (!cell) {
      return "";
    }
    var raw = cell.dataset.sortValue !== undefined ? cell.dataset.sortValue : cell.textContent;
    var text = raw.trim();
    if (text !== "" && NUMBER.test(text) && /\d/.test(text)) {
      return Number(text.replace(/,/g, "").replace(/%$/, ""));
    }
    return text;
  }

  /** Compares two sort keys: numbers before text, numbers by value, text by locale. */
  function compareKeys(a, b) {
    var an = typeof a === "number";
    var bn = typeof b === "number";
    if (an && bn) {
      return a - b;
    }
    if (an !== bn) {
      return an ? -1 : 1;
    }
    return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
  }

  /** Sorts the rows of `th`'s table by its column; toggles the direction on each call. */
  function sortBy(th) {
    var table = th.closest("table");
    var body = table && table.tBodies[0];
    if (!body) {
      return;
    }
    var column = Array.prototype.indexOf.call(th.parentElement.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return { row: row, key: sortKey(row.cells[column]), index: index };
    });
    rows.sort(function (x, y) {
      var c = compareKeys(x.key, y.key);
      return (ascending ? c : -c) || x.index - y.index;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    th.parentElement.querySelectorAll("th[aria-sort]").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhanceSortable(root) {
    root.querySelectorAll("th.sortable").forEach(function (th) {
      if (th.querySelector("a")) {
        return;
      }
      th.tabIndex = 0;
      th.setAttribute("role", "button");
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter" || evt.key === " ") {
          evt.preventDefault();
          sortBy(th);
        }
      });
    });
  }

  function confirmMessage(el) {
    return el.dataset.confirm || "Are you sure? This cannot be undone.";
  }

  function enhanceConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (evt) {
        if (!window.confirm(confirmMessage(form))) {
          evt.preventDefault();
        }
      });
    });
    root.querySelectorAll("button[data-confirm], input[type=submit][data-confirm], button.danger")
      .forEach(function (button) {
        if (button.form && button.form.hasAttribute("data-confirm")) {
          return;
        }
        button.addEventListener("click", function (evt) {
          if (!window.confirm(confirmMessage(button))) {
            evt.preventDefault();
          }
        });
      });
  }

  function enhanceFilters(root) {
    var form = root.querySelector("#leaderboard-filters");
    if (!form) {
      return;
    }
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
    });
  }

  function enhanceMenu(root) {
    var button = root.querySelector(".kg-menu-button");
    var header = button && button.closest(".kg-header");
    if (!header) {
      return;
    }
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("kg-menu-open", open);
    }
    header.classList.add("kg-menu-ready");
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  function wrapTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      var parent = table.parentElement;
      if (parent.classList.contains("kg-scroll")
          || table.getBoundingClientRect().width <= parent.clientWidth + 1) {
        return;
      }
      var box = document.createElement("div");
      box.className = "kg-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function init() {
    document.documentElement.classList.add("js");
    enhanceMenu(document);
    wrapTables(document);
    var resizing = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () { wrapTables(document); }, 50);
    });
    enhanceSortable(document);
    enhanceConfirm(document);
    enhanceFilters(document);
  }

  window.kolgraphApp = { sortKey: sortKey, compareKeys: compareKeys, sortBy: sortBy };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
