"""local: finding spec-kitty projects on disk under the repo roots and caching their
parsed configs.

Imports `config` and `errors`; never the host.
"""
