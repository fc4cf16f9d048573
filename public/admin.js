// The admin page: polls the admin API (relative URLs, so it works under any proxy prefix) and
// renders the state of the default world or of one session. No framework, no build step, nothing
// loaded from elsewhere.

const POLL_MS = 1500;
const JOURNAL_LIMIT = 50;
const SLOT_DAYS = 7;
const TOKEN_KEY = 'gpc-sandbox-admin-token';
const SESSION_KEY = 'gpc-sandbox-admin-session';
const TZ = 'Europe/London';

const view = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  session: sessionStorage.getItem(SESSION_KEY) ?? '',
  state: undefined,
  journal: [],
  clock: undefined,
  clockFetchedAt: 0,
  scenarios: undefined,
  etags: new Map(),
  selectedDay: undefined,
  seenAppointments: new Set(),
  firstRender: true,
  journalItems: new Map(),
  pollTimer: undefined,
  polling: false,
};

// ---- DOM helpers ----------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

/** Build an element: h('td', {class: 'x'}, 'text', child). Text is always text, never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}` }, text);
}

let toastTimer;
function toast(message, isError = false) {
  const el = $('toast');
  el.textContent = message;
  el.className = `toast show${isError ? ' error' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.className = 'toast';
  }, 4000);
}

// ---- time formatting ------------------------------------------------------------------------------

const fmtTime = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const fmtTimeSec = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const fmtDay = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
});
const fmtDate = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const fmtFull = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** The London date (YYYY-MM-DD) of a FHIR instant with its offset: its first ten characters. */
const dayOf = (instant) => instant.slice(0, 10);

function dayLabel(date) {
  return fmtDay.format(new Date(`${date}T12:00:00Z`));
}

// ---- the API --------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.field = body?.field;
  }
}

function headers(extra = {}) {
  const out = { Accept: 'application/json', ...extra };
  if (view.token) out['X-Admin-Token'] = view.token;
  if (view.session) out['X-Sandbox-Session'] = view.session;
  return out;
}

async function api(method, path, body) {
  const init = {
    method,
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    cache: 'no-store',
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const data = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (res.status === 401) askForToken();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** GET with If-None-Match: returns undefined when nothing changed since the last answer. */
async function getIfChanged(path) {
  const key = `${view.session}|${path}`;
  const etag = view.etags.get(key);
  const res = await fetch(path, {
    headers: headers(etag ? { 'If-None-Match': etag } : {}),
    cache: 'no-store',
  });
  if (res.status === 304) return undefined;
  const data = await res.json().catch(() => undefined);
  if (res.status === 401) askForToken();
  if (!res.ok) throw new ApiError(res.status, data);
  const next = res.headers.get('ETag');
  if (next) view.etags.set(key, next);
  return data;
}

// ---- token ----------------------------------------------------------------------------------------

let tokenResolve;
function askForToken(message = '') {
  const dialog = $('token-dialog');
  $('token-error').textContent = message;
  if (!dialog.open) {
    stopPolling();
    dialog.showModal();
    $('token-input').focus();
  }
  return new Promise((resolve) => {
    tokenResolve = resolve;
  });
}

async function checkToken() {
  const res = await fetch('auth', { headers: headers(), cache: 'no-store' });
  const auth = await res.json();
  return !auth.tokenRequired || auth.tokenAccepted;
}

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  view.token = $('token-input').value.trim();
  if (!(await checkToken())) {
    $('token-error').textContent =
      'That token was not accepted. Check the --admin-token the sandbox was started with.';
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, view.token);
  $('token-dialog').close();
  tokenResolve?.();
  await refresh(true);
  startPolling();
});

$('token-dialog').addEventListener('cancel', (event) => event.preventDefault());

// ---- rendering ------------------------------------------------------------------------------------

function patientName(patient) {
  const name = patient?.name?.[0];
  if (!name) return undefined;
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

function tagOf(resource, system) {
  return resource.meta?.tag?.find((t) => t.system === system)?.code;
}

const ORIGIN_TAG = 'urn:gpconnect-sandbox:origin';
const MAGIC_TAG = 'urn:gpconnect-sandbox:magic';
const ORIGIN_LABEL = {
  gpconnect: 'GP Connect',
  fixture: 'fixture',
  'not-gpconnect': 'not GP Connect',
  stolen: 'stolen (competitor)',
};

function renderInfo(state) {
  const base = `${location.origin}${state.basePath || ''}`;
  $('sandbox-info').textContent =
    `profile ${state.profile} · FHIR base ${base}${state.session ? ` · session ${state.session}` : ''}`;
}

function renderCounts(state) {
  $('count-patients').textContent = state.counts.patients;
  $('count-free').textContent = state.counts.freeSlots;
  $('count-busy').textContent = state.counts.busySlots;
  $('count-appointments').textContent = state.counts.appointments;
}

function renderAppointments(state, patients) {
  const rows = [...state.appointments].sort(
    (a, b) => Number(b.id) - Number(a.id) || String(b.id).localeCompare(String(a.id)),
  );
  const body = $('appointments-body');
  body.replaceChildren(
    ...rows.map((a) => {
      const ref = a.participant?.find((p) => String(p.actor?.reference ?? '').startsWith('Patient/'))?.actor
        ?.reference;
      const patientId = ref?.slice('Patient/'.length);
      const origin = tagOf(a, ORIGIN_TAG);
      const fresh = !view.firstRender && !view.seenAppointments.has(a.id);
      view.seenAppointments.add(a.id);
      return h(
        'tr',
        { class: fresh ? 'fresh' : undefined, 'data-appointment': a.id },
        h('td', { class: 'mono' }, a.id, h('span', { class: 'sub' }, `v${a.meta?.versionId ?? '?'}`)),
        h(
          'td',
          {},
          patientName(patients.get(patientId)) ?? '—',
          h('span', { class: 'sub mono' }, ref ?? 'no patient participant'),
        ),
        h(
          'td',
          { class: 'nowrap' },
          a.start ? fmtDate.format(new Date(a.start)) : '—',
          h(
            'span',
            { class: 'sub' },
            a.start && a.end ? `${fmtTime.format(new Date(a.start))}–${fmtTime.format(new Date(a.end))}` : '',
          ),
        ),
        h('td', {}, badge(a.status, a.status)),
        h('td', {}, a.description ?? '', a.comment ? h('span', { class: 'sub' }, a.comment) : null),
        h(
          'td',
          {},
          origin ? badge(ORIGIN_LABEL[origin] ?? origin, origin === 'stolen' ? 'stolen' : 'neutral') : '',
        ),
      );
    }),
  );
  $('appointments-empty').hidden = rows.length > 0;
  $('appointments-table').hidden = rows.length === 0;
}

function renderSlots(state) {
  const days = new Map();
  for (const slot of state.slots) {
    const day = dayOf(slot.start);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(slot);
  }
  const dates = [...days.keys()].sort();
  if (!dates.includes(view.selectedDay)) view.selectedDay = dates[0];
  $('day-tabs').replaceChildren(
    ...dates.map((date) => {
      const free = days.get(date).filter((s) => s.status === 'free').length;
      return h(
        'button',
        {
          type: 'button',
          class: 'day-tab',
          'aria-pressed': String(date === view.selectedDay),
          onclick: () => {
            view.selectedDay = date;
            renderSlots(view.state);
          },
        },
        dayLabel(date),
        h('span', { class: 'sub' }, `${free} free`),
      );
    }),
  );

  const holders = new Map();
  for (const a of state.appointments) {
    if (a.status !== 'booked') continue;
    for (const s of a.slot ?? []) holders.set(s.reference.slice('Slot/'.length), a.id);
  }
  const practitioners = new Map(state.practitioners.map((p) => [p.id, p]));
  const locations = new Map(state.locations.map((l) => [l.id, l]));
  const bySchedule = new Map();
  for (const slot of days.get(view.selectedDay) ?? []) {
    const id = slot.schedule.reference.slice('Schedule/'.length);
    if (!bySchedule.has(id)) bySchedule.set(id, []);
    bySchedule.get(id).push(slot);
  }
  const rows = state.schedules
    .filter((schedule) => bySchedule.has(schedule.id))
    .map((schedule) => {
      const practitionerRef = schedule.actor.find((a) => a.reference.startsWith('Practitioner/'))?.reference;
      const locationRef = schedule.actor.find((a) => a.reference.startsWith('Location/'))?.reference;
      const practitioner = practitioners.get(practitionerRef?.slice('Practitioner/'.length));
      const location = locations.get(locationRef?.slice('Location/'.length));
      const who = patientName(practitioner) ?? schedule.serviceCategory?.text ?? schedule.id;
      const slots = bySchedule.get(schedule.id);
      const channel = slots[0]?.extension?.find((e) => e.url.includes('DeliveryChannel'))?.valueCode;
      return h(
        'div',
        { class: 'slot-row' },
        h(
          'div',
          {},
          h('div', { class: 'slot-who' }, who),
          h(
            'span',
            { class: 'sub' },
            [schedule.serviceCategory?.text, location?.name, channel].filter(Boolean).join(' · '),
          ),
          h('span', { class: 'sub mono' }, `Schedule/${schedule.id}`),
        ),
        h(
          'div',
          { class: 'chips', role: 'list', 'aria-label': `Slots for ${who}` },
          slots.map((slot) => {
            const kind =
              slot.status === 'free' ? 'free' : slot.status === 'busy-unavailable' ? 'unavailable' : 'busy';
            const holder = holders.get(slot.id);
            const time = fmtTime.format(new Date(slot.start));
            const what =
              kind === 'free'
                ? 'free'
                : kind === 'unavailable'
                  ? 'held by the practice'
                  : `booked${holder ? ` (Appointment/${holder})` : ''}`;
            return h(
              'span',
              {
                class: `chip ${kind}`,
                role: 'listitem',
                title: `${time} ${what} · ${slot.id}`,
                'aria-label': `${time} ${what}`,
              },
              time,
            );
          }),
        ),
      );
    });
  $('slot-grid').replaceChildren(
    ...(rows.length ? rows : [h('p', { class: 'empty' }, 'No slots left on this day.')]),
  );
}

function renderPatients(state) {
  $('patients-body').replaceChildren(
    ...state.patients.map((p) => {
      const nhs = p.identifier?.[0]?.value ?? '';
      const magic = tagOf(p, MAGIC_TAG);
      const fixture = tagOf(p, ORIGIN_TAG) === 'fixture';
      return h(
        'tr',
        {},
        h(
          'td',
          {},
          patientName(p),
          ' ',
          magic ? badge(`magic: ${magic}`, 'magic') : null,
          fixture ? badge('fixture', 'neutral') : null,
          p.active === false ? badge('inactive', 'neutral') : null,
          p.deceasedDateTime ? badge('deceased', 'neutral') : null,
        ),
        h('td', { class: 'mono nowrap' }, nhs.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3')),
        h('td', { class: 'nowrap' }, p.birthDate ?? ''),
        h('td', { class: 'mono' }, p.id),
      );
    }),
  );
}

function renderFaults(state) {
  const list = $('faults');
  list.replaceChildren(
    ...state.faults.map((rule) =>
      h(
        'li',
        { class: 'fault' },
        h('span', { class: 'fault-name' }, rule.name, ' ', badge(rule.source ?? 'admin', 'neutral')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary small',
            'aria-label': `Disarm ${rule.name}`,
            onclick: () => disarm(rule.name),
          },
          'Disarm',
        ),
        h('p', { class: 'fault-explain' }, rule.explain),
      ),
    ),
  );
  $('faults-empty').hidden = state.faults.length > 0;
  $('disarm-all').hidden = state.faults.length === 0;
}

function renderScenarios() {
  const data = view.scenarios;
  if (!data) return;
  const select = $('scenario-select');
  const active = data.scenarios.find((s) => s.active);
  if (document.activeElement !== select) {
    select.replaceChildren(
      h('option', { value: '' }, 'None'),
      ...data.scenarios.map((s) => h('option', { value: s.name, selected: s.active }, s.name)),
    );
    select.value = active?.name ?? '';
  }
  $('scenario-description').textContent = active
    ? active.description
    : 'No scenario: only faults armed here apply.';
  $('magic-patients').replaceChildren(
    ...data.magicPatients.map((m) =>
      h(
        'li',
        {},
        h('span', { class: 'mono' }, `Patient/${m.id}`),
        ` (${m.nhsNumber.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3')}): ${m.outcome}`,
      ),
    ),
  );
}

/** `YYYY-MM-DDTHH:MM` in this browser's zone, for the datetime-local input. */
function localInputValue(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function renderClock() {
  const clock = view.clock;
  if (!clock) return;
  const input = $('clock-input');
  if (!input.value && document.activeElement !== input) input.value = localInputValue(clock.epochMs);
  const now = clock.frozen ? clock.epochMs : clock.epochMs + (performance.now() - view.clockFetchedAt);
  $('clock-now').textContent = fmtFull.format(new Date(now));
  const mode = $('clock-mode');
  mode.textContent = clock.frozen
    ? 'frozen'
    : Math.abs(clock.epochMs - Date.parse(clock.realNow)) > 1000
      ? 'running, shifted'
      : 'real time';
  mode.className = `badge ${clock.frozen ? 'warn' : 'ok'}`;
}

// ---- journal --------------------------------------------------------------------------------------

function shortInteraction(urn) {
  return urn?.replace(/^urn:nhs:names:services:gpconnect:fhir:/, '') ?? '';
}

function pretty(text) {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function headerText(headers) {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

const shellQuote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const SKIP_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'accept-encoding',
  'keep-alive',
  'transfer-encoding',
]);

/** The request as a curl command that repeats it against this sandbox. */
function curlOf(entry) {
  const parts = [`curl -i -X ${entry.method} ${shellQuote(location.origin + entry.path)}`];
  for (const [name, value] of Object.entries(entry.request.headers ?? {})) {
    if (!SKIP_HEADERS.has(name.toLowerCase())) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (entry.request.body !== undefined) parts.push(`--data-raw ${shellQuote(entry.request.body)}`);
  return parts.join(' \\\n  ');
}

async function copyCurl(entry, container) {
  const text = curlOf(entry);
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied the request as a curl command');
  } catch {
    // No clipboard (plain http on another host): show it to copy by hand.
    let area = container.querySelector('textarea.curl-text');
    if (!area) {
      area = h('textarea', { class: 'curl-text', readonly: true, rows: 8, 'aria-label': 'curl command' });
      container.append(area);
    }
    area.value = text;
    area.focus();
    area.select();
    toast('Clipboard not available here: the command is selected below');
  }
}

function journalItem(entry) {
  const family = Math.floor(entry.status / 100);
  const time = fmtTimeSec.format(new Date(entry.time));
  const body = h('div', { class: 'entry-body' });
  const details = h(
    'details',
    {},
    h(
      'summary',
      {},
      h('span', { class: `status s${family}` }, entry.status === 0 ? 'drop' : entry.status),
      h('span', { class: 'method' }, entry.method),
      h('span', { class: 'path', title: entry.path }, entry.path),
      h(
        'span',
        { class: 'entry-meta' },
        entry.fault ? badge(`fault: ${entry.fault}`, 'warn') : null,
        entry.problems?.length
          ? badge(`${entry.problems.length} problem${entry.problems.length > 1 ? 's' : ''}`, 'error')
          : null,
        `${time} · ${entry.ms} ms`,
      ),
    ),
    body,
  );
  // Built on first open: a long journal stays cheap.
  details.addEventListener('toggle', () => {
    if (!details.open || body.childElementCount > 0) return;
    const parts = [
      h(
        'div',
        { class: 'button-row' },
        h(
          'button',
          { type: 'button', class: 'secondary small', onclick: () => copyCurl(entry, body) },
          'Copy as curl',
        ),
        entry.interaction ? badge(shortInteraction(entry.interaction), 'neutral') : null,
        badge(new Date(entry.time).toISOString(), 'neutral'),
      ),
      entry.problems?.length
        ? h(
            'div',
            {},
            h('h3', {}, 'Problems'),
            h(
              'ul',
              {},
              entry.problems.map((p) => h('li', {}, p)),
            ),
          )
        : null,
      h(
        'div',
        { class: 'entry-grid' },
        h('div', {}, h('h3', {}, 'Request headers'), h('pre', {}, headerText(entry.request.headers))),
        h(
          'div',
          {},
          h('h3', {}, 'Response headers'),
          h(
            'pre',
            {},
            entry.status === 0
              ? 'No response: the connection was dropped by a fault.'
              : headerText(entry.response.headers),
          ),
        ),
      ),
      entry.request.body !== undefined
        ? h('div', {}, h('h3', {}, 'Request body'), h('pre', {}, pretty(entry.request.body)))
        : null,
      entry.response.body !== undefined
        ? h('div', {}, h('h3', {}, 'Response body'), h('pre', {}, pretty(entry.response.body)))
        : null,
    ];
    body.append(...parts.filter(Boolean));
  });
  return h('li', { 'data-seq': entry.seq }, details);
}

function renderJournal() {
  const items = new Map();
  const elements = view.journal.map((entry) => {
    const key = `${view.session}|${entry.seq}`;
    const el = view.journalItems.get(key) ?? journalItem(entry);
    items.set(key, el);
    return el;
  });
  view.journalItems = items;
  $('journal').replaceChildren(...elements);
  $('journal-empty').hidden = elements.length > 0;
  $('count-requests').textContent =
    view.journal.length === JOURNAL_LIMIT ? `${JOURNAL_LIMIT}+` : view.journal.length;
}

// ---- polling --------------------------------------------------------------------------------------

function setLive(ok, text) {
  $('live').className = `live ${ok ? 'ok' : 'down'}`;
  $('live-text').textContent = text;
}

async function refresh(force = false) {
  if (force) view.etags.clear();
  try {
    const [state, journal, clock] = await Promise.all([
      getIfChanged(`state?days=${SLOT_DAYS}`),
      getIfChanged(`requests?limit=${JOURNAL_LIMIT}`),
      api('GET', 'clock'),
    ]);
    view.clock = clock;
    view.clockFetchedAt = performance.now();
    renderClock();
    if (state) {
      const scenarioChanged =
        view.state?.scenario !== state.scenario || view.state?.session !== state.session;
      view.state = state;
      const patients = new Map(state.patients.map((p) => [p.id, p]));
      renderInfo(state);
      renderCounts(state);
      renderAppointments(state, patients);
      renderSlots(state);
      renderPatients(state);
      renderFaults(state);
      view.firstRender = false;
      if (scenarioChanged || !view.scenarios) {
        view.scenarios = await api('GET', 'scenarios');
        renderScenarios();
      }
    }
    if (journal) {
      view.journal = journal;
      renderJournal();
    }
    setLive(true, `Live · ${fmtTimeSec.format(new Date())}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    setLive(false, error instanceof ApiError ? error.message : 'Sandbox not reachable: retrying');
  }
}

function schedule() {
  clearTimeout(view.pollTimer);
  view.pollTimer = setTimeout(tick, POLL_MS);
}

async function tick() {
  if (!view.polling) return;
  if (!document.hidden) await refresh();
  schedule();
}

function startPolling() {
  view.polling = true;
  schedule();
}

function stopPolling() {
  view.polling = false;
  clearTimeout(view.pollTimer);
}

setInterval(() => {
  if (view.clock && !view.clock.frozen) renderClock();
}, 1000);

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && view.polling) refresh();
});

// ---- actions --------------------------------------------------------------------------------------

/** Run an action with its button disabled; report the outcome; refresh at once. */
async function act(button, action, done) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    if (done) toast(typeof done === 'function' ? done(result) : done);
    await refresh(true);
    return result;
  } catch (error) {
    toast(error.message, true);
    throw error;
  } finally {
    if (button) button.disabled = false;
  }
}

$('reset-button').addEventListener('click', (event) => {
  const where = view.session ? `session "${view.session}"` : 'the default state';
  if (
    !window.confirm(
      `Reset ${where} to the seed?\n\nAppointments, fixtures, armed faults and the journal are cleared. The clock is left alone.`,
    )
  )
    return;
  view.seenAppointments.clear();
  view.firstRender = true;
  act(event.currentTarget, () => api('POST', 'reset'), `Reset ${where}`).catch(() => {});
});

$('session-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('session-input');
  if (!input.checkValidity()) {
    input.reportValidity();
    return;
  }
  view.session = input.value.trim();
  sessionStorage.setItem(SESSION_KEY, view.session);
  view.scenarios = undefined;
  view.journalItems.clear();
  view.seenAppointments.clear();
  view.firstRender = true;
  refresh(true);
  toast(view.session ? `Viewing session "${view.session}"` : 'Viewing the default state');
});

function clockAction(button, body, label) {
  act(button, () => api('PUT', 'clock', body), label).catch(() => {});
}

$('clock-freeze').addEventListener('click', (e) => {
  const now = view.clock
    ? view.clock.epochMs + (view.clock.frozen ? 0 : performance.now() - view.clockFetchedAt)
    : Date.now();
  clockAction(
    e.currentTarget,
    { now: new Date(Math.floor(now / 1000) * 1000).toISOString() },
    'Clock frozen',
  );
});
$('clock-hour').addEventListener('click', (e) =>
  clockAction(e.currentTarget, { advance: 'PT1H' }, 'Clock moved on an hour'),
);
$('clock-day').addEventListener('click', (e) =>
  clockAction(e.currentTarget, { advance: 'P1D' }, 'Clock moved on a day'),
);
$('clock-real').addEventListener('click', (e) =>
  clockAction(e.currentTarget, { real: true }, 'Clock back to real time'),
);
$('clock-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('clock-input').value;
  if (!value) return;
  // datetime-local is in this browser's zone; the sandbox takes any ISO instant.
  clockAction(event.submitter, { now: new Date(value).toISOString() }, 'Clock set');
});

$('scenario-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('scenario-select').value || null;
  act(
    event.submitter,
    async () => {
      const result = await api('PUT', 'scenario', { name });
      view.scenarios = await api('GET', 'scenarios');
      renderScenarios();
      return result;
    },
    name ? `Scenario ${name} is active` : 'No scenario active',
  ).catch(() => {});
});

const BOOK = { method: 'POST', path: '/Appointment' };
const PRESETS = {
  slow: { name: 'slow-bookings', when: BOOK, delay: { uniform: [1500, 3000] } },
  error: {
    name: 'next-booking-fails',
    when: BOOK,
    error: { status: 500, code: 'INTERNAL_SERVER_ERROR', diagnostics: 'Injected by the admin page' },
    times: 1,
  },
  steal: { name: 'slot-stolen', when: BOOK, steal: true, times: 1 },
  lost: { name: 'response-lost', when: BOOK, after: true, drop: 'reset', times: 1 },
  drop: { name: 'connection-reset', when: { method: 'GET' }, drop: 'reset', times: 1 },
};

for (const button of document.querySelectorAll('[data-preset]')) {
  button.addEventListener('click', () => {
    $('rule-input').value = JSON.stringify(PRESETS[button.dataset.preset], null, 2);
    $('arm-error').textContent = '';
    $('rule-input').focus();
  });
}

$('arm-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('arm-error');
  error.textContent = '';
  let rule;
  try {
    rule = JSON.parse($('rule-input').value);
  } catch (e) {
    error.textContent = `Not valid JSON: ${e.message}`;
    return;
  }
  const button = event.submitter;
  button.disabled = true;
  try {
    const armed = await api('POST', 'faults', rule);
    toast(`Armed ${armed.name}`);
    await refresh(true);
  } catch (e) {
    error.textContent = e.field ? `${e.message} (field: ${e.field})` : e.message;
  } finally {
    button.disabled = false;
  }
});

function disarm(name) {
  act(null, () => api('DELETE', `faults/${encodeURIComponent(name)}`), `Disarmed ${name}`).catch(() => {});
}

$('disarm-all').addEventListener('click', (event) => {
  act(event.currentTarget, () => api('DELETE', 'faults'), 'Disarmed every fault').catch(() => {});
});

// ---- start ----------------------------------------------------------------------------------------

async function start() {
  $('session-input').value = view.session;
  $('rule-input').value = JSON.stringify(PRESETS.slow, null, 2);
  try {
    if (!(await checkToken())) {
      await askForToken(view.token ? 'The saved token is no longer accepted.' : '');
      return; // the dialog's submit refreshes and starts polling
    }
  } catch {
    setLive(false, 'Sandbox not reachable: retrying');
  }
  await refresh(true);
  startPolling();
}

start();
