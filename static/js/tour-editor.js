// The officer's tour editor: upload photos (live progress), name scenes, click in the viewer
// to place arrows and markers, drag scenes onto the floor plan, choose start views.  Every
// change is saved (debounced) as a new immutable version of the tour.
import { getJson, requestJson, upload } from './lib/api.js';
import { $, el } from './lib/dom.js';
import { dateTimeOf } from './lib/format.js';
import { createTourViewer, floorPlan } from './tour-viewer.js';

const DEG = 180 / Math.PI;
const root = $('tour-editor');
const lotId = root.dataset.lotId;
const csrf = root.dataset.csrf;
const L = JSON.parse($('editor-i18n').textContent);
const labels = JSON.parse($('tour-i18n').textContent);

const state = {
  draft: { start_scene: null, floor_plan: null, scenes: [] },
  panoramas: {},
  base: 0,
  viewer: null,
  current: null,
  mode: null,
  saveTimer: null,
  saving: false,
  dirty: false,
};
window.tourEditor = state;

function status(text, error = false) {
  const box = $('status');
  box.textContent = text;
  box.classList.toggle('error', error);
}

// --- server calls -------------------------------------------------------------------------
const send = (url, file, onProgress) => upload(url, file, { csrf, onProgress });

async function load() {
  const { status: code, body } = await getJson(`/api/lots/${lotId}/tour`);
  if (code === 200) {
    state.base = body.version;
    state.panoramas = body.panoramas;
    state.draft = { start_scene: body.start_scene, floor_plan: body.floor_plan, scenes: body.scenes };
    state.current = body.start_scene;
  }
  render();
  loadVersions();
}

async function loadVersions() {
  const { body } = await getJson(`/api/lots/${lotId}/tour/versions`);
  $('versions').replaceChildren(...body.items.slice().reverse().map((v) => el('li', {},
    `v${v.version} · ${dateTimeOf(v.created_at)} · ${v.author} `,
    el('a', { href: `/lots/${lotId}/tour?version=${v.version}`, textContent: L.view_version }))));
}

function payload() {
  const d = state.draft;
  return {
    base_version: state.base,
    start_scene: d.start_scene,
    floor_plan: d.floor_plan ? { id: d.floor_plan.id } : null,
    scenes: d.scenes.map((s) => ({
      id: s.id, name: s.name, panorama: s.panorama, initial_view: s.initial_view, plan: s.plan,
      video: s.video || null, links: s.links, markers: s.markers,
    })),
  };
}

async function save() {
  clearTimeout(state.saveTimer);
  if (state.saving) { state.saveTimer = setTimeout(save, 300); return; }
  state.saving = true;
  status(L.saving);
  try {
    const { status: code, body } = await requestJson('PUT', `/api/lots/${lotId}/tour`, payload());
    if (code === 201) {
      state.base = body.version;
      state.dirty = false;
      state.draft.floor_plan = body.floor_plan;
      status(L.saved.replace('{v}', body.version));
      root.dataset.savedVersion = body.version;
      loadVersions();
    } else {
      const field = body.error.field ? ` (${body.error.field})` : '';
      status(`${body.error.message}${field}`, true);
      root.dataset.saveError = body.error.code;
    }
  } finally {
    state.saving = false;
  }
}

function changed({ viewer = true } = {}) {
  state.dirty = true;
  status(L.unsaved);
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(save, 700);
  render({ viewer });
}

// --- uploads ------------------------------------------------------------------------------
function newId(name) {
  const base = name.normalize('NFKD').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'scene';
  let id = base; let n = 2;
  while (state.draft.scenes.some((s) => s.id === id)) id = `${base}-${n++}`;
  return id;
}

async function uploadPanorama(file) {
  const bar = el('progress', { max: 1, value: 0 });
  const text = el('span', { textContent: L.job_uploading });
  const item = el('li', {}, el('span', { textContent: `${file.name} · ` }), text, bar);
  $('jobs').append(item);
  const r = await send(`/upload/panoramas?lot_id=${lotId}`, file, (f) => { bar.value = f; text.textContent = `${L.job_uploading} ${Math.round(f * 100)}%`; });
  if (r.status !== 202) { fail(item, text, r.body.error); return; }
  let job = r.body.job;
  item.dataset.job = job.id;
  while (job.state === 'queued' || job.state === 'running') {
    bar.value = job.progress;
    text.textContent = `${L[`job_${job.state}`]} ${Math.round(job.progress * 100)}% · ${job.stage}`;
    await new Promise((res) => setTimeout(res, 400));
    const poll = await getJson(`/api/panorama-jobs/${job.id}`);
    if (poll.status !== 200) { fail(item, text, poll.body.error); return; }
    job = poll.body;
  }
  if (job.state === 'failed') { fail(item, text, job.error); return; }
  bar.value = 1;
  text.textContent = L.job_done;
  item.classList.add('done');
  const view = await getJson(`/api/panoramas/${job.panorama}`);
  state.panoramas[job.panorama] = view.body;
  const name = file.name.replace(/\.[^.]+$/, '').slice(0, 60) || 'scene';
  const scene = { id: newId(name), name, panorama: job.panorama,
                  initial_view: { yaw: 0, pitch: 0, fov: 90 }, plan: null, video: null, links: [], markers: [] };
  state.draft.scenes.push(scene);
  if (!state.draft.start_scene) state.draft.start_scene = scene.id;
  if (!state.current) state.current = scene.id;
  changed();
}

function fail(item, text, error) {
  item.classList.add('failed');
  text.textContent = `${L.job_failed}: ${error ? error.message : ''}`;
  item.dataset.error = error ? error.code : 'failed';
}

$('pano-files').addEventListener('change', async (e) => {
  const files = [...e.target.files];
  e.target.value = '';
  for (const file of files) await uploadPanorama(file);
});

$('plan-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  const r = await send(`/upload/floorplans?lot_id=${lotId}`, file);
  if (r.status !== 201) { status(r.body.error.message, true); return; }
  state.draft.floor_plan = r.body;
  for (const s of state.draft.scenes) {  // keep placed scenes on the new plan
    if (s.plan) { s.plan.x = Math.min(s.plan.x, r.body.width); s.plan.y = Math.min(s.plan.y, r.body.height); }
  }
  changed();
});

// --- the viewer ---------------------------------------------------------------------------
function tourView() {
  return { ...state.draft, panoramas: state.panoramas,
           scenes: state.draft.scenes.map((s) => ({ ...s, video_url: null })) };
}

function renderViewer() {
  const scenes = state.draft.scenes;
  $('no-scenes').hidden = scenes.length > 0;
  $('editor-viewer').hidden = scenes.length === 0;
  if (!scenes.length) {
    if (state.viewer) { state.viewer.viewer.destroy(); state.viewer = null; }
    return;
  }
  if (!scenes.some((s) => s.id === state.current)) state.current = state.draft.start_scene || scenes[0].id;
  const view = tourView();
  if (state.viewer && !!state.viewer.map !== !!view.floor_plan) {
    state.viewer.viewer.destroy();
    state.viewer = null;
  }
  if (!state.viewer) {
    state.viewer = createTourViewer($('editor-viewer'), view, { labels, startScene: state.current });
    state.viewer.onChange.push((scene) => {
      if (scene.id !== state.current) { state.current = scene.id; render({ viewer: false }); }
    });
    state.viewer.viewer.addEventListener('click', ({ data }) => placeAt(data.yaw * DEG, data.pitch * DEG));
  } else {
    if (view.floor_plan && state.viewer.map) state.viewer.map.setImage(view.floor_plan.url);
    state.viewer.setTour(view, state.current);
  }
}

function setMode(mode) {
  state.mode = mode;
  const box = $('editor-mode');
  box.hidden = !mode;
  box.textContent = mode ? `${mode.label} — ${L.click_to_place}` : '';
}

document.addEventListener('keydown', (e) => { if (e.key === 'Escape') setMode(null); });

function placeAt(yaw, pitch) {
  const mode = state.mode;
  const scene = currentScene();
  if (!mode || !scene) return;
  setMode(null);
  const folded = ((yaw + 180) % 360 + 360) % 360 - 180;  // [-180, 180) as the server stores it
  const at = { yaw: Math.round(folded * 10) / 10, pitch: Math.round(pitch * 10) / 10 };
  if (mode.type === 'link') {
    scene.links = scene.links.filter((l) => l.to !== mode.to);
    scene.links.push({ to: mode.to, ...at });
  } else {
    scene.markers.push({ ...mode.marker, ...at });
  }
  changed();
}

function currentScene() {
  return state.draft.scenes.find((s) => s.id === state.current) || null;
}

// --- the scene list -----------------------------------------------------------------------
function sceneItem(scene) {
  const isCurrent = scene.id === state.current;
  const others = state.draft.scenes.filter((s) => s.id !== scene.id);
  const item = el('div', { className: `scene-item${isCurrent ? ' current' : ''}`, dataset: { scene: scene.id } },
    el('div', { className: 'row' },
      el('label', {}, el('input', { type: 'radio', name: 'start', checked: state.draft.start_scene === scene.id,
        on: { change: () => { state.draft.start_scene = scene.id; changed({ viewer: false }); } } }), ` ${L.start}`),
      el('input', { type: 'text', className: 'scene-name', value: scene.name, maxLength: 60, 'aria-label': L.scene_name,
        on: { change: (e) => { scene.name = e.target.value; changed(); } } }),
      el('button', { type: 'button', className: 'small', textContent: L.show,
        on: { click: () => { state.current = scene.id; state.viewer?.go(scene.id); render({ viewer: false }); } } }),
      el('button', { type: 'button', className: 'small link', textContent: L.remove,
        on: { click: () => removeScene(scene.id) } })));
  if (!isCurrent) return item;
  const linkTarget = el('select', { className: 'link-target' }, ...others.map((s) => el('option', { value: s.id, textContent: s.name })));
  const title = el('input', { type: 'text', className: 'marker-title', placeholder: L.marker_title, maxLength: 80 });
  const text = el('textarea', { className: 'marker-text', placeholder: L.marker_text, rows: 2, maxLength: 1000 });
  const category = el('select', { className: 'marker-category' },
    ...['defect', 'fixture', 'info'].map((c) => el('option', { value: c, textContent: L[`marker_${c}`] })));
  const photo = el('input', { type: 'file', className: 'marker-photo', accept: 'image/jpeg,image/png' });
  const heading = el('input', { type: 'number', className: 'scene-heading', min: 0, max: 359, step: 1,
    value: scene.plan ? Math.round(scene.plan.heading) : 0, disabled: !scene.plan,
    on: { change: (e) => { scene.plan.heading = ((Number(e.target.value) % 360) + 360) % 360; changed({ viewer: false }); } } });
  item.append(...[
    el('div', { className: 'row' },
      el('button', { type: 'button', className: 'small set-view', textContent: L.set_view, on: { click: () => {
        const p = state.viewer.viewer.getPosition();
        const fov = Math.min(90, Math.max(30, state.viewer.viewer.state.vFov));
        scene.initial_view = { yaw: Math.round(p.yaw * DEG * 10) / 10, pitch: Math.round(p.pitch * DEG * 10) / 10, fov: Math.round(fov) };
        changed({ viewer: false });
      } } })),
    others.length ? el('div', { className: 'row' },
      el('span', { textContent: L.add_link }), linkTarget,
      el('button', { type: 'button', className: 'small place-link', textContent: '＋', on: { click: () => {
        const to = linkTarget.value;
        setMode({ type: 'link', to, label: `${L.add_link} ${others.find((s) => s.id === to).name}` });
      } } })) : null,
    el('div', {}, title, text, el('div', { className: 'row' }, category, photo,
      el('button', { type: 'button', className: 'small place-marker', textContent: L.add_marker, on: { click: async () => {
        if (!title.value.trim()) { title.focus(); return; }
        const marker = { id: `m${Date.now().toString(36)}`, kind: 'text', category: category.value,
                         title: title.value.trim(), text: text.value.trim(), photo: null };
        if (photo.files[0]) {
          const r = await send(`/upload/photos?lot_id=${lotId}`, photo.files[0]);
          if (r.status !== 201) { status(r.body.error.message, true); return; }
          marker.kind = 'photo'; marker.photo = r.body.url;
        }
        setMode({ type: 'marker', marker, label: `${L.add_marker} “${marker.title}”` });
      } } }))),
    el('div', { className: 'row' }, el('label', { textContent: L.heading }), heading,
      el('button', { type: 'button', className: 'small heading-here', textContent: L.heading_here, disabled: !scene.plan, on: { click: () => {
        const yaw = state.viewer.viewer.getPosition().yaw * DEG;
        scene.plan.heading = Math.round(((-yaw % 360) + 360) % 360);
        changed({ viewer: false });
      } } })),
    el('div', { className: 'row' }, el('label', { textContent: L.video }),
      el('input', { type: 'file', accept: 'video/mp4', className: 'scene-video', on: { change: async (e) => {
        const file = e.target.files[0];
        if (!file) return;
        status(L.job_uploading);
        const r = await send(`/upload/videos?lot_id=${lotId}`, file, (f) => status(`${L.job_uploading} ${Math.round(f * 100)}%`));
        if (r.status !== 201) { status(r.body.error.message, true); return; }
        scene.video = r.body.id;
        changed({ viewer: false });
      } } }),
      scene.video ? el('button', { type: 'button', className: 'small link', textContent: `${L.remove} ${L.video}`,
        on: { click: () => { scene.video = null; changed({ viewer: false }); } } }) : null),
    list(L.links, scene.links, (l) => `→ ${state.draft.scenes.find((s) => s.id === l.to)?.name} (${l.yaw}°, ${l.pitch}°)`,
      (l) => { scene.links = scene.links.filter((x) => x !== l); }),
    list(L.markers, scene.markers, (m) => `${L[`marker_${m.category}`]}: ${m.title} (${m.yaw}°, ${m.pitch}°)`,
      (m) => { scene.markers = scene.markers.filter((x) => x !== m); }),
  ].filter(Boolean));
  return item;
}

function list(title, items, describe, remove) {
  if (!items.length) return null;
  return el('div', {}, el('strong', { className: 'small', textContent: title }),
    el('ul', {}, ...items.map((x) => el('li', {}, `${describe(x)} `,
      el('button', { type: 'button', className: 'small link', textContent: L.remove,
        on: { click: () => { remove(x); changed(); } } })))));
}

function removeScene(id) {
  const d = state.draft;
  d.scenes = d.scenes.filter((s) => s.id !== id);
  for (const s of d.scenes) s.links = s.links.filter((l) => l.to !== id);
  if (d.start_scene === id) d.start_scene = d.scenes[0]?.id ?? null;
  if (state.current === id) state.current = d.start_scene;
  changed();
}

// --- the floor plan: drag scenes onto it ---------------------------------------------------
function renderPlan() {
  const plan = state.draft.floor_plan;
  const box = $('editor-plan');
  const tray = $('plan-tray');
  tray.replaceChildren();
  if (!plan) { box.hidden = true; return; }
  const mark = floorPlan(box, tourView(), (id) => { state.current = id; state.viewer?.go(id); render({ viewer: false }); });
  mark(state.current);
  for (const dot of box.querySelectorAll('.tour-plan-dot')) draggable(dot, dot.dataset.scene);
  for (const s of state.draft.scenes.filter((x) => !x.plan)) {
    const chip = el('span', { className: 'plan-chip', textContent: s.name, dataset: { scene: s.id } });
    draggable(chip, s.id);
    tray.append(chip);
  }
}

function draggable(node, sceneId) {
  node.addEventListener('pointerdown', (down) => {
    down.preventDefault();
    const box = $('editor-plan');
    const plan = state.draft.floor_plan;
    const ghost = el('span', { className: 'tour-plan-dot current' });
    ghost.style.position = 'fixed';
    ghost.style.pointerEvents = 'none';
    document.body.append(ghost);
    const move = (e) => { ghost.style.left = `${e.clientX}px`; ghost.style.top = `${e.clientY}px`; };
    move(down);
    const up = (e) => {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      ghost.remove();
      const r = box.getBoundingClientRect();
      const x = (e.clientX - r.left) / r.width * plan.width;
      const y = (e.clientY - r.top) / r.height * plan.height;
      const scene = state.draft.scenes.find((s) => s.id === sceneId);
      if (Math.hypot(e.clientX - down.clientX, e.clientY - down.clientY) < 3) {
        state.current = sceneId; state.viewer?.go(sceneId); render({ viewer: false }); return;
      }
      if (!(x >= 0 && y >= 0 && x <= plan.width && y <= plan.height)) return;
      scene.plan = { x: Math.round(x), y: Math.round(y), heading: scene.plan ? scene.plan.heading : 0 };
      changed();
    };
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  });
}

function render({ viewer = true } = {}) {
  $('scenes').replaceChildren(...state.draft.scenes.map(sceneItem));
  renderPlan();
  if (viewer) renderViewer();
}

$('save').addEventListener('click', save);
window.addEventListener('beforeunload', (e) => { if (state.dirty) e.preventDefault(); });
load();
