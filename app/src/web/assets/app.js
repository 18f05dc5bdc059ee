// Progressive help only: every page works without this script. It shows how many characters a
// text area holds against its limit; the limit itself is checked by the server.
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
});
