"""The subscribe form cannot flood anyone's inbox: three confirmation emails a day per mailbox however the
address is varied (subaddresses, Gmail's dots and domains), and ten subscriptions a day per client."""

import pytest

from forms_lambda.forms import mailbox
from tests.support.forms import FROZEN_TIME, JSON


@pytest.mark.parametrize(
    "address, box",
    [
        ("victim@example.org", "victim@example.org"),
        ("victim+1@example.org", "victim@example.org"),
        ("victim+a+b@example.org", "victim@example.org"),
        ("Victim+News@Example.org", "victim@example.org"),
        ("v.i.c.t.i.m@gmail.com", "victim@gmail.com"),
        ("vic.tim+x@googlemail.com", "victim@gmail.com"),
        ("v.ictim@example.org", "v.ictim@example.org"),  # dots matter elsewhere
        ("+tag@example.org", "@example.org"),
    ],
)
def test_mailbox(address, box):
    assert mailbox(address) == box


VARIANTS = {
    "subaddresses": [
        "victim+1@example.org",
        "victim+2@example.org",
        "victim+news@example.org",
        "victim@example.org",
        "VICTIM+X@example.org",
        "victim+a+b@example.org",
    ],
    "gmail dots and domains": [
        "victim@gmail.com",
        "v.ictim@gmail.com",
        "vi.c.tim@gmail.com",
        "victim@googlemail.com",
        "v.i.c.t.i.m+1@gmail.com",
    ],
}


@pytest.mark.parametrize("kind", VARIANTS)
def test_three_confirmations_a_day_per_mailbox_however_written(backend, kind):
    app, sent = backend
    client = app.test_client()
    answers = [
        client.post(
            "/api/subscribe",
            data={"email": address, "page": "/"},
            headers=JSON,
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        )
        for i, address in enumerate(VARIANTS[kind])
    ]
    assert {(r.status_code, r.json["ok"]) for r in answers} == {(200, True)}  # the same answer to every post
    assert len(sent()) == 3
    # Another mailbox has its own three.
    client.post(
        "/api/subscribe",
        data={"email": "someone.else@example.org"},
        headers=JSON,
        environ_base={"REMOTE_ADDR": "198.51.100.200"},
    )
    assert len(sent()) == 4


def test_ten_subscriptions_a_day_per_client(make_app, maildir):
    app = make_app(FORMS_RATE_LIMIT="1000/minute")
    client = app.test_client()

    def subscribe(i, address="203.0.113.9"):
        return client.post(
            "/api/subscribe",
            data={"email": f"person{i}@example.org", "page": "/"},
            headers=JSON,
            environ_base={"REMOTE_ADDR": address},
        )

    answers = [subscribe(i) for i in range(12)]
    assert [r.status_code for r in answers] == [200] * 10 + [429] * 2
    assert int(answers[10].headers["Retry-After"]) == 8640  # one more every 2.4 hours
    assert len(maildir()) == 10
    assert subscribe(12, "203.0.113.10").status_code == 200  # another client
    assert (
        client.post(
            "/api/contact",
            data={"name": "Ann", "email": "ann@example.com", "message": "hi"},
            headers=JSON,
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        ).status_code
        == 200
    )  # another form
    app.extensions["forms_lambda"].clock = lambda: FROZEN_TIME + 86400
    assert subscribe(13).status_code == 200  # the next day


def test_no_daily_cap_when_rate_limits_are_off(make_app, maildir):
    client = make_app(FORMS_RATE_LIMIT="off").test_client()
    assert {
        client.post("/api/subscribe", data={"email": f"p{i}@example.org"}, headers=JSON).status_code for i in range(12)
    } == {200}
