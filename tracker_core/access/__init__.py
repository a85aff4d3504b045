"""access: who may do what — settings shared by every face, the access policy (role,
allowed write roots) and the sign-in role rules.

Imports `host` (token providers), `config`, `store` (the database URL setting), `remote`
(remote roots in the settings), `errors`, `safe_text`.
"""
