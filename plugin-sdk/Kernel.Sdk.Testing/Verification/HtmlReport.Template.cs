namespace Kernel.Sdk.Testing.Verification;

/// <summary>The page around the report's data: inline CSS and the script that draws it (no network, no library).</summary>
internal static partial class HtmlReport
{
    private static class Template
    {
        public const string Head = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{{TITLE}}</title>
<style>
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 20px; color: #222; background: #fafafa; }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 18px 0 6px; }
.muted { color: #666; }
#verdict { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; color: #fff; margin-left: 8px; font-size: 13px; }
#verdict.clean { background: #2e7d32; } #verdict.violation { background: #b00020; }
#summary span { margin-right: 14px; }
ul#violations { padding-left: 18px; margin: 4px 0; }
li.violation { margin-bottom: 6px; }
li.violation b { color: #b00020; }
li.violation pre { margin: 2px 0 0; max-height: 96px; overflow: auto; background: #fff; border: 1px solid #ddd; padding: 4px 6px; font-size: 11px; }
.implicated-list { color: #b00020; font-weight: 600; }
#toolbar { margin: 8px 0 4px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
#toolbar button { font: inherit; padding: 2px 10px; border: 1px solid #bbb; background: #fff; border-radius: 4px; cursor: pointer; }
#toolbar button:hover { background: #eef; }
.legend { display: inline-flex; align-items: center; margin-right: 10px; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px; border: 1px solid #0003; }
#timeline-frame { display: flex; border: 1px solid #ccc; background: #fff; }
#timeline-labels { flex: none; border-right: 1px solid #ddd; }
#scroll { overflow-x: auto; overflow-y: hidden; flex: 1; min-width: 0; }
svg text { font: 10px system-ui, sans-serif; fill: #333; }
.row-bg { fill: #fff; } .row-bg.alt { fill: #f4f6f8; }
.row-label { font-size: 11px; fill: #333; }
.row-label.implicated { fill: #b00020; font-weight: 700; }
.row-bg.implicated { fill: #fde7ea; }
.axis line { stroke: #ccc; } .axis text { fill: #555; }
.phase { fill: #e3f2fd; opacity: 0.6; }
.phase-label { fill: #1565c0; font-size: 10px; }
.op.ok { fill: #66bb6a; } .op.fail { fill: #ef5350; } .op.info { fill: #ffa726; }
.op { stroke: #0002; stroke-width: 0.5; }
.op.cx-prefix { stroke: #1565c0; stroke-width: 1.2; }
.op.cx-bad { stroke: #b00020; stroke-width: 2.5; }
.cx-marker { stroke: #b00020; stroke-width: 1; stroke-dasharray: 3 2; opacity: 0.8; }
.cx-window { fill: #ffebee; opacity: 0.7; }
.violation-marker { stroke: #b00020; stroke-width: 2; }
.band.crash { fill: #424242; } .band.pause { fill: #9575cd; } .band.drift { fill: #4db6ac; }
.band.isolated { fill: #e57373; } .band.partition { fill: url(#hatch); stroke: #ef6c00; stroke-width: 0.5; }
.band.removed { fill: #bdbdbd; } .band.learner { fill: #e0e0e0; }
.mark { stroke-width: 1.5; } .mark.transfer { fill: #1565c0; } .mark.membership { fill: #6a1b9a; } .mark.refused { fill: #bdbdbd; }
.mark.crash { fill: #424242; } .mark.network { fill: #ef6c00; } .mark.violation { fill: #b00020; }
.leader { stroke: #fff; stroke-width: 0.5; } .leader.leader-conflict { stroke: #b00020; stroke-width: 2; }
.leader.implicated { stroke: #b00020; stroke-width: 2.5; }
.leader-label { fill: #fff; font-size: 10px; font-weight: 600; pointer-events: none; }
#cx-panel { background: #fff; border: 1px solid #e0b4b4; padding: 8px 10px; margin-top: 10px; }
#cx-timeline .cxop.ok { fill: #c8e6c9; } #cx-timeline .cxop.fail { fill: #ffcdd2; } #cx-timeline .cxop.info { fill: #ffe0b2; }
#cx-timeline .cxop { stroke: #999; stroke-width: 0.5; }
#cx-timeline .cxop.cx-prefix { fill: #bbdefb; stroke: #1565c0; stroke-width: 1.5; }
#cx-timeline .cxop.cx-bad { fill: #ffcdd2; stroke: #b00020; stroke-width: 3; }
#cx-timeline text.oplabel { font-size: 10px; fill: #111; pointer-events: none; }
#cx-timeline text.bad-label { fill: #b00020; font-weight: 700; }
table#cx-table { border-collapse: collapse; margin-top: 8px; font-size: 12px; }
#cx-table td, #cx-table th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
#cx-table tr.cx-bad-row td { background: #ffebee; color: #b00020; font-weight: 600; }
#cx-table tr.cx-prefix-row td { background: #f3f8fe; }
footer { margin-top: 14px; color: #888; font-size: 11px; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="summary" class="muted"></div>
<h2>Verdict <span id="verdict"></span></h2>
<div id="check" class="muted"></div>
<ul id="violations"></ul>
<div id="cx-panel" hidden>
<h2 style="margin-top:0">Counterexample</h2>
<div id="cx-summary"></div>
<div id="cx-scroll" style="overflow-x:auto"><svg id="cx-timeline"></svg></div>
<table id="cx-table"><thead><tr><th>order</th><th>client</th><th>operation (model)</th><th>invoked (s)</th><th>completed (s)</th><th></th></tr></thead><tbody></tbody></table>
</div>
<h2>Timeline</h2>
<div id="toolbar">
<button id="zoom-out" type="button">&minus;</button><button id="zoom-in" type="button">+</button><button id="zoom-fit" type="button">fit</button>
<button id="zoom-violation" type="button" hidden>focus on the violation</button>
<span id="zoom-level" class="muted"></span>
<span id="legend"></span>
</div>
<div id="timeline-frame"><svg id="timeline-labels" width="64"></svg><div id="scroll"><svg id="timeline"></svg></div></div>
<footer>Bars: client operations from invoke to completion (hover for details). Bands: faults per node and on the network, the leader per term as seen from accepted proposals. Times are virtual seconds of the simulation. Open the page with <code>#focus</code> at the end of its address to start zoomed on the violation.</footer>
<script type="application/json" id="report-data">
""";

        public const string Tail = """

</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var OUT = ["ok", "fail", "info"];
  var PALETTE = ["#1e88e5", "#8e24aa", "#00897b", "#f4511e", "#6d4c41", "#3949ab", "#c0ca33", "#d81b60", "#546e7a", "#43a047"];
  function $(id) { return document.getElementById(id); }
  function svg(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function html(tag, attrs, text, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text != null) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function tip(e, text) { svg("title", {}, e).textContent = text; return e; }
  function sec(us) { return (us / 1e6).toFixed(3); }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }

  var bad = new Set(D.cx ? D.cx.bad : []);
  var order = new Map();
  if (D.cx) { D.cx.prefix.forEach(function (id, i) { order.set(id, i + 1); }); }
  var byId = new Map(D.ops.map(function (o) { return [o[0], o]; }));
  var implicatedNodes = new Set(), implicatedTerms = new Set();
  D.violations.forEach(function (v) {
    v.nodes.forEach(function (n) { implicatedNodes.add(n); });
    v.terms.forEach(function (t) { implicatedTerms.add(t); });
  });

  function opText(o) {
    var s = o[5] + " " + (o[6] == null ? "" : o[6]);
    if (o[5] === "get" || o[5] === "read") { if (o[4] === 0) { s += " \u2192 " + (o[8] == null ? "nil" : o[8]); } }
    else if (o[7] != null) { s += " " + o[7]; }
    return s;
  }
  function opTitle(o) {
    var s = "client " + o[1] + ": " + opText(o) + ": " + OUT[o[4]] + (o[10] ? " (" + o[10] + ")" : "")
      + (o[9] ? ", sent to n" + o[9] : "") + ", " + sec(o[2]) + "\u2013" + sec(o[3]) + " s, history line " + o[0];
    if (bad.has(o[0])) { s += "\nCANNOT BE LINEARIZED after the longest linearizable prefix"; }
    if (order.has(o[0])) { s += "\nlinearized #" + order.get(o[0]) + " of the longest linearizable prefix"; }
    return s;
  }

  // ---- header
  $("title").textContent = "verify " + D.strategy + " \u2014 seed " + D.seed;
  var sum = $("summary");
  [D.category + " strategy", D.why, D.nodes + " nodes, " + D.clients + " clients", "faults " + D.faults,
   "simulated " + sec(D.end) + " s", D.ops.length + " operations (" + D.counts.ok + " ok, " + D.counts.fail + " fail, " + D.counts.info + " info)",
   "trace hash " + D.traceHash.slice(0, 16) + "\u2026"].forEach(function (t) { html("span", {}, t, sum); });
  var verdict = $("verdict");
  verdict.textContent = D.violations.length === 0 ? "no violations" : D.violations.length + " violation(s)";
  verdict.className = D.violations.length === 0 ? "clean" : "violation";
  $("check").textContent = "linearizability check: " + D.check;
  D.violations.forEach(function (v) {
    var li = html("li", { "class": "violation", "data-kind": v.kind }, null, $("violations"));
    html("b", {}, v.kind, li);
    li.appendChild(document.createTextNode(" at " + sec(v.at) + " s"));
    var named = [];
    if (v.nodes.length) { named.push("nodes " + v.nodes.map(function (n) { return "n" + n; }).join(", ")); }
    if (v.terms.length) { named.push("term " + v.terms.join(", ")); }
    if (v.indexes.length) { named.push("index " + v.indexes.join(", ")); }
    if (named.length) { html("span", { "class": "implicated-list" }, " \u2014 " + named.join("; ") + " (highlighted below)", li); }
    html("pre", {}, v.message, li);
  });

  // ---- legend
  var legend = $("legend");
  [["ok", "#66bb6a"], ["fail", "#ef5350"], ["info (unknown)", "#ffa726"], ["crashed", "#424242"], ["paused", "#9575cd"],
   ["clock drift", "#4db6ac"], ["disconnected", "#e57373"], ["partition", "#ffcc80"], ["removed", "#bdbdbd"], ["learner", "#e0e0e0"],
   ["\u25BC transfer", "#1565c0"], ["\u25BC membership", "#6a1b9a"], ["\u25BC violation", "#b00020"]]
    .concat(D.cx ? [["cannot be linearized", "#fff; border:2px solid #b00020"], ["linearizable prefix", "#fff; border:2px solid #1565c0"]] : [])
    .forEach(function (l) {
      var s = html("span", { "class": "legend" }, null, legend);
      html("span", { "class": "swatch", style: "background:" + l[1] }, null, s);
      s.appendChild(document.createTextNode(l[0]));
    });

  // ---- rows of the main timeline
  var maxClient = D.clients - 1;
  D.ops.forEach(function (o) { if (o[1] > maxClient) { maxClient = o[1]; } });
  var rows = [];
  if (D.category === "consensus") { rows.push({ id: "leader", label: "leader", h: 18 }); }
  rows.push({ id: "network", label: "network", h: 16 });
  rows.push({ id: "events", label: "events", h: 16 });
  for (var n = 1; n <= D.nodes; n++) { rows.push({ id: String(n), label: "n" + n, h: 16, implicated: implicatedNodes.has(n) }); }
  for (var c = 0; c <= maxClient; c++) { rows.push({ id: "c" + c, label: "client " + c, h: 14 }); }
  var TOP = 22, LABEL = 4, y = TOP, rowById = {};
  rows.forEach(function (r) { r.y = y; y += r.h + 2; rowById[r.id] = r; });
  var HEIGHT = y + 6;
  var firstClientY = rowById.c0 ? rowById.c0.y : y;

  // ---- the counterexample's window
  var win = null;
  if (D.cx) {
    var shown = D.cx.bad.concat(D.cx.prefix.slice(-12)).map(function (id) { return byId.get(id); }).filter(Boolean);
    var badOps = D.cx.bad.map(function (id) { return byId.get(id); }).filter(Boolean);
    if (shown.length) {
      var w0 = Math.min.apply(null, shown.map(function (o) { return o[2]; }));
      var w1 = Math.max.apply(null, (badOps.length ? badOps : shown).map(function (o) { return o[3]; }));
      var pad = (w1 - w0) * 0.08 + 2000;
      win = [Math.max(0, w0 - pad), Math.min(D.end, w1 + pad)];
    }
  } else if (D.violations.length) {
    var at = D.violations[0].at;
    win = [Math.max(0, at - 1500000), Math.min(D.end, at + 300000)];
  }

  var zoom = 1;
  function render() {
    var box = $("scroll");
    var base = Math.max(640, box.clientWidth);
    var W = Math.round(LABEL + (base - LABEL) * zoom);
    var plot = W - LABEL - 8;
    function x(t) { return LABEL + t / Math.max(1, D.end) * plot; }
    var root = $("timeline");
    clear(root);
    root.setAttribute("width", W);
    root.setAttribute("height", HEIGHT);
    root.setAttribute("data-ops", D.ops.length);
    var defs = svg("defs", {}, root);
    var pat = svg("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    svg("rect", { width: 6, height: 6, fill: "#ffe0b2" }, pat);
    svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#ef6c00", "stroke-width": 2 }, pat);

    rows.forEach(function (r, i) {
      svg("rect", { "class": "row-bg" + (i % 2 ? " alt" : "") + (r.implicated ? " implicated" : ""), x: 0, y: r.y - 1, width: W, height: r.h + 2 }, root);
    });
    if (D.liveness >= 0) {
      svg("rect", { "class": "phase", x: x(D.liveness), y: TOP - 4, width: Math.max(0, x(D.end) - x(D.liveness)), height: HEIGHT - TOP }, root);
      if (x(D.end) - x(D.liveness) > 150) { svg("text", { "class": "phase-label", x: x(D.liveness) + 3, y: TOP - 12 }, root).textContent = "liveness phase: faults healed"; }
    }
    if (win && D.cx) {
      svg("rect", { "class": "cx-window", x: x(win[0]), y: TOP - 4, width: Math.max(2, x(win[1]) - x(win[0])), height: HEIGHT - TOP }, root);
    }

    // time axis
    var axis = svg("g", { "class": "axis" }, root);
    var steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 60];
    var step = steps.find(function (s) { return s * 1e6 / Math.max(1, D.end) * plot >= 80; }) || 60;
    for (var t = 0; t <= D.end / 1e6 + 1e-9; t += step) {
      var xt = x(t * 1e6);
      svg("line", { x1: xt, y1: TOP - 6, x2: xt, y2: HEIGHT }, axis);
      svg("text", { x: xt + 2, y: 10 }, axis).textContent = (step < 0.01 ? t.toFixed(3) : step < 1 ? t.toFixed(2) : t.toFixed(0)) + " s";
    }

    // leaders
    D.leaders.forEach(function (l) {
      var r = rowById.leader;
      if (!r) { return; }
      var cls = "leader" + (l[4] ? " leader-conflict" : "") + (implicatedTerms.has(l[2]) ? " implicated" : "");
      var w = Math.max(1, x(l[1]) - x(l[0]));
      var e = svg("rect", { "class": cls, x: x(l[0]), y: r.y, width: w, height: r.h, fill: PALETTE[(l[3] - 1 + PALETTE.length) % PALETTE.length], "data-term": l[2], "data-node": l[3] }, root);
      tip(e, "term " + l[2] + ": n" + l[3] + " leads (first seen " + sec(l[0]) + " s)" + (l[4] ? "; ANOTHER NODE WAS ALSO SEEN LEADING THIS TERM" : ""));
      if (w > 34) { svg("text", { "class": "leader-label", x: x(l[0]) + 3, y: r.y + 12 }, root).textContent = "t" + l[2] + " n" + l[3]; }
    });

    // fault bands and marks
    D.bands.forEach(function (b) {
      var r = rowById[b[0]];
      if (!r) { return; }
      // Clock drift is a thin strip at the bottom of the row, so crashes and pauses stay visible over it.
      var thin = b[3] === "drift";
      var e = svg("rect", { "class": "band " + b[3], x: x(b[1]), y: thin ? r.y + r.h - 5 : r.y + 1, width: Math.max(1.5, x(b[2]) - x(b[1])), height: thin ? 4 : r.h - 2 }, root);
      tip(e, b[4] + ": " + sec(b[1]) + "\u2013" + sec(b[2]) + " s");
    });
    D.marks.forEach(function (m) {
      var r = rowById[m[0]];
      if (!r) { return; }
      var xm = x(m[1]);
      var e = svg("path", { "class": "mark " + m[2], d: "M" + (xm - 4) + "," + (r.y + 1) + " L" + (xm + 4) + "," + (r.y + 1) + " L" + xm + "," + (r.y + r.h - 1) + " Z" }, root);
      tip(e, m[3] + " at " + sec(m[1]) + " s");
    });

    // row labels, beside the scrolling timeline
    var labels = $("timeline-labels");
    clear(labels);
    labels.setAttribute("height", HEIGHT);
    rows.forEach(function (r, i) {
      svg("rect", { "class": "row-bg" + (i % 2 ? " alt" : "") + (r.implicated ? " implicated" : ""), x: 0, y: r.y - 1, width: 64, height: r.h + 2 }, labels);
      svg("text", { "class": "row-label" + (r.implicated ? " implicated" : ""), x: 4, y: r.y + r.h - 3 }, labels).textContent = r.label;
    });

    // operations
    var g = svg("g", { id: "ops" }, root);
    D.ops.forEach(function (o) {
      var r = rowById["c" + o[1]];
      var cls = "op " + OUT[o[4]] + (bad.has(o[0]) ? " cx-bad" : "") + (order.has(o[0]) ? " cx-prefix" : "");
      var e = svg("rect", { "class": cls, x: x(o[2]), y: r.y + 1, width: Math.max(1, x(o[3]) - x(o[2])), height: r.h - 2, "data-op": o[0], "data-client": o[1] }, g);
      tip(e, opTitle(o));
    });

    // the counterexample's operations and the violations, as lines over every row
    bad.forEach(function (id) {
      var o = byId.get(id);
      if (!o) { return; }
      svg("line", { "class": "cx-marker", x1: x(o[2]), y1: TOP - 4, x2: x(o[2]), y2: firstClientY }, root);
    });
    D.violations.forEach(function (v) {
      var e = svg("line", { "class": "violation-marker", x1: x(v.at), y1: TOP - 6, x2: x(v.at), y2: HEIGHT }, root);
      tip(e, v.kind + " detected at " + sec(v.at) + " s");
    });
    $("zoom-level").textContent = "zoom \u00d7" + (zoom < 10 ? zoom.toFixed(1) : Math.round(zoom));
    return x;
  }

  function setZoom(z, centre) {
    var box = $("scroll");
    var before = (box.scrollLeft + box.clientWidth / 2) / Math.max(1, box.scrollWidth);
    zoom = Math.min(1000, Math.max(1, z));
    var x = render();
    if (centre != null) { box.scrollLeft = Math.max(0, x(centre) - box.clientWidth / 2); }
    else { box.scrollLeft = Math.max(0, before * box.scrollWidth - box.clientWidth / 2); }
  }
  $("zoom-in").onclick = function () { setZoom(zoom * 2); };
  $("zoom-out").onclick = function () { setZoom(zoom / 2); };
  $("zoom-fit").onclick = function () { setZoom(1); };
  if (win) {
    var focus = $("zoom-violation");
    focus.hidden = false;
    focus.onclick = function () { setZoom(D.end / Math.max(1, (win[1] - win[0]) * 1.3), (win[0] + win[1]) / 2); };
  }
  render();
  window.addEventListener("resize", function () { render(); });
  if (win && location.hash === "#focus") { $("zoom-violation").click(); }

  // ---- the counterexample in close-up, Porcupine-style: the key's operations around the ones that cannot be linearized
  if (D.cx && win) {
    $("cx-panel").hidden = false;
    var cs = $("cx-summary");
    cs.textContent = "Key " + (D.cx.key == null ? "(whole history)" : D.cx.key) + " (" + D.cx.partitionOps + " operations on it): the longest linearizable prefix has "
      + D.cx.prefix.length + " operations (blue, numbered in linearization order); after it, with the state " + D.cx.state + ", none of the "
      + D.cx.bad.length + " operation(s) in red can come next.";
    var ctx = D.ops.filter(function (o) { return o[6] === D.cx.key && o[3] >= win[0] && o[2] <= win[1]; });
    var clients = Array.from(new Set(ctx.map(function (o) { return o[1]; }))).sort(function (a, b) { return a - b; });
    var CW = Math.max(900, $("cx-scroll").clientWidth - 4), RH = 26, L = 64;
    var cx = $("cx-timeline");
    cx.setAttribute("width", CW);
    cx.setAttribute("height", 24 + clients.length * RH + 6);
    function X(t) { return L + (t - win[0]) / Math.max(1, win[1] - win[0]) * (CW - L - 10); }
    var span = (win[1] - win[0]) / 1e6, st = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5].find(function (s) { return s / span * (CW - L) >= 90; }) || 5;
    for (var tt = Math.ceil(win[0] / 1e6 / st) * st; tt <= win[1] / 1e6; tt += st) {
      svg("line", { x1: X(tt * 1e6), y1: 14, x2: X(tt * 1e6), y2: 24 + clients.length * RH, stroke: "#ddd" }, cx);
      svg("text", { x: X(tt * 1e6) + 2, y: 10 }, cx).textContent = tt.toFixed(4) + " s";
    }
    clients.forEach(function (cl, i) {
      svg("text", { "class": "row-label", x: 4, y: 24 + i * RH + 16 }, cx).textContent = "client " + cl;
    });
    ctx.forEach(function (o) {
      var i = clients.indexOf(o[1]);
      var x0 = X(Math.max(o[2], win[0])), x1 = Math.max(X(Math.min(o[3], win[1])), x0 + 6);
      var cls = "cxop " + OUT[o[4]] + (bad.has(o[0]) ? " cx-bad" : "") + (order.has(o[0]) ? " cx-prefix" : "");
      var e = svg("rect", { "class": cls, x: x0, y: 24 + i * RH + 2, width: Math.max(2, x1 - x0), height: RH - 6, rx: 3, "data-op": o[0] }, cx);
      tip(e, opTitle(o) + (D.cx.desc[o[0]] ? "\nmodel: " + D.cx.desc[o[0]] : ""));
      var label = (order.has(o[0]) ? "#" + order.get(o[0]) + " " : bad.has(o[0]) ? "\u2717 " : "") + opText(o);
      if (bad.has(o[0]) && x1 - x0 <= 30) {
        // Too short to hold its label: the label goes beside it, since this is what the reader is looking for.
        var right = x1 + 3 + label.length * 6 < CW;
        svg("text", { "class": "oplabel bad-label", x: right ? x1 + 3 : x0 - 3, y: 24 + i * RH + 16, "text-anchor": right ? "start" : "end" }, cx).textContent = label;
      } else if (x1 - x0 > 30) {
        var t = svg("text", { "class": "oplabel", x: x0 + 3, y: 24 + i * RH + 16 }, cx);
        t.textContent = label.length * 5.5 > x1 - x0 - 4 ? label.slice(0, Math.max(1, Math.floor((x1 - x0 - 4) / 5.5))) : label;
      }
    });
    var body = document.querySelector("#cx-table tbody");
    D.cx.prefix.slice(-12).forEach(function (id) { row(id, "cx-prefix-row", "#" + order.get(id), "linearized"); });
    D.cx.bad.forEach(function (id) { row(id, "cx-bad-row", "\u2014", "cannot be linearized next"); });
    function row(id, cls, ord, what) {
      var o = byId.get(id);
      if (!o) { return; }
      var tr = html("tr", { "class": cls, "data-op": id }, null, body);
      [ord, o[1], D.cx.desc[id] || opText(o), sec(o[2]), o[4] === 2 ? "unknown (" + sec(o[3]) + ")" : sec(o[3]), what]
        .forEach(function (v) { html("td", {}, String(v), tr); });
    }
  }
  document.body.setAttribute("data-rendered", "true");
})();
</script>
</body>
</html>
""";
    }
}
