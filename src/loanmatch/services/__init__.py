"""Use cases as plain functions: simulate, train, evaluate, the intake and chat sessions, journeys
(matching itself is `loanmatch.matching`)."""
