"""Names as people type them: one matching key and one closest-name search for the whole project.

``name_key`` is how every reader compares an item, donor or corridor reference with the catalog
(DESIGN.md §2.2 "Items"): Unicode NFKC, invisible characters (zero-width, soft hyphen, control
characters) removed, case folded, whitespace and punctuation collapsed, each word folded to its
singular. ``"M777  Howitzers"``, ``"m777-howitzer"`` and ``"M777\u200bhowitzer"`` share a key.

``NameIndex`` answers "which known names are closest to this unknown one" for error messages. It
indexes the keys by character trigrams, looks only at the candidates sharing the rarest trigrams
of the query, and ranks those with :class:`difflib.SequenceMatcher`, so 20 unknown references
against a 200,000-item catalog take well under a second (a full ``difflib`` scan takes minutes).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

import numpy as np

# Characters that show nothing (or nothing sensible) in a cell: C0/C1 controls, soft hyphen,
# zero-width and direction marks, word joiners, BOM.
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
# Line and tab characters separate words rather than vanish.
_SPACE_LIKE = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_NON_WORD = re.compile(r"[\W_]+")
_NO_FOLD = ("ss", "us", "is", "os")
SUGGESTIONS = 3
_MAX_KEY = 100
_OWNER_BITS = 24  # keys per index: at most 16.7 million
_OWNER_MASK = (1 << _OWNER_BITS) - 1
_POSTING_BUDGET = 60_000  # candidate references looked at per query
_SHORTLIST = 80  # candidates ranked with SequenceMatcher per query


def singular(word: str) -> str:
    """English plural folding for one lower-case word: ``shells`` → ``shell``, ``kits`` → ``kit``.

    Words of three letters or fewer, numbers and words ending in ss/us/is/os stay as they are.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(_NO_FOLD):
        return word[:-1]
    return word


def clean_text(text: str) -> str:
    """NFKC-normalised text without invisible characters, whitespace collapsed (case kept)."""
    t = str(text)
    if not t.isascii():
        t = unicodedata.normalize("NFKC", t)
    t = _SPACE_LIKE.sub(" ", t)
    t = INVISIBLE.sub("", t)
    return " ".join(t.split())


def name_words(text: str) -> list[str]:
    """The words of a name after cleaning, case folding and singular folding."""
    folded = _NON_WORD.sub(" ", clean_text(text).casefold())
    return [singular(w) for w in folded.split()]


def name_key(text: str) -> str:
    """Matching key: ``name_words`` joined without spaces (so "155mm" and "155 mm" meet)."""
    key = "".join(name_words(text))
    if key:
        return key
    # a name of punctuation only ("#", "№") keeps its characters
    return "".join(clean_text(text).casefold().split())


def _gram_codes(data: np.ndarray) -> np.ndarray:
    """Trigram codes of a byte array: byte i, i+1 and i+2 packed into one integer."""
    d = data.astype(np.int32)
    return (d[:-2] << 16) | (d[1:-1] << 8) | d[2:]


class NameIndex:
    """Known names (shown text → the thing they name) searchable by closeness of their keys.

    Parameters
    ----------
    names
        ``(shown text, target)`` pairs: target is what a match resolves to (an item_id); the
        first text given for a key is the one suggestions show.
    """

    def __init__(self, names: Iterable[tuple[str, str]]):
        self.shown: list[str] = []
        self.targets: list[str] = []
        self.keys: list[str] = []
        self.by_key: dict[str, int] = {}
        for text, target in names:
            key = name_key(text)[:_MAX_KEY]
            if not key or key in self.by_key:
                continue
            self.by_key[key] = len(self.keys)
            self.keys.append(key)
            self.shown.append(str(text))
            self.targets.append(str(target))
        self._grams: np.ndarray | None = None
        self._cache: dict[str, list[str]] = {}

    def get(self, text: str) -> str | None:
        """The target whose key equals the key of ``text``, else None."""
        i = self.by_key.get(name_key(text)[:_MAX_KEY])
        return None if i is None else self.targets[i]

    def prepare(self) -> None:
        """Build the trigram index now (else the first :meth:`closest` call builds it)."""
        self._index()

    def _index(self) -> np.ndarray:
        """Sorted ``trigram code << 24 | key number`` of every key, built once with NumPy.

        Trigrams that straddle two keys hold the separator byte 0, which no query holds, so
        they are kept (never matched) rather than filtered out.
        """
        if self._grams is None:
            encoded = [(" " + k + " ").encode() for k in self.keys]
            data = np.frombuffer(b"\x00".join(encoded) + b"\x00\x00", dtype=np.uint8)
            owner = np.repeat(
                np.arange(len(encoded), dtype=np.int64),
                np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded)),
            )
            packed = _gram_codes(data).astype(np.int64)
            packed <<= _OWNER_BITS
            packed |= owner[: len(packed)]
            packed.sort()
            self._grams = packed
        return self._grams

    def closest(self, text: str, n: int = SUGGESTIONS, cutoff: float = 0.6) -> list[str]:
        """Up to ``n`` shown names closest to ``text`` (best first, one per target)."""
        key = name_key(text)[:_MAX_KEY]
        if key in self._cache:
            return self._cache[key]
        out: list[str] = []
        if self.keys and key:
            packed = self._index()
            query = np.unique(_gram_codes(np.frombuffer((" " + key + " ").encode(), np.uint8)))
            query = query.astype(np.int64) << _OWNER_BITS
            lo = np.searchsorted(packed, query, "left")
            hi = np.searchsorted(packed, query + (1 << _OWNER_BITS), "left")
            spans = sorted(
                (int(h - low), int(low)) for low, h in zip(lo, hi, strict=True) if h > low
            )
            parts, used = [], 0
            for size, low in spans:  # rarest trigrams first, within a budget
                if used and used + size > _POSTING_BUDGET:
                    break
                parts.append(packed[low : low + size] & _OWNER_MASK)
                used += size
            if parts:
                found, counts = np.unique(np.concatenate(parts), return_counts=True)
                top = np.argsort(-counts, kind="stable")[:_SHORTLIST]
                out = self._rank(key, [int(i) for i in found[top]], n, cutoff)
        self._cache[key] = out
        return out

    def _rank(self, key: str, candidates: list[int], n: int, cutoff: float) -> list[str]:
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        scored: list[tuple[float, str, int]] = []
        for i in candidates:
            matcher.set_seq1(self.keys[i])
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
                ratio = matcher.ratio()
                if ratio >= cutoff:
                    scored.append((-ratio, self.keys[i], i))
        out: list[str] = []
        seen: set[str] = set()
        for _neg, _key, i in sorted(scored):
            if self.targets[i] not in seen:
                seen.add(self.targets[i])
                out.append(self.shown[i])
            if len(out) == n:
                break
        return out


def closest_names(text: str, known: Iterable[str], n: int = SUGGESTIONS) -> list[str]:
    """Closest of ``known`` to ``text`` (for one-off references such as corridor ids)."""
    return NameIndex((k, k) for k in known).closest(text, n)


def quote_list(names: list[str]) -> str:
    """``closest: "A", "B"`` or ``no close match`` for messages."""
    if not names:
        return "no close match"
    return "closest: " + ", ".join(f'"{n}"' for n in names)
