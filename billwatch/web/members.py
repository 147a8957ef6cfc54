"""Members' preferences, reached from every email by the signed token their links carry."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from alerts.subscribers import FREQUENCIES, InvalidSubscriber, make_spec, normalise_districts
from alerts.unsubscribe import BadToken, read_token, unsubscribe
from billwatch.db.models import Subscriber, Subscription, utcnow
from billwatch.web.common import in_thread, read_form, render, web


def _subscriber(session: object, token: str, secret: str) -> Subscriber:
    try:
        claim = read_token(token, secret)
    except BadToken as exc:
        raise HTTPException(400, str(exc)) from None
    sub = session.get(Subscriber, claim.subscriber_id)  # type: ignore[attr-defined]
    if sub is None or not claim.matches(sub):
        raise HTTPException(400, "this link names no current subscriber")
    return sub  # type: ignore[no-any-return]


def preferences_page(request: Request) -> Response:
    """GET /preferences/{token}: the member's states, tags, keywords and frequency (no change)."""
    token = request.path_params["token"]
    with web(request).factory() as session:
        sub = _subscriber(session, token, web(request).secret)
        subscription = sub.subscriptions[0] if sub.subscriptions else None
        response = render(
            request,
            "preferences.html",
            {"sub": sub, "subscription": subscription, "token": token, "FREQUENCIES": FREQUENCIES},
        )
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL identifies the member
    return response


async def preferences_save(request: Request) -> Response:
    """POST /preferences/{token}: save, pause, resume or unsubscribe (CSRF-checked form)."""
    token = request.path_params["token"]
    form = await read_form(request)
    action = str(form.get("action", "save"))
    state = web(request)

    def apply() -> str:
        with state.factory.begin() as session:
            sub = _subscriber(session, token, state.secret)
            if action == "unsubscribe":
                unsubscribe(session, token, state.secret)
                return "You are unsubscribed: billwatch will send you no more mail."
            if sub.status == "unsubscribed":
                raise HTTPException(
                    409, "this address is unsubscribed; ask the coalition to add it"
                )
            if action == "pause":
                sub.status = "paused"
                return "Paused: no mail until you resume."
            if action == "resume":
                sub.status = "active"
                return "Resumed."
            if action != "save":
                raise HTTPException(400, "unknown action")
            try:
                spec = make_spec(
                    sub.email,
                    states=str(form.get("states", "")),
                    tags=[str(t) for t in form.getlist("tags")],
                    keywords=str(form.get("keywords", "")),
                    frequency=str(form.get("frequency", "daily")),
                )
                districts = normalise_districts(str(form.get("districts", ""))[:400])
            except InvalidSubscriber as exc:
                raise HTTPException(400, str(exc)) from None
            sub.districts = districts
            sub.subscriptions.clear()
            sub.subscriptions.append(
                Subscription(
                    states=spec.states,
                    tags=spec.tags,
                    keywords=spec.keywords,
                    frequency=spec.frequency,
                )
            )
            sub.last_digest_at = sub.last_digest_at or utcnow()
            return "Saved."

    message = await in_thread(apply)
    response = render(request, "message.html", {"title": "Preferences", "message": message})
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def unsubscribe_confirm(request: Request) -> Response:
    """GET /unsubscribe/{token}: the emails' link. Offers the one-click unsubscribe (a POST to
    the RFC 8058 endpoint) and the preferences page; a GET never changes anything."""
    token = request.path_params["token"]
    with web(request).factory() as session:
        sub = _subscriber(session, token, web(request).secret)
        response = render(request, "unsubscribe.html", {"sub": sub, "token": token})
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# Served before the one-click endpoint's own routes, which take the POST.
unsubscribe_routes = [Route("/unsubscribe/{token}", unsubscribe_confirm, methods=["GET"])]

routes = [
    Route("/preferences/{token}", preferences_page, methods=["GET"]),
    Route("/preferences/{token}", preferences_save, methods=["POST"]),
]
