/* The validate page: download the report shown, without sending the data again. */
(function () {
  "use strict";
  var holder = document.getElementById("report-data");
  if (!holder) { return; }
  var reports = JSON.parse(holder.textContent);
  var buttons = document.querySelectorAll("button[data-download]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var ext = button.getAttribute("data-download");
      var blob = new Blob([reports[ext]], { type: button.getAttribute("data-type") + ";charset=utf-8" });
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = "validation-report." + ext;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    });
  });
  var summary = document.getElementById("report-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
