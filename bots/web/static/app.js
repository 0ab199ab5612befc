// PlayGenie's web page: one conversation per browser, over the same HTTP API as every client.
"use strict";

const store = {
  get: (k) => { try { return localStorage.getItem("playgenie." + k); } catch { return null; } },
  set: (k, v) => { try { localStorage.setItem("playgenie." + k, v); } catch { /* private mode: this page only */ } },
  del: (k) => { try { localStorage.removeItem("playgenie." + k); } catch { /* ignore */ } },
};
const newId = (prefix) => prefix + "-" + (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
const $ = (sel) => document.querySelector(sel);

let threadId = store.get("thread") || newId("web");
let userId = store.get("user") || newId("web-user");
store.set("thread", threadId);
store.set("user", userId);
let playlist = [];
let chartUrl = null;
let busy = false;
let pendingRetry = null;

// A user token (pg1....) names the user itself; with the admin key or none the page names its own.
const asUser = () => ((store.get("key") || "").startsWith("pg1.") ? undefined : userId);

// ---- the API --------------------------------------------------------------------------------
class NeedKey extends Error {}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const key = store.get("key");
  if (key) headers["X-API-Key"] = key;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options = Object.assign({}, options, { body: JSON.stringify(options.json), method: options.method || "POST" });
  }
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (res.status === 401) throw new NeedKey("this server needs an API key");
  return res;
}

async function detail(res) {
  try {
    const body = await res.json();
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
  } catch { /* not JSON */ }
  return `the server answered ${res.status}`;
}

// ---- the chat log -------------------------------------------------------------------------------
function logKey() { return "log." + threadId; }

function addToLog(kind, text, save = true) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("#log").appendChild(li);
  li.scrollIntoView({ block: "nearest" });
  if (save) {
    const saved = JSON.parse(store.get(logKey()) || "[]");
    saved.push([kind, text]);
    store.set(logKey(), JSON.stringify(saved.slice(-60)));
  }
}

function restoreLog() {
  $("#log").replaceChildren();
  for (const [kind, text] of JSON.parse(store.get(logKey()) || "[]")) addToLog(kind, text, false);
}

// The reply ends with the playlist as numbered lines; the panel on the right shows it, so the chat keeps the words.
function listing(items) {
  return items.map((t, i) => `${i + 1}. ${t.title} — ${t.artist}` + (t.year ? ` (${t.year})` : "")).join("\n");
}

function words(reply, items) {
  const text = reply.trim();
  const list = items.length ? listing(items) : "";
  if (list && text.endsWith(list)) {
    return text.slice(0, -list.length).replace(/\n*Your playlist[^\n]*:\s*$/, "").trim() || "Here's your playlist.";
  }
  return text;
}

// ---- the playlist panel ---------------------------------------------------------------------------
function button(label, aria, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", aria);
  b.title = aria;
  b.addEventListener("click", onClick);
  return b;
}

function renderPlaylist(items, summary) {
  playlist = items;
  const ol = $("#tracks");
  ol.replaceChildren();
  items.forEach((t, i) => {
    const n = i + 1;
    const li = document.createElement("li");
    li.dataset.trackId = t.track_id;
    const pos = document.createElement("span");
    pos.className = "pos";
    pos.textContent = n;
    const body = document.createElement("div");
    const head = document.createElement("div");
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = t.title;
    const artist = document.createElement("span");
    artist.className = "artist";
    artist.textContent = ` — ${t.artist}` + (t.year ? ` (${t.year})` : "");
    head.append(title, artist);
    const stats = document.createElement("div");
    stats.className = "stats";
    stats.textContent = `energy ${t.energy.toFixed(2)} · valence ${t.valence.toFixed(2)} · ${Math.round(t.tempo)} BPM`;
    const why = document.createElement("div");
    why.className = "why";
    why.textContent = t.reason || "";
    body.append(head, stats, why);
    const actions = document.createElement("div");
    actions.className = "actions";
    const name = `${t.title} by ${t.artist}`;
    const up = button("↑", `Move track ${n} up: ${name}`, () => send(`move track ${n} to position ${n - 1}`));
    const down = button("↓", `Move track ${n} down: ${name}`, () => send(`move track ${n} to position ${n + 1}`));
    up.disabled = n === 1;
    down.disabled = n === items.length;
    actions.append(
      up, down,
      button("✕", `Remove track ${n}: ${name}`, () => send(`remove track ${n}`)),
      button("👍", `I like track ${n}: ${name}`, (e) => rate(t, true, e.currentTarget)),
      button("👎", `Not for me, track ${n}: ${name}`, (e) => rate(t, false, e.currentTarget)),
    );
    li.append(pos, body, actions);
    ol.appendChild(li);
  });
  $("#summary").textContent = items.length
    ? `${items.length} tracks` + (summary ? ` · ${summary}` : "")
    : "No playlist yet.";
  $("#exports").hidden = !items.length;
  $("#arc").hidden = !items.length;
  if (items.length) refreshChart();
}

let chartVersion = 0;
async function refreshChart() {
  const version = ++chartVersion;
  try {
    const res = await api(`/v1/threads/${encodeURIComponent(threadId)}/chart.png`);
    if (!res.ok || version !== chartVersion) return;
    const blob = await res.blob();
    if (chartUrl) URL.revokeObjectURL(chartUrl);
    chartUrl = URL.createObjectURL(blob);
    const img = $("#chart");
    img.src = chartUrl;
    img.dataset.version = String(version);
  } catch (err) { if (err instanceof NeedKey) askForKey(); }
}

function describe(query) {
  if (!query) return "";
  const parts = [];
  for (const key of ["genres", "subgenres", "moods", "activities"]) {
    for (const tag of query[key] || []) parts.push(tag.value);
  }
  if (query.years && (query.years.start || query.years.end)) {
    parts.push(`${query.years.start || "…"}–${query.years.end || "…"}`);
  }
  for (const tag of query.artists || []) parts.push(`by ${tag.value}`);
  const not = ["exclude_genres", "exclude_subgenres", "exclude_artists", "exclude_moods"].flatMap((k) => (query[k] || []).map((t) => t.value));
  return [...new Set(parts)].join(", ") + (not.length ? `; not ${not.join(", ")}` : "");
}

// ---- actions ----------------------------------------------------------------------------------------
function setBusy(on) {
  busy = on;
  $("#send").disabled = on;
  document.querySelectorAll("#tracks button, #exports button").forEach((b) => { b.disabled = on || b.disabled; });
  $("#composer").setAttribute("aria-busy", on ? "true" : "false");
}

async function send(text) {
  text = text.trim();
  if (!text || busy) return;
  addToLog("me", text);
  setBusy(true);
  try {
    const res = await api("/v1/chat", { json: { thread_id: threadId, user_id: asUser(), text } });
    if (!res.ok) {
      addToLog("error", `Sorry: ${await detail(res)}`);
      return;
    }
    const out = await res.json();
    addToLog("bot", words(out.reply, out.playlist));
    renderPlaylist(out.playlist, describe(out.query));
    if (out.export) exportAs(out.export);  // "export it as csv": the file, as its button gives it
  } catch (err) {
    if (err instanceof NeedKey) { pendingRetry = text; askForKey(); }
    else addToLog("error", "Sorry: the server could not be reached. Try again in a moment.");
  } finally {
    setBusy(false);
    renderButtons();
  }
}

function renderButtons() {
  // Re-derive the disabled states that setBusy may have set.
  const items = document.querySelectorAll("#tracks li");
  items.forEach((li, i) => {
    const [up, down, ...rest] = li.querySelectorAll(".actions button");
    up.disabled = i === 0;
    down.disabled = i === items.length - 1;
    rest.forEach((b) => { b.disabled = false; });
  });
  document.querySelectorAll("#exports button").forEach((b) => { b.disabled = false; });
}

async function rate(track, liked, btn) {
  try {
    const res = await api("/v1/feedback", { json: { thread_id: threadId, user_id: asUser(), track_id: track.track_id, liked } });
    addToLog(res.ok ? "note" : "error", res.ok ? (await res.json()).message : `Sorry: ${await detail(res)}`);
    if (res.ok) btn.setAttribute("aria-pressed", "true");
  } catch (err) { if (err instanceof NeedKey) askForKey(); }
}

async function exportAs(fmt) {
  try {
    const res = await api(`/v1/threads/${encodeURIComponent(threadId)}/export?fmt=${fmt}`);
    if (!res.ok) { addToLog("error", `Sorry: ${await detail(res)}`); return; }
    const match = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = match ? match[1] : `playgenie.${fmt}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    addToLog("note", `Exported as ${fmt.toUpperCase()}: ${a.download}`);
  } catch (err) { if (err instanceof NeedKey) askForKey(); }
}

function askForKey() {
  $("#key-form").hidden = false;
  $("#api-key").focus();
}

async function load() {
  restoreLog();
  renderPlaylist([], "");
  try {
    const res = await api(`/v1/threads/${encodeURIComponent(threadId)}`);
    if (res.ok) {
      const out = await res.json();
      renderPlaylist(out.playlist, describe(out.query));
    }
  } catch (err) { if (err instanceof NeedKey) askForKey(); }
}

function newConversation() {
  store.del(logKey());
  threadId = newId("web");
  store.set("thread", threadId);
  restoreLog();
  renderPlaylist([], "");
  addToLog("note", "New conversation. What would you like to hear?");
  $("#message").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#message");
    const text = input.value;
    input.value = "";
    send(text);
  });
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    store.set("key", $("#api-key").value.trim());
    $("#key-form").hidden = true;
    const retry = pendingRetry;
    pendingRetry = null;
    if (retry) {
      const log = JSON.parse(store.get(logKey()) || "[]");  // the retried message is logged again by send()
      if (log.length && log[log.length - 1][1] === retry) { log.pop(); store.set(logKey(), JSON.stringify(log)); }
      restoreLog();
      send(retry);
    } else load();
  });
  $("#new-conversation").addEventListener("click", newConversation);
  $("#exports").addEventListener("click", (e) => {
    const fmt = e.target.closest("button")?.dataset.fmt;
    if (fmt) exportAs(fmt);
  });
  load();
  $("#message").focus();
});
