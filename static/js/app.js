// Small behaviours for the staff screens. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  var lastWaiting = null;

  function waitingCount() {
    // The badge in the navigation comes with every live update that changes the count; pages
    // that do not know it leave it empty until the first update (null: no baseline yet).
    var badge = document.getElementById("waiting-badge");
    var value = badge ? badge.getAttribute("data-waiting") : "0";
    return value === "" || value === null ? null : parseInt(value, 10);
  }

  // Browsers start sound only after a user gesture on the page: one shared AudioContext, and a
  // small "Enable sound" control shown while it is still suspended.
  var audio = null;
  function audioContext() {
    if (!audio) {
      try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { return null; }
      audio.onstatechange = showSoundControl;
    }
    return audio;
  }

  function showSoundControl() {
    var control = document.getElementById("enable-sound");
    if (!control) return;  // signed out: no alerts, no sound
    var ctx = audioContext();
    control.classList.toggle("hidden", !ctx || ctx.state === "running");
  }

  function allowSound() {
    var ctx = audioContext();
    if (ctx && ctx.state !== "running") ctx.resume().then(showSoundControl, function () {});
  }

  function chime() {
    var ctx = audioContext();
    if (!ctx || ctx.state !== "running") return;
    try {
      [0, 0.18].forEach(function (delay, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = i ? 880 : 660;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + delay);
        gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + delay + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + delay + 0.25);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + delay);
        osc.stop(ctx.currentTime + delay + 0.3);
      });
    } catch (e) { /* sound is a nicety */ }
  }

  function notify(count) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try { new Notification("A guest needs a person", { body: count + " waiting", tag: "hotel-waiting" }); } catch (e) {}
  }

  // A guest waiting past the hotel's target (or a manager's escalation) sounds like a new waiting
  // guest, and marks the tab's title until the notice is dismissed.
  function lateCount() {
    return document.querySelectorAll('#notices [data-urgent="true"]').length;
  }

  function title(count) {
    return (lateCount() ? "\u26a0 " : "") + (count ? "(" + count + ") " : "") + baseTitle;
  }

  function refreshUrgent() {
    var fresh = document.querySelectorAll('#notices [data-urgent="true"]:not([data-heard])');
    if (fresh.length) {
      fresh.forEach(function (el) { el.setAttribute("data-heard", "true"); });
      chime();
      if ("Notification" in window && Notification.permission === "granted") {
        try { new Notification("A guest has waited too long", { body: fresh[0].textContent.trim(), tag: "hotel-late" }); } catch (e) {}
      }
      document.body.setAttribute("data-alert", String(Date.now()));
    }
    document.title = title(waitingCount() || 0);
  }

  function refreshAlerts() {
    refreshUrgent();
    var count = waitingCount();
    if (count === null) return;
    document.title = title(count);
    document.body.classList.toggle("has-waiting", count > 0);
    if (lastWaiting !== null && count > lastWaiting) {
      chime();
      notify(count);
      document.body.setAttribute("data-alert", String(Date.now()));
    }
    lastWaiting = count;
  }

  function humanSince(iso) {
    var seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return seconds + "s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + "m " + (seconds % 60) + "s";
    var hours = Math.floor(minutes / 60);
    return hours + "h " + (minutes % 60) + "m";
  }

  function tick() {
    document.querySelectorAll("time[data-since]").forEach(function (el) {
      el.textContent = humanSince(el.getAttribute("datetime"));
    });
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      if (Date.now() > parseInt(el.getAttribute("data-expires"), 10)) el.remove();
    });
  }

  function scrollTimeline() {
    var timeline = document.getElementById("timeline");
    if (timeline) timeline.scrollTop = timeline.scrollHeight;
  }

  function setLive(state, text) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.textContent = text;
    el.setAttribute("data-state", state);
  }

  // Reconnect quickly after a deploy or an outage (the extension's default backs off to a minute):
  // 0.5 s, 1 s, 2 s, then every 4-5 s, with jitter so a room full of tablets does not stampede.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retryCount) {
      var base = Math.min(4000, 500 * Math.pow(2, retryCount));
      return base + Math.random() * 1000;
    };
  }

  var socket = null;
  var lastTyping = 0;
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail && event.detail.socketWrapper;
    setLive("live", "live");
  });
  document.addEventListener("input", function (event) {
    if (!socket || !event.target || event.target.id !== "reply") return;
    var now = Date.now();
    if (now - lastTyping < 2000) return;
    lastTyping = now;
    try { socket.send(JSON.stringify({ typing: true })); } catch (e) {}
  });
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event && event.detail.event.code;
    if (code === 4401) { window.location.assign("/login"); return; }
    setLive("down", "reconnecting…");
  });
  // A guest nobody needs to be called for any more (taken, or resolved): their waiting and late
  // notices go from every tab, and with them the tab title's mark.
  function clearAnswered() {
    document.querySelectorAll("#notices .notices-gone").forEach(function (marker) {
      var same = '[data-conversation="' + marker.getAttribute("data-conversation") + '"]';
      document.querySelectorAll(
        "#notices .notice-waiting" + same + ", #notices .notice-late" + same + ", #notices .notice-escalated" + same
      ).forEach(function (el) { el.remove(); });
      marker.remove();
    });
  }

  document.addEventListener("htmx:wsAfterMessage", function () { clearAnswered(); refreshAlerts(); tick(); scrollTimeline(); });
  document.addEventListener("htmx:afterSwap", function (event) {
    tick();
    // The list came back from a plain request (a search was cleared): live updates only carry
    // changes, so ask for the whole list once, as it is now.
    var target = event.detail && event.detail.target;
    if (socket && target && target.id === "inbox-slot" && document.getElementById("inbox-list")) {
      try { socket.send(JSON.stringify({ resync: true })); } catch (e) {}
    }
  });
  function clearFormErrors(form) {
    form.querySelectorAll("[data-form-error]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  // What staff type next answers the message (the server says it again if it still applies).
  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && form.querySelector("[data-form-error]:not(:empty)")) clearFormErrors(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset-on-success")) {
      form.reset();
      clearFormErrors(form);
    }
    var xhr = event.detail.xhr;
    // An HTML answer said what went wrong where it happened (a refused reply: beside the button).
    var inline = xhr && /^text\/html/.test(xhr.getResponseHeader("Content-Type") || "");
    if (!event.detail.successful && xhr && xhr.status >= 400 && !inline) {
      var toasts = document.getElementById("toasts");
      if (toasts) {
        var toast = document.createElement("div");
        toast.className = "toast";
        var detail = "Something went wrong";
        try { detail = JSON.parse(event.detail.xhr.responseText).detail || detail; } catch (e) {}
        toast.textContent = detail;
        toasts.appendChild(toast);
        setTimeout(function () { toast.remove(); }, 5000);
      }
    }
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function expandShortcut(box) {
    var match = /^\/([a-z0-9_-]+)$/.exec(box.value.trim());
    if (!match) return false;
    var language = box.getAttribute("data-guest-language") || "en";
    var options = Array.prototype.slice.call(document.querySelectorAll('option[data-shortcut-code="' + match[1] + '"]'));
    if (!options.length) return false;
    var best = options.filter(function (o) { return o.getAttribute("data-language") === language; })[0] || options[0];
    box.value = best.value;
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.id === "reply" && event.key === "Tab" && expandShortcut(event.target)) {
      event.preventDefault();
      return;
    }
    if (event.target && event.target.id === "reply" && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      // Even when empty: the server then says "Write a reply first" beside the button.
      var form = event.target.form;
      if (form) form.requestSubmit();
      return;
    }
    if (typing(event.target) || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "/") {
      var field = document.getElementById("reply") || document.getElementById("q");
      if (field) { event.preventDefault(); field.focus(); }
      return;
    }
    var button = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (button) { event.preventDefault(); button.click(); return; }
    if (event.key === "j" || event.key === "k") {
      var rows = Array.prototype.slice.call(document.querySelectorAll(".inbox-row .row-link"));
      if (!rows.length) return;
      var index = rows.indexOf(document.activeElement);
      index = event.key === "j" ? Math.min(rows.length - 1, index + 1) : Math.max(0, index - 1);
      rows[index].focus();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute("data-autosubmit")) el.form.submit();
    var into = el.getAttribute("data-insert-into");
    if (into && el.value) {
      var box = document.getElementById(into);
      box.value = (box.value ? box.value + " " : "") + el.value;
      box.focus();
      el.value = "";
    }
  });

  // A one-time link on the staff page: copied in one click (the field stays selectable without it).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; }, function () {});
    }
  });
  document.addEventListener("click", function () {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }, { once: true });

  // Any gesture allows sound; the control is the one-click way to do it on purpose (with a chime
  // to hear that it works).
  document.addEventListener("pointerdown", allowSound, true);
  document.addEventListener("keydown", allowSound, true);
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    if (target.closest("#enable-sound")) {
      var ctx = audioContext();
      if (ctx) ctx.resume().then(function () { showSoundControl(); chime(); }, function () {});
      return;
    }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var notice = document.getElementById(dismiss.getAttribute("data-dismiss"));
      if (notice) notice.remove();
      document.title = title(waitingCount() || 0);
    }
  });

  // Pushed fragments carry no CSRF token (they are shared between tabs); htmx sends the page's in
  // a header, and a plain form gets it here before it goes.
  document.addEventListener("submit", function (event) {
    var field = event.target && event.target.querySelector && event.target.querySelector('input[name="_csrf"]');
    if (!field || field.value) return;
    try { field.value = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"] || ""; } catch (e) {}
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    showSoundControl();
    refreshAlerts();
    tick();
    scrollTimeline();
    setInterval(tick, 1000);
  });
})();
