"""Typed errors. Every message says what went wrong and what to do next.

The CLI, UI and API turn these into user messages at one boundary each; no
other module prints or exits. Nothing here imports from the rest of the package.
"""


class AssistantError(Exception):
    """Base class: the message is shown to the user as it is."""


class ConfigError(AssistantError):
    """A setting has a bad value (names the field and the allowed values)."""


class ModelNotFound(AssistantError):
    """A model name or file does not resolve to a usable GGUF file."""


class ModelFileError(AssistantError):
    """A model file is missing, truncated, or fails its sha256 check."""


class EmbedderMismatch(AssistantError):
    """A collection was built by another embedder than the one configured."""


class IngestError(AssistantError):
    """A document could not be read or parsed (names the file and the reason)."""


class StoreError(AssistantError):
    """The vector store could not be opened or written."""


class GenerationError(AssistantError):
    """The language model failed to load or to answer."""


class ContextError(AssistantError):
    """The question and the rules alone do not fit in the model's context window."""


class FilterError(AssistantError):
    """A filter (files, folders, dates) matches no indexed document."""


class UploadError(AssistantError):
    """An uploaded file is refused (type, size or name), with the reason."""


class RepairedState(UserWarning):
    """A damaged or missing part of data/ was found and set aside or rebuilt (a warning, not an error:
    the command goes on, and the next ingest finishes the repair)."""


class QuestionError(AssistantError):
    """A question is refused before it is answered (too long), with the reason."""


class AccountError(AssistantError):
    """A user account is refused or not found (a bad name, a name taken, an unknown collection), naming the
    field; or the users file cannot be read."""


class AccessDenied(AssistantError):
    """A signed-in user asked for what their account does not allow (another collection, an admin's task)."""


class NotSignedIn(AssistantError):
    """No credentials, or wrong ones (no API key, an unknown key, a wrong password)."""


class TooManyFailures(AssistantError):
    """Too many failed sign-ins from this address or for this name: refused for a while."""


class ServerError(AssistantError):
    """The assistant server `ask` and `chat` use (client.server_url) is not there, refused the request (naming
    the setting to fix), or went away before the answer ended."""


class FeedbackError(AssistantError):
    """A rating cannot be stored or read (the feedback file is unreadable), or names no rating."""


class ConversationError(AssistantError):
    """A saved conversation cannot be found (deleted, or another user's), renamed (an empty title) or stored (the
    conversations file is unreadable)."""
