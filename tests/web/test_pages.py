"""The reading pages: search with facets and export, bill, legislator, hearings and the feed."""

from __future__ import annotations

import csv
import io
import re

from billwatch.web.ical import escape, fold


def test_search_lists_bills_with_facet_counts(ro_client_for, ro):
    page = ro_client_for("viewer").get("/search")
    assert page.status_code == 200
    assert re.search(r'id="total">2<', page.text)
    assert "CA AB 1" in page.text and "NY S 2" in page.text
    # Each state facet shows its count and a link that selects it.
    assert re.search(r'href="/search\?state=CA"[^>]*>CA</a> <span class="count">1<', page.text)
    assert re.search(r">survivor_services</a> <span class=\"count\">2<", page.text)


def test_facets_filter_and_the_url_holds_the_query(ro_client_for, ro):
    client = ro_client_for("viewer")
    page = client.get("/search?tag=penalty_increase&hearing=1")
    assert re.search(r'id="total">1<', page.text)
    assert "CA AB 1" in page.text and "NY S 2" not in page.text
    assert "/search.csv?tag=penalty_increase&amp;hearing=1" in page.text
    assert re.search(r'id="total">1<', client.get("/search?state=NY").text)
    assert re.search(r'id="total">0<', client.get("/search?state=NY&stance=ALERT").text)
    assert re.search(r'id="total">1<', client.get("/search?sponsor=Jane+Roe").text)
    assert re.search(r'id="total">1<', client.get("/search?committee=Public+Safety").text)
    assert re.search(r'id="total">1<', client.get("/search?since=2026-01-25").text)


def test_full_text_search_finds_words_in_texts(ro_client_for, ro):
    page = ro_client_for("viewer").get("/search?q=shelters")
    assert re.search(r'id="total">1<', page.text) and "CA AB 1" in page.text


def test_pagination(ro_client_for, ro):
    client = ro_client_for("viewer")
    first = client.get("/search?per_page=1&sort=identifier")
    assert "page 1 of 2" in first.text and "CA AB 1" in first.text
    second = client.get("/search?per_page=1&sort=identifier&page=2")
    assert "NY S 2" in second.text and "CA AB 1" not in second.text


def test_bad_parameters_are_a_400_saying_which(ro_client_for, ro):
    client = ro_client_for("viewer")
    assert "tag: unknown nonsense" in client.get("/search?tag=nonsense").text
    assert client.get("/search?tag=nonsense").status_code == 400
    assert client.get("/search?state=California").status_code == 400
    assert client.get("/search?per_page=100000").status_code == 400
    assert client.get("/search?q=" + "x" * 500).status_code == 400


def test_export_csv_and_json_hold_the_whole_result_set(ro_client_for, ro):
    client = ro_client_for("viewer")
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv?per_page=1").text)))
    assert [r["identifier"] for r in rows] == ["AB 1", "S 2"]
    assert rows[0]["tags"] == "penalty_increase;survivor_services"
    body = client.get("/search.json?state=CA").json()
    assert [r["identifier"] for r in body["results"]] == ["AB 1"]
    assert body["results"][0]["url"].endswith(f"/bills/{ro.ca_bill}")
    assert client.get("/search.xml").status_code == 404


def test_bill_page_shows_timeline_in_local_time_marks_and_evidence(ro_client_for, ro):
    page = ro_client_for("viewer").get(f"/bills/{ro.ca_bill}")
    assert page.status_code == 200
    assert "times in America/Los_Angeles" in page.text
    assert re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T</time>", page.text)
    # The evidence sentence holds the struck and inserted words: marks nest inside them.
    assert (
        '<del><mark class="evidence" title="penalty_increase">five years</mark></del>' in page.text
    )
    assert '<ins><mark class="evidence" title="penalty_increase">twelve years</mark></ins>' in (
        page.text
    )
    assert '<mark class="evidence" title="penalty_increase">A person who commits' in page.text
    assert f'href="/people/{ro.person}">Jane Roe</a>' in page.text
    assert "mixed" in page.text


def test_diff_between_two_versions(ro_client_for, ro):
    client = ro_client_for("viewer")
    page = client.get(f"/bills/{ro.ca_bill}?from={ro.introduced}&to={ro.amended}")
    assert "Changes from Introduced to Amended" in page.text
    assert "<del>five</del>" in page.text and "<ins>twelve</ins>" in page.text
    bad = client.get(f"/bills/{ro.ca_bill}?from={ro.introduced}&to=999999")
    assert bad.status_code == 400


def test_legislator_page(ro_client_for, ro):
    page = ro_client_for("viewer").get(f"/people/{ro.person}")
    assert "jane.roe@example.gov" in page.text and "916-555-0100" in page.text
    assert "Public Safety" in page.text and "chair" in page.text
    assert re.search(r"<h3>mixed <small>1</small></h3>", page.text)
    assert ro_client_for("viewer").get("/people/999999").status_code == 404


def test_hearings_page_and_calendar_feed(ro_client_for, ro):
    page = ro_client_for("viewer").get("/hearings")
    assert "<h2>CA</h2>" in page.text and "Public Safety hearing" in page.text
    feed = ro_client_for("viewer").get("/hearings.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    text = feed.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:event-{ro.event}@billwatch" in text
    assert "LOCATION:Room 126\\, State Capitol" in text
    assert ro_client_for(None).get("/hearings.ics").status_code == 401


def test_ical_escapes_and_folds():
    assert escape("a;b,c\nd\\") == "a\\;b\\,c\\nd\\\\"
    folded = fold("SUMMARY:" + "é" * 80)
    assert all(len(line.encode()) <= 75 for line in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "é" * 80
