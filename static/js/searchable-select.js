// Searchable selects and the unit picker of the ledger's forms. No inline script: the CSP
// forbids them, so pages only mark their selects (data-searchable) and include this file.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function enhance(root) {
    if (typeof window.TomSelect !== "function") return;
    root.querySelectorAll("select[data-searchable]").forEach(function (el) {
      if (el.tomselect) return;
      var empty = el.dataset.noResults || "";
      var settings = {
        maxOptions: null,
        hidePlaceholder: true,
        closeAfterSelect: !el.multiple,
        plugins: el.multiple ? ["remove_button"] : [],
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">' + escape(empty) + "</div>";
          }
        }
      };
      if (!el.multiple) settings.allowEmptyOption = true;
      var url = el.dataset.optionsUrl;
      if (url) {
        // Too many to list in the page (a college's people): the server finds them as one types.
        settings.valueField = "value";
        settings.labelField = "text";
        settings.searchField = [];
        settings.preload = "focus";
        settings.placeholder = el.dataset.placeholder || "";
        settings.shouldLoad = function () { return true; };
        settings.load = function (query, callback) {
          var sep = url.indexOf("?") === -1 ? "?" : "&";
          fetch(url + sep + "q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { "Accept": "application/json" }
          })
            .then(function (r) { return r.ok ? r.json() : { results: [] }; })
            .then(function (data) { callback(data.results || []); })
            .catch(function () { callback(); });
        };
      }
      new window.TomSelect(el, settings);
    });
  }
  // 分派至多个单位: a shortcut ticks every unit of a kind, of a grid or of a list of units
  // (keeping the others); "none" clears the list.
  function pick(button) {
    var picker = button.closest("[data-unit-picker]");
    if (!picker) return;
    var how = button.dataset.pick || "";
    var boxes = picker.querySelectorAll("input[type=checkbox]");
    if (how === "none") {
      boxes.forEach(function (box) { box.checked = false; });
      return;
    }
    var sep = how.indexOf(":");
    var key = how.slice(0, sep);
    var values = how.slice(sep + 1).split(",");
    boxes.forEach(function (box) {
      var own = key === "kind" ? box.dataset.kind : key === "unit" ? box.value : box.dataset.grid;
      if (values.indexOf(own) !== -1) box.checked = true;
    });
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("[data-unit-picker] [data-pick]");
    if (button) pick(button);
  });
  onReady(function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { enhance(ev.target); });
})();
