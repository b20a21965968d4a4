// Snapdash: "Notify me when it finishes". A person may ask, on a card whose
// restore is running or on a scheduled run under way, to be told when it
// ends; when the tab is hidden then, the browser's Notifications API says so.
// The choice lasts for this tab only (sessionStorage), and what is watched
// keeps polling while the tab is hidden (app.js: data-notify-on).
(function () {
  "use strict";
  if (!("Notification" in window) || !window.sessionStorage) return;
  var words = {};
  if (window.snapdashWords) words = window.snapdashWords;
  function w(key) { return words[key] || key; }

  // watchable is one kind of thing to be told about: its buttons carry attr
  // with an id; mark(id, on) says whether it must keep polling when hidden.
  function watchable(attr, prefix, mark) {
    var key = function (id) { return prefix + id; };
    function show(root) {
      (root || document).querySelectorAll("button[" + attr + "]").forEach(function (b) {
        var id = b.getAttribute(attr);
        var on = sessionStorage.getItem(key(id)) === "1" && Notification.permission === "granted";
        b.hidden = Notification.permission === "denied";
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.textContent = on ? w("You will be notified") : w("Notify me when it finishes");
        mark(id, on);
      });
    }
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest && ev.target.closest("button[" + attr + "]");
      if (!b) return;
      var id = b.getAttribute(attr);
      if (sessionStorage.getItem(key(id)) === "1") {
        sessionStorage.removeItem(key(id));
        show();
        return;
      }
      Notification.requestPermission().then(function (p) {
        if (p === "granted") sessionStorage.setItem(key(id), "1");
        show();
      });
    });
    // ended forgets id and, if the tab is hidden, tells what said it ended.
    function ended(id, said, fallback) {
      sessionStorage.removeItem(key(id));
      mark(id, false);
      if (document.hidden && Notification.permission === "granted") {
        new Notification("Snapdash", { body: said ? said.textContent.trim() : fallback });
      }
    }
    return { key: key, show: show, ended: ended };
  }

  // A card's running restore.
  var restores = watchable("data-notify", "snapdash-notify-", function (server, on) {
    var card = document.getElementById("server-" + server);
    if (card) card.toggleAttribute("data-notify-on", on);
  });

  // A scheduled run, on the schedules page: the whole list keeps refreshing.
  var runs = watchable("data-notify-schedule", "snapdash-notify-schedule-", function () {
    var list = document.getElementById("schedule-list");
    if (!list) return;
    var any = Array.prototype.some.call(list.querySelectorAll("button[data-notify-schedule]"), function (b) {
      return sessionStorage.getItem(runs.key(b.getAttribute("data-notify-schedule"))) === "1";
    });
    list.toggleAttribute("data-notify-on", any && Notification.permission === "granted");
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    // A card swapped in without its running restore: the restore ended.
    if (target && target.id && /^server-\d+-live$/.test(target.id)) {
      var server = target.id.split("-")[1];
      var fresh = document.getElementById(target.id) || target;
      if (sessionStorage.getItem(restores.key(server)) === "1" && !fresh.querySelector(".restoring-note.job")) {
        restores.ended(server, fresh.querySelector(".card-outcome"), w("The restore has ended."));
      }
      restores.show(fresh);
    } else {
      restores.show();
    }
    // A run whose row lost its "Running now" ended; the newest message says how.
    if (target && target.id === "schedule-list") {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var k = sessionStorage.key(i);
        if (!k || k.indexOf(runs.key("")) !== 0) continue;
        var id = k.slice(runs.key("").length);
        if (!document.querySelector("#schedule-" + id + ' [data-testid="schedule-running"]')) {
          runs.ended(id, document.querySelector("#flashes > :last-child"), w("The scheduled snapshot has ended."));
        }
      }
    }
    runs.show();
  });

  restores.show();
  runs.show();
})();
