// Archive uploads with a progress bar per file, and the classification form's DIK fields.
// The files of a form[data-upload] go up by XMLHttpRequest (upload progress events), with the
// form's other fields and the CSRF token in the X-CSRFToken header. A form with
// data-upload-batch="BYTES" (and data-upload-batch-files="N") sends the chosen files in as few
// requests as fit in BYTES and N files (the server files a request's files through one pipeline)
// and reads each file's outcome from the answer's `files`, in order (a request refused as too large
// is sent again one file at a time); other forms send each file alone. Without JavaScript the same form
// posts normally. No inline handlers: the pages' CSP may forbid them.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function formData(form, input, files) {
    var data = new FormData();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field === input || field.disabled) { return; }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
      if (field.type === "file") { return; }
      data.append(field.name, field.value);
    });
    files.forEach(function (file) { data.append(input.name, file, file.name); });
    return data;
  }

  function stored(row, url) {
    var bar = row.querySelector("progress");
    var status = row.querySelector(".status");
    bar.value = bar.max;
    row.className = "done";
    status.textContent = "Tersimpan";
    if (url) {
      status.textContent = "";
      status.appendChild(el("a", { href: url }, "Tersimpan"));
    }
  }

  function failed(row, message) {
    row.className = "failed";
    row.querySelector(".status").textContent = message;
  }

  // Without an answer naming each file's outcome, some files may still have been stored (the
  // connection dropped, or the server failed after filing some): the user is told to check first.
  var UNKNOWN = "; periksa arsip sebelum mengunggah ulang: berkas mungkin sudah tersimpan.";

  function refusal(xhr, body) {
    if (body && body.error && body.error.message) { return body.error.message; }
    if (xhr.status === 413) { return "Berkas terlalu besar."; }
    return "Gagal mengunggah (" + xhr.status + ")" + (xhr.status >= 500 ? UNKNOWN : ".");
  }

  // A request of several files refused as too large (by the server, or a proxy with a smaller
  // limit than the page was told) was refused before any file was read: each file is sent again alone.
  var TOO_BIG_TOGETHER = "too big together";

  // One request with `files`; each row's bar follows the bytes of its own file in the body.
  // Resolves true (all stored), false, or TOO_BIG_TOGETHER.
  function send(form, input, files, rows) {
    return new Promise(function (resolve) {
      var offsets = [], total = 0;
      files.forEach(function (file) { offsets.push(total); total += file.size; });
      rows.forEach(function (row, i) {
        row.querySelector("progress").max = Math.max(files[i].size, 1);
        row.querySelector(".status").textContent = "0%";
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("input[name=csrf_token]").value);
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) { return; }
        var sent = total * event.loaded / event.total;
        rows.forEach(function (row, i) {
          var own = Math.min(Math.max(sent - offsets[i], 0), files[i].size);
          var bar = row.querySelector("progress");
          bar.value = files[i].size ? own : (sent >= offsets[i] ? 1 : 0);
          row.querySelector(".status").textContent = Math.round(100 * bar.value / bar.max) + "%";
        });
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 413 && rows.length > 1) { resolve(TOO_BIG_TOGETHER); return; }
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        var outcomes = body && body.files && body.files.length === rows.length ? body.files : null;
        var ok = true;
        rows.forEach(function (row, i) {
          if (outcomes && !outcomes[i].error) {
            stored(row, outcomes[i].url);
          } else if (outcomes) {
            failed(row, outcomes[i].error.message); ok = false;
          } else if (xhr.status >= 200 && xhr.status < 300 && body && rows.length === 1) {
            stored(row, body.url || (body.items && body.items[0] && body.items[0].url));
          } else {
            failed(row, refusal(xhr, body)); ok = false;
          }
        });
        resolve(ok);
      });
      xhr.addEventListener("error", function () {
        rows.forEach(function (row) { failed(row, "Sambungan terputus" + UNKNOWN); });
        resolve(false);
      });
      xhr.send(formData(form, input, files));
    });
  }

  var PART_HEADERS = 1024;  // a file's multipart boundary and headers, counted generously

  // Consecutive runs of at most `most` files whose sizes together fit in `budget` (a larger file
  // goes alone); without a budget, each file alone.
  function batches(files, budget, most) {
    var groups = [], current = [], size = 0;
    files.forEach(function (file, i) {
      var needs = file.size + PART_HEADERS;
      if (current.length && (!budget || size + needs > budget || current.length >= most)) {
        groups.push(current); current = []; size = 0;
      }
      current.push(i); size += needs;
    });
    if (current.length) { groups.push(current); }
    return groups;
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
    var budget = parseInt(form.getAttribute("data-upload-batch") || "0", 10) || 0;
    var most = parseInt(form.getAttribute("data-upload-batch-files") || "100", 10) || 100;
    var chain = Promise.resolve(true);
    var allOk = true;
    function sendGroup(group) {
      return send(form, input, group.map(function (i) { return files[i]; }),
                  group.map(function (i) { return rows[i]; }))
        .then(function (outcome) {
          if (outcome !== TOO_BIG_TOGETHER) { allOk = allOk && outcome; return; }
          return group.reduce(function (alone, i) {
            return alone.then(function () { return sendGroup([i]); });
          }, Promise.resolve());
        });
    }
    batches(files, budget, most).forEach(function (group) {
      chain = chain.then(function () { return sendGroup(group); });
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
