// Meldwijzer web chat. Bot text is always turned into DOM nodes (textContent),
// never parsed as HTML. The browser keeps only the conversation token, and only in
// sessionStorage, so it is gone when the tab closes or the person clears the chat.
"use strict";

(() => {
  const TOKEN_KEY = "meldwijzer.conversation";
  const REQUEST_TIMEOUT_MS = 30000;
  const MENU_ACTION = "menu:show";

  const UI = {
    nl: {
      skip: "Naar het invoerveld",
      tagline: "— praat vertrouwelijk over ongewenst gedrag op het werk",
      privacy: "Geen cookies en geen geschiedenis: je browser onthoudt alleen een gesprekssleutel zolang dit tabblad open is.",
      switch: "English", switchLang: "en",
      clear: "Gesprek wissen",
      conversation: "Gesprek",
      message: "Je bericht",
      send: "Versturen",
      hint: "Enter verstuurt, Shift+Enter begint een nieuwe regel.",
      me: "Jij: ", bot: "Meldwijzer: ",
      thinking: "Meldwijzer schrijft een antwoord…",
      required: " (verplicht)",
      choose: "Kies…",
      hide: "Verberg",
      hidden: "(Verborgen.)",
      concealed: "Ontvangstcode verborgen",
      formSent: "Formulier verstuurd: ",
      formNotSent: "Niet verstuurd: ",
      chooseOne: "Kies ten minste één mogelijkheid.",
      empty: "Typ eerst een bericht.",
      resumed: "Je gesprek loopt nog. Eerdere berichten staan niet meer op het scherm.",
      menu: "Menu",
      cleared: "Gesprek gewist. Er is een nieuw gesprek begonnen.",
      expired: "Dit gesprek was verlopen, dus je laatste bericht is niet aangekomen. Er is een nieuw gesprek begonnen.",
      offline: "Geen verbinding met Meldwijzer. Controleer je internet en probeer het opnieuw.",
      busy: "Het is nu erg druk bij Meldwijzer. Probeer het over een minuut opnieuw.",
      crisis: "Direct in gevaar? Bel 112. Denk je aan zelfdoding? Bel 113 of gratis 0800-0113 (alleen vanuit Nederland), of chat via 113.nl.",
      charsLeft: (n) => n >= 0 ? `Nog ${n} tekens.` : `${-n} tekens te veel.`,
    },
    en: {
      skip: "Skip to the message field",
      tagline: "— talk in confidence about unwanted behaviour at work",
      privacy: "No cookies and no history: your browser keeps only a conversation key while this tab is open.",
      switch: "Nederlands", switchLang: "nl",
      clear: "Clear conversation",
      conversation: "Conversation",
      message: "Your message",
      send: "Send",
      hint: "Enter sends, Shift+Enter starts a new line.",
      me: "You: ", bot: "Meldwijzer: ",
      thinking: "Meldwijzer is writing an answer…",
      required: " (required)",
      choose: "Choose…",
      hide: "Hide",
      hidden: "(Hidden.)",
      concealed: "Receipt code hidden",
      formSent: "Form sent: ",
      formNotSent: "Not sent: ",
      chooseOne: "Choose at least one option.",
      empty: "Type a message first.",
      resumed: "Your conversation continues. Earlier messages are no longer on the screen.",
      menu: "Menu",
      cleared: "Conversation cleared. A new conversation has started.",
      expired: "This conversation had expired, so your last message did not arrive. A new conversation has started.",
      offline: "No connection to Meldwijzer. Check your internet connection and try again.",
      busy: "Meldwijzer is very busy right now. Please try again in a minute.",
      crisis: "In danger right now? Call 112. Thinking about suicide? Call 113 or 0800-0113 (free, from the Netherlands only), or chat at 113.nl.",
      charsLeft: (n) => n >= 0 ? `${n} characters left.` : `${-n} characters too many.`,
    },
  };

  const scroller = document.getElementById("scroller");
  const logEl = document.getElementById("log");
  const statusEl = document.getElementById("status");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const countEl = document.getElementById("message-count");
  const switchButton = document.getElementById("switch-language");
  const clearButton = document.getElementById("clear-conversation");
  const hintEl = document.getElementById("message-hint");
  // A touch screen has no Shift key to go with Enter (and often no hover): there Enter starts
  // a new line, Send sends, and the Shift+Enter hint is neither shown nor read out.
  const touch = window.matchMedia("(pointer: coarse), (hover: none)");
  // What someone typed into a form, by form id, so a form that comes back (after a crisis
  // answer, a stale submit, a language switch) has it again. Passwords (receipt codes) are
  // never kept; a form that was accepted is forgotten.
  const drafts = new Map();
  // Room kept between an answer and the edge of the conversation when it is scrolled to.
  const REVEAL_MARGIN_PX = 8;

  let lang = preferredLanguage();
  let token = sessionStorage.getItem(TOKEN_KEY);
  let maxChars = 2000;
  let busy = false;
  let nextId = 0;
  let newest = null; // the first and last element of the newest turn

  function preferredLanguage() {
    const first = (navigator.languages && navigator.languages[0]) || navigator.language || "nl";
    return first.toLowerCase().startsWith("en") ? "en" : "nl";
  }

  function t(key, language) {
    return (UI[language] || UI[lang])[key];
  }

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function uniqueId(prefix) {
    nextId += 1;
    return `${prefix}-${nextId}`;
  }

  // ---- page language -------------------------------------------------------

  function applyLanguage(newLang) {
    if (!UI[newLang]) return;
    lang = newLang;
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-ui]")) el.textContent = t(el.dataset.ui);
    logEl.setAttribute("aria-label", t("conversation"));
    switchButton.lang = t("switchLang");
    updateCount();
  }

  function applyPointer() {
    hintEl.hidden = touch.matches;
    const described = touch.matches ? "message-count" : "message-hint message-count";
    input.setAttribute("aria-describedby", described);
  }

  // ---- talking to the server -----------------------------------------------

  class ApiProblem extends Error {
    constructor(status, message, code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function post(path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
        signal: controller.signal,
      });
      const payload = await response.json().catch(() => null);
      if (!response.ok) {
        const problem = payload && payload.error ? payload.error : {};
        throw new ApiProblem(response.status, problem.message || "", problem.code || "");
      }
      return payload;
    } finally {
      clearTimeout(timer);
    }
  }

  async function startConversation() {
    const payload = await post("/api/webchat/conversations", { locale: lang });
    token = payload.conversation;
    sessionStorage.setItem(TOKEN_KEY, token);
    if (payload.limits) maxChars = payload.limits.max_message_chars;
    return renderReplies(payload.replies);
  }

  async function sendMessage(body) {
    const path = `/api/webchat/conversations/${encodeURIComponent(token)}/messages`;
    const payload = await post(path, body);
    return renderReplies(payload.replies);
  }

  // Runs one request at a time; returns the first new bot message, or null on failure.
  async function turn(work) {
    if (busy) return null;
    busy = true;
    logEl.setAttribute("aria-busy", "true");
    statusEl.textContent = t("thinking");
    try {
      const first = await work();
      statusEl.textContent = "";
      revealNewest();
      return first;
    } catch (error) {
      statusEl.textContent = "";
      showProblem(error);
      return null;
    } finally {
      busy = false;
      logEl.removeAttribute("aria-busy");
    }
  }

  function showProblem(error) {
    if (error instanceof ApiProblem && error.status === 404) {
      // The token in this tab is no longer usable: forget it, the next turn starts afresh.
      forgetToken();
    }
    let text = t("offline");
    if (error instanceof ApiProblem && error.code === "busy") {
      // Too many new conversations at once (or connections): not this person's doing.
      text = t("busy");
    } else if (error instanceof ApiProblem && error.message) {
      const parts = error.message.split(" / ");
      text = parts[lang === "en" && parts.length > 1 ? 1 : 0];
    }
    const box = node("div", "message problem");
    box.append(node("p", null, text));
    if (!(error instanceof ApiProblem) || error.status >= 500) box.append(node("p", null, t("crisis")));
    logEl.append(box);
    box.scrollIntoView({ block: "nearest" });
  }

  function forgetToken() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }

  function withConversation(work) {
    return turn(async () => {
      if (!token) {
        const greeting = await startConversation();
        if (work === null) return greeting;
      }
      if (work === null) return null;
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof ApiProblem) || error.status !== 404) throw error;
        // The server no longer knows this conversation (it expired, or its key is from
        // before an update): start afresh, and leave what was typed in the field.
        forgetToken();
        showSystem(t("expired"));
        await startConversation();
        return null;
      }
    });
  }

  // ---- rendering bot replies -----------------------------------------------

  // Shows one turn's replies; returns the first, which the caller reveals and may focus.
  function renderReplies(replies) {
    // A missing "supersedes" is true: an older server's replies all replace what came before.
    if (replies.some((reply) => reply.supersedes !== false)) retireControls();
    const concealing = replies.find((reply) => reply.conceal_input);
    if (concealing) concealMine(concealing.lang);
    let first = null;
    let withButtons = null;
    for (const reply of replies) {
      const el = renderReply(reply);
      if (!first) first = el;
      if (reply.buttons.length) withButtons = el;
    }
    if (withButtons) {
      for (const old of logEl.querySelectorAll(".message.newest")) old.classList.remove("newest");
      withButtons.classList.add("newest");
    }
    if (replies.length) applyLanguage(replies[replies.length - 1].lang);
    newest = first ? { first, last: logEl.lastElementChild } : newest;
    return first;
  }

  // A newer answer makes the buttons and forms of earlier ones inactive: they would act on a
  // conversation that has moved on. What was typed stays visible and in ``drafts``.
  function retireControls() {
    for (const button of logEl.querySelectorAll(".actions button")) button.disabled = true;
    for (const fieldset of logEl.querySelectorAll(".bot-form > fieldset")) fieldset.disabled = true;
    for (const old of logEl.querySelectorAll(".message.newest")) old.classList.remove("newest");
  }

  // WCAG 2.2, 2.4.11: the newest answer's first line and its buttons in sight. A turn that
  // fits is shown whole, down to its last button; a longer one from its first line, with its
  // buttons held at the bottom (chat.css, .newest). Older text stays above it.
  function revealNewest() {
    if (!newest || !newest.first.isConnected) return;
    const view = scroller.getBoundingClientRect();
    const top = newest.first.getBoundingClientRect().top - view.top + scroller.scrollTop;
    const bottom = newest.last.getBoundingClientRect().bottom - view.top + scroller.scrollTop;
    const room = scroller.clientHeight - 2 * REVEAL_MARGIN_PX;
    const target = bottom - top <= room
      ? bottom + REVEAL_MARGIN_PX - scroller.clientHeight
      : top - REVEAL_MARGIN_PX;
    scroller.scrollTop = Math.max(0, target);
  }

  // When the conversation gets less room (a phone's keyboard opens under the message box),
  // the newest answer is brought back in sight if its end was in sight before.
  function followResize() {
    let height = scroller.clientHeight;
    new ResizeObserver(() => {
      const before = height;
      height = scroller.clientHeight;
      if (!newest || !newest.last.isConnected || height >= before) return;
      const view = scroller.getBoundingClientRect();
      const end = newest.last.getBoundingClientRect().bottom - view.top;
      if (end <= before + REVEAL_MARGIN_PX) revealNewest();
    }).observe(scroller);
  }

  function focusAnswer(el) {
    el.focus({ preventScroll: true });
  }

  // The newest answer's buttons are held at the bottom; a link in its text that gets the
  // keyboard focus underneath them is scrolled up above them (WCAG 2.2, 2.4.11).
  function keepFocusInSight(event) {
    const held = event.target.closest(".message.newest");
    const bar = held && held.querySelector(".actions");
    if (!bar || bar.contains(event.target) || event.target === held) return;
    const covered = event.target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (covered > 0) scroller.scrollTop += covered + REVEAL_MARGIN_PX;
  }

  function renderReply(reply) {
    const box = node("div", "message bot");
    box.lang = reply.lang;
    box.tabIndex = -1;
    const body = node("div", "message-text");
    renderText(reply.parts || [{ text: reply.text, theirs: false }], body);
    box.append(node("span", "visually-hidden", t("bot", reply.lang)), body);
    if (reply.buttons.length) box.append(renderButtons(reply.buttons));
    if (reply.form) {
      box.append(renderForm(reply.form, reply.lang));
      box.dataset.form = reply.form.id;
    }
    if (reply.sensitive) box.append(renderHideTool(box, body, reply.lang));
    logEl.append(box);
    return box;
  }

  // Paragraphs are separated by blank lines; "- " lines become a list. A person's own words
  // (parts marked "theirs": a signal, a thread message) keep their line breaks but are
  // never made bold, a list or a link: they are shown exactly as written.
  function renderText(parts, parent) {
    const lines = [[]];
    for (const part of parts) {
      part.text.replace(/\r\n?/g, "\n").split("\n").forEach((piece, index) => {
        if (index > 0) lines.push([]);
        if (piece) lines[lines.length - 1].push({ text: piece, theirs: part.theirs });
      });
    }
    let paragraph = null;
    let list = null;
    for (const line of lines) {
      if (!line.length) {
        paragraph = list = null;
        continue;
      }
      if (!line.some((piece) => piece.text.trim())) continue;
      const item = line[0].theirs ? null : /^\s*-\s+(.*)$/.exec(line[0].text);
      if (item) {
        paragraph = null;
        if (!list) parent.append((list = node("ul")));
        const li = node("li");
        renderPieces([{ text: item[1], theirs: false }, ...line.slice(1)], li);
        list.append(li);
      } else {
        list = null;
        if (paragraph) paragraph.append(document.createElement("br"));
        else parent.append((paragraph = node("p")));
        renderPieces(line, paragraph);
      }
    }
  }

  function renderPieces(pieces, parent) {
    for (const piece of pieces) {
      if (piece.theirs) parent.append(document.createTextNode(piece.text));
      else renderInline(piece.text, parent);
    }
  }

  function renderInline(text, parent) {
    text.split(/\*\*(.+?)\*\*/).forEach((part, index) => {
      if (!part) return;
      if (index % 2 === 1) {
        const strong = node("strong");
        renderLinks(part, strong);
        parent.append(strong);
      } else {
        renderLinks(part, parent);
      }
    });
  }

  function renderLinks(text, parent) {
    const pattern = /https?:\/\/[^\s<>"']+/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      let url = match[0].replace(/[.,;:!?]+$/, "");
      if (url.endsWith(")") && !url.includes("(")) url = url.slice(0, -1);
      const start = match.index;
      parent.append(document.createTextNode(text.slice(last, start)));
      parent.append(safeLink(url) || document.createTextNode(url));
      last = start + url.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function safeLink(url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    const link = node("a", null, url);
    link.href = parsed.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function renderButtons(buttons) {
    const group = node("div", "actions");
    group.setAttribute("role", "group");
    for (const spec of buttons) {
      const button = node("button", null, spec.label);
      button.type = "button";
      button.addEventListener("click", () => pressButton(group, spec));
      group.append(button);
    }
    return group;
  }

  async function pressButton(group, spec) {
    if (busy) return;
    const buttons = group.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    showMine(spec.label);
    const first = await withConversation(() => sendMessage({ action: spec.action }));
    if (first) focusAnswer(first);
    else {
      for (const button of buttons) button.disabled = false;
      input.focus();
    }
  }

  function renderHideTool(box, body, replyLang) {
    const tools = node("div", "message-tools");
    const button = node("button", null, t("hide", replyLang));
    button.type = "button";
    button.addEventListener("click", () => {
      body.replaceChildren(node("p", "hidden-text", t("hidden", replyLang)));
      tools.remove();
      box.focus();
    });
    tools.append(button);
    return tools;
  }

  // ---- forms -----------------------------------------------------------------

  function renderForm(spec, formLang) {
    const form = node("form", "bot-form");
    const fieldset = node("fieldset");
    fieldset.append(node("legend", null, spec.title));
    const draft = drafts.get(spec.id) || {};
    let filled = false;
    for (const field of spec.fields) {
      fieldset.append(renderField(field, formLang));
      // The server's value wins (a stale form sent back); else what was typed here before.
      const value = field.value || (field.kind === "password" ? "" : draft[field.name] || "");
      if (value) filled = fillField(fieldset, field, value) || filled;
    }
    form.append(fieldset);
    const keep = () => drafts.set(spec.id, draftOf(form, spec));
    if (filled) keep();
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    const submit = node("button", null, spec.submit_label);
    submit.type = "submit";
    fieldset.append(submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitForm(form, fieldset, spec, formLang);
    });
    return form;
  }

  function labelText(parent, field, formLang) {
    parent.append(document.createTextNode(field.label));
    if (field.required) parent.append(node("span", "required-mark", t("required", formLang)));
  }

  function renderField(field, formLang) {
    const wrapper = node("div", "form-field");
    const id = uniqueId("field");
    const hintId = field.hint ? `${id}-hint` : null;
    const grouped = field.kind === "multi" || (field.kind === "choice" && field.choices.length <= 4);
    if (grouped) {
      const group = node("fieldset");
      const legend = node("legend");
      labelText(legend, field, formLang);
      group.append(legend);
      const type = field.kind === "multi" ? "checkbox" : "radio";
      for (const choice of field.choices) group.append(renderOption(field, choice, type, hintId));
      wrapper.append(group);
    } else {
      const label = node("label");
      label.htmlFor = id;
      labelText(label, field, formLang);
      const control = renderControl(field, formLang);
      control.id = id;
      if (hintId) control.setAttribute("aria-describedby", hintId);
      wrapper.append(label, control);
    }
    if (hintId) {
      const hint = node("p", "hint", field.hint);
      hint.id = hintId;
      wrapper.append(hint);
    }
    wrapper.dataset.field = field.name;
    return wrapper;
  }

  function renderOption(field, choice, type, hintId) {
    const label = node("label", "option");
    const box = node("input");
    box.type = type;
    box.name = field.name;
    box.value = choice.value;
    if (type === "radio" && field.required) box.required = true;
    if (hintId) box.setAttribute("aria-describedby", hintId);
    label.append(box, document.createTextNode(choice.label));
    return label;
  }

  function renderControl(field, formLang) {
    let control;
    if (field.kind === "textarea") {
      control = node("textarea");
      control.rows = 5;
    } else if (field.kind === "choice") {
      control = node("select");
      control.append(new Option(t("choose", formLang), ""));
      for (const choice of field.choices) control.append(new Option(choice.label, choice.value));
    } else {
      control = node("input");
      control.type = field.kind === "password" ? "password" : "text";
      control.autocomplete = "off";
    }
    control.name = field.name;
    if (field.kind !== "choice") control.maxLength = field.max_length;
    if (field.required) control.required = true;
    return control;
  }

  function fillField(fieldset, field, value) {
    const wrapper = fieldset.querySelector(`[data-field="${CSS.escape(field.name)}"]`);
    if (field.kind === "multi" || wrapper.querySelector("input[type=radio]")) {
      // A multi-choice value comes as the choices joined with "," (as a submission sends it).
      const chosen = new Set(field.kind === "multi" ? value.split(",") : [value]);
      for (const box of wrapper.querySelectorAll("input")) box.checked = chosen.has(box.value);
      return true;
    }
    const control = wrapper.querySelector("input, textarea, select");
    // A choice no longer offered is left out rather than sent unseen.
    if (control.tagName === "SELECT" && ![...control.options].some((o) => o.value === value)) {
      return false;
    }
    control.value = value;
    return true;
  }

  function draftOf(form, spec) {
    const entries = new FormData(form);
    const draft = {};
    for (const field of spec.fields) {
      if (field.kind === "password") continue;
      draft[field.name] = entries.getAll(field.name).map(String).join(",");
    }
    return draft;
  }

  function collectFormData(form, spec, formLang) {
    const entries = new FormData(form);
    const data = {};
    for (const field of spec.fields) {
      if (field.kind === "multi") {
        data[field.name] = entries.getAll(field.name).map(String);
        if (field.required && data[field.name].length === 0) {
          markProblem(form, field, t("chooseOne", formLang));
          return null;
        }
      } else {
        const value = entries.get(field.name);
        data[field.name] = value === null ? "" : String(value);
      }
    }
    return data;
  }

  function markProblem(form, field, text) {
    const wrapper = form.querySelector(`[data-field="${CSS.escape(field.name)}"]`);
    let problem = wrapper.querySelector(".field-problem");
    if (!problem) wrapper.append((problem = node("p", "field-problem")));
    problem.id = problem.id || uniqueId("problem");
    problem.textContent = text;
    const first = wrapper.querySelector("input");
    first.setAttribute("aria-describedby", problem.id);
    first.focus();
  }

  async function submitForm(form, fieldset, spec, formLang) {
    if (busy) return;
    const data = collectFormData(form, spec, formLang);
    if (!data) return;
    fieldset.disabled = true;
    let offeredAgain = false;
    const first = await withConversation(async () => {
      const shown = await sendMessage({ form: spec.id, data });
      offeredAgain = formsIn(shown).has(spec.id);
      return shown;
    });
    if (!first) {
      fieldset.disabled = false;
      return;
    }
    // Not taken (the conversation had moved on): the answer has the form again, filled in.
    // Taken: what was typed (a report, a passphrase) leaves the page and the page's memory.
    if (!offeredAgain) drafts.delete(spec.id);
    const said = t(offeredAgain ? "formNotSent" : "formSent", formLang) + spec.title;
    // The person's own line says what happened, above the answer that is already on the
    // page; the form's place keeps only the message's text (no second "sent" line).
    form.remove();
    showMine(said, first);
    revealNewest();
    focusAnswer(first);
  }

  // The ids of the forms among the replies of one turn, starting at its first reply.
  function formsIn(first) {
    const ids = new Set();
    for (let el = first; el; el = el.nextElementSibling) {
      if (el.dataset.form) ids.add(el.dataset.form);
    }
    return ids;
  }

  // ---- the person's own messages ---------------------------------------------

  function showMine(text, beforeAnswer = null) {
    const box = node("div", "message me");
    box.append(node("span", "visually-hidden", t("me")), document.createTextNode(text));
    if (beforeAnswer) {
      beforeAnswer.before(box);
    } else {
      logEl.append(box);
    }
    box.scrollIntoView({ block: "nearest" });
  }

  // The server saw a receipt code in what the person typed: their bubble and the message box
  // drop it, so it is not left on the screen (it stays in no draft either).
  function concealMine(replyLang) {
    const mine = logEl.querySelectorAll(".message.me");
    const last = mine[mine.length - 1];
    if (last) {
      last.replaceChildren(
        node("span", "visually-hidden", t("me", replyLang)),
        node("em", null, t("concealed", replyLang)),
      );
    }
    input.value = "";
    updateCount();
  }

  function showSystem(text) {
    const box = node("div", "message system", text);
    logEl.append(box);
    return box;
  }

  async function sendTyped() {
    const text = input.value;
    if (!text.trim()) {
      statusEl.textContent = t("empty");
      return;
    }
    if (busy) return;
    showMine(text);
    const first = await withConversation(() => sendMessage({ text }));
    if (first) {
      input.value = "";
      updateCount();
    }
    input.focus();
  }

  function updateCount() {
    const length = input.value.length;
    countEl.textContent = length > maxChars * 0.8 ? t("charsLeft")(maxChars - length) : "";
  }

  // ---- page controls -----------------------------------------------------------

  async function switchLanguage() {
    const other = t("switchLang");
    if (!token) {
      applyLanguage(other);
      const first = await withConversation(null);
      if (first) focusAnswer(first);
      return;
    }
    const first = await withConversation(() => sendMessage({ action: `lang:${other}` }));
    if (first) focusAnswer(first);
  }

  async function clearConversation() {
    if (busy) return;
    forgetToken();
    drafts.clear();
    newest = null;
    logEl.replaceChildren();
    input.value = "";
    updateCount();
    showSystem(t("cleared"));
    await withConversation(null);
    input.focus();
  }

  function resumeConversation() {
    const note = showSystem(t("resumed"));
    const group = renderButtons([{ label: t("menu"), action: MENU_ACTION }]);
    note.append(group);
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendTyped();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !touch.matches && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", updateCount);
  switchButton.addEventListener("click", switchLanguage);
  clearButton.addEventListener("click", clearConversation);

  scroller.addEventListener("focusin", keepFocusInSight);
  followResize();
  touch.addEventListener("change", applyPointer);
  applyPointer();
  applyLanguage(lang);
  if (token) resumeConversation();
  else withConversation(null);
})();
