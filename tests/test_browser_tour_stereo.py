"""Stereo (VR) mode in real Chromium: each eye shows its own floor arrows and info markers.

The StereoPlugin needs a gyroscope; Chromium's DevTools protocol emulates one
(DeviceOrientation.setDeviceOrientationOverride), so the stereo button appears and is
pressed like on a phone. Without static/js/lib/stereo-arrows.js the arrows are the CSS3D
layer drawn once over the whole viewer, across the seam between the eyes, and the markers
(HTML, hidden by the MarkersPlugin in stereo) are not drawn at all."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from test_browser_tour import make_tour

SHOTS = Path("/work/wt/shots/media10")
# the yaw once it has not moved for 10 frames (the gyroscope eases towards the device's)
SETTLED_YAW = """new Promise((resolve) => {
  let last = null, still = 0;
  const tick = () => {
    const yaw = tourViewer.viewer.getPosition().yaw;
    still = last !== null && Math.abs(yaw - last) < 1e-6 ? still + 1 : 0;
    last = yaw;
    if (still >= 10) resolve(yaw); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def grab(page: Any, path: Path) -> np.ndarray:
    page.locator(".tour-viewer").screenshot(path=str(path))
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def frames(page: Any, n: int = 2) -> None:
    page.evaluate("n => new Promise(r => { const f = () => --n ? requestAnimationFrame(f) : r();"
                  " requestAnimationFrame(f); })", n)


def toggled(page: Any, group: str, out: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Screenshots with and without one stereo group (tourViewer.stereoArrows/-Markers)."""
    frames(page)
    shown = grab(page, out / f"{name}.png")
    page.evaluate(f"tourViewer.{group}.visible = false; tourViewer.viewer.needsUpdate()")
    frames(page)
    hidden = grab(page, out / f"{name}-hidden.png")
    page.evaluate(f"tourViewer.{group}.visible = true; tourViewer.viewer.needsUpdate()")
    return shown, hidden


def once_per_eye(shown: np.ndarray, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the group adds, in the left and the right eye: once in each, not across the seam,
    the same size and height in both, about half the width apart."""
    drawn = np.abs(shown - hidden).max(axis=2) > 60
    h, w = drawn.shape
    left, right = drawn[:, : w // 2], drawn[:, w // 2:]
    assert left.sum() > 300 and right.sum() > 300, (left.sum(), right.sum())
    assert not drawn[:, w // 2 - 3: w // 2 + 3].any(), "drawn across the seam"
    ly, lx = np.nonzero(left)
    ry, rx = np.nonzero(right)
    assert abs(ly.mean() - ry.mean()) < 6 and 0.7 < left.sum() / right.sum() < 1.4
    assert abs((rx.mean() + w // 2 - lx.mean()) - w / 2) < w * 0.05
    return left, right


def turn_to(page: Any, cdp: Any, yaw_deg: float, beta: float) -> None:
    """Turn the (emulated) phone until the view looks at yaw_deg: yaw follows alpha one to
    one, in the other direction, from where the view settled; beta tilts the view."""
    cdp.send("DeviceOrientation.setDeviceOrientationOverride",
             {"alpha": 45, "beta": beta, "gamma": 0})
    settled = page.evaluate(SETTLED_YAW)
    alpha = (45 + math.degrees(settled) - yaw_deg) % 360 or 0.01  # 0 reads as "no reading"
    cdp.send("DeviceOrientation.setDeviceOrientationOverride",
             {"alpha": alpha, "beta": beta, "gamma": 0})
    target = math.radians(yaw_deg) % (2 * math.pi)
    page.wait_for_function(f"Math.abs(tourViewer.viewer.getPosition().yaw - {target}) < 0.05")


def test_stereo_draws_arrows_and_markers_once_per_eye(portal: str, redis_url: str, browser: Any,
                                             tmp_path: Path) -> None:
    lot_id, _, _ = make_tour(portal, redis_url)
    out = SHOTS if SHOTS.parent.is_dir() else tmp_path
    out.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    cdp = context.new_cdp_session(page)
    # a phone held upright, tilted a little down (beta 75): the camera looks below the horizon
    cdp.send("DeviceOrientation.setDeviceOrientationOverride",
             {"alpha": 10, "beta": 75, "gamma": 0})
    page.goto(f"{portal}/lots/{lot_id}/tour")
    page.wait_for_function("window.tourViewer && tourViewer.currentScene() === 'hall'")
    page.evaluate("tourViewer.viewer.rotate({yaw: Math.PI / 2, pitch: -0.3})")
    assert page.locator(".psv-virtual-tour-link").first.is_visible()
    assert page.locator(".tour-marker-defect").count() == 1
    grab(page, out / "stereo-0-mono.png")
    button = page.locator(".psv-stereo-button")
    button.wait_for(state="visible")  # shown once the (emulated) gyroscope answered
    button.click()
    page.wait_for_function("tourViewer.stereo.isEnabled()")
    # the CSS3D arrow layer (one picture over both eyes) and the HTML markers are gone ...
    assert page.locator(".psv-virtual-tour-arrows").is_hidden()
    assert not page.locator(".tour-marker").evaluate_all(
        "els => els.filter(e => e.checkVisibility()).length")
    # ... and every link of the scene is an arrow in the WebGL scene, rendered per eye
    group = page.evaluate("""(() => { const g = tourViewer.stereoArrows;
        return {inScene: tourViewer.viewer.renderer.scene.children.includes(g),
                arrows: g.children.map(a => a.userData.nodeId)}; })()""")
    assert group == {"inScene": True, "arrows": ["study"]}
    # ... and so is the scene's info marker, a badge with its icon and title
    markers = page.evaluate("""(() => { const g = tourViewer.stereoMarkers;
        return {inScene: tourViewer.viewer.renderer.scene.children.includes(g),
                markers: g.children.map(m => m.userData.markerId)}; })()""")
    assert markers == {"inScene": True, "markers": ["info-crack"]}
    # turn the phone towards the door and its arrow at yaw 90
    turn_to(page, cdp, 90, 75)
    # the 3 s stereo notice fades out on its own clock: keep it out of the shots
    page.add_style_tag(content=".psv-notification { display: none !important; }")
    once_per_eye(*toggled(page, "stereoArrows", out, "stereo-1-arrows"))
    # turn to the crack marker (yaw -150, pitch 20: the phone tilted back, beta 110)
    turn_to(page, cdp, -150, 110)
    shown, hidden = toggled(page, "stereoMarkers", out, "stereo-3-marker")
    left, right = once_per_eye(shown, hidden)
    # each eye shows the defect's red icon (#c0392b, as the HTML marker) where it was added
    red = np.abs(shown - np.array([192, 57, 43])).max(axis=2) < 40
    w = red.shape[1]
    assert (red[:, : w // 2] & left).sum() > 100 and (red[:, w // 2:] & right).sum() > 100
    # leaving stereo brings the CSS3D arrows back and takes the meshes out of the scene
    page.evaluate("tourViewer.stereo.stop()")
    assert page.locator(".psv-virtual-tour-arrows").is_visible()
    assert not page.evaluate("""['stereoArrows', 'stereoMarkers'].some(
        g => tourViewer.viewer.renderer.scene.children.includes(tourViewer[g]))""")
    context.close()
    assert not errors, errors
