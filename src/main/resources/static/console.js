/* omnihub operator console: plain JavaScript, no build, nothing loaded from elsewhere (works offline). Views: overview,
   inventory, orders (+ detail), routing (simulations + report, pilot comparison, node audit), failures, reconciliation,
   inventory KPIs (cycle counts and drift); node audit alert banner. */
(function () {
  'use strict';

  const state = { me: null, view: null, param: null, flash: new Set(), timer: null };
  const $ = (sel, root) => (root || document).querySelector(sel);
  const COLORS = ['#2f7dd3', '#1e8e5a', '#c27c0e', '#8e44ad', '#c8372d', '#16a2b8', '#5b6b82'];

  function esc(v) {
    return v === null || v === undefined ? '' : String(v)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function fmtTime(v) {
    if (!v) return '';
    const d = new Date(v);
    return isNaN(d) ? esc(v) : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function ago(v) {
    if (!v) return '';
    const s = Math.round((Date.now() - new Date(v).getTime()) / 1000);
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  function pill(text, kind) { return `<span class="pill ${kind || ''}">${esc(text)}</span>`; }
  function statusPill(s) {
    const kind = { ROUTED: 'ok', SHIPPED: 'ok', DELIVERED: 'ok', Started: 'ok', UP: 'ok', DONE: 'ok', REPLAYED: 'ok',
      RECEIVED: 'accent', PENDING: 'accent', RUNNING: 'accent', REPLACED: 'accent',
      UNFULFILLABLE: 'warn', Suspended: 'warn', Stopped: 'warn', SUPERSEDED: 'warn', UNKNOWN: 'warn',
      REJECTED: 'bad', CANCELLED: 'bad', DEAD: 'bad', DOWN: 'bad', FAILED: 'bad', FAILED_AGAIN: 'bad' }[s];
    return pill(s, kind);
  }
  function toast(text, bad) {
    const t = document.createElement('div');
    t.className = 'toast' + (bad ? ' bad' : '');
    t.id = 'toast';
    t.textContent = text;
    document.querySelectorAll('.toast').forEach(e => e.remove());
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {}, credentials: 'same-origin' }, options || {});
    if (opts.method && opts.method !== 'GET' && state.me && state.me.csrfToken) {
      opts.headers[state.me.csrfHeader] = state.me.csrfToken;
    }
    const res = await fetch(path, opts);
    if (res.status === 401 || res.redirected && res.url.includes('/login')) {
      window.location = '/login';
      throw new Error('signed out');
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = text; }
    if (!res.ok) {
      const msg = body && (body.detail || body.reason || body.message || body.error) || res.statusText;
      throw new Error(res.status + ': ' + msg);
    }
    return body;
  }

  /* ---------- routing between views ---------- */
  function route() {
    const hash = (location.hash || '#overview').slice(1);
    const [view, ...rest] = hash.split('/');
    state.view = ['overview', 'inventory', 'orders', 'routing', 'failures', 'reconciliation', 'kpis'].includes(view) ? view : 'overview';
    state.param = rest.length ? decodeURIComponent(rest.join('/')) : null;
    document.querySelectorAll('.nav a').forEach(a => a.classList.toggle('active', a.id === 'nav-' + state.view));
    clearInterval(state.timer);
    render();
    if (state.view === 'overview') state.timer = setInterval(() => render(true), 5000);
    if (state.view === 'routing') state.timer = setInterval(() => render(true), 2000);
    if (state.view === 'reconciliation') state.timer = setInterval(() => render(true), 2000);
    if (state.view === 'kpis') state.timer = setInterval(() => render(true), 5000);
    checkAudit();
  }

  async function render(quiet) {
    const view = $('#view');
    try {
      if (state.view === 'overview') await renderOverview(view);
      else if (state.view === 'inventory') await renderInventory(view, quiet);
      else if (state.view === 'orders' && state.param) await renderOrder(view, state.param);
      else if (state.view === 'orders') await renderOrders(view, quiet);
      else if (state.view === 'routing' && state.param) await renderSimulation(view, state.param, quiet);
      else if (state.view === 'routing') await renderRouting(view, quiet);
      else if (state.view === 'failures') await renderFailures(view);
      else if (state.view === 'reconciliation') await renderReconciliation(view, quiet);
      else if (state.view === 'kpis') await renderKpis(view, quiet);
    } catch (e) {
      if (!quiet) view.innerHTML = `<div class="panel error-text">Could not load: ${esc(e.message)}</div>`;
    }
  }

  /* ---------- overview ---------- */
  async function renderOverview(view) {
    const [o, charts] = await Promise.all([api('/api/console/overview'), api('/api/console/charts?minutes=60')]);
    if (state.view !== 'overview') return;
    const c = o.counts;
    const failures = (c.openDeadLetters || 0) + ((c.deliveriesByStatus || {}).DEAD || 0);
    const byStatus = Object.entries(c.ordersByStatus || {}).map(([k, v]) => `${statusPill(k)} ${v}`).join(' &nbsp;');
    view.innerHTML = `
      <h1>Overview</h1>
      <div class="grid grid-4">
        <div class="panel kpi"><div class="label">Orders, last hour</div><div class="value" id="kpi-orders">${c.ordersLastHour}</div>
          <div class="subtle">${byStatus || 'no orders yet'}</div></div>
        <div class="panel kpi"><div class="label">Open failures</div><div class="value ${failures ? 'bad' : ''}" id="kpi-failures">${failures}</div>
          <div class="subtle">${c.openDeadLetters} dead letters · ${(c.deliveriesByStatus || {}).DEAD || 0} dead deliveries</div></div>
        <div class="panel kpi"><div class="label">Deliveries pending</div><div class="value">${(c.deliveriesByStatus || {}).PENDING || 0}</div>
          <div class="subtle">${(c.deliveriesByStatus || {}).DELIVERED || 0} delivered</div></div>
        <div class="panel kpi"><div class="label">Catalogue</div><div class="value">${c.skus}</div>
          <div class="subtle">skus across ${c.nodes} nodes</div></div>
      </div>
      <div class="grid grid-2">
        <div class="panel chart" id="chart-orders"><h2>Orders per channel <span class="subtle">last 60 minutes, per minute</span></h2>${ordersChart(charts)}</div>
        <div class="panel chart" id="chart-lag"><h2>Inventory sync lag <span class="subtle">stock change to channel delivery, ms</span></h2>${lagChart(charts)}</div>
      </div>
      <div class="panel" id="progress-panel"><h2>Long-running work</h2>${progressTable(o.progress)}</div>
      <div class="panel"><h2>Routes <span class="subtle">${o.routes.length} Camel routes</span></h2>
        <table id="routes"><thead><tr><th>Route</th><th>State</th><th class="num">Per minute</th><th class="num">Total</th>
          <th class="num">Failures</th><th class="num">In flight</th><th>Last message</th><th>Last error</th></tr></thead><tbody>
        ${o.routes.map(r => `<tr data-route-id="${esc(r.id)}">
          <td><strong>${esc(r.id)}</strong>${r.kamelet ? ' ' + pill('kamelet') : ''}<div class="subtle">${esc(r.description || r.endpoint)}</div></td>
          <td>${statusPill(r.state)}</td><td class="num">${r.perMinute}</td><td class="num">${r.exchangesTotal}</td>
          <td class="num">${r.exchangesFailed + r.failuresHandled ? `<span class="error-text">${r.exchangesFailed + r.failuresHandled}</span>` : 0}</td>
          <td class="num">${r.inflight}</td><td class="subtle">${ago(r.lastExchangeAt)}</td>
          <td>${r.lastError ? `<span class="error-text">${esc(r.lastError.message)}</span><div class="subtle">${ago(r.lastError.at)}</div>` : ''}</td></tr>`).join('')}
        </tbody></table></div>
      <div class="grid grid-2">
        <div class="panel"><h2>SFTP servers</h2>${sftpTable(o.connectors.sftp)}</div>
        <div class="panel"><h2>Kafka ${statusPill(o.connectors.kafka.status)}</h2>${kafkaTable(o.connectors.kafka)}</div>
      </div>
      <div class="panel"><h2>Poll cursors</h2>${cursorTables(o.connectors.cursors)}</div>`;
  }

  function progressTable(jobs) {
    if (!jobs || !jobs.length) return '<p class="subtle" id="no-progress">Nothing running. Large partner files show their rows done out of rows total here.</p>';
    return `<table><thead><tr><th>Job</th><th>State</th><th>Progress</th><th class="num">Done</th><th>Started</th></tr></thead><tbody>
      ${jobs.map(j => `<tr data-job-id="${esc(j.id)}"><td>${esc(j.description)}${j.error ? `<div class="error-text">${esc(j.error)}</div>` : ''}</td>
        <td>${statusPill(j.state)}</td>
        <td><div class="progress"><div style="width:${j.percent < 0 ? 0 : j.percent}%"></div></div></td>
        <td class="num">${j.done}${j.total >= 0 ? ' / ' + j.total : ''}${j.percent >= 0 ? ` (${j.percent}%)` : ''}</td>
        <td class="subtle">${ago(j.startedAt)}</td></tr>`).join('')}</tbody></table>`;
  }

  function sftpTable(servers) {
    if (!servers || !servers.length) return '<p class="subtle">No SFTP server configured.</p>';
    return `<table><thead><tr><th>Server</th><th>Status</th><th>Address</th><th>Detail</th></tr></thead><tbody>
      ${servers.map(s => `<tr><td>${esc(s.name)}</td><td>${statusPill(s.status)}</td><td class="mono">${esc(s.details.address)}</td>
        <td class="subtle">${s.details.error ? `<span class="error-text">${esc(s.details.error)}</span>` : `login as ${esc(s.details.user)} in ${esc(s.details.millis)} ms`}</td></tr>`).join('')}
      </tbody></table>`;
  }

  function kafkaTable(k) {
    const head = `<p class="subtle">${esc((k.details || {}).brokers || '')} ${k.details && k.details.nodes ? '· ' + k.details.nodes + ' broker(s)' : ''}
      ${k.details && k.details.error ? `<span class="error-text">${esc(k.details.error)}</span>` : ''}</p>`;
    if (k.lagError) return head + `<p class="error-text">${esc(k.lagError)}</p>`;
    if (!k.lag || !k.lag.length) return head + '<p class="subtle">No consumer group has committed offsets yet.</p>';
    return head + `<table><thead><tr><th>Consumer group</th><th>Topic</th><th class="num">Partitions</th><th class="num">Lag</th></tr></thead><tbody>
      ${k.lag.map(l => `<tr><td>${esc(l.group)}</td><td class="mono">${esc(l.topic)}</td><td class="num">${l.partitions}</td>
        <td class="num">${l.lag > 0 ? `<strong>${l.lag}</strong>` : 0}</td></tr>`).join('')}</tbody></table>`;
  }

  function cursorTables(tables) {
    if (!tables || !tables.length) return '<p class="subtle">No poller keeps a cursor yet (the marketplace poll shows its cursor and last success here).</p>';
    return tables.map(t => {
      const cols = t.rows.length ? Object.keys(t.rows[0]) : [];
      return `<h2 class="subtle mono">${esc(t.table)}</h2>${t.rows.length ? `<table><thead><tr>${cols.map(c => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>
        ${t.rows.map(r => `<tr>${cols.map(c => `<td>${esc(r[c])}</td>`).join('')}</tr>`).join('')}</tbody></table>` : '<p class="subtle">empty</p>'}`;
    }).join('');
  }

  /* ---------- charts: hand-drawn SVG ---------- */
  const W = 600, H = 200, PAD = { l: 44, r: 10, t: 10, b: 24 };
  function axes(buckets, maxY, unit) {
    const ticks = 4, iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b;
    let s = '';
    for (let i = 0; i <= ticks; i++) {
      const y = PAD.t + ih - ih * i / ticks, v = maxY * i / ticks;
      s += `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#e3e7ee"/>`;
      s += `<text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" font-size="10" fill="#6b7685">${v >= 10 ? Math.round(v) : +v.toFixed(1)}${unit || ''}</text>`;
    }
    const n = buckets.length;
    [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor(3 * n / 4), n - 1].forEach((i, k) => {
      const x = PAD.l + iw * (i + 0.5) / n;
      const anchor = k === 0 ? 'start' : k === 4 ? 'end' : 'middle';
      const d = new Date(buckets[i]);
      s += `<text x="${x}" y="${H - 6}" text-anchor="${anchor}" font-size="10" fill="#6b7685">${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}</text>`;
    });
    return s;
  }
  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 5, 10].map(m => m * p).find(m => m >= v);
  }
  function ordersChart(ch) {
    const series = Object.entries(ch.ordersPerChannel);
    const n = ch.buckets.length, iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b;
    const totals = ch.buckets.map((_, i) => series.reduce((a, [, v]) => a + v[i], 0));
    // whole orders: a scale in steps of whole numbers
    const maxY = Math.max(4, Math.ceil(niceMax(Math.max(...totals, 0)) / 4) * 4);
    let bars = '';
    const bw = Math.max(1, iw / n - 2);
    for (let i = 0; i < n; i++) {
      let y0 = PAD.t + ih;
      series.forEach(([name, v], k) => {
        if (!v[i]) return;
        const h = ih * v[i] / maxY;
        y0 -= h;
        bars += `<rect x="${PAD.l + iw * i / n + 1}" y="${y0}" width="${bw}" height="${h}" fill="${COLORS[k % COLORS.length]}"><title>${esc(name)}: ${v[i]}</title></rect>`;
      });
    }
    const total = totals.reduce((a, b) => a + b, 0);
    return `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="orders per channel">${axes(ch.buckets, maxY)}${bars}</svg>
      <div class="legend">${series.map(([name, v], k) => `<span><i style="background:${COLORS[k % COLORS.length]}"></i>${esc(name)} (${v.reduce((a, b) => a + b, 0)})</span>`).join('')}
      <span>${total} orders in the hour</span></div>`;
  }
  function lagChart(ch) {
    const lag = ch.syncLagMs, n = ch.buckets.length, iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b;
    const all = [...lag.p95, ...lag.p50].filter(v => v !== null);
    const maxY = niceMax(Math.max(...all, 0));
    const line = (values, color) => {
      let d = '', dots = '';
      values.forEach((v, i) => {
        if (v === null) return;
        const x = PAD.l + iw * (i + 0.5) / n, y = PAD.t + ih - ih * v / maxY;
        d += (d ? ' L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
        dots += `<circle cx="${x}" cy="${y}" r="2.5" fill="${color}"><title>${Math.round(v)} ms</title></circle>`;
      });
      return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
    };
    const count = lag.deliveries.reduce((a, b) => a + b, 0);
    return `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="sync lag">${axes(ch.buckets, maxY, '')}
      ${line(lag.p95, '#c27c0e')}${line(lag.p50, '#2f7dd3')}
      ${count ? '' : `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="13" fill="#6b7685">no available-to-sell deliveries in the last hour</text>`}</svg>
      <div class="legend"><span><i style="background:#2f7dd3"></i>median</span><span><i style="background:#c27c0e"></i>95th percentile</span>
      <span>${count} deliveries</span></div>`;
  }

  /* ---------- inventory ---------- */
  async function renderInventory(view, quiet) {
    const q = state.param || '';
    if (!quiet || !$('#inventory-grid')) {
      view.innerHTML = `<h1>Inventory</h1><div class="toolbar"><input type="search" id="sku-search" placeholder="Search by sku or name" value="${esc(q)}">
        <span class="subtle" id="inventory-total"></span></div><div class="panel" id="inventory-panel"><p class="subtle">Loading…</p></div>`;
      let t;
      $('#sku-search').addEventListener('input', e => {
        clearTimeout(t);
        t = setTimeout(() => { history.replaceState(null, '', '#inventory/' + encodeURIComponent(e.target.value)); state.param = e.target.value; renderInventory(view, true); }, 250);
      });
    }
    const inv = await api('/api/console/inventory?limit=100&q=' + encodeURIComponent(state.param || ''));
    const nodes = inv.nodes;
    $('#inventory-total').textContent = `${inv.rows.length} of ${inv.total} skus`;
    $('#inventory-panel').innerHTML = `<div style="overflow-x:auto"><table id="inventory-grid"><thead><tr><th>Sku</th>
      ${nodes.map(n => `<th class="num node-head">${esc(n.id)}<div class="type subtle">${esc(n.type.toLowerCase())}${n.enabled ? '' : ' · off'}</div></th>`).join('')}
      ${inv.channels.map(c => `<th class="num node-head">ATS ${esc(c)}<div class="type subtle">last sent</div></th>`).join('')}</tr></thead><tbody>
      ${inv.rows.length ? inv.rows.map(r => `<tr data-sku="${esc(r.sku)}"><td><strong>${esc(r.sku)}</strong><div class="subtle">${esc(r.name)}</div></td>
        ${nodes.map(n => { const s = r.stock[n.id]; return s ? `<td class="num" title="on hand ${s.onHand}, reserved ${s.reserved}, safety stock ${s.safety}">
          <div class="cell-atp ${s.atp ? '' : 'zero'}">${s.atp}</div><div class="cell-sub">${s.onHand} oh · ${s.reserved} res · ${s.safety} ss</div>
          ${s.needsCount ? pill('needs count', 'warn') : ''}</td>` : '<td class="num subtle">–</td>'; }).join('')}
        ${inv.channels.map(c => { const a = r.ats[c]; return a ? `<td class="num"><div class="cell-atp">${a.available === null ? '?' : a.available}</div>
          <div class="cell-sub">${ago(a.sentAt)}</div></td>` : '<td class="num subtle">not sent</td>'; }).join('')}</tr>`).join('')
        : `<tr><td class="empty" colspan="${1 + nodes.length + inv.channels.length}">No sku matches “${esc(state.param)}”.</td></tr>`}
      </tbody></table></div><p class="subtle">Each cell: available to promise (on hand − reserved − safety stock), then on hand · reserved · safety stock.</p>`;
  }

  /* ---------- orders ---------- */
  async function renderOrders(view, quiet) {
    if (!quiet || !$('#orders-table')) {
      view.innerHTML = `<h1>Orders</h1><div class="toolbar"><input type="search" id="order-search" placeholder="Search by order id, channel or status">
        <span class="subtle">new orders and status changes appear live</span></div>
        <div class="panel"><table id="orders-table"><thead><tr><th>Order</th><th>Channel</th><th>Status</th><th>Fulfillment</th>
        <th>Nodes</th><th class="num">Units</th><th>Received</th></tr></thead><tbody><tr><td colspan="7" class="empty">Loading…</td></tr></tbody></table></div>`;
      let t;
      $('#order-search').addEventListener('input', () => { clearTimeout(t); t = setTimeout(() => renderOrders(view, true), 250); });
    }
    const q = ($('#order-search') || {}).value || '';
    const orders = await api('/api/console/orders?limit=100&q=' + encodeURIComponent(q));
    const tbody = $('#orders-table tbody');
    if (!tbody) return;
    tbody.innerHTML = orders.length ? orders.map(o => `<tr class="clickable ${state.flash.has(o.id) ? 'flash' : ''}" data-order-id="${esc(o.id)}">
      <td><strong>${esc(o.id)}</strong><div class="subtle">${esc(o.channelOrderId)}</div></td><td>${esc(o.channel)}</td>
      <td>${statusPill(o.status)}</td><td>${esc(String(o.fulfillmentType).replace(/_/g, ' ').toLowerCase())}</td>
      <td>${esc(o.nodes) || '<span class="subtle">–</span>'}</td><td class="num">${o.units}</td>
      <td class="subtle" title="${esc(o.receivedAt)}">${fmtTime(o.receivedAt)}</td></tr>`).join('')
      : '<tr><td colspan="7" class="empty">No orders yet.</td></tr>';
    state.flash.clear();
    tbody.querySelectorAll('tr[data-order-id]').forEach(tr => tr.addEventListener('click',
      () => { location.hash = '#orders/' + encodeURIComponent(tr.dataset.orderId); }));
  }

  async function renderOrder(view, id) {
    const o = await api('/api/console/orders/' + encodeURIComponent(id));
    if (state.view !== 'orders' || state.param !== id) return;
    const sentences = o.decisionSentences || [];
    const cancellable = !['CANCELLED', 'SHIPPED', 'REJECTED'].includes(o.status);
    const cancelButton = cancellable ? `<button id="cancel-order" class="btn btn-small" ${state.me.canOperate ? ''
      : 'disabled title="only an operator may cancel"'}>Cancel order</button>` : '';
    view.innerHTML = `<div class="toolbar"><a href="#orders" id="back-to-orders">← Orders</a><div class="spacer"></div>${cancelButton}</div>
      <div id="order-detail" data-order-id="${esc(o.id)}">
      <h1>Order ${esc(o.id)} ${statusPill(o.status)}</h1>
      <div class="grid grid-2">
        <div class="panel"><h2>Order</h2><dl class="dl">
          <dt>Channel</dt><dd>${esc(o.channel)} · ${esc(o.channelOrderId)}</dd>
          <dt>Fulfillment</dt><dd>${esc(String(o.fulfillmentType).replace(/_/g, ' ').toLowerCase())}</dd>
          <dt>Placed</dt><dd>${fmtTime(o.placedAt)}</dd><dt>Received</dt><dd>${fmtTime(o.receivedAt)}</dd>
          <dt>Last change</dt><dd>${fmtTime(o.updatedAt)}</dd></dl>
          <h2 style="margin-top:16px">Lines</h2><table id="order-lines"><thead><tr><th>#</th><th>Sku</th><th class="num">Qty</th><th class="num">Price</th></tr></thead><tbody>
          ${o.lines.map(l => `<tr><td>${l.lineNo}</td><td>${esc(l.sku)}</td><td class="num">${l.quantity}</td><td class="num">${esc(l.unitPrice)}</td></tr>`).join('')}</tbody></table>
          ${o.reservations.length ? `<h2 style="margin-top:16px">Reservations</h2><table><thead><tr><th>Node</th><th>Sku</th><th class="num">Qty</th><th>Status</th></tr></thead><tbody>
            ${o.reservations.map(r => `<tr><td>${esc(r.nodeId)}</td><td>${esc(r.sku)}</td><td class="num">${r.quantity}</td><td>${statusPill(r.status)}</td></tr>`).join('')}</tbody></table>` : ''}
        </div>
        <div>
          <div class="panel" id="decision"><h2>Routing decision</h2>
            ${o.decision ? `<ul class="sentences" id="decision-sentences">${decisionItems(sentences)}</ul>
              <details><summary>decision as recorded (JSON)</summary><pre class="payload">${esc(JSON.stringify(o.decision, null, 2))}</pre></details>`
              : '<p class="subtle" id="no-decision">Not routed yet: the decision appears here once the router has chosen nodes.</p>'}
          </div>
          <div class="panel"><h2>Timeline</h2><ul class="timeline" id="timeline">
            ${o.timeline.map(e => `<li data-kind="${esc(e.kind)}"><strong>${esc(e.kind.replace(/_/g, ' ').toLowerCase())}</strong>
              <span class="when">${fmtTime(e.at)}</span><div class="subtle">${esc(e.detail)}</div></li>`).join('')}
            ${o.callbacks.map(d => `<li data-kind="CALLBACK"><strong>channel told</strong> ${statusPill(d.status)} <span class="when">${fmtTime(d.deliveredAt || d.createdAt)}</span>
              ${d.lastError ? `<div class="error-text">${esc(d.lastError)}</div>` : ''}</li>`).join('')}
          </ul></div>
        </div>
      </div>
      <div class="panel"><details><summary>canonical order (JSON)</summary><pre class="payload">${esc(JSON.stringify(o.payload, null, 2))}</pre></details></div>
      </div>`;
    const cancel = $('#cancel-order');
    if (cancel) cancel.addEventListener('click', async () => {
      const reason = window.prompt(`Cancel order ${o.id}? Its reservations are released and the channel is told. Reason:`, '');
      if (reason === null) return;
      cancel.disabled = true;
      try {
        const r = await api(`/api/console/orders/${encodeURIComponent(o.id)}/cancel?reason=${encodeURIComponent(reason)}`, { method: 'POST' });
        toast(`Order ${r.orderId} cancelled; ${r.reservationsReleased} reservation(s) released`);
      } catch (e) { toast(e.message, true); }
      render(true);
    });
  }

  /* the decision in sentences: the summary, nodes, rule and policy first, then one line per candidate considered */
  function decisionItems(sentences) {
    const router = sentences.some(x => x.kind === 'summary');
    let headed = false;
    return sentences.map(x => {
      let head = '';
      if (router && !headed && ['chosen', 'kept', 'dropped'].includes(x.kind)) {
        headed = true;
        head = '<li class="sentences-head" id="candidates-head">Candidates considered</li>';
      }
      return `${head}<li class="${esc(x.kind)}">${esc(x.text)}</li>`;
    }).join('');
  }

  /* ---------- routing: simulations, pilot comparison, node audit ---------- */
  const pct = v => v === null || v === undefined ? '–' : (Math.round(v * 1000) / 10) + '%';
  const num = (v, d) => v === null || v === undefined ? '–' : String(parseFloat((+v).toFixed(d === undefined ? 2 : d)));
  function typeName(t) { return { WAREHOUSE: 'warehouse', STORE: 'store', DROPSHIP: 'drop-ship', UNKNOWN: 'unknown' }[t] || String(t).toLowerCase(); }

  async function renderRouting(view, quiet) {
    const [sims, policies, comparison, audit] = await Promise.all([api('/api/routing/simulations?limit=30'),
      api('/api/routing/policies'), api('/api/routing/pilot/comparison'), api('/api/routing/audit')]);
    if (state.view !== 'routing' || state.param) return;
    if (quiet && $('#simulations-panel')) {
      // a poll: only the simulations' progress moves
      $('#simulations-panel').innerHTML = simulationsTable(sims);
      bindSimulationRows();
      return;
    }
    const inForce = policies.inForce;
    const versions = policies.versions || [];
    const op = state.me.canOperate;
    view.innerHTML = `<h1>Routing</h1>
      <div class="panel"><h2>Policy in force: version ${inForce.version}
        ${inForce.pilot ? pill('pilot: version ' + inForce.pilot.version, 'accent') : ''}</h2>
        <p class="subtle">${inForce.windowed ? 'A scheduled window is in force (version ' + inForce.windowed + '); ' : ''}active version ${esc(inForce.activated)}.
        ${inForce.pilot ? `The pilot decides ${[inForce.pilot.percent !== null ? inForce.pilot.percent + '% of orders' : 'every order',
          inForce.pilot.channel ? 'of channel ' + esc(inForce.pilot.channel) : '', inForce.pilot.region ? 'shipping to ' + esc(inForce.pilot.region) : ''].filter(Boolean).join(' ')}.` : 'No pilot is running.'}</p></div>
      <div class="panel" id="pilot-comparison"><h2>Pilot vs active policy <span class="subtle">same period, from the recorded decisions</span></h2>
        ${pilotComparison(comparison)}</div>
      <div class="panel"><h2>What-if simulations <span class="subtle">a policy replayed on past orders; nothing live is touched</span></h2>
        <form id="simulation-form" class="form-row">
          <label>Candidate policy<select id="sim-version">${versions.slice().reverse().map(v => `<option value="${v.version}">version ${v.version}${v.comment ? ' · ' + esc(v.comment) : ''}</option>`).join('')}</select></label>
          <label>Past orders of the last<select id="sim-hours"><option value="1">hour</option><option value="24" selected>24 hours</option><option value="168">7 days</option><option value="720">30 days</option></select></label>
          <label>Channel<input id="sim-channel" placeholder="any" size="10"></label>
          <button class="btn btn-primary" id="start-simulation" type="submit" ${op ? '' : 'disabled title="only an operator may start a simulation"'}>Simulate</button>
        </form>
        <div id="simulations-panel" style="margin-top:14px">${simulationsTable(sims)}</div></div>
      <div class="panel" id="node-audit"><h2>Node audit <span class="subtle">last 24 hours; thresholds: rejection rate ${pct(audit.thresholds.maxRejectionRate)}
        (from ${audit.thresholds.minOrders} orders), p95 time to ship ${audit.thresholds.maxP95HoursToShip} h</span></h2>${auditTable(audit)}</div>`;
    bindSimulationRows();
    $('#simulation-form').addEventListener('submit', async e => {
      e.preventDefault();
      const to = new Date(), from = new Date(to.getTime() - (+$('#sim-hours').value) * 3600 * 1000);
      const body = { version: +$('#sim-version').value, from: from.toISOString(), to: to.toISOString() };
      if ($('#sim-channel').value.trim()) body.channel = $('#sim-channel').value.trim();
      try {
        const r = await api('/api/routing/simulations', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
        toast(`Simulation ${r.id} started`);
        location.hash = '#routing/' + encodeURIComponent(r.id);
      } catch (err) { toast(err.message, true); }
    });
  }

  function simulationsTable(sims) {
    if (!sims.length) return '<p class="subtle" id="no-simulations">No simulation yet.</p>';
    return `<table id="simulations"><thead><tr><th>Simulation</th><th>Status</th><th>Progress</th><th>Candidate</th><th>Window</th>
      <th class="num">Orders</th><th class="num">Changed</th><th>Started</th></tr></thead><tbody>
      ${sims.map(x => { const r = x.request || {}; const p = x.total ? Math.round(100 * x.done / x.total) : (x.status === 'DONE' ? 100 : 0);
        return `<tr class="clickable" data-simulation-id="${esc(x.id)}"><td><strong>${esc(x.id)}</strong><div class="subtle">by ${esc(x.author)}</div></td>
        <td>${statusPill(x.status)}${x.error ? `<div class="error-text">${esc(x.error)}</div>` : ''}</td>
        <td><div class="progress"><div style="width:${p}%"></div></div><div class="subtle">${x.done} of ${x.total} orders</div></td>
        <td>${r.version ? 'version ' + r.version : 'a document'}${r.channel ? ' · ' + esc(r.channel) : ''}${r.region ? ' · ' + esc(r.region) : ''}</td>
        <td class="subtle">${fmtTime(r.from)} – ${fmtTime(r.to)}</td><td class="num">${x.orders === null ? '' : x.orders}</td>
        <td class="num">${x.changedCount === null ? '' : x.changedCount}</td><td class="subtle">${ago(x.createdAt)}</td></tr>`; }).join('')}</tbody></table>`;
  }
  function bindSimulationRows() {
    document.querySelectorAll('#simulations tr[data-simulation-id]').forEach(tr => tr.addEventListener('click',
      () => { location.hash = '#routing/' + encodeURIComponent(tr.dataset.simulationId); }));
  }

  /* rows of a side-by-side table: [label, left, right, lowerIsBetter] */
  function figureRows(a, b) {
    const types = [...new Set([...Object.keys(a.ordersPerNodeType || {}), ...Object.keys(b.ordersPerNodeType || {})])].sort();
    const nodes = [...new Set([...Object.keys(a.ordersPerNode || {}), ...Object.keys(b.ordersPerNode || {})])].sort();
    const rows = [
      ['Orders', a.orders, b.orders, null, v => v],
      ['Routed', a.routed, b.routed, false, v => v],
      ['Unfulfillable', a.unfulfillable, b.unfulfillable, true, v => v],
      ['Split rate', a.splitRate, b.splitRate, true, pct],
      ['Shipments per order', a.shipmentsPerOrder, b.shipmentsPerOrder, true, v => num(v)],
      ['Average distance', a.avgDistanceMiles, b.avgDistanceMiles, true, v => v === null || v === undefined ? '–' : num(v, 1) + ' mi'],
      ['95th percentile distance', a.p95DistanceMiles, b.p95DistanceMiles, true, v => v === null || v === undefined ? '–' : num(v, 1) + ' mi'],
      ['Cost per order', a.costPerOrder, b.costPerOrder, true, v => v === null || v === undefined ? '–' : '$' + (+v).toFixed(2)]];
    if (a.overDailyCap !== undefined || b.overDailyCap !== undefined) rows.push(['Orders over a store\'s daily cap', a.overDailyCap, b.overDailyCap, true, v => v]);
    rows.push(['section', 'Shipments by node type']);
    types.forEach(t => rows.push([typeName(t), (a.ordersPerNodeType || {})[t] || 0, (b.ordersPerNodeType || {})[t] || 0, null, v => v, 'type-' + t]));
    rows.push(['section', 'Shipments by node']);
    nodes.forEach(n => rows.push([n, (a.ordersPerNode || {})[n] || 0, (b.ordersPerNode || {})[n] || 0, null, v => v, 'node-' + n]));
    return rows;
  }
  function compareTable(id, a, b, left, right) {
    return `<table class="compare" id="${id}"><thead><tr><th></th><th class="num">${esc(left)}</th><th class="num">${esc(right)}</th><th class="num">Difference</th></tr></thead><tbody>
      ${figureRows(a, b).map(([label, x, y, lower, f, key]) => {
        if (label === 'section') return `<tr class="section"><td colspan="4">${esc(x)}</td></tr>`;
        // no difference against a side that decided no order
        const both = typeof x === 'number' && typeof y === 'number' && a.orders > 0 && b.orders > 0;
        const d = both ? y - x : null;
        const cls = d && lower !== null ? ((d > 0) === lower ? 'up' : 'down') : '';
        const shown = d === null || d === 0 ? '' : (d > 0 ? '+' : '−') + f(Math.abs(d));
        return `<tr data-metric="${esc(key || label)}"><td>${esc(label)}</td><td class="num">${f(x)}</td><td class="num">${f(y)}</td><td class="num delta ${cls}">${shown}</td></tr>`;
      }).join('')}</tbody></table>`;
  }

  function pilotComparison(c) {
    const p = c.pilot, a = c.active;
    const scope = [c.channel ? 'channel ' + c.channel : '', c.region ? 'ship-to region ' + c.region : ''].filter(Boolean).join(', ') || 'every order';
    const head = `<p class="subtle">${fmtTime(c.from)} – ${fmtTime(c.to)} · ${esc(scope)}${c.pilotVersion ? ' · pilot version ' + c.pilotVersion : ''}</p>`;
    if (!p.orders && !a.orders) return head + '<p class="subtle" id="no-comparison">No routed orders in this period yet.</p>';
    const versions = f => Object.entries(f.policyVersions || {}).map(([v, n]) => `v${esc(v)}: ${n}`).join(', ') || '–';
    return head + (p.orders ? '' : '<p class="subtle" id="pilot-empty">The pilot decided no order in this period: only the active policy\'s figures are shown.</p>') +
      compareTable('pilot-table', a, p, 'Active policy', 'Pilot') +
      `<p class="subtle">Decided by: active ${versions(a)}; pilot ${versions(p)}. Unfulfillable rate: active ${pct(a.unfulfillableRate)}, pilot ${pct(p.unfulfillableRate)}.</p>`;
  }

  function auditTable(audit) {
    return `<table id="audit-table"><thead><tr><th>Node</th><th class="num">Routed</th><th class="num">Rejections</th><th class="num">Rejection rate</th>
      <th class="num">Hours to ship p50 / p95</th><th class="num">Days at cap</th><th class="num">Cost per order</th><th></th></tr></thead><tbody>
      ${audit.nodes.map(n => `<tr data-node-id="${esc(n.nodeId)}"><td><strong>${esc(n.nodeId)}</strong> <span class="subtle">${typeName(n.type)}</span>${n.paused ? ' ' + pill('paused', 'warn') : ''}</td>
        <td class="num">${n.ordersRouted}</td><td class="num" title="${esc(Object.entries(n.rejectionsByReason).map(([k, v]) => k + ': ' + v).join(', '))}">${n.rejections}</td>
        <td class="num">${pct(n.rejectionRate)}</td><td class="num">${num(n.hoursToShipP50, 1)} / ${num(n.hoursToShipP95, 1)}</td>
        <td class="num">${n.daysAtCap}</td><td class="num">$${(+n.costPerOrder).toFixed(2)}</td>
        <td>${n.alerts.map(k => pill(k.replace(/_/g, ' ').toLowerCase(), 'bad')).join(' ')}</td></tr>`).join('')}</tbody></table>`;
  }

  async function renderSimulation(view, id, quiet) {
    const s = await api('/api/routing/simulations/' + encodeURIComponent(id));
    if (state.view !== 'routing' || state.param !== id) return;
    if (quiet && s.status !== 'RUNNING' && $('#simulation-detail') && $('#simulation-detail').dataset.status === s.status) return;
    const r = s.request || {};
    const p = s.total ? Math.round(100 * s.done / s.total) : (s.status === 'DONE' ? 100 : 0);
    const rep = s.report;
    view.innerHTML = `<div class="toolbar"><a href="#routing" id="back-to-routing">← Routing</a><div class="spacer"></div>
      ${s.status === 'RUNNING' ? `<button id="cancel-simulation" class="btn btn-small" ${state.me.canOperate ? '' : 'disabled'}>Cancel</button>` : ''}</div>
      <div id="simulation-detail" data-simulation-id="${esc(s.id)}" data-status="${esc(s.status)}">
      <h1>Simulation ${esc(s.id)} ${statusPill(s.status)}</h1>
      <div class="panel"><dl class="dl"><dt>Candidate</dt><dd>${r.version ? 'policy version ' + r.version : 'a policy document'}${rep ? ' (decisions name it “' + esc(rep.policyVersion) + '”)' : ''}</dd>
        <dt>Past orders</dt><dd>${fmtTime(r.from)} – ${fmtTime(r.to)}${r.channel ? ' · channel ' + esc(r.channel) : ''}${r.region ? ' · region ' + esc(r.region) : ''}</dd>
        <dt>Progress</dt><dd><div class="progress" style="max-width:320px"><div style="width:${p}%"></div></div>
          <span class="subtle" id="simulation-progress">${s.done} of ${s.total} orders</span></dd>
        <dt>Started</dt><dd>${fmtTime(s.createdAt)} by ${esc(s.author)}${s.finishedAt ? ' · finished ' + fmtTime(s.finishedAt) : ''}</dd></dl>
        ${s.error ? `<p class="error-text">${esc(s.error)}</p>` : ''}</div>
      ${rep ? `<div class="grid grid-2">
        <div class="panel"><h2>Actual vs simulated <span class="subtle">${rep.orders} orders</span></h2>${compareTable('simulation-table', rep.actual, rep.simulated, 'Actual', 'Simulated')}</div>
        <div class="panel chart bars" id="simulation-chart"><h2>Shipments by node <span class="subtle">actual vs simulated</span></h2>${comparisonChart(rep.actual, rep.simulated)}</div></div>
        ${fidelityPanel(rep.fidelity)}
        <div class="panel"><h2>Orders whose node changed <span class="subtle">${rep.changedCount} in all${rep.changedCount > rep.changed.length ? ', the first ' + rep.changed.length + ' listed' : ''}</span></h2>
        ${changedTable(rep.changed)}</div>` : ''}</div>`;
    const cancel = $('#cancel-simulation');
    if (cancel) cancel.addEventListener('click', async () => {
      try { await api('/api/routing/simulations/' + encodeURIComponent(id), { method: 'DELETE' }); toast('Simulation cancelled'); } catch (e) { toast(e.message, true); }
      render(true);
    });
  }

  /* how faithful the replay is: the recorded policies replayed over the window, and the orders they do not reproduce */
  function fidelityPanel(f) {
    if (!f || !f.checked) return '';
    const all = f.unreproducibleCount === 0;
    return `<div class="panel" id="simulation-fidelity" data-reproduced="${f.reproduced}" data-decided="${f.decided}">
      <h2>Fidelity <span class="subtle">the policies that decided these orders, replayed over the same window</span></h2>
      <p id="fidelity-line">${all ? pill('faithful', 'ok') : pill('not all reproduced', 'warn')}
        The replay reproduces <strong>${f.reproduced}</strong> of ${f.decided} recorded decisions${all ? '' : `; the other ${f.unreproducibleCount} are listed here and left out of the changed orders`}.</p>
      ${all ? '' : `<table id="unreproducible-orders"><thead><tr><th>Order</th><th>Why the replay differs</th></tr></thead><tbody>
        ${f.unreproducible.map(u => `<tr data-order-id="${esc(u.orderId)}"><td><a href="#orders/${encodeURIComponent(u.orderId)}">${esc(u.orderId)}</a>
          <div class="subtle">${fmtTime(u.receivedAt)}</div></td><td>${esc(u.reason)}</td></tr>`).join('')}</tbody></table>`}</div>`;
  }

  function changedTable(changed) {
    if (!changed.length) return '<p class="subtle" id="no-changes">Every order would go where it went.</p>';
    const side = (outcome, nodes, summary) => `${statusPill(outcome)} <strong>${esc((nodes || []).join(', ') || 'no node')}</strong><div class="subtle">${esc(summary)}</div>`;
    return `<table id="changed-orders"><thead><tr><th>Order</th><th>Actual</th><th>Simulated</th></tr></thead><tbody>
      ${changed.map(c => `<tr data-order-id="${esc(c.orderId)}"><td><a href="#orders/${encodeURIComponent(c.orderId)}">${esc(c.orderId)}</a>
        <div class="subtle">${fmtTime(c.receivedAt)}</div></td><td>${side(c.actualOutcome, c.actualNodes, c.actualSummary)}</td>
        <td>${side(c.simulatedOutcome, c.simulatedNodes, c.simulatedSummary)}</td></tr>`).join('')}</tbody></table>`;
  }

  /* grouped horizontal bars, hand-drawn SVG: per node type then per node, actual and simulated */
  function comparisonChart(a, b) {
    const groups = [];
    const keys = (x, y) => [...new Set([...Object.keys(x || {}), ...Object.keys(y || {})])].sort();
    keys(a.ordersPerNodeType, b.ordersPerNodeType).forEach(t => groups.push([typeName(t) + ' (all)', (a.ordersPerNodeType || {})[t] || 0, (b.ordersPerNodeType || {})[t] || 0]));
    keys(a.ordersPerNode, b.ordersPerNode).forEach(n => groups.push([n, (a.ordersPerNode || {})[n] || 0, (b.ordersPerNode || {})[n] || 0]));
    groups.push(['unfulfillable', a.unfulfillable || 0, b.unfulfillable || 0]);
    const max = Math.max(1, ...groups.map(g => Math.max(g[1], g[2])));
    const rowH = 30, left = 130, width = 600, barW = width - left - 50, h = groups.length * rowH + 10;
    let svg = '';
    groups.forEach(([label, x, y], i) => {
      const top = 5 + i * rowH;
      svg += `<text x="${left - 8}" y="${top + 17}" text-anchor="end" font-size="11" fill="#1c2430">${esc(label)}</text>`;
      svg += `<rect class="bar-actual" x="${left}" y="${top + 3}" width="${barW * x / max}" height="11" fill="#5b6b82"><title>actual: ${x}</title></rect>`;
      svg += `<text x="${left + barW * x / max + 4}" y="${top + 12}" font-size="10" fill="#6b7685">${x}</text>`;
      svg += `<rect class="bar-simulated" x="${left}" y="${top + 15}" width="${barW * y / max}" height="11" fill="#2f7dd3"><title>simulated: ${y}</title></rect>`;
      svg += `<text x="${left + barW * y / max + 4}" y="${top + 24}" font-size="10" fill="#6b7685">${y}</text>`;
    });
    return `<svg viewBox="0 0 ${width} ${h}" width="100%" role="img" aria-label="shipments by node, actual and simulated">
      <line x1="${left}" x2="${left}" y1="0" y2="${h}" stroke="#e3e7ee"/>${svg}</svg>
      <div class="legend"><span><i style="background:#5b6b82"></i>actual</span><span><i style="background:#2f7dd3"></i>simulated</span></div>`;
  }

  /* ---------- node audit alert banner (every page) ---------- */
  let auditAt = 0;
  async function checkAudit(force) {
    if (!force && Date.now() - auditAt < 3000) return;
    auditAt = Date.now();
    let audit;
    try { audit = await api('/api/routing/audit'); } catch (e) { return; }
    const th = audit.thresholds;
    const items = [];
    audit.nodes.forEach(n => n.alerts.forEach(kind => {
      const reasons = Object.entries(n.rejectionsByReason || {}).map(([k, v]) => `${v} ${k.replace(/_/g, ' ').toLowerCase()}`).join(', ');
      const text = kind === 'REJECTION_RATE'
        ? `<strong>${esc(n.nodeId)}</strong> keeps rejecting orders: rejection rate ${pct(n.rejectionRate)} (${n.rejections} rejected${reasons ? ': ' + esc(reasons) : ''}, ${n.ordersRouted} routed) is past the threshold of ${pct(th.maxRejectionRate)}. Check its counts or its staffing.`
        : `<strong>${esc(n.nodeId)}</strong> is slow to ship: 95% of its orders shipped within ${num(n.hoursToShipP95, 1)} h of routing, past the threshold of ${th.maxP95HoursToShip} h. Check its staffing.`;
      items.push(`<div class="alert-item" data-node-id="${esc(n.nodeId)}" data-alert="${esc(kind)}">⚠ ${text}</div>`);
    }));
    const banner = $('#alert-banner');
    banner.innerHTML = items.join('') + (items.length ? '<div class="subtle"><a href="#routing">node audit</a></div>' : '');
    banner.hidden = !items.length;
  }

  /* ---------- failures ---------- */
  async function renderFailures(view) {
    const f = await api('/api/console/failures');
    if (state.view !== 'failures') return;
    const op = state.me.canOperate;
    const dis = op ? '' : 'disabled title="only an operator may replay"';
    view.innerHTML = `<h1>Failures</h1>
      <div class="panel"><h2>Dead letters <span class="subtle">messages a route could not process, kept with their payload</span></h2>
      <table id="dead-letters"><thead><tr><th>#</th><th>When</th><th>Source / route</th><th>Category</th><th>Error</th><th></th></tr></thead><tbody>
      ${f.deadLetters.length ? f.deadLetters.map(d => `<tr data-dead-letter-id="${d.id}"><td>${d.id}</td><td class="subtle">${fmtTime(d.createdAt)}</td>
        <td>${esc(d.source)}<div class="subtle mono">${esc(d.routeId)}</div></td><td>${pill(d.category, 'bad')}</td>
        <td><span class="error-text">${esc(d.error)}</span>${d.replayResult ? `<div class="subtle">last replay: ${esc(d.replayResult)}</div>` : ''}
          <details><summary>original payload</summary><pre class="payload">${esc(pretty(d.payload))}</pre>
          ${d.headers ? `<div class="subtle">headers</div><pre class="payload">${esc(pretty(d.headers))}</pre>` : ''}</details></td>
        <td><button class="btn btn-primary btn-small replay-dead-letter" data-id="${d.id}" ${dis}>Replay</button></td></tr>`).join('')
        : '<tr><td colspan="6" class="empty" id="no-dead-letters">No open dead letters.</td></tr>'}</tbody></table></div>
      <div class="panel"><h2>Failed deliveries <span class="subtle">channel callbacks that gave up after their last attempt</span></h2>
      <table id="dead-deliveries"><thead><tr><th>#</th><th>Channel</th><th>Kind</th><th>Key</th><th class="num">Attempts</th><th>Last error</th><th></th></tr></thead><tbody>
      ${f.deadDeliveries.length ? f.deadDeliveries.map(d => `<tr data-delivery-id="${d.id}"><td>${d.id}</td><td>${esc(d.channel)}</td><td>${esc(d.kind)}</td>
        <td class="mono">${esc(d.key)}</td><td class="num">${d.attempts}</td>
        <td><span class="error-text">${esc(d.lastError)}</span><div class="subtle">${fmtTime(d.createdAt)}</div>
          <details><summary>payload</summary><pre class="payload">${esc(pretty(d.payload))}</pre></details></td>
        <td><button class="btn btn-primary btn-small replay-delivery" data-id="${d.id}" ${dis}>Replay</button></td></tr>`).join('')
        : '<tr><td colspan="7" class="empty" id="no-dead-deliveries">No failed deliveries.</td></tr>'}</tbody></table></div>
      <div class="panel"><h2>Replayed deliveries <span class="subtle">what each replay sent, and its status now</span></h2>
      ${replayedTable(f.replayedDeliveries || [])}</div>
      ${op ? '' : '<p class="subtle">You are signed in read-only: replay needs the operator role.</p>'}`;
    // follow a replayed delivery until the channel has it (or it fails again)
    if ((f.replayedDeliveries || []).some(r => r.status === 'PENDING')) {
      setTimeout(() => { if (state.view === 'failures') render(true); }, 1000);
    }
    view.querySelectorAll('.replay-dead-letter').forEach(b => b.addEventListener('click', () => replay(b, 'dead-letters')));
    view.querySelectorAll('.replay-delivery').forEach(b => b.addEventListener('click', () => replay(b, 'deliveries')));
  }

  function replayedTable(rows) {
    if (!rows.length) return '<p class="subtle" id="no-replayed-deliveries">No delivery replayed yet.</p>';
    return `<table id="replayed-deliveries"><thead><tr><th>#</th><th>Replayed</th><th>Channel</th><th>Kind</th><th>Key</th><th>Replay</th>
      <th>Sent</th><th>Status now</th></tr></thead><tbody>
      ${rows.map(r => `<tr data-replayed-delivery-id="${r.id}" data-status="${esc(r.status)}"><td>${r.id}</td><td class="subtle">${fmtTime(r.at)} by ${esc(r.by)}</td>
        <td>${esc(r.channel)}</td><td>${esc(r.kind)}</td><td class="mono">${esc(r.key)}</td><td>${statusPill(r.outcome)}</td>
        <td>${r.sentId === r.id ? 'this one' : r.outcome === 'SUPERSEDED' ? 'nothing (newer figure #' + r.sentId + ')' : 'newest figure #' + r.sentId}</td>
        <td>${statusPill(r.status)} ${r.deliveredAt ? `<span class="subtle">${fmtTime(r.deliveredAt)}</span>` : ''}
          ${r.lastError && r.status !== 'DELIVERED' ? `<div class="error-text">${esc(r.lastError)}</div>` : ''}</td></tr>`).join('')}</tbody></table>`;
  }

  function pretty(text) {
    if (!text) return '';
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  async function replay(button, kind) {
    button.disabled = true;
    try {
      const r = await api(`/api/console/${kind}/${button.dataset.id}/replay`, { method: 'POST' });
      toast(`#${r.id}: ${r.outcome.replace(/_/g, ' ').toLowerCase()} (${r.message})`, r.outcome.startsWith('FAILED'));
    } catch (e) {
      toast(e.message, true);
    }
    render(true);
  }

  /* ---------- reconciliation: runs, and the drifts of the one chosen (the latest by default) ---------- */
  async function renderReconciliation(view, quiet) {
    const [runs, channels] = await Promise.all([api('/api/reconciliations?limit=20'), api('/api/reconciliations/channels')]);
    if (state.view !== 'reconciliation') return;
    const pick = $('#reconcile-channel');
    const picked = pick ? pick.value : 'marketplace';
    const chosen = state.param || (runs.length ? String(runs[0].id) : null);
    const detail = chosen ? await api('/api/reconciliations/' + encodeURIComponent(chosen) + '?drifts=200') : null;
    if (state.view !== 'reconciliation') return;
    const op = state.me.canOperate;
    const dis = op ? '' : 'disabled title="only an operator may start a run"';
    view.innerHTML = `<h1>Reconciliation</h1>
      <div class="toolbar"><select id="reconcile-channel" ${dis}>${channels.map(c => `<option value="${esc(c.channel)}" ${c.channel === picked ? 'selected' : ''}>${esc(c.channel)}${c.reportOnly ? ' (report only)' : ''}</option>`).join('')}</select>
        <button class="btn btn-primary" id="start-reconciliation" ${dis}>Reconcile now</button>
        <span class="subtle">reads the channel's figures back, records each drift and repairs it with a corrective delivery</span></div>
      <div class="panel"><h2>Runs</h2><table id="reconciliation-runs"><thead><tr><th>#</th><th>Channel</th><th>Started</th><th>Status</th>
        <th class="num">Pages</th><th class="num">Skus read</th><th class="num">Drifts</th><th class="num">Repaired</th><th class="num">429s</th></tr></thead><tbody>
      ${runs.length ? runs.map(r => `<tr data-run-id="${r.id}" class="clickable"><td>${r.id}</td><td>${esc(r.channel)}${r.reportOnly ? ' ' + pill('report only') : ''}</td>
        <td class="subtle">${fmtTime(r.startedAt)} · ${esc(r.trigger.toLowerCase())}</td><td>${statusPill(r.status)}${r.error ? `<div class="error-text">${esc(r.error)}</div>` : ''}</td>
        <td class="num">${r.pages}</td><td class="num">${r.skusRead}</td><td class="num">${r.drifts}</td><td class="num">${r.repaired}</td><td class="num">${r.rateLimited}</td></tr>`).join('')
        : '<tr><td colspan="9" class="empty" id="no-reconciliations">No run yet.</td></tr>'}</tbody></table></div>
      ${detail ? `<div class="panel"><h2>Drifts of run ${detail.run.id} <span class="subtle">${detail.run.drifts} found, ${detail.run.repaired} repaired, ${detail.run.repairing} being repaired</span></h2>
        <table id="reconciliation-drifts"><thead><tr><th>Sku</th><th class="num">Channel shows</th><th class="num">Hub says</th><th class="num">Last delivered</th><th>Cause</th><th>Repair</th></tr></thead><tbody>
        ${detail.drifts.length ? detail.drifts.map(d => `<tr data-drift-sku="${esc(d.sku)}" data-repaired="${d.repairedAt ? 'true' : 'false'}"><td class="mono">${esc(d.sku)}</td>
          <td class="num">${d.channelFigure === undefined || d.channelFigure === null ? 'not listed' : d.channelFigure}</td><td class="num">${d.hubFigure}</td>
          <td class="num">${d.lastDelivered === undefined || d.lastDelivered === null ? '–' : d.lastDelivered}${d.lastDeliveredAt ? `<div class="cell-sub">${ago(d.lastDeliveredAt)}</div>` : ''}</td>
          <td>${pill(d.cause.replace(/_/g, ' ').toLowerCase(), 'warn')}</td>
          <td>${d.repairedAt ? pill('repaired', 'ok') + ` <span class="subtle">${fmtTime(d.repairedAt)}</span>` : d.deliveryId ? pill('delivery #' + d.deliveryId) : pill('reported')}</td></tr>`).join('')
          : '<tr><td colspan="6" class="empty" id="no-drifts">No drift: the channel shows what the hub says.</td></tr>'}</tbody></table></div>` : ''}`;
    view.querySelectorAll('#reconciliation-runs tr[data-run-id]').forEach(tr => tr.addEventListener('click', () => {
      location.hash = '#reconciliation/' + tr.dataset.runId;
    }));
    const start = $('#start-reconciliation');
    if (start) start.addEventListener('click', async () => {
      start.disabled = true;
      try {
        const r = await api('/api/reconciliations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: $('#reconcile-channel').value }) });
        toast(`run #${r.id} started`);
        location.hash = '#reconciliation/' + r.id;
      } catch (e) {
        toast(e.message, true);
        start.disabled = false;
      }
    });
  }

  /* ---------- inventory KPIs: a chart per KPI, a click on a bar shows the rows behind it ---------- */
  /* horizontal bars, hand-drawn SVG; each row {key, label, value, text}, clickable when the chart has an id */
  function barChart(id, rows, max, color, label) {
    const rowH = 26, left = 170, width = 600, barW = width - left - 110, h = Math.max(rows.length, 1) * rowH + 6;
    const top = Math.max(max, 1e-9);
    let svg = '';
    rows.forEach((r, i) => {
      const y = 3 + i * rowH;
      svg += `<g class="kpi-bar clickable" data-key="${esc(r.key)}"><rect x="0" y="${y}" width="${width}" height="${rowH}" fill="transparent"/><text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="11" fill="#1c2430">${esc(r.label)}</text>
        <rect x="${left}" y="${y + 4}" width="${Math.max(barW * r.value / top, r.value > 0 ? 2 : 0)}" height="15" fill="${color}"><title>${esc(r.label)}: ${esc(r.text)}</title></rect>
        <text x="${left + barW * r.value / top + 6}" y="${y + 16}" font-size="10" fill="#6b7685">${esc(r.text)}</text></g>`;
    });
    if (!rows.length) svg = `<text x="10" y="18" font-size="12" fill="#6b7685">nothing in the window yet</text>`;
    return `<svg id="${id}" viewBox="0 0 ${width} ${h}" width="100%" role="img" aria-label="${esc(label)}">
      <line x1="${left}" x2="${left}" y1="0" y2="${h}" stroke="#e3e7ee"/>${svg}</svg>`;
  }
  function seconds(s) {
    if (s === null || s === undefined) return '–';
    return s < 120 ? s.toFixed(1) + ' s' : s < 7200 ? (s / 60).toFixed(1) + ' min' : (s / 3600).toFixed(1) + ' h';
  }
  async function renderKpis(view, quiet) {
    const k = await api('/api/reconciliations/kpis');
    if (state.view !== 'kpis') return;
    const [kind, key] = state.param ? [state.param.split(':')[0], state.param.slice(state.param.indexOf(':') + 1)] : [null, null];
    let rows = null;
    if (kind === 'node') rows = await api('/api/cycle-counts?limit=200&node=' + encodeURIComponent(key));
    else if (kind === 'drift') {
      const [channel, day] = key.split('@');
      rows = await api('/api/reconciliations/drifts?channel=' + encodeURIComponent(channel) + '&day=' + encodeURIComponent(day));
    } else rows = await api('/api/cycle-counts?limit=50');
    if (state.view !== 'kpis') return;
    const acc = k.accuracy.filter(a => a.counts > 0);
    const accuracy = barChart('kpi-accuracy', acc.map(a => ({ key: 'node:' + a.nodeId, label: a.nodeId, value: a.accuracy,
      text: `${Math.round(a.accuracy * 100)}% (${a.withinTolerance}/${a.counts})` })), 1, '#1e8e5a', 'inventory accuracy per node');
    const units = barChart('kpi-variance', acc.map(a => ({ key: 'node:' + a.nodeId, label: a.nodeId, value: a.varianceUnits,
      text: a.varianceUnits + ' units' })), Math.max(...acc.map(a => a.varianceUnits), 1), '#c27c0e', 'units of variance per node');
    const drift = barChart('kpi-drift', k.driftPerDay.map(d => ({ key: 'drift:' + d.channel + '@' + d.day, label: d.day + ' · ' + d.channel,
      value: d.drifts, text: `${d.drifts} (${d.repaired} repaired)` })), Math.max(...k.driftPerDay.map(d => d.drifts), 1), '#c8372d', 'drift per channel per day');
    const repair = barChart('kpi-repair', k.timeToRepair.filter(r => r.repaired > 0).map(r => ({ key: 'channel:' + r.channel, label: r.channel,
      value: r.meanSeconds, text: `${seconds(r.meanSeconds)} mean, ${seconds(r.maxSeconds)} longest, ${r.repaired} repaired` })),
      Math.max(...k.timeToRepair.map(r => r.meanSeconds || 0), 1e-9), '#2f7dd3', 'mean time to repair a drift per channel');
    const countRows = list => list.length ? list.map(c => `<tr data-count-id="${c.id}"><td>${c.id}</td><td>${esc(c.nodeId)}</td><td class="mono">${esc(c.sku)}</td>
        <td>${pill(c.trigger.replace(/_/g, ' ').toLowerCase())}<div class="cell-sub">${esc(c.reason || '')}</div></td><td>${statusPill(c.status)}${c.sentTo ? `<div class="cell-sub">${esc(c.sentTo)}</div>` : ''}</td>
        <td class="num">${c.expected ?? '–'}</td><td class="num">${c.counted ?? '–'}</td><td class="num">${c.variance ?? '–'}</td>
        <td>${c.withinTolerance === true ? pill('within', 'ok') : c.withinTolerance === false ? pill('outside', 'bad') : ''}</td><td class="subtle">${fmtTime(c.countedAt || c.requestedAt)}</td></tr>`).join('')
      : '<tr><td colspan="10" class="empty">No cycle count.</td></tr>';
    const drillTitle = kind === 'node' ? `Cycle counts at ${esc(key)}` : kind === 'drift' ? `Drifts at ${esc(key.split('@')[0])} on ${esc(key.split('@')[1])}` : 'Latest cycle counts';
    const drill = kind === 'drift'
      ? `<table id="kpi-rows"><thead><tr><th>Run</th><th>Sku</th><th class="num">Channel shows</th><th class="num">Hub says</th><th>Cause</th><th>Repair</th></tr></thead><tbody>
        ${rows.length ? rows.map(d => `<tr data-drift-sku="${esc(d.sku)}"><td><a href="#reconciliation/${d.runId}">${d.runId}</a></td><td class="mono">${esc(d.sku)}</td>
          <td class="num">${d.channelFigure ?? 'not listed'}</td><td class="num">${d.hubFigure}</td><td>${pill(d.cause.replace(/_/g, ' ').toLowerCase(), 'warn')}</td>
          <td>${d.repairedAt ? pill('repaired', 'ok') + ` <span class="subtle">${seconds((new Date(d.repairedAt) - new Date(d.foundAt)) / 1000)}</span>` : d.deliveryId ? pill('delivery #' + d.deliveryId) : pill('reported')}</td></tr>`).join('')
          : '<tr><td colspan="6" class="empty">No drift.</td></tr>'}</tbody></table>`
      : `<table id="kpi-rows"><thead><tr><th>#</th><th>Node</th><th>Sku</th><th>Why</th><th>Status</th><th class="num">Ledger</th><th class="num">Counted</th><th class="num">Variance</th><th>Tolerance</th><th>When</th></tr></thead>
        <tbody>${countRows(rows)}</tbody></table>`;
    view.innerHTML = `<h1>Inventory KPIs <span class="subtle">last ${k.windowDays} days</span></h1>
      <div class="grid grid-2">
        <div class="panel chart bars"><h2>Inventory accuracy per node <span class="subtle">counts within tolerance / counts</span></h2>${accuracy}</div>
        <div class="panel chart bars"><h2>Units of variance per node</h2>${units}</div>
        <div class="panel chart bars"><h2>Drift per channel per day</h2>${drift}</div>
        <div class="panel chart bars"><h2>Mean time to repair a drift</h2>${repair}</div>
      </div>
      <div class="panel"><h2 id="kpi-rows-title">${drillTitle} ${state.param ? '<a class="subtle" href="#kpis">(all)</a>' : ''}</h2>${drill}</div>`;
    view.querySelectorAll('.kpi-bar').forEach(g => g.addEventListener('click', () => {
      if (!g.dataset.key.startsWith('channel:')) location.hash = '#kpis/' + g.dataset.key;
    }));
  }

  /* ---------- live updates ---------- */
  function connectEvents() {
    const es = new EventSource('/api/console/events');
    const live = $('#live');
    es.addEventListener('hello', () => { live.classList.add('on'); $('#live-text').textContent = 'live'; });
    es.onerror = () => { live.classList.remove('on'); $('#live-text').textContent = 'reconnecting'; };
    es.addEventListener('orders', e => {
      const ids = JSON.parse(e.data).orderIds || [];
      ids.forEach(id => state.flash.add(id));
      if (state.view === 'orders' && !state.param) renderOrders($('#view'), true);
      else if (state.view === 'orders' && ids.includes(state.param)) render(true);
      else if (state.view === 'overview') render(true);
    });
    es.addEventListener('failures', e => {
      const f = JSON.parse(e.data);
      setFailureCount(f.openDeadLetters + f.deadDeliveries);
      if (state.view === 'failures') render(true);
    });
    es.addEventListener('progress', e => {
      const panel = $('#progress-panel');
      if (panel) panel.innerHTML = '<h2>Long-running work</h2>' + progressTable(JSON.parse(e.data));
    });
  }
  function setFailureCount(n) {
    const el = $('#failure-count');
    el.textContent = n ? String(n) : '';
    el.dataset.n = String(n);
  }

  async function start() {
    state.me = await api('/api/console/me');
    $('#user-name').textContent = state.me.name;
    $('#user-role').textContent = state.me.canOperate ? 'operator' : 'viewer';
    $('#user-role').className = 'pill ' + (state.me.canOperate ? 'accent' : '');
    if (state.me.csrfToken) {
      const input = $('#logout-csrf');
      input.name = '_csrf';
      input.value = state.me.csrfToken;
    }
    window.addEventListener('hashchange', route);
    route();
    connectEvents();
    setInterval(() => checkAudit(true), 60000);
  }
  start().catch(e => { $('#view').innerHTML = `<div class="panel error-text">${esc(e.message)}</div>`; });
})();
