"""Members give their own districts on the preferences page (alerts name their legislators)."""

from __future__ import annotations

from alerts.unsubscribe import make_token
from billwatch.db.models import Subscriber
from tests.web.conftest import SECRET, csrf_of


def test_preferences_store_districts_and_refuse_bad_ones(client_for, data, Session):  # noqa: N803
    client = client_for(None)
    with Session() as s:
        nonce = s.get(Subscriber, data.subscriber).unsubscribe_nonce
    url = f"/preferences/{make_token(data.subscriber, nonce, SECRET)}"
    form = {
        "csrf": csrf_of(client, url),
        "action": "save",
        "states": "CA",
        "frequency": "immediate",
        "districts": "ca:012, New York:59",
    }
    assert client.post(url, data=form).status_code == 200
    with Session() as s:
        assert s.get(Subscriber, data.subscriber).districts == {"CA": ["012"], "NY": ["59"]}
    page = client.get(url)
    assert 'value="CA:012, NY:59"' in page.text
    bad = client.post(url, data={**form, "csrf": csrf_of(client, url), "districts": "59"})
    assert bad.status_code == 400 and "STATE:DISTRICT" in bad.text
    with Session() as s:  # a refused form changes nothing
        assert s.get(Subscriber, data.subscriber).districts == {"CA": ["012"], "NY": ["59"]}
    cleared = client.post(url, data={**form, "csrf": csrf_of(client, url), "districts": ""})
    assert cleared.status_code == 200
    with Session() as s:
        assert s.get(Subscriber, data.subscriber).districts == {}
