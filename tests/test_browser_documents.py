"""A bidder in real Chromium reads the court's documents on the lot page and can register
only after ticking 我已阅读并同意 the 竞买须知; the version accepted is shown afterwards."""

from __future__ import annotations

from portal_helpers import actor, browser_login, lot_body
from test_portal_documents import make_pdf, put_doc


def test_registration_requires_ticking_the_terms(portal: str, redis_url: str, browser) -> None:
    officer = actor(portal, redis_url, "officer_docs_b", role="officer")
    lot = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执99号")).json()
    for kind in ("notice", "terms", "appraisal"):
        assert put_doc(officer, lot["id"], kind, make_pdf(kind)).status_code == 201
    bidder = actor(portal, redis_url, "docs_browser_bidder")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, portal, "docs_browser_bidder", f"/lots/{lot['id']}")

    kinds = page.eval_on_selector_all("#documents li.doc", "els => els.map(e => e.dataset.kind)")
    assert kinds == ["notice", "terms", "appraisal"]
    page.wait_for_function("[...document.querySelectorAll('#documents img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    assert page.get_attribute("#terms-link", "href") == \
        f"/lots/{lot['id']}/documents/terms/v1.pdf"

    page.click("#register-submit")  # not ticked: the browser refuses to submit
    assert page.url == f"{portal}/lots/{lot['id']}"
    assert page.eval_on_selector("#accept-terms", "e => e.validity.valueMissing") is True
    assert bidder.get("/api/me/lots").json()["items"] == []

    page.check("#accept-terms")
    page.click("#register-submit")
    page.wait_for_url(f"{portal}/pay/**")
    items = bidder.get("/api/me/lots").json()["items"]
    assert [i["lot"]["id"] for i in items] == [lot["id"]]
    page.goto(f"{portal}/lots/{lot['id']}")
    accepted = page.inner_text("#terms-accepted")
    assert "阅读并同意" in accepted and "第1版" in accepted
    assert errors == []
    context.close()
