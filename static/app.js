// Snapdash: small behaviours htmx does not cover. No inline scripts (CSP).
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
})();
