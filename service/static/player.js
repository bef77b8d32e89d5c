/* Read-aloud player: plays the page as a playlist of per-block MP3 chunks (the first one is all a cold page
   needs before sound starts), highlights the sentence and word being read, reads from any block or from a
   selection, and offers a timeline, volume, speed and highlighting switch. Settings are kept in localStorage
   only after the visitor changes one. Plain JavaScript, no third-party code; it never starts by itself. */
(function () {
  "use strict";

  var root = document.querySelector("[data-player]");
  if (!root) { return; }
  var dataEl = root.querySelector(".player-data");
  var audio = root.querySelector(".player-audio");
  var controls = root.querySelector(".player-controls");
  if (!dataEl || !audio || !controls) { return; }
  var data = JSON.parse(dataEl.textContent);
  var S = data.strings;
  var chunks = data.chunks || [];
  if (!chunks.length) { return; }
  var status = root.querySelector(".player-status");
  var unavailable = root.querySelector(".player-unavailable");
  var dock = root.querySelector(".player-dock");
  var playBtn = controls.querySelector('[data-action="toggle"]');
  var playLabel = playBtn.querySelector(".player-play-label");
  var playIcon = playBtn.querySelector(".player-icon");
  var stopBtn = controls.querySelector('[data-action="stop"]');
  var prevBtn = controls.querySelector('[data-action="prev"]');
  var nextBtn = controls.querySelector('[data-action="next"]');
  var speedSel = controls.querySelector('[data-action="speed"]');
  var volume = controls.querySelector('[data-action="volume"]');
  var highlightBox = controls.querySelector('[data-action="highlight"]');
  var styleSel = controls.querySelector('[data-action="style"]');
  var moreBtn = controls.querySelector('[data-action="more"]');
  var aids = {};  // reading aids: size, spacing, font (selects); ruler, textmode (checkboxes)
  Array.prototype.forEach.call(controls.querySelectorAll("[data-aid]"), function (el) { aids[el.getAttribute("data-aid")] = el; });
  var download = controls.querySelector(".player-download");
  var slider = controls.querySelector(".player-slider");
  var fill = controls.querySelector(".player-fill");
  var thumb = controls.querySelector(".player-thumb");
  var elapsedEl = controls.querySelector(".player-elapsed");
  var totalEl = controls.querySelector(".player-total");
  var article = document.querySelector("article.page") || document.body;
  var rtl = (document.documentElement.getAttribute("dir") || "").toLowerCase() === "rtl";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var canHighlight = !!(window.CSS && CSS.highlights && window.Highlight);
  var STORE_KEY = "herne-read-aloud";
  var MS_PER_CHAR = 68;  // a first guess of a chunk's length until its timings arrive

  var index = {};  // block id -> chunk index
  chunks.forEach(function (c, i) { index[c.block] = i; });
  var durations = chunks.map(function (c) { return c.chars * MS_PER_CHAR; });
  var known = chunks.map(function () { return false; });  // durations[i] is the real length
  var timings = chunks.map(function () { return null; });
  var pending = {};
  var cur = -1;            // chunk loaded in the audio element (-1: none, the player is at its start)
  var span = {first: 0, last: chunks.length - 1, section: null};
  var wordCache = {};
  var current = {word: null, sentence: null, block: null};
  var frame = 0;
  var seekAfterLoad = null;

  // -- set-up: our controls replace the native ones (which stay for visitors without JavaScript) ----------
  controls.hidden = false;
  audio.controls = false;
  audio.hidden = true;
  audio.removeAttribute("src");  // the whole page's file is for visitors without JavaScript: never fetched here
  audio.load();                  // forget it, so that a changed preload cannot start fetching it
  audio.preload = "auto";
  // A second element holds the next chunk, loaded while this one plays: it starts without a gap.
  var standby = document.createElement("audio");
  standby.className = "player-audio-standby";
  standby.hidden = true;
  standby.preload = "auto";
  audio.insertAdjacentElement("afterend", standby);
  var standbyChunk = -1;

  function announce(text) {
    // Only state changes and paragraph jumps go to the live region, never every word.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function fmt(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  // -- settings: read if the visitor saved some; written only when the visitor changes one ---------------
  function loadSettings() {
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || typeof saved !== "object") { return; }
    if (saved.speed && speedSel.querySelector('option[value="' + saved.speed + '"]')) { speedSel.value = saved.speed; }
    if (typeof saved.volume === "number" && saved.volume >= 0 && saved.volume <= 100) { volume.value = String(saved.volume); }
    if (typeof saved.highlight === "boolean") { highlightBox.checked = saved.highlight; }
    if (saved.style && styleSel.querySelector('option[value="' + saved.style + '"]')) { styleSel.value = saved.style; }
    Object.keys(aids).forEach(function (name) {
      var el = aids[name], v = saved[name];
      if (el.type === "checkbox") { if (typeof v === "boolean") { el.checked = v; } }
      else if (typeof v === "string" && el.querySelector('option[value="' + v + '"]')) { el.value = v; }
    });
  }

  function saveSettings() {
    try {
      var settings = {
        speed: speedSel.value, volume: parseInt(volume.value, 10), highlight: highlightBox.checked,
        style: styleSel.value
      };
      Object.keys(aids).forEach(function (name) {
        settings[name] = aids[name].type === "checkbox" ? aids[name].checked : aids[name].value;
      });
      window.localStorage.setItem(STORE_KEY, JSON.stringify(settings));
    } catch (e) { /* storage refused (private mode, quota): the setting still applies to this page */ }
  }

  function applySettings() {
    var rate = parseFloat(speedSel.value);
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
    audio.volume = parseInt(volume.value, 10) / 100;
    standby.defaultPlaybackRate = standby.playbackRate = rate;
    standby.volume = audio.volume;
    document.documentElement.classList.toggle("no-highlight", !highlightBox.checked);
    document.documentElement.setAttribute("data-highlight", styleSel.value);
    applyAids();
    if (!highlightBox.checked) { clearHighlight(); }
  }

  function applyAids() {
    // Reading aids are attributes on <html>: site.css and player.css do the rest, so nothing reflows by script.
    var html = document.documentElement;
    Object.keys(aids).forEach(function (name) {
      var el = aids[name];
      var on = el.type === "checkbox" ? el.checked : el.selectedIndex > 0;
      if (on) { html.setAttribute("data-aid-" + name, el.type === "checkbox" ? "on" : el.value); }
      else { html.removeAttribute("data-aid-" + name); }
    });
    if (!(aids.ruler && aids.ruler.checked)) { ruler.hidden = true; }
    else { current.sentence = null; }
  }

  var ruler = document.createElement("div");  // the reading ruler: a band over the lines of the read sentence
  ruler.className = "reading-ruler";
  ruler.hidden = true;
  ruler.setAttribute("aria-hidden", "true");
  document.body.appendChild(ruler);

  function placeRuler(r) {
    if (!aids.ruler || !aids.ruler.checked || !r) { ruler.hidden = true; return; }
    var rect = r.getBoundingClientRect();
    if (!rect.height) { ruler.hidden = true; return; }
    ruler.style.top = (window.scrollY + rect.top - 4) + "px";
    ruler.style.height = (rect.height + 8) + "px";
    ruler.hidden = false;
  }

  function rescale() {
    // Chunks not made yet are estimated at the pace of those that are (this voice, this language).
    var ms = 0, chars = 0;
    chunks.forEach(function (c, i) { if (known[i]) { ms += durations[i]; chars += c.chars; } });
    if (!chars) { return; }
    chunks.forEach(function (c, i) { if (!known[i]) { durations[i] = c.chars * ms / chars; } });
  }

  // -- timings of the chunks ------------------------------------------------------------------------
  function loadTimings(i) {
    if (timings[i]) { return Promise.resolve(timings[i]); }
    if (!pending[i]) {
      pending[i] = fetch(chunks[i].json, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error("timings " + r.status); }
        return r.json();
      }).then(function (t) {
        timings[i] = t;
        durations[i] = t.duration;
        known[i] = true;
        rescale();
        updateTime();
        return t;
      }, function (e) { delete pending[i]; throw e; });
    }
    return pending[i];
  }

  function warm(from) {
    // Ask for the following chunks one after the other: each is synthesized once, before it is needed.
    var i = from;
    function step() {
      while (i <= span.last && timings[i]) { i++; }
      if (i > span.last) { return; }
      loadTimings(i).then(function () { i++; step(); }, function () { /* played when reached, or fails then */ });
    }
    step();
  }

  // -- position on the timeline of what is playing (the page, or a section) ---------------------------
  function offsetOf(i) {
    var ms = 0;
    for (var k = span.first; k < i; k++) { ms += durations[k]; }
    return ms;
  }

  function total() { return offsetOf(span.last + 1); }

  function elapsed() {
    // While a chunk loads, the place asked for counts (the element still says 0).
    if (cur < 0) { return 0; }
    return offsetOf(cur) + (seekAfterLoad !== null ? seekAfterLoad : audio.currentTime * 1000);
  }

  function updateTime() {
    var t = total();
    var e = Math.min(elapsed(), t);
    var pct = t > 0 ? (100 * e / t) : 0;
    fill.style.inlineSize = pct + "%";
    thumb.style.insetInlineStart = pct + "%";
    elapsedEl.textContent = fmt(e);
    totalEl.textContent = fmt(t);
    slider.setAttribute("aria-valuemax", String(Math.round(t / 1000)));
    slider.setAttribute("aria-valuenow", String(Math.round(e / 1000)));
    slider.setAttribute("aria-valuetext", S.of.replace("{elapsed}", fmt(e)).replace("{total}", fmt(t)));
  }

  function active() { return cur >= 0; }  // something is loaded: playing, paused or placed by the timeline

  function setPlaying(playing) {
    playLabel.textContent = playing ? S.pause : (active() && !audio.ended ? S.resume : S.listen);
    playIcon.className = "player-icon " + (playing ? "icon-pause" : "icon-play");
    var on = active();
    stopBtn.disabled = !on;
    prevBtn.disabled = !on;
    nextBtn.disabled = !on;
    updateDock();
  }

  function offerDownload() {
    // The download link always offers what is playing, and its label says whether that is the page or a section.
    var section = span.section && data.sections[span.section];
    download.href = (section ? section.urls.mp3 : data.page.mp3) + "?download=1";
    download.textContent = section ? S.download_section : S.download_page;
  }

  // -- loading and playing chunks -------------------------------------------------------------------
  var switching = false;  // a chunk follows another: no "paused" / "playing" announcements for that
  function loadChunk(i, atMs, autoplay, quiet) {
    switching = !!(autoplay && quiet);
    cur = i;
    clearHighlight();
    seekAfterLoad = atMs > 0 ? atMs : null;
    if (standbyChunk === i && standby.readyState >= 2) {
      var old = audio;  // the next chunk is loaded already: swap the elements
      audio = standby;
      standby = old;
      standbyChunk = -1;
      old.pause();
      old.className = "player-audio-standby";
      audio.className = "player-audio";
      if (seekAfterLoad !== null) { audio.currentTime = seekAfterLoad / 1000; seekAfterLoad = null; }
    } else {
      audio.src = chunks[i].mp3;
    }
    applySettings();
    if (autoplay) {
      var started = audio.play();
      if (started && started.catch) {
        started.catch(function (e) { if (e && e.name !== "AbortError" && e.name !== "NotAllowedError") { showUnavailable(); } });
      }
    }
    loadTimings(i).then(function () { if (cur === i) { highlight(); } }, function () { /* plays without highlighting */ });
    updateTime();
  }

  function startAt(i, section, atMs, announceIt) {
    if (section !== undefined) {
      var sec = section && data.sections[section];
      span = sec ? {first: index[sec.first], last: index[sec.last], section: section}
                 : {first: 0, last: chunks.length - 1, section: null};
      offerDownload();
    }
    loadChunk(i, atMs || 0, true, !audio.paused || announceIt);
    if (announceIt) { announce(S.paragraph.replace("{n}", String(i - span.first + 1)).replace("{total}", String(span.last - span.first + 1))); }
  }

  function play() {
    if (cur < 0 || audio.ended && cur >= span.last) { startAt(span.first); return; }
    applySettings();
    var started = audio.play();
    if (started && started.catch) { started.catch(function (e) { if (e && e.name !== "AbortError") { showUnavailable(); } }); }
  }

  function prefetch(i) {
    // Load the chunk after this one into the standby element (the HTTP cache keeps it for the swap).
    if (i > span.last || i === standbyChunk || i === cur) { return; }
    standbyChunk = i;
    standby.src = chunks[i].mp3;
    standby.load();
  }

  function stop() {
    var hadFocus = controls.contains(document.activeElement);
    audio.pause();
    window.cancelAnimationFrame(frame);  // a frame already queued would highlight again
    cur = -1;
    audio.removeAttribute("src");
    audio.load();
    clearHighlight();
    setPlaying(false);
    updateTime();
    announce(S.stopped);
    if (hadFocus) { playBtn.focus(); }  // Stop disables itself: the focus goes to Play, not to the page
  }

  function showUnavailable() {
    unavailable.hidden = false;
    announce(S.unavailable);
    setPlaying(false);
  }

  function seekTo(ms) {
    var t = total();
    ms = Math.max(0, Math.min(ms, Math.max(0, t - 50)));
    var i = span.first;
    while (i < span.last && offsetOf(i + 1) <= ms) { i++; }
    var local = ms - offsetOf(i);
    if (i === cur && audio.readyState > 0) {
      audio.currentTime = local / 1000;
      highlight();
    } else {
      loadChunk(i, local, !audio.paused, true);
    }
    updateTime();
  }

  // -- highlighting ---------------------------------------------------------------------------------
  function blockEl(id) {
    var el = document.getElementById(id);
    return el && article.contains(el) ? el : null;
  }

  function words(id) {
    // The words (runs of non-space) of a block's visible text, as DOM positions.
    if (wordCache[id]) { return wordCache[id]; }
    var el = blockEl(id);
    var out = [];
    if (el) {
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
        acceptNode: function (n) {
          return n.parentElement && n.parentElement.closest(".visually-hidden, .player, .block-listen, .player-selection, .block-extras")
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
        }
      });
      var node, inWord = false, start = null, last = null;
      while ((node = walker.nextNode())) {
        var text = node.nodeValue;
        for (var i = 0; i < text.length; i++) {
          var space = /\s/.test(text[i]);
          if (!space && !inWord) { start = [node, i]; inWord = true; }
          if (space && inWord) { out.push({start: start, end: [last[0], last[1] + 1]}); inWord = false; }
          if (!space) { last = [node, i]; }
        }
      }
      if (inWord) { out.push({start: start, end: [last[0], last[1] + 1]}); }
    }
    wordCache[id] = out;
    return out;
  }

  function range(id, w0, w1) {
    var list = words(id);
    if (!list.length) { return null; }
    var a = list[Math.min(w0, list.length - 1)], b = list[Math.min(w1, list.length - 1)];
    var r = document.createRange();
    r.setStart(a.start[0], a.start[1]);
    r.setEnd(b.end[0], b.end[1]);
    return r;
  }

  function clearHighlight() {
    if (typeof ruler !== "undefined") { ruler.hidden = true; }
    if (canHighlight) { CSS.highlights.delete("tts-word"); CSS.highlights.delete("tts-sentence"); }
    var old = article.querySelectorAll(".tts-sentence");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("tts-sentence"); }
    current.word = current.sentence = null;
  }

  function find(list, ms) {
    // The last item that started at or before ms (binary search; lists are ordered by start).
    var lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].start <= ms) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && ms <= list[found].end + 400 ? found : -1;
  }

  function barHeight() {
    return dock.classList.contains("is-docked") ? controls.getBoundingClientRect().height : 0;
  }

  function scrollToBlock(el) {
    // Bring the paragraph being read into the part of the window the docked player does not cover.
    var rect = el.getBoundingClientRect();
    var visible = window.innerHeight - barHeight();
    if (rect.top >= 0 && rect.bottom <= visible) { return; }
    var top = window.scrollY + rect.top - Math.max(16, (visible - rect.height) / 3);
    window.scrollTo({top: Math.max(0, top), behavior: reduceMotion ? "auto" : "smooth"});
  }

  function highlight() {
    if (cur < 0 || !timings[cur]) { return; }
    var t = timings[cur];
    var ms = audio.currentTime * 1000;
    var block = chunks[cur].block;
    if (block !== current.block) {
      current.block = block;
      var el = blockEl(block);
      if (el) { scrollToBlock(el); }
    }
    if (!highlightBox.checked) { return; }
    var si = find(t.sentences, ms);
    if (si !== current.sentence) {
      current.sentence = si;
      var old = article.querySelectorAll(".tts-sentence");
      for (var i = 0; i < old.length; i++) { old[i].classList.remove("tts-sentence"); }
      if (si >= 0) {
        var s = t.sentences[si];
        var r = canHighlight ? range(s.block, s.w0, s.w1) : null;
        placeRuler(r || blockEl(s.block));
        if (r) { CSS.highlights.set("tts-sentence", new Highlight(r)); }
        else if (blockEl(s.block)) { blockEl(s.block).classList.add("tts-sentence"); }
      } else if (canHighlight) { CSS.highlights.delete("tts-sentence"); }
    }
    if (!canHighlight) { return; }
    var wi = find(t.words, ms);
    if (wi !== current.word) {
      current.word = wi;
      if (wi >= 0) {
        var w = t.words[wi];
        var wr = range(w.block, w.w, w.w1 === undefined ? w.w : w.w1);  // a term or a number: all its shown words
        if (wr) { CSS.highlights.set("tts-word", new Highlight(wr)); }
      } else {
        CSS.highlights.delete("tts-word");
      }
    }
  }

  function loop() {
    highlight();
    updateTime();
    if (!audio.paused) { frame = window.requestAnimationFrame(loop); }
  }

  // -- paragraphs -----------------------------------------------------------------------------------
  function jump(step) {
    if (cur < 0) { return; }
    var target = cur + step;
    if (step < 0 && audio.currentTime > 1.5) { target = cur; }  // first back to this paragraph's start
    target = Math.max(span.first, Math.min(span.last, target));
    var wasPlaying = !audio.paused;
    loadChunk(target, 0, wasPlaying, true);
    announce(S.paragraph.replace("{n}", String(target - span.first + 1)).replace("{total}", String(span.last - span.first + 1)));
  }

  function setSpeed(delta) {
    var i = speedSel.selectedIndex + delta;
    if (i < 0 || i >= speedSel.options.length) { return; }
    speedSel.selectedIndex = i;
    speedSel.dispatchEvent(new Event("change"));
  }

  // -- docking: a compact bar that stays in view while reading, never over the focused element ------------
  // Docked, the bar is one line (the main buttons); "more" opens the rest. A focused control is never hidden:
  // the bar opens around it, so the focus never falls to the page.
  var small = window.matchMedia ? window.matchMedia("(max-height: 30em), (max-width: 30em)") : {matches: false};
  function hiddenWhenDocked(el) {
    var part = el && el.closest && el.closest("[data-dock-more]");
    return !!part && (part.getAttribute("data-dock-more") !== "small" || small.matches);
  }

  function padForBar() {
    var h = dock.classList.contains("is-docked") ? controls.getBoundingClientRect().height : 0;
    document.documentElement.style.scrollPaddingBlockEnd = h ? (h + 16) + "px" : "";
    document.body.style.paddingBlockEnd = h ? (h + 16) + "px" : "";
  }

  function setExpanded(on) {
    dock.classList.toggle("is-expanded", on);
    moreBtn.setAttribute("aria-expanded", on ? "true" : "false");
    padForBar();
  }

  function wantDock() {
    if (!active()) { return false; }
    if (root.getBoundingClientRect().bottom < 0) { return true; }
    // The focus is in the player and its top has scrolled away: dock before the focused control leaves the screen.
    return controls.contains(document.activeElement) && dock.getBoundingClientRect().top < 0;
  }

  function updateDock() {
    var want = wantDock();
    if (want === dock.classList.contains("is-docked")) { return; }
    var focused = controls.contains(document.activeElement) ? document.activeElement : null;
    if (want) {
      dock.style.minBlockSize = dock.getBoundingClientRect().height + "px";  // the page does not jump
      if (hiddenWhenDocked(focused)) { setExpanded(true); }  // decided before the control could be hidden
      dock.classList.add("is-docked");
    } else {
      if (focused === moreBtn) { playBtn.focus(); }  // "more" exists in the docked bar only
      dock.classList.remove("is-docked");
      dock.style.minBlockSize = "";
      setExpanded(false);
    }
    padForBar();
  }
  var dockQueued = false;
  function queueDock() {
    if (dockQueued) { return; }
    dockQueued = true;
    window.requestAnimationFrame(function () { dockQueued = false; updateDock(); });
  }
  window.addEventListener("scroll", queueDock, {passive: true});
  window.addEventListener("resize", queueDock);
  controls.addEventListener("focusin", queueDock);
  moreBtn.addEventListener("click", function () {
    setExpanded(moreBtn.getAttribute("aria-expanded") !== "true");
  });
  controls.addEventListener("keydown", function (e) {
    // Escape closes the opened docked bar and leaves the focus on "more".
    if (e.key !== "Escape" || !dock.classList.contains("is-expanded")) { return; }
    setExpanded(false);
    moreBtn.focus();
  });
  document.addEventListener("focusin", function (e) {
    // WCAG 2.4.11: an element that gets focus is never left under the docked bar.
    if (!dock.classList.contains("is-docked") || controls.contains(e.target)) { return; }
    var rect = e.target.getBoundingClientRect();
    var limit = window.innerHeight - barHeight();
    if (rect.bottom > limit) { window.scrollBy(0, rect.bottom - limit + 16); }
  });

  // -- the timeline slider --------------------------------------------------------------------------
  slider.addEventListener("keydown", function (e) {
    var t = total(), e0 = elapsed(), to = null;
    var forward = rtl ? "ArrowLeft" : "ArrowRight", back = rtl ? "ArrowRight" : "ArrowLeft";
    if (e.key === forward || e.key === "ArrowUp") { to = e0 + 5000; }
    else if (e.key === back || e.key === "ArrowDown") { to = e0 - 5000; }
    else if (e.key === "PageUp") { to = e0 + 30000; }
    else if (e.key === "PageDown") { to = e0 - 30000; }
    else if (e.key === "Home") { to = 0; }
    else if (e.key === "End") { to = t; }
    if (to === null) { return; }
    e.preventDefault();
    e.stopPropagation();
    if (cur < 0) { span = {first: 0, last: chunks.length - 1, section: span.section}; }
    seekTo(to);
    setPlaying(!audio.paused);
  });
  function pointerTo(e) {
    var rect = slider.querySelector(".player-track").getBoundingClientRect();
    var x = rtl ? rect.right - e.clientX : e.clientX - rect.left;
    seekTo(Math.max(0, Math.min(1, x / rect.width)) * total());
  }
  slider.addEventListener("pointerdown", function (e) {
    slider.setPointerCapture(e.pointerId);
    pointerTo(e);
    e.preventDefault();
    slider.focus();
  });
  slider.addEventListener("pointermove", function (e) { if (slider.hasPointerCapture(e.pointerId)) { pointerTo(e); } });

  // -- events ---------------------------------------------------------------------------------------
  function listen(type, handler) {
    // Both elements take turns playing: only the one playing now speaks for the player.
    [audio, standby].forEach(function (el) {
      el.addEventListener(type, function (e) { if (e.target === audio) { handler(e); } });
    });
  }
  playBtn.addEventListener("click", function () { if (audio.paused) { play(); } else { audio.pause(); } });
  stopBtn.addEventListener("click", stop);
  prevBtn.addEventListener("click", function () { jump(-1); });
  nextBtn.addEventListener("click", function () { jump(1); });
  speedSel.addEventListener("change", function () {
    applySettings();
    saveSettings();
    announce(S.speed + " " + speedSel.options[speedSel.selectedIndex].text);
  });
  volume.addEventListener("input", function () { applySettings(); });
  volume.addEventListener("change", function () { applySettings(); saveSettings(); });
  highlightBox.addEventListener("change", function () {
    applySettings();
    saveSettings();
    announce(highlightBox.checked ? S.highlight_on : S.highlight_off);
    if (highlightBox.checked) { current.sentence = current.word = null; highlight(); }
  });
  Object.keys(aids).forEach(function (name) {
    aids[name].addEventListener("change", function () { applySettings(); saveSettings(); });
  });
  listen("loadedmetadata", function () {
    if (seekAfterLoad !== null) { audio.currentTime = seekAfterLoad / 1000; seekAfterLoad = null; }
    updateTime();
  });
  listen("play", function () {
    setPlaying(true);
    if (!switching) { announce(S.playing); }
    switching = false;
    loop();
  });
  // Once sound runs, the following chunks are asked for: a cold page waits for one chunk only.
  listen("playing", function () { if (cur >= 0) { warm(cur + 1); prefetch(cur + 1); } });
  listen("pause", function () {
    window.cancelAnimationFrame(frame);
    setPlaying(false);
    updateTime();
    if (!audio.ended && cur >= 0 && !switching) { announce(S.paused); }
  });
  listen("ended", function () {
    if (cur >= 0 && cur < span.last) { loadChunk(cur + 1, 0, true, true); return; }  // the next paragraph, seamlessly
    clearHighlight();
    setPlaying(false);
    announce(S.ended);
  });
  listen("seeked", function () { if (cur >= 0) { highlight(); updateTime(); } });
  listen("error", function () { if (cur >= 0 && audio.getAttribute("src")) { showUnavailable(); } });

  root.addEventListener("keydown", function (e) {
    // Single-key shortcuts only while the focus is inside the player (WCAG 2.1.4). event.code names the key's
    // place, so K is K with an Arabic, Cyrillic or Turkish layout too.
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var tag = e.target.tagName;
    if (tag === "SELECT" && (e.key === "ArrowUp" || e.key === "ArrowDown")) { return; }
    var c = e.code, k = e.key;
    if (c === "KeyK") { playBtn.click(); }
    else if (c === "KeyS") { if (!stopBtn.disabled) { stop(); } }
    else if (c === "KeyJ") { jump(-1); }
    else if (c === "KeyL") { jump(1); }
    else if (k === "-" || c === "NumpadSubtract") { setSpeed(-1); }
    else if (k === "+" || k === "=" || c === "NumpadAdd") { setSpeed(1); }
    else { return; }
    e.preventDefault();
  });

  document.addEventListener("keydown", function (e) {
    // Right after selecting text (nothing focused yet), the first Tab goes to "listen to selection".
    if (e.key !== "Tab" || e.shiftKey || selBtn.hidden) { return; }
    // The focus is then on the page, or on <main> (a click inside it focuses it: tabindex -1).
    var a = document.activeElement, sel = window.getSelection();
    var onPage = !a || a === document.body || a === document.documentElement ||
                 (a.tabIndex < 0 && !!sel && !!sel.anchorNode && a.contains(sel.anchorNode));
    if (!onPage) { return; }
    e.preventDefault();
    selBtn.focus();
  });

  document.addEventListener("keydown", function (e) {
    // Alt+Shift+V from anywhere: to "listen to selection" when text is selected, else to the player's main button.
    if (!(e.altKey && e.shiftKey) || e.ctrlKey || e.metaKey || e.code !== "KeyV") { return; }
    e.preventDefault();
    if (!selBtn.hidden) { selBtn.focus(); return; }
    playBtn.focus();
    if (!dock.classList.contains("is-docked")) { playBtn.scrollIntoView({block: "nearest"}); }
  });

  // -- per block: one calm "actions" button that opens read from here, the section, and suggest a translation ----
  // One Tab stop per paragraph and per list (inside a list, the arrow keys move between its items' buttons).
  function makeButton(cls, label, onClick) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = cls;
    btn.textContent = label;
    btn.addEventListener("click", onClick);
    return btn;
  }

  var menu = document.createElement("span");  // inside a list item too (a span holds only phrasing content)
  menu.className = "block-menu";
  menu.hidden = true;
  var menuOwner = null;  // the toggle whose actions are open

  function closeMenu(focusToggle) {
    if (!menuOwner) { return; }
    var owner = menuOwner;
    menuOwner = null;
    menu.hidden = true;
    owner.setAttribute("aria-expanded", "false");
    if (focusToggle) { owner.focus(); }
  }

  function openMenu(toggle, i, c, suggest) {
    closeMenu(false);
    menu.textContent = "";
    var items = [makeButton("read-here", S.from_here, function () { closeMenu(false); startAt(i, null, 0, true); playBtn.focus(); })];
    if (data.sections && data.sections[c.block]) {
      items.push(makeButton("section-listen", S.section, function () { closeMenu(false); startAt(i, c.block, 0, false); playBtn.focus(); }));
    }
    if (suggest) {
      var link = document.createElement("a");
      link.className = "block-suggest";
      link.href = suggest.href;
      link.rel = "nofollow";
      link.textContent = suggest.textContent;
      items.push(link);
    }
    items.forEach(function (item) { menu.appendChild(item); });
    toggle.insertAdjacentElement("afterend", menu);  // next in the Tab order
    menu.hidden = false;
    menuOwner = toggle;
    toggle.setAttribute("aria-expanded", "true");
    items[0].focus();
  }

  function suggestLink(el) {
    var holder = el.tagName === "LI" ? el : el.nextElementSibling;
    return holder && holder.querySelector(".block-extras .suggest-link, .suggest-link");
  }

  menu.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); closeMenu(true); }
  });
  document.addEventListener("focusin", function (e) {
    if (menuOwner && e.target !== menuOwner && !menu.contains(e.target)) { closeMenu(false); }
  });
  document.addEventListener("click", function (e) {
    if (menuOwner && e.target !== menuOwner && !menuOwner.contains(e.target) && !menu.contains(e.target)) { closeMenu(false); }
  });

  var lists = [];  // the toggles of each list, for the arrow keys
  chunks.forEach(function (c, i) {
    var el = blockEl(c.block);
    if (!el || el.tagName === "H1") { return; }
    var box = document.createElement(el.tagName === "LI" ? "span" : "div");
    box.className = "block-listen";
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "block-actions";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-label", S.actions);
    toggle.innerHTML = '<span aria-hidden="true">⋯</span>';
    toggle.addEventListener("click", function () {
      if (menuOwner === toggle) { closeMenu(true); } else { openMenu(toggle, i, c, suggest); }
    });
    box.appendChild(toggle);
    var suggest = suggestLink(el);
    if (suggest) {
      // Offered in the menu instead; the block's status mark stays where it is.
      suggest.hidden = true;
      var extras = suggest.closest(".block-extras");
      if (extras && !extras.querySelector(".block-mark")) { extras.hidden = true; }
    }
    if (el.tagName === "LI") {
      el.appendChild(box);
      var list = el.parentElement;
      var group = lists.filter(function (g) { return g.list === list; })[0];
      if (!group) { group = {list: list, toggles: []}; lists.push(group); }
      toggle.tabIndex = group.toggles.length ? -1 : 0;
      group.toggles.push(toggle);
      toggle.addEventListener("keydown", function (e) {
        var k = group.toggles.indexOf(toggle), to = null;
        if (e.key === "ArrowDown") { to = k + 1; } else if (e.key === "ArrowUp") { to = k - 1; }
        else if (e.key === "Home") { to = 0; } else if (e.key === "End") { to = group.toggles.length - 1; }
        if (to === null || to < 0 || to >= group.toggles.length) { return; }
        e.preventDefault();
        toggle.tabIndex = -1;
        group.toggles[to].tabIndex = 0;
        group.toggles[to].focus();
      });
    } else {
      el.insertAdjacentElement("afterend", box);
    }
  });

  var selBtn = document.createElement("button");
  selBtn.type = "button";
  selBtn.className = "player-selection";
  selBtn.textContent = S.selection;
  selBtn.hidden = true;
  var picked = null;  // {chunk, word} of the selection's start
  selBtn.addEventListener("pointerdown", function (e) { e.preventDefault(); });  // keep the selection
  selBtn.addEventListener("click", function () {
    if (!picked) { return; }
    var p = picked;
    selBtn.hidden = true;
    startAt(p.chunk, null, 0, true);
    loadTimings(p.chunk).then(function (t) {
      var s = t.sentences.filter(function (x) { return x.w0 <= p.word; }).pop();
      if (s && cur === p.chunk) { audio.currentTime = s.start / 1000; highlight(); }
    }, function () {});
    playBtn.focus();
  });
  var selTimer = 0;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(selTimer);
    selTimer = window.setTimeout(function () {
      var sel = window.getSelection();
      picked = null;
      if (!sel || sel.isCollapsed || !sel.rangeCount || !sel.toString().trim()) { selBtn.hidden = true; return; }
      var r = sel.getRangeAt(0);
      var node = r.startContainer.nodeType === 1 ? r.startContainer : r.startContainer.parentElement;
      var block = node && node.closest("[data-block]");
      if (!block || !article.contains(block) || index[block.id] === undefined) { selBtn.hidden = true; return; }
      var before = document.createRange();
      before.setStart(block, 0);
      before.setEnd(r.startContainer, r.startOffset);
      var n = (before.toString().match(/\S+/g) || []).length;
      var startsInWord = /\S$/.test(before.toString()) && n > 0;
      picked = {chunk: index[block.id], word: Math.max(0, startsInWord ? n - 1 : n)};
      var rects = r.getClientRects();
      var last = rects[rects.length - 1] || r.getBoundingClientRect();
      // Next to the selection in the tab order too (inside a list item: a list holds only items).
      if (block.tagName === "LI") { if (selBtn.parentNode !== block) { block.appendChild(selBtn); } }
      else if (selBtn.previousElementSibling !== block) { block.insertAdjacentElement("afterend", selBtn); }
      var host = selBtn.offsetParent || document.body;
      var hostRect = host.getBoundingClientRect();
      var below = last.bottom + 6 + 48 <= window.innerHeight - barHeight();  // else above the selection
      var first = rects[0] || last;
      selBtn.style.top = (below ? last.bottom - hostRect.top + 6 : first.top - hostRect.top - 52) + "px";
      selBtn.style.left = Math.max(0, Math.min(last.left - hostRect.left, hostRect.width - 200)) + "px";
      selBtn.hidden = false;
    }, 150);
  });

  if (data.lengths) {
    // The lengths of the chunks made already: the timeline speaks page time, exact from the first moment.
    fetch(data.lengths, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (ms) {
      if (!ms) { return; }
      chunks.forEach(function (c, i) {
        if (!known[i] && typeof ms[c.block] === "number") { durations[i] = ms[c.block]; known[i] = true; }
      });
      rescale();
      updateTime();
    }, function () { /* estimated until each chunk's timings arrive */ });
  }
  loadSettings();
  applySettings();
  offerDownload();
  setPlaying(false);
  updateTime();
})();
