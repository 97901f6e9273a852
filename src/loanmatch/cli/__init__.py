"""The ``loanmatch`` command line (typer): a thin shell over :mod:`loanmatch.services`."""
