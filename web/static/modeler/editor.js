// The modeler page: bpmn-js Modeler (or a read-only viewer) from modeler.bundle.js, the buttons
// Periksa / Simpan draf / Terapkan, and every problem the server reports shown next to its
// element as a bpmn-js overlay (and in the list below the diagram).
(function () {
  "use strict";

  var modeler, config, statusBox, problemList, overlayIds = [];
  var unsaved = false;  // edits since the last save or deploy: leaving the page asks first

  function setStatus(text, kind) {
    statusBox.textContent = text || "";
    statusBox.className = "status" + (kind ? " " + kind : "");
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function clearProblems() {
    var overlays = modeler.get("overlays");
    overlayIds.forEach(function (id) { overlays.remove(id); });
    overlayIds = [];
    problemList.textContent = "";
  }

  function showProblems(problems) {
    clearProblems();
    var overlays = modeler.get("overlays");
    var registry = modeler.get("elementRegistry");
    if (!problems.length) {
      var ok = document.createElement("li");
      ok.className = "muted";
      ok.textContent = "Tidak ada masalah.";
      problemList.appendChild(ok);
      return;
    }
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = problem.severity;
      item.setAttribute("data-element-id", problem.element_id || "");
      item.textContent = (problem.severity === "error" ? "Galat" : "Catatan") +
        (problem.element_id ? " [" + problem.element_id + "]" : "") + ": " + problem.message;
      problemList.appendChild(item);
      var element = problem.element_id && registry.get(problem.element_id);
      if (element) {
        var html = document.createElement("div");
        html.className = "alur-problem " + problem.severity;
        html.setAttribute("data-element-id", problem.element_id);
        html.setAttribute("data-testid", "problem-overlay");
        html.textContent = problem.message;
        var position = element.waypoints ? { top: -10, left: 0 } : { bottom: -4, left: 0 };
        overlayIds.push(overlays.add(element, "alur-problem", { position: position, html: html }));
        item.addEventListener("click", function () { modeler.get("selection").select(element); });
      }
    });
  }

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (result) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        body: JSON.stringify({ xml: result.xml, base_version: config.baseVersion })
      });
    }).then(function (response) {
      return response.json().catch(function () {
        // Not the app's JSON: the session ended (the login page), or the request was refused.
        return { httpStatus: response.status, message: "Permintaan tidak diterima server (HTTP " + response.status +
          "): sesi Anda mungkin telah berakhir. Diagram Anda masih ada di editor: jangan tutup halaman ini; " +
          "masuk kembali di tab lain, lalu ulangi." };
      }).then(function (body) { body.httpStatus = response.status; return body; });
    });
  }

  function act(url, busy) {
    setStatus(busy);
    return post(url).then(function (body) {
      if (body.problems) { showProblems(body.problems); }
      var good = body.httpStatus < 400 && (body.saved || body.deployed || body.ok);
      if (good && (body.saved || body.deployed)) { unsaved = false; }
      if (body.deployed && body.created) { config.baseVersion = body.version; }
      var message = body.message || (body.ok ? "Tidak ada galat; model siap diterapkan." :
        "Ada galat yang perlu diperbaiki sebelum diterapkan.");
      setStatus(message, good ? "success" : "error");
      if (body.deployed && body.versions_url) {
        var link = document.createElement("a");
        link.href = body.versions_url;
        link.textContent = " Lihat daftar versi";
        statusBox.appendChild(link);
      }
      return body;
    }).catch(function (error) {
      setStatus("Permintaan gagal (" + error.message + "). Diagram Anda masih ada di editor: periksa " +
                "sambungan, lalu ulangi.", "error");
    });
  }

  function start() {
    var source = document.getElementById("modeler-config");
    var canvas = document.getElementById("canvas");
    statusBox = document.getElementById("modeler-status");
    problemList = document.getElementById("problems");
    if (!source || !canvas) { return; }
    config = JSON.parse(source.textContent);
    if (!window.AlurModeler) {
      setStatus("Editor tidak dapat dimuat: berkas modeler.bundle.js tidak termuat.", "error");
      return;
    }
    modeler = window.AlurModeler.create({
      container: canvas,
      panel: document.getElementById("properties"),
      laneRoles: config.laneRoles,
      readOnly: !config.editable
    });
    window.alurModeler = modeler;
    modeler.importXML(config.xml).then(function (result) {
      modeler.get("canvas").zoom("fit-viewport");
      if (result.warnings && result.warnings.length) {
        setStatus("Diagram dimuat dengan " + result.warnings.length + " peringatan impor.", "");
      }
      if (config.problems && config.problems.length) { showProblems(config.problems); }
      canvas.setAttribute("data-ready", "true");
    }).catch(function (error) {
      setStatus("Diagram tidak dapat dimuat: " + error.message, "error");
    });
    if (!config.editable) { return; }
    modeler.on("commandStack.changed", function () { unsaved = true; });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved) { event.preventDefault(); event.returnValue = ""; }
    });
    document.getElementById("btn-check").addEventListener("click", function () {
      act(config.urls.check, "Memeriksa…");
    });
    document.getElementById("btn-save").addEventListener("click", function () {
      act(config.urls.save, "Menyimpan…");
    });
    document.getElementById("btn-deploy").addEventListener("click", function () {
      act(config.urls.deploy, "Menerapkan…");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
