"""A real server (the chat window and the API, Chroma embedded) whose embedder and models are deterministic
stand-ins: for tests of what the server itself does (accounts, saved conversations), with no model loaded."""

from __future__ import annotations

from tests.support.fakes import FakeEmbedder, ScriptedGenerator

REPLY = "The rye loaf of the Vellholm bakery rests for 14 hours [1]."


class Always(ScriptedGenerator):
    """The stand-in model: the same reply to every request."""

    def __init__(self, reply: str = REPLY):
        super().__init__()
        self.reply = reply

    def warm(self, messages):
        pass

    def stream(self, messages, max_tokens, temperature, seed, stop=None):
        self.replies = [self.reply]
        yield from super().stream(messages, max_tokens, temperature, seed, stop)


def scripted_server(settings, reply: str = REPLY):
    """A real server over these settings' collections, ingested with the fake embedder, every model scripted."""
    from assistant.app import Workspace
    from assistant.serve import serve

    workspace = Workspace(settings)
    workspace.engines.__dict__["embedder"] = FakeEmbedder()
    for app in workspace.apps():
        app.ingest()
    for model in {settings.model.name, *workspace.engines.model_names()}:
        workspace.engines._generators[model] = Always(reply)
    return serve(workspace, block=False)
