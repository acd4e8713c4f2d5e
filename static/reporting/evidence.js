// Evidence upload: list the chosen files with a description field each, and warn early about
// files over the size limit. The server checks everything again; this only helps the person.
(function () {
  "use strict";
  function human(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return Math.round(n / 1024) + " KB";
    return n + " B";
  }
  function render(fieldset) {
    var list = fieldset.querySelector(".js-evidence-list");
    if (!list) return;
    var kept = {};
    list.querySelectorAll("input[data-key]").forEach(function (input) { kept[input.dataset.key] = input.value; });
    list.textContent = "";
    var index = 0;
    // Same order as the server reads them: the file picker first, then the camera.
    fieldset.querySelectorAll("input[type=file].js-evidence-files").forEach(function (input) {
      var max = parseInt(input.dataset.maxBytes || fieldset.querySelector("[data-max-bytes]").dataset.maxBytes || "0", 10);
      Array.prototype.forEach.call(input.files || [], function (file) {
        var key = file.name + ":" + file.size;
        var li = document.createElement("li");
        li.className = "border rounded p-2 mb-1";
        var head = document.createElement("div");
        head.className = "text-break";
        head.textContent = (index + 1) + ". " + file.name + " (" + human(file.size) + ")";
        if (max && file.size > max) {
          var warn = document.createElement("span");
          warn.className = "badge text-bg-danger ms-1";
          warn.textContent = list.dataset.tooBig;
          head.appendChild(warn);
        }
        var desc = document.createElement("input");
        desc.type = "text";
        desc.name = "description_" + index;
        desc.maxLength = 500;
        desc.className = "form-control form-control-sm mt-1";
        desc.placeholder = list.dataset.label;
        desc.setAttribute("aria-label", list.dataset.label + ": " + file.name);
        desc.dataset.key = key;
        desc.value = kept[key] || "";
        li.appendChild(head);
        li.appendChild(desc);
        list.appendChild(li);
        index += 1;
      });
    });
  }
  function bind() {
    document.querySelectorAll("fieldset[data-testid=evidence-fields]").forEach(function (fieldset) {
      fieldset.querySelectorAll("input[type=file].js-evidence-files").forEach(function (input) {
        input.addEventListener("change", function () { render(fieldset); });
      });
      render(fieldset);
    });
  }
  if (document.readyState !== "loading") bind(); else document.addEventListener("DOMContentLoaded", bind);
})();
