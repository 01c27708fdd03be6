// The embedding map: every point drawn on one <canvas>; points matching the search in colour.
// Data comes from /api/map with this page's own query string, so the map and the search agree.
(function () {
  "use strict";
  const canvas = document.getElementById("map");
  const status = document.getElementById("map-status");
  const tooltip = document.getElementById("map-tooltip");
  const legend = document.getElementById("map-legend");
  const palette = ["#2457c5", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700", "#495057"];
  const ctx = canvas.getContext("2d");
  const pad = 14;
  let data = null;
  let grid = null; // cell -> indices, for hit testing without scanning every point
  const cellSize = 8;
  const previews = new Map();

  function position(i) {
    const w = canvas.width - 2 * pad, h = canvas.height - 2 * pad;
    return [pad + data.x[i] * w, pad + (1 - data.y[i]) * h];
  }

  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const n = data.ids.length;
    ctx.fillStyle = "rgba(110, 120, 135, 0.35)";
    for (let i = 0; i < n; i++) {
      if (data.matched[i]) continue;
      const [px, py] = position(i);
      ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
    for (let i = 0; i < n; i++) {
      if (!data.matched[i]) continue;
      const [px, py] = position(i);
      ctx.fillStyle = palette[data.dataset[i] % palette.length];
      ctx.globalAlpha = 0.75;
      ctx.beginPath();
      ctx.arc(px, py, 2.4, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  function buildGrid() {
    grid = new Map();
    for (let i = 0; i < data.ids.length; i++) {
      if (!data.matched[i]) continue;
      const [px, py] = position(i);
      const key = Math.floor(px / cellSize) + "," + Math.floor(py / cellSize);
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(i);
    }
  }

  function nearest(event) {
    const rect = canvas.getBoundingClientRect();
    const px = (event.clientX - rect.left) * (canvas.width / rect.width);
    const py = (event.clientY - rect.top) * (canvas.height / rect.height);
    const cx = Math.floor(px / cellSize), cy = Math.floor(py / cellSize);
    let best = -1, bestDistance = 36;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const i of grid.get((cx + dx) + "," + (cy + dy)) || []) {
          const [qx, qy] = position(i);
          const d = (qx - px) ** 2 + (qy - py) ** 2;
          if (d < bestDistance) { best = i; bestDistance = d; }
        }
      }
    }
    return best;
  }

  function showLegend() {
    legend.replaceChildren();
    data.datasets.forEach(function (name, code) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = palette[code % palette.length];
      item.append(swatch, document.createTextNode(name));
      legend.append(item);
    });
  }

  async function preview(i, event) {
    const id = data.ids[i];
    tooltip.hidden = false;
    const rect = canvas.getBoundingClientRect();
    tooltip.style.left = (event.clientX - rect.left + 12) + "px";
    tooltip.style.top = (event.clientY - rect.top + 12) + "px";
    if (!previews.has(id)) {
      previews.set(id, "…");
      const response = await fetch("/api/conversations/" + id);
      if (response.ok) {
        const conversation = await response.json();
        const first = conversation.messages.find(function (m) { return m.role === "user"; });
        previews.set(id, conversation.dataset + " · " + conversation.language + ": " + (first ? first.content.slice(0, 240) : ""));
      }
    }
    tooltip.textContent = previews.get(id); // text only: dataset text never becomes markup
  }

  canvas.addEventListener("mousemove", function (event) {
    if (!data) return;
    const i = nearest(event);
    if (i < 0) { tooltip.hidden = true; canvas.style.cursor = "crosshair"; return; }
    canvas.style.cursor = "pointer";
    preview(i, event);
  });
  canvas.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  canvas.addEventListener("click", function (event) {
    if (!data) return;
    const i = nearest(event);
    if (i >= 0) window.location.href = "/conversation/" + data.ids[i];
  });

  fetch(canvas.dataset.api + window.location.search)
    .then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
        return body;
      });
    })
    .then(function (body) {
      data = body;
      if (!data.ids.length) { status.textContent = data.note || "this index has no map"; return; }
      draw();
      buildGrid();
      showLegend();
      status.textContent = data.total_matched.toLocaleString() + " of " + data.ids.length.toLocaleString() +
        " points match" + (data.note ? " (" + data.note + ")" : "");
      canvas.dataset.ready = "true";
    })
    .catch(function (error) { status.textContent = "the map could not load: " + error.message; });
})();
