"""The local index room: real arXiv metadata searched with arXiv's own query language, offline.

- records: `IndexRecord`, one paper as the index holds it (the contract between readers, engine and stand-in)
- formats: readers for arXiv's JSON-lines bulk snapshot, arXiv API Atom feeds and the corpus format
- engine: the tantivy index (build, open, search, look up by ID, info)
- query: arXiv's query syntax parsed into engine queries (rules: tests/index and search-semantics)
- oai: arXiv's OAI-PMH client for `retest index update`
"""
