// Snapdash: "Notify me when it finishes". A person may ask, on a card whose
// restore is running, to be told when it ends; when the tab is hidden then,
// the browser's Notifications API says so. The choice lasts for this tab
// only (sessionStorage), and the card keeps polling while the tab is hidden.
(function () {
  "use strict";
  if (!("Notification" in window) || !window.sessionStorage) return;

  var key = function (server) { return "snapdash-notify-" + server; };

  // Marks the card so app.js keeps polling it while the tab is hidden.
  function mark(server, on) {
    var card = document.getElementById("server-" + server);
    if (card) card.toggleAttribute("data-notify-on", on);
  }

  function showButtons(root) {
    (root || document).querySelectorAll("button[data-notify]").forEach(function (b) {
      var server = b.getAttribute("data-notify");
      var on = sessionStorage.getItem(key(server)) === "1" && Notification.permission === "granted";
      b.hidden = Notification.permission === "denied";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? "You will be notified" : "Notify me when it finishes";
      mark(server, on);
    });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button[data-notify]");
    if (!b) return;
    var server = b.getAttribute("data-notify");
    if (sessionStorage.getItem(key(server)) === "1") {
      sessionStorage.removeItem(key(server));
      showButtons();
      return;
    }
    Notification.requestPermission().then(function (p) {
      if (p === "granted") sessionStorage.setItem(key(server), "1");
      showButtons();
    });
  });

  // A card swapped in without its running restore: the restore ended. Tell
  // the person if they asked and are elsewhere; the page shows it anyway.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var live = ev.detail && ev.detail.target;
    if (!live || !live.id || !/^server-\d+-live$/.test(live.id)) {
      showButtons();
      return;
    }
    var server = live.id.split("-")[1];
    var fresh = document.getElementById(live.id) || live;
    if (sessionStorage.getItem(key(server)) === "1" && !fresh.querySelector(".restoring-note.job")) {
      sessionStorage.removeItem(key(server));
      mark(server, false);
      var outcome = fresh.querySelector(".card-outcome");
      if (document.hidden && Notification.permission === "granted") {
        new Notification("Snapdash", { body: outcome ? outcome.textContent : "The restore has ended." });
      }
    }
    showButtons(fresh);
  });

  showButtons();

  // The same for a scheduled run, on the schedules page: its list refreshes
  // itself while a run is under way, and a run's row loses its "Running now"
  // when the run ended; the message announcing it is the newest in #flashes.
  var runKey = function (id) { return "snapdash-notify-schedule-" + id; };

  function showRunButtons() {
    var any = false;
    document.querySelectorAll("button[data-notify-schedule]").forEach(function (b) {
      var on = sessionStorage.getItem(runKey(b.getAttribute("data-notify-schedule"))) === "1" && Notification.permission === "granted";
      any = any || on;
      b.hidden = Notification.permission === "denied";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? "You will be notified" : "Notify me when it finishes";
    });
    // The list keeps refreshing in a hidden tab only for a run to tell of (app.js).
    var list = document.getElementById("schedule-list");
    if (list) list.toggleAttribute("data-notify-on", any);
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button[data-notify-schedule]");
    if (!b) return;
    var id = b.getAttribute("data-notify-schedule");
    if (sessionStorage.getItem(runKey(id)) === "1") {
      sessionStorage.removeItem(runKey(id));
      showRunButtons();
      return;
    }
    Notification.requestPermission().then(function (p) {
      if (p === "granted") sessionStorage.setItem(runKey(id), "1");
      showRunButtons();
    });
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var list = ev.detail && ev.detail.target;
    if (!list || list.id !== "schedule-list") return;
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var k = sessionStorage.key(i);
      if (!k || k.indexOf(runKey("")) !== 0) continue;
      var id = k.slice(runKey("").length);
      if (document.querySelector("#schedule-" + id + ' [data-testid="schedule-running"]')) continue;
      sessionStorage.removeItem(k);
      var said = document.querySelector("#flashes > :last-child");
      if (document.hidden && Notification.permission === "granted") {
        new Notification("Snapdash", { body: said ? said.textContent.trim() : "The scheduled snapshot has ended." });
      }
    }
    showRunButtons();
  });

  showRunButtons();
})();
