"""Writes of casework (办件), one module per noun; import the module that owns the noun.

- ``definitions``: application forms of a service, their eligibility rules, publishing them.
- ``answers``: checking a resident's answers and uploads, revealing a personal number answered.
- ``applications``: the state machine: submit, resubmit, withdraw, the staff's steps.
- ``deadlines``: the legal deadline in working days: set, paused, computed later, escalated.
- ``holidays``: the holiday table (法定节假日与调休) working days are counted from.
- ``errors``: errors raised by more than one of these modules.
"""
