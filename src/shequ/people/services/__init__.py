"""Writes of people, one module per noun; import the module that owns the noun.

Every service runs in one transaction and leaves an ``AuditEvent``.

- ``accounts``: a new account checked and saved, the e-mail address, notices to an owner.
- ``registration``: registering in two steps, with the code sent to the phone.
- ``residents``: the real-name check, verification, revealing a personal number.
- ``staff``: the first administrator, staff accounts, their roles and set-password links.
- ``departments``: departments opened, renamed, closed and reopened.
- ``passwords``: changing a password, resetting it by SMS code or e-mailed link.
- ``codes``: how long a one-time SMS code is valid and how many tries it takes.
"""
