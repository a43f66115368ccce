// psgate browser console: xterm.js with a local line editor over the
// psgate.v1 websocket (docs/websocket-protocol.md, docs/console.md).
// There is no TTY behind the console: the browser edits the line and sends
// whole command blocks; the gateway answers with output and prompt frames.
(function () {
  'use strict';

  var root = document.getElementById('console');
  if (!root || typeof Terminal === 'undefined') { return; }

  var SGR = { stderr: '\x1b[91m', warning: '\x1b[93m', info: '\x1b[96m', verbose: '\x1b[93m', debug: '\x1b[93m' };
  var RESET = '\x1b[0m';
  var REASONS = {
    exit: 'The session was ended.',
    idle_timeout: 'The session was ended because it was idle for too long.',
    reset: 'The session was reset by an administrator.',
    logoff: 'The session was logged off by an administrator.',
    shell_exited: 'The remote shell exited.',
    access_revoked: 'Access to this computer is no longer authorized.',
    shutdown: 'The gateway is shutting down.',
    error: 'The session ended because of an error.'
  };

  var cfg = {
    session: root.dataset.session,
    ws: root.dataset.ws,
    csrf: root.dataset.csrf,
    target: root.dataset.target,
    name: root.dataset.name
  };

  var state = {
    connected: false,
    closed: false,      // the session ended (closed frame): no reconnect
    busy: false,        // a command is running
    editing: false,     // a prompt is shown and the line is editable
    prompt: '',
    prefix: '',         // text rendered before the line (the prompt when idle)
    line: '',
    cursor: 0,
    startCol: 0,        // column where the prefix starts
    rowOffset: 0,       // row of the cursor relative to the edit start row
    col: 0,             // tracked cursor column after our writes
    history: [],
    histIdx: 0,
    draft: '',
    lastChar: '\n',
    frames: 0,
    attached: false     // a hello came before (this page reconnects)
  };

  var term = new Terminal({
    cursorBlink: true,
    convertEol: false,
    scrollback: 5000,
    fontFamily: 'Consolas, "Cascadia Mono", "DejaVu Sans Mono", "Liberation Mono", monospace',
    fontSize: 14,
    // Keep in step with the static theme rules in app.css (the CSP blocks
    // the <style> element xterm.js would inject).
    theme: {
      background: '#012456', foreground: '#eeedf0', cursor: '#eeedf0', cursorAccent: '#012456', selectionBackground: '#5a7bb5',
      black: '#000000', red: '#cd3131', green: '#0dbc79', yellow: '#e5e510', blue: '#2472c8', magenta: '#bc3fbc', cyan: '#11a8cd', white: '#e5e5e5',
      brightBlack: '#767676', brightRed: '#f14c4c', brightGreen: '#23d18b', brightYellow: '#f5f543', brightBlue: '#3b8eea',
      brightMagenta: '#d670d6', brightCyan: '#29b8db', brightWhite: '#ffffff'
    }
  });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById('terminal'));
  try { fit.fit(); } catch (e) { /* hidden element */ }

  var transcript = document.getElementById('transcript');
  var banners = document.getElementById('console-banners');
  var status = document.getElementById('console-status');
  var btnCancel = document.getElementById('btn-cancel');
  var btnExit = document.getElementById('btn-exit');
  var btnSave = document.getElementById('btn-save');
  var socket = null;
  var pendingPrompt = null;

  document.title = cfg.target ? cfg.target + ' - psgate' : 'psgate console';

  // ---- output bookkeeping ------------------------------------------------

  function stripAnsi(s) { return s.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, '').replace(/\x1b\][^\x07]*\x07/g, ''); }

  // track follows the cursor column through plain text writes.
  function track(s) {
    var plain = stripAnsi(s);
    if (!plain.length) { return; }
    var cols = term.cols;
    var i = Math.max(plain.lastIndexOf('\n'), plain.lastIndexOf('\r'));
    if (i >= 0) {
      state.col = (plain.length - i - 1) % cols;
    } else {
      state.col = (state.col + plain.length) % cols;
    }
    state.lastChar = plain.charAt(plain.length - 1);
  }

  function put(s) {
    if (!s) { return; }
    term.write(s);
    track(s);
  }

  // CLEAR matches the clear-screen sequences (Clear-Host): the transcript
  // keeps what follows the last one, as the screen does.
  var CLEAR = /\x1b\[[23]J|\x1bc/g;

  function record(s) {
    var parts = s.split(CLEAR);
    if (parts.length > 1) { transcript.textContent = ''; }
    transcript.textContent += parts[parts.length - 1].replace(/\r\n/g, '\n');
  }

  // printStream prints stream text in the stream's colour and records it.
  function printStream(stream, data) {
    var sgr = SGR[stream];
    printOutside(sgr ? sgr + data + RESET : data);
    record(data);
  }

  // restoredMarker is the line between the restored screen and what is new.
  function restoredMarker(bytes) {
    var text = 'screen restored · ' + (bytes > 0 ? 'new output below' : 'nothing new since');
    if (state.col !== 0) { put('\r\n'); }
    printOutside('\x1b[2m─── ' + text + ' ───' + RESET + '\r\n');
    record('--- ' + text + ' ---\n');
  }

  // ---- line editor -------------------------------------------------------

  // erase removes the edit area (prefix and line) from the screen.
  function erase() {
    var out = '';
    if (state.rowOffset > 0) { out += '\x1b[' + state.rowOffset + 'A'; }
    out += '\r';
    if (state.startCol > 0) { out += '\x1b[' + state.startCol + 'C'; }
    out += '\x1b[J';
    term.write(out);
    state.rowOffset = 0;
    state.col = state.startCol;
  }

  // render draws prefix + line and puts the cursor at state.cursor.
  function render() {
    erase();
    var cols = term.cols;
    var text = state.prefix + state.line;
    var out = text;
    var total = state.startCol + text.length;
    if (text.length > 0 && total % cols === 0) { out += ' \b'; } // leave the pending wrap
    var endRow = Math.floor(total / cols);
    var target = state.startCol + state.prefix.length + state.cursor;
    var row = Math.floor(target / cols);
    var col = target % cols;
    if (endRow > row) { out += '\x1b[' + (endRow - row) + 'A'; }
    out += '\r';
    if (col > 0) { out += '\x1b[' + col + 'C'; }
    term.write(out);
    state.rowOffset = row;
    state.col = col;
  }

  // beginEdit starts a new editable line after prefix at the current column.
  function beginEdit(prefix) {
    state.prefix = prefix;
    state.line = '';
    state.cursor = 0;
    state.rowOffset = 0;
    state.startCol = state.col;
    state.histIdx = state.history.length;
    state.draft = '';
    render();
  }

  // finishLine moves below the edit area and returns the line.
  function finishLine() {
    var line = state.line;
    state.cursor = line.length;
    render();
    term.write('\r\n');
    state.col = 0;
    state.lastChar = '\n';
    state.line = '';
    state.cursor = 0;
    state.prefix = '';
    state.rowOffset = 0;
    state.startCol = 0;
    return line;
  }

  function insert(text) {
    state.line = state.line.slice(0, state.cursor) + text + state.line.slice(state.cursor);
    state.cursor += text.length;
    render();
  }

  function wordLeft(s, i) {
    while (i > 0 && /\s/.test(s.charAt(i - 1))) { i--; }
    while (i > 0 && !/\s/.test(s.charAt(i - 1))) { i--; }
    return i;
  }

  function wordRight(s, i) {
    while (i < s.length && !/\s/.test(s.charAt(i))) { i++; }
    while (i < s.length && /\s/.test(s.charAt(i))) { i++; }
    return i;
  }

  function historyMove(delta) {
    if (state.busy || !state.history.length) { return; }
    var i = state.histIdx + delta;
    if (i < 0 || i > state.history.length) { return; }
    if (state.histIdx === state.history.length) { state.draft = state.line; }
    state.histIdx = i;
    state.line = i === state.history.length ? state.draft : state.history[i];
    state.cursor = state.line.length;
    render();
  }

  function submit() {
    var line = finishLine();
    record(line + '\n');
    if (state.busy) {
      // A running command reads a line (Read-Host).
      send({ type: 'input', data: line });
      beginEdit('');
      return;
    }
    if (line.trim() === '') {
      startPrompt(state.prompt);
      return;
    }
    if (state.history[state.history.length - 1] !== line) { state.history.push(line); }
    runBlock(line);
  }

  function runBlock(text) {
    state.editing = false;
    setBusy(true);
    send({ type: 'input', data: text });
    beginEdit('');
  }

  // paste inserts text; with line breaks it submits the whole block at once.
  function paste(text) {
    text = text.replace(/\r\n?/g, '\n');
    if (text.indexOf('\n') < 0) { insert(text); return; }
    var before = state.line.slice(0, state.cursor);
    var after = state.line.slice(state.cursor);
    var block = before + text + after;
    if (state.busy) {
      // Read-Host: one input per complete line; the rest stays editable.
      var lines = block.split('\n');
      var rest = lines.pop();
      state.line = lines.shift();
      state.cursor = state.line.length;
      submit();
      lines.forEach(function (l) { put(l + '\r\n'); record(l + '\n'); send({ type: 'input', data: l }); });
      if (rest) { insert(rest); }
      return;
    }
    block = block.replace(/\n+$/, '');
    state.line = '';
    state.cursor = 0;
    render();
    var shown = block.split('\n').join('\r\n>> ');
    put(shown + '\r\n');
    record(block + '\n');
    state.prefix = '';
    state.startCol = 0;
    state.rowOffset = 0;
    if (state.history[state.history.length - 1] !== block) { state.history.push(block); }
    runBlock(block);
  }

  function cancelLine() {
    state.cursor = state.line.length;
    render();
    term.write('^C\r\n');
    state.col = 0;
    state.lastChar = '\n';
    state.line = '';
    state.cursor = 0;
    state.prefix = '';
    state.rowOffset = 0;
    state.startCol = 0;
    if (state.busy) {
      beginEdit('');
    } else {
      startPrompt(state.prompt);
    }
  }

  function interrupt() {
    if (!state.connected) { return; }
    if (!state.line && !state.prefix) { put('^C'); }
    send({ type: 'interrupt' });
  }

  function onData(data) {
    if (state.closed || !state.connected) { return; }
    if (!state.editing && !state.busy) { return; }
    switch (data) {
      case '\r': submit(); return;
      case '\x7f': case '\b':
        if (state.cursor > 0) {
          state.line = state.line.slice(0, state.cursor - 1) + state.line.slice(state.cursor);
          state.cursor--;
          render();
        }
        return;
      case '\x1b[3~':
        if (state.cursor < state.line.length) {
          state.line = state.line.slice(0, state.cursor) + state.line.slice(state.cursor + 1);
          render();
        }
        return;
      case '\x1b[D': case '\x1bOD': if (state.cursor > 0) { state.cursor--; render(); } return;
      case '\x1b[C': case '\x1bOC': if (state.cursor < state.line.length) { state.cursor++; render(); } return;
      case '\x1b[H': case '\x1bOH': case '\x1b[1~': state.cursor = 0; render(); return;
      case '\x1b[F': case '\x1bOF': case '\x1b[4~': state.cursor = state.line.length; render(); return;
      case '\x1b[1;5D': case '\x1bb': state.cursor = wordLeft(state.line, state.cursor); render(); return;
      case '\x1b[1;5C': case '\x1bf': state.cursor = wordRight(state.line, state.cursor); render(); return;
      case '\x1b[A': case '\x1bOA': historyMove(-1); return;
      case '\x1b[B': case '\x1bOB': historyMove(1); return;
      case '\x03':
        if (state.busy) { interrupt(); } else { cancelLine(); }
        return;
      case '\x1b': state.line = ''; state.cursor = 0; render(); return;
      case '\x15': state.line = state.line.slice(state.cursor); state.cursor = 0; render(); return;
      case '\t': insert('    '); return;
    }
    if (data.charAt(0) === '\x1b') { return; } // other keys: ignored
    if (data.length > 1 || data === '\n') { paste(data.replace(/\x1b\[20[01]~/g, '')); return; }
    if (data >= ' ') { insert(data); }
  }

  term.onData(onData);

  term.attachCustomKeyEventHandler(function (ev) {
    if (ev.type !== 'keydown') { return true; }
    var key = ev.key ? ev.key.toLowerCase() : '';
    if (ev.ctrlKey && !ev.altKey && key === 'c' && term.hasSelection()) {
      copy(term.getSelection());
      term.clearSelection();
      ev.preventDefault();
      return false;
    }
    if (ev.ctrlKey && !ev.altKey && key === 'v') {
      return false; // the browser's paste event reaches xterm.js
    }
    return true;
  });

  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).catch(function () {});
    }
  }

  // ---- frames ------------------------------------------------------------

  // printOutside writes server text, keeping a half-typed line below it.
  function printOutside(text) {
    var typing = state.line.length > 0 || state.prefix.length > 0;
    if (typing) { erase(); }
    put(text);
    state.startCol = state.col;
    state.rowOffset = 0;
    if (typing) { render(); }
  }

  function setBusy(b) {
    state.busy = b;
    btnCancel.disabled = !b || !state.connected;
    root.classList.toggle('is-busy', b);
  }

  function startPrompt(prompt) {
    state.prompt = prompt;
    if (state.lastChar !== '\n' && state.lastChar !== '\r' && state.col !== 0) { put('\r\n'); }
    state.col = 0;
    state.editing = true;
    beginEdit(prompt);
  }

  function onFrame(f) {
    state.frames++;
    if (pendingPrompt && f.type !== 'hello' && f.type !== 'scrollback' && f.type !== 'restored') {
      clearTimeout(pendingPrompt);
      pendingPrompt = null;
    }
    switch (f.type) {
      case 'hello':
        if (state.attached) {
          // This page reconnects: the gateway sends the whole screen again.
          term.reset();
          transcript.textContent = '';
          state.editing = false;
          state.prefix = '';
          state.line = '';
          state.col = 0;
          state.startCol = 0;
          state.rowOffset = 0;
          state.lastChar = '\n';
        }
        state.attached = true;
        state.connected = true;
        state.prompt = f.prompt || state.prompt;
        if (f.session && f.session.target) { document.title = f.session.target + ' - psgate'; }
        setStatus('Connected', 'ok');
        clearBanner('reconnect');
        setBusy(!!f.busy);
        sendResize();
        if (!f.busy && !state.editing) {
          // Show the prompt unless the replay brings one.
          pendingPrompt = setTimeout(function () {
            pendingPrompt = null;
            if (!state.editing && !state.busy) { startPrompt(state.prompt); }
          }, 200);
        }
        if (f.busy && !state.editing && state.prefix === '' && state.line === '') {
          state.startCol = state.col;
        }
        return;
      case 'output':
      case 'scrollback': // the screen before this attach: printed the same way
        printStream(f.stream, f.data || '');
        return;
      case 'prompt':
        if (state.line.length > 0 || state.prefix.length > 0) { erase(); }
        state.line = '';
        state.prefix = '';
        setBusy(false);
        record(f.prompt || '');
        startPrompt(f.prompt || state.prompt);
        return;
      case 'restored':
        restoredMarker(f.bytes || 0);
        return;
      case 'dropped':
        printOutside('\x1b[2m[' + f.bytes + ' bytes of output were dropped while disconnected]' + RESET + '\r\n');
        record('[' + f.bytes + ' bytes of output were dropped while disconnected]\n');
        return;
      case 'idle_warning':
        idleWarning(f.seconds || 0);
        return;
      case 'message':
        adminMessage(f);
        return;
      case 'closed':
        sessionClosed(f.reason, f.message);
        return;
      case 'error':
        banner('error', 'error', f.message || 'Error', [{ label: 'Dismiss', action: function () { clearBanner('error'); } }]);
        return;
    }
  }

  // ---- banners -----------------------------------------------------------

  function clearBanner(key) {
    var el = banners.querySelector('[data-key="' + key + '"]');
    if (el) {
      if (el._timer) { clearInterval(el._timer); }
      el.remove();
    }
  }

  // banner shows a message with buttons; actions are {label, action, primary}.
  function banner(key, kind, text, actions, link) {
    clearBanner(key);
    var el = document.createElement('div');
    el.className = 'banner banner-' + kind;
    el.dataset.key = key;
    el.setAttribute('role', kind === 'error' || kind === 'warning' ? 'alert' : 'status');
    var p = document.createElement('span');
    p.className = 'banner-text';
    p.textContent = text;
    el.appendChild(p);
    var bar = document.createElement('span');
    bar.className = 'banner-actions';
    (actions || []).forEach(function (a) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn ' + (a.primary ? 'btn-primary' : 'btn-secondary');
      b.textContent = a.label;
      b.addEventListener('click', a.action);
      bar.appendChild(b);
    });
    if (link) {
      var l = document.createElement('a');
      l.className = 'btn btn-primary';
      l.href = link.href;
      l.textContent = link.label;
      bar.appendChild(l);
    }
    el.appendChild(bar);
    banners.appendChild(el);
    return el;
  }

  function countdownText(s) {
    var m = Math.floor(s / 60);
    var r = s % 60;
    return 'Your session will end in ' + (m > 0 ? m + ' min ' : '') + r + ' s because of inactivity.';
  }

  function idleWarning(seconds) {
    var left = seconds;
    var el = banner('idle', 'warning', countdownText(left), [{
      label: 'Stay signed in', primary: true,
      action: function () { send({ type: 'keepalive' }); clearBanner('idle'); term.focus(); }
    }]);
    el._timer = setInterval(function () {
      left = Math.max(0, left - 1);
      el.querySelector('.banner-text').textContent = countdownText(left);
      if (left === 0) { clearInterval(el._timer); }
    }, 1000);
  }

  function adminMessage(f) {
    var key = 'msg-' + f.id;
    var el = banner(key, 'info', 'Message from ' + (f.from || 'administrator') + ': ' + f.text, [{
      label: 'OK', primary: true,
      action: function () { send({ type: 'ack', id: f.id }); clearBanner(key); term.focus(); }
    }]);
    if (f.time > 0) {
      setTimeout(function () { if (el.isConnected) { clearBanner(key); } }, f.time * 1000);
    }
  }

  function sessionClosed(reason, message) {
    state.closed = true;
    state.editing = false;
    setBusy(false);
    setStatus('Session ended', 'closed');
    btnExit.disabled = true;
    // Save (back to the portal, the session keeps running) no longer applies.
    btnSave.setAttribute('aria-disabled', 'true');
    btnSave.removeAttribute('href');
    btnSave.tabIndex = -1;
    clearBanner('idle');
    clearBanner('reconnect');
    // The gateway's message is the same sentence for a known reason: show one.
    var text = REASONS[reason] || message || 'The session ended.';
    put('\r\n\x1b[2m' + text + RESET + '\r\n');
    record(text + '\n');
    banner('closed', reason === 'exit' ? 'info' : 'error', text, [], { href: '/portal', label: 'Back to the portal' });
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = 'console-status status-' + kind;
  }

  // ---- socket ------------------------------------------------------------

  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  function sendResize() {
    send({ type: 'resize', cols: term.cols, rows: term.rows });
  }

  function connect() {
    if (state.closed) { return; }
    clearBanner('reconnect');
    setStatus('Connecting…', 'pending');
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = proto + '//' + location.host + cfg.ws + '?csrf=' + encodeURIComponent(cfg.csrf);
    var ws = new WebSocket(url, 'psgate.v1');
    socket = ws;
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      onFrame(f);
    };
    ws.onclose = function (ev) {
      if (socket !== ws) { return; }
      socket = null;
      state.connected = false;
      btnCancel.disabled = true;
      if (state.closed) { return; }
      if (ev && (ev.code === 4401 || ev.code === 4402)) { // the sign-in ended: no reconnect from here
        var expired = ev.code === 4402;
        state.closed = true;
        state.signedOut = true;
        clearBanner('idle');
        setStatus(expired ? 'Sign-in expired' : 'Signed out', 'error');
        banner('signedout', 'warning', expired ?
          'Your sign-in expired. Sign in again to reconnect — your session is still running.' :
          'You are signed out. The session keeps running on the gateway: sign in again to reconnect to it.', [],
          { href: '/', label: 'Sign in' });
        return;
      }
      setStatus('Disconnected', 'error');
      banner('reconnect', 'warning', 'The connection to the gateway was lost. The session keeps running on the gateway.', [{
        label: 'Reconnect', primary: true, action: function () { connect(); }
      }], { href: '/portal', label: 'Portal' });
    };
  }

  btnCancel.addEventListener('click', function () { interrupt(); term.focus(); });
  btnExit.addEventListener('click', function () {
    if (!send({ type: 'exit' })) { location.href = '/portal'; }
  });

  term.onResize(function () { sendResize(); });
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { try { fit.fit(); } catch (e) { /* ignore */ } }, 100);
  });

  // For end-to-end tests: frame() handles a gateway frame as if it arrived.
  window.psgateConsole = { term: term, state: state, send: send, connect: connect, frame: onFrame, socket: function () { return socket; } };
  connect();
  term.focus();
}());
