// Snapdash: the few behaviours htmx does not cover. No inline scripts (CSP).
(function () {
  "use strict";

  // The page's words in its language (words-<lang>.js, loaded before this
  // script; English is the key itself).
  var words = {};
  if (window.snapdashWords) words = window.snapdashWords;
  function w(key) { return words[key] || key; }

  // A proxy answering 401 to an htmx request means the SSO session ended:
  // reload so the proxy can send the person to sign in.
  document.addEventListener("htmx:responseError", function (ev) {
    var xhr = ev.detail && ev.detail.xhr;
    if (xhr && xhr.status === 401 && !xhr.getResponseHeader("HX-Redirect")) {
      window.location.reload();
    }
  });

  // A page restored from the back/forward cache may show data of a session
  // that has ended since: fetch it again.
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) window.location.reload();
  });

  // --- Destructive confirmations -------------------------------------------

  // Restore stays disabled until the server's name is typed (the server
  // checks it again).
  function guardConfirm(root) {
    root.querySelectorAll("input[data-confirm-name]").forEach(function (input) {
      var form = input.form;
      var button = form && form.querySelector("button[data-needs-confirm]");
      if (!button) return;
      var update = function () {
        button.disabled = input.value.trim() !== input.getAttribute("data-confirm-name");
      };
      input.addEventListener("input", update);
      update();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { guardConfirm(document); });
  document.addEventListener("htmx:load", function (ev) { guardConfirm(ev.detail.elt); });

  // A confirmation swapped into #dialog opens as a modal, on its Cancel
  // (autofocus); closing it empties the slot and returns focus to what
  // opened it, found again by id if a poll replaced it meanwhile.
  var openerID = "";
  var waitingFor = null; // the link whose dialog is on its way
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var t = ev.detail && ev.detail.target;
    if (t && t.id === "dialog" && ev.detail.elt && ev.detail.elt.tagName === "A") {
      openerID = ev.detail.elt.id || "";
      showWaiting(t, ev.detail.elt);
    }
  });

  // The dialog opens at once, saying it is on its way; its answer replaces
  // it. Given up (Escape, Cancel), its late answer is dropped: it never
  // opens a dialog nobody is waiting for.
  function showWaiting(slot, opener) {
    var tpl = document.getElementById("dialog-waiting");
    var open = slot.querySelector("dialog");
    // A dialog closed a moment ago (Escape) is still in the slot until its
    // close event runs: it does not hold the next one back.
    if (!tpl || (open && open.open && !open.hasAttribute("data-waiting"))) return;
    slot.innerHTML = "";
    slot.appendChild(tpl.content.cloneNode(true));
    var d = slot.querySelector("dialog");
    waitingFor = opener;
    d.showModal();
    var h = d.querySelector("[tabindex='-1']");
    if (h) h.focus();
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var asked = ev.detail && ev.detail.requestConfig; // detail.elt is the target here
    var elt = asked && asked.elt;
    if (ev.detail.target && ev.detail.target.id === "dialog" && elt && elt.tagName === "A" && elt !== waitingFor) {
      ev.detail.shouldSwap = false;
    }
  });
  // An answer that went elsewhere (an error's message) or none at all:
  // the waiting dialog closes, and focus goes back to the link.
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (!ev.detail || ev.detail.elt !== waitingFor) return;
    waitingFor = null;
    var d = document.querySelector("#dialog dialog[data-waiting]");
    if (d && d.open) d.close();
  });
  document.addEventListener("htmx:afterSettle", function () {
    var d = document.querySelector("#dialog dialog[data-modal]");
    if (d && !d.open) {
      d.showModal();
      var first = d.querySelector("[autofocus]") || d.querySelector("input:not([type=hidden]), button");
      if (first) first.focus();
    }
  });
  document.addEventListener("close", function (ev) {
    var d = ev.target;
    if (d.tagName === "DIALOG" && d.parentElement && d.parentElement.id === "dialog") {
      if (d.hasAttribute("data-waiting")) waitingFor = null;
      d.parentElement.innerHTML = "";
      var opener = openerID && document.getElementById(openerID);
      if (opener) opener.focus();
      openerID = "";
    }
  }, true);

  // --- The inline create form ----------------------------------------------

  function closeInlineForm(slot) {
    var live = slot.parentElement && slot.parentElement.querySelector(".live");
    slot.innerHTML = "";
    var create = live && live.querySelector("a[id$='-new'], .head-actions button");
    if (create) create.focus();
  }

  // Cancel inside a dialog or an inline form: close it instead of leaving the page.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("[data-dismiss]");
    if (!a) return;
    var d = a.closest("dialog");
    if (d) {
      ev.preventDefault();
      d.close();
      return;
    }
    var slot = a.closest("[id$='-form']");
    if (slot) {
      ev.preventDefault();
      closeInlineForm(slot);
    }
  });

  // Escape closes the inline create form, as it closes a dialog.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape" || !ev.target.closest) return;
    if (ev.target.closest("dialog")) return;
    var slot = ev.target.closest("[id$='-form']");
    if (slot && slot.querySelector("form.create")) {
      ev.preventDefault();
      closeInlineForm(slot);
    }
  });

  // --- Busy states ----------------------------------------------------------

  // The control that was used says it is working while its request runs;
  // a submit button shows its busy words ("Creating…").
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    if (!elt || (elt.classList && elt.classList.contains("poller"))) return;
    var button = elt.tagName === "FORM" ? elt.querySelector("button[data-busy]") : null;
    if (button && !button.hasAttribute("data-idle")) {
      button.setAttribute("data-idle", button.textContent);
      button.textContent = button.getAttribute("data-busy");
    }
    elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    if (!elt || !elt.removeAttribute) return;
    elt.removeAttribute("aria-busy");
    var button = elt.tagName === "FORM" ? elt.querySelector("button[data-idle]") : null;
    if (button) {
      button.textContent = button.getAttribute("data-idle");
      button.removeAttribute("data-idle");
    }
  });

  // Plain form posts (no htmx): disable the submit button once sent.
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!f.hasAttribute("data-disable-on-submit") || f.hasAttribute("hx-post")) return;
    setTimeout(function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) {
        if (b.hasAttribute("data-busy")) b.textContent = b.getAttribute("data-busy");
        b.disabled = true;
      });
    }, 0);
  });

  // --- Messages -------------------------------------------------------------

  // At most three messages show; a success fades after a few seconds, an
  // error stays until closed. #flashes stays an aria-live region, so each
  // message is still announced when it arrives.
  var maxFlashes = 3, okFor = 6000;
  function tidyFlashes() {
    var region = document.getElementById("flashes");
    if (!region) return;
    var items = region.querySelectorAll(".flash");
    for (var i = 0; i < items.length - maxFlashes; i++) items[i].remove();
    region.querySelectorAll(".flash").forEach(function (f) {
      if (f.hasAttribute("data-tidy")) return;
      f.setAttribute("data-tidy", "");
      if (f.classList.contains("sr-only")) {
        setTimeout(function () { f.remove(); }, okFor); // said on its card; heard here
      } else if (f.classList.contains("error")) {
        var close = document.createElement("button");
        close.type = "button";
        close.className = "flash-close linkish";
        close.textContent = w("Close");
        close.setAttribute("aria-label", w("Close this message"));
        close.addEventListener("click", function () { f.remove(); });
        f.appendChild(close);
      } else {
        setTimeout(function () { f.classList.add("fading"); }, okFor - 600);
        setTimeout(function () { f.remove(); }, okFor);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", tidyFlashes);
  document.addEventListener("htmx:afterSettle", tidyFlashes);
  document.addEventListener("htmx:oobAfterSwap", tidyFlashes);

  // --- Hidden tabs ----------------------------------------------------------

  // No polling while the tab is hidden; when it shows again after a while,
  // each card is refreshed once, so an idle tab does not show stale counts.
  var hiddenSince = 0, staleAfter = 15000;
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var elt = ev.detail && ev.detail.elt;
    // A card whose person asked to be notified (notify.js) keeps polling.
    // So does the schedules list (it refreshes only while a run is under way).
    var polls = elt && elt.classList && (elt.classList.contains("poller") || elt.id === "schedule-list");
    if (document.hidden && polls && !elt.closest("[data-notify-on]")) {
      ev.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      hiddenSince = Date.now();
      return;
    }
    if (!hiddenSince || Date.now() - hiddenSince < staleAfter || !window.htmx) return;
    hiddenSince = 0;
    document.querySelectorAll(".live[data-refresh]").forEach(function (live) {
      window.htmx.ajax("GET", live.getAttribute("data-refresh"), { target: live, swap: "outerHTML" });
    });
  });

  // --- What the team changed ------------------------------------------------

  // Every 2 s while the tab shows, the page asks Snapdash which of its
  // servers changed (anyone's action, any job's step, from any replica);
  // Snapdash answers from its store, and the cards named (or the page's
  // regions, data-region) are refreshed in place, focus kept. A hidden tab
  // asks nothing.
  function followChanges() {
    var feed = document.getElementById("changes");
    if (!feed || !window.fetch || !window.htmx) return;
    var url = feed.getAttribute("data-changes"), since = feed.getAttribute("data-since") || "0", asking = false;
    setInterval(function () {
      if (document.hidden || asking || !document.body.contains(feed)) return;
      asking = true;
      fetch(url + "?since=" + encodeURIComponent(since), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) {
          if (r.status === 204) {
            since = r.headers.get("Snapdash-Since") || since;
            return null;
          }
          return r.ok ? r.json() : null;
        })
        .then(function (d) {
          if (!d) return;
          since = String(d.since);
          document.dispatchEvent(new CustomEvent("snapdash:changed"));
          var regions = (feed.getAttribute("data-region") || "").split(" ").filter(Boolean);
          if (regions.length) {
            regions.forEach(function (id) {
              var region = document.getElementById(id);
              // What a person ticked, or is typing, is never thrown away by
              // a refresh.
              var typing = region && region.contains(document.activeElement) && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
              if (!region || typing || region.querySelector("input[type=checkbox]:checked")) return;
              // A region that polls itself (a run under way) sees the
              // change, and says how it ended, at its next poll.
              if (region.hasAttribute("hx-trigger")) return;
              window.htmx.ajax("GET", window.location.href, { target: "#" + id, select: "#" + id, swap: "outerHTML" });
            });
            return;
          }
          (d.servers || []).forEach(function (id) {
            var live = document.getElementById("server-" + id + "-live");
            // A card that polls itself (something moves on it) sees the
            // change at its next poll; an idle one is refreshed now.
            if (live && live.getAttribute("data-refresh") && !live.querySelector(".poller")) {
              window.htmx.ajax("GET", live.getAttribute("data-refresh"), { target: live, swap: "outerHTML" });
            }
          });
        })
        .catch(function () {})
        .then(function () { asking = false; });
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", followChanges);

  // --- The team's events tray -------------------------------------------------

  // The tray shows the team's recent events: asked when the change feed says
  // something changed (every 10 s on a page without one). New events are
  // added at the top; a success fades after a while, a failure stays until
  // dismissed; nothing already shown is replaced under the person's focus.
  function followTray() {
    var tray = document.getElementById("tray");
    if (!tray || !window.fetch || !window.DOMParser) return;
    var list = tray.querySelector("ol"), first = true, asking = false, dismissed = [];
    try { dismissed = JSON.parse(sessionStorage.getItem("snapdash-dismissed") || "[]"); } catch (e) { dismissed = []; }
    function focused(li) { return li.contains(document.activeElement); }
    // Keyboard focus is never left under the tray: the page scrolls what
    // gets focus clear of it.
    function show() {
      tray.hidden = list.children.length === 0;
      document.documentElement.style.scrollPaddingBottom = tray.hidden ? "" : (tray.offsetHeight + 16) + "px";
    }
    function fade(li) {
      setTimeout(function () {
        if (!li.parentNode) return;
        if (focused(li)) return fade(li);
        li.classList.add("fading");
        setTimeout(function () {
          if (focused(li)) { li.classList.remove("fading"); return fade(li); }
          li.remove();
          show();
        }, 900);
      }, 8000);
    }
    function add(li) {
      var key = li.getAttribute("data-key");
      if (dismissed.indexOf(key) >= 0 || list.querySelector('[data-key="' + key + '"]')) return;
      var ok = li.classList.contains("ok");
      if (first && ok) return; // old news when the page opened
      var old = list.querySelector('[data-id="' + li.getAttribute("data-id") + '"]');
      if (old && focused(old)) return; // seen at the next change, once focus has moved on
      if (old) old.remove();
      var item = document.importNode(li, true);
      list.insertBefore(item, list.firstChild);
      if (!item.classList.contains("bad") && !item.classList.contains("run")) fade(item);
    }
    function load() {
      if (asking || document.hidden) return;
      asking = true;
      fetch(tray.getAttribute("data-tray"), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (!html) return;
          var got = new DOMParser().parseFromString(html, "text/html").querySelectorAll("li[data-key]");
          for (var i = got.length - 1; i >= 0; i--) add(got[i]); // oldest first: the newest ends on top
          while (list.children.length > 5 && !focused(list.lastElementChild)) list.lastElementChild.remove();
          first = false;
          tray.setAttribute("data-loaded", "");
          show();
        })
        .catch(function () {})
        .then(function () { asking = false; });
    }
    load();
    document.addEventListener("snapdash:changed", load);
    if (!document.getElementById("changes")) setInterval(load, 10000);
    tray.addEventListener("click", function (ev) {
      var button = ev.target.closest && ev.target.closest("button.dismiss");
      if (!button) return;
      var li = button.closest("li");
      dismissed.push(li.getAttribute("data-key"));
      try { sessionStorage.setItem("snapdash-dismissed", JSON.stringify(dismissed.slice(-50))); } catch (e) {}
      var next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      show();
      // Focus stays near: on the next event's button, else the page's content.
      var target = next && next.querySelector("button");
      if (!target) {
        target = document.getElementById("main");
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    });
  }
  document.addEventListener("DOMContentLoaded", followTray);

  // A Copy button (the demo token) copies its text where the browser lets
  // scripts write the clipboard; without it the text is there to select.
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.clipboard) return;
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button[data-copy]");
    if (!b) return;
    var id = b.getAttribute("data-copy"), said = document.getElementById(id + "-copied");
    navigator.clipboard.writeText(document.getElementById(id).textContent).then(
      function () { if (said) said.textContent = w("Copied."); },
      function () { if (said) said.textContent = w("Could not copy: select the token and copy it."); });
  });

  // The schedule form shows the fields of the cadence chosen (without
  // JavaScript all of them show, each labelled with its cadence).
  function showCadence(form) {
    var chosen = form.querySelector('input[name="every"]:checked');
    form.querySelectorAll("[data-cadence]").forEach(function (el) {
      el.hidden = !chosen || el.getAttribute("data-cadence") !== chosen.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("schedule-form");
    if (form) showCadence(form);
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.name === "every" && ev.target.form && ev.target.form.id === "schedule-form") showCadence(ev.target.form);
  });

  // The table says how many rows are ticked, as they are ticked.
  document.addEventListener("change", function (ev) {
    var box = ev.target, form = box.form, said = document.getElementById("fleet-ticked");
    if (box.type !== "checkbox" || box.name !== "snapshot" || !form || !said) return;
    var n = form.querySelectorAll('input[name="snapshot"]:checked').length;
    said.textContent = n === 0 ? w("None selected") : n === 1 ? w("1 selected") : w("{n} selected").replace("{n}", n);
  });

  // An action that comes back to a card by its address (Run now: /schedules
  // #schedule-3) puts keyboard focus there too, not on the page's start.
  document.addEventListener("DOMContentLoaded", function () {
    var id = window.location.hash.slice(1);
    var card = id && document.getElementById(id);
    if (!card || !card.matches("section.card")) return;
    if (!card.hasAttribute("tabindex")) card.setAttribute("tabindex", "-1");
    card.focus();
  });

  // --- The server filter ----------------------------------------------------

  // Choosing in a filter updates its results in place (the form names the
  // region): the address follows, so it can be shared and Back works, and
  // focus stays on the select, so arrowing through the choices never drops
  // it to the page (WCAG 3.2.2). Without JavaScript the Show button sends it.
  document.addEventListener("change", function (ev) {
    var select = ev.target, form = select.form;
    if (select.tagName !== "SELECT" || !form || !form.classList.contains("filter")) return;
    var region = form.getAttribute("data-results");
    if (!region || !document.getElementById(region) || !window.htmx || !window.URLSearchParams) {
      form.submit();
      return;
    }
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.getAttribute("action") + (query ? "?" + query : "");
    window.htmx.ajax("GET", url, { target: "#" + region, select: "#" + region, swap: "outerHTML" }).then(function () {
      history.pushState({ snapdashFilter: true }, "", url);
      filtered = true;
    });
  });
  // Back (or Forward) across an address a filter pushed: the page as it is
  // read at that address.
  var filtered = false;
  window.addEventListener("popstate", function (ev) {
    if (filtered || (ev.state && ev.state.snapdashFilter)) window.location.reload();
  });
})();
