"""Git remotes as audit roots: URL parsing, a cache of partial bare mirrors, configs
read from git blobs, and a binding written as a pushed branch.

Imports `config` (parsing the config bytes read from a blob) and `errors`; never the host.
"""
