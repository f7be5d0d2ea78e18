// The virtual tour viewer: Photo Sphere Viewer with cubemap tiles, virtual tour, markers,
// the floor-plan minimap, gyroscope and VR stereo; a floor plan beside the viewer that marks
// the current scene; a 360-degree video overlay for scenes that have one.
import { SYSTEM, Viewer } from '@photo-sphere-viewer/core';
import { CubemapTilesAdapter } from '@photo-sphere-viewer/cubemap-tiles-adapter';
import { VirtualTourPlugin } from '@photo-sphere-viewer/virtual-tour-plugin';
import { MarkersPlugin } from '@photo-sphere-viewer/markers-plugin';
import { MapPlugin } from '@photo-sphere-viewer/map-plugin';
import { GyroscopePlugin } from '@photo-sphere-viewer/gyroscope-plugin';
import { StereoPlugin } from '@photo-sphere-viewer/stereo-plugin';
import { Mesh, Scene } from 'three';
import { getJson } from './lib/api.js';
import { $, el } from './lib/dom.js';
import { MARKER_ICON, attachStereoArrows, attachStereoMarkers } from './lib/stereo-arrows.js';

const RAD = Math.PI / 180;
const PHONE = window.matchMedia('(max-width: 760px)');
// PSV's own arrow (a chevron in rings), drawn by us so each arrow button gets a name
const ARROW_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" aria-hidden="true">'
  + '<path fill-rule="evenodd" fill="currentColor" d="M95,50a45,45 0 1,0 -90,0a45,45 0 1,0 90,0'
  + 'M88,50a38,38 0 0,1 -76,0a38,38 0 0,1 76,0M80,50a30,30 0 1,0 -60,0a30,30 0 1,0 60,0'
  + 'M52.5,37.5l17.5,17.5a2.5,2.5 0 0 1 -5,5l-15,-15l-15,15a2.5,2.5 0 0 1 -5,-5l17.5,-17.5a3.5,3.5 0 0 1 5,0"/></svg>';

// A floor arrow: a button named for the room it leads to (screen readers, Lighthouse)
function arrowButton(link, byId, labels) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'psv-virtual-tour-arrow';
  button.innerHTML = ARROW_SVG;
  const name = byId[link.nodeId]?.name || link.nodeId;
  button.setAttribute('aria-label', `${labels.go_to || ''}${name}`);
  return button;
}

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => (
    { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// manifest (as served in tour.panoramas) -> CubemapTilesAdapter panorama config
export function panoramaConfig(p) {
  return {
    baseUrl: { type: 'stripe', path: p.url + p.base.path, order: p.base.order },
    levels: p.levels.map((l) => ({ faceSize: l.face_size, nbTiles: l.tiles_per_side })),
    tileUrl: (face, col, row, level) => p.url + p.tile_url.replace('{level}', level)
      .replace('{face}', face).replace('{row}', row).replace('{col}', col),
    flipTopBottom: !!p.flip_top_bottom,
  };
}

function markerConfig(m, labels) {
  const title = escapeHtml(m.title);
  const photo = m.kind === 'photo' && m.photo ? `<img src="${escapeHtml(m.photo)}" alt="${title}">` : '';
  const category = labels[`marker_${m.category}`] || m.category;
  return {
    id: `info-${m.id}`,
    position: { yaw: m.yaw * RAD, pitch: m.pitch * RAD },
    html: `<span class="tour-marker tour-marker-${m.category}" aria-label="${title}">${MARKER_ICON[m.category] || 'i'}</span>`,
    size: { width: 32, height: 32 },
    anchor: 'center center',
    tooltip: { content: `<strong>${escapeHtml(category)}</strong> ${title}`, position: 'top center' },
    content: `<div class="tour-marker-panel"><p class="tour-marker-category">${escapeHtml(category)}</p>`
      + `<h3>${title}</h3>${photo}<p>${escapeHtml(m.text).replace(/\n/g, '<br>')}</p></div>`,
    data: { marker: m },
  };
}

function sceneNodes(tour, labels) {
  return tour.scenes.map((s) => {
    const pano = tour.panoramas[s.panorama];
    return {
      id: s.id,
      name: escapeHtml(s.name),
      caption: escapeHtml(s.name),
      thumbnail: pano ? pano.url + pano.thumbnail : undefined,
      panorama: panoramaConfig(pano),
      links: s.links.map((l) => ({ nodeId: l.to, position: { yaw: l.yaw * RAD, pitch: l.pitch * RAD } })),
      markers: s.markers.map((m) => markerConfig(m, labels)),
      map: s.plan && tour.floor_plan ? { x: s.plan.x, y: s.plan.y } : false,
      data: { scene: s },
    };
  });
}

// Where to look on arrival: keep the walking direction across rooms when both have a plan
// heading (yaw 0 of a scene looks at plan direction `heading`), else the scene's start view.
export function arrivalView(tour, toId, fromId, fromLink) {
  const to = tour.scenes.find((s) => s.id === toId);
  const from = fromId && tour.scenes.find((s) => s.id === fromId);
  if (from && fromLink && from.plan && to.plan) {
    return { yaw: fromLink.yaw + from.plan.heading - to.plan.heading, pitch: to.initial_view.pitch,
             fov: null };
  }
  return to.initial_view;
}

// Before it cuts a cube stripe into faces, PSV probes the widest 2D canvas the browser can draw
// by painting into one as wide as the largest WebGL texture (8192-16384 px wide: 128-512 MB of
// pixels), on the main thread, once per page. Its answer only ever shrinks images wider than
// that: our base stripes have 256 px faces, and a floor plan over 4096 px would be drawn on
// the minimap at 4096 px. So a width every browser draws (4096 px) is taken as the answer and
// phones are spared the allocation (~100 ms of main thread in the Lighthouse trace).
// (An internal field: should PSV rename it, this does nothing and PSV probes as before.)
if (SYSTEM.__maxCanvasWidth === null) SYSTEM.__maxCanvasWidth = 4096;

// no multisampling on phones: their pixel density hides the edges, and MSAA multiplies the
// fill cost of every frame
function rendererAttributes() {
  return { alpha: true, antialias: !PHONE.matches };
}

// PSV's first viewer reads the device's capabilities (SYSTEM.load) from a WebGL2 context of its
// own, on a canvas it then drops, before three opens the renderer's context: two contexts,
// each tens of milliseconds of a phone's main thread (and of SwiftShader's set-up where WebGL
// runs on the CPU). Here that probe's context is opened with the renderer's attributes and
// handed to three, so the page opens one. Should PSV's internals change (no SYSTEM.load, a
// probe that is not a canvas' getContext('webgl2')), this returns nothing and three opens its
// own context as before.
//
// The canvas is given the viewer box's size in CSS pixels before its context opens. three then
// sets it to device pixels (setPixelRatio) and PSV's sizing finds it already at that size, so
// the drawing buffer is allocated at its final size once instead of being resized from 300 x
// 150 several times (each resize waits on the GPU process: ~12 ms of main thread in the trace).
function probeContext(attributes, box) {
  if (SYSTEM.loaded !== false || typeof SYSTEM.load !== 'function') return {};
  const proto = HTMLCanvasElement.prototype;
  const getContext = proto.getContext;
  let canvas = null;
  let context = null;
  proto.getContext = function probe(type, options) {
    if (type !== 'webgl2' || context) return getContext.call(this, type, options);
    if (box?.clientWidth && box.clientHeight) {
      this.width = box.clientWidth;
      this.height = box.clientHeight;
    }
    context = getContext.call(this, type, { ...attributes, ...options });
    canvas = this;
    return context;
  };
  try {
    SYSTEM.load();
  } catch {
    return {};  // no WebGL 2: the Viewer throws the same and shows PSV's message
  } finally {
    proto.getContext = getContext;
  }
  return context ? { canvas, context } : {};
}

// Every tile that arrives asks PSV for a frame, and where WebGL runs in software every frame
// that changes the canvas costs a read-back of the whole canvas; on a phone's first view the
// base stripe and the tiles arrive over a few frames. The viewer's first frame is drawn once
// the first panorama's visible tiles are in (or failed), so they land in one frame; the start
// scene's preview image covers the box until then. If the base is drawn but a tile is still
// missing after FIRST_FRAME_WAIT_MS, it draws anyway and tiles follow as they come. Should
// PSV's renderer loop or the tiles adapter's queue change shape, nothing is held.
const FIRST_FRAME_WAIT_MS = 2000;
function holdFirstFrame(viewer, render) {
  const renderer = viewer.renderer;
  const queue = viewer.adapter?.queue;
  const loop = renderer?.__renderLoop;
  if (typeof loop !== 'function' || !queue || typeof queue.tasks !== 'object') return;
  let baseAt = 0;
  const complete = (now) => {
    const tiles = viewer.adapter.state?.tiles;
    if (!viewer.state.textureData || !tiles) return false;
    baseAt ||= now;
    if (now - baseAt > FIRST_FRAME_WAIT_MS) return true;
    // PENDING (1) or RUNNING (2) tiles: PSV's own Task statuses
    return Object.keys(tiles).length > 0
      && !Object.values(queue.tasks).some((t) => t.status === 1 || t.status === 2);
  };
  const warm = warmUp(renderer, render);
  renderer.__renderLoop = function held(timestamp) {
    if (warm(performance.now()) || !complete(performance.now())) return;
    delete renderer.__renderLoop;  // back to PSV's own loop
    return loop.call(renderer, timestamp);
  };
}

// While the first frame is held, the work that frame would do besides drawing is done ahead,
// a little per animation frame, so that the first visible frame only draws. Left in it, that
// work made it one long task (~220 ms of main thread in a phone-sized trace, which Lighthouse
// counts about four times over; docs/benchmarks.md, "Fifth round"):
//   1. the shader programs are linked without waiting on the GPU process (compileAsync);
//   2. three reads their uniforms and attributes (a round trip per name);
//   3. each texture, as it arrives, is uploaded by a draw of the groups whose textures are
//      ready into one pixel of the canvas (a scissored draw: the same GPU pipeline as the real
//      frame's, so that is built ahead too), about WARM_BUDGET_MS of work per frame;
//   4. when every texture is in, the frame is let go.
// warm(now) is true while it holds the frame. It gives up after WARM_GIVE_UP_MS (a program
// that never links, a lost context) and lets the frame do what is left, as before.
const WARM_BUDGET_MS = 6;
const WARM_GIVE_UP_MS = 4000;
function warmUp(renderer, render) {
  const webgl = renderer.renderer;
  const { scene, camera } = renderer;
  if (!render || !scene || !camera || typeof webgl?.compileAsync !== 'function' || !webgl.info) {
    return () => false;
  }
  const ready = new Set();  // textures drawn once
  const isReady = (m) => !m.map || ready.has(m.map);
  let startedAt = 0;
  let linked = null;  // null, then the pending link, then true
  let introspected = false;
  const waitingTextures = () => {
    const found = new Set();
    scene.traverseVisible((o) => {
      for (const m of o.isMesh ? [].concat(o.material) : []) {
        if (m?.map?.image && !ready.has(m.map)) found.add(m.map);
      }
    });
    return [...found];
  };
  // draw the groups whose textures are ready into the canvas' bottom-left pixel
  const drawReady = () => {
    webgl.setScissorTest(true);
    webgl.setScissor(0, 0, 1, 1);
    try {
      render(scene, camera, isReady);
    } finally {
      webgl.setScissorTest(false);
    }
  };
  return (now) => {
    const waiting = waitingTextures();
    if (!waiting.length) return false;
    startedAt ||= now;
    if (now - startedAt > WARM_GIVE_UP_MS) return false;
    if (!linked) {
      // three's compile visits every material of every mesh, 1,537 for the tiles mesh alone
      // (~80 ms of a phone's main thread): it is given one small mesh per distinct material
      const distinct = new Scene();
      scene.traverseVisible((o) => {
        if (o.isMesh) for (const m of new Set([].concat(o.material))) distinct.add(new Mesh(o.geometry, m));
      });
      linked = webgl.compileAsync(distinct, camera, scene).catch(() => {}).then(() => { linked = true; });
      return true;
    }
    if (linked !== true) return true;
    if (!introspected) {
      introspected = true;
      for (const program of webgl.info.programs || []) { program.getUniforms?.(); program.getAttributes?.(); }
      return true;
    }
    const start = performance.now();
    for (const texture of waiting) {
      ready.add(texture);
      drawReady();
      if (performance.now() - start > WARM_BUDGET_MS) break;
    }
    return true;
  };
}

// PSV's cubemap tiles mesh cuts every cube face into 16 x 16 squares, each its own geometry
// group, so three issues one draw call per square: 1,536 a frame, most of them the fully
// transparent placeholder of a tile not loaded yet, the rest runs of squares sharing one tile's
// texture, each with its own state changes and validation in the browser and the driver.
// While three draws, each tiles mesh gets its groups merged: contiguous squares
// with the same material become one group and the transparent placeholder's squares are
// dropped (they draw nothing); PSV's own groups are put back as soon as the frame is drawn, so
// its tile bookkeeping (which looks squares up by their group) never sees the merged ones.
// The result is the same picture in some tens of calls. Should PSV's mesh change shape (no
// multi-material mesh), nothing is merged.
export function mergedGroups(groups, materials, keep = () => true) {
  const out = [];
  let last = null;
  for (const g of groups) {
    const m = materials[g.materialIndex];
    if (!m?.visible || (m.transparent && m.opacity === 0) || !keep(m)) { last = null; continue; }
    if (last && last.start + last.count === g.start && materials[last.materialIndex] === m) {
      last.count += g.count;
    } else {
      last = { start: g.start, count: g.count, materialIndex: g.materialIndex };
      out.push(last);
    }
  }
  return out;
}

// The tiles are drawn after the base cube (renderOrder) and never overlap each other, so like
// the base they need no depth buffer: both then share one GPU pipeline.
function withoutDepth(groups, materials) {
  for (const g of groups) {
    const m = materials[g.materialIndex];
    if (m.depthTest || m.depthWrite) { m.depthTest = false; m.depthWrite = false; m.needsUpdate = true; }
  }
  return groups;
}

// Returns the renderer's render, which now also takes `keep` (the warm-up's): then every
// multi-material mesh draws only the groups of the materials kept. Nothing where three's
// renderer is not there.
function batchTileDraws(viewer) {
  const webgl = viewer.renderer?.renderer;
  if (!webgl || typeof webgl.render !== 'function') return null;
  const cache = new WeakMap();  // geometry -> { version, materials, source, groups }
  const merged = (mesh) => {
    const geometry = mesh.geometry;
    // PSV swaps a square's material only together with its uvs, which it marks changed
    const version = geometry.attributes.uv?.version;
    let entry = cache.get(geometry);
    if (!entry || entry.version !== version || entry.materials !== mesh.material || entry.source !== geometry.groups) {
      entry = { version, materials: mesh.material, source: geometry.groups,
                groups: withoutDepth(mergedGroups(geometry.groups, mesh.material), mesh.material) };
      cache.set(geometry, entry);
    }
    return entry.groups;
  };
  const render = webgl.render;
  webgl.render = function batched(scene, camera, keep) {
    const swapped = [];
    scene.traverseVisible((mesh) => {
      if (!mesh.isMesh || !Array.isArray(mesh.material)) return;
      const geometry = mesh.geometry;
      if (!keep && !(geometry.groups?.length > 64)) return;  // not a tiles mesh
      const groups = keep ? withoutDepth(mergedGroups(geometry.groups, mesh.material, keep), mesh.material)
        : merged(mesh);
      swapped.push([geometry, geometry.groups]);
      geometry.groups = groups;
    });
    try {
      return render.call(this, scene, camera);
    } finally {
      for (const [geometry, groups] of swapped) geometry.groups = groups;
    }
  };
  return (scene, camera, keep) => webgl.render(scene, camera, keep);
}

export function createTourViewer(container, tour, options = {}) {
  const labels = options.labels || {};
  const plan = tour.floor_plan;
  const byId = Object.fromEntries(tour.scenes.map((s) => [s.id, s]));
  const start = options.startScene && byId[options.startScene] ? options.startScene : tour.start_scene;
  const first = byId[start];
  const plugins = [
    MarkersPlugin,
    [GyroscopePlugin, { touchmove: true }],
    StereoPlugin,
  ];
  // On phones there is no minimap: the floor plan under the viewer does its job, and the
  // minimap's canvas redraws cost a phone's CPU seconds on load (Lighthouse, docs/benchmarks.md)
  const minimap = plan && !PHONE.matches;
  if (minimap) {
    plugins.push([MapPlugin, {
      imageUrl: plan.url, center: first?.plan ? { x: first.plan.x, y: first.plan.y } : null,
      rotation: (first?.plan ? first.plan.heading : 0) * RAD,
      // embedded on the lot page the minimap starts collapsed (its button opens it) so it
      // does not cover the floor arrows; the full-screen page shows it open
      size: options.compact ? '120px' : '180px',
      visibleOnLoad: !options.compact,
      position: 'bottom right', defaultZoom: 60, minimizeOnHotspotClick: false,
      buttons: { maximize: true, close: true, reset: true, north: true },
    }]);
  }
  let lastLink = null;
  let viewerRef = null;
  plugins.push([VirtualTourPlugin, {
    nodes: sceneNodes(tour, labels),
    startNodeId: start,
    renderMode: '3d',
    preload: !PHONE.matches,  // phones fetch a room when they walk into it, not before
    map: minimap ? { imageUrl: plan.url } : null,
    getLinkTooltip: (content) => content,
    arrowStyle: { element: (link) => arrowButton(link, byId, labels) },
    transitionOptions: (toNode, fromNode, fromLink) => {
      const link = fromNode && fromLink ? (byId[fromNode.id].links.find((l) => l.to === toNode.id) || null) : null;
      const view = arrivalView(tour, toNode.id, fromNode?.id, link);
      lastLink = link;
      const out = { showLoader: !fromNode, effect: fromNode ? 'fade' : 'none', speed: 1500, rotation: false,
                    rotateTo: { yaw: view.yaw * RAD, pitch: view.pitch * RAD } };
      if (view.fov && viewerRef) out.zoomTo = viewerRef.dataHelper.fovToZoomLevel(view.fov);
      return out;
    },
  }]);
  const rendererParameters = rendererAttributes();
  Object.assign(rendererParameters, options.context || probeContext(rendererParameters));
  const viewer = new Viewer({
    container,
    // phones: no mipmaps for the tiles (PSV's `antialias`), whose level is picked to match the
    // screen's pixels anyway; generating them costs each upload a pass over the whole tile
    adapter: [CubemapTilesAdapter, { showErrorTile: false, baseBlur: false, antialias: !PHONE.matches }],
    plugins,
    rendererParameters,
    loadingTxt: labels.loading || '',
    defaultYaw: first ? first.initial_view.yaw * RAD : 0,
    defaultPitch: first ? first.initial_view.pitch * RAD : 0,
    minFov: 30, maxFov: 90,
    touchmoveTwoFingers: false,
    mousewheelCtrlKey: !!options.ctrlZoom,
    navbar: ['zoom', 'move', 'markersList', 'gyroscope', 'stereo', 'caption', 'fullscreen'],
    // PSV's own buttons, tooltips and plugin texts in the page's language (from the locale files)
    lang: options.psvLang || labels.psv || {},
  });
  viewerRef = viewer;
  holdFirstFrame(viewer, batchTileDraws(viewer));
  const virtualTour = viewer.getPlugin(VirtualTourPlugin);
  const map = minimap ? viewer.getPlugin(MapPlugin) : null;
  const stereo = viewer.getPlugin(StereoPlugin);
  const api = {
    viewer, virtualTour, map, markers: viewer.getPlugin(MarkersPlugin), tour, stereo,
    stereoArrows: attachStereoArrows(viewer, virtualTour, stereo),
    stereoMarkers: attachStereoMarkers(viewer, virtualTour, stereo),
    currentScene: () => virtualTour.getCurrentNode()?.id ?? null,
    go: (id) => virtualTour.setCurrentNode(id),
    onChange: [],
    lastLink: () => lastLink,
  };
  virtualTour.addEventListener('node-changed', ({ node }) => {
    const scene = byId[node.id] || api.tour.scenes.find((s) => s.id === node.id);
    if (map && scene?.plan) map.setOptions({ rotation: scene.plan.heading * RAD });
    for (const fn of api.onChange) fn(scene);
  });
  api.setTour = (next, keepScene) => {
    api.tour = next;
    for (const k of Object.keys(byId)) delete byId[k];
    for (const s of next.scenes) byId[s.id] = s;
    const current = keepScene && byId[keepScene] ? keepScene : next.start_scene;
    virtualTour.setNodes(sceneNodes(next, labels), current);
  };
  return api;
}

// The floor plan beside the viewer: a dot per placed scene, the current one marked.
export function floorPlan(root, tour, onPick) {
  root.replaceChildren();
  if (!tour.floor_plan) { root.hidden = true; return () => {}; }
  root.hidden = false;
  const { width, height, url } = tour.floor_plan;
  root.style.aspectRatio = `${width} / ${height}`;  // sized before the image arrives
  root.append(el('img', { src: url, alt: '', className: 'tour-plan-image' }));
  const dots = {};
  for (const s of tour.scenes) {
    if (!s.plan) continue;
    const dot = document.createElement('button');
    dot.type = 'button';
    dot.className = 'tour-plan-dot';
    dot.dataset.scene = s.id;
    dot.style.left = `${100 * s.plan.x / width}%`;
    dot.style.top = `${100 * s.plan.y / height}%`;
    dot.style.setProperty('--heading', `${s.plan.heading}deg`);
    dot.title = s.name;
    dot.setAttribute('aria-label', s.name);
    dot.addEventListener('click', () => onPick(s.id));
    root.append(dot);
    dots[s.id] = dot;
  }
  return (current) => {
    for (const [id, dot] of Object.entries(dots)) {
      dot.classList.toggle('current', id === current);
      if (id === current) dot.setAttribute('aria-current', 'location');
      else dot.removeAttribute('aria-current');
    }
  };
}

// A second viewer over the tour for a scene's 360-degree video (equirectangular MP4).
export async function openVideo(host, url, labels) {
  const [{ EquirectangularVideoAdapter }, { VideoPlugin }] = await Promise.all([
    import('@photo-sphere-viewer/equirectangular-video-adapter'),
    import('@photo-sphere-viewer/video-plugin'),
  ]);
  const close = el('button', { type: 'button', className: 'tour-video-close', textContent: labels.close || '×' });
  const box = el('div', { className: 'tour-video-viewer' });
  const overlay = el('div', { className: 'tour-video' }, box, close);
  host.append(overlay);
  const viewer = new Viewer({
    container: box,
    adapter: [EquirectangularVideoAdapter, { autoplay: true, muted: true }],
    plugins: [VideoPlugin],
    panorama: { source: url },
    navbar: ['videoPlay', 'videoVolume', 'videoTime', 'caption', 'fullscreen'],
    lang: labels.psv || {},
    loadingTxt: labels.loading || '',
  });
  close.addEventListener('click', () => { viewer.destroy(); overlay.remove(); });
  return viewer;
}

// Mount on an element holding data-tour-url (the lot page and the full-screen page).
export async function mountTour(section) {
  const labels = JSON.parse($('tour-i18n')?.textContent || '{}');
  let tour;
  if (section.dataset.tourJson) {
    tour = JSON.parse($(section.dataset.tourJson).textContent);
  } else {
    const response = await getJson(section.dataset.tourUrl);
    if (!response.ok) return null;  // no tour for this lot: leave the section hidden
    tour = response.body;
  }
  if (!tour.scenes.length) return null;
  // evaluating three.js and PSV is one long task, opening the WebGL context another and
  // building the viewer (DOM, renderer) a third: let the page paint and answer input in between
  await new Promise((resolve) => setTimeout(resolve, 0));
  section.hidden = false;
  const box = section.querySelector('.tour-viewer');
  const context = probeContext(rendererAttributes(), box);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const planBox = section.querySelector('.tour-plan');
  const rooms = section.querySelector('.tour-rooms');
  const videoButton = section.querySelector('.tour-video-button');
  const api = createTourViewer(box, tour, { labels, context, ctrlZoom: section.dataset.ctrlZoom === '1',
                                            compact: !section.classList.contains('tour-full') });
  // the full-screen page's preview image covers the box until the panorama is drawn
  const preview = section.querySelector('.tour-preview');
  if (preview) {
    const drawn = () => {
      if (!api.viewer.state.textureData) return;
      preview.remove();
      api.viewer.removeEventListener('render', drawn);
    };
    api.viewer.addEventListener('render', drawn);
  }
  const markPlan = planBox ? floorPlan(planBox, tour, (id) => api.go(id)) : () => {};
  const roomButtons = {};
  if (rooms) {
    rooms.replaceChildren(...tour.scenes.map((s) => {
      roomButtons[s.id] = el('button', { type: 'button', textContent: s.name, dataset: { scene: s.id },
                                         on: { click: () => api.go(s.id) } });
      return roomButtons[s.id];
    }));
  }
  api.onChange.push((scene) => {
    markPlan(scene.id);
    for (const [id, b] of Object.entries(roomButtons)) b.classList.toggle('current', id === scene.id);
    section.dataset.currentScene = scene.id;
    if (videoButton) {
      videoButton.hidden = !scene.video_url;
      videoButton.onclick = () => openVideo(section, scene.video_url, labels);
    }
  });
  section.tour = api;
  window.tourViewer = api;
  return api;
}

// A lazy section (the lot page) is mounted by tour-launch.js when the visitor opens it.
const section = document.querySelector('[data-tour-url]');
if (section && !section.dataset.lazy) mountTour(section);
