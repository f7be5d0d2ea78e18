// Arrows per eye in stereo (VR) mode. The StereoPlugin renders the WebGL scene twice, once
// per eye (three's StereoEffect), and hides the HTML markers; but the VirtualTourPlugin's '3d'
// arrows are a CSS3D layer over the whole viewer, drawn once across the seam between the
// eyes. While stereo is on, that layer is hidden and every link of the current scene gets a
// flat arrow mesh in the WebGL scene instead, which the stereo effect draws in each eye.
import { CircleGeometry, DoubleSide, Group, Mesh, MeshBasicMaterial, Shape, ShapeGeometry } from 'three';

export const ARROW_DISTANCE = 6; // scene units, inside PSV's panorama sphere (radius 10)
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

function arrowMesh(viewer, link) {
  const arrow = new Group();
  const disc = new Mesh(new CircleGeometry(0.5, 32), new MeshBasicMaterial(
    { color: 0x1f2933, transparent: true, opacity: 0.55, depthTest: false, side: DoubleSide }));
  // transparent too, so both are drawn in the same (transparent) pass in renderOrder
  const chevron = new Mesh(new ShapeGeometry(chevronShape()), new MeshBasicMaterial(
    { color: 0xffffff, transparent: true, opacity: 1, depthTest: false, side: DoubleSide }));
  for (const [i, m] of [disc, chevron].entries()) {
    m.renderOrder = 1000 + i; // over the panorama
    m.raycast = noRaycast; // never in the way of PSV's clicks and hovers
    arrow.add(m);
  }
  const position = viewer.dataHelper.cleanPosition(link.position);
  viewer.dataHelper.sphericalCoordsToVector3(position, arrow.position, ARROW_DISTANCE);
  arrow.lookAt(0, 0, 0); // face the camera at the centre; the chevron points up (forward)
  arrow.userData.nodeId = link.nodeId;
  return arrow;
}

function disposeGroup(group) {
  group.traverse((o) => {
    o.geometry?.dispose();
    o.material?.dispose();
  });
  group.clear();
}

// Keep the stereo arrows in step with stereo mode and the current scene; returns the group
// (added to the scene only while stereo is on).
export function attachStereoArrows(viewer, virtualTour, stereo) {
  const group = new Group();
  group.name = 'stereo-arrows';
  const layer = () => viewer.container.querySelector('.psv-virtual-tour-arrows');
  const rebuild = () => {
    disposeGroup(group);
    for (const link of virtualTour.getCurrentNode()?.links || []) {
      if (link.position) group.add(arrowMesh(viewer, link));
    }
    viewer.needsUpdate();
  };
  stereo.addEventListener('stereo-updated', ({ stereoEnabled }) => {
    const arrows = layer();
    if (arrows) arrows.style.display = stereoEnabled ? 'none' : '';
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
