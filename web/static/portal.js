// psgate portal: progressive enhancement only; every form works without it.
(function () {
  'use strict';
  // Ask before ending a session (forms or buttons marked data-confirm).
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var msg = form.getAttribute('data-confirm');
    var btn = ev.submitter;
    if (btn && btn.getAttribute('data-confirm')) { msg = btn.getAttribute('data-confirm'); }
    if (!msg && btn && /^(end|exit|reset|logoff)$/i.test(btn.value || btn.name || '')) {
      msg = 'End this session? Commands still running in it are stopped.';
    }
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // "Started" in the browser's local time, with its zone (the server
  // renders its own time and zone for pages without script).
  document.querySelectorAll('time[data-local-time]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (isNaN(d.getTime())) { return; }
    el.textContent = d.toLocaleString(undefined, {
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
    });
    el.title = d.toISOString();
  });
  // Show the connection URI field instead of the computer name when asked.
  var toggle = document.querySelector('[data-toggle-uri]');
  if (toggle) {
    var sync = function () {
      document.querySelectorAll('[data-uri-field]').forEach(function (el) { el.hidden = !toggle.checked; });
      document.querySelectorAll('[data-computer-field]').forEach(function (el) { el.hidden = toggle.checked; });
    };
    toggle.addEventListener('change', sync);
    sync();
  }
  // Focus the first field with an error, else the first empty visible field
  // of the form asking for focus (autofocus: sign-in; after a failed sign-in
  // the password). Fields render value="" so :not([value]) matched none and
  // the first password field (the portal's destination password) got the
  // focus, scrolling the portal past the sessions list.
  var first = document.querySelector('[aria-invalid="true"]');
  var auto = document.querySelector('[autofocus]');
  if (!first && auto && auto.form) {
    first = Array.prototype.filter.call(auto.form.querySelectorAll('input[type="text"], input[type="password"]'),
      function (el) { return !el.value && el.offsetParent !== null; })[0] || auto;
  }
  if (first && first.focus) { first.focus(); }
}());
