"""config: the repo's `.kittify/config.yaml` — the model, the reader, the byte-preserving
writer (atomic, locked, conflict-checked) and the project identity.

Imports only `tracker_core.errors` and `tracker_core.safe_text`; everything else imports it.
"""
