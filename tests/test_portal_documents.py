"""The court's documents (versioned PDFs per lot), the acceptance of the 竞买须知 at
registration, and the lot counters (报名人数, 围观次数, 设置提醒人数), against the live portal."""

from __future__ import annotations

import io

import httpx
import pytest
from portal_helpers import PASSWORD, actor, lot_body, make_account, page_csrf
from redis_cluster import is_cluster_url
from reportlab.pdfgen import canvas
from starlette.testclient import TestClient

from portal.app import create_app
from portal.documents import render_preview
from portal.settings import load_settings


def make_pdf(text: str) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def put_doc(client: httpx.Client, lot_id: int, kind: str, body: bytes,
            ctype: str = "application/pdf") -> httpx.Response:
    return client.put(f"/api/lots/{lot_id}/documents/{kind}", content=body,
                      headers={"content-type": ctype, "x-filename": f"{kind}.pdf"})


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "doc_officer", role="officer")


@pytest.fixture
def lot(officer: httpx.Client) -> dict:
    r = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执77号"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_documents_are_versioned_and_old_versions_stay(officer: httpx.Client, lot: dict) -> None:
    first, second = make_pdf("terms v1"), make_pdf("terms v2 changed")
    r1 = put_doc(officer, lot["id"], "terms", first)
    assert r1.status_code == 201, r1.text
    assert r1.json()["version"] == 1 and r1.json()["kind"] == "terms"
    assert put_doc(officer, lot["id"], "appraisal", make_pdf("appraisal")).status_code == 201
    r2 = put_doc(officer, lot["id"], "terms", second)
    assert r2.status_code == 201 and r2.json()["version"] == 2
    listed = officer.get(f"/api/lots/{lot['id']}/documents").json()["items"]
    assert [(d["kind"], d["version"], d["versions"]) for d in listed] == [
        ("terms", 2, 2), ("appraisal", 1, 1)]
    versions = officer.get(f"/api/lots/{lot['id']}/documents/terms").json()
    assert [v["version"] for v in versions] == [1, 2]
    old = httpx.get(str(officer.base_url) + versions[0]["url"])
    assert old.status_code == 200 and old.headers["content-type"] == "application/pdf"
    assert old.content == first and "inline" in old.headers["content-disposition"]
    assert httpx.get(str(officer.base_url) + versions[1]["url"]).content == second
    preview = httpx.get(str(officer.base_url) + versions[0]["preview_url"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG")
    assert httpx.get(str(officer.base_url)
                     + f"/lots/{lot['id']}/documents/terms/v3.pdf").status_code == 404


def test_uploads_are_checked(portal: str, redis_url: str, officer: httpx.Client,
                             lot: dict) -> None:
    lid = lot["id"]
    fake = put_doc(officer, lid, "notice", b"%PDF-1.4\nnot really a pdf at all\n")
    assert fake.status_code == 415 and fake.json()["error"]["code"] == "not_a_pdf"
    html = put_doc(officer, lid, "notice", b"<html>hello</html>")
    assert html.status_code == 415 and html.json()["error"]["code"] == "not_a_pdf"
    png = put_doc(officer, lid, "notice", make_pdf("x"), ctype="image/png")
    assert png.status_code == 415
    assert put_doc(officer, lid, "notice", b"").status_code in (415, 422)
    big = put_doc(officer, lid, "notice", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    assert big.status_code == 413 and big.json()["error"]["code"] == "file_too_large"
    unknown = put_doc(officer, lid, "secret", make_pdf("x"))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_document_kind"
    bidder = actor(portal, redis_url, "doc_bidder")
    assert put_doc(bidder, lid, "notice", make_pdf("x")).status_code == 403
    stranger = actor(portal, redis_url, "other_court_officer", role="officer",
                     court="北京市海淀区人民法院")
    refused = put_doc(stranger, lid, "notice", make_pdf("x"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "other_court"
    assert put_doc(httpx.Client(base_url=portal), lid, "notice", make_pdf("x")) \
        .status_code == 401
    assert officer.get(f"/api/lots/{lid}/documents").json()["items"] == []


def test_registration_requires_and_records_terms(portal: str, redis_url: str,
                                                  officer: httpx.Client, lot: dict) -> None:
    lid = lot["id"]
    assert put_doc(officer, lid, "terms", make_pdf("terms v1")).status_code == 201
    a = actor(portal, redis_url, "terms_alice")
    for body in ({}, {"accept_terms": False}):
        refused = a.post(f"/api/lots/{lid}/registrations", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "terms_not_accepted"
    assert a.get("/api/me/lots").json()["items"] == []
    reg = a.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True})
    assert reg.status_code == 201, reg.text
    terms = reg.json()["terms"]
    assert terms["version"] == 1 and terms["url"] == f"/lots/{lid}/documents/terms/v1.pdf"
    assert terms["accepted_at"].endswith("Z")
    assert put_doc(officer, lid, "terms", make_pdf("terms v2")).status_code == 201
    b = actor(portal, redis_url, "terms_bob")
    reg_b = b.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True}).json()
    assert reg_b["terms"]["version"] == 2
    again = a.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True})
    assert again.status_code == 200 and again.json()["terms"] == terms  # what she accepted
    page = a.get(f"/lots/{lid}").text
    assert 'id="terms-accepted"' in page and f"/lots/{lid}/documents/terms/v1.pdf" in page
    officer_page = officer.get(f"/lots/{lid}").text
    assert 'id="acceptances"' in officer_page
    assert reg.json()["bidder_code"] in officer_page and reg_b["bidder_code"] in officer_page
    assert "terms_alice" not in officer_page.split('id="acceptances"')[1].split("</table>")[0]


def test_counters_on_api_page_and_card(portal: str, redis_url: str, officer: httpx.Client,
                                       lot: dict) -> None:
    lid = lot["id"]
    assert officer.get(f"/api/lots/{lid}").json()["counters"] == {
        "registrations": 0, "views": 0, "reminders": 0}
    visitor = httpx.Client(base_url=portal)
    for _ in range(3):
        assert visitor.get(f"/lots/{lid}").status_code == 200
    a = actor(portal, redis_url, "count_alice")
    assert a.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True}) \
        .status_code == 201
    assert a.post(f"/api/lots/{lid}/reminders", json={}).status_code in (200, 201)
    counters = visitor.get(f"/api/lots/{lid}").json()["counters"]
    assert counters == {"registrations": 1, "views": 3, "reminders": 1}  # API reads: no view
    listed = visitor.get("/api/lots").json()["items"]
    assert next(i for i in listed if i["id"] == lid)["counters"] == counters
    page = visitor.get(f"/lots/{lid}?lang=zh").text
    assert "1人报名" in page and "4次围观" in page and "1人设置提醒" in page
    home = visitor.get("/").text
    assert "1人报名" in home and "4次围观" in home


def test_documents_on_lot_page_and_edit_form(portal: str, officer: httpx.Client,
                                            lot: dict) -> None:
    lid = lot["id"]
    page = officer.get(f"/officer/lots/{lid}/edit")
    assert page.status_code == 200 and 'id="document-form"' in page.text
    token = page_csrf(page.text)
    posted = officer.post(f"/officer/lots/{lid}/documents",
                          data={"csrf_token": token, "kind": "survey"},
                          files={"file": ("调查.pdf", make_pdf("survey"), "application/pdf")})
    assert posted.status_code == 303, posted.text
    no_csrf = officer.post(f"/officer/lots/{lid}/documents", data={"kind": "survey"},
                           files={"file": ("x.pdf", make_pdf("x"), "application/pdf")})
    assert no_csrf.status_code == 403
    bad = officer.post(f"/officer/lots/{lid}/documents",
                       data={"csrf_token": token, "kind": "survey"},
                       files={"file": ("x.pdf", b"GIF89a", "application/pdf")})
    assert bad.status_code == 415
    docs = officer.get(f"/api/lots/{lid}/documents").json()["items"]
    assert [(d["kind"], d["version"], d["filename"]) for d in docs] == [
        ("survey", 1, "调查.pdf")]
    refused = officer.post(f"/officer/lots/{lid}/edit", data={"csrf_token": token})
    assert refused.status_code == 422  # the re-shown edit page keeps its documents form
    assert 'id="document-form"' in refused.text and '<option value="terms">' in refused.text
    assert f"/lots/{lid}/documents/survey/v1.pdf" in refused.text
    html = httpx.get(f"{portal}/lots/{lid}").text
    assert 'id="documents"' in html and "标的物调查情况" in html
    assert f"/lots/{lid}/documents/survey/v1.pdf" in html
    assert f"/lots/{lid}/documents/survey/v1.png" in html


def test_register_form_refuses_without_the_tick(portal: str, redis_url: str,
                                                lot: dict) -> None:
    a = actor(portal, redis_url, "form_alice")
    token = page_csrf(a.get(f"/lots/{lot['id']}").text)
    refused = a.post(f"/lots/{lot['id']}/register", data={"csrf_token": token})
    assert refused.status_code == 422 and "请先阅读并勾选同意《竞买须知》" in refused.text
    assert a.get("/api/me/lots").json()["items"] == []
    ok = a.post(f"/lots/{lot['id']}/register", data={"csrf_token": token,
                                                      "accept_terms": "yes"})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/pay/")
    reg = a.post(f"/api/lots/{lot['id']}/registrations", json={"accept_terms": True}).json()
    assert reg["terms"]["version"] is None and reg["terms"]["url"] is None  # none published


def test_size_limit_holds_while_streaming(redis_url: str, tmp_path) -> None:  # noqa: ANN001
    """DOCUMENT_MAX_BYTES holds for a body without Content-Length (streamed and counted) and
    for the edit form; nothing is left on disk."""
    settings = load_settings(data_dir=tmp_path, redis_url=redis_url, secret_key="k" * 32,
                             rules="sandbox", document_max_bytes=50_000,
                             redis_cluster=is_cluster_url(redis_url))
    make_account(redis_url, "limit_officer", "officer")
    with TestClient(create_app(settings, run_closer=False)) as client:
        assert client.post("/api/session", json={"username": "limit_officer",
                                                 "password": PASSWORD}).status_code == 200
        lid = client.post("/api/lots", json=lot_body()).json()["id"]
        pdf = make_pdf("x" * 100)
        assert len(pdf) < 50_000

        def chunks():  # noqa: ANN202
            yield pdf[:-200]
            yield b"%" + b"0" * 60_000 + b"\n"
            yield pdf[-200:]

        r = client.put(f"/api/lots/{lid}/documents/notice", content=chunks(),
                       headers={"content-type": "application/pdf"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
        ok = client.put(f"/api/lots/{lid}/documents/notice", content=pdf,
                        headers={"content-type": "application/pdf"})
        assert ok.status_code == 201, ok.text
        token = page_csrf(client.get(f"/officer/lots/{lid}/edit").text)
        form = client.post(f"/officer/lots/{lid}/documents",
                           data={"csrf_token": token,
                                 "kind": "other"},
                           files={"file": ("big.pdf", pdf + b"%" * 60_000, "application/pdf")})
        assert form.status_code == 413
    assert list((tmp_path / "documents" / "uploads").iterdir()) == []
    assert len(list((tmp_path / "documents").glob("*.pdf"))) == 1


def test_preview_degrades_without_pdftoppm(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """With poppler's pdftoppm on PATH the first page becomes a PNG; without it, no preview
    (the route answers 404 and the page shows links only) and nothing breaks."""
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(make_pdf("preview"))
    assert render_preview(pdf, tmp_path / "with.png")
    assert (tmp_path / "with.png").read_bytes().startswith(b"\x89PNG")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert render_preview(pdf, tmp_path / "without.png") is False
    assert not (tmp_path / "without.png").exists()
