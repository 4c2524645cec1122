"""The command line: `assistant ingest | ask | chat | status | collections | models | eval | serve | users | feedback`.

This is the boundary where typed errors become messages: an AssistantError
prints `error: <message>` to stderr and exits 2 (`--debug` re-raises instead);
a warning (a damaged index part repaired, an old setting name) prints
`warning: <message>`.
Heavy modules are imported inside the commands so `assistant --help` is quick.
The command line is a contract for scripts: see the README before renaming.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    import warnings

    warnings.showwarning = _warn  # a repaired index or an old setting name: one line, no source line
    args = (_compare_parser() if argv[:2] == ["eval", "compare"] else _parser()).parse_args(argv)
    from assistant.errors import AssistantError

    try:
        return args.func(args)
    except AssistantError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _warn(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    common, scope = _common_options(), _scope_options()
    p = argparse.ArgumentParser(prog="assistant", description="Ask questions about your own documents, offline, with cited answers.")
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1], debug=False)
    sub = p.add_subparsers(title="commands")
    for add in (_ingest_parser, _ask_parser, _chat_parser, _status_parser, _collections_parser, _models_parser,
                _eval_parser, _serve_parser, _users_parser, _feedback_parser):
        add(sub, common, scope)
    return p


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="folder of the index (default: data/ in the project, or the settings)")
    common.add_argument("--debug", action="store_true", help="show full tracebacks")
    common.add_argument("--collection", metavar="NAME",
                        help="a named collection (setting 'store.collections'; `assistant collections` lists them)")
    return common


def _scope_options() -> argparse.ArgumentParser:
    scope = argparse.ArgumentParser(add_help=False)
    scope.add_argument("--file", action="append", default=[], metavar="PATTERN",
                       help="only documents whose path matches this glob, e.g. 'reports/*.pdf' (repeatable)")
    scope.add_argument("--folder", action="append", default=[], metavar="DIR",
                       help="only documents in this folder of the corpus, subfolders included (repeatable)")
    scope.add_argument("--after", metavar="YYYY-MM-DD", help="only documents modified on or after this day")
    scope.add_argument("--before", metavar="YYYY-MM-DD", help="only documents modified on or before this day")
    return scope


def _ingest_parser(sub, common, scope) -> None:
    s = sub.add_parser("ingest", parents=[common], help="index a folder of documents (incremental)")
    s.add_argument("path", nargs="?", type=Path, help="corpus folder (default: the configured corpus_dir)")
    s.add_argument("--rebuild", action="store_true", help="drop the collection and index everything again")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--watch", action="store_true",
                   help="keep running: pick up added, changed and deleted files as they happen (Ctrl-C to stop)")
    s.set_defaults(func=cmd_ingest)


def _answer_options(s) -> None:
    """The options `ask` and `chat` share."""
    s.add_argument("--corpus", type=Path, help="answer from this folder (ingested incrementally into its own collection first)")
    s.add_argument("--model", help="model name (see `assistant models`)")
    s.add_argument("--top-k", type=int, help="passages given to the model")


def _ask_parser(sub, common, scope) -> None:
    s = sub.add_parser("ask", parents=[common, scope], help="answer a question with cited passages")
    s.add_argument("question")
    _answer_options(s)
    s.add_argument("--json", action="store_true", help="print the full answer record as one JSON object")
    s.set_defaults(func=cmd_ask)


def _chat_parser(sub, common, scope) -> None:
    s = sub.add_parser("chat", parents=[common, scope], help="a conversation in the terminal: follow-up questions keep the thread")
    _answer_options(s)
    s.set_defaults(func=cmd_chat)


def _status_parser(sub, common, scope) -> None:
    s = sub.add_parser("status", parents=[common], help="what is indexed")
    s.add_argument("--corpus", type=Path, help="the collection of this folder instead of the configured one")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)


def _collections_parser(sub, common, scope) -> None:
    s = sub.add_parser("collections", parents=[common], help="list the named collections and their folders")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_collections)


def _models_parser(sub, common, scope) -> None:
    s = sub.add_parser("models", parents=[common], help="list usable language models")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_models)


def _eval_parser(sub, common, scope) -> None:
    s = sub.add_parser("eval", parents=[common], help="score answers against a question set (`eval compare A B` to diff two runs)")
    s.add_argument("questions", type=Path, help="question set, JSON Lines (see corpus/evaluation.md)")
    s.add_argument("--corpus", type=Path, help="corpus folder the questions are about (ingested incrementally first)")
    s.add_argument("--split", choices=["dev", "test"], help="only questions of this split")
    s.add_argument("--limit", type=int, help="only the first N selected questions")
    s.add_argument("--sample", type=int, help="a random sample of N questions (with --seed)")
    s.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    s.add_argument("--out", type=Path, help="results folder (default eval-out/<questions file name>)")
    s.add_argument("--retrieval-only", action="store_true", help="score retrieval only; do not ask the model")
    s.add_argument("--model", help="model name (see `assistant models`)")
    s.set_defaults(func=cmd_eval)


def _serve_parser(sub, common, scope) -> None:
    s = sub.add_parser("serve", parents=[common], help="open the chat window (and the OpenAI-compatible API)")
    s.add_argument("--corpus", type=Path, help="serve this folder (ingested first) instead of the configured corpus")
    s.add_argument("--model", help="model name (see `assistant models`)")
    s.add_argument("--host", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 7860)")
    s.add_argument("--no-ingest", action="store_true", help="do not ingest the collections before serving")
    s.add_argument("--watch", action="store_true", help="re-index the corpus folders while serving, as files change")
    s.set_defaults(func=cmd_serve)


def _users_parser(sub, common, scope) -> None:
    s = sub.add_parser("users", help="the accounts of a shared server: add, list, remove, reset")
    s.set_defaults(func=lambda a: (s.print_help(), 0)[1], debug=False)
    users = s.add_subparsers(title="commands")
    add = users.add_parser("add", parents=[common], help="add a user; prints their password and API key, once")
    add.add_argument("name", help="1-63 lower-case letters, digits, '.', '_' or '-'")
    add.add_argument("--admin", action="store_true", help="an admin: every collection, and manages documents")
    add.add_argument("--collections", default="", metavar="A,B",
                     help="the collections a member may ask (`assistant collections` lists them)")
    add.add_argument("--json", action="store_true", help='print {"name", "password", "api_key"}')
    add.set_defaults(func=cmd_users_add)
    listed = users.add_parser("list", parents=[common], help="the users, admin or not, and their collections (no secrets)")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=cmd_users_list)
    for name, what, func in (("remove", "remove a user: their key and login stop working at once", cmd_users_remove),
                             ("reset", "new password and API key for a user (printed once); the old ones stop working",
                              cmd_users_reset)):
        one = users.add_parser(name, parents=[common], help=what)
        one.add_argument("name")
        if name == "reset":
            one.add_argument("--json", action="store_true", help='print {"name", "password", "api_key"}')
        one.set_defaults(func=func)


def _feedback_parser(sub, common, scope) -> None:
    s = sub.add_parser("feedback", help="the chat window's thumbs up and down: list them, export the thumbs down")
    s.set_defaults(func=lambda a: (s.print_help(), 0)[1], debug=False)
    feedback = s.add_subparsers(title="commands")
    export = feedback.add_parser("export", parents=[common], help="the thumbs-down questions as a question set "
                                 "for `assistant eval` (a person confirms each first)")
    export.add_argument("out", type=Path, metavar="OUT.jsonl")
    listed = feedback.add_parser("list", parents=[common], help="the ratings, one line each, oldest first")
    listed.add_argument("--down", action="store_true", help="only the thumbs down")
    listed.add_argument("--json", action="store_true", help="one JSON object a line: every field of each rating")
    for one, func in ((export, cmd_feedback_export), (listed, cmd_feedback_list)):
        one.add_argument("--since", metavar="YYYY-MM-DD", help="only ratings of this day (UTC) and later")
        one.set_defaults(func=func)


def _compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant eval compare", description="List regressions, improvements and metric deltas from run A to run B.")
    p.add_argument("eval_word", metavar="eval", choices=["eval"])
    p.add_argument("compare_word", metavar="compare", choices=["compare"])
    p.add_argument("a", type=Path, help="results folder (or results.json) of the earlier run")
    p.add_argument("b", type=Path, help="results folder (or results.json) of the later run")
    p.add_argument("--json", action="store_true")
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=cmd_eval_compare)
    return p


def _workspace(args, settings=None, **overrides):
    """The collections, with the settings of the options (`settings` already loaded: those, updated)."""
    from assistant.app import App, Workspace
    from assistant.config import load_settings

    settings = settings.updated(**overrides) if settings else load_settings(
        paths__data_dir=getattr(args, "data_dir", None), **overrides)
    corpus = getattr(args, "corpus", None) or getattr(args, "path", None)
    if corpus and getattr(args, "collection", None):
        from assistant.errors import AssistantError

        raise AssistantError("give a corpus folder or --collection, not both")
    if corpus:
        return Workspace.around(App(settings, corpus.expanduser().resolve()))
    workspace = Workspace(settings)
    if getattr(args, "collection", None):
        workspace.app(args.collection)  # an unknown name is refused here, with the list
        workspace.default = args.collection
    return workspace


def _app(args, settings=None, **overrides):
    """The App of the chosen collection: --collection, a corpus folder, or the default."""
    return _workspace(args, settings, **overrides).app()


def cmd_ingest(args) -> int:
    app = _app(args)
    if args.watch:
        return _watch(app)
    report = app.ingest(progress=not args.quiet and sys.stderr.isatty(), rebuild=args.rebuild)
    print(report.summary())
    print(f"collection '{app.collection}': {app.store.count()} chunks from {app.corpus}")
    return 1 if report.errors and not (report.added or report.updated or report.unchanged) else 0


def _watch(app) -> int:
    import threading

    print(f"watching {app.corpus} every {app.settings.ingest.watch_interval:g} s (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    try:
        app.watch(stop, on_report=lambda r: print(r.summary(), flush=True),
                  on_error=lambda exc: print(f"error: {exc}", file=sys.stderr, flush=True))
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_ask(args) -> int:
    scope = _filter(args)  # a bad date is refused before any work
    service = _answerer(args, quiet=args.json)
    if args.json:
        answer = service.ask(args.question, filter=scope)
        print(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    _stream_answer(service, args.question, filter=scope)
    return 0


def cmd_chat(args) -> int:
    """Read questions line by line; Ctrl-C stops an answer, Ctrl-D (or an empty line) ends the chat."""
    from assistant.conversation import with_turn
    from assistant.errors import AssistantError
    from assistant.records import Turn

    scope = _filter(args)
    service = _answerer(args)
    history: list[Turn] = []
    interactive = sys.stdin.isatty()
    while True:
        try:
            question = input("\nyou> " if interactive else "").strip()
        except EOFError:
            break
        if not question:
            break
        if not interactive:
            print(f"\nyou> {question}")
        try:
            answer = _stream_answer(service, question, history, scope)
        except AssistantError as exc:  # one bad question does not end the conversation
            print(f"error: {exc}", file=sys.stderr)
            continue
        history = with_turn(history, question, answer)
    return 0


def _answerer(args, quiet: bool = False):
    """What answers `ask` and `chat`: a running server (client.py, per the `client` settings), else the answer
    service of the collection in this process. Both stream the same events and give the same record."""
    from assistant.client import find
    from assistant.config import load_settings

    settings = load_settings(paths__data_dir=args.data_dir)
    local = [f"--{name.replace('_', '-')}" for name in ("corpus", "data_dir", "model") if getattr(args, name)]
    server = find(settings, args.collection or settings.store.collection, local, args.top_k)
    return server or _ready_app(args, settings, quiet).service


def _ready_app(args, settings, quiet: bool = False):
    from assistant.errors import AssistantError

    app = _app(args, settings, model__name=args.model, retrieval__top_k=args.top_k)
    if args.corpus:
        report = app.ingest(progress=not quiet and sys.stderr.isatty())
        if report.errors:
            print(report.summary(), file=sys.stderr)
    if app.store.count() == 0:
        raise AssistantError(f"nothing is indexed from {app.corpus}: run `assistant ingest` first")
    return app


def _filter(args):
    """The --file/--folder/--after/--before options as a Filter (None when none is given)."""
    from datetime import date

    from assistant.errors import AssistantError
    from assistant.records import Filter

    days = {}
    for name in ("after", "before"):
        value = getattr(args, name)
        if value:
            try:
                days[name] = date.fromisoformat(value)
            except ValueError:
                raise AssistantError(f"--{name} {value!r}: not a date; write it as YYYY-MM-DD, e.g. 2025-03-31") from None
    scope = Filter(files=args.file, folders=args.folder, **days)
    return None if scope.empty else scope


def _stream_answer(service, question: str, history=None, filter=None):
    """Print the answer as it streams, then the checked answer and its sources. Ctrl-C stops it. `service`
    is the answer service in this process or a running server's client: the same events either way."""
    from contextlib import closing

    answer, streamed = None, []
    with closing(service.stream(question, history, filter=filter)) as events:
        try:
            for event in events:
                if event.kind == "rewrite":
                    print(f"(searching for: {event.text})", file=sys.stderr)
                elif event.kind == "token":
                    streamed.append(event.text)
                    print(event.text, end="", flush=True)
                elif event.answer is not None:
                    answer = event.answer
        except KeyboardInterrupt:
            print("\n(stopped)")
            return None
    print()
    if answer.answer != "".join(streamed).strip():
        print(f"\nChecked answer: {answer.answer}")  # citations checked or added in code
    _print_sources(answer)
    return answer


def _print_sources(answer) -> None:
    from assistant.notes import notes
    from assistant.records import where

    for note in notes(answer):
        print(f"({note})")
    print("\nClosest passages:" if answer.abstained else "\nSources:")
    for n, item in answer.numbered_sources():
        print(f"  [{n}] {item.source} ({where(item)})")
        shown = getattr(item, "span", "") or item.text  # a citation shows its supporting span
        print(textwrap.indent(textwrap.fill(" ".join(shown.split())[:400], 96), "      "))
    t = answer.timings
    first = f"{t.first_token_s:.1f} s to first token, " if t.first_token_s else ""
    first += f"{t.first_sentence_s:.1f} s to the first checked sentence, " if t.first_sentence_s else ""
    speed = f", {t.tokens_per_s:.1f} tokens/s" if t.tokens_per_s else ""
    by = f" (answered by the server at {answer.served_by})" if answer.served_by else ""
    print(f"\n{answer.model}: {first}{t.total_s:.1f} s total{speed}{by}", file=sys.stderr)


def cmd_status(args) -> int:
    info = _app(args).status()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>12}: {value}")
    return 0


def cmd_collections(args) -> int:
    workspace = _workspace(args)
    rows = []
    for name in workspace.names():
        app = workspace.app(name)
        records = app.manifest.records()
        rows.append({"name": name, "corpus": str(app.corpus), "default": name == workspace.default,
                     "documents": sum(1 for r in records.values() if r.status == "done"),
                     "chunks": sum(r.chunks for r in records.values() if r.status == "done")})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        mark = "* " if r["default"] else "  "
        print(f"{mark}{r['name']:<24}{r['documents']:>6} documents {r['chunks']:>8} chunks  {r['corpus']}")
    print("\n* default. Add one under [collections] in assistant.toml (name = \"/path/to/folder\").")
    return 0


def cmd_models(args) -> int:
    from assistant.config import load_settings
    from assistant.modelfiles import list_models

    settings = load_settings(paths__data_dir=args.data_dir)
    rows = list_models(settings.paths.models_dir)
    if args.json:
        print(json.dumps([
            {"name": n, "file": str(i.path) if i else None, "architecture": i.architecture if i else None,
             "parameters": i.parameters if i else None, "quantization": i.quantization if i else None,
             "size_bytes": i.size_bytes if i else None, "context_length": i.context_length if i else None,
             "selected": n == settings.model.name, "note": note}
            for n, i, note in rows
        ], indent=2))
        return 0
    print(f"{'':2}{'name':<28}{'arch':<10}{'params':>8}  {'quant':<8}{'size':>9}  note")
    for name, info, note in rows:
        mark = "* " if name == settings.model.name else "  "
        if info:
            params = info.size_label or f"{info.parameters / 1e9:.2f}B"
            print(f"{mark}{name:<28}{info.architecture:<10}{params:>8}  {info.quantization:<8}"
                  f"{info.size_bytes / 2**20:>7.0f}MB  {note}")
        else:
            print(f"{mark}{name:<28}{'-':<10}{'-':>8}  {'-':<8}{'-':>9}  {note}")
    print(f"\n* selected (setting 'model.name'). Add a model: copy a .gguf file into {settings.paths.models_dir}")
    return 0


def cmd_eval(args) -> int:
    from assistant.eval import report, runner
    from assistant.eval.questions import load_questions, select

    questions = select(load_questions(args.questions), args.split, args.limit, args.sample, args.seed)
    if not questions:
        from assistant.errors import AssistantError

        raise AssistantError(f"no questions selected from {args.questions} (check --split)")
    app = _app(args, model__name=args.model)
    if args.corpus:
        ingest_report = app.ingest(progress=sys.stderr.isatty())
        if ingest_report.errors:
            print(ingest_report.summary(), file=sys.stderr)
    out = args.out or Path("eval-out") / args.questions.stem
    try:
        rows = runner.run(app, questions, out, args.retrieval_only, progress=sys.stderr.isatty())
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished questions are kept in {out}; run the same command to resume", file=sys.stderr)
        return 130
    results = report.write(out, runner.fingerprint(app, questions, args.retrieval_only), rows)
    print(report.markdown(results).split("\n## Failures")[0])
    print(f"written: {out}/results.json, {out}/report.md, {out}/report.html")
    return 0


def cmd_eval_compare(args) -> int:
    from assistant.eval.compare import compare, load_results, render

    a, b = load_results(args.a), load_results(args.b)
    diff = compare(a, b)
    print(json.dumps(diff, indent=2) if args.json else render(diff, a, b))
    return 0


def cmd_serve(args) -> int:
    from assistant.serve import check_exposure, serve

    workspace = _workspace(args, model__name=args.model, server__host=args.host, server__port=args.port)
    check_exposure(workspace.settings)  # before minutes of ingest
    if not args.no_ingest:
        for app in workspace.apps():
            print(f"{app.collection}: {app.ingest(progress=sys.stderr.isatty()).summary()}")
    if args.watch:
        import threading

        stop = threading.Event()
        for app in workspace.apps():
            threading.Thread(target=app.watch, args=(stop,), kwargs={
                "on_report": lambda r, name=app.collection: (r.added or r.updated or r.removed or r.errors)
                and print(f"{name}: {r.summary()}", flush=True),
                "on_error": lambda exc: print(f"error: {exc}", file=sys.stderr, flush=True),
            }, daemon=True, name=f"watch-{app.collection}").start()
    serve(workspace)
    return 0


def _users(args):
    from assistant.config import load_settings
    from assistant.users import FILE, Users

    return Users(load_settings(paths__data_dir=args.data_dir).paths.data_dir / FILE)


def cmd_users_add(args) -> int:
    known = _workspace(args).names()
    wanted = [c.strip() for c in args.collections.split(",") if c.strip()]
    users = _users(args)
    _print_secrets(users.add(args.name, args.admin, wanted, known), args.json, "added")
    if len(users.list()) == 1:
        print("the first account: a server running now takes accounts at its restart", file=sys.stderr)
    return 0


def cmd_users_reset(args) -> int:
    _print_secrets(_users(args).reset(args.name), args.json, "reset")
    return 0


def _print_secrets(made, as_json: bool, done: str) -> None:
    if as_json:
        print(json.dumps({"name": made.name, "password": made.password, "api_key": made.api_key}))
        return
    print(f"user {made.name} {done}.\n  password: {made.password}\n  API key:  {made.api_key}\n"
          f"Shown this once: give them to {made.name} now (`assistant users reset {made.name}` makes new ones).")


def cmd_users_list(args) -> int:
    rows = [{"name": u.name, "admin": u.admin, "collections": "all" if u.admin else list(u.collections)}
            for u in _users(args).list()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"  {r['name']:<24}{'admin' if r['admin'] else 'member':<8}"
              f"{r['collections'] if r['admin'] else ', '.join(r['collections'])}")
    if not rows:
        print("no users: the server is open on loopback, or uses the server.username/password and api_key settings")
    return 0


def cmd_users_remove(args) -> int:
    _users(args).remove(args.name)
    print(f"user {args.name} removed: their API key and login stop working at once.")
    return 0


def _ratings(args, up=None):
    """The stored ratings the options choose (--since, --collection)."""
    from datetime import date

    from assistant.config import load_settings
    from assistant.errors import AssistantError
    from assistant.feedback import FILE, Feedback

    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        raise AssistantError(f"--since {args.since}: give a day as YYYY-MM-DD") from None
    path = load_settings(paths__data_dir=args.data_dir).paths.data_dir / FILE
    return Feedback(path).ratings(since, args.collection, up) if path.exists() else []


def cmd_feedback_export(args) -> int:
    from assistant.eval.feedback_set import export

    n = export(_ratings(args, up=False), args.out)
    print(f"{n} thumbs-down question{'s' * (n != 1)} written to {args.out}. Each is a draft (\"to_confirm\": true): "
          "write its keywords, check its sources and answerable, then drop to_confirm. "
          f"`assistant eval {args.out}` scores them (correctness once confirmed; --retrieval-only needs no model).")
    return 0


def cmd_feedback_list(args) -> int:
    ratings = _ratings(args, up=False if args.down else None)
    for r in ratings:
        if args.json:
            print(r.model_dump_json())
            continue
        said = f"  right answer: {' '.join(r.correction.split())}" if r.correction else ""
        print(f"{r.id:>5}  {r.time:%Y-%m-%d %H:%M}  {'up  ' if r.up else 'down'}  {r.user or '-':<12} "
              f"{r.collection:<12} {' '.join(r.question.split())}{said}")
    if not ratings and not args.json:
        print("no ratings" + (" of these days or this collection" if args.since or args.collection else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
