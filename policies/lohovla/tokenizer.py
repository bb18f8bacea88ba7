"""Word-level tokenizer (the `tokenizers` library) over the fixed vocabulary of goals and sub-tasks.

The vocabulary is built from every task template and all eleven colours, so words that long-horizon training
never shows (orange, purple, pink, white) still have their own ids; the primitives and the captions teach them.
Saved as tokenizer.json with the checkpoint; a pretrained backbone brings its own tokenizer instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers

PAD, UNK, BOS, EOS, MASK = "[PAD]", "[UNK]", "[BOS]", "[EOS]", "[MASK]"
SPECIALS = (PAD, UNK, BOS, EOS, MASK)

COLORS = ("blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown", "white", "gray")
#: Words of every goal / sub-task / caption template we know, so ids do not depend on what a dataset holds.
_TEMPLATE_TEXT = (
    "pick up the and place it in on block blocks bowl bowls zone zones table area center top bottom left right "
    "middle smaller bigger small big put with matching mismatched colors color of an even number stack all over "
    "same together size sizes alternate move to from into onto describe scene hidden under tower towers pyramid "
    "layer layers relative position positions by between a each one two three other front behind first second "
    "third base"
)
TEMPLATE_WORDS = (*_TEMPLATE_TEXT.split(" "), ".", ",", "-", "'")

_SPLIT = re.compile(r"\w+|[^\w\s]")


def words(text: str) -> list[str]:
    """The pre-tokenizer's split (words and single punctuation marks), lower-cased."""
    return _SPLIT.findall(text.lower())


def build_tokenizer(extra_texts: Iterable[str] = ()) -> Tokenizer:
    """WordLevel tokenizer: specials first (fixed ids 0-4), then template words, colours, then dataset words."""
    vocab: dict[str, int] = {}
    for w in (*SPECIALS, *COLORS, *TEMPLATE_WORDS, *(w for t in extra_texts for w in words(t))):
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation()])
    tok.add_special_tokens(list(SPECIALS))
    return tok


class TextCodec:
    """Encode / decode goal and sub-task strings; decode(encode(s)) == s for template sentences."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        missing = [s for s in SPECIALS if tokenizer.token_to_id(s) is None]
        if missing:  # a pretrained checkpoint's tokenizer: our specials are appended (the LM resizes its rows)
            tokenizer.add_special_tokens(missing)
        ids = {s: tokenizer.token_to_id(s) for s in SPECIALS}
        self.word_level = isinstance(tokenizer.model, models.WordLevel)
        self.pad_id, self.unk_id, self.bos_id, self.eos_id, self.mask_id = (ids[s] for s in SPECIALS)
        self.special_ids = set(ids.values())

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text.lower(), add_special_tokens=False).ids

    def decode(self, ids: Iterable[int]) -> str:
        """Words joined by spaces, no space before punctuation, stopping at EOS; specials dropped."""
        ids = [int(i) for i in ids]
        if self.eos_id in ids:
            ids = ids[: ids.index(self.eos_id)]
        if not self.word_level:
            return self.tokenizer.decode(ids, skip_special_tokens=True).strip()
        out = ""
        for i in ids:
            if i in self.special_ids:
                continue
            w = self.tokenizer.id_to_token(i)
            out += w if (not out or re.fullmatch(r"[.,]", w)) else " " + w
        return out.replace(" - ", "-").replace(" ' ", "'")

    def save(self, path: Path | str) -> None:
        self.tokenizer.save(str(path))

    @classmethod
    def load(cls, path: Path | str) -> TextCodec:
        return cls(Tokenizer.from_file(str(path)))
