// The delay-task dashboard: plain DOM, no framework, no build step, nothing
// from another origin. Data goes into the page as text (textContent), never as
// HTML, so a task key or payload cannot inject markup. Every list is paged by
// the API, so the page stays fast however many tasks there are.
(function () {
  'use strict';

  const body = document.body;
  const base = body.dataset.base || './';
  const readOnly = body.dataset.readOnly === 'true';
  const traceUrl = body.dataset.traceUrl || '';
  /** Fields of a task the tables show in their own columns; any other is listed under "More". */
  const KNOWN_FIELDS = new Set([
    'key',
    'payload',
    'dueAt',
    'runAt',
    'attempt',
    'state',
    'leaseExpiresAt',
    'owner',
    'trace',
  ]);
  /** Fields of a dead letter the detail shows by name. */
  const DEAD_FIELDS = new Set(['failedAt', 'error']);
  const $ = (selector, root) => (root || document).querySelector(selector);

  /** Redis' clock minus this browser's, from the last overview: due times are on Redis' clock. */
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;

  // ---- talking to the API -------------------------------------------------

  async function api(path, init) {
    const response = await fetch(base + 'api/' + path, {
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      ...init,
    });
    const text = await response.text();
    // A proxy in front may answer an error as HTML: then the status line is the message.
    const data = parseJson(text);
    if (!response.ok) {
      const message = data && data.message ? data.message : response.statusText;
      throw new Error(
        response.status + ': ' + (Array.isArray(message) ? message.join(', ') : message),
      );
    }
    return data;
  }

  function parseJson(text) {
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  const query = (params) =>
    Object.entries(params)
      .filter(([, value]) => value !== undefined && value !== '' && value !== null)
      .map(([name, value]) => encodeURIComponent(name) + '=' + encodeURIComponent(value))
      .join('&');

  function showMessage(text, isError) {
    const box = $('#message');
    box.textContent = text;
    box.className = isError ? 'error' : 'ok';
    box.hidden = false;
  }

  /** Runs an action, reports its outcome, and refreshes what it changed. */
  async function act(label, action, refresh) {
    try {
      await action();
      showMessage(label);
    } catch (error) {
      showMessage(error.message, true);
    }
    if (refresh) await refresh();
  }

  // ---- building DOM -------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (name === 'className') node.className = value;
      else if (name === 'onclick') node.addEventListener('click', value);
      else if (name in node && typeof value !== 'string') node[name] = value;
      else node.setAttribute(name, value === true ? '' : value);
    });
    children.flat().forEach((child) => {
      if (child === undefined || child === null) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function fillBody(table, rows, emptyText, columns) {
    const tbody = $('tbody', table);
    tbody.replaceChildren(
      ...(rows.length > 0
        ? rows
        : [el('tr', { className: 'empty' }, el('td', { colSpan: columns }, emptyText))]),
    );
  }

  // ---- formatting ---------------------------------------------------------

  function duration(ms) {
    const abs = Math.abs(ms);
    if (abs < 1000) return Math.round(abs) + ' ms';
    const units = [
      ['d', 86_400_000],
      ['h', 3_600_000],
      ['min', 60_000],
      ['s', 1000],
    ];
    for (const [unit, size] of units) {
      if (abs >= size) return Number((abs / size).toFixed(abs >= 10 * size ? 0 : 1)) + ' ' + unit;
    }
    return abs + ' ms';
  }

  const seconds = (s) => (s < 1 ? Number((s * 1000).toFixed(1)) + ' ms' : duration(s * 1000));

  /** A bucket bound as a short axis label: 2.5ms, 10s, 5m, 1h. */
  function shortBound(s) {
    if (s < 1) return Number((s * 1000).toFixed(1)) + 'ms';
    if (s < 60) return s + 's';
    return s < 3600 ? s / 60 + 'm' : s / 3600 + 'h';
  }
  const clock = (epochMs) => new Date(epochMs - clockOffsetMs).toLocaleString();

  function relative(epochMs) {
    const delta = epochMs - now();
    return delta >= 0 ? 'in ' + duration(delta) : duration(delta) + ' ago';
  }

  /** A moment, relative to now; a due time that has passed is marked late. */
  function when(epochMs, isDue) {
    return el(
      'time',
      { title: clock(epochMs), className: isDue && epochMs < now() ? 'late' : '' },
      relative(epochMs),
    );
  }

  const count = (n) => Number(n).toLocaleString();

  function traceId(trace) {
    const parts = String(trace).split(' ')[0].split('-');
    return parts.length >= 3 ? parts[1] : String(trace);
  }

  function extraFields(task) {
    const extra = Object.keys(task).filter((name) => !KNOWN_FIELDS.has(name));
    return el(
      'span',
      { className: 'extra' },
      extra.map((name) => el('span', {}, name + ': ' + JSON.stringify(task[name]))),
    );
  }

  // ---- bars (histograms, timeline) -----------------------------------------

  /** Bars of `items` ({ label, value, title }); heights are set through CSSOM, which CSP allows. */
  function bars(container, items) {
    const highest = Math.max(1, ...items.map((item) => item.value));
    container.replaceChildren(
      ...items.map((item) => {
        const fill = el('span', { className: 'fill' });
        fill.style.height = (100 * item.value) / highest + '%';
        return el(
          'div',
          { className: 'bar', title: item.title },
          el('span', { className: 'track' }, fill),
          el('span', { className: 'count' }, item.value > 0 ? count(item.value) : ''),
          el('span', { className: 'label' }, item.label),
        );
      }),
    );
  }

  function latenessBars(container, summaryNode, counts, bounds) {
    let previous = 0;
    const items = bounds.map((bound, index) => {
      const value = counts.buckets[index] - previous;
      previous = counts.buckets[index];
      return {
        label: shortBound(bound),
        value,
        title: value + ' deliveries ≤ ' + seconds(bound) + ' late',
      };
    });
    const beyond = counts.count - previous;
    items.push({
      label: '>' + shortBound(bounds[bounds.length - 1]),
      value: beyond,
      title: beyond + ' deliveries later',
    });
    bars(container, items);
    summaryNode.textContent =
      counts.count === 0
        ? '— none yet'
        : '— ' +
          count(counts.count) +
          ' deliveries, mean ' +
          seconds(counts.sumSeconds / counts.count) +
          ', p50 ≤ ' +
          quantile(counts, bounds, 0.5) +
          ', p99 ≤ ' +
          quantile(counts, bounds, 0.99);
  }

  function quantile(counts, bounds, q) {
    const index = counts.buckets.findIndex((cumulative) => cumulative >= q * counts.count);
    return index < 0 ? '> ' + seconds(bounds[bounds.length - 1]) : seconds(bounds[index]);
  }

  // ---- overview -------------------------------------------------------------

  let overview = null;
  let span = 'hour';

  async function loadOverview() {
    try {
      const [stats, instances] = await Promise.all([api('stats'), api('instances')]);
      overview = stats;
      clockOffsetMs = stats.timeline.now - Date.now();
      renderOverview(stats, instances);
    } catch (error) {
      showMessage(error.message, true);
    }
  }

  function renderOverview(stats, instances) {
    $('#count-pending').textContent = count(stats.pending);
    $('#count-overdue').textContent = count(stats.overdue);
    $('#count-active').textContent = count(stats.active);
    $('#count-dead').textContent = count(stats.dead);
    $('#oldest-overdue').textContent =
      stats.oldestOverdueMs > 0 ? duration(stats.oldestOverdueMs) : 'none';
    fillBody(
      $('#unhandled'),
      stats.unhandled.map((group) =>
        el(
          'tr',
          {},
          el('td', { className: 'key' }, group.pattern),
          el('td', {}, count(group.count)),
          el('td', { className: 'key' }, group.oldestKey),
          el('td', {}, duration(group.oldestOverdueMs)),
        ),
      ),
      'Every overdue task has a live instance that handles it.',
      4,
    );
    renderTimeline();
    const { lateness } = stats;
    $('#lateness-note').textContent =
      '(every delivery since start, summed over ' +
      lateness.instances +
      ' live instance' +
      (lateness.instances === 1 ? '' : 's') +
      ')';
    latenessBars(
      $('#lateness-scheduled'),
      $('#lateness-scheduled-summary'),
      lateness.scheduled,
      lateness.boundsSeconds,
    );
    latenessBars(
      $('#lateness-keyspace'),
      $('#lateness-keyspace-summary'),
      lateness.keyspace,
      lateness.boundsSeconds,
    );
    fillBody(
      $('#instances'),
      instances.map((instance) => {
        const load = el('meter', { min: 0, max: instance.concurrency, value: instance.inFlight });
        return el(
          'tr',
          {},
          el('td', { className: 'key' }, instance.id),
          el('td', {}, instance.host + ' / ' + instance.pid),
          el(
            'td',
            { className: 'key' },
            instance.patterns.length > 0 ? instance.patterns.join('  ') : '(schedules only)',
          ),
          el('td', {}, load, ' ' + instance.inFlight + ' / ' + instance.concurrency),
          el('td', {}, when(instance.startedAt)),
          el('td', {}, when(instance.lastSeenAt)),
        );
      }),
      'No live instance.',
      6,
    );
  }

  function renderTimeline() {
    if (!overview) return;
    const windows = overview.timeline[span];
    bars(
      $('#timeline'),
      windows.map((window) => ({
        label: '+' + duration(window.toMs),
        value: window.count,
        title:
          window.count + ' due from +' + duration(window.fromMs) + ' to +' + duration(window.toMs),
      })),
    );
    $('#timeline-later').textContent =
      count(laterThan(windows[windows.length - 1].toMs)) + ' due later';
  }

  /**
   * Tasks due more than `ms` ahead: the day's hours and the week's days past it, and beyond the
   * week. (The day's first hour holds the hour's windows; the week's first day, the day's.)
   */
  function laterThan(ms) {
    const { day, week, later } = overview.timeline;
    const sum = (windows) => windows.reduce((total, window) => total + window.count, 0);
    const dayMs = day[day.length - 1].toMs;
    return (
      later +
      sum(week.filter((window) => window.fromMs >= Math.max(ms, dayMs))) +
      (ms < dayMs ? sum(day.filter((window) => window.fromMs >= ms)) : 0)
    );
  }

  // ---- pending and active tasks ------------------------------------------

  /** Paging state of a task list: the cursors of the pages before, the current one's. */
  function taskList(state, table, form, section) {
    const list = { cursors: [], cursor: undefined, next: null, filter: {} };

    async function load() {
      try {
        const page = await api('tasks?' + query({ state, ...list.filter, cursor: list.cursor }));
        list.next = page.cursor;
        render(page.items);
        $('.page-info', section).textContent =
          'page ' +
          (list.cursors.length + 1) +
          ', ' +
          page.items.length +
          ' task' +
          (page.items.length === 1 ? '' : 's');
        $('[data-page="next"]', section).disabled = !list.next;
        $('[data-page="previous"]', section).disabled = list.cursors.length === 0;
        $('[data-page="first"]', section).disabled = list.cursors.length === 0;
      } catch (error) {
        showMessage(error.message, true);
      }
    }

    function render(items) {
      fillBody(
        table,
        items.map((task) => (state === 'pending' ? pendingRow(task, load) : activeRow(task))),
        state === 'pending' ? 'No pending task matches.' : 'Nothing is running.',
        6,
      );
    }

    /** The form's filter as query values (its date inputs are in the browser's time zone). */
    function readFilter() {
      const values = new FormData(form);
      const moment = (name) =>
        values.get(name) ? new Date(String(values.get(name))).getTime() : undefined;
      return {
        pattern: String(values.get('pattern') || ''),
        from: moment('from'),
        to: moment('to'),
        limit: String(values.get('limit') || ''),
      };
    }
    list.filter = readFilter();

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      list.filter = readFilter();
      list.cursors = [];
      list.cursor = undefined;
      void load();
    });
    $('[data-page="next"]', section).addEventListener('click', () => {
      if (!list.next) return;
      list.cursors.push(list.cursor);
      list.cursor = list.next;
      void load();
    });
    $('[data-page="previous"]', section).addEventListener('click', () => {
      if (list.cursors.length === 0) return;
      list.cursor = list.cursors.pop();
      void load();
    });
    $('[data-page="first"]', section).addEventListener('click', () => {
      list.cursors = [];
      list.cursor = undefined;
      void load();
    });
    return { load, reload: load };
  }

  function keyCell(task) {
    return el(
      'td',
      { className: 'key' },
      el(
        'button',
        { type: 'button', className: 'link', onclick: () => showDetail(task) },
        task.key,
      ),
    );
  }

  function pendingRow(task, refresh) {
    const path = 'tasks/' + encodeURIComponent(task.key);
    return el(
      'tr',
      { 'data-key': task.key },
      keyCell(task),
      el('td', {}, when(task.dueAt, true)),
      el('td', {}, task.runAt !== task.dueAt ? when(task.runAt, true) : ''),
      el('td', {}, String(task.attempt)),
      el('td', {}, extraFields(task)),
      el(
        'td',
        { className: 'actions' },
        el(
          'button',
          {
            type: 'button',
            className: 'change',
            onclick: () =>
              act(
                'Running ' + task.key + ' now.',
                () => api(path + '/run', { method: 'POST' }),
                refresh,
              ),
          },
          'Run now',
        ),
        el(
          'button',
          { type: 'button', className: 'change', onclick: () => showDetail(task) },
          'Reschedule…',
        ),
        el(
          'button',
          {
            type: 'button',
            className: 'change danger',
            onclick: () =>
              act('Cancelled ' + task.key + '.', () => api(path, { method: 'DELETE' }), refresh),
          },
          'Cancel',
        ),
      ),
    );
  }

  function activeRow(task) {
    return el(
      'tr',
      { 'data-key': task.key },
      keyCell(task),
      el('td', {}, when(task.dueAt, true)),
      el('td', {}, String(task.attempt)),
      el('td', { className: 'key' }, task.owner || ''),
      el('td', {}, task.leaseExpiresAt ? when(task.leaseExpiresAt) : ''),
      el('td', {}, extraFields(task)),
    );
  }

  // ---- a task's detail --------------------------------------------------------

  let detailTask = null;

  function showDetail(task) {
    detailTask = task;
    $('#detail-key').textContent = task.key;
    const fields = [
      ['State', task.state],
      task.state === 'dead'
        ? ['Dead-lettered', clock(task.failedAt) + ' (' + relative(task.failedAt) + ')']
        : ['Due', clock(task.dueAt) + ' (' + relative(task.dueAt) + ')'],
      ['Attempts so far', String(task.attempt)],
    ];
    if (task.error) fields.push(['Last error', task.error]);
    if (task.runAt !== undefined && task.runAt !== task.dueAt)
      fields.push(['Next delivery', clock(task.runAt)]);
    if (task.owner) fields.push(['Lease owner', task.owner]);
    if (task.leaseExpiresAt) fields.push(['Lease expires', clock(task.leaseExpiresAt)]);
    Object.keys(task)
      .filter((name) => !KNOWN_FIELDS.has(name) && !DEAD_FIELDS.has(name))
      .forEach((name) => fields.push([name, JSON.stringify(task[name])]));
    const rows = fields.map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]);
    if (task.trace) {
      const id = traceId(task.trace);
      const link = traceUrl
        ? el(
            'a',
            {
              href: traceUrl.replace('{traceId}', encodeURIComponent(id)),
              target: '_blank',
              rel: 'noopener noreferrer',
            },
            id,
          )
        : id;
      rows.push([el('dt', {}, 'Trace'), el('dd', { className: 'key trace' }, link)]);
    }
    $('#detail-fields').replaceChildren(...rows.flat());
    $('#detail-payload').textContent =
      task.payload === undefined ? '(none)' : JSON.stringify(task.payload, null, 2);
    $('#reschedule-form').hidden = task.state !== 'pending';
    $('#detail').hidden = false;
  }

  $('#detail-close').addEventListener('click', () => ($('#detail').hidden = true));
  $('#reschedule-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!detailTask) return;
    const values = new FormData(event.target);
    const delaySeconds = String(values.get('delaySeconds') || '');
    const at = String(values.get('at') || '');
    const due =
      delaySeconds !== ''
        ? { delay: Number(delaySeconds) * 1000 }
        : { at: at ? new Date(at).getTime() : NaN };
    const key = detailTask.key;
    void act(
      'Rescheduled ' + key + '.',
      async () => {
        const reply = await api('tasks/' + encodeURIComponent(key) + '/reschedule', {
          method: 'POST',
          body: JSON.stringify(due),
        });
        showDetail({ ...detailTask, dueAt: reply.dueAt, runAt: reply.dueAt });
      },
      pending.reload,
    );
  });

  // ---- dead letters --------------------------------------------------------------

  const dead = { items: [], cursor: null, pattern: '', selected: new Set() };

  async function loadDead(more) {
    try {
      const page = await api(
        'dead?' +
          query({ pattern: dead.pattern, limit: 100, cursor: more ? dead.cursor : undefined }),
      );
      if (!more) {
        dead.items = [];
        dead.selected.clear();
      }
      dead.items.push(...page.items);
      dead.cursor = page.cursor;
      renderDead();
    } catch (error) {
      showMessage(error.message, true);
    }
  }

  function renderDead() {
    const groups = new Map();
    dead.items.forEach((letter) =>
      groups.set(letter.error, [...(groups.get(letter.error) || []), letter.key]),
    );
    fillBody(
      $('#dead-groups'),
      [...groups]
        .sort((a, b) => b[1].length - a[1].length)
        .map(([error, keys]) =>
          el(
            'tr',
            {},
            el('td', { className: 'error' }, error),
            el('td', {}, count(keys.length)),
            el(
              'td',
              {},
              el(
                'button',
                {
                  type: 'button',
                  onclick: () => {
                    keys.forEach((key) => dead.selected.add(key));
                    renderDead();
                  },
                },
                'Select these',
              ),
            ),
          ),
        ),
      'No dead letters.',
      3,
    );
    fillBody(
      $('#dead-table'),
      dead.items.map((letter) => {
        const path = 'dead/' + encodeURIComponent(letter.key);
        const box = el('input', {
          type: 'checkbox',
          checked: dead.selected.has(letter.key),
          'aria-label': 'select ' + letter.key,
        });
        box.addEventListener('change', () =>
          box.checked ? dead.selected.add(letter.key) : dead.selected.delete(letter.key),
        );
        return el(
          'tr',
          { 'data-key': letter.key },
          el('td', {}, box),
          el(
            'td',
            { className: 'key' },
            el(
              'button',
              { type: 'button', className: 'link', onclick: () => showDeadDetail(letter) },
              letter.key,
            ),
          ),
          el('td', { className: 'error' }, letter.error),
          el('td', {}, String(letter.attempt)),
          el('td', {}, when(letter.failedAt)),
          el(
            'td',
            { className: 'actions' },
            el(
              'button',
              {
                type: 'button',
                className: 'change',
                onclick: () =>
                  act(
                    'Requeued ' + letter.key + '.',
                    () => api(path + '/requeue', { method: 'POST', body: '{}' }),
                    () => loadDead(false),
                  ),
              },
              'Requeue',
            ),
            el(
              'button',
              {
                type: 'button',
                className: 'change danger',
                onclick: () =>
                  act(
                    'Discarded ' + letter.key + '.',
                    () => api(path, { method: 'DELETE' }),
                    () => loadDead(false),
                  ),
              },
              'Discard',
            ),
          ),
        );
      }),
      'No dead letters.',
      6,
    );
    $('#dead-more').disabled = !dead.cursor;
    $('#dead .page-info').textContent =
      dead.items.length + ' loaded' + (dead.cursor ? ', more to load' : '');
  }

  function showDeadDetail(letter) {
    showDetail({
      key: letter.key,
      payload: letter.payload,
      state: 'dead',
      attempt: letter.attempt,
      failedAt: letter.failedAt,
      error: letter.error,
    });
  }

  /** Applies one action to every selected dead letter, a few requests at a time. */
  async function bulk(verb, request) {
    const keys = [...dead.selected];
    if (keys.length === 0) return showMessage('Select dead letters first.', true);
    if (
      !window.confirm(
        verb + ' ' + keys.length + ' dead letter' + (keys.length === 1 ? '' : 's') + '?',
      )
    )
      return;
    let failed = 0;
    for (let start = 0; start < keys.length; start += 8) {
      const results = await Promise.allSettled(keys.slice(start, start + 8).map(request));
      failed += results.filter((result) => result.status === 'rejected').length;
    }
    showMessage(
      verb +
        ': ' +
        (keys.length - failed) +
        ' done' +
        (failed ? ', ' + failed + ' failed' : '') +
        '.',
      failed > 0,
    );
    await loadDead(false);
  }

  $('#dead-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    dead.pattern = String(new FormData(event.target).get('pattern') || '');
    void loadDead(false);
  });
  $('#dead-more').addEventListener('click', () => void loadDead(true));
  $('#dead-select-all').addEventListener('click', () => {
    dead.items.forEach((letter) => dead.selected.add(letter.key));
    renderDead();
  });
  $('#dead-requeue-selected').addEventListener('click', () =>
    bulk('Requeue', (key) =>
      api('dead/' + encodeURIComponent(key) + '/requeue', { method: 'POST', body: '{}' }),
    ),
  );
  $('#dead-discard-selected').addEventListener('click', () =>
    bulk('Discard', (key) => api('dead/' + encodeURIComponent(key), { method: 'DELETE' })),
  );

  // ---- views ---------------------------------------------------------------------

  const pending = taskList('pending', $('#pending-table'), $('#pending-filter'), $('#pending'));
  const active = taskList('active', $('#active-table'), $('#active-filter'), $('#active'));
  const loaders = {
    overview: loadOverview,
    pending: pending.load,
    active: active.load,
    dead: () => loadDead(false),
  };
  let view = 'overview';

  function show(name) {
    view = name;
    document
      .querySelectorAll('nav [data-view]')
      .forEach((button) => button.classList.toggle('current', button.dataset.view === name));
    Object.keys(loaders).forEach((section) => ($('#' + section).hidden = section !== name));
    $('#detail').hidden = true;
    void loaders[name]();
  }

  document
    .querySelectorAll('nav [data-view]')
    .forEach((button) => button.addEventListener('click', () => show(button.dataset.view)));
  document.querySelectorAll('[data-span]').forEach((button) =>
    button.addEventListener('click', () => {
      span = button.dataset.span;
      document
        .querySelectorAll('[data-span]')
        .forEach((other) => other.classList.toggle('current', other === button));
      renderTimeline();
    }),
  );
  setInterval(() => {
    if (view === 'overview' && $('#auto-refresh').checked) void loadOverview();
  }, 5000);

  if (readOnly) {
    body.classList.add('read-only');
    $('#read-only-badge').hidden = false;
  }
  show('overview');
})();
