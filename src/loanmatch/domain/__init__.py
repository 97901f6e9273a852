"""The pure domain: features, rules, products, eligibility, offer selection, certification and
measures.

Nothing here imports a web, database or machine-learning framework; NumPy arrays are the only
vehicle for many applicants at once.
"""
