"""Use cases as plain functions, grouped by what they serve: ``simulate``, ``train``, ``journey``,
and the packages ``intake`` (the sessions), ``assistant`` (the chat), ``evaluation`` and ``risk``
(matching itself is `loanmatch.matching`)."""
