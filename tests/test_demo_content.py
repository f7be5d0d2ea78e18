"""The demo tells one coherent story: the six-venue live viewing shows six homes, each venue
named for the home it shows (no car or shop behind a venue called 客厅)."""

from __future__ import annotations

from livestream.demo import pick_homes, venue_name
from portal.demo import LOTS


def demo_lots() -> list[dict]:
    return [{"id": i + 1, "title": spec[0], "property_type": spec[2]}
            for i, spec in enumerate(LOTS)]


def test_the_six_venues_show_six_homes_named_for_them() -> None:
    lots = demo_lots()
    vehicle = next(lot for lot in lots if lot["property_type"] == "vehicle")
    states = {vehicle["id"]: {"status": "live"}, 2: {"status": "live"}}
    chosen = pick_homes(lots, states)
    assert len(chosen) == 6 and len({lot["id"] for lot in chosen}) == 6
    assert all(lot["property_type"] == "residential" for lot in chosen)
    assert chosen[0]["id"] == 2  # a live home first: the on-air venue has bidding open
    names = [venue_name(n, lot) for n, lot in enumerate(chosen)]
    assert names[0] == f"一号现场 · {chosen[0]['title']}"
    assert [name[:4] for name in names] == ["一号现场", "二号现场", "三号现场", "四号现场",
                                            "五号现场", "六号现场"]
    assert all(len(name) <= 60 for name in names)
