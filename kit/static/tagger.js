// The kit's tagging widget (anywidget front end).
// Offsets are the code-point offsets Python sends with the tokens; nothing here
// reads offsets from the browser's selection, so UTF-16 and shadow DOM cannot skew them.

const HELP = {
  sentence: [
    ["↑ ↓ or ← →", "previous / next sentence"],
    ["1–6", "claim type"],
    ["c", "check-worthy on / off"],
    ["n", "write a “why?” note"],
    ["Delete", "remove the tag"],
    ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo"],
  ],
  span: [
    ["← →", "move word by word"],
    ["Shift+← →", "extend the highlight"],
    ["↑ ↓", "previous / next sentence"],
    ["1–9, 0", "label the highlight (see the palette)"],
    ["mouse", "drag over words, or click then Shift+click"],
    ["n", "write a “why?” note on the tag under the cursor"],
    ["Delete", "remove the tag under the cursor"],
    ["Esc", "clear the highlight"],
    ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo"],
  ],
  name: [
    ["← → or ↑ ↓", "previous / next highlighted passage"],
    ["1–9, 0", "name its technique"],
    ["n", "write a “why?” note"],
    ["Delete", "remove your label"],
    ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo"],
  ],
};

function keyList(tag) {
  if (tag.kind === "sentence" || tag.kind === "control") return [tag.kind, tag.unit];
  return ["span", tag.start, tag.end, tag.label];
}

function keyOf(tag) {
  return JSON.stringify(keyList(tag));
}

// Key mode (an author writing a case's key) adds these keys.
const AUTHOR_HELP = [
  ["Shift+1–9, 0", "also accept that label (again: no longer)"],
  ["n", "write why: students read it, and an item needs it to count"],
];
const AUTHOR_SPAN_HELP = [["x", "a control: this sentence is left untagged on purpose"]];

function badgeText(t, p) {
  const also = t.also && t.also.length ? ` (also ${t.also.join(", ")})` : "";
  return `${t.label} ${p ? p.label : ""}${also}${t.checkworthy ? " ★ check-worthy" : ""}${t.note ? " ✎" : ""}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// WAI-ARIA toolbar: one Tab stop per toolbar; arrows, Home and End move between its buttons.
// Returns settle(current) (after buttons change state) and key(event) -> whether the key was used.
function roving(toolbar) {
  const items = () => [...toolbar.querySelectorAll("button, a")].filter((b) => !b.disabled && !b.hidden);
  const settle = (current) => {
    const list = items();
    const keep = list.includes(current) ? current : list[0];
    for (const b of toolbar.querySelectorAll("button, a")) b.tabIndex = b === keep ? 0 : -1;
  };
  toolbar.addEventListener("focusin", (e) => settle(e.target));
  const key = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    const list = items();
    const at = list.indexOf(e.target);
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0,
      End: list.length - 1 }[e.key];
    if (at < 0 || to === undefined) return false;
    e.preventDefault();
    list[(to + list.length) % list.length].focus();
    return true;
  };
  settle(null);
  return { settle, key, current: () => toolbar.querySelector('[tabindex="0"]') };
}

const DISCONNECTED = "Not connected to Python (the kernel stopped or restarted): nothing more can be saved here. " +
  "Your saved tags are safe. Re-run this cell to keep working.";
const SLOW = "No answer from Python yet: it may be busy running another cell, or stopped. A dashed tag is not " +
  "saved yet. If it stays dashed, re-run this cell.";

function render({ model, el: host }) {
  const doc = model.get("doc");
  const mode = model.get("mode");
  const text = doc.text;
  const units = doc.units;
  const tokens = doc.tokens;
  const palette = model.get("palette");
  const byKey = new Map(palette.map((p) => [p.key, p]));
  const byCode = new Map(palette.map((p) => [p.code, p]));
  const uid = "kt" + Math.random().toString(36).slice(2, 8);

  let pending = []; // optimistic edits not yet confirmed by Python: {seq, edit}
  let seqCounter = 0;
  const seqBase = Date.now() * 1000;
  let cursor = 0; // unit index (sentence), token index (span), target index (name)
  let anchor = null; // span mode: the other end of the highlight
  let dragging = false;

  // ---- static layout -------------------------------------------------------
  const root = el("div", { class: `kit-tagger kit-mode-${mode}` });
  const live = el("div", { class: "kit-live", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  // One Tab from the widget's start reaches the text (the controls come after it in reading order too).
  const skip = el("button", { type: "button", class: "kit-skip", text: "Skip to the text" });
  const header = el("div", { class: "kit-header" });
  const heading = el("div", { class: "kit-title", text: model.get("title") });
  const studentBox = el("div", { class: "kit-student" });
  const buttons = el("div", { class: "kit-buttons", role: "toolbar", "aria-label": "Tagging actions" });
  const undoBtn = el("button", { type: "button", class: "kit-undo", text: "Undo", "aria-keyshortcuts": "Control+Z" });
  const redoBtn = el("button", { type: "button", class: "kit-redo", text: "Redo", "aria-keyshortcuts": "Control+Shift+Z" });
  const noteBtn = el("button", { type: "button", class: "kit-note-btn", text: "Why? note", "aria-keyshortcuts": "N" });
  const deleteBtn = el("button", { type: "button", class: "kit-delete", text: "Delete tag", "aria-keyshortcuts": "Delete" });
  const author = model.get("author");
  const exportBtn = el("button", { type: "button", class: "kit-export", text: author ? "Save key" : "Export my tags" });
  const downloadLink = el("a", { class: "kit-download", hidden: true, role: "button" });
  buttons.append(undoBtn, redoBtn, noteBtn, deleteBtn, exportBtn, downloadLink);
  header.append(heading, studentBox, buttons);

  const notices = el("div", { class: "kit-notices" });
  let shownNotices = null;
  const textId = `${uid}-text`;
  const legendId = `${uid}-legend`;
  const textBox = el("div", {
    class: "kit-text",
    id: textId,
    tabindex: "0",
    role: mode === "sentence" || mode === "name" ? "listbox" : "application",
    "aria-label": mode === "sentence" ? "Sentences of the editorial" :
      mode === "name" ? "Highlighted passages of the editorial" : "Text of the editorial, word by word",
    "aria-describedby": legendId,
  });
  const connection = el("div", { class: "kit-notice kit-connection", role: "alert" });
  const notePanel = el("div", { class: "kit-note", hidden: true });
  const noteLabel = el("label", { for: `${uid}-note`, text: "Why? " });
  const noteInput = el("input", { id: `${uid}-note`, type: "text", maxlength: "2000", size: "60" });
  const noteSave = el("button", { type: "button", text: "Save note" });
  const noteCancel = el("button", { type: "button", text: "Cancel" });
  notePanel.append(noteLabel, noteInput, noteSave, noteCancel);

  const paletteBox = el("div", { class: "kit-palette", role: "toolbar", "aria-label": "Labels" });
  for (const p of palette) {
    const b = el("button", {
      type: "button", class: "kit-label-btn", "data-code": p.code, title: p.definition,
      "aria-keyshortcuts": p.key || null,
    });
    b.style.setProperty("--kit-colour", p.colour);
    b.append(el("span", { class: "kit-swatch", "aria-hidden": "true" }),
      el("span", { class: "kit-key", text: p.key ? p.key : "" }),
      el("span", { text: `${p.code} ${p.label}` }));
    b.addEventListener("click", () => applyLabel(p));
    paletteBox.append(b);
  }
  const legend = el("div", { class: "kit-legend", id: legendId });
  legend.append(el("strong", { text: "Keys: " }));
  const help = author ? [...HELP[mode], ...AUTHOR_HELP, ...(mode === "span" ? AUTHOR_SPAN_HELP : [])] : HELP[mode];
  for (const [k, v] of help) legend.append(el("span", { class: "kit-legend-item" }, el("kbd", { text: k }), ` ${v}`));
  // Messages show in a bar that stays in view at the top while the student works in the text
  // (the live region says them to screen readers, so the bar itself is not read twice).
  const statusLine = el("div", { class: "kit-status", "aria-hidden": "true" });
  const statusBar = el("div", { class: "kit-statusbar" }, statusLine);
  const statusSlot = el("div", { class: "kit-statusslot" }, statusBar);

  root.append(skip, header, connection, notices, paletteBox, statusSlot, notePanel, textBox, legend, live);
  host.append(root);
  skip.addEventListener("click", () => textBox.focus());
  const buttonsNav = roving(buttons);
  const paletteNav = roving(paletteBox);

  // ---- the text: one element per unit, one per token -------------------------
  const tokenEls = [];
  const unitEls = [];
  const unitOfToken = [];
  let tIndex = 0;
  let block = null;
  let lastPara = null;
  // Name mode: each highlighted passage is one option of the listbox (WAI-ARIA listbox pattern).
  const targetEls = [];
  const targetStarts = new Map(model.get("targets").map((tg, n) => [tg.start, n]));
  const wrapOfToken = [];
  units.forEach((u, ui) => {
    const para = u.kind === "sentence" ? u.paragraph : u.kind;
    if (para !== lastPara) {
      // role "none": the paragraphs are layout only, so the listbox owns its options directly
      block = el(u.kind === "title" ? "div" : "p", { class: `kit-block kit-${u.kind}`, role: "none" });
      textBox.append(block);
      lastPara = para;
    } else {
      block.append(" ");
    }
    const unitEl = el("span", { class: "kit-unit", id: `${uid}-u${ui}`, "data-u": String(ui) });
    if (mode === "sentence") unitEl.setAttribute("role", "option");
    let box = unitEl; // where the next text goes: the unit, or the passage (option) being built
    let openTarget = null;
    let pos = u.start;
    const put = (gap) => {
      // Punctuation right after a word stays with it (and with its badge) on one line.
      const glued = wrapOfToken.length && pos > u.start ? gap.match(/^\S*/)[0] : "";
      if (glued) wrapOfToken[wrapOfToken.length - 1].append(glued);
      if (gap.length > glued.length) box.append(gap.slice(glued.length));
    };
    while (tIndex < tokens.length && tokens[tIndex][0] < u.end) {
      const [s, e] = tokens[tIndex];
      if (s > pos) put(text.slice(pos, s));
      if (mode === "name" && targetStarts.has(s)) {
        const n = targetStarts.get(s);
        openTarget = model.get("targets")[n];
        box = el("span", { class: "kit-option", role: "option", id: `${uid}-o${n}`, "data-n": String(n),
          "aria-selected": "false" });
        targetEls[n] = box;
        unitEl.append(box);
      }
      const tokEl = el("span", { class: "kit-tok", "data-i": String(tIndex), id: `${uid}-t${tIndex}` });
      tokEl.textContent = text.slice(s, e);
      const wrap = el("span", { class: "kit-w" }, tokEl);
      tokenEls.push(tokEl);
      wrapOfToken.push(wrap);
      unitOfToken.push(ui);
      box.append(wrap);
      pos = e;
      tIndex += 1;
      if (openTarget && e >= openTarget.end) { box = unitEl; openTarget = null; }
    }
    if (pos < u.end) put(text.slice(pos, u.end));
    unitEls.push(unitEl);
    block.append(unitEl);
  });
  const firstTokenOfUnit = units.map(() => -1);
  const lastTokenOfUnit = units.map(() => -1);
  unitOfToken.forEach((ui, ti) => {
    if (firstTokenOfUnit[ui] < 0) firstTokenOfUnit[ui] = ti;
    lastTokenOfUnit[ui] = ti;
  });

  function tokenRange(start, end) {
    // indices of the tokens inside [start, end)
    let a = tokens.findIndex((t) => t[1] > start);
    if (a < 0) return [0, -1];
    let b = a;
    while (b + 1 < tokens.length && tokens[b + 1][0] < end) b += 1;
    return [a, b];
  }

  // ---- state ---------------------------------------------------------------
  function currentTags() {
    let tags = model.get("tags").map((t) => ({ ...t, pending: false }));
    for (const { edit } of pending) {
      if (edit.op === "set") {
        const k = keyOf(edit.tag);
        tags = tags.filter((t) => keyOf(t) !== k).concat([{ ...edit.tag, pending: true }]);
      } else if (edit.op === "delete") {
        const k = JSON.stringify(edit.key);
        tags = tags.filter((t) => keyOf(t) !== k);
      }
    }
    return tags;
  }

  // Keep the status bar in view while the student works further down the text. CSS "sticky" cannot
  // do it: the notebook's output areas scroll on their own (overflow), so the bar floats (fixed) at
  // the top of the notebook's visible area while the widget's top is scrolled out of it.
  let scroller = null;
  function visibleTop() {
    if (!scroller || !scroller.contains(root)) {
      scroller = null;
      for (let n = root.parentElement; n; n = n.parentElement) {
        const o = getComputedStyle(n).overflowY;
        if ((o === "auto" || o === "scroll") && n.scrollHeight > n.clientHeight) { scroller = n; break; }
      }
    }
    return Math.max(0, scroller ? scroller.getBoundingClientRect().top : 0);
  }
  function placeStatus() {
    const top = visibleTop();
    const slot = statusSlot.getBoundingClientRect();
    const box = root.getBoundingClientRect();
    const float = slot.top < top && box.bottom > top + 3 * slot.height;
    statusSlot.style.minHeight = float ? `${slot.height}px` : "";
    statusBar.classList.toggle("kit-floating", float);
    statusBar.style.width = float ? `${box.width}px` : "";
    if (!float) {
      statusBar.style.top = statusBar.style.left = "";
      return;
    }
    // A transformed ancestor (JupyterLab's windowed notebook) moves what "fixed" is relative to:
    // place the bar, measure where it landed, and correct by the difference.
    statusBar.style.top = `${top}px`;
    statusBar.style.left = `${box.left}px`;
    const landed = statusBar.getBoundingClientRect();
    statusBar.style.top = `${2 * top - landed.top}px`;
    statusBar.style.left = `${2 * box.left - landed.left}px`;
  }
  const onScroll = () => requestAnimationFrame(placeStatus);
  document.addEventListener("scroll", onScroll, { capture: true, passive: true });
  window.addEventListener("resize", onScroll);

  function announce(message) {
    live.textContent = "";
    // a fresh text node makes screen readers read a repeated message again
    setTimeout(() => { live.textContent = message; }, 10);
    statusLine.textContent = message;
    placeStatus();
  }

  // ---- the connection to Python ------------------------------------------------
  // Every edit gets an answer: a confirmation (the "confirmed" number) or a refusal (a "reject"
  // message). An edit unanswered after a few seconds means Python is busy or gone: say so.
  const awaiting = new Map(); // seq -> timer
  let link = "ok"; // "ok", "slow" (no answer yet) or "lost" (the kernel is gone)
  function setLink(state) {
    if (link === state || link === "lost") return;
    link = state;
    root.classList.toggle("kit-disconnected", state !== "ok");
    connection.textContent = state === "lost" ? DISCONNECTED : state === "slow" ? SLOW : "";
    if (state !== "ok") statusLine.textContent = connection.textContent;
    update();
  }
  function answered(seq) {
    clearTimeout(awaiting.get(seq));
    awaiting.delete(seq);
    if (link === "slow") setLink("ok");
  }

  // Returns false when the edit was not sent (read-only, disconnected); the caller then says nothing more.
  function send(edit, optimistic = true) {
    if (link === "lost") {
      announce(DISCONNECTED);
      return false;
    }
    if (model.get("read_only") && edit.op !== "export") { // Python says why an export is refused
      announce("Not saved: this copy is read-only (see the notice above).");
      return false;
    }
    seqCounter += 1;
    const seq = seqBase + seqCounter;
    try {
      model.send({ type: "edit", seq, edit });
    } catch (err) { // the comm is closed: the kernel has gone
      setLink("lost");
      announce(DISCONNECTED);
      return false;
    }
    if (optimistic && (edit.op === "set" || edit.op === "delete")) pending.push({ seq, edit });
    awaiting.set(seq, setTimeout(() => { if (awaiting.has(seq)) setLink("slow"); }, 4000));
    update();
    return true;
  }

  function selection() {
    if (mode !== "span") return null;
    const a = anchor === null ? cursor : anchor;
    return [Math.min(a, cursor), Math.max(a, cursor)];
  }

  function tagsAtCursor(tags) {
    if (mode === "sentence") return tags.filter((t) => t.kind === "sentence" && t.unit === units[cursor].id);
    const control = tags.filter((t) => t.kind === "control" && t.unit === units[unitOfToken[cursor]]?.id);
    if (mode === "name") {
      const target = model.get("targets")[cursor];
      return target ? tags.filter((t) => t.start === target.start && t.end === target.end) : [];
    }
    const [s, e] = tokens[cursor];
    return tags.filter((t) => t.kind === "span" && t.start <= s && e <= t.end)
      .sort((x, y) => (x.end - x.start) - (y.end - y.start)).concat(control);
  }

  // Key mode: another accepted label for the tag at the cursor, or a control sentence.
  function toggleAlso(p) {
    const hits = tagsAtCursor(currentTags()).filter((t) => t.kind !== "control");
    if (!hits.length) { announce("Tag it first, then add the labels also accepted."); return; }
    const { pending: _p, ...tag } = hits[0];
    if (p.code === tag.label) { announce(`${p.label} is already the preferred label.`); return; }
    const also = tag.also || [];
    send({ op: "set", tag: { ...tag, also: also.includes(p.code) ? also.filter((c) => c !== p.code) : [...also, p.code] } });
  }
  function toggleControl() {
    const u = units[unitOfToken[cursor]];
    const old = currentTags().find((t) => t.kind === "control" && t.unit === u.id);
    if (old) send({ op: "delete", key: keyList(old) });
    else send({ op: "set", tag: { kind: "control", unit: u.id, note: "" } });
  }

  function quoteOf(start, end) {
    const q = text.slice(start, end);
    return q.length > 60 ? q.slice(0, 57) + "..." : q;
  }

  function applyLabel(p) {
    const tags = currentTags();
    if (mode === "sentence") {
      const u = units[cursor];
      const old = tags.find((t) => t.kind === "sentence" && t.unit === u.id);
      if (!send({ op: "set", tag: { kind: "sentence", unit: u.id, label: p.code,
        checkworthy: old ? old.checkworthy : false, note: old ? old.note : "" } })) return;
    } else if (mode === "name") {
      const target = model.get("targets")[cursor];
      if (!target) return;
      const olds = tags.filter((t) => t.start === target.start && t.end === target.end);
      const note = olds.length ? olds[0].note : "";
      for (const old of olds) if (old.label !== p.code && !send({ op: "delete", key: keyList(old) })) return;
      if (!send({ op: "set", tag: { kind: "span", start: target.start, end: target.end,
        quote: text.slice(target.start, target.end), label: p.code, note } })) return;
    } else {
      const [a, b] = selection();
      const start = tokens[a][0];
      const end = tokens[b][1];
      const clash = tags.find((t) => t.kind === "span" && t.label === p.code && t.start < end && start < t.end &&
        !(t.start === start && t.end === end));
      if (clash) {
        announce(`Not tagged: '${quoteOf(clash.start, clash.end)}' already has ${p.label}, and two spans with the same label may not overlap.`);
        return;
      }
      if (!send({ op: "set", tag: { kind: "span", start, end, quote: text.slice(start, end), label: p.code, note: "" } })) return;
      anchor = null;
    }
  }

  function deleteAtCursor() {
    const hits = tagsAtCursor(currentTags());
    if (!hits.length) { announce("There is no tag here to delete."); return; }
    send({ op: "delete", key: keyList(hits[0]) });
  }

  function toggleCheckworthy() {
    const u = units[cursor];
    const old = currentTags().find((t) => t.kind === "sentence" && t.unit === u.id);
    if (!old) { announce("Choose a claim type first (1–6), then flag it check-worthy."); return; }
    const { pending: _p, ...tag } = old;
    send({ op: "set", tag: { ...tag, checkworthy: !old.checkworthy } });
  }

  let noteFor = null;
  function openNote() {
    const hits = tagsAtCursor(currentTags());
    if (!hits.length) { announce("Tag something first, then add a note."); return; }
    noteFor = hits[0];
    notePanel.hidden = false;
    const what = noteFor.kind === "control" ? "control" : byCode.get(noteFor.label)?.label || noteFor.label;
    noteLabel.textContent = author ? `Why? Students read this (${what}) ` : `Why? (${what}) `;
    noteInput.value = noteFor.note || "";
    noteInput.focus();
  }
  function closeNote(save) {
    if (save && noteFor) {
      const { pending: _p, ...tag } = noteFor;
      send({ op: "set", tag: { ...tag, note: noteInput.value } });
    } else if (save) {
      announce("Not saved: choose a tag first, then write its note.");
    }
    noteFor = null;
    notePanel.hidden = true;
    textBox.focus();
  }
  noteSave.addEventListener("click", () => closeNote(true));
  noteCancel.addEventListener("click", () => closeNote(false));
  function noteKey(e) {
    if (e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return false;
    if (e.key === "Enter") { e.preventDefault(); closeNote(true); return true; }
    if (e.key === "Escape") { e.preventDefault(); closeNote(false); return true; }
    return false;
  }

  undoBtn.addEventListener("click", () => send({ op: "undo" }, false));
  redoBtn.addEventListener("click", () => send({ op: "redo" }, false));
  noteBtn.addEventListener("click", openNote);
  deleteBtn.addEventListener("click", deleteAtCursor);
  exportBtn.addEventListener("click", () => {
    if (author) { send({ op: "save_key" }, false); return; }
    if (!model.get("student").id) {
      announce("Confirm your student id first, then export.");
      studentInput.focus();
      return;
    }
    send({ op: "export" }, false);
  });

  // ---- student id -----------------------------------------------------------
  const studentLabel = el("label", { for: `${uid}-student`, text: "Student id: " });
  const studentInput = el("input", { id: `${uid}-student`, type: "text", size: "16", maxlength: "64", autocomplete: "off" });
  const studentOk = el("button", { type: "button", text: "Confirm id" });
  const studentHint = el("span", { class: "kit-hint" });
  studentBox.append(studentLabel, studentInput, studentOk, studentHint);
  studentBox.hidden = author;  // an author saves a key, not an export
  studentOk.addEventListener("click", () => {
    send({ op: "student", id: studentInput.value.trim(), name: "" }, false);
  });
  function studentKey(e) {
    if (e.key !== "Enter" || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return false;
    e.preventDefault();
    studentOk.click();
    return true;
  }

  // ---- drawing ---------------------------------------------------------------
  function update() {
    const tags = currentTags();
    const student = model.get("student");
    const suggested = model.get("suggested_student");
    if (document.activeElement !== studentInput) studentInput.value = student.id || suggested.id || "";
    studentHint.textContent = student.id ? `(confirmed: ${student.id})` :
      suggested.from === "JUPYTERHUB_USER" ? "(from JupyterHub: please confirm)" : "(type it once; it is remembered)";
    undoBtn.disabled = !model.get("can_undo") || model.get("read_only");
    redoBtn.disabled = !model.get("can_redo") || model.get("read_only");
    root.classList.toggle("kit-read-only", model.get("read_only"));
    buttonsNav.settle(buttonsNav.current());

    // An alert is announced when it appears: rebuild the notices only when they change.
    const noticeText = JSON.stringify(model.get("notices"));
    if (noticeText !== shownNotices) {
      shownNotices = noticeText;
      notices.replaceChildren(...model.get("notices").map((n) => el("div", { class: "kit-notice", role: "alert", text: n })));
    }

    for (const b of root.querySelectorAll(".kit-badge")) b.remove();
    for (const t of tokenEls) { t.className = "kit-tok"; t.style.removeProperty("--kit-bars"); }
    for (const u of unitEls) { u.className = "kit-unit"; u.removeAttribute("aria-selected"); u.style.removeProperty("--kit-colour"); }

    if (mode === "sentence") {
      for (const t of tags) {
        const ui = units.findIndex((u) => u.id === t.unit);
        if (ui < 0) continue;
        const p = byCode.get(t.label);
        const u = unitEls[ui];
        u.classList.add("kit-tagged");
        if (t.pending) u.classList.add("kit-pending");
        u.style.setProperty("--kit-colour", p ? p.colour : "#666");
        // into the last word's box, so the badge never starts the next line on its own
        wrapOfToken[lastTokenOfUnit[ui]].append(el("span", { class: `kit-badge${t.pending ? " kit-pending" : ""}`, "data-code": t.label,
          text: badgeText(t, p) }));
      }
      const cur = unitEls[cursor];
      cur.classList.add("kit-current");
      cur.setAttribute("aria-selected", "true");
      textBox.setAttribute("aria-activedescendant", cur.id);
    } else {
      const bars = tokenEls.map(() => []);
      const ends = new Map();
      const targets = model.get("targets");
      if (mode === "name") {
        targets.forEach((tg, n) => {
          const [a, b] = tokenRange(tg.start, tg.end);
          for (let i = a; i <= b; i++) tokenEls[i].classList.add("kit-target");
          targetEls[n]?.setAttribute("aria-selected", String(n === cursor));
          if (n === cursor) {
            for (let i = a; i <= b; i++) tokenEls[i].classList.add("kit-sel");
            if (targetEls[n]) textBox.setAttribute("aria-activedescendant", targetEls[n].id);
          }
        });
      }
      for (const t of tags) {
        if (t.kind === "control") {  // key mode: a sentence left untagged on purpose
          const ui = units.findIndex((u) => u.id === t.unit);
          if (ui < 0) continue;
          unitEls[ui].classList.add("kit-control");
          wrapOfToken[lastTokenOfUnit[ui]].append(el("span", { class: `kit-badge kit-control-badge${t.pending ? " kit-pending" : ""}`,
            "data-code": "control", text: `control: left untagged on purpose${t.note ? " ✎" : ""}` }));
          continue;
        }
        if (t.kind !== "span") continue;
        const p = byCode.get(t.label);
        const [a, b] = tokenRange(t.start, t.end);
        for (let i = a; i <= b; i++) {
          bars[i].push(p ? p.colour : "#666");
          tokenEls[i].classList.add("kit-spanned");
          if (t.pending) tokenEls[i].classList.add("kit-pending");
        }
        const list = ends.get(b) || [];
        list.push(t);
        ends.set(b, list);
      }
      bars.forEach((colours, i) => {
        if (!colours.length) return;
        const shadows = colours.slice(0, 4).map((c, n) => `inset 0 -${3 * (n + 1)}px 0 0 ${c}`);
        tokenEls[i].style.setProperty("--kit-bars", shadows.join(", "));
      });
      for (const [b, list] of ends) {
        let after = tokenEls[b];
        for (const t of list) {
          const p = byCode.get(t.label);
          const badge = el("span", { class: `kit-badge${t.pending ? " kit-pending" : ""}`, "data-code": t.label,
            text: badgeText(t, p) });
          badge.style.setProperty("--kit-colour", p ? p.colour : "#666");
          after.after(badge);
          after = badge;
        }
      }
      if (mode === "span") {
        const [a, b] = selection();
        for (let i = a; i <= b; i++) tokenEls[i].classList.add("kit-sel");
        tokenEls[cursor].classList.add("kit-cursor");
        textBox.setAttribute("aria-activedescendant", tokenEls[cursor].id);
      }
    }
  }

  function describeCursor() {
    if (mode === "sentence") {
      const u = units[cursor];
      const tag = currentTags().find((t) => t.kind === "sentence" && t.unit === u.id);
      return `${u.id}: ${text.slice(u.start, u.end)}${tag ? ` (tagged ${byCode.get(tag.label)?.label || tag.label})` : ""}`;
    }
    if (mode === "name") {
      const tg = model.get("targets")[cursor];
      return tg ? `Passage ${cursor + 1} of ${model.get("targets").length}: ${quoteOf(tg.start, tg.end)}` : "";
    }
    const [a, b] = selection();
    return a === b ? text.slice(tokens[a][0], tokens[a][1]) : `Highlight: ${quoteOf(tokens[a][0], tokens[b][1])}`;
  }

  function move(delta, extend = false) {
    if (mode === "sentence") {
      cursor = Math.max(0, Math.min(units.length - 1, cursor + delta));
    } else if (mode === "name") {
      cursor = Math.max(0, Math.min(model.get("targets").length - 1, cursor + delta));
    } else {
      if (extend && anchor === null) anchor = cursor;
      if (!extend) anchor = null;
      cursor = Math.max(0, Math.min(tokens.length - 1, cursor + delta));
    }
    update();
    announce(describeCursor());
    const target = mode === "sentence" ? unitEls[cursor] : mode === "span" ? tokenEls[cursor] :
      tokenEls[tokenRange(model.get("targets")[cursor]?.start ?? 0, model.get("targets")[cursor]?.end ?? 1)[0]];
    target?.scrollIntoView?.({ block: "nearest" });
  }

  function moveUnit(delta, extend) {
    if (mode !== "span") return move(delta);
    const ui = Math.max(0, Math.min(units.length - 1, unitOfToken[cursor] + delta));
    const goal = firstTokenOfUnit[ui];
    if (goal >= 0) move(goal - cursor, extend);
  }

  function textKey(e) {
    const ctrl = e.ctrlKey || e.metaKey;
    const k = e.key;
    if (ctrl && !e.altKey && (k === "z" || k === "Z")) { send({ op: e.shiftKey ? "redo" : "undo" }, false); return true; }
    if (ctrl && !e.altKey && (k === "y" || k === "Y")) { send({ op: "redo" }, false); return true; }
    if (ctrl || e.altKey) return false;
    if (k === "ArrowRight" || (k === "ArrowDown" && mode !== "span")) move(1, e.shiftKey);
    else if (k === "ArrowLeft" || (k === "ArrowUp" && mode !== "span")) move(-1, e.shiftKey);
    else if (k === "ArrowDown") moveUnit(1, e.shiftKey);
    else if (k === "ArrowUp") moveUnit(-1, e.shiftKey);
    else if (k === "Home") move(-1e9);
    else if (k === "End") move(1e9);
    else if (k === "Escape" && mode === "span") { anchor = null; update(); announce("Highlight cleared"); }
    else if (k === "Delete" || k === "Backspace") deleteAtCursor();
    else if ((k === "n" || k === "N") && !e.shiftKey) openNote();
    else if ((k === "c" || k === "C") && mode === "sentence") toggleCheckworthy();
    else if (author && e.shiftKey && /^Digit\d$/.test(e.code) && byKey.has(e.code.slice(5))) toggleAlso(byKey.get(e.code.slice(5)));
    else if (author && mode === "span" && (k === "x" || k === "X")) toggleControl();
    else if (byKey.has(k)) applyLabel(byKey.get(k));
    else return false;
    return true;
  }

  // In the notebook's command mode a plain key is a shortcut (1-6 turn the cell into a heading, x cuts
  // it, arrows move between cells). So the tagger stops every key it uses and every plain key typed
  // inside it, and lets the rest through: Tab, Shift+Enter (run the cell), Ctrl+S (save) and the like.
  // Notebook 7 handles keys in the capture phase at the document, before any element: so listen at
  // the window, which comes first.
  function isPlain(e) {
    return !(e.ctrlKey || e.metaKey || e.altKey) && e.key !== "Tab" && !(e.key === "Enter" && e.shiftKey);
  }
  const handled = new WeakSet();
  function onKeydown(e) {
    if (handled.has(e) || !root.contains(e.target)) return;
    handled.add(e);
    let used = false;
    if (e.target === noteInput) used = noteKey(e);
    else if (e.target === studentInput) used = studentKey(e);
    else if (textBox.contains(e.target)) used = textKey(e);
    else if (buttons.contains(e.target)) used = buttonsNav.key(e);
    else if (paletteBox.contains(e.target)) used = paletteNav.key(e);
    if (used) e.preventDefault();
    if (used || isPlain(e)) e.stopPropagation();
  }
  window.addEventListener("keydown", onKeydown, true);
  root.addEventListener("keydown", onKeydown); // inside a shadow root the window sees only the host

  // ---- mouse ----------------------------------------------------------------------
  function tokenIndex(node) {
    const t = node.closest?.(".kit-tok");
    return t ? Number(t.dataset.i) : null;
  }
  textBox.addEventListener("mousedown", (e) => {
    if (e.button !== 0) return;
    const ti = tokenIndex(e.target);
    e.preventDefault(); // no browser text selection: spans come from tokens
    textBox.focus();
    if (mode === "sentence") {
      const u = e.target.closest?.(".kit-unit");
      if (u) { cursor = Number(u.dataset.u); update(); announce(describeCursor()); }
      return;
    }
    if (ti === null) return;
    if (mode === "name") {
      const found = model.get("targets").findIndex((tg) => tokens[ti][0] >= tg.start && tokens[ti][1] <= tg.end);
      if (found >= 0) { cursor = found; update(); announce(describeCursor()); }
      return;
    }
    if (e.shiftKey) {
      if (anchor === null) anchor = cursor;
      cursor = ti;
    } else {
      anchor = ti;
      cursor = ti;
      dragging = true;
    }
    update();
  });
  textBox.addEventListener("mouseover", (e) => {
    if (!dragging || mode !== "span") return;
    const ti = tokenIndex(e.target);
    if (ti !== null && ti !== cursor) { cursor = ti; update(); }
  });
  const stopDrag = () => {
    if (dragging) { dragging = false; announce(describeCursor()); }
  };
  window.addEventListener("mouseup", stopDrag);

  // ---- messages from Python --------------------------------------------------------
  const onMsg = (msg) => {
    if (msg.type === "reject") { // the words come with the status (below)
      pending = pending.filter((p) => p.seq !== msg.seq);
      answered(msg.seq);
      update();
    } else if (msg.type === "download") {
      const blob = new Blob([msg.data], { type: "application/json" });
      if (downloadLink.href) URL.revokeObjectURL(downloadLink.href);
      downloadLink.href = URL.createObjectURL(blob);
      downloadLink.download = msg.name;
      downloadLink.textContent = `Download ${msg.name}`;
      downloadLink.hidden = false;
      buttonsNav.settle(buttonsNav.current());
    }
  };
  model.on("msg:custom", onMsg);
  const onChange = () => {
    const confirmed = model.get("confirmed");
    pending = pending.filter((p) => p.seq > confirmed);
    for (const seq of awaiting.keys()) if (seq <= confirmed) answered(seq);
    update();
  };
  model.on("change", onChange);
  // Every outcome is said once, in Python's words: what was saved, or why not.
  const onStatus = () => { if (model.get("status")) announce(model.get("status")); };
  model.on("change:status_id", onStatus);
  // The widget manager marks the model's comm dead when the kernel dies or restarts.
  const onCommLive = () => setLink("lost");
  model.on("comm_live_update", onCommLive);

  update();
  return () => {
    for (const timer of awaiting.values()) clearTimeout(timer);
    model.off("msg:custom", onMsg);
    model.off("change", onChange);
    model.off("change:status_id", onStatus);
    model.off("comm_live_update", onCommLive);
    window.removeEventListener("mouseup", stopDrag);
    window.removeEventListener("keydown", onKeydown, true);
    document.removeEventListener("scroll", onScroll, { capture: true });
    window.removeEventListener("resize", onScroll);
    if (downloadLink.href) URL.revokeObjectURL(downloadLink.href);
  };
}

export default { render };
