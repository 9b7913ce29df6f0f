// What the parts of the studio page share: calling one of the studio's REST APIs,
// showing a notice, and showing a state. Loaded before studio.js, endpoints.js and jobs.js.
"use strict";
const studioPage = (() => {
  // call(method, path, payload) on the API under `base`; an error answer throws its message.
  function apiCaller(base) {
    return async function call(method, path, payload) {
      const response = await fetch(base + path, {
        method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new Error(data.message || `${response.status} ${response.statusText}`);
      }
      return data;
    };
  }

  // say(message, kind) in the notice element; an empty message hides it.
  function notifier(notice) {
    return function say(message, kind) {
      notice.textContent = message;
      notice.className = "notice " + (kind || "ok");
      notice.hidden = !message;
    };
  }

  // A state badge in `cell`; a failure's reason as its title and, first line, below it.
  function showState(cell, state, failureReason) {
    const badge = document.createElement("span");
    badge.className = "badge state-" + state.toLowerCase();
    badge.textContent = state;
    cell.appendChild(badge);
    if (failureReason) {
      cell.title = failureReason;
      const why = document.createElement("div");
      why.className = "reason";
      why.textContent = failureReason.split("\n")[0];
      cell.appendChild(why);
    }
  }

  return { apiCaller, notifier, showState };
})();
