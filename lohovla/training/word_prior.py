"""Balanced softmax for chosen words (colours): each task's own prior over them is factored out of the text loss.

Long-horizon demonstrations name only the TRAIN colours, so a plain cross-entropy teaches the planner that in a
long-horizon context "orange" is never the answer, whatever the image shows; the model learns that suppression
and writes a train colour for an orange block at test time (benchmarks.probe_planning, plain run: 97% valid
sub-tasks on train-split states of B, 43% on test-split ones; with this: 94% and 73%). Adding log pi_task(word)
to the logits of these words during training (Ren et al., 2020, "Balanced Meta-Softmax") lets the prior explain
the missing colours, so the weights need not learn it; at inference nothing is added and the colour is judged on
the image. Tasks that name every colour about equally (primitives, captions) get a bias near zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from lohovla.policies.lohovla.tokenizer import TextCodec, words


def word_prior_bias(
    tasks: Sequence[str], texts: Sequence[str], codec: TextCodec, balanced: Sequence[str], smoothing: float = 1.0
) -> dict[str, np.ndarray]:
    """Per task, a (vocab,) float32 logit bias: log(pi(w) / max_v pi(v)) on the balanced words, 0 elsewhere.

    pi is the smoothed frequency of each balanced word among the balanced words in the task's target texts.
    """
    ids = {}
    for w in balanced:
        tok = codec.encode(w)
        if len(tok) != 1 or tok[0] == codec.unk_id:
            raise ValueError(f"balanced word {w!r} is not one token of the vocabulary")
        ids[w.lower()] = tok[0]
    counts: dict[str, Counter] = {}
    for task, text in zip(tasks, texts):
        c = counts.setdefault(task, Counter())
        c.update(w for w in words(text) if w in ids)
    out = {}
    for task, c in counts.items():
        freq = np.array([c[w] + smoothing for w in ids], dtype=np.float64)
        bias = np.zeros(codec.vocab_size, dtype=np.float32)
        bias[list(ids.values())] = np.log(freq / freq.max())
        out[task] = bias
    return out
