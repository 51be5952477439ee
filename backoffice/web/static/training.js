// The rehearsal checklist ticks itself live: it asks the audit's view of the attempt every few
// seconds, so a step done through another door (the API, another tab) shows without a reload.
(function () {
  var box = document.getElementById("rehearsal-checklist");
  if (!box || box.dataset.polling) { return; }
  box.dataset.polling = "1";
  var lang = box.dataset.lang === "en" ? "en" : "zh";
  function text(v) { return v && typeof v === "object" ? (v[lang] || v.zh || "") : (v || ""); }
  function hhmm(t) { return t ? t.substring(11, 16) : ""; }
  function render(data) {
    data.checkpoints.forEach(function (c) {
      var li = box.querySelector('.checklist-step[data-n="' + c.n + '"]');
      if (!li) { return; }
      li.classList.toggle("done", c.done);
      li.classList.toggle("todo", !c.done);
      li.querySelector(".tick").textContent = c.done ? "✓" : "○";
      li.querySelector(".when").textContent = hhmm(c.at);
    });
    var warn = box.querySelector(".checklist-warnings");
    warn.textContent = "";
    data.warnings.forEach(function (w) {
      var div = document.createElement("div");
      div.className = "alert alert-warning py-1 px-2 mb-1 checklist-warning";
      div.dataset.kind = w.kind;
      var head = w.kind === "order" ? box.dataset.orderText + ": " + w.n + ". "
                                    : box.dataset.forbiddenText + ": " + w.op + (w.refused ? " " + box.dataset.refusedText : "") + " — ";
      div.textContent = head + text(w.label) + " " + hhmm(w.at);
      warn.appendChild(div);
    });
  }
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {});
  }
  setInterval(poll, 4000);
})();
