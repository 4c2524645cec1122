"""The embedder in bfloat16 (setting embed_precision) writes the vectors float32 writes, to within a
cosine of 0.999, on this machine's real MiniLM; 'auto' follows the CPU's flags."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embed import SentenceEmbedder, cpu_has_bf16
from assistant.modelfiles import embedder_path

pytestmark = pytest.mark.embedder
TEXTS = ["The ferry Vellholm carried 81,000 passengers last year.",
         "Taiwan entered a partnership with a leading French drone company.",
         "The lighthouse at Karsk Point was rebuilt in stone in 1923 by the engineer Oda Ruskvik."]


def test_bfloat16_vectors_match_float32():
    full = np.array(SentenceEmbedder("all-MiniLM-L6-v2", embedder_path(), precision="float32").embed(TEXTS))
    half = np.array(SentenceEmbedder("all-MiniLM-L6-v2", embedder_path(), precision="bfloat16").embed(TEXTS))
    assert full.shape == half.shape == (3, 384)
    assert ((full * half).sum(1) > 0.999).all()
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-2)


def test_auto_uses_bfloat16_only_where_the_cpu_has_it():
    assert SentenceEmbedder("all-MiniLM-L6-v2", embedder_path(), precision="auto").bf16 == cpu_has_bf16()
    assert not SentenceEmbedder("all-MiniLM-L6-v2", embedder_path(), precision="float32").bf16
