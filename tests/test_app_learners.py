"""Learners in the app (AppTest): each session's learner (a profile kept in ``?user=``, or the
logged-in user when login is configured) sees and changes only their own history; export and
delete with confirmation; a database that is down (a real PostgreSQL server, stopped) keeps the
quiz running, tells the learner, and the kept answers are saved once it is back."""
from __future__ import annotations

import json

from indexer.config import load_config
from quiz.history import History
from tests.e2e.workspace import (  # noqa: F401 — fixtures
    app_cache,
    app_model,
    app_test,
    app_workspace,
    built_app_workspace,
    open_page,
    sidebar_text,
    texts,
)


def _session(user: str | None = None, auth: dict | None = None):
    at = app_test()
    if user is not None:
        at.query_params["user"] = user
    if auth is not None:
        at.user = auth
    at.run()
    assert not at.exception, at.exception
    return open_page(at, "go-quiz")


def _quiz(at, n: int, right: bool):
    at.slider(key="quiz_n").set_value(n)
    next(b for b in at.button if b.label == "クイズを始める").click().run()
    assert not at.exception, at.exception
    quiz = at.session_state["quiz"]
    for q in quiz["questions"]:
        good = sorted(q.correct_indices)
        bad = [j for j in range(len(q.options)) if j not in q.correct_indices]
        chosen = good if right else bad[: q.n_correct]
        if q.n_correct == 1:
            at.radio(key=f"ans-{quiz['uid']}-{q.id}").set_value(chosen[0])
        else:
            for j in chosen:
                at.checkbox(key=f"ans-{quiz['uid']}-{q.id}-{j}").check()
    next(b for b in at.button if b.label == "採点する").click().run()
    assert not at.exception, at.exception
    return quiz


def _history(config_path, learner: str) -> History:
    config = load_config(config_path)
    return History(config.quiz.url, learner=learner, unsaved_dir=config.quiz.unsaved_dir)


def test_each_profile_sees_only_its_own_history(app_workspace):
    hana = _session("hana")
    _quiz(hana, 3, right=False)
    assert _history(app_workspace, "hana").summary()["answered"] == 3
    assert any("hana" in t and "回答 3 件" in t for t in texts(hana))

    ken = _session("ken")
    body = "\n".join(texts(ken))
    assert "まだ記録がありません" in body and "回答 3 件" not in body
    assert "いま復習する問題はありません" in body  # hana's mistakes are not ken's review
    _quiz(ken, 2, right=True)
    assert _history(app_workspace, "ken").summary() == {**_history(app_workspace, "ken").summary(),
                                                         "answered": 2, "correct": 2}
    assert _history(app_workspace, "hana").summary()["answered"] == 3  # untouched

    # The picker lists both; switching puts the profile in the URL and shows that learner's numbers.
    picker = ken.sidebar.selectbox(key="learner_pick")
    assert {"hana", "ken"} <= set(picker.options)
    picker.set_value("hana").run()
    assert not ken.exception and ken.query_params["user"] == "hana"
    assert any("hana" in t and "回答 3 件" in t for t in texts(ken))


def test_new_profile_and_a_reload_keeps_it(app_workspace):
    at = _session()
    at.sidebar.selectbox(key="learner_pick").set_value("＋ 新しいプロフィール…").run()
    at.sidebar.text_input(key="learner_new").input("山田 花子").run()
    at.sidebar.button(key="learner_create").click().run()
    assert not at.exception and at.query_params["user"] == "山田 花子"
    _quiz(at, 1, right=True)
    again = _session(at.query_params["user"])  # a reload: a new session with the same URL
    assert any("山田 花子" in t and "回答 1 件" in t for t in texts(again))


def test_export_and_delete_with_confirmation(app_workspace):
    at = _session("hana")
    _quiz(at, 2, right=False)
    ken = _session("ken")
    _quiz(ken, 1, right=True)
    at.run()
    exports = {b.key for b in at.get("download_button")}
    assert {"export_csv", "export_json"} <= exports
    delete = at.button(key="delete_history")
    assert delete.disabled  # not before the confirmation
    at.checkbox(key="delete_confirm").check().run()
    at.button(key="delete_history").click().run()
    assert not at.exception, at.exception
    assert _history(app_workspace, "hana").summary()["answered"] == 0
    assert _history(app_workspace, "ken").summary()["answered"] == 1
    assert "まだ記録がありません" in "\n".join(texts(at))


def test_logged_in_user_is_the_learner(app_workspace):
    out = _session("hana", auth={"is_logged_in": False})
    assert "ログイン" in [b.label for b in out.sidebar.button]
    assert not out.sidebar.get("selectbox") or "learner_pick" not in {s.key for s in out.sidebar.selectbox}
    user = _session("hana", auth={"is_logged_in": True, "email": "aiko@example.com", "name": "Aiko"})
    # the address is shown as inline code: user text never becomes a mailto: link
    assert "ログイン中: `aiko@example.com`" in sidebar_text(user)
    _quiz(user, 1, right=True)
    # The URL's ?user=hana is ignored once login is configured: the answers are aiko's.
    assert _history(app_workspace, "aiko@example.com").summary()["answered"] == 1
    assert _history(app_workspace, "hana").summary()["answered"] == 0


def test_database_down_quiz_goes_on_and_answers_are_kept(app_workspace, own_pg_server, monkeypatch, tmp_path):
    url = own_pg_server.create_database()
    monkeypatch.setenv("STUDY_HISTORY_URL", url)
    at = _session("hana")
    own_pg_server.stop()
    quiz = _quiz(at, 2, right=True)
    assert at.metric[0].value == "2 / 2"  # scored and explained as usual
    warnings = [w.value for w in at.warning]
    assert any("進捗を今は保存できません" in w for w in warnings), warnings
    kept = load_config(app_workspace).quiz.unsaved_dir
    side = list(kept.glob("*.jsonl")) if kept else []
    config = load_config(app_workspace)
    history = History(url, learner="hana", unsaved_dir=config.quiz.unsaved_dir)
    assert history.pending_count() == 2
    lines = [json.loads(x) for x in history.pending.path.read_text(encoding="utf-8").splitlines()]
    assert [x["answer"]["question"]["id"] for x in lines] == [q.id for q in quiz["questions"]]
    del side

    own_pg_server.start()
    at.run()  # the next page run saves them
    assert not at.exception, at.exception
    assert history.pending_count() == 0 and history.summary()["answered"] == 2
    history.db.dispose()
