/* jumper dashboard: builds every panel in the browser from the data embedded once in the page.
 * Strings from the data only ever reach the page through textContent, never as markup. */
(function () {
  'use strict';

  var DATA_VERSION = 1;
  var T0 = performance.now();
  // Times are embedded to the millisecond, cells to the microsecond: a cell's own boundary
  // samples are found within half a millisecond of its start and end.
  var EPS = 0.0005;
  var PANEL_HEIGHT = 280;
  // A 20-colour palette (JUmPER colours cells by index modulo 20).
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5',
    '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5'];

  // In a notebook every id carries the output's own prefix (several dashboards share one
  // page); a standalone page has none.
  var P = typeof JUMPER_PREFIX === 'string' ? JUMPER_PREFIX : '';
  var D = JSON.parse(document.getElementById(P + 'jumper-data').textContent);
  if (D.version !== DATA_VERSION) {
    throw new Error('dashboard data version ' + D.version + ' is not ' + DATA_VERSION);
  }
  if (typeof uPlot === 'undefined') {
    throw new Error('uPlot is missing from the page');
  }

  // ---- metric menu ---------------------------------------------------------------------------
  // Keys, kinds, y rules, units, axis labels, titles and limits come from the Rust catalogue
  // (D.metrics); this script only knows which embedded columns feed each key.
  var metrics = D.metrics.map(function (m) {
    var kind = m.kind === 'summary' ? (m.gpu ? 'gpusummary' : 'summary')
      : m.kind === 'multi' ? (m.gpu ? 'gpumulti' : 'cores') : 'single';
    var panel = function (L) { return (L && m.levels[L.name]) || { title: m.key, limit: null }; };
    return {
      key: m.key, kind: kind, unit: m.unit, axis: m.axis, y: m.y, gpu: m.gpu,
      // Per-GPU columns are embedded as gpu_util / gpu_band / gpu_mem.
      col: m.gpu ? m.key.replace('_summary', '') : m.key,
      title: function (L) { return panel(L).title; },
      limit: function (L) { return panel(L).limit; }
    };
  });
  var metricByKey = {};
  metrics.forEach(function (m) { metricByKey[m.key] = m; });
  var levelByName = {};
  D.levels.forEach(function (L) { levelByName[L.name] = L; });
  var defaultLevel = levelByName.process ? 'process' : D.levels[0].name;

  // ---- state -----------------------------------------------------------------------------
  var cells = D.cells;
  var state = {
    lo: D.initial ? D.initial[0] : 0,
    hi: D.initial ? D.initial[1] : 0,
    showIdle: false
  };
  var panels = [];
  var nextPanelId = 0;

  var el = function (id) { return document.getElementById(P + id); };
  var make = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  };

  function colors() {
    var cs = getComputedStyle(P ? el('root') : document.documentElement);
    var v = function (n) { return cs.getPropertyValue(n).trim(); };
    return {
      fg: v('--fg'), muted: v('--muted'), grid: v('--grid'), series: v('--series'),
      labelBg: v('--label-bg'), labelFg: v('--label-fg'), outline: v('--outline'),
      fail: v('--fail'), limit: v('--limit'), spanAlpha: parseFloat(v('--span-alpha')) || 0.22
    };
  }

  // '#rrggbb' with an alpha; anything else is returned as it is.
  function rgba(hex, a) {
    if (!/^#[0-9a-f]{6}$/i.test(hex)) { return hex; }
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function fmt(v, d) {
    if (v === null || v === undefined || !isFinite(v)) { return '–'; }
    return v.toFixed(d);
  }

  function fmtAuto(v) {
    if (v === null || v === undefined || !isFinite(v)) { return '–'; }
    var a = Math.abs(v);
    return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
  }

  // First index with time >= t (and > t for upper).
  function lowerBound(arr, t) {
    var a = 0, b = arr.length;
    while (a < b) { var m = (a + b) >> 1; if (arr[m] < t) { a = m + 1; } else { b = m; } }
    return a;
  }
  function upperBound(arr, t) {
    var a = 0, b = arr.length;
    while (a < b) { var m = (a + b) >> 1; if (arr[m] <= t) { a = m + 1; } else { b = m; } }
    return a;
  }

  // ---- selection: which rows, at which x -------------------------------------------------
  // Parts are [i0, i1) row ranges with an x shift; spans are the shaded cells.
  function selection(L) {
    var t = L.time;
    var parts = [], spans = [], xmin, xmax;
    if (cells.length === 0) {
      parts.push({ i0: 0, i1: t.length, shift: 0 });
      xmin = t.length ? t[0] : 0;
      xmax = t.length ? t[t.length - 1] : 1;
    } else if (state.showIdle) {
      xmin = cells[state.lo].start;
      xmax = Math.max(cells[state.hi].end, xmin);
      var pad = padding(xmax - xmin);
      // One row beyond each padded edge so lines reach the frame.
      var i0 = Math.max(0, lowerBound(t, xmin - pad) - 1);
      var i1 = Math.min(t.length, upperBound(t, xmax + pad) + 1);
      parts.push({ i0: i0, i1: i1, shift: 0 });
      for (var k = 0; k < cells.length; k++) {
        var c = cells[k];
        if (c.end >= xmin - pad && c.start <= xmax + pad) {
          spans.push({ a: c.start, b: c.end, cell: c, selected: k >= state.lo && k <= state.hi });
        }
      }
    } else {
      var off = 0;
      for (var j = state.lo; j <= state.hi; j++) {
        var cj = cells[j];
        var d = Math.max(0, cj.end - cj.start);
        parts.push({ i0: lowerBound(t, cj.start - EPS), i1: upperBound(t, cj.end + EPS), shift: off - cj.start });
        spans.push({ a: off, b: off + d, cell: cj, selected: true });
        off += d;
      }
      xmin = 0;
      xmax = off;
    }
    var pad2 = padding(xmax - xmin);
    return { parts: parts, spans: spans, xmin: xmin - pad2, xmax: xmax + pad2 };
  }

  // JUmPER: 5 % padding, at least 0.5 s.
  function padding(width) { return Math.max(0.05 * width, 0.5); }

  function take(sel, col) {
    var out = [];
    for (var p = 0; p < sel.parts.length; p++) {
      var part = sel.parts[p];
      for (var i = part.i0; i < part.i1; i++) { out.push(col[i]); }
    }
    return out;
  }

  function takeX(sel, t) {
    var out = [];
    for (var p = 0; p < sel.parts.length; p++) {
      var part = sel.parts[p];
      for (var i = part.i0; i < part.i1; i++) { out.push(t[i] + part.shift); }
    }
    return out;
  }

  // Per-point average/min/max across GPUs.
  function acrossGpus(sel, perGpu) {
    var cols = perGpu.map(function (c) { return take(sel, c); });
    var n = cols.length ? cols[0].length : 0;
    var avg = new Array(n), min = new Array(n), max = new Array(n);
    for (var i = 0; i < n; i++) {
      var s = 0, k = 0, lo = Infinity, hi = -Infinity;
      for (var g = 0; g < cols.length; g++) {
        var v = cols[g][i];
        if (v === null || v === undefined) { continue; }
        s += v; k++; if (v < lo) { lo = v; } if (v > hi) { hi = v; }
      }
      avg[i] = k ? s / k : null; min[i] = k ? lo : null; max[i] = k ? hi : null;
    }
    return { avg: avg, min: min, max: max };
  }

  // ---- one panel's figure ------------------------------------------------------------------
  // Returns {title, note, unit, ys, series, yrange, limit} or {message}.
  function figure(metric, L, sel, C) {
    var noData = { message: 'No data for selected metric and level.' };
    if (!L || !metric) { return noData; }
    if (metric.gpu && !L.gpus) { return noData; }
    var x = takeX(sel, L.time);
    if (x.length === 0) { return noData; }
    var unit = metric.unit;
    var line = function (label, stroke, extra) {
      var s = { label: label, stroke: stroke, width: 1.5, points: { show: false },
        value: function (u, v) { return v === null || v === undefined ? '–' : fmtAuto(v) + ' ' + unit; } };
      for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { s[k] = extra[k]; } }
      return s;
    };
    var summary = function (avg, min, max) {
      return {
        ys: [min, avg, max],
        series: [
          line('Min', C.series, { dash: [2, 4], alpha: 0.55 }),
          line('Average', C.series, { width: 2 }),
          line('Max', C.series, { dash: [8, 4], alpha: 0.55 })
        ]
      };
    };
    var out;
    var note = '';
    if (metric.kind === 'summary') {
      out = summary(take(sel, L.cpu_avg), take(sel, L.cpu_min), take(sel, L.cpu_max));
    } else if (metric.kind === 'cores') {
      out = { ys: [], series: [] };
      if (L.cores_recorded && L.cores.length) {
        L.cores.forEach(function (c, i) {
          out.ys.push(take(sel, c));
          out.series.push(line('cpu' + i, PALETTE[i % PALETTE.length], { width: 1, alpha: 0.6 }));
        });
      } else {
        note = 'Per-core values are recorded at system level only; here every core equals the average.';
      }
      out.ys.push(take(sel, L.cpu_avg));
      out.series.push(line('Mean', C.series, { width: 2.5 }));
    } else if (metric.kind === 'single') {
      out = { ys: [take(sel, L[metric.col])], series: [line(metric.key, C.series, { fill: rgba(C.series, 0.12) })] };
    } else if (metric.kind === 'gpusummary') {
      var g = acrossGpus(sel, L[metric.col]);
      out = summary(g.avg, g.min, g.max);
    } else if (metric.kind === 'gpumulti') {
      out = { ys: [], series: [] };
      L[metric.col].forEach(function (c, i) {
        out.ys.push(take(sel, c));
        out.series.push(line('GPU ' + i, PALETTE[i % PALETTE.length], { width: 1.2, alpha: 0.8 }));
      });
      out.ys.push(acrossGpus(sel, L[metric.col]).avg);
      out.series.push(line('Mean', C.series, { width: 2.5 }));
    } else {
      return noData;
    }
    var limit = metric.y === 'to_limit' ? metric.limit(L) : null;
    var title = metric.title(L) + ' – ' + L.name + (state.showIdle || cells.length === 0 ? '' : ' (no idle)');
    return { title: title, note: note, unit: unit, axis: metric.axis, x: x, ys: out.ys, series: out.series, y: metric.y,
      limit: limit };
  }

  function yRange(fig) {
    return function (u, min, max) {
      var lo = min, hi = max;
      if (lo === null || hi === null || !isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
      if (fig.y === 'percent') { return [0, Math.max(100, hi)]; }
      if (fig.y === 'to_limit' && fig.limit) {
        // Headroom above the limit line keeps it clear of the cell labels.
        return [0, Math.max(fig.limit, hi) * 1.15];
      }
      if (hi === lo) { return [Math.max(0, lo - 1), hi + 1]; }
      var pad = 0.05 * (hi - lo);
      return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
    };
  }

  // ---- drawing cells and limits on the canvas ----------------------------------------------
  function drawSpans(panel, u) {
    var C = panel.colors, ctx = u.ctx, bb = u.bbox, pr = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bb.left, bb.top, bb.width, bb.height);
    ctx.clip();
    panel.sel.spans.forEach(function (sp) {
      var x0 = u.valToPos(sp.a, 'x', true), x1 = u.valToPos(sp.b, 'x', true);
      if (x1 < bb.left || x0 > bb.left + bb.width) { return; }
      var w = Math.max(x1 - x0, pr);
      var alpha = sp.selected ? C.spanAlpha : C.spanAlpha * 0.4;
      ctx.fillStyle = rgba(PALETTE[sp.cell.index % PALETTE.length], alpha);
      ctx.fillRect(x0, bb.top, w, bb.height);
      // Outlines only where there is room; a hundred of them would hide the data.
      if (w >= 12 * pr || sp.cell.status === 'failed') {
        ctx.setLineDash([4 * pr, 3 * pr]);
        ctx.lineWidth = pr;
        ctx.strokeStyle = sp.cell.status === 'failed' ? C.fail : C.outline;
        ctx.strokeRect(x0, bb.top, w, bb.height);
      }
    });
    ctx.restore();
  }

  function drawOverlay(panel, u) {
    var C = panel.colors, ctx = u.ctx, bb = u.bbox, pr = uPlot.pxRatio;
    var fig = panel.fig;
    ctx.save();
    if (fig.limit) {
      var y = u.valToPos(fig.limit, 'y', true);
      if (y >= bb.top && y <= bb.top + bb.height) {
        ctx.setLineDash([6 * pr, 4 * pr]);
        ctx.lineWidth = 1.5 * pr;
        ctx.strokeStyle = C.limit;
        ctx.beginPath();
        ctx.moveTo(bb.left, y);
        ctx.lineTo(bb.left + bb.width, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = C.limit;
        ctx.font = (11 * pr) + 'px system-ui, sans-serif';
        ctx.textAlign = 'right';
        ctx.textBaseline = 'top';
        ctx.fillText('limit ' + fmtAuto(fig.limit) + ' ' + fig.unit, bb.left + bb.width - 4 * pr, y + 3 * pr);
      }
    }
    // Cell labels on small boxes near the top; skipped where they would overlap.
    var labels = [];
    ctx.font = (11 * pr) + 'px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    var lastRight = -Infinity;
    var top = bb.top + 4 * pr, h = 16 * pr;
    panel.sel.spans.forEach(function (sp) {
      var x0 = Math.max(u.valToPos(sp.a, 'x', true), bb.left);
      var x1 = Math.min(u.valToPos(sp.b, 'x', true), bb.left + bb.width);
      if (x1 < x0) { return; }
      var text = '#' + sp.cell.index;
      var w = ctx.measureText(text).width + 8 * pr;
      var cx = (x0 + x1) / 2;
      if (cx - w / 2 < bb.left) { cx = bb.left + w / 2; }
      if (cx + w / 2 > bb.left + bb.width) { cx = bb.left + bb.width - w / 2; }
      if (cx - w / 2 < lastRight + 2 * pr) { return; }
      lastRight = cx + w / 2;
      ctx.fillStyle = C.labelBg;
      ctx.beginPath();
      if (ctx.roundRect) { ctx.roundRect(cx - w / 2, top, w, h, 4 * pr); } else { ctx.rect(cx - w / 2, top, w, h); }
      ctx.fill();
      ctx.fillStyle = sp.cell.status === 'failed' ? C.fail : C.labelFg;
      ctx.fillText(text, cx, top + h / 2);
      labels.push(text);
    });
    panel.labels = labels;
    ctx.restore();
  }

  // ---- panels --------------------------------------------------------------------------------
  function addPanel(metricKey, levelName) {
    var panel = { id: nextPanelId++, metric: metricKey, level: levelName, u: null, labels: [], message: '' };
    var root = make('section', 'panel');
    root.dataset.panel = String(panel.id);
    var bar = make('div', 'panel-bar');
    var mLabel = make('label', null, 'Metric');
    var mSel = make('select', 'metric-select');
    metrics.forEach(function (m) {
      var o = make('option', null, m.key);
      o.value = m.key;
      mSel.appendChild(o);
    });
    mSel.value = metricKey;
    mLabel.appendChild(mSel);
    var lLabel = make('label', null, 'Level');
    var lSel = make('select', 'level-select');
    D.levels.forEach(function (L) {
      var o = make('option', null, L.name);
      o.value = L.name;
      lSel.appendChild(o);
    });
    lSel.value = levelName;
    lLabel.appendChild(lSel);
    var remove = make('button', 'remove-panel', '✕');
    remove.type = 'button';
    remove.title = 'Remove this panel';
    remove.setAttribute('aria-label', 'Remove this panel');
    bar.appendChild(mLabel);
    bar.appendChild(lLabel);
    bar.appendChild(make('span', 'spacer'));
    bar.appendChild(remove);
    root.appendChild(bar);
    panel.titleEl = make('div', 'panel-title');
    panel.noteEl = make('p', 'panel-note');
    panel.chartEl = make('div', 'chart');
    panel.msgEl = make('div', 'panel-msg');
    panel.msgEl.hidden = true;
    root.appendChild(panel.titleEl);
    root.appendChild(panel.noteEl);
    root.appendChild(panel.chartEl);
    root.appendChild(panel.msgEl);
    panel.root = root;
    mSel.addEventListener('change', function () { panel.metric = mSel.value; renderPanel(panel); updateAddButton(); });
    lSel.addEventListener('change', function () { panel.level = lSel.value; renderPanel(panel); updateAddButton(); });
    remove.addEventListener('click', function () { removePanel(panel); });
    el('panels').appendChild(root);
    panels.push(panel);
    renderPanel(panel);
    updateAddButton();
    return panel;
  }

  function removePanel(panel) {
    if (panel.u) { panel.u.destroy(); panel.u = null; }
    panel.root.remove();
    panels = panels.filter(function (p) { return p !== panel; });
    updateAddButton();
  }

  function chartWidth(panel) {
    return Math.max(280, Math.floor(panel.chartEl.clientWidth || panel.root.clientWidth - 20 || 600));
  }

  function renderPanel(panel) {
    if (panel.u) { panel.u.destroy(); panel.u = null; }
    panel.labels = [];
    var L = levelByName[panel.level];
    var metric = metricByKey[panel.metric];
    var C = colors();
    panel.colors = C;
    panel.sel = L ? selection(L) : { parts: [], spans: [], xmin: 0, xmax: 1 };
    var fig = figure(metric, L, panel.sel, C);
    panel.fig = fig;
    panel.titleEl.textContent = fig.title || (metric ? metric.title(L || { cpus: '?', gpus: '?' }) : '');
    panel.noteEl.textContent = fig.note || '';
    if (fig.message) {
      panel.message = fig.message;
      panel.msgEl.textContent = fig.message;
      panel.msgEl.hidden = false;
      panel.chartEl.hidden = true;
      return;
    }
    panel.message = '';
    panel.msgEl.hidden = true;
    panel.chartEl.hidden = false;
    var axisFont = '12px system-ui, sans-serif';
    var xLabel = cells.length === 0 ? 'Time since monitor start (s)'
      : state.showIdle ? 'Time since monitor start (s)' : 'Time in selected cells, idle hidden (s)';
    var opts = {
      width: chartWidth(panel),
      height: PANEL_HEIGHT,
      scales: { x: { time: false }, y: { range: yRange(fig) } },
      series: [{ label: 'time', value: function (u, v) { return v === null || v === undefined ? '–' : fmt(v, 2) + ' s'; } }]
        .concat(fig.series),
      axes: [
        { stroke: C.fg, font: axisFont, labelFont: axisFont, label: xLabel, labelSize: 18,
          grid: { stroke: C.grid, width: 1 }, ticks: { stroke: C.grid, width: 1 } },
        { stroke: C.fg, font: axisFont, labelFont: axisFont, label: fig.axis, labelSize: 18, size: 56,
          grid: { stroke: C.grid, width: 1 }, ticks: { stroke: C.grid, width: 1 } }
      ],
      legend: { show: fig.series.length <= 17, live: true },
      cursor: { sync: { key: 'jumper' }, drag: { x: true, y: false } },
      hooks: {
        drawClear: [function (u) { drawSpans(panel, u); }],
        draw: [function (u) { drawOverlay(panel, u); }]
      }
    };
    panel.u = new uPlot(opts, [fig.x].concat(fig.ys), panel.chartEl);
    panel.u.setScale('x', { min: panel.sel.xmin, max: panel.sel.xmax });
  }

  function renderAll() {
    panels.forEach(renderPanel);
  }

  // Coalesce bursts of slider events into one redraw per frame.
  var pending = false;
  function scheduleRender() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; renderAll(); });
  }

  function shownKeys() {
    var s = {};
    panels.forEach(function (p) { s[p.metric + '@' + p.level] = true; });
    return s;
  }

  // The next metric not yet shown at the default level, then at the other levels.
  function nextCombination() {
    var shown = shownKeys();
    var levels = [defaultLevel].concat(D.levels.map(function (L) { return L.name; })
      .filter(function (n) { return n !== defaultLevel; }));
    for (var li = 0; li < levels.length; li++) {
      for (var mi = 0; mi < metrics.length; mi++) {
        if (!shown[metrics[mi].key + '@' + levels[li]]) { return [metrics[mi].key, levels[li]]; }
      }
    }
    return null;
  }

  function updateAddButton() {
    var next = nextCombination();
    el('add-panel').disabled = next === null;
    el('messages').textContent = next === null ? 'All panels have been added.' : '';
  }

  // ---- range slider, idle toggle, totals, cell list -----------------------------------------
  var lo = el('range-lo'), hi = el('range-hi');

  function cellLabel() {
    if (!cells.length) { return 'Cells: none'; }
    return 'Cells: ' + cells[state.lo].index + '–' + cells[state.hi].index;
  }

  function syncSlider() {
    var n = Math.max(1, cells.length - 1);
    el('range-text').textContent = cellLabel();
    var fill = el('range-fill');
    fill.style.left = (100 * state.lo / n) + '%';
    fill.style.width = (100 * (state.hi - state.lo) / n) + '%';
    // A thumb pushed to the far end must stay reachable.
    lo.classList.toggle('on-top', state.lo >= cells.length - 1);
  }

  function onRangeInput(which) {
    var a = parseInt(lo.value, 10), b = parseInt(hi.value, 10);
    if (a > b) {
      if (which === 'lo') { a = b; lo.value = String(a); } else { b = a; hi.value = String(b); }
    }
    if (a === state.lo && b === state.hi) { return; }
    state.lo = a;
    state.hi = b;
    syncSlider();
    renderTotals();
    renderCellList();
    scheduleRender();
  }

  function computeTotals() {
    var result = [];
    D.levels.forEach(function (L) {
      var t = { level: L.name, cpus: L.cpus, cpu_s: 0, read_bytes: 0, write_bytes: 0, read_ops: 0, write_ops: 0,
        memory_max_gib: null, samples: 0, exact: L.exact_totals };
      var add = function (x) {
        if (!x) { return; }
        t.cpu_s += x[0]; t.read_bytes += x[1]; t.write_bytes += x[2]; t.read_ops += x[3]; t.write_ops += x[4];
        if (x[5] !== null) { t.memory_max_gib = t.memory_max_gib === null ? x[5] : Math.max(t.memory_max_gib, x[5]); }
        t.samples += x[6];
      };
      for (var k = state.lo; k <= state.hi && k < cells.length; k++) {
        add(L.cell_totals[k]);
        if (state.showIdle && k < state.hi) { add(L.gap_totals[k]); }
      }
      result.push(t);
    });
    return result;
  }

  function selectedSeconds() {
    if (!cells.length) { return 0; }
    if (state.showIdle) { return Math.max(0, cells[state.hi].end - cells[state.lo].start); }
    var s = 0;
    for (var k = state.lo; k <= state.hi; k++) { s += cells[k].duration; }
    return s;
  }

  function renderTotals() {
    var box = el('totals');
    box.textContent = '';
    if (!cells.length) {
      box.appendChild(make('p', 'note', 'No cells recorded: the panels show the whole recording.'));
      return;
    }
    var n = state.hi - state.lo + 1;
    var secs = selectedSeconds();
    box.appendChild(make('p', 'range-summary', cellLabel() + ' · ' + n + (n === 1 ? ' cell' : ' cells') + ' · ' +
      fmt(secs, 2) + ' s ' + (state.showIdle ? '(idle between the cells included)' : '(idle excluded)')));
    computeTotals().forEach(function (t) {
      var p = make('p', 'level-totals');
      p.appendChild(make('span', 'level-name', t.level + ': '));
      var avg = secs > 0 ? 100 * t.cpu_s / secs / t.cpus : null;
      var text = 'CPU ' + fmt(t.cpu_s, 2) + ' s (avg ' + fmt(avg, 1) + ' % of ' + t.cpus + ' CPUs)' +
        ' · peak memory ' + fmt(t.memory_max_gib, 2) + ' GiB' +
        ' · read ' + fmt(t.read_bytes / 1048576, 2) + ' MiB in ' + fmt(t.read_ops, 0) + ' ops' +
        ' · write ' + fmt(t.write_bytes / 1048576, 2) + ' MiB in ' + fmt(t.write_ops, 0) + ' ops';
      p.appendChild(document.createTextNode(text));
      if (!t.exact) { p.appendChild(make('span', 'note', ' (integrated from rates)')); }
      box.appendChild(p);
    });
  }

  function renderCellList() {
    var body = el('cell-rows');
    body.textContent = '';
    for (var k = state.lo; k <= state.hi && k < cells.length; k++) {
      var c = cells[k];
      var tr = make('tr');
      tr.appendChild(make('td', 'num', '#' + c.index));
      tr.appendChild(make('td', 'num', fmt(c.start, 3)));
      tr.appendChild(make('td', 'num', fmt(c.duration, 3)));
      var st = make('td', c.status === 'failed' ? 'failed' : null, c.status);
      if (c.error) { st.title = c.error; }
      tr.appendChild(st);
      tr.appendChild(make('td', 'code', c.code + (c.lines > 1 ? '  … (' + c.lines + ' lines)' : '')));
      body.appendChild(tr);
    }
  }

  function init() {
    el('title').textContent = D.title;
    var n = cells.length;
    [lo, hi].forEach(function (r) {
      r.min = '0';
      r.max = String(Math.max(0, n - 1));
      r.disabled = n <= 1;
    });
    lo.value = String(state.lo);
    hi.value = String(state.hi);
    lo.addEventListener('input', function () { onRangeInput('lo'); });
    hi.addEventListener('input', function () { onRangeInput('hi'); });
    var idle = el('show-idle');
    idle.checked = state.showIdle;
    idle.disabled = n === 0;
    idle.addEventListener('change', function () {
      state.showIdle = idle.checked;
      renderTotals();
      renderAll();
    });
    el('add-panel').addEventListener('click', function () {
      var next = nextCombination();
      if (next) { addPanel(next[0], next[1]); }
    });
    var footer = D.generator + ' · ' + D.levels.map(function (L) {
      return L.name + ' ' + L.samples + ' samples (' + L.points + ' points drawn)';
    }).join(', ') + ' · interval ' + D.interval + ' s' + (D.gpu_name ? ' · ' + D.gpu_name : '');
    el('footer').textContent = footer;
    syncSlider();
    renderTotals();
    renderCellList();
    addPanel('cpu_summary', defaultLevel);
    addPanel('memory', defaultLevel);
    var resizePending = false;
    window.addEventListener('resize', function () {
      if (resizePending) { return; }
      resizePending = true;
      requestAnimationFrame(function () {
        resizePending = false;
        panels.forEach(function (p) { if (p.u) { p.u.setSize({ width: chartWidth(p), height: PANEL_HEIGHT }); } });
      });
    });
    if (window.matchMedia) {
      var mq = window.matchMedia('(prefers-color-scheme: dark)');
      if (mq.addEventListener) { mq.addEventListener('change', renderAll); }
    }
  }

  init();
  var initMs = performance.now() - T0;

  // A read-only view for tests and curious users (in a notebook: on the output's root element,
  // so nothing global is set).
  (P ? el('root') : window).jumperDashboard = Object.freeze({
    ready: true,
    version: DATA_VERSION,
    // Milliseconds from parsing the data to the first panels built.
    initMs: initMs,
    metrics: function () { return metrics.map(function (m) { return m.key; }); },
    levels: function () { return D.levels.map(function (L) { return L.name; }); },
    state: function () {
      return { lo: state.lo, hi: state.hi, showIdle: state.showIdle, text: el('range-text').textContent };
    },
    panels: function () {
      return panels.map(function (p) {
        return {
          metric: p.metric, level: p.level, title: p.titleEl.textContent, message: p.message,
          series: p.u ? p.u.series.length - 1 : 0,
          points: p.u ? p.u.data[0].length : 0,
          xMin: p.u ? p.u.scales.x.min : null, xMax: p.u ? p.u.scales.x.max : null,
          yMin: p.u ? p.u.scales.y.min : null, yMax: p.u ? p.u.scales.y.max : null,
          labels: p.labels.slice()
        };
      });
    },
    totals: computeTotals,
    selectedSeconds: selectedSeconds
  });
})();
