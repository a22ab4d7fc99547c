// Baton console: reads GET /v1/status, follows /v1/events/stream, steers through the /v1 API.
// Plain JS, no dependencies, no requests to other hosts. Every text from the API goes in as text.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "baton.token";
let status = null;            // the last GET /v1/status
let statusAt = 0;             // when it came, on performance.now()
let selected = null;          // the service being steered
let draft = null;             // the ranking being edited: node names, best first
let dirty = false;            // draft changed by the user and not saved
let dragging = false;         // a ranking entry is being dragged: the list is not rebuilt under it
let lastSeq = 0;              // the newest event seen, to resume the stream
let statusError = null;       // why the last GET /v1/status failed, or null
let streamUp = false;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.includes("-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

function headers(extra) {
  const h = Object.assign({ "Accept": "application/json" }, extra || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

// One API call: {ok, status, body}; a 401 asks for the token and shows why. `timeoutMs`: give up then.
async function api(method, path, body, timeoutMs) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (timeoutMs) init.signal = AbortSignal.timeout(timeoutMs);
  const res = await fetch(path, init);
  let json = null;
  try { json = await res.json(); } catch (e) { json = null; }
  if (res.status === 401) askToken(json && json.error);
  return { ok: res.ok, status: res.status, body: json };
}

// Shows the token form with the agent's reason for the 401.
function askToken(why) {
  $("token-why").textContent = "401 " + (why || "this agent needs its API token");
  $("token-forget").hidden = true;
  if (!$("token-form").hidden) return;
  $("token-form").hidden = false;
  $("token").focus();
}

function tokenChanged() {
  $("token-forget").hidden = !sessionStorage.getItem(TOKEN_KEY);
  refresh();
  restartStream();
}

$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value);
  $("token").value = "";
  $("token-form").hidden = true;
  show(true, "token set for this tab; try again");
  tokenChanged();
});

$("token-forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  show(true, "token forgotten");
  tokenChanged();
});

function show(ok, text) {
  const r = $("result");
  r.className = "result " + (ok ? "ok" : "error");
  r.textContent = text;
}

// Runs a verb: confirms first when it stops something, then shows the answer or the API's error.
async function verb(label, method, path, body, stops) {
  if (stops && !confirm(label + "?\nThis stops or moves a running service.")) return;
  try {
    const r = await api(method, path, body);
    const msg = r.body && r.body.error ? r.body.error
      : r.body && r.body.detail ? r.body.detail : JSON.stringify(r.body);
    show(r.ok, label + ": " + (r.ok ? "" : r.status + " ") + msg);
    if (r.ok) dirty = false;
  } catch (e) {
    show(false, label + ": the agent did not answer (" + e.message + ")");
  }
  refresh();
}

// One read of /v1/status at a time, given up after 5 s: an agent that hangs shows as stale
// instead of piling up requests that would hold back the buttons'.
const READ_TIMEOUT_MS = 5000;
let reading = false;
let readAgain = false;        // asked for during a read: read once more after it
async function refresh() {
  if (reading) { readAgain = true; return; }
  reading = true;
  await readStatus();
  reading = false;
  if (readAgain) { readAgain = false; refresh(); }
}

async function readStatus() {
  try {
    const r = await api("GET", "/v1/status", undefined, READ_TIMEOUT_MS);
    if (r.status === 401) { // the agent answers, but only with the token: the token form says why, not "stale"
      statusError = null;
      return renderStale();
    }
    if (!r.ok) throw new Error((r.body && r.body.error) || ("HTTP " + r.status));
    status = r.body;
    statusAt = performance.now();
    statusError = null;
    render();
  } catch (e) {
    statusError = e.name === "TimeoutError" ? "no answer in " + READ_TIMEOUT_MS / 1000 + " s" : e.message;
  }
  renderStale();
}

let refreshTimer = null;
function refreshSoon() {
  if (!refreshTimer) refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 100);
}

function renderStale() {
  const s = $("stale");
  let text = null;
  if (statusError) text = "View stale: this agent does not answer (" + statusError + "); what you see may be out of date.";
  else if (status && status.stale) text = "View stale: this agent last read the store "
    + (status.viewAgeMillis / 1000).toFixed(1) + " s ago (store unreachable?); what you see may be out of date.";
  s.hidden = !text;
  s.textContent = text || "";
}

function render() {
  $("where").textContent = "group " + status.group + " · this agent: " + status.node;
  $("store").hidden = !status.store; // what the store says of itself: a pair member's role and term
  $("store").textContent = status.store || "";
  const nodes = status.nodes.map((n) => n.name);
  const services = status.services;
  if (!selected || !services.some((s) => s.name === selected)) selected = services.length ? services[0].name : null;

  const head = el("tr", {}, el("th", {}, "service"), ...nodes.map((n) => el("th", {}, n)));
  const rows = services.map((s) => {
    const meta = "epoch " + s.epoch + " · failback " + s.failback + (s.failback === "rank" ? " " + s.failbackDelay : "")
      + (s.pausedSince ? " · PAUSED " + s.pausedFor : "") + (s.moving ? " · moving to " + s.moving : "")
      + (s.takeoverIn ? " · takeover in " + s.takeoverIn : "");
    const cells = nodes.map((n) => {
      const p = s.providers.find((x) => x.node === n);
      if (!p) return el("td", { "class": "cell none", "data-service": s.name, "data-node": n }, "not provided");
      const owner = s.owner === n;
      return el("td", { "class": "cell state-" + p.state + (owner ? " owner" : ""), "data-service": s.name, "data-node": n },
        el("span", { "class": "state" }, (owner ? "★ owner · " : "") + p.state),
        p.reason ? el("span", { "class": "reason" }, p.reason) : null,
        el("span", { "class": "meta" }, [owner ? "epoch " + s.epoch : null,
          p.place ? "place " + p.place : null, p.rank ? "rank " + p.rank : null,
          p.bannedUntil ? "banned until " + p.bannedUntil : null, p.failed ? "FAILED" : null].filter(Boolean).join(" · ")));
    });
    return el("tr", { "data-service": s.name },
      el("th", { "class": "svc" }, s.name, el("span", { "class": "meta" }, s.state.toUpperCase() + " · " + meta)), ...cells);
  });
  // Replaced only when what it shows changed: an unchanged board keeps its elements across refreshes.
  rebuild($("board"), JSON.stringify([nodes, services]), () => [el("thead", {}, head), el("tbody", {}, ...rows)]);

  const owned = {};
  for (const s of services) if (s.owner) (owned[s.owner] = owned[s.owner] || []).push(s.name);
  const nhead = el("tr", {}, ...["node", "state", "location", "api", "lease", "last heartbeat", "owns", ""].map((h) => el("th", {}, h)));
  const nrows = () => status.nodes.map((n) => el("tr", { "data-node": n.name },
    el("td", {}, n.name + (n.name === status.node ? " (this agent)" : "")),
    el("td", { "class": "node-" + n.state }, n.state), el("td", {}, n.location), el("td", {}, n.api || "-"),
    el("td", {}, n.lease || "?"),
    el("td", {}, el("span", { "class": "renewed" }), " · every " + (n.heartbeat || "?")),
    el("td", {}, (owned[n.name] || []).join(", ") || "-"),
    el("td", {}, n.state === "drained"
      ? el("button", { type: "button", "data-undrain": n.name, onclick: () => verb("undrain " + n.name, "POST",
          "/v1/nodes/" + encodeURIComponent(n.name) + "/undrain") }, "Undrain")
      : el("button", { type: "button", "data-drain": n.name, onclick: () => verb("drain " + n.name, "POST",
          "/v1/nodes/" + encodeURIComponent(n.name) + "/drain", undefined, true) }, "Drain"))));
  const same = status.nodes.map((n) => Object.assign({}, n, { renewalAgeMillis: null }));
  rebuild($("nodes"), JSON.stringify([status.node, same, owned]), () => [el("thead", {}, nhead), el("tbody", {}, ...nrows())]);
  for (const n of status.nodes) {
    $("nodes").querySelector("tr[data-node='" + CSS.escape(n.name) + "'] .renewed").dataset.age = n.renewalAgeMillis ?? "";
  }
  tickRenewals();

  renderSteer(nodes);
}

// How long ago a node renewed, counted on from the agent's answer until the next one.
function renewed(ageMillis) {
  if (ageMillis == null || ageMillis === "") return "not seen renewing yet";
  const s = (Number(ageMillis) + performance.now() - statusAt) / 1000;
  return (s < 60 ? s.toFixed(1) : Math.round(s)) + " s ago";
}

function tickRenewals() {
  for (const e of document.querySelectorAll("#nodes .renewed")) e.textContent = renewed(e.dataset.age);
}

// Replaces what `container` shows only when `key` says it changed: a focused button stays focused
// and a drag stays under way across the reads every second.
function rebuild(container, key, build) {
  if (container.dataset.key === key) return;
  container.replaceChildren(...build());
  container.dataset.key = key;
}

function options(select, values, keep) {
  const was = select.value;
  const same = select.options.length === values.length
    && values.every(([v, label], i) => select.options[i].value === v && select.options[i].textContent === label);
  if (same) return; // left alone: an open list, or an option being picked, survives the refresh
  select.replaceChildren(...values.map(([v, label]) => el("option", { value: v }, label)));
  if (keep && values.some(([v]) => v === was)) select.value = was;
}

function renderSteer(nodes) {
  const s = status.services.find((x) => x.name === selected);
  $("steer").hidden = !s;
  if (!s) return;
  options($("svc"), status.services.map((x) => [x.name, x.name]), false);
  $("svc").value = selected;
  if (!dirty) draft = s.ranking.map((r) => r.node);
  $("rank-source").textContent = s.ranking.length ? "(" + s.ranking[0].source + ")" : "(none: unranked)";
  $("rank-dirty").hidden = !dirty;
  if (!dragging) rebuild($("ranking"), JSON.stringify(draft), () => draft.map((n, i) => el("li", { "data-node": n, draggable: true,
    ondragstart: (e) => dragStart(e, n), ondragover: dragOver, ondragleave: (e) => e.currentTarget.classList.remove("drop-here"),
    ondrop: (e) => drop(e, i), ondragend: dragEnd }, n,
    el("button", { type: "button", title: "up", "aria-label": "move " + n + " up", disabled: i === 0,
      onclick: () => moveRank(i, i - 1, "move " + n + " up") }, "↑"),
    el("button", { type: "button", title: "down", "aria-label": "move " + n + " down", disabled: i === draft.length - 1,
      onclick: () => moveRank(i, i + 1, "move " + n + " down") }, "↓"),
    el("button", { type: "button", title: "remove", "aria-label": "remove " + n, onclick: () => { draft.splice(i, 1); dirty = true; render(); } }, "✕"))));
  const providers = s.providers.map((p) => p.node);
  options($("rank-add"), providers.filter((n) => !draft.includes(n)).map((n) => [n, n]), true);
  if (document.activeElement !== $("failback") && document.activeElement !== $("failback-delay") && !dirty) {
    $("failback").value = s.failback;
    $("failback-delay").value = s.failbackDelay || "";
  }
  options($("move-to"), providers.filter((n) => n !== s.owner).map((n) => [n, n]), true);
  options($("clear-node"), [["", "every node"]].concat(providers.map((n) => [n, n])), true);
}

// Moves the entry at `from` to `to`; `focus`: the label of the button to keep the keyboard on.
function moveRank(from, to, focus) {
  if (from < 0 || from === to) return;
  const [n] = draft.splice(from, 1);
  draft.splice(to, 0, n);
  dirty = true;
  render();
  const again = focus && $("ranking").querySelector("button[aria-label='" + CSS.escape(focus) + "']");
  if (again && !again.disabled) again.focus();
}

// Drag and drop (HTML5 events): a dropped entry takes the place of the one it is dropped on.
const DRAG_TYPE = "application/x-baton-node";
function dragStart(e, node) {
  dragging = true;
  e.dataTransfer.effectAllowed = "move";
  e.dataTransfer.setData(DRAG_TYPE, node);
  e.currentTarget.classList.add("dragged");
}

function dragOver(e) {
  if (!e.dataTransfer.types.includes(DRAG_TYPE)) return; // not one of ours: no drop here
  e.preventDefault();
  e.dataTransfer.dropEffect = "move";
  e.currentTarget.classList.add("drop-here");
}

function drop(e, to) {
  e.preventDefault();
  dragEnd();
  moveRank(draft.indexOf(e.dataTransfer.getData(DRAG_TYPE)), to);
}

function dragEnd() {
  dragging = false;
  for (const li of $("ranking").children) li.classList.remove("dragged", "drop-here");
  render();
}

const svcPath = (suffix) => "/v1/services/" + encodeURIComponent(selected) + suffix;
$("svc").addEventListener("change", () => { selected = $("svc").value; dirty = false; render(); });
$("rank-add-btn").addEventListener("click", () => { if ($("rank-add").value) { draft.push($("rank-add").value); dirty = true; render(); } });
$("rank-save").addEventListener("click", () => verb("rank " + selected, "PUT", svcPath("/ranking"), { ranking: draft }));
$("rank-clear").addEventListener("click", () => verb("clear the ranking of " + selected, "PUT", svcPath("/ranking"), { ranking: [] }));
$("failback-save").addEventListener("click", () => {
  const body = { policy: $("failback").value };
  if ($("failback-delay").value.trim()) body.delay = $("failback-delay").value.trim();
  verb("failback " + selected, "PUT", svcPath("/failback"), body);
});
$("move").addEventListener("click", () => verb("move " + selected + " to " + $("move-to").value, "POST",
  svcPath("/move"), { to: $("move-to").value }, true));
$("disable").addEventListener("click", () => verb("disable " + selected, "POST", svcPath("/disable"), undefined, true));
$("enable").addEventListener("click", () => verb("enable " + selected, "POST", svcPath("/enable")));
$("pause").addEventListener("click", () => verb("pause " + selected, "POST", svcPath("/pause")));
$("resume").addEventListener("click", () => verb("resume " + selected, "POST", svcPath("/resume")));
$("restart").addEventListener("click", () => verb("restart " + selected, "POST", svcPath("/restart"), undefined, true));
$("clear").addEventListener("click", () => verb("clear bans of " + selected, "POST",
  svcPath("/clear") + ($("clear-node").value ? "?node=" + encodeURIComponent($("clear-node").value) : "")));

// The event stream, read with fetch (EventSource cannot send the token); reconnects with backoff.
const MAX_EVENTS = 200;
let backoff = 1000;
let streamAbort = null;
let reconnectTimer = null;

function setLive(up, text) {
  streamUp = up;
  $("live").className = "live " + (up ? "up" : "down");
  $("live").textContent = text;
}

function addEvent(e) {
  lastSeq = Math.max(lastSeq, e.seq);
  const line = [e.seq, e.time, e.type, e.node || "-", e.service || "-", e.epoch == null ? "-" : e.epoch, e.detail || ""].join(" ");
  const list = $("events");
  list.prepend(el("li", { "data-type": e.type }, line));
  while (list.children.length > MAX_EVENTS) list.lastChild.remove();
}

async function stream() {
  streamAbort = new AbortController();
  try {
    const res = await fetch("/v1/events/stream?since=" + lastSeq,
      { headers: headers({ "Accept": "text/event-stream" }), signal: streamAbort.signal });
    if (res.status === 401) {
      const body = await res.json().catch(() => ({}));
      askToken(body.error);
      setLive(false, "live updates need the API token");
      return; // the token form restarts the stream
    }
    if (!res.ok) throw new Error("HTTP " + res.status);
    setLive(true, "live");
    backoff = 1000;
    refresh();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
        if (data) { addEvent(JSON.parse(data)); refreshSoon(); }
      }
    }
    throw new Error("the stream ended");
  } catch (e) {
    if (e.name === "AbortError") return;
    const wait = backoff;
    backoff = Math.min(backoff * 2, 15000);
    setLive(false, "live updates lost (" + e.message + "); reconnecting in " + Math.round(wait / 1000) + " s");
    reconnectTimer = setTimeout(stream, wait);
    refresh();
  }
}

function restartStream() {
  if (streamAbort) streamAbort.abort();
  clearTimeout(reconnectTimer);
  stream();
}

// The stream brings every change; the poll every second keeps the nodes' last heartbeats current
// and notices an agent or a store that has gone quiet. Between answers the ages count on.
setInterval(refresh, 1000);
setInterval(tickRenewals, 200);
$("token-forget").hidden = !sessionStorage.getItem(TOKEN_KEY);
refresh();
stream();
