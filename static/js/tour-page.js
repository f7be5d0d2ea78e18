// The full-screen tour page. The start scene's preview image is its first and largest paint;
// the viewer's code (three.js and Photo Sphere Viewer, ~480 KB) is fetched once that image is
// in and painted, so on a phone's link the two do not share the bandwidth and the room shows
// at once. The viewer then starts straight away (tour-viewer.js mounts it on import); without
// a preview, or if it fails to load, the code is fetched at once.
const preview = document.querySelector('.tour-preview');
const loaded = !preview || preview.complete ? Promise.resolve() : new Promise((resolve) => {
  preview.addEventListener('load', resolve, { once: true });
  preview.addEventListener('error', resolve, { once: true });
});
// the next frame paints the image; the import starts in the task after it
loaded
  .then(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
  .then(() => import('./tour-viewer.js'));
