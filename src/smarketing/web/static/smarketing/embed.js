/* The embedded form receives the visitor id from the tracker on the parent page. */
(function () {
  "use strict";
  var allowed = JSON.parse(document.getElementById("smarketing-origins").textContent);
  var form = document.querySelector("form");
  function hidden(name, value) {
    var input = form.querySelector("input[name='" + name + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = String(value).slice(0, 200);
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (allowed.indexOf(event.origin) < 0 || !data || data.smarketing !== "visitor") { return; }
    if (typeof data.vid === "string") { hidden("vid", data.vid); }
    Object.keys(data.utm || {}).forEach(function (key) {
      if (/^utm_(source|medium|campaign|term|content)$/.test(key)) { hidden(key, data.utm[key]); }
    });
  });
  if (window.parent !== window) { window.parent.postMessage({smarketing: "form-ready"}, "*"); }
})();
