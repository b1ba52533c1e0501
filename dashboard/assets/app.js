// vigil dashboard. Plain DOM, no framework, no build step.
//
// Safety rule: every string that comes from the program (thread names,
// resource names, sites, panic messages, event messages) reaches the page
// through text nodes (`append(string)` / `textContent`). Nothing here
// assigns innerHTML or outerHTML, or builds markup from strings.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const page = new URLSearchParams(location.search);
  const REFRESH_MIN_MS = 1000;   // at most one refresh per second from events
  const POLL_MS = 2000;          // polling fallback
  const POLL_LIVE_MS = 5000;     // keeps "since" columns fresh while live
  const MAX_EVENTS = 200;

  const view = { name: '', state: '', external: true };
  const state = {
    timer: null, last: 0, inflight: false, again: false,
    events: [], mode: 'connecting', es: null, poller: null,
  };

  // === building DOM safely ===
  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function td(cls, ...children) { return el('td', cls, ...children); }
  function titled(node, title) { if (title) node.title = String(title); return node; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fill(tbody, rows, cols, emptyText) {
    clear(tbody);
    if (!rows.length) {
      const c = td('empty', emptyText);
      c.colSpan = cols;
      tbody.append(el('tr', null, c));
      return;
    }
    const frag = document.createDocumentFragment();
    for (const r of rows) frag.append(r);
    tbody.append(frag);
  }

  // === formatting ===
  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v < 1000) return v + ' ms';
    if (v < 60000) return (v / 1000).toFixed(1) + ' s';
    if (v < 3600000) return Math.floor(v / 60000) + 'm ' + Math.floor((v % 60000) / 1000) + 's';
    return Math.floor(v / 3600000) + 'h ' + Math.floor((v % 3600000) / 60000) + 'm';
  }
  function us(v) {
    if (!v) return '0';
    if (v < 1000) return v + ' µs';
    if (v < 1000000) return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' ms';
    return (v / 1000000).toFixed(2) + ' s';
  }
  function who(w) {
    if (!w) return '–';
    return (w.name !== null && w.name !== undefined ? w.name : 'unnamed') + ' #' + w.id;
  }
  function res(r) { return r ? r.kind + ' ' + r.name : '–'; }
  function badge(text, cls) { return el('span', 'badge ' + cls, text); }
  function card(id, value, level) {
    const c = $(id);
    c.querySelector('.num').textContent = String(value);
    c.classList.toggle('bad', level === 'bad' && value > 0);
    c.classList.toggle('warn', level === 'warn' && value > 0);
  }

  // === fetching ===
  async function getJSON(url) {
    const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) {
      let msg = r.status + ' ' + r.statusText;
      try { const b = await r.json(); if (b && b.error) msg = b.error; } catch (_) { /* not JSON */ }
      throw new Error(msg);
    }
    return r.json();
  }

  function snapshotURL() {
    const q = new URLSearchParams();
    q.set('limit', '500');
    q.set('resources_limit', '5000');
    q.set('resources_sort', 'busy');
    if (view.state) q.set('state', view.state);
    if (view.name) q.set('name', view.name);
    if (!view.external) q.set('external', 'false');
    return '/api/snapshot?' + q.toString();
  }

  async function refresh() {
    if (state.inflight) { state.again = true; return; }
    state.inflight = true;
    state.last = Date.now();
    try {
      const [snap, report] = await Promise.all([getJSON(snapshotURL()), getJSON('/api/report')]);
      render(snap, report);
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      if (state.mode === 'error') setMode(state.es ? 'live' : 'polling');
    } catch (e) {
      setMode('error', String(e && e.message ? e.message : e));
    } finally {
      state.inflight = false;
      if (state.again) { state.again = false; schedule(); }
    }
  }

  // Throttled: events may arrive by the thousand; refresh at most once a second.
  function schedule() {
    if (state.timer) return;
    const wait = Math.max(0, REFRESH_MIN_MS - (Date.now() - state.last));
    state.timer = setTimeout(() => { state.timer = null; refresh(); }, wait);
  }

  function setMode(mode, detail) {
    state.mode = mode;
    const live = $('live');
    const text = { live: 'live (events)', polling: 'polling', connecting: 'connecting…', error: 'error' }[mode] || mode;
    live.textContent = detail ? text + ': ' + detail : text;
    live.className = 'pill ' + (mode === 'live' ? 'pill-live' : mode === 'error' ? 'pill-down' : 'pill-wait');
  }

  function notice(text) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = !text;
  }

  function startPolling(interval) {
    if (state.poller) clearInterval(state.poller);
    state.poller = setInterval(refresh, interval);
  }

  function connect() {
    if (!window.EventSource || page.get('live') === 'poll') {
      setMode('polling');
      startPolling(POLL_MS);
      return;
    }
    const es = new EventSource('/api/events');
    state.es = es;
    es.onopen = () => { setMode('live'); startPolling(POLL_LIVE_MS); };
    es.onmessage = (m) => {
      try { addEvent(JSON.parse(m.data)); } catch (_) { /* ignore a malformed event */ }
      schedule();
    };
    es.addEventListener('missed', (m) => {
      try { notice(JSON.parse(m.data).missed + ' events were dropped before they reached this page'); } catch (_) { /* ignore */ }
      schedule();
    });
    es.addEventListener('lagged', (m) => {
      let missed = '?';
      try { missed = JSON.parse(m.data).missed; } catch (_) { /* ignore */ }
      notice('this page fell behind (' + missed + ' events missed); reconnecting');
      es.close();
      state.es = null;
      setMode('polling');
      startPolling(POLL_MS);
      setTimeout(connect, 1000);
      schedule();
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        state.es = null;
        setTimeout(connect, 5000);
      }
      setMode('polling');
      startPolling(POLL_MS);
    };
  }

  // === events ===
  function addEvent(e) {
    state.events.push(e);
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    renderEvents();
  }
  let eventsDirty = false;
  function renderEvents() {
    if (eventsDirty) return;
    eventsDirty = true;
    requestAnimationFrame(() => {
      eventsDirty = false;
      const list = $('events');
      clear(list);
      const frag = document.createDocumentFragment();
      for (let i = state.events.length - 1; i >= 0; i--) {
        const e = state.events[i];
        const t = new Date(e.time_ms).toLocaleTimeString();
        frag.append(el('li', null, el('span', 'time', '#' + e.seq + ' ' + t), el('span', 'kind ev-' + e.kind, e.kind), el('span', null, e.message)));
      }
      list.append(frag);
      $('events-count').textContent = state.events.length ? '(last ' + state.events.length + ')' : '';
    });
  }

  // === rendering ===
  function render(snap, report) {
    const c = snap.counts;
    const locks = [], channels = [], contexts = [], pools = [], counters = [];
    for (const r of snap.resources) {
      if (r.kind === 'mutex' || r.kind === 'rw_lock') { if (r.stats && r.stats.wait) locks.push(r); }
      else if (r.kind === 'channel') { if (r.stats && r.stats.flavor !== undefined) channels.push(r); }
      else if (r.kind === 'context') contexts.push(r);
      else if (r.kind === 'pool' || r.kind === 'worker_pool') pools.push(r);
      else if (r.kind === 'waitgroup' || r.kind === 'wait_group' || r.kind === 'semaphore' || r.kind === 'barrier') counters.push(r);
    }
    const starving = locks.filter((r) => r.stats.starving).length;
    card('c-workers', c.workers);
    card('c-running', c.running);
    card('c-blocked', c.blocked, 'warn');
    card('c-leaks', report.leaks.length, 'warn');
    card('c-deadlocks', report.deadlocks.length, 'bad');
    card('c-races', report.races.length, 'bad');
    card('c-starving', starving, 'bad');
    card('c-resources', c.resources);
    // Normal under load (the history is a bounded ring), so not a warning.
    card('c-dropped', c.dropped_events);
    $('uptime').textContent = 'up ' + ms(snap.uptime_ms);

    renderFindings(report);
    renderWorkers(snap);
    renderLocks(locks);
    renderChannels(channels);
    renderContexts(contexts);
    renderPools(pools, counters);
    const shown = snap.resources.length, total = snap.page.resources_total;
    if (shown < total) notice('showing the ' + shown + ' busiest of ' + total + ' resources');
  }

  function renderFindings(report) {
    const body = $('findings-body');
    clear(body);
    if (!report.leaks.length && !report.deadlocks.length && !report.races.length) {
      body.append(el('p', 'good', 'No findings: no suspected leaks, deadlocks or data races.'));
      return;
    }
    for (const d of report.deadlocks) {
      const f = el('div', 'finding deadlock');
      f.append(el('div', 'title', 'Deadlock (' + d.kind + '): ' + d.message));
      f.append(el('div', null, 'threads: ' + d.threads.map(who).join(', ')));
      f.append(el('div', null, 'locks: ' + d.resources.map(res).join(', ')));
      if (d.edges && d.edges.length) {
        const ul = el('ul');
        for (const e of d.edges) {
          let line = who(e.waiter) + ' at ' + e.waiter_site;
          if (e.waiting_ms !== null && e.waiting_ms !== undefined) line += ' waiting ' + ms(e.waiting_ms);
          line += ' for ' + res(e.resource);
          if (e.holder) line += ', held by ' + who(e.holder) + (e.holder_site ? ' since ' + e.holder_site : '') + (e.held_ms !== null && e.held_ms !== undefined ? ' (' + ms(e.held_ms) + ')' : '');
          ul.append(el('li', 'mono', line));
        }
        f.append(ul);
      } else if (d.sites && d.sites.length) {
        const ul = el('ul');
        for (const s of d.sites) ul.append(el('li', 'mono', s));
        f.append(ul);
      }
      body.append(f);
    }
    // Where a side's thread came from (Go's "created at"), when vigil spawned it.
    const spawned = a => a.spawned_at && el('span', 'sub', ' \u2014 spawned at ' + a.spawned_at + (a.parent ? ' by ' + who(a.parent) : ''));
    for (const r of report.races) {
      const f = el('div', 'finding race');
      f.append(el('div', 'title', 'Data race (' + r.kind + ') on ' + res(r.resource)));
      f.append(el('div', 'side', el('b', null, r.current.op), ' by ' + who(r.current.thread) + ' at ', el('code', null, r.current.site), spawned(r.current)));
      f.append(el('div', 'side', 'previous ', el('b', null, r.previous.op), ' by ' + who(r.previous.thread) + ' at ', el('code', null, r.previous.site), spawned(r.previous)));
      body.append(f);
    }
    // Leaks stuck the same way (same state, op, resource and site, spawned
    // at the same place) are one finding with a count, as a goroutine
    // profile groups identical stacks: a leak under load is hundreds of them.
    for (const group of leakGroups(report.leaks)) {
      const l = group[0];
      const f = el('div', 'finding leak');
      const b = l.blocked_on;
      let title = 'Suspected leak';
      if (group.length > 1) {
        const names = group.slice(0, LEAK_NAMES_SHOWN).map((g) => who(g.worker)).join(', ');
        const more = group.length > LEAK_NAMES_SHOWN ? ', \u2026' : '';
        title += ' \u00d7' + group.length + ': ' + names + more;
        if (b) title += ' blocked up to ' + ms(Math.max(...group.map((g) => g.blocked_on.since_ms)));
      } else {
        title += ': ' + who(l.worker);
        if (b) title += ' blocked ' + ms(b.since_ms);
      }
      if (b) title += ' in ' + b.op + (b.resource ? ' on ' + res(b.resource) : '');
      f.append(el('div', 'title', title));
      if (b && b.summary) f.append(el('div', 'sub', b.summary));
      if (b) f.append(el('div', null, 'at ', el('code', null, b.site)));
      const parents = [...new Set(group.filter((g) => g.parent).map((g) => who(g.parent)))];
      f.append(el('div', null, 'spawned at ', el('code', null, l.spawned_at || '–'), parents.length ? ' by ' + parents.join(', ') : ''));
      body.append(f);
    }
  }

  const LEAK_NAMES_SHOWN = 5;

  // The leaks in report order, grouped by how they are stuck.
  function leakGroups(leaks) {
    const groups = new Map();
    for (const l of leaks) {
      const b = l.blocked_on;
      const key = JSON.stringify([l.state, b && b.op, b && b.resource && b.resource.kind, b && b.resource && b.resource.name, b && b.site, l.spawned_at]);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(l);
    }
    return groups.values();
  }

  function renderWorkers(snap) {
    const rows = snap.workers.map((w) => {
      const b = w.blocked_on;
      const name = td(null, w.name !== null && w.name !== undefined ? w.name : el('span', 'muted', 'unnamed'));
      if (w.external) name.append(badge('outside', 'st-external'));
      let on = td(null, '–');
      if (b) {
        on = td(null, el('span', 'op', b.op), b.resource ? ' on ' + res(b.resource) : '');
        if (b.resources && b.resources.length > 1) on.append(' +' + (b.resources.length - 1) + ' more');
        if (b.summary) on.append(el('div', 'sub', b.summary));
        on.append(el('div', 'sub mono', b.site));
      } else if (w.panic) {
        on = td(null, el('span', 'sub', 'panic: ' + w.panic));
      }
      const since = b ? 'blocked ' + ms(b.since_ms) : 'age ' + ms(w.age_ms);
      return el('tr', null, td('num', w.id), name, td(null, badge(w.state, 'st-' + w.state)), on,
        td('num', since), td('site', w.spawned_at || '–'), td(null, w.parent ? who(w.parent) : '–'));
    });
    fill($('workers').tBodies[0], rows, 7, 'no workers match');
    const p = snap.page;
    $('workers-count').textContent = p.workers_total > snap.workers.length
      ? '(' + snap.workers.length + ' of ' + p.workers_total + ')'
      : '(' + p.workers_total + ')';
  }

  function renderLocks(locks) {
    const rows = locks.map((r) => {
      const s = r.stats;
      const holder = s.owner ? who(s.owner) + (s.held_ms !== null && s.held_ms !== undefined ? ' for ' + ms(s.held_ms) : '') : (s.readers ? s.readers + ' readers' : '–');
      const mode = s.starving ? badge('STARVING', 'st-starving') : badge('normal', 'st-normal');
      const waiters = td('num', s.waiters);
      if (s.waiting && s.waiting.length) waiters.title = s.waiting.map((x) => who(x.worker) + ' ' + ms(x.since_ms) + ' at ' + x.site).join('\n');
      return el('tr', null, titled(td(null, r.name, el('div', 'sub mono', r.site)), r.summary), td(null, r.kind), td(null, holder), waiters,
        td('num', us(s.wait.p50_us)), td('num', us(s.wait.p99_us)), td('num', us(s.hold.p50_us)), td('num', us(s.hold.p99_us)),
        td(null, mode, s.poisoned ? badge('poisoned', 'st-panicked') : null),
        td('num', '↑' + s.starvation_entered + ' ↓' + s.starvation_exited),
        td('num', s.contended + ' / ' + s.acquisitions));
    });
    fill($('locks').tBodies[0], rows, 11, 'no instrumented locks alive');
    $('locks-count').textContent = locks.length ? '(' + locks.length + ')' : '';
  }

  function renderChannels(channels) {
    const rows = channels.map((r) => {
      const s = r.stats;
      const names = (ws) => ws.length ? ws.length + ': ' + ws.map((x) => who(x.worker) + ' ' + ms(x.since_ms)).join(', ') : '0';
      const queued = s.len + ' / ' + (s.capacity === null || s.capacity === undefined ? '∞' : s.capacity);
      return el('tr', null, titled(td(null, r.name, el('div', 'sub mono', r.site)), r.summary), td(null, s.flavor, s.disconnected_ms_ago !== null && s.disconnected_ms_ago !== undefined ? el('div', 'sub', 'disconnected') : null),
        td('num', queued), td('num', s.senders), td('num', s.receivers), td(s.blocked_senders.length ? 'warn' : null, names(s.blocked_senders)),
        td(null, names(s.blocked_receivers)), td('num', s.sent), td('num', s.received));
    });
    fill($('channels').tBodies[0], rows, 9, 'no instrumented channels alive');
    $('channels-count').textContent = channels.length ? '(' + channels.length + ')' : '';
  }

  function renderContexts(contexts) {
    const box = $('contexts');
    clear(box);
    $('contexts-count').textContent = contexts.length ? '(' + contexts.length + ')' : '';
    if (!contexts.length) { box.append(el('p', 'muted', 'no contexts alive')); return; }
    const byId = new Map(contexts.map((c) => [c.id, c]));
    const kids = new Map();
    const roots = [];
    for (const c of contexts) {
      const p = c.stats ? c.stats.parent : null;
      if (p !== null && p !== undefined && byId.has(p)) {
        if (!kids.has(p)) kids.set(p, []);
        kids.get(p).push(c);
      } else roots.push(c);
    }
    function node(c, depth) {
      const s = c.stats || {};
      let st;
      if (s.cancelled_ms_ago !== null && s.cancelled_ms_ago !== undefined) st = badge((s.cause || 'cancelled') + ' ' + ms(s.cancelled_ms_ago) + ' ago', 'st-finished');
      else if (s.deadline_in_ms !== null && s.deadline_in_ms !== undefined) st = badge('deadline in ' + ms(Math.max(0, s.deadline_in_ms)), 'st-blocked');
      else st = badge('active', 'st-running');
      const li = el('li', null, el('b', null, c.name), ' ', el('span', 'muted', s.context_kind || ''), ' ', st);
      const ch = kids.get(c.id);
      if (ch && depth < 64) {
        const ul = el('ul', 'tree');
        for (const k of ch) ul.append(node(k, depth + 1));
        li.append(ul);
      }
      return li;
    }
    const ul = el('ul', 'tree');
    for (const r of roots) ul.append(node(r, 0));
    box.append(ul);
  }

  function renderPools(pools, counters) {
    const rows = pools.map((r) => {
      const s = r.stats || {};
      return el('tr', null, titled(td(null, r.name), r.site), td(null, r.kind), td('num', s.size), td('num', s.busy), td('num', s.queued), td('num', s.completed), td('num', s.hits + ' / ' + s.misses));
    });
    fill($('pools').tBodies[0], rows, 7, 'no pools alive');
    $('pools-count').textContent = pools.length ? '(' + pools.length + ')' : '';
    const crow = counters.map((r) => {
      const s = r.stats || {};
      const count = s.capacity !== null && s.capacity !== undefined ? s.count + ' / ' + s.capacity : s.count;
      return el('tr', null, titled(td(null, r.name), r.site), td(null, r.kind), td('num', count), td('num', s.waiters));
    });
    fill($('counters').tBodies[0], crow, 4, 'none alive');
  }

  // === controls ===
  function bind() {
    let typing = null;
    $('worker-filter').addEventListener('input', (e) => {
      clearTimeout(typing);
      typing = setTimeout(() => { view.name = e.target.value.trim(); refresh(); }, 200);
    });
    $('worker-state').addEventListener('change', (e) => { view.state = e.target.value; refresh(); });
    $('worker-external').addEventListener('change', (e) => { view.external = e.target.checked; refresh(); });
  }

  bind();
  refresh();
  connect();
})();
