"""The ``loanmatch`` command line (typer): a thin shell over :mod:`loanmatch.services`.

A command that needs the model or the simulator imports its service inside the command's
function, so ``loanmatch --help`` and the light commands start without loading LightGBM. This
hides no cycle: ``cli`` is the top layer, and import-linter reads imports inside functions too
(the ``layers`` and ``no-cycles`` contracts in pyproject.toml cover them).
"""
