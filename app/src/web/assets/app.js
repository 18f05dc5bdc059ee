// Progressive help only: every page works without this script, and it decides nothing.
// - It shows how many characters a text area holds against its limit; the limit itself is checked
//   by the server.
// - On a saved application form (form[data-maximum]) it asks the server, ~400 ms after a budget
//   field changes, for the maximum subsidy of the budget as typed, and shows the server's sentence
//   beside the requested amount. The maximum is computed by the API (rule 3), never here.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-count"), 10);
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    function update() {
      var length = Array.from(area.value).length;
      counter.textContent = length + " / " + max + " 文字";
      counter.classList.toggle("over", length > max);
    }
    area.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("form[data-maximum]").forEach(function (form) {
    var url = form.getAttribute("data-maximum");
    var requested = form.querySelector("[name=requested_amount]");
    var budget = form.querySelector("#f-budget");
    if (!url || !requested || !budget || !window.fetch) {
      return;
    }
    var live = document.createElement("p");
    live.id = "maximum-preview";
    live.className = "hint";
    live.setAttribute("aria-live", "polite");
    requested.insertAdjacentElement("afterend", live);
    var timer = null;
    var asked = 0;
    function ask() {
      var fields = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (name === "_csrf" || /^(expense|income)_/.test(name)) {
          fields.append(name, value);
        }
      });
      var mine = ++asked;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        body: fields
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (mine === asked) {
            live.textContent = answer && answer.text ? answer.text : "";
          }
        })
        .catch(function () {
          if (mine === asked) {
            live.textContent = "";
          }
        });
    }
    function changed(event) {
      if (!/^(expense|income)_/.test(event.target.name || "")) {
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    }
    budget.addEventListener("input", changed);
    budget.addEventListener("change", changed);
  });
});
