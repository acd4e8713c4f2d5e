// Documents pages: per-unit document choices and the feedback preview's bulk toggles.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    document.querySelectorAll(".js-unit-documents").forEach(function (form) {
      var button = form.querySelector(".js-unit-report");
      if (!button) return;
      button.addEventListener("click", function () {
        var unit = form.querySelector("select[name='unit']").value;
        if (!unit) return;
        window.location.href = form.dataset.unitReport.replace(/\/0\/report\.docx$/, "/" + unit + "/report.docx");
      });
    });
    document.querySelectorAll(".js-include-all").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[type='checkbox'][name$='-include'][name^='" + box.dataset.prefix + "-']").forEach(function (cb) {
          cb.checked = box.checked;
        });
      });
    });
  });
})();
