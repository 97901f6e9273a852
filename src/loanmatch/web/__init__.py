"""The HTTP face of loanmatch: the demo page (Jinja2, zh-CN/en) and the JSON API (FastAPI)."""
