// The public SOP page: draw the SOP's BPMN read-only with the vendored bpmn-js NavigatedViewer.
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("diagram");
    if (!holder) { return; }
    if (typeof window.BpmnJS !== "function") {
      holder.textContent = "Diagram tidak dapat ditampilkan; lihat tabel langkah di bawah.";
      return;
    }
    fetch(holder.getAttribute("data-src")).then(function (response) { return response.text(); }).then(function (xml) {
      holder.textContent = "";
      var viewer = new window.BpmnJS({ container: holder });
      return viewer.importXML(xml).then(function () {
        viewer.get("canvas").zoom("fit-viewport");
        holder.setAttribute("data-ready", "true");
      });
    }).catch(function (error) {
      holder.textContent = "Diagram tidak dapat ditampilkan: " + error.message;
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
