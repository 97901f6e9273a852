"""Matching: one applicant or a file of them against the market (eligibility, certified
probability, price, ranking), with reasons and the verified "not yet" plan."""
