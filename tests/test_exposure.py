"""serve.py's exposure check: off loopback the chat window needs a login and the API a key, and
neither may be blank (a password of one space is no password)."""

from __future__ import annotations

import pytest

from assistant.config import load_settings
from assistant.errors import ConfigError


def test_off_loopback_the_api_needs_a_key(tmp_path):
    from assistant.serve import check_exposure

    login = {"paths__data_dir": tmp_path, "server__host": "0.0.0.0", "server__username": "ops", "server__password": "s3cret-pass"}
    with pytest.raises(ConfigError, match="ASSISTANT_SERVER__API_KEY"):
        check_exposure(load_settings(**login))
    with pytest.raises(ConfigError, match="ASSISTANT_SERVER__API_KEY"):
        check_exposure(load_settings(**login, server__api_key="   "))  # a blank key is no key
    check_exposure(load_settings(**login, server__api_key="k"))  # with a key: allowed
    check_exposure(load_settings(**login, server__api=False))  # or with the API off


@pytest.mark.parametrize("user, password", [("ops", " "), ("ops", "\t\n"), (" ", "s3cret-pass")])
def test_off_loopback_a_blank_login_is_refused(tmp_path, user, password):
    from assistant.serve import check_exposure

    with pytest.raises(ConfigError, match="not blank"):
        check_exposure(load_settings(paths__data_dir=tmp_path, server__host="0.0.0.0", server__username=user,
                                     server__password=password, server__api=False))


def test_off_loopback_user_accounts_are_the_login_and_the_key(tmp_path):
    from assistant.serve import check_exposure, guards
    from assistant.app import Workspace
    from assistant.users import Users

    settings = load_settings(paths__data_dir=tmp_path, server__host="0.0.0.0")
    with pytest.raises(ConfigError, match="assistant users add"):
        check_exposure(settings)
    access, audit = guards(Workspace(settings))
    assert not access.accounts and audit is None and not (tmp_path / "users.sqlite").exists()  # none: as before
    Users(tmp_path / "users.sqlite").add("root", admin=True)
    check_exposure(settings)
    access, audit = guards(Workspace(settings))
    assert access.accounts and audit.folder == tmp_path / "audit" and audit.days == 90
    assert guards(Workspace(settings.updated(server__audit=False)))[1] is None
