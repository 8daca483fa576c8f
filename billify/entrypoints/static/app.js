// Billify's web page: plain ES module, no build step. Every piece of text coming from the
// server or a file is put in the page with textContent, never as HTML.

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
};

const $ = (id) => document.getElementById(id);
const form = { name: $("name"), email: $("email"), key: $("api-key") };
const thumbs = new Map(); // invoice id -> object URL

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

// --- who you are, remembered in this browser -------------------------------------------------

for (const [field, input] of Object.entries(form)) {
  input.value = localStorage.getItem(STORE + field) || "";
  input.addEventListener("input", () => localStorage.setItem(STORE + field, input.value.trim()));
}
form.email.addEventListener("change", () => loadMonth());
form.key.addEventListener("change", () => loadMonth());
if (form.key.value) $("key-details").open = true;

function identity() {
  const problem = !form.name.value.trim() ? [form.name, "Please enter your name first."]
    : !form.email.checkValidity() || !form.email.value.trim()
      ? [form.email, "Please enter a valid email address first."] : null;
  const error = $("you-error");
  error.hidden = !problem;
  error.textContent = problem ? problem[1] : "";
  if (problem) { problem[0].focus(); return null; }
  return { name: form.name.value.trim(), email: form.email.value.trim() };
}

function headers(extra = {}) {
  const key = form.key.value.trim();
  return key ? { ...extra, "x-api-key": key } : extra;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  if (response.status === 401) {
    $("key-details").open = true;
    throw new Error("This server needs an API key: paste yours under “API key”.");
  }
  return response;
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || body.error || `error ${response.status}`;
  } catch {
    return `error ${response.status}`;
  }
}

// --- uploads ---------------------------------------------------------------------------------

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
  body.append("name", who.name);
  body.append("email", who.email);
  body.append("file", file, file.name);
  const request = new XMLHttpRequest();
  request.open("POST", "/upload-invoice");
  for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.round((event.loaded / event.total) * 100);
    progress.value = percent;
    item.querySelector(".detail").textContent = `${percent}%`;
  });
  request.addEventListener("load", () => {
    progress.value = 100;
    let answer = {};
    try { answer = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status === 200 || request.status === 202) {
      item.dataset.id = answer.id;
      const detail = answer.duplicate ? "already uploaded: the same file" : "";
      setStatus(item, answer.status, detail);
      follow(item, answer.id);
    } else {
      if (request.status === 401) $("key-details").open = true;
      setStatus(item, "rejected", answer.detail || `error ${request.status}`);
      announce(`${file.name} was refused: ${answer.detail || request.status}`);
    }
  });
  request.addEventListener("error", () => setStatus(item, "rejected", "network error; try again"));
  request.send(body);
}

async function follow(item, id, delay = 700) {
  try {
    const response = await api(`/invoices/${encodeURIComponent(id)}`);
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
    item.querySelector(".detail").textContent = error.message;
  }
  setTimeout(() => follow(item, id, Math.min(delay * 1.3, 3000)), delay);
}

// --- the month's invoices --------------------------------------------------------------------

const monthPick = $("month-pick");
const now = new Date();
monthPick.value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
monthPick.addEventListener("change", () => loadMonth());
$("export-csv").addEventListener("click", downloadCsv);

function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  const [whole, fraction = ""] = String(amount).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency || ""} ${grouped}.${fraction.padEnd(2, "0")}`.trim();
}

let loading = 0;
async function loadMonth() {
  const email = form.email.value.trim();
  const message = $("list-message");
  if (!email) {
    message.textContent = "Enter your email above to see your invoices.";
    return;
  }
  const ticket = ++loading;
  const query = new URLSearchParams({ email, month: monthPick.value });
  try {
    const response = await api(`/invoices?${query}`);
    if (!response.ok) throw new Error(await problem(response));
    const data = await response.json();
    if (ticket !== loading) return; // a newer request is on its way
    render(data);
    message.textContent = data.count ? "" : "No invoice received this month yet.";
  } catch (error) {
    message.textContent = error.message;
  }
}

let deferred = null; // a list that arrived while a field was being corrected

function render(data) {
  if ($("invoices").querySelector("form.edit")) { deferred = data; return; }
  deferred = null;
  const totals = Object.entries(data.totals).map(([currency, amount]) => money(amount, currency));
  $("totals").textContent = totals.length ? `Spent: ${totals.join(" + ")}` : "";
  const list = $("invoices");
  const focused = document.activeElement?.closest?.("[data-id]")?.dataset.id;
  list.replaceChildren(...data.invoices.slice().reverse().map(row));
  if (focused) list.querySelector(`[data-id="${CSS.escape(focused)}"] .value`)?.focus();
}

function row(invoice) {
  const thumb = el("img", { class: "thumb", alt: "", width: 72, height: 72 });
  showThumbnail(thumb, invoice.id);
  const edited = new Set(invoice.user_edited);
  const status = el("span", { class: `badge ${invoice.status}` }, STATUS_TEXT[invoice.status]);
  const badges = [status];
  if (invoice.duplicate_of) badges.push(el("span", { class: "badge duplicate" }, "likely duplicate"));
  if (edited.size) badges.push(el("span", { class: "badge edited" }, "edited"));
  return el("li", { class: "invoice", dataset: { id: invoice.id, status: invoice.status } },
    thumb,
    el("div", { class: "main" },
      el("div", { class: "vendor" }, field(invoice, "vendor")),
      el("div", { class: "meta" }, field(invoice, "date"), " · ",
        el("span", {}, invoice.original_filename || "upload"))),
    el("div", { class: "amount" },
      el("div", { class: "total" }, field(invoice, "total"), field(invoice, "currency")),
      el("div", {}, ...badges)));
}

function field(invoice, name) {
  const value = invoice[name];
  const spec = EDITABLE[name];
  const low = value !== null && (invoice.confidence[name] ?? 1) < 0.5;
  const shown = value === null ? `no ${spec.label.toLowerCase()}` : value;
  const edited = invoice.user_edited.includes(name) ? " (edited by you)" : "";
  const button = el("button", {
    type: "button",
    class: `value${value === null ? " missing" : ""}${low ? " low" : ""}`,
    dataset: { field: name },
    "aria-label": `${spec.label}: ${value ?? "unknown"}${edited}${low ? " (uncertain)" : ""}. Correct it`,
    title: low ? "Read with low confidence: please check" : `Correct the ${spec.label.toLowerCase()}`,
    onclick: () => edit(button, invoice, name),
  }, name === "total" && value !== null ? money(value, "").trim() : shown);
  return button;
}

function edit(button, invoice, name) {
  const spec = EDITABLE[name];
  const inputId = `edit-${invoice.id}-${name}`;
  const errorId = `${inputId}-error`;
  const input = el("input", {
    id: inputId, name, type: spec.type, value: invoice[name] ?? "", inputmode: spec.inputmode,
    maxlength: spec.maxlength, "aria-describedby": errorId, autocomplete: "off",
  });
  const error = el("span", { class: "error", id: errorId, role: "alert" });
  const close = () => {
    editor.replaceWith(button);
    button.focus();
    if (deferred) render(deferred);
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
  button.replaceWith(editor);
  input.focus();
  input.select?.();

  async function save(event) {
    event.preventDefault();
    try {
      const response = await api(`/invoices/${encodeURIComponent(invoice.id)}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ [name]: input.value }),
      });
      if (!response.ok) throw new Error(await problem(response));
      announce(`${spec.label} saved`);
      close();
      await loadMonth();
    } catch (failure) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = failure.message;
      input.focus();
    }
  }
}

async function showThumbnail(img, id) {
  if (thumbs.has(id)) { img.src = thumbs.get(id); return; }
  try {
    const response = await api(`/invoices/${encodeURIComponent(id)}/thumbnail`);
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    thumbs.set(id, url);
    img.src = url;
  } catch { /* no picture: the grey box stays */ }
}

async function downloadCsv() {
  const email = form.email.value.trim();
  if (!email) { identity(); return; }
  const query = new URLSearchParams({ email, month: monthPick.value, format: "csv" });
  try {
    const response = await api(`/invoices?${query}`);
    if (!response.ok) throw new Error(await problem(response));
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `billify-${monthPick.value}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) {
    $("list-message").textContent = error.message;
  }
}

loadMonth();
