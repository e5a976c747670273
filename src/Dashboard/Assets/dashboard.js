// TypedTasks dashboard: live numbers on the overview (progressive enhancement). The page is complete without this
// script; with it, the elements marked data-live take the numbers the server sends every few seconds on {base}/live.
// Values are written with textContent, never as HTML.
(function () {
  "use strict";
  var live = document.querySelectorAll("[data-live]");
  if (live.length === 0 || typeof EventSource === "undefined") {
    return;
  }

  var base = document.body.getAttribute("data-base") || "";
  var status = document.getElementById("live-status");
  var source = new EventSource(base + "/live");
  source.onmessage = function (event) {
    var message = JSON.parse(event.data);
    var numbers = message.numbers || {};
    var missing = false;
    Object.keys(numbers).forEach(function (key) {
      if (key.indexOf("queue.") === 0 && !document.querySelector('[data-live="' + CSS.escape(key) + '"]')) {
        missing = true;
      }
    });
    live.forEach(function (element) {
      var key = element.getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(numbers, key) && element.textContent !== numbers[key]) {
        element.textContent = numbers[key];
        element.classList.remove("changed");
        void element.offsetWidth;
        element.classList.add("changed");
      }
    });
    if (status) {
      var at = new Date(message.at);
      status.textContent = message.error
        ? "Live: " + message.error + "; retrying."
        : "Live: updated " + at.toLocaleTimeString() + (missing ? " — a new queue appeared: reload to see it." : ".");
      status.setAttribute("data-live-at", message.at);
    }
  };
  source.onerror = function () {
    if (status) {
      status.textContent = "Live: connection lost, reconnecting…";
    }
  };
})();
