// Draws every chart from its data-figure attribute; a click on a bar or circle opens the
// stories behind it. No inline script: the Content-Security-Policy allows only this file
// and plotly.min.js, both served by the dashboard itself.
"use strict";

(function () {
  function draw(element) {
    var figure = JSON.parse(element.getAttribute("data-figure"));
    var config = { displaylogo: false, displayModeBar: false, responsive: true };
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-drawn", "true");
    });
    element.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var link = point && point.customdata;
      if (typeof link === "string" && link.indexOf("/dashboard/") === 0) {
        window.location.assign(link);
      }
    });
  }

  function start() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll(".plot[data-figure]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
