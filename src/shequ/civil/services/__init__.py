"""Writes of the civil app, one module per noun (house style 10); import from the owner:

- ``registry``: ``organisation_register``, ``organisation_update``, ``rating_record``,
  ``inspection_record``, ``organisation_set_status``;
- ``members``: ``invitation_send``, ``invitation_accept``, ``membership_end``;
- ``calls``: calls, screening, reviews, determination, notice, experts;
- ``applications``: ``draft_save``, ``document_attach``, ``draft_submit``,
  ``application_submit`` (drafts, the documents checklist, submission);
- ``reviews``: ``review_assign``, ``review_unassign`` (chosen reviewers), ``conflict_declare``,
  ``engagement_record`` (experts' engagements that recuse them);
- ``contracts``: contracts and their tranches, through the funds ledger;
- ``evaluations``: ``evaluation_record`` (mid-term / final, by an expert or a third party).
"""
