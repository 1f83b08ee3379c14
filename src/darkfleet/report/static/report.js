/* darkfleet report: map layers from the embedded JSON, sortable and filterable tables.
   Every data string shown is passed through esc() or set as text; nothing is fetched. */
(function () {
  "use strict";
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function vessel(mmsi, name) {
    if (mmsi === null || mmsi === undefined) return "";
    var label = esc(name ? name + " (" + mmsi + ")" : "MMSI " + mmsi);
    return document.getElementById("vessel-" + mmsi)
      ? '<a href="#vessel-' + esc(mmsi) + '">' + label + "</a>" : label;
  }
  function rows(pairs) {
    var out = "<table>";
    pairs.forEach(function (p) {
      if (p[1] !== null && p[1] !== undefined && p[1] !== "")
        out += "<tr><td>" + esc(p[0]) + "</td><td>" + (p[2] ? p[1] : esc(p[1])) + "</td></tr>";
    });
    return out + "</table>";
  }

  function buildMap() {
    var el = document.getElementById("map");
    var src = document.getElementById("darkfleet-map-data");
    if (!el || !src || typeof L === "undefined") return;
    var data = JSON.parse(src.textContent);
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, worldCopyJump: false });
    map.attributionControl.setPrefix("Leaflet");
    if (data.land_source) map.attributionControl.addAttribution("Coast: " + esc(data.land_source));
    var renderer = L.canvas({ padding: 0.3 });
    var land = L.layerGroup();
    if (data.land && data.land.length) {
      L.polygon(data.land, { renderer: renderer, stroke: true, color: "#b9b2a3", weight: 0.7,
        fillColor: "#f1eee6", fillOpacity: 1, interactive: false }).addTo(land);
    }
    land.addTo(map);
    var layers = data.layers || {}, overlays = {}, counts = {};
    var make = {
      scenes: function (g, items) {
        items.forEach(function (s) {
          L.polygon(s.rings, { renderer: renderer, color: "#6c5ce7", weight: 1, dashArray: "4 3", fillOpacity: 0.04 })
            .bindPopup("<h5>Satellite scene</h5>" + rows([["scene", s.id], ["sensor", s.sensor], ["time", s.start], ["detections", s.n]]))
            .addTo(g);
        });
      },
      tracks: function (g, items) {
        items.forEach(function (t) {
          var hi = !!t.colour;
          L.polyline(t.parts, { renderer: renderer, color: t.colour || "#6f8aa3", weight: hi ? 2.2 : 1,
            opacity: hi ? 0.9 : 0.45, smoothFactor: 1 })
            .bindPopup("<h5>" + vessel(t.mmsi, t.name) + "</h5>track (decimated)").addTo(g);
        });
      },
      gaps: function (g, items) {
        items.forEach(function (x) {
          var style = { renderer: renderer, color: x.off ? "#c0392b" : "#51606f", weight: x.off ? 2.6 : 1,
            dashArray: x.off ? "7 5" : "3 5", opacity: x.off ? 0.95 : 0.45 };
          var popup = "<h5>AIS gap" + (x.off ? " — likely switched off" : "") + "</h5>" +
            rows([["vessel", vessel(x.mmsi, x.name), true], ["dark from", x.start], ["to", x.end],
              ["hours", x.h], ["distance km", x.km], ["implied kn", x.kn], ["why", x.reason]]);
          var shape = x.b ? L.polyline([x.a, x.b], style) : L.circleMarker(x.a, L.extend({ radius: 5 }, style));
          shape.bindPopup(popup).addTo(g);
        });
      },
      ports: function (g, items) {
        items.forEach(function (p, i) {
          var m = L.circleMarker(p.ll, { renderer: renderer, radius: Math.min(16, 3.5 + Math.sqrt(p.visits)),
            color: "#1d3557", weight: 1.2, fillColor: "#457b9d", fillOpacity: 0.55 })
            .bindPopup("<h5>" + esc(p.name) + " (" + esc(p.country) + ")</h5>" +
              rows([["visits", p.visits], ["vessels", p.vessels], ["arrived dark", p.dark], ["first", p.first], ["last", p.last], ["port id", p.id]]));
          if (i < 10) m.bindTooltip(esc(p.name), { permanent: true, direction: "right", offset: [6, 0], className: "port-label" });
          m.addTo(g);
        });
      },
      dark_calls: function (g, items) {
        items.forEach(function (p) {
          var list = p.items.map(function (i) {
            return "<tr><td>" + vessel(i.mmsi, i.name) + "</td><td>" + esc(i.start) + " → " + esc(i.end) +
              "</td><td>rank " + esc(i.rank) + "</td></tr>";
          }).join("");
          L.circleMarker(p.ll, { renderer: renderer, radius: 11, color: "#8e44ad", weight: 2, dashArray: "3 3", fill: false })
            .bindPopup("<h5>Possible dark calls at " + esc(p.port) + "</h5>" + esc(p.n) + " gaps could have called here (" +
              esc(p.first) + " as first candidate)<table>" + list + "</table>" + (p.n > p.items.length ? "…" : ""))
            .addTo(g);
        });
      },
      loitering: function (g, items) {
        items.forEach(function (x) {
          L.circleMarker(x.ll, { renderer: renderer, radius: 5, color: "#b7950b", fillColor: "#f1c40f", fillOpacity: 0.9, weight: 1 })
            .bindPopup("<h5>Loitering</h5>" + rows([["vessel", vessel(x.mmsi, x.name), true], ["from", x.start], ["to", x.end], ["hours", x.h]]))
            .addTo(g);
        });
      },
      encounters: function (g, items) {
        items.forEach(function (x) {
          L.marker(x.ll, { icon: L.divIcon({ className: "", html: '<div class="mk-enc"></div>', iconSize: [14, 14] }) })
            .bindPopup("<h5>Encounter at sea</h5>" + rows([["vessel", vessel(x.mmsi, x.name), true],
              ["with", vessel(x.other, x.other_name), true], ["from", x.start], ["to", x.end], ["hours", x.h], ["median distance m", x.m]]))
            .addTo(g);
        });
      },
      detections: function (g, items) {
        items.forEach(function (x) {
          L.circleMarker(x.ll, { renderer: renderer, radius: 4, color: "#1e8449", fillColor: "#27ae60", fillOpacity: 0.9, weight: 1 })
            .bindPopup("<h5>Detection matched to AIS</h5>" + rows([["vessel", vessel(x.mmsi, x.name), true], ["time", x.time], ["length m", x.len], ["distance m", x.dist], ["id", x.id]]))
            .addTo(g);
        });
      },
      dark_detections: function (g, items) {
        items.forEach(function (x) {
          L.circleMarker(x.ll, { renderer: renderer, radius: 5, color: "#641e16", fillColor: "#e74c3c", fillOpacity: 0.95, weight: 1.5 })
            .bindPopup("<h5>Dark detection (no AIS)</h5>" + rows([["time", x.time], ["length m", x.len], ["scene", x.scene], ["id", x.id]]))
            .addTo(g);
        });
      },
      findings: function (g, items) {
        items.forEach(function (f) {
          L.marker(f.ll, { zIndexOffset: 1000, icon: L.divIcon({ className: "", html: '<div class="mk-find">' + esc(f.rank) + "</div>", iconSize: [22, 22] }) })
            .bindPopup("<h5>Finding #" + esc(f.rank) + '</h5><p>' + esc(f.sentence) + '</p><a href="#finding-' + esc(f.rank) + '">details</a>')
            .addTo(g);
        });
      }
    };
    Object.keys(data.titles || {}).forEach(function (key) {
      var g = L.layerGroup();
      make[key](g, layers[key]);
      g.addTo(map);
      overlays[esc(data.titles[key]) + ' <span class="muted">(' + layers[key].length + ")</span>"] = g;
      counts[key] = layers[key].length;
    });
    var blank = L.layerGroup();
    L.control.layers({ "Coastline": land, "No basemap": blank }, overlays, { collapsed: false }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var d = L.DomUtil.create("div", "map-legend");
      var html = '<div class="lg-title">Vessels of interest</div>';
      (data.legend || []).forEach(function (v) {
        html += '<div><i style="border-color:' + esc(v.colour) + '"></i>' + vessel(v.mmsi, v.name) + "</div>";
      });
      html += '<div><i style="border-color:#6f8aa3"></i>other traffic</div>' +
        '<div><i class="dash" style="border-color:#c0392b"></i>gap, likely switched off</div>' +
        '<div><i class="dash" style="border-color:#5d6d7e"></i>other AIS gap</div>';
      d.innerHTML = html;
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    legend.addTo(map);
    var views = L.control({ position: "topleft" });
    views.onAdd = function () {
      var d = L.DomUtil.create("div", "leaflet-bar map-views");
      d.innerHTML = '<a href="#" data-view="all" title="Show all data">All</a>' +
        (counts.findings ? '<a href="#" data-view="findings" title="Zoom to the findings">Findings</a>' : "");
      L.DomEvent.disableClickPropagation(d);
      d.addEventListener("click", function (ev) {
        var v = ev.target.dataset.view;
        if (!v) return;
        ev.preventDefault();
        if (v === "findings") map.fitBounds(L.latLngBounds(layers.findings.map(function (f) { return f.ll; })).pad(0.3));
        else if (data.bbox) map.fitBounds([[data.bbox[1], data.bbox[0]], [data.bbox[3], data.bbox[2]]]);
      });
      return d;
    };
    views.addTo(map);
    // open on the ten highest-ranked findings (the story), else on all the data
    var top = (layers.findings || []).slice(0, 10).map(function (f) { return f.ll; });
    if (top.length) map.fitBounds(L.latLngBounds(top).pad(0.5), { maxZoom: 9 });
    else if (data.bbox) map.fitBounds([[data.bbox[1], data.bbox[0]], [data.bbox[3], data.bbox[2]]]);
    else map.setView([20, 0], 2);
    el.dataset.layers = String(Object.keys(counts).length);
    Object.keys(counts).forEach(function (k) { el.dataset["n_" + k] = String(counts[k]); });
    el.dataset.ready = "1";
    window.darkfleetMap = map;
  }

  function sortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      th.addEventListener("click", function () {
        var dir = th.dataset.dir === "asc" ? "desc" : "asc";
        heads.forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir;
        var body = table.tBodies[0], list = Array.prototype.slice.call(body.rows);
        list.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var xs = x.dataset.sort, ys = y.dataset.sort, r;
          if (xs !== undefined && ys !== undefined) {
            var xn = parseFloat(xs), yn = parseFloat(ys);
            r = isNaN(xn) || isNaN(yn) ? xs.localeCompare(ys) : xn - yn;
          } else r = x.textContent.localeCompare(y.textContent);
          return dir === "asc" ? r : -r;
        });
        list.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  function filterable(table) {
    var input = document.createElement("input");
    input.type = "search"; input.className = "table-filter"; input.placeholder = "Filter rows…";
    table.parentNode.insertBefore(input, table);
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
      });
    });
  }
  function findingsFilter() {
    var kind = document.getElementById("finding-kind"), q = document.getElementById("finding-search");
    if (!kind || !q) return;
    function apply() {
      var k = kind.value, s = q.value.toLowerCase();
      document.querySelectorAll("#findings-list > li").forEach(function (li) {
        var ok = (!k || li.dataset.kind === k) && (!s || li.textContent.toLowerCase().indexOf(s) >= 0);
        li.style.display = ok ? "" : "none";
      });
    }
    kind.addEventListener("change", apply); q.addEventListener("input", apply);
  }

  function locate() {
    document.querySelectorAll("a.locate").forEach(function (a) {
      a.addEventListener("click", function () {
        if (window.darkfleetMap) window.darkfleetMap.setView([+a.dataset.lat, +a.dataset.lon], 9);
      });
    });
  }

  document.querySelectorAll("table.sortable").forEach(sortable);
  document.querySelectorAll("table.filterable").forEach(filterable);
  findingsFilter();
  buildMap();
  locate();
})();
