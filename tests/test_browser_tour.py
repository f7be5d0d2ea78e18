"""The tour in real Chromium: the panorama renders (checked against the source pixels in two
directions), clicking an arrow walks to the next room, and the floor plan follows."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from portal_helpers import actor, browser_login, lot_body, page_csrf

from panorama.synthetic import render_room

PLAN = (400, 300)


def upload(client: Any, kind: str, lot_id: int, body: bytes, ctype: str) -> Any:
    token = page_csrf(client.get("/login").text)  # bound to the session (portal/sessions.py)
    return client.post(f"/upload/{kind}?lot_id={lot_id}", content=body,
                       headers={"content-type": ctype, "x-csrf-token": token})


def build(client: Any, lot_id: int, image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    r = upload(client, "panoramas", lot_id, out.getvalue(), "image/jpeg")
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    for _ in range(600):
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
        job = client.get(f"/api/panorama-jobs/{job['id']}").json()
    assert job["state"] == "done", job
    return str(job["panorama"])


def make_tour(portal: str, redis_url: str) -> tuple[int, int, dict[str, Image.Image]]:
    officer = actor(portal, redis_url, "tour_browser_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    bare = officer.post("/api/lots", json=lot_body(title="没有VR的标的")).json()
    images = {"hall": render_room("HALL", 2048, doors=[90], window_yaw=-90),
              "study": render_room("STUDY", 2048, wall_rgb=(120, 170, 215), doors=[-90],
                                   window_yaw=None, seed=3)}
    panos = {k: build(officer, lot["id"], img) for k, img in images.items()}
    plan = io.BytesIO()
    Image.new("RGB", PLAN, (250, 250, 250)).save(plan, "PNG")
    plan_r = upload(officer, "floorplans", lot["id"], plan.getvalue(), "image/png")
    assert plan_r.status_code == 201, plan_r.text
    tour = {"base_version": 0, "start_scene": "hall", "floor_plan": {"id": plan_r.json()["id"]},
            "scenes": [
                {"id": "hall", "name": "客厅 <b>hall</b>", "panorama": panos["hall"],
                 "initial_view": {"yaw": 0, "pitch": 0, "fov": 60},
                 "plan": {"x": 100, "y": 150, "heading": 0},
                 "links": [{"to": "study", "yaw": 90, "pitch": -20}],
                 "markers": [{"id": "crack", "kind": "text", "category": "defect",
                              "yaw": -150, "pitch": 20, "title": "墙面裂缝", "text": "已披露"}]},
                {"id": "study", "name": "书房", "panorama": panos["study"],
                 "initial_view": {"yaw": 0, "pitch": 0, "fov": 60},
                 "plan": {"x": 300, "y": 150, "heading": 0},
                 "links": [{"to": "hall", "yaw": -90, "pitch": -20}]}]}
    saved = officer.put(f"/api/lots/{lot['id']}/tour", json=tour)
    assert saved.status_code == 201, saved.text
    return int(lot["id"]), int(bare["id"]), images


def equirect_rgb(image: Image.Image, yaw: float, pitch: float, r: int = 3) -> np.ndarray:
    """Mean colour of the source panorama around (yaw, pitch) in radians."""
    a = np.asarray(image, dtype=np.float32)
    h, w = a.shape[:2]
    x = int(round((yaw / (2 * np.pi) + 0.5) * w)) % w
    y = int(round((0.5 - pitch / np.pi) * h))
    return a[y - r:y + r + 1, [(x + d) % w for d in range(-r, r + 1)]].reshape(-1, 3).mean(0)


def shot(page: Any, path: Path) -> np.ndarray:
    page.locator(".tour-viewer").screenshot(path=str(path))
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)


def centre(pixels: np.ndarray, r: int = 3) -> np.ndarray:
    h, w = pixels.shape[:2]
    return pixels[h // 2 - r:h // 2 + r + 1, w // 2 - r:w // 2 + r + 1].reshape(-1, 3).mean(0)


def view_matches(page: Any, image: Image.Image, path: Path) -> tuple[bool, Any, Any, Any]:
    """Does the centre of the rendered view show the source pixels the camera points at?"""
    pos = page.evaluate("(() => { const p = tourViewer.viewer.getPosition();"
                        " return [p.yaw, p.pitch]; })()")
    pixels = shot(page, path)
    want = equirect_rgb(image, pos[0], pos[1])
    got = centre(pixels)
    return bool(np.abs(got - want).max() < 28), got, want, pixels


def wait_view(page: Any, image: Image.Image, path: Path) -> np.ndarray:
    """Poll screenshots until tiles have streamed in and the view shows the panorama."""
    for _ in range(60):
        ok, got, want, pixels = view_matches(page, image, path)
        if ok:
            return pixels
        time.sleep(0.25)
    raise AssertionError(f"view centre {got} never matched the panorama's {want}")


def assert_not_blank(pixels: np.ndarray) -> None:
    assert pixels.std() > 20, "the viewer is (nearly) one flat colour"
    quantised = (pixels[::4, ::4] // 16).reshape(-1, 3)
    assert len({tuple(p) for p in quantised.astype(int)}) > 40


def test_tour_renders_walks_between_rooms_and_plan_follows(portal: str, redis_url: str,
                                                          browser: Any, tmp_path: Path) -> None:
    lot_id, bare_id, images = make_tour(portal, redis_url)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{portal}/lots/{lot_id}/tour")
    page.wait_for_function("window.tourViewer && tourViewer.currentScene() === 'hall'")
    # the start view: yaw 0 (plain front wall below the painted name)
    front = wait_view(page, images["hall"], tmp_path / "1-hall-front.png")
    assert_not_blank(front)
    # turn to the door on the right (yaw 90): the view must show the door's pixels
    page.evaluate("tourViewer.viewer.rotate({yaw: Math.PI / 2, pitch: -0.1})")
    door = wait_view(page, images["hall"], tmp_path / "2-hall-door.png")
    assert_not_blank(door)
    assert np.abs(centre(door) - centre(front)).max() > 40, "turning did not change the view"
    assert np.abs(door - front).mean() > 10
    # markers and names are text, not HTML
    assert page.locator(".tour-marker-defect").count() == 1
    assert page.locator(".tour-rooms button").first.inner_text() == "客厅 <b>hall</b>"
    hall_dot = page.locator(".tour-plan-dot[data-scene=hall]")
    study_dot = page.locator(".tour-plan-dot[data-scene=study]")
    assert "current" in (hall_dot.get_attribute("class") or "")
    # click the arrow (a DOM element on the floor, in front of us now)
    page.locator(".psv-virtual-tour-link").first.click()
    page.wait_for_function("tourViewer.currentScene() === 'study'")
    arrived = wait_view(page, images["study"], tmp_path / "3-study.png")
    assert_not_blank(arrived)
    # the floor plan marks the new scene; the minimap is centred on it
    assert "current" in (study_dot.get_attribute("class") or "")
    assert study_dot.get_attribute("aria-current") == "location"
    assert "current" not in (hall_dot.get_attribute("class") or "")
    assert hall_dot.get_attribute("aria-current") is None
    assert page.evaluate("tourViewer.map.config.center") == {"x": 300, "y": 150}
    assert page.locator(".tour-rooms button.current").inner_text() == "书房"
    assert page.locator(".tour-video-button").is_hidden()  # this scene has no 360 video
    # walking kept the direction: arrived looking the way we walked (yaw 90 on the plan)
    yaw = page.evaluate("tourViewer.viewer.getPosition().yaw")
    assert abs(yaw - np.pi / 2) < 0.05
    page.screenshot(path=str(tmp_path / "4-page.png"))
    # the lot page shows the tour; a lot without one shows no tour section
    # the lot page shows the start scene's preview; the 3D code loads only when asked for
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{portal}/lots/{lot_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#tour").is_visible() and page.locator("#tour-poster img").is_visible()
    assert page.get_attribute("#tour-poster img", "src").endswith("/preview.jpg")
    assert page.evaluate("document.querySelector('#tour-poster img').naturalWidth") > 0
    assert not [u for u in requested if "/vendor/three/" in u or "photo-sphere-viewer" in u
                and u.endswith(".js")], requested
    page.click("#tour-start[data-ready]")
    page.wait_for_function("window.tourViewer && tourViewer.currentScene() === 'hall'")
    assert page.locator("#tour-poster").is_hidden()
    assert any("/vendor/three/" in u for u in requested)
    # three's core, imported by relative URL, comes by its hashed URL too (the import map)
    assert [u for u in requested if "/three.core.min.js" in u] == [
        u for u in requested if re.search(r"/three\.core\.min\.js\?v=[0-9a-f]{12}$", u)] != []
    page.goto(f"{portal}/lots/{bare_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#tour").is_hidden()
    context.close()
    unexpected = [e for e in errors if "404" not in e]  # the bare lot's tour fetch is a 404
    assert not unexpected, unexpected
    print(f"screenshots in {tmp_path}")


# counts WebGL contexts, the frames drawn into them (three clears the canvas once a frame; the
# warm-up's one-pixel draws clear with the scissor test on) and texture uploads
COUNT_GL = """
window.glContexts = [];
window.glFrames = 0;
window.glWarmDraws = 0;
window.glUploads = 0;
window.glUploadsAtFirstFrame = null;
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (type, options) {
  const context = getContext.call(this, type, options);
  if (String(type).startsWith('webgl') && context && !window.glContexts.includes(context)) {
    window.glContexts.push(context);
  }
  return context;
};
const clear = WebGL2RenderingContext.prototype.clear;
WebGL2RenderingContext.prototype.clear = function (mask) {
  if (this.isEnabled(this.SCISSOR_TEST)) {
    window.glWarmDraws += 1;
  } else {
    window.glFrames += 1;
    if (window.glFrames === 1) window.glUploadsAtFirstFrame = window.glUploads;
  }
  return clear.call(this, mask);
};
for (const name of ['texImage2D', 'texSubImage2D']) {
  const upload = WebGL2RenderingContext.prototype[name];
  WebGL2RenderingContext.prototype[name] = function (...args) {
    window.glUploads += 1;
    return upload.apply(this, args);
  };
}
"""


def test_phone_tour_page_opens_one_context_and_draws_the_start_room_once(
        portal: str, redis_url: str, browser: Any) -> None:
    """The full-screen page on a phone (docs/benchmarks.md, Lighthouse third and fifth rounds):
    the viewer's code is fetched after the preview is painted, one WebGL context (PSV's probe's,
    handed to three) without MSAA, the start room's base and tiles land in a single frame, and
    every texture is uploaded ahead of that frame (the warm-up's one-pixel draws), so it only
    draws; the tiles are drawn in merged groups, not one call per square."""
    lot_id, _bare, _images = make_tour(portal, redis_url)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, bypass_csp=True)
    context.add_init_script(COUNT_GL)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{portal}/lots/{lot_id}/tour")
    page.wait_for_function("window.tourViewer && tourViewer.currentScene() === 'hall'")
    page.wait_for_selector(".tour-preview", state="detached")  # removed by the first frame
    page.wait_for_load_state("networkidle")
    # every tile the first view asked for is in, and no frame was drawn before them
    assert page.evaluate("Object.keys(tourViewer.viewer.adapter.state.tiles).length") > 0
    assert page.evaluate("window.glFrames") == 1
    assert page.evaluate("window.glWarmDraws") > 0
    uploads = page.evaluate("window.glUploads")
    # base faces and tiles: at least the six base faces went up, all before the first frame
    assert uploads >= 6 and page.evaluate("window.glUploadsAtFirstFrame") == uploads
    # 6 x 16 x 16 squares, but only the loaded tiles' merged runs are drawn
    assert 0 < page.evaluate("tourViewer.viewer.renderer.renderer.info.render.calls") < 100
    assert page.evaluate("window.glContexts.length") == 1
    assert page.evaluate("tourViewer.viewer.renderer.renderer.getContext() === glContexts[0]")
    assert page.evaluate("window.glContexts[0].getContextAttributes().antialias") is False
    # the panorama still moves: a rotation draws a new frame
    page.evaluate("tourViewer.viewer.rotate({yaw: 1, pitch: 0})")
    page.wait_for_function("window.glFrames > 1")
    context.close()
    assert not errors, errors


def test_officer_builds_a_tour_in_the_editor(portal: str, redis_url: str, browser: Any,
                                             tmp_path: Path) -> None:

    officer = actor(portal, redis_url, "tour_editor_officer", role="officer")
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    files = []
    for name, wall in (("HALL", (206, 196, 178)), ("STUDY", (120, 170, 215))):
        path = tmp_path / f"{name}.jpg"
        render_room(name, 2048, wall_rgb=wall, doors=[90]).save(path, quality=90)
        files.append(str(path))
    Image.new("RGB", PLAN, (250, 250, 250)).save(tmp_path / "plan.png")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, portal, "tour_editor_officer", f"/officer/lots/{lot_id}/tour")
    # upload two photos: each shows progress, then becomes a scene
    page.set_input_files("#pano-files", files)
    page.wait_for_function("document.querySelectorAll('.scene-item').length === 2")
    assert page.locator("#jobs li.done").count() == 2
    assert page.locator("#jobs progress").evaluate_all("ps => ps.map(p => p.value)") == [1, 1]
    # a floor plan, then drag both scenes onto it
    page.set_input_files("#plan-file", str(tmp_path / "plan.png"))
    page.wait_for_function("document.querySelectorAll('.plan-chip').length === 2 && "
                           "document.querySelector('#editor-plan img').complete")
    page.evaluate("document.getElementById('plan-tray').scrollIntoView({block: 'start'})")
    box = page.locator("#editor-plan").bounding_box()
    for fx in (0.25, 0.75):
        chip = page.locator(".plan-chip").first.bounding_box()
        page.mouse.move(chip["x"] + chip["width"] / 2, chip["y"] + chip["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + box["height"] / 2, steps=6)
        page.mouse.up()
    page.wait_for_function("document.querySelectorAll('#editor-plan .tour-plan-dot').length === 2")
    # rename the current scene and place an arrow to the other by clicking in the viewer
    page.evaluate("window.scrollTo(0, 0)")
    page.fill(".scene-item.current .scene-name", "门厅")
    page.press(".scene-item.current .scene-name", "Enter")
    page.click(".scene-item.current .place-link")
    assert page.locator("#editor-mode").is_visible()
    viewer = page.locator("#editor-viewer").bounding_box()
    page.mouse.click(viewer["x"] + viewer["width"] / 2, viewer["y"] + viewer["height"] / 2)
    page.wait_for_function("document.querySelectorAll('.scene-item.current li').length === 1")
    page.wait_for_function("!tourEditor.dirty && !tourEditor.saving && tourEditor.base > 0")
    page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)
    context.close()
    assert not errors, errors
    tour = officer.get(f"/api/lots/{lot_id}/tour").json()
    hall, study = tour["scenes"]
    assert hall["name"] == "门厅" and study["name"] == "STUDY"
    assert tour["floor_plan"]["width"] == PLAN[0]
    assert abs(hall["plan"]["x"] - 0.25 * PLAN[0]) < 8 and abs(hall["plan"]["y"] - 150) < 8
    assert abs(study["plan"]["x"] - 0.75 * PLAN[0]) < 8
    assert len(hall["links"]) == 1 and hall["links"][0]["to"] == study["id"]
    assert abs(hall["links"][0]["yaw"]) < 2  # the centre of the start view
    versions = officer.get(f"/api/lots/{lot_id}/tour/versions").json()["items"]
    assert versions[-1]["version"] == tour["version"]  # rapid edits coalesce (debounced)
