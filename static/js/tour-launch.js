// The lot page shows the tour's preview image; the 3D viewer (three.js and Photo Sphere
// Viewer, about 2 MB of script) loads only when the visitor presses the button, so phones
// that never open the tour never pay for it.
import { $ } from './lib/dom.js';

const section = document.querySelector('[data-tour-url][data-lazy]');
const start = $('tour-start');
if (section && start) {
  start.addEventListener('click', async () => {
    start.disabled = true;
    start.setAttribute('aria-busy', 'true');
    const { mountTour } = await import('./tour-viewer.js');
    section.querySelector('.tour-body').hidden = false;
    $('tour-poster').hidden = true;
    await mountTour(section);
  }, { once: true });
  start.dataset.ready = '1';  // a stable hook: the button works from here on
}
