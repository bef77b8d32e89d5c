/* Read-aloud player: plays the page's (or a section's) MP3, highlights the sentence and word being read.
   Plain JavaScript, no third-party code; it never starts playing by itself. */
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
  var status = root.querySelector(".player-status");
  var unavailable = root.querySelector(".player-unavailable");
  var playBtn = controls.querySelector('[data-action="toggle"]');
  var playLabel = playBtn.querySelector(".player-play-label");
  var playIcon = playBtn.querySelector(".player-icon");
  var stopBtn = controls.querySelector('[data-action="stop"]');
  var prevBtn = controls.querySelector('[data-action="prev"]');
  var nextBtn = controls.querySelector('[data-action="next"]');
  var speedSel = controls.querySelector('[data-action="speed"]');
  var download = controls.querySelector(".player-download");
  var article = document.querySelector("article.page") || document;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var canHighlight = !!(window.CSS && CSS.highlights && window.Highlight);

  var track = null;          // {urls, timings}
  var timingsCache = {};
  var wordCache = {};
  var current = {word: null, sentence: null};
  var frame = 0;

  // Enhance: our controls replace the native ones (which stay for visitors without JavaScript).
  controls.hidden = false;
  audio.controls = false;
  audio.hidden = true;

  function announce(text) {
    // Only state changes go to the live region, never every word.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function showUnavailable() {
    unavailable.hidden = false;
    announce(S.unavailable);
    setPlaying(false);
  }

  function setPlaying(playing) {
    playLabel.textContent = playing ? S.pause : (audio.currentTime > 0 && !audio.ended ? S.resume : S.listen);
    playIcon.textContent = playing ? "⏸" : "▶";
    var active = !!track && (playing || audio.currentTime > 0);
    stopBtn.disabled = !active;
    prevBtn.disabled = !active;
    nextBtn.disabled = !active;
  }

  function loadTimings(url) {
    if (timingsCache[url]) { return timingsCache[url]; }
    timingsCache[url] = fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error("timings " + r.status); }
      return r.json();
    });
    return timingsCache[url];
  }

  function offerDownload(urls) {
    // The download link always offers what is playing, and its label says whether that is the page or a section.
    download.href = urls.mp3 + "?download=1";
    download.textContent = urls.mp3 === data.page.mp3 ? S.download_page : S.download_section;
  }

  function select(urls) {
    // Switch to another track (page or section) without playing it yet.
    if (track && track.urls.mp3 === urls.mp3) { return Promise.resolve(track); }
    clearHighlight();
    track = {urls: urls, timings: null};
    audio.src = urls.mp3;
    offerDownload(urls);
    audio.playbackRate = parseFloat(speedSel.value);
    var t = track;
    return loadTimings(urls.json).then(function (timings) { t.timings = timings; return t; })
      .catch(function () { return t; });  // audio still plays without highlighting
  }

  function play() {
    var p = track ? Promise.resolve(track) : select(data.page);
    return p.then(function () {
      audio.playbackRate = parseFloat(speedSel.value);
      var started = audio.play();
      if (started && started.catch) { started.catch(function (e) { if (e && e.name !== "AbortError") { showUnavailable(); } }); }
    });
  }

  function pause() { audio.pause(); }

  function stop() {
    audio.pause();
    window.cancelAnimationFrame(frame);  // a frame already queued would highlight again
    audio.currentTime = 0;
    clearHighlight();
    setPlaying(false);
    announce(S.stopped);
  }

  // -- highlighting -------------------------------------------------------------------------
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
          return n.parentElement && n.parentElement.closest(".visually-hidden, .player, .section-listen")
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

  function scrollTo(el) {
    var rect = el.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
      el.scrollIntoView({block: "center", behavior: reduceMotion ? "auto" : "smooth"});
    }
  }

  function highlight() {
    if (!track || !track.timings) { return; }
    var ms = audio.currentTime * 1000;
    var t = track.timings;
    var si = find(t.sentences, ms);
    if (si !== current.sentence) {
      current.sentence = si;
      var old = article.querySelectorAll(".tts-sentence");
      for (var i = 0; i < old.length; i++) { old[i].classList.remove("tts-sentence"); }
      if (si >= 0) {
        var s = t.sentences[si];
        var el = blockEl(s.block);
        var r = canHighlight ? range(s.block, s.w0, s.w1) : null;
        if (r) { CSS.highlights.set("tts-sentence", new Highlight(r)); }
        else if (el) { el.classList.add("tts-sentence"); }
        if (el) { scrollTo(el); }
      }
    }
    if (!canHighlight) { return; }
    var wi = find(t.words, ms);
    if (wi !== current.word) {
      current.word = wi;
      if (wi >= 0) {
        var w = t.words[wi];
        var wr = range(w.block, w.w, w.w);
        if (wr) { CSS.highlights.set("tts-word", new Highlight(wr)); }
      } else {
        CSS.highlights.delete("tts-word");
      }
    }
  }

  function loop() {
    highlight();
    if (!audio.paused) { frame = window.requestAnimationFrame(loop); }
  }

  // -- paragraphs -----------------------------------------------------------------------------
  function jump(step) {
    if (!track || !track.timings) { return; }
    var blocks = track.timings.blocks;
    var ms = audio.currentTime * 1000;
    var i = find(blocks, ms);
    if (i < 0) { i = 0; }
    var target = i + step;
    if (step < 0 && ms - blocks[i].start > 1500) { target = i; }  // first back to this paragraph's start
    target = Math.max(0, Math.min(blocks.length - 1, target));
    audio.currentTime = blocks[target].start / 1000 + 0.001;
    highlight();
  }

  function setSpeed(delta) {
    var i = speedSel.selectedIndex + delta;
    if (i < 0 || i >= speedSel.options.length) { return; }
    speedSel.selectedIndex = i;
    speedSel.dispatchEvent(new Event("change"));
  }

  // -- events ---------------------------------------------------------------------------------
  playBtn.addEventListener("click", function () {
    if (audio.paused) {
      if (!track || track.urls.mp3 !== data.page.mp3 && audio.ended) { select(data.page); }
      play();
    } else { pause(); }
  });
  stopBtn.addEventListener("click", stop);
  prevBtn.addEventListener("click", function () { jump(-1); });
  nextBtn.addEventListener("click", function () { jump(1); });
  speedSel.addEventListener("change", function () {
    audio.playbackRate = parseFloat(speedSel.value);
    announce(S.speed + " " + speedSel.options[speedSel.selectedIndex].text);
  });
  audio.addEventListener("play", function () { setPlaying(true); announce(S.playing); loop(); });
  audio.addEventListener("pause", function () {
    window.cancelAnimationFrame(frame);
    setPlaying(false);
    if (!audio.ended && audio.currentTime > 0) { announce(S.paused); }
  });
  audio.addEventListener("ended", function () { clearHighlight(); setPlaying(false); announce(S.ended); });
  audio.addEventListener("seeked", function () {
    // After Stop (paused at 0) nothing is being read: keep the highlight cleared.
    if (!audio.paused || audio.currentTime > 0) { highlight(); }
  });
  audio.addEventListener("error", function () { if (track) { showUnavailable(); } });

  root.addEventListener("keydown", function (e) {
    // Single-key shortcuts only while the focus is inside the player (WCAG 2.1.4).
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var tag = e.target.tagName;
    if (tag === "SELECT" && (e.key === "ArrowUp" || e.key === "ArrowDown")) { return; }
    var k = e.key;
    if (k === "k" || k === "K") { playBtn.click(); }
    else if (k === "s" || k === "S") { if (!stopBtn.disabled) { stop(); } }
    else if (k === "j" || k === "J") { jump(-1); }
    else if (k === "l" || k === "L") { jump(1); }
    else if (k === "-") { setSpeed(-1); }
    else if (k === "+" || k === "=") { setSpeed(1); }
    else { return; }
    e.preventDefault();
  });

  // A "listen" button for every section that has its own audio.
  Object.keys(data.sections || {}).forEach(function (id) {
    var heading = blockEl(id);
    if (!heading) { return; }
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "section-listen";
    btn.textContent = S.section;
    btn.setAttribute("aria-label", S.section + ": " + heading.textContent.trim());
    btn.addEventListener("click", function () {
      select(data.sections[id]).then(function () {
        audio.currentTime = 0;
        play();
        playBtn.focus();
      });
    });
    heading.insertAdjacentElement("afterend", btn);
  });

  setPlaying(false);
})();
