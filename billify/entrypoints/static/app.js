// Billify's web page: plain ES module, no build step. Every piece of text coming from the
// server or a file is put in the page with textContent, never as HTML; positions are set
// through the CSSOM (the page's CSP allows no inline style attribute).
//
// Modes (main[data-mode]):
//   sign-in  GET /me answered 401: the sign-in form only.
//   session  signed in by an emailed link: your uploads and your month's invoices.
//   scoped   signed in by a link in a notice or report: that invoice (or month) only.
//   open     BILLIFY_AUTH=off, or an API key: the name and email (and key) form, as before.

const STORE = "billify.";
const FINAL = new Set(["processed", "needs_review", "failed"]);
const STATUS_TEXT = {
  uploading: "uploading", queued: "queued", processing: "reading", processed: "processed",
  needs_review: "needs review", failed: "unreadable", rejected: "refused",
};
const EDITABLE = {
  vendor: { label: "Vendor", type: "text" },
  date: { label: "Date", type: "date" },
  total: { label: "Total", type: "text", inputmode: "decimal" },
  currency: { label: "Currency", type: "text", maxlength: 3 },
  category: { label: "Category", type: "select" },
};
const ACTIONS = new Set(["view", "fix", "confirm", "not-duplicate"]);
const LOCALE_NAMES = { en: "English", de: "Deutsch", fr: "Français" };
// The server lists the categories on GET /me; these until it has answered.
let categories = ["groceries", "dining", "transport", "travel", "utilities", "housing", "home",
  "office", "health", "shopping", "services", "other"];

const $ = (id) => document.getElementById(id);
const form = { name: $("name"), email: $("email"), key: $("api-key") };
const thumbs = new Map(); // invoice id -> object URL
const extra = new Map(); // invoice id -> record shown although not in the month's list
const state = { mode: "loading", me: null, scope: null, target: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function show(node, visible) {
  node.hidden = !visible;
}

// --- who you are ---------------------------------------------------------------------------

class SignedOut extends Error {}

function setMode(mode) {
  state.mode = mode;
  $("main").dataset.mode = mode;
  show($("boot-message"), false);
  show($("sign-in"), mode === "sign-in" || mode === "scoped");
  show($("you"), mode === "open");
  show($("upload"), mode === "session" || mode === "open");
  // Only a full session may change them (PUT /me/preferences answers 403 to a link's).
  show($("settings"), mode === "session" && Boolean(state.me?.home_currencies?.length));
  show($("month"), mode !== "sign-in");
  show($("account"), mode === "session" || mode === "scoped");
  show($("scope-note"), mode === "scoped");
  show($("month-tools"), mode !== "scoped" || Boolean(state.scope?.month));
  monthPick.disabled = mode === "scoped"; // a link's month: the only one this page may list
  $("sign-in-title").textContent = mode === "scoped" ? "See all your invoices" : "Sign in";
  $("month-title").textContent = state.scope?.invoice && mode === "scoped"
    ? "The invoice from your email" : "Invoices of the month";
}

function parseScope(text) {
  const [kind, ...rest] = String(text || "").split(":");
  const value = rest.join(":");
  if (kind === "invoice" && value) return { invoice: value };
  if (kind === "month" && /^\d{4}-\d{2}$/.test(value)) return { month: value };
  return null;
}

async function boot(note = "") {
  let response;
  try {
    response = await fetch("me", { headers: keyHeaders(), credentials: "same-origin" });
  } catch {
    $("boot-message").textContent = "Billify cannot be reached: check your connection and reload.";
    return;
  }
  if (response.status === 401) { signInScreen(note); return; }
  if (!response.ok) {
    $("boot-message").textContent = `Billify answered ${await problem(response)}: reload to try again.`;
    return;
  }
  const me = await response.json();
  state.me = me;
  if (me.categories?.length) categories = me.categories;
  showInboundAddress(me.inbound_address);
  showSettings(me);
  if (me.email) {
    state.scope = parseScope(me.scope);
    $("account-email").textContent = me.email;
    if (state.scope) {
      $("sign-in-email").value = me.email;
      $("sign-in-name").value = me.name || "";
      resetSignIn();
      setMode("scoped");
    } else {
      setMode("session");
    }
  } else {
    openMode();
  }
  followFragment();
}

// --- the forwarding address --------------------------------------------------------------

function showInboundAddress(address) {
  $("inbound-address").textContent = address || "";
  show($("by-email"), Boolean(address));
  show($("new-address-confirm"), false);
  show($("address-error"), false);
}

$("copy-address").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("inbound-address").textContent);
    announce("Address copied");
  } catch {
    getSelection().selectAllChildren($("inbound-address")); // copy it by hand
  }
});
$("new-address").addEventListener("click", () => show($("new-address-confirm"), true));
$("new-address-no").addEventListener("click", () => show($("new-address-confirm"), false));
$("new-address-yes").addEventListener("click", async () => {
  const error = $("address-error");
  try {
    const response = await api("me/inbound-address", { method: "POST" });
    if (!response.ok) throw new Error(await problem(response));
    showInboundAddress((await response.json()).inbound_address);
    announce("Your new address is ready; the old one no longer works");
  } catch (failure) {
    if (failure instanceof SignedOut) return;
    error.textContent = `No new address: ${failure.message}`;
    show(error, true);
  }
});

// --- settings: language and home currency -----------------------------------------------

function options(select, values, names, chosen) {
  select.replaceChildren(...values.map((value) =>
    el("option", { value, selected: value === chosen }, names(value))));
  if (chosen) select.value = chosen;
}

function showSettings(me) {
  options($("settings-locale"), me.locales || [], (code) => LOCALE_NAMES[code] || code, me.locale);
  options($("settings-currency"), me.home_currencies || [], (code) => code, me.home_currency);
  settingsMessage("", "");
}

function settingsMessage(text, kind) {
  const message = $("settings-message");
  message.textContent = text;
  message.className = `hint ${kind}`.trim();
}

$("settings-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("settings-save");
  const chosen = { locale: $("settings-locale").value, home_currency: $("settings-currency").value };
  button.disabled = true;
  settingsMessage("Saving…", "");
  try {
    const response = await api("me/preferences", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chosen),
    });
    if (!response.ok) throw new Error(await problem(response));
    const saved = await response.json();
    Object.assign(state.me, saved);
    settingsMessage(`Saved: ${LOCALE_NAMES[saved.locale] || saved.locale}, ${saved.home_currency}.`, "saved");
    await loadMonth(); // amounts in the new home currency
  } catch (failure) {
    if (failure instanceof SignedOut) return;
    settingsMessage(`Not saved: ${failure.message}`, "failed");
  } finally {
    button.disabled = false;
  }
});

function signInScreen(note = "") {
  state.me = null;
  state.scope = null;
  clearList();
  resetSignIn();
  setMode("sign-in");
  const message = $("session-note");
  message.textContent = note;
  show(message, Boolean(note));
  $("sign-in-email").focus();
}

function openMode(note = "") {
  setMode("open");
  for (const [field, input] of Object.entries(form)) {
    if (!input.value) input.value = localStorage.getItem(STORE + field) || "";
  }
  if (form.key.value || note) $("key-details").open = true;
  if (note) {
    const error = $("you-error");
    error.textContent = note;
    show(error, true);
  }
}

function resetSignIn() {
  show($("sign-in-form"), true);
  show($("sign-in-sent"), false);
  show($("sign-in-error"), false);
  $("sign-in-email").removeAttribute("aria-invalid");
}

for (const [field, input] of Object.entries(form)) {
  input.addEventListener("input", () => localStorage.setItem(STORE + field, input.value.trim()));
}
form.email.addEventListener("change", () => loadMonth());
form.key.addEventListener("change", () => { if (state.mode === "open") boot(); });

$("sign-in-form").addEventListener("submit", requestLink);
$("sign-in-again").addEventListener("click", () => {
  resetSignIn();
  $("sign-in-email").focus();
});
$("sign-out").addEventListener("click", signOut);

async function requestLink(event) {
  event.preventDefault();
  const input = $("sign-in-email");
  const button = $("sign-in-send");
  const email = input.value.trim();
  if (!email || !input.checkValidity()) {
    signInError("Please enter a valid email address.");
    return;
  }
  const name = $("sign-in-name").value.trim();
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const response = await fetch("auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(name ? { email, name } : { email }),
    });
    if (response.status === 202) {
      show($("sign-in-form"), false);
      show($("sign-in-error"), false);
      $("sent-to").textContent = email;
      show($("sign-in-sent"), true);
      $("sign-in-sent").focus();
      announce(`Check your inbox: a sign-in link was sent to ${email}`);
    } else if (response.status === 429) {
      signInError(`Too many sign-in requests: try again ${waitText(response.headers.get("retry-after"))}.`);
    } else if (response.status === 404 && state.mode === "sign-in") {
      // BILLIFY_AUTH=off with API keys: no sign-in here, the key identifies you.
      if (!form.email.value) form.email.value = email;
      openMode("This server does not sign in by email: paste your API key below.");
      form.key.focus();
    } else {
      signInError(await problem(response));
    }
  } catch {
    signInError("Billify cannot be reached: check your connection and try again.");
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function waitText(retryAfter) {
  const seconds = Number.parseInt(retryAfter || "", 10);
  if (!Number.isFinite(seconds) || seconds <= 0) return "later";
  if (seconds < 90) return `in ${seconds} seconds`;
  return `in about ${Math.ceil(seconds / 60)} minutes`;
}

function signInError(text) {
  const error = $("sign-in-error");
  const input = $("sign-in-email");
  error.textContent = text;
  show(error, true);
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

async function signOut() {
  try {
    await fetch("auth/sign-out", { method: "POST" });
  } catch { /* the cookie is cleared on the next answer anyway */ }
  $("uploads").replaceChildren();
  signInScreen("You are signed out.");
}

function identity() {
  if (state.mode !== "open") return { name: state.me?.name || "" };
  const problem = !form.name.value.trim() ? [form.name, "Please enter your name first."]
    : !form.email.checkValidity() || !form.email.value.trim()
      ? [form.email, "Please enter a valid email address first."] : null;
  const error = $("you-error");
  error.hidden = !problem;
  error.textContent = problem ? problem[1] : "";
  if (problem) { problem[0].focus(); return null; }
  return { name: form.name.value.trim(), email: form.email.value.trim() };
}

function keyHeaders(extra = {}) {
  // Only the open mode sends a key: a signed-in page is known by its session cookie.
  const key = state.mode === "open" || state.mode === "loading"
    ? (form.key.value || localStorage.getItem(STORE + "key") || "").trim() : "";
  return key ? { ...extra, "x-api-key": key } : extra;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: keyHeaders(options.headers) });
  if (response.status === 401) {
    if (state.mode === "open") {
      $("key-details").open = true;
      throw new Error("This server needs an API key: paste yours under “API key”.");
    }
    if (state.mode !== "sign-in") signInScreen("Your session has ended: sign in again.");
    throw new SignedOut("signed out");
  }
  return response;
}

async function problem(response) {
  if (response.status === 429) {
    return `too many requests: try again ${waitText(response.headers.get("retry-after"))}`;
  }
  try {
    const body = await response.json();
    return body.detail || body.error || `error ${response.status}`;
  } catch {
    return `error ${response.status}`;
  }
}

// --- uploads -------------------------------------------------------------------------------

const dropzone = $("dropzone");
$("files").addEventListener("change", (event) => {
  uploadAll([...event.target.files]);
  event.target.value = "";
});
for (const name of ["dragenter", "dragover"]) {
  dropzone.addEventListener(name, (event) => { event.preventDefault(); dropzone.classList.add("over"); });
}
for (const name of ["dragleave", "drop"]) {
  dropzone.addEventListener(name, () => dropzone.classList.remove("over"));
}
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  uploadAll([...event.dataTransfer.files]);
});

function uploadAll(files) {
  if (!files.length) return;
  const who = identity();
  if (!who) return;
  for (const file of files) upload(file, who);
}

function setStatus(item, status, detail = "") {
  item.dataset.status = status;
  const badge = item.querySelector(".badge");
  badge.className = `badge ${status}`;
  badge.textContent = STATUS_TEXT[status] || status;
  item.querySelector(".detail").textContent = detail;
}

function upload(file, who) {
  const progress = el("progress", { max: 100, value: 0, "aria-label": `Upload of ${file.name}` });
  const item = el("li", { class: "upload" },
    el("span", { class: "file" }, file.name),
    el("span", { class: "badge" }),
    progress,
    el("span", { class: "detail" }));
  $("uploads").prepend(item);
  setStatus(item, "uploading", "0%");

  const body = new FormData();
  if (who.name) body.append("name", who.name);
  if (who.email) body.append("email", who.email);
  body.append("file", file, file.name);
  const request = new XMLHttpRequest();
  request.open("POST", "upload-invoice");
  for (const [name, value] of Object.entries(keyHeaders())) request.setRequestHeader(name, value);
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.round((event.loaded / event.total) * 100);
    progress.value = percent;
    item.querySelector(".detail").textContent = `${percent}%`;
  });
  request.addEventListener("load", () => {
    let answer = {};
    try { answer = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status === 200 || request.status === 202) {
      progress.value = 100;
      item.dataset.id = answer.id;
      const detail = answer.duplicate ? "already uploaded: the same file" : "";
      setStatus(item, answer.status, detail);
      follow(item, answer.id);
    } else {
      progress.hidden = true; // a refused file did not "arrive": no full bar, the reason
      const reason = request.status === 429
        ? `too many uploads: try again ${waitText(request.getResponseHeader("retry-after"))}`
        : answer.detail || `error ${request.status}`;
      if (request.status === 401) {
        if (state.mode === "open") $("key-details").open = true;
        else signInScreen("Your session has ended: sign in again, then upload.");
      }
      setStatus(item, "rejected", reason);
      announce(`${file.name} was refused: ${reason}`);
    }
  });
  request.addEventListener("error", () => {
    progress.hidden = true;
    setStatus(item, "rejected", "network error; try again");
  });
  request.send(body);
}

async function follow(item, id, delay = 500) {
  try {
    const response = await api(`invoices/${encodeURIComponent(id)}`);
    if (response.status === 404) {
      item.querySelector("progress").hidden = true;
      item.querySelector(".detail").textContent = "deleted";
      return;
    }
    if (response.ok) {
      const invoice = await response.json();
      const detail = [invoice.vendor, money(invoice.total, invoice.currency)]
        .filter(Boolean).join(" · ");
      setStatus(item, invoice.status, invoice.error || detail);
      if (FINAL.has(invoice.status)) {
        announce(`${item.querySelector(".file").textContent}: ${STATUS_TEXT[invoice.status]}`);
        item.querySelector("progress").hidden = true;
        loadMonth();
        return;
      }
    }
  } catch (error) {
    if (error instanceof SignedOut) return;
    item.querySelector(".detail").textContent = error.message;
  }
  setTimeout(() => follow(item, id, Math.min(delay * 1.3, 3000)), delay);
}

// --- the month's invoices ------------------------------------------------------------------

const monthPick = $("month-pick");
const now = new Date();
monthPick.value = monthOf(now);
monthPick.addEventListener("change", () => { extra.clear(); loadMonth(); });
$("export-csv").addEventListener("click", () => download("csv"));
$("export-zip").addEventListener("click", (event) => { event.preventDefault(); download("zip"); });

function monthOf(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  const [whole, fraction = ""] = String(amount).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency || ""} ${grouped}.${fraction.padEnd(2, "0")}`.trim();
}

function clearList() {
  $("invoices").replaceChildren();
  $("totals").textContent = "";
  $("list-message").textContent = "";
  extra.clear();
  for (const url of thumbs.values()) URL.revokeObjectURL(url);
  thumbs.clear();
}

function listQuery(format) {
  const query = new URLSearchParams({ month: monthPick.value });
  if (state.mode === "open") query.set("email", form.email.value.trim());
  if (format) query.set("format", format);
  return query;
}

let loading = 0;
async function loadMonth() {
  const message = $("list-message");
  if (state.mode === "sign-in" || state.mode === "loading") return;
  if (state.mode === "scoped" && state.scope.invoice) { await loadScopedInvoice(); return; }
  if (state.mode === "scoped") monthPick.value = state.scope.month;
  if (state.mode === "open" && !form.email.value.trim()) {
    message.textContent = "Enter your email above to see your invoices.";
    return;
  }
  $("export-zip").setAttribute("href", `invoices?${listQuery("zip")}`);
  const ticket = ++loading;
  try {
    const response = await api(`invoices?${listQuery()}`);
    if (!response.ok) throw new Error(await problem(response));
    const data = await response.json();
    if (ticket !== loading) return; // a newer request is on its way
    render(data);
    const empty = !data.count && ![...extra.keys()].length;
    message.textContent = empty ? "No invoice received this month yet." : "";
  } catch (error) {
    if (!(error instanceof SignedOut)) message.textContent = error.message;
  }
}

async function loadScopedInvoice() {
  const id = state.scope.invoice;
  const message = $("list-message");
  try {
    const response = await api(`invoices/${encodeURIComponent(id)}`);
    if (response.status === 404) {
      render({ totals: {}, invoices: [] });
      message.textContent = "This invoice is no longer here: it was deleted or replaced.";
      return;
    }
    if (!response.ok) throw new Error(await problem(response));
    const invoice = await response.json();
    render({ totals: {}, invoices: [invoice] });
    message.textContent = "";
    if (!FINAL.has(invoice.status)) setTimeout(loadMonth, 1000);
  } catch (error) {
    if (!(error instanceof SignedOut)) message.textContent = error.message;
  }
}

let deferred = null; // a list that arrived while a field was being corrected

function busy() {
  return Boolean($("invoices").querySelector("form.edit, .confirm, .row-busy"));
}

function render(data) {
  if (busy()) { deferred = data; return; }
  deferred = null;
  const totals = Object.entries(data.totals).map(([currency, amount]) => money(amount, currency));
  $("totals").textContent = totals.length ? `Spent: ${totals.join(" + ")}` : "";
  const listed = new Set(data.invoices.map((invoice) => invoice.id));
  for (const id of listed) extra.delete(id);
  const records = [...[...extra.values()].reverse(), ...data.invoices.slice().reverse()];
  const list = $("invoices");
  const active = document.activeElement;
  const focusedRow = active?.closest?.("[data-id]")?.dataset.id;
  const focusedControl = active?.dataset?.field || active?.dataset?.action;
  list.replaceChildren(...records.map(row));
  if (focusedRow) {
    const rowNode = list.querySelector(`.invoice[data-id="${CSS.escape(focusedRow)}"]`);
    const again = focusedControl && rowNode?.querySelector(
      `[data-field="${CSS.escape(focusedControl)}"], [data-action="${CSS.escape(focusedControl)}"]`);
    (again || rowNode?.querySelector(".value"))?.focus();
  }
  reachTarget();
}

function afterChange() {
  if (deferred && !busy()) render(deferred);
}

function row(invoice) {
  const rowId = `invoice-${invoice.id}`;
  const thumb = el("img", { class: "thumb", alt: "" });
  const mark = el("span", { class: "mark", "aria-hidden": "true", hidden: true });
  const picture = el("div", { class: "thumb-box empty" }, thumb, mark);
  showThumbnail(thumb, picture, invoice.id);
  const edited = new Set(invoice.user_edited);
  const status = el("span", { class: `badge ${invoice.status}` }, STATUS_TEXT[invoice.status]);
  const badges = [status];
  if (invoice.duplicate_of) badges.push(el("span", { class: "badge duplicate" }, "likely duplicate"));
  if (edited.size) badges.push(el("span", { class: "badge edited" }, "edited"));
  const notes = [];
  if (invoice.error) {
    notes.push(el("p", { class: "reason" }, "Could not be read: ", invoice.error));
  }
  if (invoice.duplicate_of) {
    notes.push(el("p", { class: "note-line", id: `${rowId}-duplicate` },
      "Same vendor, date and total as another invoice: it is not counted twice."));
  }
  if (invoice.status === "needs_review") {
    notes.push(el("p", { class: "note-line", id: `${rowId}-review` },
      "Please check the vendor and the total."));
  }
  const node = el("li", {
    class: "invoice", id: rowId, tabindex: "-1",
    dataset: { id: invoice.id, status: invoice.status },
  },
  picture,
  el("div", { class: "main" },
    el("div", { class: "vendor", id: `${rowId}-vendor` }, field(invoice, "vendor", mark)),
    el("div", { class: "meta" }, field(invoice, "date", mark), " · ",
      el("span", { class: "filename" }, invoice.original_filename || "upload")),
    // Records from a server without categories have no such key: nothing to show then.
    "category" in invoice ? el("div", { class: "category" }, field(invoice, "category", mark)) : null,
    notes),
  el("div", { class: "amount" },
    el("div", { class: "total" }, field(invoice, "total", mark), field(invoice, "currency", mark)),
    homeAmount(invoice),
    el("div", { class: "badges" }, ...badges)),
  actions(invoice));
  return node;
}

function categoryName(id) {
  const text = String(id || "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "≈ EUR 12.34" beside a total in another currency, the ECB rate used in its tooltip.
function homeAmount(invoice) {
  const { home_amount: amount, home_currency: home, currency, rate, rate_date: on } = invoice;
  if (amount === null || amount === undefined || !home || home === currency) return null;
  const title = rate
    ? `1 ${currency} = ${rate} ${home}: the ECB's reference rate of ${on || "the invoice's date"}`
    : `In your home currency, ${home}`;
  return el("span", { class: "home-amount", title, dataset: { currency: home } },
    `≈ ${money(amount, home)}`);
}

function label(invoice) {
  return invoice.vendor || invoice.original_filename || "this invoice";
}

function actions(invoice) {
  const name = label(invoice);
  const bar = el("div", { class: "actions" });
  const rowId = `invoice-${invoice.id}`;
  if (invoice.status === "needs_review" && invoice.total !== null && invoice.vendor !== null) {
    bar.append(el("button", {
      type: "button", class: "secondary", dataset: { action: "looks-right" },
      "aria-describedby": `${rowId}-review`, "aria-label": `Looks right: ${name}`,
      onclick: (event) => change(event.currentTarget, invoice,
        { total: invoice.total, vendor: invoice.vendor }, "Marked as checked"),
    }, "Looks right"));
  }
  if (invoice.duplicate_of) {
    bar.append(el("button", {
      type: "button", class: "secondary", dataset: { action: "not-duplicate" },
      "aria-describedby": `${rowId}-duplicate`, "aria-label": `Not a duplicate: ${name}`,
      onclick: (event) => change(event.currentTarget, invoice, { not_duplicate: true },
        "Counted as its own expense"),
    }, "Not a duplicate"));
  }
  bar.append(
    el("button", {
      type: "button", class: "secondary", dataset: { action: "replace" },
      "aria-label": `Replace with a better photo: ${name}`,
      onclick: () => pickReplacement(invoice),
    }, "Replace with a better photo"),
    el("button", {
      type: "button", class: "secondary danger", dataset: { action: "delete" },
      "aria-label": `Delete: ${name}`,
      onclick: (event) => confirmDelete(event.currentTarget, invoice),
    }, "Delete"),
    el("p", { class: "error action-error", role: "alert", hidden: true }));
  return bar;
}

function actionError(button, text) {
  const error = button.closest(".invoice")?.querySelector(".action-error");
  if (!error) return;
  error.textContent = text;
  show(error, Boolean(text));
}

async function change(button, invoice, body, done) {
  button.disabled = true;
  try {
    const response = await api(`invoices/${encodeURIComponent(invoice.id)}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await problem(response));
    if (extra.has(invoice.id)) extra.set(invoice.id, await response.json());
    announce(done);
    await loadMonth();
  } catch (error) {
    if (error instanceof SignedOut) return;
    button.disabled = false;
    actionError(button, error.message);
    button.focus();
  }
}

function confirmDelete(button, invoice) {
  const questionId = `invoice-${invoice.id}-delete-question`;
  const keep = el("button", { type: "button", class: "secondary", dataset: { action: "keep" } }, "Keep it");
  const remove = el("button", { type: "button", class: "danger solid", dataset: { action: "confirm-delete" } },
    "Delete for good");
  const group = el("div", { class: "confirm", role: "group", "aria-labelledby": questionId },
    el("span", { id: questionId }, `Delete ${label(invoice)} for good? It leaves your totals and reports.`),
    remove, keep);
  const close = () => {
    group.replaceWith(button);
    button.focus();
    afterChange();
  };
  keep.addEventListener("click", close);
  group.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    keep.disabled = true;
    try {
      const response = await api(`invoices/${encodeURIComponent(invoice.id)}`, { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw new Error(await problem(response));
      const item = group.closest(".invoice");
      const next = item.nextElementSibling || item.previousElementSibling;
      extra.delete(invoice.id);
      item.remove();
      announce(`${label(invoice)} deleted`);
      (next?.querySelector(".value") || $("month")).focus();
      deferred = null;
      await loadMonth();
    } catch (error) {
      if (error instanceof SignedOut) return;
      close();
      actionError(button, error.message);
    }
  });
  button.replaceWith(group);
  keep.focus();
}

// Replacing: one shared, labelled file input; the chosen file replaces the invoice whose
// button was pressed, and its row then follows the new invoice (a new id).
const replaceInput = $("replace-file");
let replacing = null;
function pickReplacement(invoice) {
  replacing = invoice;
  replaceInput.value = "";
  replaceInput.click();
}
replaceInput.addEventListener("change", () => {
  const file = replaceInput.files?.[0];
  const invoice = replacing;
  replacing = null;
  replaceInput.value = "";
  if (file && invoice) replace(invoice, file);
});

async function replace(invoice, file) {
  const item = $("invoices").querySelector(`.invoice[data-id="${CSS.escape(invoice.id)}"]`);
  const button = item?.querySelector('[data-action="replace"]');
  const status = el("p", { class: "note-line row-busy", role: "status" }, `Uploading ${file.name}…`);
  item?.querySelector(".actions")?.prepend(status);
  if (button) button.disabled = true;
  const body = new FormData();
  body.append("file", file, file.name);
  try {
    const response = await api(`invoices/${encodeURIComponent(invoice.id)}/replace`, {
      method: "POST", body,
    });
    if (!response.ok) throw new Error(await problem(response));
    const answer = await response.json();
    extra.delete(invoice.id);
    const thumb = thumbs.get(invoice.id);
    if (thumb) { URL.revokeObjectURL(thumb); thumbs.delete(invoice.id); }
    announce(`${file.name} replaces ${label(invoice)}: reading it`);
    for (const item of $("uploads").querySelectorAll(`.upload[data-id="${CSS.escape(invoice.id)}"]`)) {
      item.querySelector(".detail").textContent = `replaced by ${file.name}`;
    }
    if (state.scope?.invoice) {
      // This page was opened for the old invoice only: the new one needs a full sign-in.
      status.remove();
      item?.remove();
      $("list-message").textContent = "Replaced: your new photo is being read. Sign in to see it.";
      $("sign-in-email").focus();
      return;
    }
    const record = await waitFor(answer.id, (latest) => {
      const current = $("invoices").querySelector(
        `.invoice[data-id="${CSS.escape(invoice.id)}"], .invoice[data-id="${CSS.escape(answer.id)}"]`);
      const fresh = row(latest);
      if (current) current.replaceWith(fresh); else $("invoices").prepend(fresh);
    });
    if (record) {
      extra.set(record.id, record);
      announce(`${file.name}: ${STATUS_TEXT[record.status]}`);
    }
    await loadMonth();
  } catch (error) {
    if (error instanceof SignedOut) return;
    status.remove();
    afterChange();
    if (button) {
      button.disabled = false;
      actionError(button, `${file.name} was refused: ${error.message}`);
      button.focus();
    }
  }
}

// Poll one invoice until it is read; ``update`` sees each state. The final record, or null.
async function waitFor(id, update, delay = 400) {
  for (;;) {
    const response = await api(`invoices/${encodeURIComponent(id)}`);
    if (response.status === 404) return null;
    if (response.ok) {
      const record = await response.json();
      update(record);
      if (FINAL.has(record.status)) return record;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 1.3, 3000);
  }
}

function field(invoice, name, mark) {
  const value = invoice[name];
  const spec = EDITABLE[name];
  const low = value !== null && (invoice.confidence?.[name] ?? 1) < 0.5;
  const shown = value === null ? `no ${spec.label.toLowerCase()}` : value;
  const edited = invoice.user_edited.includes(name) ? " (edited by you)" : "";
  const button = el("button", {
    type: "button",
    class: `value${value === null ? " missing" : ""}${low ? " low" : ""}`,
    dataset: { field: name },
    "aria-label": `${spec.label}: ${value ?? "unknown"}${edited}${low ? " (uncertain)" : ""}. Correct it`,
    title: low ? "Read with low confidence: please check" : `Correct the ${spec.label.toLowerCase()}`,
    onclick: () => edit(button, invoice, name, mark),
  }, value === null ? shown
    : name === "total" ? money(value, "").trim()
      : name === "category" ? categoryName(value) : value);
  const point = () => highlight(mark, invoice, name);
  const unpoint = () => { if (!mark.closest(".invoice")?.querySelector("form.edit")) highlight(mark, null); };
  button.addEventListener("focus", point);
  button.addEventListener("mouseenter", point);
  button.addEventListener("blur", unpoint);
  button.addEventListener("mouseleave", () => { if (document.activeElement !== button) unpoint(); });
  return button;
}

// Outline where a field was read on the thumbnail: the box is in fractions of the page.
function highlight(mark, invoice, name) {
  const evidence = invoice?.evidence?.[name];
  const box = evidence && evidence.page === 0 && Array.isArray(evidence.box) ? evidence.box : null;
  if (!box || box.length !== 4) {
    mark.hidden = true;
    delete mark.dataset.shows;
    return;
  }
  const clamp = (v) => Math.min(1, Math.max(0, Number(v) || 0));
  const [x0, y0, x1, y1] = box.map(clamp);
  mark.style.left = `${x0 * 100}%`;
  mark.style.top = `${y0 * 100}%`;
  mark.style.width = `${Math.max(x1 - x0, 0.01) * 100}%`;
  mark.style.height = `${Math.max(y1 - y0, 0.01) * 100}%`;
  mark.dataset.shows = name;
  mark.hidden = false;
}

function edit(button, invoice, name, mark) {
  const spec = EDITABLE[name];
  const inputId = `edit-${invoice.id}-${name}`;
  const errorId = `${inputId}-error`;
  const item = button.closest(".invoice");
  const input = spec.type === "select"
    ? el("select", { id: inputId, name, "aria-describedby": errorId },
      categories.map((id) => el("option", { value: id, selected: id === invoice[name] }, categoryName(id))))
    : el("input", {
      id: inputId, name, type: spec.type, value: invoice[name] ?? "", inputmode: spec.inputmode,
      maxlength: spec.maxlength, "aria-describedby": errorId, autocomplete: "off",
    });
  const error = el("span", { class: "error", id: errorId, role: "alert" });
  const close = () => {
    item?.classList.remove("inspecting");
    highlight(mark, null);
    editor.replaceWith(button);
    button.focus();
    afterChange();
  };
  const editor = el("form", { class: "edit", onsubmit: (event) => save(event) },
    el("label", { for: inputId, class: "sr-only" }, `${spec.label} of ${invoice.vendor || "this invoice"}`),
    input,
    el("button", { type: "submit" }, "Save"),
    el("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
    error);
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  item?.classList.add("inspecting");
  button.replaceWith(editor);
  highlight(mark, invoice, name);
  input.focus();
  input.select?.();

  async function save(event) {
    event.preventDefault();
    try {
      const response = await api(`invoices/${encodeURIComponent(invoice.id)}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ [name]: input.value }),
      });
      if (!response.ok) throw new Error(await problem(response));
      if (extra.has(invoice.id)) extra.set(invoice.id, await response.json());
      announce(`${spec.label} saved`);
      close();
      await loadMonth();
    } catch (failure) {
      if (failure instanceof SignedOut) return;
      input.setAttribute("aria-invalid", "true");
      error.textContent = failure.message;
      input.focus();
    }
  }
}

async function showThumbnail(img, picture, id) {
  const ready = () => picture.classList.remove("empty");
  img.addEventListener("load", ready, { once: true });
  if (thumbs.has(id)) { img.src = thumbs.get(id); return; }
  try {
    const response = await api(`invoices/${encodeURIComponent(id)}/thumbnail`);
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    thumbs.set(id, url);
    img.src = url;
  } catch { /* no picture: the grey box stays */ }
}

// A month's CSV or the accountant's ZIP, fetched (so an API key is sent and a refusal is
// explained on the page) and saved under the name the server gives it.
async function download(format) {
  if (state.mode === "open" && !form.email.value.trim()) { identity(); return; }
  const message = $("list-message");
  if (format === "zip") message.textContent = "Preparing the ZIP for your accountant…";
  try {
    const response = await api(`invoices?${listQuery(format)}`);
    if (!response.ok) throw new Error(await problem(response));
    const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
    const url = URL.createObjectURL(await response.blob());
    if (format === "zip") message.textContent = "";
    const link = el("a", { href: url, download: named?.[1] || `billify-${monthPick.value}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) {
    if (!(error instanceof SignedOut)) $("list-message").textContent = error.message;
  }
}

// --- links from emails: #invoice=<id>&do=view|fix|confirm|not-duplicate, #month=YYYY-MM,
// #month=YYYY-MM&do=export (the report's link to the accountant's ZIP) ------------------------

function parseFragment() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const invoice = params.get("invoice");
  const month = params.get("month");
  if (invoice) return { invoice, action: ACTIONS.has(params.get("do")) ? params.get("do") : "view" };
  if (month && /^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    return { month, action: params.get("do") === "export" ? "export" : "view" };
  }
  return null;
}

async function followFragment() {
  const wanted = parseFragment();
  state.target = null;
  if (wanted?.month && state.mode !== "scoped") {
    monthPick.value = wanted.month;
    extra.clear();
  }
  if (wanted?.invoice) {
    state.target = { id: wanted.invoice, action: wanted.action };
    if (state.mode === "session" || state.mode === "open") await showInvoiceMonth(wanted.invoice);
  }
  await loadMonth();
  if (wanted?.action === "export") {
    // Once: a reload or the back button must not download it again.
    history.replaceState(null, "", `#month=${wanted.month}`);
    await download("zip");
  }
}

// The invoice of a link may belong to another month than the one shown: open its month,
// and keep it on the page even if its month (in the server's time zone) is another.
async function showInvoiceMonth(id) {
  try {
    const response = await api(`invoices/${encodeURIComponent(id)}`);
    if (!response.ok) {
      $("list-message").textContent = "The invoice of this link is not among yours (deleted, or another address's).";
      state.target = null;
      return;
    }
    const record = await response.json();
    const received = new Date(record.received_at);
    if (!Number.isNaN(received.getTime())) monthPick.value = monthOf(received);
    extra.clear();
    extra.set(record.id, record);
  } catch (error) {
    if (!(error instanceof SignedOut)) $("list-message").textContent = error.message;
  }
}

function reachTarget() {
  const target = state.target;
  if (!target) return;
  const item = $("invoices").querySelector(`.invoice[data-id="${CSS.escape(target.id)}"]`);
  if (!item) return;
  state.target = null;
  for (const other of $("invoices").querySelectorAll(".invoice.target")) other.classList.remove("target");
  item.classList.add("target");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  item.scrollIntoView({ block: "center", behavior: reduced ? "auto" : "smooth" });
  const button = (action) => item.querySelector(`[data-action="${action}"]`);
  if (target.action === "fix") {
    item.querySelector('[data-field="total"]')?.click();
  } else if (target.action === "confirm" && button("looks-right")) {
    button("looks-right").focus({ preventScroll: true });
  } else if (target.action === "not-duplicate" && button("not-duplicate")) {
    button("not-duplicate").focus({ preventScroll: true });
  } else {
    item.focus({ preventScroll: true });
  }
}

window.addEventListener("hashchange", () => {
  if (state.mode !== "sign-in" && state.mode !== "loading") followFragment();
});

boot();
