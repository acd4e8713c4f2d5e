// Small helpers for the notification screens: copy a field's text, tick every row of a list.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () {
      var label = button.getAttribute("data-copied-label");
      if (label) button.textContent = label;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else {
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  });
  document.addEventListener("change", function (event) {
    var master = event.target.closest("[data-check-all]");
    if (!master) return;
    document.querySelectorAll(master.getAttribute("data-check-all")).forEach(function (box) {
      box.checked = master.checked;
    });
  });
})();
