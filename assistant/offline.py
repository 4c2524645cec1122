"""Air-gap switches, applied before any heavy library is imported.

`enforce()` sets the environment variables that keep Hugging Face, Chroma and
Gradio from reaching the network or sending telemetry. `assistant/__init__.py`
calls it, so importing the package at all is enough: this is the one deliberate
import-time side effect in the project, because these libraries read the
variables when they are first imported, and no entry point may forget them.

It does not stop code from opening sockets; the tests guard that separately.
"""

import os

# Values are forced, not defaulted: a user's shell must not re-enable a download.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY_ENABLED": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_TELEMETRY_ENABLED": "False",
    "GRADIO_SHARE": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce() -> None:
    """Set every offline and no-telemetry switch in this process's environment."""
    os.environ.update(OFFLINE_ENV)
