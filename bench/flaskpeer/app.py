"""The peer of `make bench`: a minimal Flask-Security-Too app configured like Invenio.

Debian 12's packages only (python3-flask-security 5.1, python3-flask-sqlalchemy 3.0,
python3-flask-session 0.3, python3-redis, gunicorn); run it with /usr/bin/python3.

- Users in SQLite through Flask-SQLAlchemy (Flask-Security's fsqla_v3 models).
- Passwords as Invenio stores them: pbkdf2_sha512 (passlib) over Flask-Security's
  HMAC-SHA512 pre-hash keyed with SECURITY_PASSWORD_SALT (SECURITY_PASSWORD_SINGLE_HASH off).
- Server-side sessions in Redis (Invenio keeps them in Redis): Flask-Session's Redis
  interface with a signed session-id cookie, changed so that a session is written back
  only when it changed, as Flask-KVSession (Invenio's) does; Flask-Session 0.3 would
  otherwise write every session on every request.
- Login tracking on (SECURITY_TRACKABLE, as Invenio), Flask-Security's JSON login at
  POST /login, and GET /api/me answering the logged-in user as JSON.

Configuration from the environment:
  FLASKPEER_DB        SQLite file (required)
  FLASKPEER_ROUNDS    pbkdf2_sha512 rounds of new hashes (default 25000)
  FLASKPEER_REDIS     Redis URL of the sessions (default redis://127.0.0.1:6379/0)
  FLASKPEER_PREFIX    key prefix of the sessions (default "flaskpeer:session:"); the
                      bench gives each run a prefix of its own and deletes its keys
  SECRET_KEY          Flask's secret key (required)

Serve: gunicorn -w 2 -k sync -b 127.0.0.1:PORT --chdir bench/flaskpeer app:app
Users: /usr/bin/python3 bench/flaskpeer/app.py create-users PASSWORD EMAIL...
"""

import os
import sys

import redis
from flask import Flask, jsonify
from flask_security import Security, SQLAlchemyUserDatastore, auth_required, current_user, hash_password
from flask_security.models import fsqla_v3 as fsqla
from flask_session import Session
from flask_session.sessions import RedisSessionInterface
from flask_sqlalchemy import SQLAlchemy


class ChangedOnlyRedisSessionInterface(RedisSessionInterface):
    """Flask-Session's Redis interface, writing a session back only when it changed."""

    def save_session(self, app, session, response):
        if not session.modified:
            return
        super().save_session(app, session, response)


def create_app():
    rounds = int(os.environ.get("FLASKPEER_ROUNDS", "25000"))
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.abspath(os.environ["FLASKPEER_DB"]),
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        SECURITY_PASSWORD_HASH="pbkdf2_sha512",
        SECURITY_PASSWORD_SCHEMES=["pbkdf2_sha512"],
        SECURITY_DEPRECATED_PASSWORD_SCHEMES=[],
        SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS={"pbkdf2_sha512__rounds": rounds},
        SECURITY_PASSWORD_SALT=os.environ["SECRET_KEY"],
        SECURITY_PASSWORD_SINGLE_HASH=False,
        SECURITY_TRACKABLE=True,
        SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS=True,
        SECURITY_SEND_REGISTER_EMAIL=False,
        SECURITY_EMAIL_VALIDATOR_ARGS={"check_deliverability": False},
        SESSION_TYPE="redis",
        SESSION_USE_SIGNER=True,
        SESSION_PERMANENT=True,
        SESSION_KEY_PREFIX=os.environ.get("FLASKPEER_PREFIX", "flaskpeer:session:"),
        SESSION_REDIS=redis.Redis.from_url(os.environ.get("FLASKPEER_REDIS", "redis://127.0.0.1:6379/0")),
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_HTTPONLY=True,
    )
    db = SQLAlchemy(app)
    fsqla.FsModels.set_db_info(db)

    class Role(db.Model, fsqla.FsRoleMixin):
        pass

    class User(db.Model, fsqla.FsUserMixin):
        pass

    Session(app)
    app.session_interface = ChangedOnlyRedisSessionInterface(
        app.config["SESSION_REDIS"], app.config["SESSION_KEY_PREFIX"], True, True
    )
    datastore = SQLAlchemyUserDatastore(db, User, Role)
    Security(app, datastore)

    @app.get("/api/me")
    @auth_required("session")
    def me():
        u = current_user
        return jsonify(
            id=u.id,
            email=u.email,
            confirmed_at=u.confirmed_at.isoformat() if u.confirmed_at else None,
            last_login_at=u.last_login_at.isoformat() if u.last_login_at else None,
            roles=[r.name for r in u.roles],
        )

    @app.get("/readyz")
    def readyz():
        return jsonify(status="ok")

    app.extensions["flaskpeer"] = (db, datastore)
    return app


app = create_app()


def create_users(password, emails):
    db, datastore = app.extensions["flaskpeer"]
    with app.app_context():
        db.create_all()
        for email in emails:
            if datastore.find_user(email=email) is None:
                datastore.create_user(email=email, password=hash_password(password), active=True)
        db.session.commit()


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "create-users":
        sys.exit("usage: app.py create-users PASSWORD EMAIL...")
    create_users(sys.argv[2], sys.argv[3:])
