// Arrows and info markers per eye in stereo (VR) mode. The StereoPlugin renders the WebGL
// scene twice, once per eye (three's StereoEffect), and hides the HTML markers; and the
// VirtualTourPlugin's '3d' arrows are a CSS3D layer over the whole viewer, drawn once across
// the seam between the eyes. While stereo is on, that layer is hidden, every link of the
// current scene gets a flat arrow mesh and every info marker a flat badge (its icon and
// title) in the WebGL scene instead, which the stereo effect draws in each eye.
import {
  CanvasTexture, CircleGeometry, DoubleSide, Group, Mesh, MeshBasicMaterial, PlaneGeometry,
  Shape, ShapeGeometry,
} from 'three';

export const ARROW_DISTANCE = 6; // scene units, inside PSV's panorama sphere (radius 10)
export const MARKER_DISTANCE = 6;
// The HTML markers' icon per category; the colours are those of .tour-marker-* in tour.css.
export const MARKER_ICON = { defect: '!', fixture: 'i', info: 'i' };
const MARKER_COLOUR = { defect: '#c0392b', fixture: '#1a7f37', info: '#1e78e6' };
const noRaycast = () => {};

// A chevron pointing up (+y) in the xy plane, about 0.7 units wide.
export function chevronShape() {
  const s = new Shape();
  s.moveTo(0, 0.3);
  s.lineTo(0.35, -0.05);
  s.lineTo(0.22, -0.17);
  s.lineTo(0, 0.05);
  s.lineTo(-0.22, -0.17);
  s.lineTo(-0.35, -0.05);
  s.closePath();
  return s;
}

function overlay(mesh, order) {
  mesh.renderOrder = 1000 + order; // over the panorama
  mesh.raycast = noRaycast; // never in the way of PSV's clicks and hovers
  return mesh;
}

// Place an object at a (yaw, pitch) position, `distance` from the camera, facing it.
function place(viewer, object, position, distance) {
  viewer.dataHelper.sphericalCoordsToVector3(viewer.dataHelper.cleanPosition(position),
                                             object.position, distance);
  object.lookAt(0, 0, 0);
  return object;
}

function arrowMesh(viewer, link) {
  const arrow = new Group();
  const disc = new Mesh(new CircleGeometry(0.5, 32), new MeshBasicMaterial(
    { color: 0x1f2933, transparent: true, opacity: 0.55, depthTest: false, side: DoubleSide }));
  // transparent too, so both are drawn in the same (transparent) pass in renderOrder
  const chevron = new Mesh(new ShapeGeometry(chevronShape()), new MeshBasicMaterial(
    { color: 0xffffff, transparent: true, opacity: 1, depthTest: false, side: DoubleSide }));
  arrow.add(overlay(disc, 0), overlay(chevron, 1));
  arrow.userData.nodeId = link.nodeId;
  return place(viewer, arrow, link.position, ARROW_DISTANCE); // the chevron points up (forward)
}

// The marker's badge as a picture: the round icon (as the HTML marker) over its title, since
// in VR there is no pointer to hover for the tooltip.
const BADGE = { width: 256, height: 160, radius: 34, iconY: 42 };

export function badgeCanvas(category, title) {
  const canvas = document.createElement('canvas');
  canvas.width = BADGE.width;
  canvas.height = BADGE.height;
  const g = canvas.getContext('2d');
  const cx = BADGE.width / 2;
  g.beginPath();
  g.arc(cx, BADGE.iconY, BADGE.radius, 0, 2 * Math.PI);
  g.fillStyle = MARKER_COLOUR[category] || MARKER_COLOUR.info;
  g.fill();
  g.lineWidth = 5;
  g.strokeStyle = '#fff';
  g.stroke();
  g.fillStyle = '#fff';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.font = 'bold 40px sans-serif';
  g.fillText(MARKER_ICON[category] || 'i', cx, BADGE.iconY + 2);
  let text = String(title || '');
  g.font = '26px sans-serif';
  const room = BADGE.width - 24;
  if (g.measureText(text).width > room) {
    while (text && g.measureText(`${text}…`).width > room) text = text.slice(0, -1);
    text += '…';
  }
  if (text) {
    const w = g.measureText(text).width + 20;
    g.fillStyle = 'rgba(0, 0, 0, 0.65)';
    g.beginPath();
    g.roundRect(cx - w / 2, 96, w, 42, 10);
    g.fill();
    g.fillStyle = '#fff';
    g.fillText(text, cx, 118);
  }
  return canvas;
}

function markerMesh(viewer, config) {
  const { category, title } = config.data.marker;
  // no colour space: PSV turns colour management off and outputs linear, so the canvas's
  // pixels come out as drawn (like the panorama's)
  const texture = new CanvasTexture(badgeCanvas(category, title));
  const width = 1.6; // the icon comes out about as large as the 32 px HTML marker
  const height = width * BADGE.height / BADGE.width;
  const badge = overlay(new Mesh(new PlaneGeometry(width, height), new MeshBasicMaterial(
    { map: texture, transparent: true, depthTest: false, side: DoubleSide })), 2);
  badge.position.y = height * (0.5 - BADGE.iconY / BADGE.height); // the icon on the spot
  const marker = new Group();
  marker.add(badge);
  marker.userData.markerId = config.id;
  return place(viewer, marker, config.position, MARKER_DISTANCE);
}

function disposeGroup(group) {
  group.traverse((o) => {
    o.geometry?.dispose();
    o.material?.map?.dispose();
    o.material?.dispose();
  });
  group.clear();
}

// A group of meshes made by build(current node), in the scene only while stereo is on and
// rebuilt when the visitor walks to another scene.
function stereoLayer(viewer, virtualTour, stereo, name, build, onToggle = () => {}) {
  const group = new Group();
  group.name = name;
  const rebuild = () => {
    disposeGroup(group);
    const objects = build(virtualTour.getCurrentNode());
    if (objects.length) group.add(...objects);
    viewer.needsUpdate();
  };
  stereo.addEventListener('stereo-updated', ({ stereoEnabled }) => {
    onToggle(stereoEnabled);
    if (stereoEnabled) {
      rebuild();
      viewer.renderer.addObject(group);
    } else {
      viewer.renderer.removeObject(group);
      disposeGroup(group);
    }
    viewer.needsUpdate();
  });
  virtualTour.addEventListener('node-changed', () => {
    if (stereo.isEnabled()) rebuild();
  });
  return group;
}

// Keep the stereo arrows in step with stereo mode and the current scene; returns the group.
export function attachStereoArrows(viewer, virtualTour, stereo) {
  return stereoLayer(viewer, virtualTour, stereo, 'stereo-arrows',
    (node) => (node?.links || []).filter((l) => l.position).map((l) => arrowMesh(viewer, l)),
    (on) => {
      const arrows = viewer.container.querySelector('.psv-virtual-tour-arrows');
      if (arrows) arrows.style.display = on ? 'none' : '';
    });
}

// The same for the scene's info markers (the MarkersPlugin hides the HTML ones in stereo).
export function attachStereoMarkers(viewer, virtualTour, stereo) {
  return stereoLayer(viewer, virtualTour, stereo, 'stereo-markers',
    (node) => (node?.markers || []).filter((m) => m.position && m.data?.marker)
      .map((m) => markerMesh(viewer, m)));
}
