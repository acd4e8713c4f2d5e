// Idle session warning: counts down the seconds the server says are left (data-session-idle),
// warns before the limit, and offers to stay signed in. No inline scripts (CSP).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdle || "", 10);
  var warn = parseInt(body.dataset.sessionWarn || "", 10);
  var box = document.getElementById("session-warning");
  if (!idle || !box) return;
  var left = box.querySelector(".js-session-left");
  var start = Date.now();
  function csrf() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function tick() {
    var elapsed = (Date.now() - start) / 1000;
    var remaining = Math.ceil(idle - elapsed);
    if (remaining <= -2) {
      // The server has ended the session by now (it counts whole seconds from the last
      // request, a moment earlier); reloading shows the sign-in page and why.
      window.location.reload();
      return;
    }
    if (remaining <= warn) {
      left.textContent = String(Math.max(remaining, 0));
      box.classList.remove("d-none");
    } else {
      box.classList.add("d-none");
    }
    window.setTimeout(tick, 1000);
  }
  box.querySelector(".js-session-stay").addEventListener("click", function () {
    fetch(body.dataset.sessionPing, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" }
    }).then(function (r) {
      if (!r.ok || r.redirected) { window.location.reload(); return null; }
      return r.json();
    }).then(function (data) {
      if (!data) return;
      idle = parseInt(data.left, 10) || idle;
      start = Date.now();
      box.classList.add("d-none");
    });
  });
  window.setTimeout(tick, 1000);
})();
