/* Workbench editor: keep the session alive while an editor is open, keep a draft in localStorage, shortcuts.
   Everything here is a second net: without JavaScript the server keeps typed text through every refusal. */
(function () {
  "use strict";
  var form = document.getElementById("wb-editor-form");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll("textarea[name^='msgstr']"));
  var box = document.getElementById("wb-draft");
  var key = box ? "wb-draft:" + box.getAttribute("data-draft-key") : null;
  var PING_EVERY = 5 * 60 * 1000;

  function values() { return fields.map(function (f) { return f.value; }); }
  function same(a, b) { return a.length === b.length && a.every(function (v, i) { return v === b[i]; }); }
  function read() {
    try { var d = JSON.parse(window.localStorage.getItem(key) || "null"); return d && d.strings ? d : null; }
    catch (e) { return null; }
  }
  function forget() { try { window.localStorage.removeItem(key); } catch (e) { /* storage off: nothing kept */ } }

  if (key && fields.length) {
    var draft = read();
    if (draft && same(draft.strings, values())) {
      forget();  // what the page shows is the draft: it was saved or refused with the text kept
    } else if (draft && draft.strings.length === fields.length) {
      document.getElementById("wb-draft-text").textContent = draft.strings.join("\n");
      box.hidden = false;
      document.getElementById("wb-draft-restore").addEventListener("click", function () {
        fields.forEach(function (f, i) { f.value = draft.strings[i]; });
        box.hidden = true;
        fields[0].focus();
      });
      document.getElementById("wb-draft-discard").addEventListener("click", function () {
        forget();
        box.hidden = true;
      });
    }
    fields.forEach(function (f) {
      f.addEventListener("input", function () {
        try { window.localStorage.setItem(key, JSON.stringify({strings: values(), at: Date.now()})); }
        catch (e) { /* storage full or off: the server-side net still holds */ }
      });
    });
  }

  var ping = form.getAttribute("data-ping");
  if (ping && !form.querySelector("input[name='username']")) {
    window.setInterval(function () {
      fetch(ping, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
        if (r.status === 401) { document.getElementById("wb-session-note").hidden = false; }
      }).catch(function () { /* offline for a moment: the next ping tries again */ });
    }, PING_EVERY);
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.wb-use"), function (button) {
    button.addEventListener("click", function () {
      if (!fields.length) { return; }
      fields[0].value = button.getAttribute("data-text");
      fields[0].dispatchEvent(new Event("input"));
      fields[0].focus();
    });
  });

  // The machine suggestion: asked for on click, made off the page-serving path (202 while it is made: ask again),
  // shown marked as machine, and put into the field only on a second click.
  var mt = document.getElementById("wb-mt");
  var ask = document.getElementById("wb-mt-ask");
  if (mt && ask && fields.length) {
    var out = document.getElementById("wb-mt-result");
    var show = function (data) {
      out.textContent = "";
      var said = document.createElement("p");
      said.textContent = data.message || mt.getAttribute("data-error");
      out.appendChild(said);
      if (data.state !== "ready") { return; }
      var text = document.createElement("p");
      text.className = "wb-text wb-mt-result";
      text.lang = mt.getAttribute("data-locale");
      text.dir = mt.getAttribute("data-dir");
      text.setAttribute("data-origin", "machine");
      text.textContent = data.text;
      out.appendChild(text);
      var use = document.createElement("button");
      use.type = "button";
      use.className = "secondary";
      use.id = "wb-mt-use";
      use.textContent = mt.getAttribute("data-use");
      use.addEventListener("click", function () {
        fields[0].value = data.text;
        fields[0].dispatchEvent(new Event("input"));
        fields[0].focus();
      });
      out.appendChild(use);
    };
    ask.addEventListener("click", function (event) {
      event.preventDefault();
      var tries = 0;
      var poll = function () {
        fetch(mt.getAttribute("data-url"), {credentials: "same-origin", cache: "no-store",
                                            headers: {Accept: "application/json"}})
          .then(function (r) { return r.json(); })
          .then(function (data) {
            show(data);
            if (data.state === "pending" && ++tries < 60) { window.setTimeout(poll, 1000); }
          })
          .catch(function () { show({state: "failed"}); });
      };
      poll();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter") {
      var save = form.querySelector("button[value='save']");
      var next = document.getElementById("wb-go-next");
      if (save) {
        event.preventDefault();
        if (next) { next.value = "1"; }
        form.requestSubmit(save);
      }
    } else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      var link = document.getElementById(event.key === "ArrowUp" ? "wb-prev" : "wb-next");
      if (link) { event.preventDefault(); window.location.href = link.href; }
    }
  });
})();
