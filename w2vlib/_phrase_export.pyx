# cython: language_level=3
"""gensim's ``Phrases.export_phrases`` (and so ``freeze``), compiled: every key of a model's
counts that the delimiter splits into two or more parts is scored as the candidate from its
first part to its last (the parts between taken as connector words), as gensim's loop over
``vocab`` scores it, and kept, with its score, when it is a phrase. Without the GIL, unless the
scorer is a Python function.

>>> from w2vlib._phrase_apply import Detector, KIND_ORIGINAL
>>> from w2vlib._phrase_tables import KeyTable
>>> from w2vlib._reader import VocabIndex
>>> counts, phrases = KeyTable(), KeyTable(scores=True)
>>> counts["new"], counts["york"], counts["new_york"], counts["big"] = 4, 4, 4, 9
>>> export_phrases(Detector(counts, KIND_ORIGINAL, None, 0.5, 1, 21, VocabIndex([]), "_"), phrases)
1
>>> dict(phrases.items())
{'new_york': 0.75}
"""
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcmp
from w2vlib._phrase_apply cimport FROZEN, OUT_OF_MEMORY, PYTHON, Detector
from w2vlib._phrase_tables cimport KeyTable
from w2vlib._reader cimport Record, StrTable, entry_record, hash_bytes, table_intern


cdef int64_t _find(const unsigned char* p, int64_t n, const unsigned char* d, int64_t dn,
                   int64_t start) noexcept nogil:
    """Position of the first ``d[:dn]`` in ``p[start:n]``, -1 if none."""
    cdef int64_t i
    for i in range(start, n - dn + 1):
        if p[i] == d[0] and memcmp(p + i, d, dn) == 0:
            return i
    return -1


def export_phrases(Detector detector, KeyTable target not None):
    """gensim's ``Phrases.export_phrases`` into `target` (a score table): every key of the
    counts that the delimiter splits into two or more parts, scored as the candidate from its
    first part to its last (the parts between taken as connector words), kept when it is a
    phrase. Returns the number kept."""
    cdef StrTable* t = detector.t
    cdef int64_t status = 0
    if detector.kind == FROZEN or target.scores is False:
        raise TypeError("export_phrases reads counts and writes scores")
    detector.table.begin_read()
    try:
        if detector.kind == PYTHON:
            status = _export(detector, target)
        else:
            target.begin_write()
            try:
                with nogil:
                    status = _export(detector, target)
            finally:
                target.end_write()
    finally:
        detector.table.end_read()
    if status < 0:
        detector.fail()
    return status


cdef int64_t _export(Detector det, KeyTable target) noexcept nogil:
    cdef StrTable* t = det.t
    cdef int32_t e
    cdef int64_t n, cut, last_start, at, kept = 0, ca, cb, cab
    cdef const unsigned char* key
    cdef Record* r
    cdef Record* kept_at
    cdef double score
    for e in range(t.n):
        r = entry_record(t, e)
        key, n = r.key, r.len
        cut = _find(key, n, det.delim, det.delim_len, 0)
        if cut < 0:
            continue
        last_start = cut + det.delim_len       # str.split: occurrences left to right, no overlap
        at = _find(key, n, det.delim, det.delim_len, last_start)
        while at >= 0:
            last_start = at + det.delim_len
            at = _find(key, n, det.delim, det.delim_len, last_start)
        ca = det.count(key, cut, hash_bytes(key, cut))
        if ca <= 0:
            continue
        cb = det.count(key + last_start, n - last_start,
                       hash_bytes(key + last_start, n - last_start))
        cab = r.value.count
        if cb <= 0 or cab <= 0:
            continue
        if det.score_counts(ca, cb, cab, &score) < 0:
            return -1
        if not score <= det.threshold:
            kept_at = table_intern(&target.table, key, n)
            if kept_at == NULL:
                det.failure = OUT_OF_MEMORY
                return -1
            kept_at.value.score = score
            kept += 1
    target.version += 1
    return kept
