// Snapdash: the few behaviours htmx does not cover. No inline scripts (CSP).
(function () {
  "use strict";

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

  // A confirmation swapped into #dialog opens as a modal; closing it empties the slot.
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var t = ev.detail && ev.detail.target;
    if (t && t.id === "dialog" && ev.detail.elt && ev.detail.elt.tagName === "A") {
      opener = ev.detail.elt;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var d = document.querySelector("#dialog dialog[data-modal]");
    if (d && !d.open) {
      d.showModal();
      var first = d.querySelector("input:not([type=hidden]), button");
      if (first) first.focus();
    }
  });
  document.addEventListener("close", function (ev) {
    var d = ev.target;
    if (d.tagName === "DIALOG" && d.parentElement && d.parentElement.id === "dialog") {
      d.parentElement.innerHTML = "";
      if (opener && document.body.contains(opener)) opener.focus();
      opener = null;
    }
  }, true);

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
      var card = slot.closest("section");
      slot.innerHTML = "";
      var create = card && card.querySelector(".head-actions a, .head-actions button");
      if (create) create.focus();
    }
  });

  // Plain form posts (no htmx): disable the submit button once sent.
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!f.hasAttribute("data-disable-on-submit") || f.hasAttribute("hx-post")) return;
    setTimeout(function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
