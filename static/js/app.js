// Small behaviours shared by every page. No inline scripts anywhere (CSP forbids them).
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function bind(root) {
    root.querySelectorAll(".js-autosubmit").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
      });
    });
    root.querySelectorAll(".js-select-all").forEach(function (box) {
      if (box.dataset.bound) return;
      box.dataset.bound = "1";
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + box.dataset.target + "']").forEach(function (cb) {
          cb.checked = box.checked;
        });
      });
    });
  }
  onReady(function () { bind(document); });
  // Error pages: "back" goes through the browser's history when the server did not know the
  // previous page (no Referer).
  onReady(function () {
    document.querySelectorAll("[data-history-back]").forEach(function (btn) {
      if (window.history.length < 2) return;
      btn.classList.remove("d-none");
      btn.addEventListener("click", function () { window.history.back(); });
    });
  });
  // A 400 answer to an htmx request carries the page's own message (e.g. an invalid filter):
  // show it in place instead of silently keeping the old content.
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (ev.detail.xhr && ev.detail.xhr.status === 400) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (ev) { bind(ev.target); });
  // Links that carry the page's filters (e.g. the Excel export) follow the filters that htmx
  // pushed into the address bar.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var q = new URLSearchParams(window.location.search);
    q.delete("page");
    q.delete("per_page");
    document.querySelectorAll("a[data-keep-query]").forEach(function (a) {
      var u = new URL(a.href, window.location.origin);
      u.search = q.toString();
      a.href = u.pathname + u.search;
    });
  });
})();
