"""Counting a corpus's words on a Dask cluster (``build_vocab(corpus_file=..., client=client)``).

Each shard (:mod:`w2vlib._shards`: a byte range of a plain file, or a whole compressed or remote
file) is counted by a task on a worker with the compiled counter, which opens the shard itself:
no corpus text passes through the client or the scheduler, only word counts. The counts are
merged in corpus order — a word's place is that of its first appearance in the first shard
holding it — by a tree of merge tasks on the workers, then handed to the vocabulary as one
count. Without ``max_vocab_size`` pruning the result is the single-machine scan's: the same
words, counts, sentence and word totals, and order (hence the same sorted vocabulary).

With ``max_vocab_size``, each shard is pruned on its own while it is counted (gensim's rule,
its ``min_reduce`` starting at 1 in every shard) and the merged counts are not pruned again: a
word pruned in one shard loses that shard's count but keeps its others, and the merged table
may hold up to (shards x ``max_vocab_size``) words. The single-machine scan prunes one table
chained through the whole corpus, so with pruning the two can differ.
"""
import logging

import smart_open

from w2vlib import _compressed, _dask_cluster, _reader, _shards
from w2vlib.errors import EmptyVocabularyError, ShardError

logger = logging.getLogger(__name__)

#: Plain files are counted in byte ranges of this size, so that all workers count at once.
PIECE_BYTES = 64 << 20
#: Counts merged per merge task (the fan-in of the merge tree).
MERGE_FAN_IN = 8


def count_shard(shard, max_vocab_size, trim_rule):
    """Count one shard on a worker: ``(counts, total_words, sentences)``; any error reading it
    becomes a :class:`ShardError` naming the shard."""
    try:
        with _compressed.located(shard.path), smart_open.open(shard.path, "rb") as fileobj:
            counts, words, sentences, _ = _reader.count_words(
                fileobj, max_vocab_size=max_vocab_size, trim_rule=trim_rule, start=shard.start,
                end=shard.end)
    except Exception as error:
        raise ShardError(str(shard), f"{type(error).__name__}: {error}") from None
    return counts, words, sentences


def merge(*parts):
    """Counts of consecutive parts of the corpus as one, in corpus order (associative, so the
    merge can run as a tree)."""
    counts, words, sentences = dict(parts[0][0]), parts[0][1], parts[0][2]
    for part_counts, part_words, part_sentences in parts[1:]:
        for word, count in part_counts.items():
            counts[word] = counts.get(word, 0) + count
        words, sentences = words + part_words, sentences + part_sentences
    return counts, words, sentences


def count(client, paths, max_vocab_size=None, trim_rule=None, piece_bytes=None):
    """Count the files `paths` on the cluster; ``(counts, total_words, sentences)``.

    Raises
    ------
    ShardError
        If a shard cannot be read (missing, unreadable URI, invalid UTF-8 ...), naming it.

    Notes
    -----
    `piece_bytes` (default :data:`PIECE_BYTES`) is the size of the byte ranges plain files are
    counted in.
    EmptyVocabularyError
        If the files hold no word at all, naming them.
    """
    _dask_cluster.check_workers(client)
    shards = _shards.split(paths, piece_bytes or PIECE_BYTES)
    level = [client.submit(count_shard, shard, max_vocab_size, trim_rule, pure=False)
             for shard in shards]
    while len(level) > 1:
        level = [client.submit(merge, *level[i:i + MERGE_FAN_IN], pure=False)
                 for i in range(0, len(level), MERGE_FAN_IN)]
    try:
        counts, words, sentences = level[0].result()
    finally:
        client.cancel(level)
    if words == 0:
        named = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        raise EmptyVocabularyError(f"corpus_file: no word in {len(paths)} file(s): {named}")
    logger.info("counted %i words, %i sentences, %i distinct words in %i shards on %i workers",
                words, sentences, len(counts), len(shards), len(client.scheduler_info()["workers"]))
    return counts, words, sentences
