"""Accounts on the real server on loopback: the access matrix of the API (with the `openai` client) and of
the chat window's own queue routes, the throttle on failed keys and logins, and the audit trail. Chroma is
real (embedded); the embedder and the model are deterministic stand-ins, so no model is loaded.

alice may ask in `alpha`, bob in `beta`, root is an admin; `corpus` (the default collection) is root's alone.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

import httpx
import openai
import pytest

from assistant.config import load_settings
from assistant.users import Users
from tests.support import gradio_queue
from tests.support.corpus import copy_test_corpus
from tests.support.scripted import scripted_server
from tests.support.servers import free_port

pytestmark = [pytest.mark.servers]
QUESTION = "How long does the rye loaf of the Vellholm bakery rest?"
WINDOW = 6.0  # server.failed_login_minutes = 0.1


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("accounts")
    corpus = copy_test_corpus(root)
    for name, text in (("alpha", "# Rye bread\n\nThe rye loaf of the Vellholm bakery rests for 14 hours before it is "
                                 "baked at 230 degrees.\n"),
                       ("beta", "# Payroll\n\nThe payroll of Brennvik is run on the 25th of each month.\n")):
        (root / name).mkdir()
        (root / name / f"{name}-notes.md").write_text(text)
    settings = load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=free_port(),
                             store__collections={"alpha": root / "alpha", "beta": root / "beta"}, model__warm_up=False,
                             answer__second_look_k=0, answer__min_score=-1.0, answer__unknown_names=False,
                             answer__rewrite_followups=False, server__failed_login_minutes=WINDOW / 60)
    users = Users(root / "data" / "users.sqlite")
    names = ["corpus", "alpha", "beta"]
    made = {"alice": users.add("alice", collections=["alpha"], known=names),
            "bob": users.add("bob", collections=["beta"], known=names),
            "root": users.add("root", admin=True, known=names)}
    server = scripted_server(settings)
    yield {"url": server.url, "made": made, "root": root, "users": users, "model": settings.model.name}
    server.close()


def api(served, who: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{served['url']}/v1", api_key=served["made"][who].api_key, max_retries=0, timeout=60)


def ask(client: openai.OpenAI, model: str | None, stream: bool = False):
    extra = {"model": model} if model else {"model": ""}
    return client.chat.completions.create(messages=[{"role": "user", "content": QUESTION}], stream=stream, **extra)


def test_models_list_each_users_own_collections_and_no_folders(served):
    seen = {who: [m.id for m in api(served, who).models.list()] for who in ("alice", "bob", "root")}
    assert seen == {"alice": ["alpha"], "bob": ["beta"], "root": ["corpus", "alpha", "beta"]}
    raw = httpx.get(f"{served['url']}/v1/models", headers={"Authorization": f"Bearer {served['made']['root'].api_key}"})
    assert str(served["root"]) not in raw.text
    key = {"Authorization": f"Bearer {served['made']['alice'].api_key}"}
    foreign = httpx.get(f"{served['url']}/v1/models", headers={**key, "Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "cross_site"  # the same-site rule stands
    plain = httpx.post(f"{served['url']}/v1/chat/completions", headers={**key, "Content-Type": "text/plain"},
                       content=json.dumps({"model": "alpha", "messages": [{"role": "user", "content": QUESTION}]}))
    assert plain.status_code == 415


def test_a_member_is_answered_in_their_collection_and_refused_in_another(served):
    alice = api(served, "alice")
    answer = ask(alice, "alpha")
    assert answer.model == "alpha" and "14 hours" in answer.choices[0].message.content
    assert ask(alice, None).model == "alpha"  # no model named: the user's first collection
    for model, stream in (("beta", False), ("corpus", False), ("beta", True)):
        with pytest.raises(openai.PermissionDeniedError) as refused:
            ask(alice, model, stream)
        assert refused.value.status_code == 403
        assert refused.value.body["code"] == "collection_forbidden" and refused.value.body["param"] == "model"
        assert "collection" in refused.value.body["message"] and "yours: alpha" in refused.value.body["message"]
    with pytest.raises(openai.NotFoundError) as unknown:
        ask(alice, "finance")
    assert "alpha" in unknown.value.body["message"] and "beta" not in unknown.value.body["message"]
    assert ask(api(served, "bob"), "beta").model == "beta"
    for model in ("corpus", "alpha", "beta"):
        assert ask(api(served, "root"), model).model == model
    chunks = list(ask(alice, "alpha", stream=True))
    assert "14 hours" in "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_no_key_or_a_wrong_one_is_a_401(served):
    url = served["url"]
    for headers in ({}, {"Authorization": "Bearer sk-not-a-key"}, {"Authorization": served["made"]["alice"].api_key}):
        r = httpx.get(f"{url}/v1/models", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    time.sleep(WINDOW)  # these failures count against 127.0.0.1: let them age out


def test_wrong_keys_are_throttled_with_a_429_and_logged(served, caplog):
    url, key = served["url"], served["made"]["alice"].api_key
    caplog.set_level(logging.WARNING, logger="assistant.access")
    codes = [httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer sk-guess-{i}"}).status_code
             for i in range(5)]
    held = httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"})  # even the right key
    assert codes == [401] * 5 and held.status_code == 429 and held.json()["error"]["code"] == "too_many_failures"
    assert int(held.headers["retry-after"]) == int(WINDOW)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert sum("a wrong key from address 127.0.0.1" in m for m in lines) == 5
    assert any("too many failures from address 127.0.0.1" in m for m in lines)
    assert not any("sk-guess" in m or key in m for m in lines)
    time.sleep(WINDOW)
    assert httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_failed_logins_to_the_chat_window_are_throttled_and_logged(served, caplog):
    url, password = served["url"], served["made"]["bob"].password
    caplog.set_level(logging.WARNING, logger="assistant.access")
    for i in range(5):
        assert httpx.post(f"{url}/login", data={"username": "bob", "password": f"guess{i}"}).status_code == 400
    assert httpx.post(f"{url}/login", data={"username": "bob", "password": password}).status_code == 400
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert sum("login failed: user 'bob' from address 127.0.0.1" in m for m in lines) == 5
    assert any("login refused: too many failures" in m for m in lines) and not any("guess" in m for m in lines)
    time.sleep(WINDOW)
    assert httpx.post(f"{url}/login", data={"username": "bob", "password": password}).status_code == 200


def ui(served, who: str) -> httpx.Client:
    return gradio_queue.login(served["url"], who, served["made"][who].password)


def ask_in_window(served, client: httpx.Client, collection: str) -> str:
    fn = gradio_queue.event_id(served["url"], "ask", "click", client)
    done = gradio_queue.result(served["url"], fn, [QUESTION, [], None, collection, served["model"], 4, 0.0, False], client)
    return json.dumps(done["output"])


def test_the_chat_window_answers_only_in_the_users_collections(served):
    alice = ui(served, "alice")
    assert "14 hours" in ask_in_window(served, alice, "alpha")
    for other in ("beta", "corpus"):
        refused = ask_in_window(served, alice, other)
        assert f"collection &#x27;{other}&#x27; is not yours" in refused or f"collection '{other}' is not yours" in refused
        assert "14 hours" not in refused and "Payroll" not in refused
    config = alice.get(f"{served['url']}/config").json()
    menu = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "collection")
    assert menu["props"]["choices"] == []  # the page everyone loads names no collection
    load = next(d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"]) and menu["id"] in d["outputs"])
    filled = json.dumps(gradio_queue.result(served["url"], load["id"], [], alice)["output"])
    assert "alpha" in filled and "beta" not in filled and "corpus" not in filled


def upload(served, client: httpx.Client, collection: str, name: str) -> str:
    url = served["url"]
    paths = client.post(f"{url}/gradio_api/upload", files={"files": (name, b"# Note\n\nThe ferry leaves at nine.\n")}).json()
    file = {"path": paths[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}
    done = gradio_queue.result(url, gradio_queue.event_id(url, "upload", "upload", client), [[file], collection], client)
    return json.dumps(done["output"])


def test_only_admins_change_documents_and_nobody_sees_anothers(served):
    url, root = served["url"], served["root"]
    alice, admin = ui(served, "alice"), ui(served, "root")
    for collection in ("alpha", "beta"):
        assert "only an admin" in upload(served, alice, collection, f"by-alice-{collection}.md")
        assert not (root / collection / "uploads" / f"by-alice-{collection}.md").exists()
    switch, remove = (gradio_queue.event_id(url, *event, alice) for event in (("collection", "input"), ("remove", "click")))
    shown = json.dumps(gradio_queue.result(url, switch, ["beta"], alice)["output"])
    assert "beta-notes.md" not in shown and "not yours" in shown
    session = "alice-tab"  # her Documents tab lists alpha's documents: a remove may name one of them
    for collection in ("alpha", "beta"):
        assert "alpha-notes.md" in json.dumps(gradio_queue.result(url, switch, ["alpha"], alice, session)["output"])
        refused = json.dumps(gradio_queue.result(url, remove, ["alpha-notes.md", collection], alice, session)["output"])
        assert "only an admin" in refused and (root / "alpha" / "alpha-notes.md").exists()
    reindex = gradio_queue.event_id(url, "reindex", "click", alice)
    assert "only an admin" in json.dumps(gradio_queue.result(url, reindex, ["alpha"], alice)["output"])
    assert "Indexed uploads/by-root.md" in upload(served, admin, "beta", "by-root.md")
    assert (root / "beta" / "uploads" / "by-root.md").exists()
    gradio_queue.result(url, switch, ["beta"], admin, "root-tab")
    done = json.dumps(gradio_queue.result(url, remove, ["uploads/by-root.md", "beta"], admin, "root-tab")["output"])
    assert "Removed uploads/by-root.md" in done and not (root / "beta" / "uploads" / "by-root.md").exists()


def test_a_user_added_while_serving_works_at_once_and_a_removed_one_is_refused(served):
    users, url = served["users"], served["url"]
    carol = users.add("carol", collections=["beta"], known=["corpus", "alpha", "beta"])
    key = {"Authorization": f"Bearer {carol.api_key}"}
    assert [m["id"] for m in httpx.get(f"{url}/v1/models", headers=key).json()["data"]] == ["beta"]
    session = gradio_queue.login(url, "carol", carol.password)
    users.remove("carol")
    assert httpx.get(f"{url}/v1/models", headers=key).status_code == 401
    assert "not signed in" in ask_in_window(served, session, "beta")
    time.sleep(WINDOW)  # the refused key counted against 127.0.0.1


def test_each_answer_leaves_one_audit_line(served):
    day = datetime.now(timezone.utc).date().isoformat()
    path = served["root"] / "data" / "audit" / f"{day}.jsonl"
    before = len(path.read_text().splitlines()) if path.exists() else 0
    ask(api(served, "alice"), "alpha")
    ask_in_window(served, ui(served, "bob"), "beta")
    with pytest.raises(openai.PermissionDeniedError):
        ask(api(served, "bob"), "alpha")
    assert "is not yours" in ask_in_window(served, ui(served, "bob"), "alpha")  # refused: no line either
    list(ask(api(served, "root"), "corpus", stream=True))
    lines = [json.loads(line) for line in path.read_text().splitlines()[before:]]
    assert [(e["user"], e["via"], e["collection"]) for e in lines] == [("alice", "api", "alpha"),
                                                                        ("bob", "chat window", "beta"),
                                                                        ("root", "api", "corpus")]
    first = lines[0]
    assert first["question"] == QUESTION and first["abstained"] is False and first["abstain_reason"] is None
    assert first["cited"] == [{"n": 1, "source": "alpha-notes.md", "where": first["cited"][0]["where"]}]
    assert first["model"] == "scripted" and first["timings"]["total_s"] > 0
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def rate_in_window(url: str, client: httpx.Client, collection: str, model: str, liked, correction: str = "",
                   session: str | None = None) -> tuple[str, str]:
    """Ask, keep the answer (the page's step after it), rate it, and send a correction: the rating's and the
    correction's outputs, as text."""
    import uuid

    session = session or uuid.uuid4().hex[:10]
    ask_fn = gradio_queue.event_id(url, "ask", "click", client)
    done = gradio_queue.result(url, ask_fn, [QUESTION, [], None, collection, model, 4, 0.0, False], client, session)
    history = done["output"]["data"][0]
    gradio_queue.result(url, gradio_queue.after(url, ask_fn, client), [history, None, collection, None, None], client,
                        session)
    index = len(history) - 1
    rated = gradio_queue.result(url, gradio_queue.event_id(url, "chat", "like", client), [None], client, session,
                                {"index": index, "value": [history[index]["content"]], "liked": liked})
    sent = {}
    if correction:
        send = gradio_queue.event_id(url, "correction-send", "click", client)
        sent = gradio_queue.result(url, send, [correction, None, None], client, session)
    return json.dumps(rated["output"]), json.dumps(sent.get("output"))


def ratings(root):
    from assistant.feedback import FILE, Feedback

    return Feedback(root / "data" / FILE).ratings()


def test_a_thumbs_down_in_the_chat_window_keeps_the_users_correction_with_the_answer(served):
    url, before = served["url"], len(ratings(served["root"]))
    rated, sent = rate_in_window(url, ui(served, "alice"), "alpha", served["model"], False, "It rests 14 hours.")
    assert "What is the right answer?" in rated and "kept with the question" in sent
    [new] = ratings(served["root"])[before:]
    assert (new.user, new.collection, new.question, new.up) == ("alice", "alpha", QUESTION, False)
    assert [c.source for c in new.cited] == ["alpha-notes.md"] and new.closest[0] == "alpha-notes.md"
    assert new.correction == "It rests 14 hours." and "14 hours" in new.answer and new.abstained is False
    path = served["root"] / "data" / "feedback.sqlite"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    rated, _ = rate_in_window(url, ui(served, "root"), "beta", served["model"], True)
    assert "rated up" in rated and [(r.user, r.collection, r.up) for r in ratings(served["root"])[before + 1:]] == [
        ("root", "beta", True)]


def test_a_rating_for_a_collection_not_the_users_is_refused(served):
    url, before = served["url"], len(ratings(served["root"]))
    alice = ui(served, "alice")
    session = "alice-rates-beta"
    ask_fn = gradio_queue.event_id(url, "ask", "click", alice)
    done = gradio_queue.result(url, ask_fn, [QUESTION, [], None, "alpha", served["model"], 4, 0.0, False], alice, session)
    history = done["output"]["data"][0]  # her answer, then kept as if it came from beta: the rating is refused
    gradio_queue.result(url, gradio_queue.after(url, ask_fn, alice), [history, None, "beta", None, None], alice, session)
    like = gradio_queue.event_id(url, "chat", "like", alice)
    refused = gradio_queue.result(url, like, [None], alice, session, {"index": len(history) - 1, "value": [], "liked": False})
    assert "Not rated" in json.dumps(refused["output"]) and "is not yours" in json.dumps(refused["output"])
    nothing = gradio_queue.result(url, like, [None], alice, session, {"index": 0, "value": [], "liked": True})
    assert "Only an answer can be rated" in json.dumps(nothing["output"])  # her own question, not an answer
    forged = gradio_queue.result(url, like, [None], alice, session, {"index": [1, 0], "value": [], "liked": False})
    assert "Only an answer can be rated" in json.dumps(forged["output"])  # not a message's index
    assert len(ratings(served["root"])) == before


@pytest.mark.browser
def test_in_the_browser_a_member_sees_only_their_collection_and_no_document_buttons(served, browser):
    url = served["url"]
    pages = {}
    for who in ("alice", "root"):
        context = browser.new_context()
        signed = context.request.post(f"{url}/login", form={"username": who, "password": served["made"][who].password})
        assert signed.ok
        page = context.new_page()
        page.goto(url)
        page.get_by_role("tab", name="Documents").click()
        page.wait_for_selector("#documents table.docs", timeout=60_000)
        pages[who] = page
    alice, root = pages["alice"], pages["root"]
    assert "alpha-notes.md" in alice.locator("#documents").inner_text()
    assert not alice.locator("#collection").is_visible()  # one collection: no menu
    assert not alice.locator("#upload").is_visible() and not alice.locator("#remove").is_visible()
    assert root.locator("#collection").is_visible() and root.locator("#upload").is_visible()
    assert "beta" not in alice.content() and "Payroll" not in alice.content()
    alice.get_by_role("tab", name="Chat").click()
    alice.locator("#question textarea").fill(QUESTION)
    alice.locator("#ask").click()
    alice.wait_for_selector("#sources h3", timeout=60_000)
    assert "14 hours" in alice.locator("#chat .message").last.inner_text()
    for page in pages.values():
        page.context.close()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """The same collections with no accounts, and the one `server.api_key` of before."""

    root = tmp_path_factory.mktemp("no-accounts")
    corpus = copy_test_corpus(root)
    (root / "beta").mkdir()
    (root / "beta" / "beta-notes.md").write_text("# Rye\n\nThe rye loaf of the Vellholm bakery rests for 14 hours.\n")
    settings = load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=free_port(),
                             store__collections={"beta": root / "beta"}, model__warm_up=False, server__api_key="k-1",
                             answer__second_look_k=0, answer__min_score=-1.0, answer__unknown_names=False,
                             answer__rewrite_followups=False)
    server = scripted_server(settings)
    yield {"url": server.url, "root": root, "model": settings.model.name}
    server.close()


def test_without_accounts_the_server_is_as_before(open_server):
    url = open_server["url"]
    key = {"Authorization": "Bearer k-1"}
    assert [m["id"] for m in httpx.get(f"{url}/v1/models", headers=key).json()["data"]] == ["corpus", "beta"]
    assert httpx.get(f"{url}/v1/models").status_code == 401  # the one key of server.api_key
    assert httpx.get(f"{url}/v1/models", headers={"Authorization": "bEaReR k-1"}).status_code == 200
    assert httpx.get(f"{url}/v1/models", headers={"Authorization": "k-1"}).status_code == 401
    assert httpx.get(f"{url}/v1/models", headers={"Origin": "http://evil.example"}).status_code == 401  # the key first
    assert httpx.get(f"{url}/v1/models", headers={**key, "Origin": "http://evil.example"}).status_code == 403
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="k-1", max_retries=0, timeout=60)
    assert "14 hours" in ask(client, "beta").choices[0].message.content
    config = httpx.get(f"{url}/config").json()  # no login: the page and its menu of every collection
    menu = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "collection")
    assert [c[0] for c in menu["props"]["choices"]] == ["corpus", "beta"] and menu["props"]["value"] == "corpus"
    with httpx.Client(timeout=300) as window:
        assert "14 hours" in ask_in_window(open_server, window, "beta")
    assert not (open_server["root"] / "data" / "audit").exists() and not (open_server["root"] / "data" / "users.sqlite").exists()


def test_without_accounts_a_rating_names_no_user_and_a_second_click_takes_it_back(open_server):
    url = open_server["url"]
    with httpx.Client(timeout=300) as window:
        rated, sent = rate_in_window(url, window, "beta", open_server["model"], False, "Fourteen hours.", "open-1")
        assert "What is the right answer?" in rated and "kept with the question" in sent
        [kept] = ratings(open_server["root"])
        assert (kept.user, kept.collection, kept.up, kept.correction) == (None, "beta", False, "Fourteen hours.")
        like = gradio_queue.event_id(url, "chat", "like", window)
        gradio_queue.result(url, like, [None], window, "open-1", {"index": 1, "value": [], "liked": True})
        assert [(r.up, r.correction) for r in ratings(open_server["root"])] == [(True, "Fourteen hours.")]
        back = gradio_queue.result(url, like, [None], window, "open-1", {"index": 1, "value": [], "liked": ""})
        assert "Rating taken back" in json.dumps(back["output"]) and ratings(open_server["root"]) == []


@pytest.mark.browser
def test_in_the_browser_a_thumbs_down_and_the_right_answer_are_kept(open_server, browser, artifacts):
    url, before = open_server["url"], len(ratings(open_server["root"]))
    page = browser.new_page()
    page.goto(url)
    page.locator("#question textarea").fill(QUESTION)
    page.locator("#ask").click()
    page.wait_for_selector("#sources h3", timeout=60_000)
    assert not page.locator("#correction").is_visible()
    page.locator("#chat").get_by_role("button", name="Dislike").last.click()
    page.wait_for_selector("#correction-text textarea", timeout=30_000)
    page.locator("#correction-text textarea").fill("The loaf rests for fourteen hours.")
    page.locator("#correction-send").click()
    page.wait_for_function("document.querySelector('#feedback-note')?.innerText.includes('kept with the question')",
                           timeout=30_000)
    page.screenshot(path=str(artifacts / "feedback-thumbs-down.png"), full_page=True)
    assert not page.locator("#correction").is_visible()
    [kept] = ratings(open_server["root"])[before:]
    assert (kept.up, kept.question, kept.correction) == (False, QUESTION, "The loaf rests for fourteen hours.")
    assert kept.collection == "corpus" and kept.closest  # the menu's first collection; its closest files kept
    page.close()

