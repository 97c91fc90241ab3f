// Archive uploads with a progress bar per file, and the classification form's DIK fields.
// Each file of a form[data-upload] goes up in its own XMLHttpRequest (upload progress events),
// with the form's other fields and the CSRF token in the X-CSRFToken header. Without JavaScript
// the same form posts normally. No inline handlers: the pages' CSP may forbid them.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function sendOne(form, input, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field === input || field.disabled) { return; }
        if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
        if (field.type === "file") { return; }
        data.append(field.name, field.value);
      });
      data.append(input.name, file, file.name);
      var bar = row.querySelector("progress");
      var status = row.querySelector(".status");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("input[name=csrf_token]").value);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          bar.max = event.total;
          bar.value = event.loaded;
          status.textContent = Math.round(100 * event.loaded / event.total) + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          bar.value = bar.max;
          row.className = "done";
          status.textContent = "Tersimpan";
          var url = body.url || (body.items && body.items[0] && body.items[0].url);
          if (url) {
            status.textContent = "";
            status.appendChild(el("a", { href: url }, "Tersimpan"));
          }
          resolve(true);
        } else {
          row.className = "failed";
          status.textContent = (body && body.error && body.error.message) ||
            (xhr.status === 413 ? "Berkas terlalu besar." : "Gagal mengunggah (" + xhr.status + ").");
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        row.className = "failed";
        status.textContent = "Sambungan terputus; berkas belum tersimpan.";
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function upload(form, event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length || !window.FormData) { return; }  // let the browser post (or complain)
    event.preventDefault();
    var list = form.querySelector("[data-upload-list]");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var files = Array.prototype.slice.call(input.files);
    var rows = files.map(function (file) {
      var row = el("li", { "data-file": file.name });
      row.appendChild(el("span", { "class": "name" }, file.name));
      row.appendChild(el("progress", { max: "1", value: "0" }));
      row.appendChild(el("span", { "class": "status" }, "menunggu"));
      list.appendChild(row);
      return row;
    });
    var chain = Promise.resolve(true);
    var allOk = true;
    files.forEach(function (file, i) {
      chain = chain.then(function () { return sendOne(form, input, file, rows[i]); })
        .then(function (ok) { allOk = allOk && ok; });
    });
    chain.then(function () {
      button.disabled = false;
      input.value = "";
      form.setAttribute("data-upload-done", allOk ? "ok" : "partial");
      if (form.hasAttribute("data-reload") && allOk) { window.location.reload(); }
    });
  }

  function exemptToggle(form) {
    var select = form.querySelector("[data-exempt-toggle]");
    var fields = form.querySelector("[data-exempt-fields]");
    if (!select || !fields) { return; }
    function apply() {
      var exempt = select.value === "dikecualikan";
      fields.hidden = !exempt;
      Array.prototype.forEach.call(fields.querySelectorAll("[data-dik-required]"), function (field) {
        field.required = exempt;
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), function (form) {
      form.addEventListener("submit", function (event) { upload(form, event); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-class-form]"), exemptToggle);
  });
})();
