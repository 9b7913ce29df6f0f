// The sweep view of a parent run: a parallel-coordinates plot of its trials (swept params
// -> metric), coloured by the metric, the best trial drawn last, thick and orange.
"use strict";

(() => {
  const { $, pageData, ready } = trackdeck;
  const BEST_COLOUR = "#ea580c";

  ready(() => {
    const sweep = pageData().sweep;
    const div = $("#sweep-plot");
    if (!sweep || !div) return;
    if (typeof Plotly === "undefined" || !window.trackdeckCharts) {
      div.textContent = "The plot needs the plotly Python package installed on the server.";
      return;
    }
    // Trials with a value, the best one last so that its line is on top.
    const runs = sweep.trials
      .filter((t) => t.value !== null)
      .map((t) => ({ id: t.id, name: t.name, params: t.params, metrics: { [sweep.metric]: t.value } }))
      .sort((a, b) => (a.id === sweep.best) - (b.id === sweep.best));
    if (!runs.length) {
      div.textContent = "No trial has logged the metric yet.";
      return;
    }
    div.replaceChildren();
    window.trackdeckCharts.parallelChart(div, runs, sweep.keys, sweep.metric).then(() => {
      const best = runs.findIndex((r) => r.id === sweep.best);
      if (best < 0) return null;
      return Plotly.restyle(div, { "line.color": BEST_COLOUR, "line.width": 5, "marker.size": 8 }, [best]);
    }).then(() => { div.dataset.ready = "1"; });
  });
})();
