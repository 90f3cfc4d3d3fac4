/* The same route over map tiles; the SVG drawing stays until a tile has loaded, and comes back if none can. */
(function () {
  var holder = document.getElementById("route-tiles");
  var drawing = document.getElementById("route-drawing");
  if (!window.L || !holder) { if (holder) holder.remove(); return; }
  var data = JSON.parse(document.getElementById("route-data").textContent);
  var map = L.map(holder, {scrollWheelZoom: false, attributionControl: true});
  var shown = false;
  var tiles = L.tileLayer(data.tiles, {maxZoom: 18, referrerPolicy: "no-referrer", crossOrigin: true});
  tiles.on("tileload", function () {
    if (!shown) { shown = true; holder.classList.add("loaded"); if (drawing) drawing.setAttribute("hidden", ""); }
  });
  tiles.on("tileerror", function () {
    if (!shown) { map.remove(); holder.remove(); if (drawing) drawing.removeAttribute("hidden"); }
  });
  tiles.addTo(map);
  var points = data.stops.map(function (stop) { return [stop.lat, stop.lon]; });
  var reached = data.stops.filter(function (stop) { return stop.state !== "upcoming"; }).length;
  if (reached > 1) L.polyline(points.slice(0, reached), {className: "leg travelled"}).addTo(map);
  L.polyline(points.slice(Math.max(reached - 1, 0)), {className: "leg ahead", dashArray: "6 6"}).addTo(map);
  data.stops.forEach(function (stop) {
    L.circleMarker([stop.lat, stop.lon], {
      radius: stop.state === "current" ? 9 : 7,
      className: "stop-marker " + stop.state + (stop.gate ? " gate" : ""),
    }).bindTooltip(stop.label, {permanent: true, direction: "right"}).addTo(map);
  });
  map.fitBounds(L.latLngBounds(points).pad(0.2));
}());
