"""Writes of surveys, one module per noun (house style 10). Import from the module that owns
the noun; this package re-exports nothing.

- ``surveys``: ``survey_create``, ``survey_latest_version``, ``survey_settings_update``,
  ``survey_open`` and ``survey_close``;
- ``questionnaire``: the builder (``survey_question_add/update/delete/move``,
  ``survey_section_save/move/delete``), ``survey_definition_save`` and
  ``survey_import_xlsform``;
- ``sampling``: ``sampling_frame``, ``stratum_populations``, ``sampling_plan_set`` and
  ``sampling_plan_draw`` (the invitations);
- ``answers``: ``VersionQuestions``, ``answers_clean`` (with repeated sections' entries),
  ``AnswersInvalid`` and ``response_answers``;
- ``photos``: photo uploads, ``photo_storage`` and "keep the photo sent before";
- ``responses``: ``response_save_by_invitation``, ``response_save_for_resident``,
  ``response_save_by_interviewer``, ``response_save_open`` and ``AlreadySubmitted``;
- ``weights``: ``survey_weights_compute`` (raking);
- ``_common``: what several of them share (the survey row lock and manager check,
  ``token_hash``, the reference date for ages, ``SEX_VALUES``).

Every function checks who may act, runs in one transaction and leaves nothing half-written
when it refuses. Imports run one way: ``_common`` ← ``surveys`` ← ``questionnaire``;
``_common`` ← ``sampling`` ← ``weights``; ``photos`` ← ``answers`` ← ``responses``, which
also uses ``surveys`` and ``_common``.
"""
