"""w2vlib: Cython-accelerated word2vec with a gensim-compatible API."""
__version__ = "0.1.0"
