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

function keyOf(tag) {
  if (tag.kind === "sentence") return JSON.stringify(["sentence", tag.unit]);
  return JSON.stringify(["span", tag.start, tag.end, tag.label]);
}

function keyList(tag) {
  return tag.kind === "sentence" ? ["sentence", tag.unit] : ["span", tag.start, tag.end, tag.label];
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
  const root = el("div", { class: `kit-tagger kit-mode-${mode}`, "data-lm-suppress-shortcuts": "true" });
  const live = el("div", { class: "kit-live", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const header = el("div", { class: "kit-header" });
  const heading = el("div", { class: "kit-title", text: model.get("title") });
  const studentBox = el("div", { class: "kit-student" });
  const buttons = el("div", { class: "kit-buttons", role: "toolbar", "aria-label": "Tagging actions" });
  const undoBtn = el("button", { type: "button", class: "kit-undo", text: "Undo", "aria-keyshortcuts": "Control+Z" });
  const redoBtn = el("button", { type: "button", class: "kit-redo", text: "Redo", "aria-keyshortcuts": "Control+Shift+Z" });
  const noteBtn = el("button", { type: "button", class: "kit-note-btn", text: "Why? note", "aria-keyshortcuts": "N" });
  const deleteBtn = el("button", { type: "button", class: "kit-delete", text: "Delete tag", "aria-keyshortcuts": "Delete" });
  const exportBtn = el("button", { type: "button", class: "kit-export", text: "Export my tags" });
  const downloadLink = el("a", { class: "kit-download", hidden: true, role: "button" });
  buttons.append(undoBtn, redoBtn, noteBtn, deleteBtn, exportBtn, downloadLink);
  header.append(heading, studentBox, buttons);

  const notices = el("div", { class: "kit-notices" });
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
  for (const [k, v] of HELP[mode]) legend.append(el("span", { class: "kit-legend-item" }, el("kbd", { text: k }), ` ${v}`));
  const statusLine = el("div", { class: "kit-status", "aria-hidden": "true" });

  root.append(header, notices, paletteBox, notePanel, textBox, statusLine, legend, live);
  host.append(root);

  // ---- the text: one element per unit, one per token -------------------------
  const tokenEls = [];
  const unitEls = [];
  const unitOfToken = [];
  let tIndex = 0;
  let block = null;
  let lastPara = null;
  units.forEach((u, ui) => {
    const para = u.kind === "sentence" ? u.paragraph : u.kind;
    if (para !== lastPara) {
      block = el(u.kind === "title" ? "div" : "p", { class: `kit-block kit-${u.kind}` });
      textBox.append(block);
      lastPara = para;
    } else {
      block.append(" ");
    }
    const unitEl = el("span", { class: "kit-unit", id: `${uid}-u${ui}`, "data-u": String(ui) });
    if (mode === "sentence") unitEl.setAttribute("role", "option");
    let pos = u.start;
    while (tIndex < tokens.length && tokens[tIndex][0] < u.end) {
      const [s, e] = tokens[tIndex];
      if (s > pos) unitEl.append(text.slice(pos, s));
      const tokEl = el("span", { class: "kit-tok", "data-i": String(tIndex), id: `${uid}-t${tIndex}` });
      tokEl.textContent = text.slice(s, e);
      tokenEls.push(tokEl);
      unitOfToken.push(ui);
      unitEl.append(tokEl);
      pos = e;
      tIndex += 1;
    }
    if (pos < u.end) unitEl.append(text.slice(pos, u.end));
    unitEls.push(unitEl);
    block.append(unitEl);
  });
  const firstTokenOfUnit = units.map(() => -1);
  unitOfToken.forEach((ui, ti) => { if (firstTokenOfUnit[ui] < 0) firstTokenOfUnit[ui] = ti; });

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

  function announce(message) {
    live.textContent = "";
    // a fresh text node makes screen readers read a repeated message again
    setTimeout(() => { live.textContent = message; }, 10);
    statusLine.textContent = message;
  }

  function send(edit, optimistic = true) {
    if (model.get("read_only")) {
      announce("This copy is read-only: nothing was changed.");
      return;
    }
    seqCounter += 1;
    const seq = seqBase + seqCounter;
    if (optimistic && (edit.op === "set" || edit.op === "delete")) pending.push({ seq, edit });
    model.send({ type: "edit", seq, edit });
    update();
  }

  function selection() {
    if (mode !== "span") return null;
    const a = anchor === null ? cursor : anchor;
    return [Math.min(a, cursor), Math.max(a, cursor)];
  }

  function tagsAtCursor(tags) {
    if (mode === "sentence") return tags.filter((t) => t.kind === "sentence" && t.unit === units[cursor].id);
    if (mode === "name") {
      const target = model.get("targets")[cursor];
      return target ? tags.filter((t) => t.start === target.start && t.end === target.end) : [];
    }
    const [s, e] = tokens[cursor];
    return tags.filter((t) => t.kind === "span" && t.start <= s && e <= t.end)
      .sort((x, y) => (x.end - x.start) - (y.end - y.start));
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
      send({ op: "set", tag: { kind: "sentence", unit: u.id, label: p.code,
        checkworthy: old ? old.checkworthy : false, note: old ? old.note : "" } });
      announce(`Tagged sentence ${u.id} as ${p.label}`);
    } else if (mode === "name") {
      const target = model.get("targets")[cursor];
      if (!target) return;
      const olds = tags.filter((t) => t.start === target.start && t.end === target.end);
      const note = olds.length ? olds[0].note : "";
      for (const old of olds) if (old.label !== p.code) send({ op: "delete", key: keyList(old) });
      send({ op: "set", tag: { kind: "span", start: target.start, end: target.end,
        quote: text.slice(target.start, target.end), label: p.code, note } });
      announce(`Named '${quoteOf(target.start, target.end)}' as ${p.label}`);
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
      send({ op: "set", tag: { kind: "span", start, end, quote: text.slice(start, end), label: p.code, note: "" } });
      announce(`Tagged '${quoteOf(start, end)}' as ${p.label}`);
      anchor = null;
    }
  }

  function deleteAtCursor() {
    const hits = tagsAtCursor(currentTags());
    if (!hits.length) { announce("There is no tag here to delete."); return; }
    send({ op: "delete", key: keyList(hits[0]) });
    announce(`Deleted ${byCode.get(hits[0].label)?.label || hits[0].label}`);
  }

  function toggleCheckworthy() {
    const u = units[cursor];
    const old = currentTags().find((t) => t.kind === "sentence" && t.unit === u.id);
    if (!old) { announce("Choose a claim type first (1–6), then flag it check-worthy."); return; }
    send({ op: "set", tag: { kind: "sentence", unit: u.id, label: old.label, checkworthy: !old.checkworthy, note: old.note || "" } });
    announce(old.checkworthy ? `Sentence ${u.id}: not check-worthy` : `Sentence ${u.id}: check-worthy`);
  }

  let noteFor = null;
  function openNote() {
    const hits = tagsAtCursor(currentTags());
    if (!hits.length) { announce("Tag something first, then add a note."); return; }
    noteFor = hits[0];
    notePanel.hidden = false;
    noteLabel.textContent = `Why? (${byCode.get(noteFor.label)?.label || noteFor.label}) `;
    noteInput.value = noteFor.note || "";
    noteInput.focus();
  }
  function closeNote(save) {
    if (save && noteFor) {
      const { pending: _p, ...tag } = noteFor;
      send({ op: "set", tag: { ...tag, note: noteInput.value } });
      announce("Note saved");
    }
    noteFor = null;
    notePanel.hidden = true;
    textBox.focus();
  }
  noteSave.addEventListener("click", () => closeNote(true));
  noteCancel.addEventListener("click", () => closeNote(false));
  function noteKey(e) {
    if (e.key === "Enter") { e.preventDefault(); closeNote(true); }
    if (e.key === "Escape") { e.preventDefault(); closeNote(false); }
  }

  undoBtn.addEventListener("click", () => { send({ op: "undo" }, false); announce("Undo"); });
  redoBtn.addEventListener("click", () => { send({ op: "redo" }, false); announce("Redo"); });
  noteBtn.addEventListener("click", openNote);
  deleteBtn.addEventListener("click", deleteAtCursor);
  exportBtn.addEventListener("click", () => {
    if (!model.get("student").id) {
      announce("Confirm your student id first, then export.");
      studentInput.focus();
      return;
    }
    model.send({ type: "edit", seq: 0, edit: { op: "export" } });
  });

  // ---- student id -----------------------------------------------------------
  const studentLabel = el("label", { for: `${uid}-student`, text: "Student id: " });
  const studentInput = el("input", { id: `${uid}-student`, type: "text", size: "16", maxlength: "64", autocomplete: "off" });
  const studentOk = el("button", { type: "button", text: "Confirm id" });
  const studentHint = el("span", { class: "kit-hint" });
  studentBox.append(studentLabel, studentInput, studentOk, studentHint);
  studentOk.addEventListener("click", () => {
    send({ op: "student", id: studentInput.value.trim(), name: "" }, false);
  });
  function studentKey(e) {
    if (e.key === "Enter") { e.preventDefault(); studentOk.click(); }
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

    notices.replaceChildren(...model.get("notices").map((n) => el("div", { class: "kit-notice", role: "alert", text: n })));

    for (const b of root.querySelectorAll(".kit-badge")) b.remove();
    for (const t of tokenEls) { t.className = "kit-tok"; t.style.removeProperty("--kit-bars"); t.removeAttribute("aria-selected"); }
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
        u.append(el("span", { class: `kit-badge${t.pending ? " kit-pending" : ""}`, "data-code": t.label,
          text: `${t.label} ${p ? p.label : ""}${t.checkworthy ? " ★ check-worthy" : ""}${t.note ? " ✎" : ""}` }));
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
          if (n === cursor) {
            for (let i = a; i <= b; i++) tokenEls[i].classList.add("kit-sel");
            textBox.setAttribute("aria-activedescendant", tokenEls[a].id);
            tokenEls[a].setAttribute("aria-selected", "true");
          }
        });
      }
      for (const t of tags) {
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
            text: `${t.label} ${p ? p.label : ""}${t.note ? " ✎" : ""}` });
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
    if (ctrl && (k === "z" || k === "Z")) { e.preventDefault(); send({ op: e.shiftKey ? "redo" : "undo" }, false); announce(e.shiftKey ? "Redo" : "Undo"); return; }
    if (ctrl && (k === "y" || k === "Y")) { e.preventDefault(); send({ op: "redo" }, false); announce("Redo"); return; }
    if (ctrl || e.altKey) return;
    if (k === "ArrowRight" || (k === "ArrowDown" && mode !== "span")) { e.preventDefault(); move(1, e.shiftKey); return; }
    if (k === "ArrowLeft" || (k === "ArrowUp" && mode !== "span")) { e.preventDefault(); move(-1, e.shiftKey); return; }
    if (k === "ArrowDown") { e.preventDefault(); moveUnit(1, e.shiftKey); return; }
    if (k === "ArrowUp") { e.preventDefault(); moveUnit(-1, e.shiftKey); return; }
    if (k === "Home") { e.preventDefault(); move(-1e9); return; }
    if (k === "End") { e.preventDefault(); move(1e9); return; }
    if (k === "Escape") { anchor = null; update(); announce("Highlight cleared"); return; }
    if (k === "Delete" || k === "Backspace") { e.preventDefault(); deleteAtCursor(); return; }
    if ((k === "n" || k === "N") && !e.shiftKey) { e.preventDefault(); openNote(); return; }
    if ((k === "c" || k === "C") && mode === "sentence") { e.preventDefault(); toggleCheckworthy(); return; }
    const p = byKey.get(k);
    if (p) { e.preventDefault(); applyLabel(p); }
  }

  // Keys pressed in the tagger never reach the notebook's shortcuts (in command mode 1-6 would turn
  // the cell into a heading and arrows would move between cells). Notebook 7 handles keys in the
  // capture phase at the document, before any element: so listen at the window, which comes first.
  const handled = new WeakSet();
  function onKeydown(e) {
    if (handled.has(e) || !root.contains(e.target)) return;
    handled.add(e);
    e.stopPropagation();
    if (e.target === noteInput) return noteKey(e);
    if (e.target === studentInput) return studentKey(e);
    if (textBox.contains(e.target)) return textKey(e);
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
    if (msg.type === "reject") {
      pending = pending.filter((p) => p.seq !== msg.seq);
      update();
      announce(`Not saved: ${msg.message}`);
    } else if (msg.type === "download") {
      const blob = new Blob([msg.data], { type: "application/json" });
      if (downloadLink.href) URL.revokeObjectURL(downloadLink.href);
      downloadLink.href = URL.createObjectURL(blob);
      downloadLink.download = msg.name;
      downloadLink.textContent = `Download ${msg.name}`;
      downloadLink.hidden = false;
    }
  };
  model.on("msg:custom", onMsg);
  const onChange = () => {
    const confirmed = model.get("confirmed");
    pending = pending.filter((p) => p.seq > confirmed);
    update();
  };
  model.on("change", onChange);
  const onStatus = () => { if (model.get("status")) announce(model.get("status")); };
  model.on("change:status", onStatus);

  update();
  return () => {
    model.off("msg:custom", onMsg);
    model.off("change", onChange);
    model.off("change:status", onStatus);
    window.removeEventListener("mouseup", stopDrag);
    window.removeEventListener("keydown", onKeydown, true);
    if (downloadLink.href) URL.revokeObjectURL(downloadLink.href);
  };
}

export default { render };
