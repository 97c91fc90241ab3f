// The case page: draw the case's BPMN with the bpmn-js NavigatedViewer, mark the finished
// steps and highlight the current ones. Data comes from the JSON block the page embeds.
(function () {
  "use strict";

  function start() {
    var holder = document.getElementById("diagram");
    var source = document.getElementById("case-diagram");
    if (!holder || !source) { return; }
    var data = JSON.parse(source.textContent);
    if (typeof window.BpmnJS !== "function") {
      holder.textContent = "Diagram tidak dapat ditampilkan: pustaka bpmn-js tidak termuat.";
      return;
    }
    holder.textContent = "";
    var viewer = new window.BpmnJS({ container: holder });
    viewer.importXML(data.xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      data.completed.forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "alur-done"); }
      });
      data.current.forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "alur-current"); }
      });
      holder.setAttribute("data-ready", "true");
    }).catch(function (error) {
      holder.textContent = "Diagram tidak dapat ditampilkan: " + error.message;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
