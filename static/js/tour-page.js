// The full-screen tour page. The start scene's preview image is its first and largest paint;
// the viewer's code (three.js and Photo Sphere Viewer, ~480 KB) is fetched once that image is
// painted, so on a phone's link the two do not share the bandwidth and the room shows at once.
// The viewer then starts straight away (tour-viewer.js mounts it on import). Without a
// preview, or if it fails to load, the code is fetched at once.
const PAINT_WAIT_MS = 300;  // the longest wait for the paint to be reported once the image is in
const preview = document.querySelector('.tour-preview');

function painted() {
  return new Promise((resolve) => {
    // where the browser reports paints, the preview's own largest-contentful-paint entry;
    // elsewhere the frame after the image loads
    if (PerformanceObserver.supportedEntryTypes?.includes('largest-contentful-paint')) {
      const observer = new PerformanceObserver((list) => {
        if (list.getEntries().some((e) => e.element === preview)) { observer.disconnect(); resolve(); }
      });
      observer.observe({ type: 'largest-contentful-paint', buffered: true });
    }
    const loaded = () => requestAnimationFrame(() => setTimeout(resolve, PAINT_WAIT_MS));
    if (preview.complete) loaded();
    else preview.addEventListener('load', loaded, { once: true });
    preview.addEventListener('error', resolve, { once: true });
  });
}

(preview && !(preview.complete && preview.naturalWidth === 0) ? painted() : Promise.resolve())
  .then(() => import('./tour-viewer.js'));
