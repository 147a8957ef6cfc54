"""Sign-in and sign-out, and a user's follows and saved searches."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from billwatch.db.models import Bill, Follow, Person, Subscriber
from billwatch.web.common import in_thread, read_form, render, require, safe_next, web
from billwatch.web.security import (
    SESSION_COOKIE,
    SESSION_DAYS,
    authenticate,
    cookie_header,
    end_session,
    start_session,
)

LOGIN_TRIES_PER_MINUTE = 10


def login_page(request: Request) -> Response:
    """GET /login: the sign-in form."""
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    """POST /login: check the password, start a session, set the cookie."""
    form = await read_form(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    state = web(request)
    # Per address, so one guessed account cannot be hammered; argon2 makes each try slow too.
    if state.login_limiter.allow(("login", email.strip().lower()), LOGIN_TRIES_PER_MINUTE):
        return render(
            request,
            "login.html",
            {"next": target, "error": "Too many tries; wait a minute."},
            status=429,
        )

    def check() -> str | None:
        with state.factory.begin() as session:
            user = authenticate(session, email, password)
            return start_session(session, user) if user else None

    token = await in_thread(check)
    if token is None:
        return render(
            request,
            "login.html",
            {"next": target, "error": "Wrong email or password."},
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    cookie = cookie_header(SESSION_COOKIE, token, state.secure_cookies, SESSION_DAYS * 86400)
    response.headers.append("Set-Cookie", cookie)
    return response


async def logout(request: Request) -> Response:
    """POST /logout: forget the session server-side, so a copied cookie stops working."""
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE, "")

    def forget() -> None:
        with web(request).factory.begin() as session:
            end_session(session, token)

    await in_thread(forget)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


def follows_page(request: Request) -> Response:
    """GET /follows: what the user follows and the searches they saved."""
    user = require(request, "viewer")
    with web(request).factory() as session:
        follows = list(
            session.scalars(
                select(Follow).where(Follow.user_id == user.id).order_by(Follow.kind, Follow.id)
            )
        )
        subscriber = _subscriber_of(session, user.email)
        frequencies = sorted({s.frequency for s in subscriber.subscriptions}) if subscriber else []
        status = subscriber.status if subscriber else None
    return render(
        request,
        "follows.html",
        {"follows": follows, "status": status, "frequencies": frequencies, "email": user.email},
    )


def _subscriber_of(session: Session, email: str) -> Subscriber | None:
    """The subscriber whose digests and alerts carry this user's follows: the same address."""
    return session.scalar(
        select(Subscriber).where(func.lower(Subscriber.email) == email.strip().lower()).limit(1)
    )


async def email_follows(request: Request) -> Response:
    """POST /follows/email: send the user's follows to their own address (digest and alerts).

    Without a subscriber of that address, one is made with no subscription of its own, so it
    receives only what the user follows; an unsubscribed or paused address is made active again
    (the signed-in owner asking is an explicit request).
    """
    user = require(request, "viewer")
    await read_form(request)

    def link() -> None:
        with web(request).factory.begin() as session:
            sub = _subscriber_of(session, user.email)
            if sub is None:
                session.add(Subscriber(email=user.email.strip().lower(), name=user.name or None))
            elif sub.status != "active":
                sub.status, sub.unsubscribed_at = "active", None

    await in_thread(link)
    return RedirectResponse("/follows", status_code=303)


async def follow(request: Request) -> Response:
    """POST /follows: follow a bill or legislator, save a search, or stop (`remove`)."""
    user = require(request, "viewer")
    form = await read_form(request)
    kind, target = str(form.get("kind", "")), str(form.get("target", ""))
    remove = form.get("remove") == "1"
    if kind not in ("bill", "person", "search") or not target or len(target) > 1000:
        raise HTTPException(400, "kind is bill, person or search; target is required")
    if kind == "search" and not target.startswith("/search"):
        raise HTTPException(400, "a saved search is a /search URL")

    def save() -> None:
        with web(request).factory.begin() as session:
            found = session.scalar(
                select(Follow).where(
                    Follow.user_id == user.id, Follow.kind == kind, Follow.target == target
                )
            )
            if remove:
                if found is not None:
                    session.delete(found)
                return
            if found is not None:
                return
            label = target
            if kind in ("bill", "person"):
                if not target.isdigit():
                    raise HTTPException(400, "target is the bill's or legislator's number")
                if kind == "bill":
                    bill = session.get(Bill, int(target))
                    if bill is None:
                        raise HTTPException(404, "no such bill")
                    label = f"{bill.jurisdiction.code} {bill.identifier}"
                else:
                    person = session.get(Person, int(target))
                    if person is None:
                        raise HTTPException(404, "no such legislator")
                    label = person.name
            session.add(Follow(user_id=user.id, kind=kind, target=target, label=label[:300]))

    await in_thread(save)
    back = safe_next(str(form.get("next", "/follows")))
    return RedirectResponse(back, status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/follows", follows_page, methods=["GET"]),
    Route("/follows", follow, methods=["POST"]),
    Route("/follows/email", email_follows, methods=["POST"]),
]
