"""flows: what a user does — discovery, bind, re-bind, status, audit, the activity log,
and the service/session objects that bundle them for the faces.

Imports everything below it (`access`, `local`, `remote`, `host`, `config`, `store`); never
`tables`.
"""
