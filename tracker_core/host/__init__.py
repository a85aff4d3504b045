"""host: talking to the SaaS host — the HTTP client, the wire models read from its
responses, retries and rate-limit pauses, tokens, bounded concurrency.

Imports `config` (the project identity it sends), `errors`, `providers`, `safe_text`.
"""
