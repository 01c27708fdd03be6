// WildChat chat page: consent gate, chat with streamed replies, history, settings, data deletion.
// Talks to the service on the same origin; the web page authenticates with the HttpOnly cookie
// that POST /api/consent sets, so every request sends credentials: "same-origin".

import { copyText, installCopyHandler, renderMarkdown } from "./markdown.js";

const STORAGE = {
  conversation: "wildchat.conversationId",
  settings: "wildchat.settings", // {model id: {temperature, top_p}} the participant chose
  model: "wildchat.model",
};
// OpenAI's defaults, for a model that recommends none of its own (GET /v1/models `defaults`).
const OPENAI_SETTINGS = { temperature: 1, top_p: 1 };
const MODEL_POLL_MS = 5000;
const TITLE_CHARS = 60;
const TERMS_CHANGED =
  "The terms have changed since you agreed to them. Please read them and agree again to keep " +
  "chatting. If you do not agree, you can delete your data instead.";

const $ = (id) => document.getElementById(id);
const el = {
  app: $("app"),
  consent: $("consent"),
  consentTitle: $("consent-title"),
  consentNotice: $("consent-notice"),
  agreeTerms: $("agree-terms"),
  step2: $("consent-step2"),
  publicationForm: $("publication-form"),
  agreePublication: $("agree-publication"),
  confirmConsent: $("confirm-consent"),
  consentBack: $("consent-back"),
  consentError: $("consent-error"),
  gateDelete: $("gate-delete"),
  sidebar: $("sidebar"),
  sidebarToggle: $("sidebar-toggle"),
  sidebarClose: $("sidebar-close"),
  scrim: $("sidebar-scrim"),
  newChat: $("new-chat"),
  newChatTop: $("new-chat-top"),
  conversationList: $("conversation-list"),
  conversationEmpty: $("conversation-empty"),
  apiDisclosure: $("api-disclosure"),
  apiKey: $("api-key"),
  copyApiKey: $("copy-api-key"),
  apiBaseUrl: $("api-base-url"),
  apiSnippet: $("api-snippet"),
  showTerms: $("show-terms"),
  termsDialog: $("terms-dialog"),
  termsDialogContent: $("terms-dialog-content"),
  termsClose: $("terms-close"),
  termsContent: $("terms-content"),
  deleteData: $("delete-data"),
  deleteDialog: $("delete-dialog"),
  deleteForm: $("delete-form"),
  deleteCancel: $("delete-cancel"),
  deleteConfirm: $("delete-confirm"),
  deleteError: $("delete-error"),
  modelPicker: $("model-picker"),
  modelSelect: $("model-select"),
  modelName: $("model-name"),
  modelStatus: $("model-status"),
  modelInfo: $("model-info"),
  settingsToggle: $("settings-toggle"),
  settingsPanel: $("settings-panel"),
  temperature: $("temperature"),
  temperatureValue: $("temperature-value"),
  topP: $("top-p"),
  topPValue: $("top-p-value"),
  resetSettings: $("reset-settings"),
  scroller: $("scroller"),
  emptyState: $("empty-state"),
  messages: $("messages"),
  scrollDown: $("scroll-down"),
  notice: $("notice"),
  composer: $("composer"),
  prompt: $("prompt"),
  send: $("send"),
  stop: $("stop"),
  status: $("status"),
};

const state = {
  models: [], // from GET /v1/models
  model: null, // id of the selected model
  defaultModel: null, // from GET /api/session
  conversationId: null,
  messages: [], // [{role, content}] of the open conversation, as sent to the API
  conversations: [], // from GET /api/conversations
  controller: null, // AbortController of the reply being streamed
  stick: true, // keep the view scrolled to the bottom while a reply streams
  cooldownUntil: 0, // rate limited until this time (ms since epoch)
  cooldownTimer: 0,
  modelPoll: 0,
  ready: false, // startChat() finished: models, session and the open conversation are loaded
  queued: false, // a message was sent before that: it goes out as soon as the chat is ready
  awaitingModel: false, // the notice says the model is still loading: replace it once it is ready
};

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/** An error response in the OpenAI format, or a network failure (status 0). */
class ApiError extends Error {
  constructor(status, message, { type = null, code = null, retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function errorFromResponse(res) {
  let message = `The server answered ${res.status} ${res.statusText}`.trim();
  let type = null;
  let code = null;
  try {
    const body = await res.json();
    if (body?.error?.message) {
      message = body.error.message;
      type = body.error.type ?? null;
      code = body.error.code ?? null;
    }
  } catch {
    // not JSON (a proxy's error page): keep the generic message
  }
  return new ApiError(res.status, message, { type, code, retryAfter: parseRetryAfter(res) });
}

/** Retry-After is either seconds or an HTTP date; returns seconds or null. */
function parseRetryAfter(res) {
  const value = res.headers.get("Retry-After");
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** JSON request to the service. Throws ApiError; a 401 also brings the consent gate back. */
async function api(path, { method = "GET", body, signal } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "Could not reach the server. Check your connection and try again.");
  }
  if (!res.ok) {
    const error = await errorFromResponse(res);
    if (res.status === 401 && path !== "/api/consent") sessionLost();
    if (error.code === "consent_outdated") termsChanged();
    throw error;
  }
  return res.status === 204 ? null : res.json();
}

/**
 * Parse a server-sent event stream: yields the data of each event (multi-line data joined
 * with "\n"). Lines may be split across reads and end in \n, \r\n or \r, so a partial line
 * stays buffered until its end arrives.
 */
async function* sseData(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data = [];
  const takeLines = function* (final) {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next read.
      if (!match || (!final && match[0] === "\r" && match.index === buffer.length - 1)) return;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield line;
    }
  };
  const handle = (line) => {
    if (line === "") {
      const event = data.length ? data.join("\n") : null;
      data = [];
      return event;
    }
    if (line.startsWith(":")) return null; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    return null;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (const line of takeLines(false)) {
        const event = handle(line);
        if (event !== null) yield event;
      }
    }
    buffer += decoder.decode();
    if (buffer) buffer += "\n";
    for (const line of takeLines(true)) {
      const event = handle(line);
      if (event !== null) yield event;
    }
    // Be lenient with a stream that ends without the final blank line.
    if (data.length) yield data.join("\n");
  } finally {
    reader.releaseLock();
  }
}

// ---------------------------------------------------------------------------------------------
// Small UI helpers

function announce(text) {
  // Clearing first makes screen readers repeat an identical message.
  el.status.textContent = "";
  setTimeout(() => {
    el.status.textContent = text;
  }, 50);
}

function showNotice(text, kind = "error") {
  state.awaitingModel = false;
  el.notice.className = `notice${kind === "error" ? "" : ` notice-${kind}`}`;
  el.notice.textContent = text;
  el.notice.hidden = false;
}

function hideNotice() {
  el.notice.hidden = true;
  el.notice.textContent = "";
}

function svgIcon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}

function readJson(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; plain-http deployments fall back to this.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const finePointer = window.matchMedia("(pointer: fine)");

// ---------------------------------------------------------------------------------------------
// Consent gate

/** The consent gate; `outdated`: the participant agreed to earlier terms, and may delete their
 * data from here instead of agreeing again. */
function showGate(message, { outdated = false } = {}) {
  abortReply();
  state.ready = false;
  releaseQueued();
  closeSidebar();
  closeSettings();
  for (const dialog of [el.deleteDialog, el.termsDialog]) if (dialog.open) dialog.close();
  el.app.hidden = true;
  el.app.inert = true;
  el.consent.hidden = false;
  el.agreePublication.checked = false;
  el.confirmConsent.disabled = true;
  el.consentError.hidden = true;
  el.consentNotice.hidden = !message;
  el.consentNotice.textContent = message || "";
  el.gateDelete.hidden = !outdated;
  document.body.dataset.consented = "false";
  window.scrollTo(0, 0);
  el.consentTitle.focus();
}

/** The server no longer knows us (401): cookie expired or data deleted elsewhere. */
function sessionLost() {
  if (el.consent.hidden) {
    showGate("Your session has ended. Please agree to the terms again to keep chatting.");
  }
}

/** The terms changed since the participant agreed (403 consent_outdated): ask again. */
function termsChanged() {
  if (el.consent.hidden) showGate(TERMS_CHANGED, { outdated: true });
}

function openStep2() {
  el.agreePublication.checked = false;
  el.confirmConsent.disabled = true;
  el.consentError.hidden = true;
  el.step2.showModal();
  el.agreePublication.focus();
}

async function confirmConsent(event) {
  event.preventDefault();
  if (!el.agreePublication.checked) return;
  el.confirmConsent.disabled = true;
  el.consentError.hidden = true;
  try {
    const result = await api("/api/consent", {
      method: "POST",
      body: { agree_terms: true, agree_publication: true },
    });
    el.step2.close();
    showApiKey(result.api_key);
    el.consent.hidden = true;
    el.app.hidden = false;
    el.app.inert = false;
    document.body.dataset.consented = "true";
    await startChat();
    announce("Thanks. You can start chatting now.");
  } catch (err) {
    el.consentError.textContent = describeError(err);
    el.consentError.hidden = false;
    el.confirmConsent.disabled = !el.agreePublication.checked;
  }
}

/** Offer the API key once; it is kept only in the page, never in storage. */
function showApiKey(key) {
  if (!key) return;
  el.apiKey.value = key;
  el.apiBaseUrl.value = `${location.origin}/v1`;
  renderApiSnippet();
  el.apiDisclosure.hidden = false;
}

function renderApiSnippet() {
  if (!el.apiKey.value) return;
  el.apiSnippet.textContent =
    `from openai import OpenAI\n\n` +
    `client = OpenAI(\n    base_url="${el.apiBaseUrl.value}",\n    api_key="${el.apiKey.value}",\n)\n` +
    `reply = client.chat.completions.create(\n    model="${state.model ?? "MODEL"}",\n` +
    `    messages=[{"role": "user", "content": "Hello!"}],\n)\nprint(reply.choices[0].message.content)`;
}

// ---------------------------------------------------------------------------------------------
// Start-up after consent

async function startChat() {
  state.ready = false;
  const stored = localStorage.getItem(STORAGE.conversation);
  state.conversationId = stored || newId();
  localStorage.setItem(STORAGE.conversation, state.conversationId);

  const [session] = await Promise.allSettled([api("/api/session"), loadModels(), loadConversations()]);
  if (session.status === "fulfilled") {
    if (!session.value.consented) {
      if (session.value.consent_outdated) termsChanged();
      else sessionLost();
      return;
    }
    state.defaultModel = session.value.default_model;
    if (!localStorage.getItem(STORAGE.model) && state.defaultModel) selectModel(state.defaultModel);
  }
  // Reopen the stored conversation from the server's copy, if it has one.
  const saved = state.conversations.find((c) => c.conversation_id === state.conversationId);
  openConversation(state.conversationId, saved ? saved.messages : []);
  state.ready = true;
  const queued = state.queued;
  releaseQueued();
  updateComposer();
  if (finePointer.matches) el.prompt.focus();
  if (queued) sendPrompt();
}

// ---------------------------------------------------------------------------------------------
// Models

async function loadModels() {
  clearTimeout(state.modelPoll);
  try {
    const result = await api("/v1/models");
    state.models = Array.isArray(result?.data) ? result.data : [];
  } catch (err) {
    if (err.status === 401 || err.code === "consent_outdated") return; // the gate is showing
    state.models = [];
    el.modelName.textContent = "Model list unavailable";
    el.modelInfo.textContent = describeError(err);
    return;
  }
  renderModels();
  if (state.awaitingModel && currentModel()?.ready) {
    showNotice("The model is ready now. Send your message again.", "info");
  }
  // A model still loading (not one that failed to): look again shortly, to notice when it is ready.
  if (state.models.some((m) => m.ready === false && m.status !== "failed")) {
    state.modelPoll = setTimeout(loadModels, MODEL_POLL_MS);
  }
}

/** A model's name in the picker, with its state while it cannot answer. */
function modelLabel(model) {
  if (model.status === "failed") return `${model.id} (unavailable)`;
  return model.ready === false ? `${model.id} (loading…)` : model.id;
}

function renderModels() {
  const models = state.models;
  const wanted = state.model || localStorage.getItem(STORAGE.model) || state.defaultModel;
  const fallback = models.find((m) => m.ready !== false) || models[0];
  state.model = (models.find((m) => m.id === wanted) || fallback)?.id ?? null;

  el.modelPicker.hidden = models.length < 2;
  el.modelName.hidden = models.length >= 2;
  el.modelSelect.replaceChildren(
    ...models.map((m) => {
      const option = new Option(modelLabel(m), m.id);
      option.selected = m.id === state.model;
      return option;
    }),
  );
  renderModelInfo();
}

function currentModel() {
  return state.models.find((m) => m.id === state.model) || null;
}

function renderModelInfo() {
  const model = currentModel();
  if (!model) {
    el.modelName.hidden = false;
    el.modelName.textContent = "No model available";
    el.modelInfo.textContent = "The service has no model to answer right now. Please try again later.";
    el.modelStatus.hidden = true;
    updateComposer();
    return;
  }
  el.modelName.textContent = model.id;
  el.modelInfo.textContent = model.description || `Answers come from ${model.id}.`;
  el.modelInfo.title = el.modelInfo.textContent;
  // With a picker, the option label already says "loading"; the pill is for the single-model case.
  const failed = model.status === "failed";
  el.modelStatus.hidden = model.ready !== false || state.models.length > 1;
  el.modelStatus.textContent = failed ? "Unavailable" : "Loading";
  if (failed) {
    el.modelInfo.textContent = `${model.id} could not be loaded on this server, so it cannot answer right now.`;
  } else if (model.ready === false) {
    el.modelInfo.textContent = `${el.modelInfo.textContent} (still loading: replies start once it is ready)`;
  }
  el.prompt.placeholder = `Message ${model.id}`;
  loadSettings();
  renderApiSnippet();
  updateComposer();
}

function selectModel(id) {
  if (!state.models.some((m) => m.id === id)) return;
  state.model = id;
  el.modelSelect.value = id;
  renderModelInfo();
}

// ---------------------------------------------------------------------------------------------
// Settings (temperature, top-p): each model starts from the defaults it recommends (a small
// model rambles at OpenAI's temperature 1), and keeps what the participant chose for it.

/** The selected model's recommended settings, OpenAI's where it recommends none. */
function modelDefaults() {
  const defaults = currentModel()?.defaults ?? {};
  const pick = (name) => (Number.isFinite(defaults[name]) ? defaults[name] : OPENAI_SETTINGS[name]);
  return { temperature: pick("temperature"), top_p: pick("top_p") };
}

/** The settings chosen per model; entries of another shape (one global pair, as pages before
 * per-model defaults stored) are dropped. */
function savedSettings() {
  const saved = readJson(STORAGE.settings, {});
  if (!saved || typeof saved !== "object" || Array.isArray(saved)) return {};
  return Object.fromEntries(Object.entries(saved).filter(([, value]) => value && typeof value === "object"));
}

/** Show the selected model's settings: those chosen for it, else its defaults. */
function loadSettings() {
  const chosen = state.model ? savedSettings()[state.model] : undefined;
  applySettings({ ...modelDefaults(), ...chosen });
}

function applySettings({ temperature, top_p }) {
  const defaults = modelDefaults();
  el.temperature.value = String(clamp(Number(temperature), 0, 2, defaults.temperature));
  el.topP.value = String(clamp(Number(top_p), 0, 1, defaults.top_p));
  showSettingValues();
}

function clamp(value, min, max, fallback) {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

function showSettingValues() {
  el.temperatureValue.textContent = Number(el.temperature.value).toFixed(2);
  el.topPValue.textContent = Number(el.topP.value).toFixed(2);
}

function currentSettings() {
  return { temperature: Number(el.temperature.value), top_p: Number(el.topP.value) };
}

function saveSettings() {
  showSettingValues();
  if (!state.model) return;
  localStorage.setItem(STORAGE.settings, JSON.stringify({ ...savedSettings(), [state.model]: currentSettings() }));
}

function resetSettings() {
  applySettings(modelDefaults());
  const saved = savedSettings();
  delete saved[state.model];
  localStorage.setItem(STORAGE.settings, JSON.stringify(saved));
}

function toggleSettings(open = el.settingsPanel.hidden) {
  el.settingsPanel.hidden = !open;
  el.settingsToggle.setAttribute("aria-expanded", String(open));
  if (open) el.temperature.focus();
}

function closeSettings() {
  if (!el.settingsPanel.hidden) toggleSettings(false);
}

// ---------------------------------------------------------------------------------------------
// Conversations

async function loadConversations() {
  try {
    const result = await api("/api/conversations");
    state.conversations = Array.isArray(result?.data) ? result.data : [];
  } catch (err) {
    if (err.status !== 401) console.warn("could not load conversations", err);
    return;
  }
  renderConversationList();
}

function conversationTitle(conversation) {
  const first = conversation.messages?.find((m) => m.role === "user")?.content ?? "";
  const text = first.replace(/\s+/g, " ").trim() || "Untitled conversation";
  return text.length > TITLE_CHARS ? `${text.slice(0, TITLE_CHARS - 1).trimEnd()}…` : text;
}

/** Group label for the sidebar, like other chat apps: Today, Yesterday, Previous 7 days… */
function dateGroup(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Older";
  const startOfToday = new Date();
  startOfToday.setHours(0, 0, 0, 0);
  const days = Math.floor((startOfToday - date) / 86_400_000) + 1;
  if (date >= startOfToday) return "Today";
  if (days <= 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  if (days <= 30) return "Previous 30 days";
  return date.toLocaleDateString(undefined, { month: "long", year: "numeric" });
}

function renderConversationList() {
  const groups = new Map();
  for (const conversation of state.conversations) {
    const label = dateGroup(conversation.updated_at);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(conversation);
  }
  const nodes = [];
  for (const [label, conversations] of groups) {
    const heading = document.createElement("h3");
    heading.className = "history-group";
    heading.textContent = label;
    const list = document.createElement("ol");
    for (const conversation of conversations) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "conversation";
      button.dataset.id = conversation.conversation_id;
      button.textContent = conversationTitle(conversation);
      button.title = button.textContent;
      if (conversation.conversation_id === state.conversationId) button.setAttribute("aria-current", "true");
      item.append(button);
      list.append(item);
    }
    nodes.push(heading, list);
  }
  el.conversationList.replaceChildren(...nodes);
  el.conversationEmpty.hidden = state.conversations.length > 0;
}

function markCurrentConversation() {
  for (const button of el.conversationList.querySelectorAll(".conversation")) {
    if (button.dataset.id === state.conversationId) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

function openConversation(id, messages) {
  abortReply();
  state.conversationId = id;
  localStorage.setItem(STORAGE.conversation, id);
  state.messages = messages
    .filter((m) => m.role === "user" || m.role === "assistant")
    .map((m) => ({ role: m.role, content: String(m.content ?? "") }));
  el.messages.replaceChildren();
  for (const message of state.messages) {
    const node = messageElement(message.role);
    setMessageContent(node, message.content);
    el.messages.append(node);
  }
  const saved = state.conversations.find((c) => c.conversation_id === id);
  if (saved?.model && state.models.length > 1) selectModel(saved.model);
  // Say how the last reply ended, as the page did when it happened.
  const last = el.messages.lastElementChild;
  if (last?.dataset.role === "assistant") {
    if (saved?.status === "interrupted") setMessageNote(last, "Stopped. The partial reply was kept.");
    if (saved?.status === "error") setMessageNote(last, "This reply was interrupted by an error.", { error: true });
  }
  el.emptyState.hidden = state.messages.length > 0;
  hideNotice();
  markCurrentConversation();
  scrollToBottom();
}

function newConversation() {
  openConversation(newId(), []);
  el.prompt.value = "";
  autogrow();
  updateComposer();
  closeSidebar();
  if (finePointer.matches) el.prompt.focus();
  announce("New conversation");
}

// ---------------------------------------------------------------------------------------------
// Messages

function messageElement(role) {
  const node = document.createElement("article");
  node.className = `message ${role}`;
  node.dataset.role = role;
  const label = document.createElement("h3");
  label.className = "visually-hidden";
  label.textContent = role === "user" ? "You said:" : "The assistant said:";
  const content = document.createElement("div");
  content.className = "content";

  if (role === "user") {
    node.append(label, content);
    return node;
  }
  const avatar = document.createElement("div");
  avatar.className = "avatar";
  const logo = svgIcon("logo");
  logo.setAttribute("class", "logo");
  avatar.append(logo);
  const body = document.createElement("div");
  body.className = "body";
  content.classList.add("markdown");
  const actions = document.createElement("div");
  actions.className = "message-actions";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "icon-btn copy-reply";
  copy.setAttribute("aria-label", "Copy reply");
  copy.title = "Copy";
  copy.append(svgIcon("copy"));
  actions.append(copy);
  body.append(label, content, actions);
  node.append(avatar, body);
  return node;
}

/** User text is shown as typed (textContent); replies are rendered Markdown. */
function setMessageContent(node, text) {
  const content = node.querySelector(".content");
  node.dataset.raw = text;
  if (node.dataset.role === "user") content.textContent = text;
  else content.innerHTML = renderMarkdown(text);
}

function setMessageNote(node, text, { error = false } = {}) {
  let note = node.querySelector(".message-note");
  if (!note) {
    note = document.createElement("p");
    note.className = "message-note";
    node.querySelector(".content").after(note);
  }
  note.classList.toggle("is-error", error);
  note.replaceChildren(svgIcon(error ? "info" : "stop"), document.createTextNode(text));
}

function showTyping(node) {
  const dots = document.createElement("div");
  dots.className = "typing";
  const label = document.createElement("em");
  label.className = "visually-hidden";
  label.textContent = "The assistant is writing…";
  dots.append(document.createElement("span"), document.createElement("span"), document.createElement("span"), label);
  node.querySelector(".content").replaceChildren(dots);
}

// ---------------------------------------------------------------------------------------------
// Sending and streaming

function updateComposer() {
  const streaming = Boolean(state.controller);
  const model = currentModel();
  const cooling = Date.now() < state.cooldownUntil;
  // Until the chat is ready, sending queues the message (see sendPrompt): the button stays usable.
  const noModel = state.ready && !model;
  el.send.disabled = streaming || cooling || noModel || state.queued || el.prompt.value.trim() === "";
  el.send.hidden = streaming;
  el.stop.hidden = !streaming;
  el.app.dataset.streaming = String(streaming);
}

function autogrow() {
  el.prompt.style.height = "auto";
  el.prompt.style.height = `${el.prompt.scrollHeight}px`;
}

/**
 * Sent before the chat has loaded (typed right after consenting): keep the message, unchangeable,
 * until startChat() sends it, rather than drop it.
 */
function queueUntilReady() {
  state.queued = true;
  el.prompt.readOnly = true;
  showNotice("Your message will be sent as soon as the chat has loaded.", "info");
  announce("Your message will be sent as soon as the chat has loaded.");
  updateComposer();
}

function releaseQueued() {
  if (!state.queued) return;
  state.queued = false;
  el.prompt.readOnly = false;
  hideNotice();
  updateComposer();
}

async function sendPrompt() {
  const text = el.prompt.value;
  if (!text.trim() || state.controller || state.queued) return;
  if (!state.ready) {
    queueUntilReady();
    return;
  }
  if (!currentModel()) {
    showNotice("No model is available right now. Your message is still in the box: send it again later.", "warn");
    return;
  }
  if (Date.now() < state.cooldownUntil) return; // after a 429: the notice says until when
  hideNotice();
  closeSettings();

  const userMessage = { role: "user", content: text };
  state.messages.push(userMessage);
  const userNode = messageElement("user");
  setMessageContent(userNode, text);
  const replyNode = messageElement("assistant");
  showTyping(replyNode);
  replyNode.classList.add("streaming");
  el.emptyState.hidden = true;
  el.messages.append(userNode, replyNode);
  el.prompt.value = "";
  autogrow();

  const controller = new AbortController();
  state.controller = controller;
  // The user may switch conversations (or delete everything) mid-stream; the result of this
  // request must then not be written into whatever conversation is open by the time it ends.
  const conversationId = state.conversationId;
  el.messages.setAttribute("aria-busy", "true");
  updateComposer();
  state.stick = true;
  scrollToBottom();
  announce("Message sent. The assistant is replying.");

  let reply = "";
  let finish = null;
  let received = false; // the server accepted the request (2xx) and started streaming
  let outcome = "done";
  let failure = null;
  const render = throttledRender(replyNode);

  try {
    const res = await fetch("/v1/chat/completions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({
        model: state.model,
        messages: state.messages.map(({ role, content }) => ({ role, content })),
        stream: true,
        ...currentSettings(),
        conversation_id: state.conversationId,
      }),
      signal: controller.signal,
    });
    if (!res.ok) throw await errorFromResponse(res);
    received = true;
    for await (const data of sseData(res.body)) {
      if (data === "[DONE]") break;
      let chunk;
      try {
        chunk = JSON.parse(data);
      } catch {
        continue; // not JSON: ignore rather than lose the reply
      }
      if (chunk.error) {
        throw new ApiError(502, chunk.error.message || "The model failed while replying.", chunk.error);
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.content) {
        reply += choice.delta.content;
        render(reply);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  } catch (err) {
    if (err.name === "AbortError") {
      outcome = "stopped";
    } else {
      outcome = "error";
      failure = err instanceof ApiError ? err : new ApiError(0, "The connection to the server was lost.");
    }
  } finally {
    render.cancel();
    if (state.controller === controller) state.controller = null;
    el.messages.setAttribute("aria-busy", "false");
    replyNode.classList.remove("streaming");
    updateComposer();
  }

  if (state.conversationId !== conversationId) {
    loadConversations();
    return;
  }

  // The server never started a reply (or failed before the first token): take the message
  // back, so the conversation stays as the server has it, and put the text back in the box.
  if (outcome === "error" && (!received || reply === "")) {
    state.messages.pop();
    userNode.remove();
    replyNode.remove();
    el.emptyState.hidden = state.messages.length > 0;
    if (!el.prompt.value) {
      el.prompt.value = text;
      autogrow();
    }
    updateComposer();
    handleSendError(failure);
    return;
  }

  setMessageContent(replyNode, reply);
  state.messages.push({ role: "assistant", content: reply });
  if (outcome === "stopped") {
    setMessageNote(replyNode, reply ? "Stopped. The partial reply was kept." : "Stopped before the reply began.");
    announce("Stopped.");
  } else if (outcome === "error") {
    setMessageNote(replyNode, `The reply was interrupted: ${failure.message}`, { error: true });
    announce("The reply was interrupted.");
  } else {
    if (finish === "length") setMessageNote(replyNode, "The reply reached the length limit and was cut short.");
    if (!reply) setMessageNote(replyNode, "The model returned an empty reply.");
    announce("Reply finished.");
  }
  if (state.stick) scrollToBottom();
  // The abort reaches the server asynchronously; give it a moment to store the partial reply.
  setTimeout(loadConversations, outcome === "stopped" ? 600 : 0);
}

/** Re-render the reply at most once per frame while tokens arrive. */
function throttledRender(node) {
  let frame = 0;
  let latest = "";
  const paint = () => {
    frame = 0;
    setMessageContent(node, latest);
    if (state.stick) scrollToBottom();
  };
  const render = (text) => {
    latest = text;
    if (!frame) frame = requestAnimationFrame(paint);
  };
  render.cancel = () => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
  };
  return render;
}

function handleSendError(err) {
  if (!err) return;
  switch (err.status) {
    case 401:
      // sessionLost() already showed the gate (it runs for any 401 from api(); the chat
      // request does not go through api(), so call it here too).
      sessionLost();
      return;
    case 403:
      if (err.code === "consent_outdated") termsChanged();
      else showNotice(describeError(err));
      return;
    case 429: {
      const wait = err.retryAfter ?? 10;
      startCooldown(err.message, wait);
      return;
    }
    case 503:
      if (err.code === "model_failed") {
        showNotice(err.message);
      } else {
        showNotice(`${err.message} Your message is still in the box: send it again in a moment.`, "warn");
        state.awaitingModel = true;
      }
      loadModels();
      return;
    default:
      showNotice(describeError(err));
  }
}

function describeError(err) {
  if (!(err instanceof ApiError)) return "Something went wrong. Please try again.";
  switch (err.status) {
    case 0:
      return err.message;
    case 413:
      return `${err.message} Try a shorter message or start a new chat.`;
    case 502:
      return `The model failed to answer: ${err.message}`;
    default:
      return err.message;
  }
}

/**
 * 429: show the server's message and count down Retry-After; sending waits until then.
 * The notice is an alert, so only its first text is announced; the ticking number is hidden
 * from screen readers, which would otherwise hear it every second.
 */
function startCooldown(message, seconds) {
  state.cooldownUntil = Date.now() + seconds * 1000;
  clearInterval(state.cooldownTimer);
  showNotice(message, "warn");
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.textContent = ` You can send again in ${seconds} seconds.`;
  const countdown = document.createElement("span");
  countdown.setAttribute("aria-hidden", "true");
  el.notice.append(spoken, countdown);
  const tick = () => {
    const left = Math.ceil((state.cooldownUntil - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(state.cooldownTimer);
      hideNotice();
      updateComposer();
      return;
    }
    countdown.textContent = ` You can send again in ${left} s.`;
  };
  tick();
  state.cooldownTimer = setInterval(tick, 1000);
  updateComposer();
}

function abortReply() {
  state.controller?.abort();
}

// ---------------------------------------------------------------------------------------------
// Scrolling

function nearBottom() {
  const s = el.scroller;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
}

function scrollToBottom() {
  el.scroller.scrollTop = el.scroller.scrollHeight;
  el.scrollDown.hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Sidebar (a drawer on narrow screens)

function openSidebar() {
  el.sidebar.classList.add("open");
  el.scrim.hidden = false;
  el.sidebarToggle.setAttribute("aria-expanded", "true");
  el.newChat.focus();
}

function closeSidebar() {
  if (!el.sidebar.classList.contains("open")) return;
  el.sidebar.classList.remove("open");
  el.scrim.hidden = true;
  el.sidebarToggle.setAttribute("aria-expanded", "false");
}

// ---------------------------------------------------------------------------------------------
// Delete my data

async function deleteMyData(event) {
  event.preventDefault();
  el.deleteConfirm.disabled = true;
  el.deleteError.hidden = true;
  try {
    const result = await api("/api/me", { method: "DELETE" });
    el.deleteDialog.close();
    resetLocalState();
    const turns = result?.deleted_turns ?? 0;
    showGate(
      `Your data was deleted (${turns} ${turns === 1 ? "message exchange" : "message exchanges"}). ` +
        "You can agree to the terms again to start over.",
    );
  } catch (err) {
    if (err.status === 401) {
      // Nothing left on the server for this browser: treat as deleted.
      resetLocalState();
      showGate("Your data has been deleted.");
    } else {
      el.deleteError.textContent = describeError(err);
      el.deleteError.hidden = false;
    }
  } finally {
    el.deleteConfirm.disabled = false;
  }
}

function resetLocalState() {
  abortReply();
  for (const key of Object.values(STORAGE)) localStorage.removeItem(key);
  state.messages = [];
  state.conversations = [];
  state.conversationId = null;
  el.messages.replaceChildren();
  el.emptyState.hidden = false;
  renderConversationList();
  el.apiKey.value = "";
  el.apiSnippet.textContent = "";
  el.apiDisclosure.hidden = true;
  el.apiDisclosure.open = false;
  el.prompt.value = "";
  hideNotice();
}

// ---------------------------------------------------------------------------------------------
// Wiring

function wire() {
  installCopyHandler(el.messages);
  installCopyHandler(el.apiDisclosure);

  // Consent
  el.agreeTerms.addEventListener("click", openStep2);
  el.agreePublication.addEventListener("change", () => {
    el.confirmConsent.disabled = !el.agreePublication.checked;
  });
  el.consentBack.addEventListener("click", () => {
    el.step2.close();
    el.agreeTerms.focus();
  });
  el.publicationForm.addEventListener("submit", confirmConsent);

  // Composer
  el.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendPrompt();
  });
  el.prompt.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendPrompt();
    }
  });
  el.prompt.addEventListener("input", () => {
    autogrow();
    updateComposer();
  });
  el.stop.addEventListener("click", () => {
    abortReply();
    el.prompt.focus();
  });
  for (const button of document.querySelectorAll(".suggestion")) {
    button.addEventListener("click", () => {
      el.prompt.value = button.dataset.prompt;
      autogrow();
      updateComposer();
      el.prompt.focus();
    });
  }

  // Copy a whole reply
  el.messages.addEventListener("click", async (event) => {
    const button = event.target.closest(".copy-reply");
    if (!button) return;
    const ok = await copyText(button.closest(".message").dataset.raw ?? "");
    button.replaceChildren(svgIcon(ok ? "check" : "copy"));
    setTimeout(() => button.replaceChildren(svgIcon("copy")), 1500);
    announce(ok ? "Reply copied" : "Could not copy");
  });

  // Scrolling: follow the stream only while the reader is at the bottom.
  el.scroller.addEventListener("scroll", () => {
    state.stick = nearBottom();
    el.scrollDown.hidden = state.stick || state.messages.length === 0;
  });
  el.scrollDown.addEventListener("click", () => {
    state.stick = true;
    scrollToBottom();
  });

  // Conversations
  el.newChat.addEventListener("click", newConversation);
  el.newChatTop.addEventListener("click", newConversation);
  el.conversationList.addEventListener("click", (event) => {
    const button = event.target.closest(".conversation");
    if (!button) return;
    const conversation = state.conversations.find((c) => c.conversation_id === button.dataset.id);
    if (!conversation) return;
    openConversation(conversation.conversation_id, conversation.messages ?? []);
    updateComposer();
    closeSidebar();
  });

  // Sidebar drawer
  el.sidebarToggle.addEventListener("click", openSidebar);
  el.sidebarClose.addEventListener("click", () => {
    closeSidebar();
    el.sidebarToggle.focus();
  });
  el.scrim.addEventListener("click", closeSidebar);

  // Model and settings
  el.modelSelect.addEventListener("change", () => {
    // A notice ("still loading", "ready now", a failed send) spoke of the model left behind.
    hideNotice();
    state.awaitingModel = false;
    selectModel(el.modelSelect.value);
    localStorage.setItem(STORAGE.model, state.model);
  });
  el.settingsToggle.addEventListener("click", () => toggleSettings());
  el.temperature.addEventListener("input", saveSettings);
  el.topP.addEventListener("input", saveSettings);
  el.resetSettings.addEventListener("click", resetSettings);
  document.addEventListener("click", (event) => {
    if (!el.settingsPanel.hidden && !event.target.closest(".popover-anchor")) closeSettings();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (!el.settingsPanel.hidden) {
      closeSettings();
      el.settingsToggle.focus();
    } else if (el.sidebar.classList.contains("open")) {
      closeSidebar();
      el.sidebarToggle.focus();
    }
  });

  // API key
  el.copyApiKey.addEventListener("click", async () => {
    const ok = await copyText(el.apiKey.value);
    el.copyApiKey.replaceChildren(svgIcon(ok ? "check" : "copy"));
    setTimeout(() => el.copyApiKey.replaceChildren(svgIcon("copy")), 1500);
    announce(ok ? "API key copied" : "Could not copy; select the key and copy it by hand");
  });
  el.apiKey.addEventListener("focus", () => el.apiKey.select());

  // Terms, shown again on request
  el.showTerms.addEventListener("click", () => {
    el.termsDialogContent.replaceChildren(...[...el.termsContent.childNodes].map((n) => n.cloneNode(true)));
    el.termsDialog.showModal();
    el.termsClose.focus();
  });
  el.termsClose.addEventListener("click", () => el.termsDialog.close());

  // Delete my data: from the sidebar, or from the gate by someone who agreed to earlier terms
  for (const button of [el.deleteData, el.gateDelete]) {
    button.addEventListener("click", () => {
      closeSidebar();
      el.deleteError.hidden = true;
      el.deleteDialog.showModal();
      el.deleteCancel.focus(); // the safe choice has focus
    });
  }
  el.deleteCancel.addEventListener("click", () => el.deleteDialog.close());
  el.deleteForm.addEventListener("submit", deleteMyData);

  // Light-dismiss for modal dialogs: a click on the backdrop (outside the dialog box) closes.
  for (const dialog of [el.step2, el.deleteDialog, el.termsDialog]) {
    dialog.addEventListener("click", (event) => {
      if (event.target !== dialog) return;
      const box = dialog.getBoundingClientRect();
      const inside =
        event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    });
  }
}

function init() {
  wire();
  if (document.body.dataset.consented === "true") {
    startChat();
  } else if (document.body.dataset.consentOutdated === "true") {
    showGate(TERMS_CHANGED, { outdated: true });
  } else {
    showGate();
  }
}

init();
